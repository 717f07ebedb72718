#!/usr/bin/python3
"""onnx_torch.py: networks that PyTorch (Debian's python3-torch and python3-torchvision)
exports to ONNX, for cnnconvert's import, and PyTorch's own outputs on the same images.

    onnx_torch.py make DIR
        writes DIR/resnet18.onnx, DIR/mobilenet_v2.onnx (torchvision, random weights and
        batch-norm statistics, 10 classes, softmax at the end) and DIR/unet.onnx (a small U-Net:
        convolutions, max pooling, a transposed convolution, nearest upsampling, concat,
        sigmoid), the images as a stream (DIR/images.tsr, 64x64 RGB u8) and PyTorch's outputs
        for them (DIR/NAME.npy), the input normalised with ImageNet's mean and deviation
        as cnnpredict does for mean-std.
    onnx_torch.py compare DIR NAME PRED [--seg]
        max abs difference between PyTorch's outputs and cnnpredict's: PRED is its table
        (p_class_N columns) or, with --seg, its --stream output (pred_mask as u8; the
        difference then in units of 1/255).
"""
import os
import sys

import numpy as np
import torch
import torch.nn as nn

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import onnx_check  # noqa: E402
import tswrite  # noqa: E402

MEAN = np.array([0.485, 0.456, 0.406], np.float32)
STD = np.array([0.229, 0.224, 0.225], np.float32)


class UNet(nn.Module):
    def __init__(self):
        super().__init__()
        block = lambda i, o: nn.Sequential(nn.Conv2d(i, o, 3, padding=1), nn.ReLU(),
                                           nn.Conv2d(o, o, 3, padding=1), nn.ReLU())
        self.e1, self.e2, self.mid = block(3, 8), block(8, 16), block(16, 32)
        self.pool = nn.MaxPool2d(2)
        self.up2 = nn.ConvTranspose2d(32, 16, 2, stride=2)
        self.d2 = block(32, 16)
        self.up1 = nn.Upsample(scale_factor=2, mode="nearest")
        self.d1 = block(16 + 8, 8)
        self.head = nn.Conv2d(8, 1, 1)

    def forward(self, x):
        a = self.e1(x)
        b = self.e2(self.pool(a))
        m = self.mid(self.pool(b))
        d2 = self.d2(torch.cat([self.up2(m), b], 1))
        d1 = self.d1(torch.cat([self.up1(d2), a], 1))
        return torch.sigmoid(self.head(d1))


def nets():
    import torchvision
    torch.manual_seed(0)
    out = {"resnet18": nn.Sequential(torchvision.models.resnet18(num_classes=10), nn.Softmax(1)),
           "mobilenet_v2": nn.Sequential(torchvision.models.mobilenet_v2(num_classes=10), nn.Softmax(1)),
           "unet": UNet()}
    out["mobilenet_v2"][0].classifier[1].weight.data.mul_(30)     # probabilities far from uniform
    for m in out.values():
        m.eval()
        for mod in m.modules():     # statistics that are not the defaults
            if isinstance(mod, nn.BatchNorm2d):
                mod.running_mean.uniform_(-0.2, 0.2)
                mod.running_var.uniform_(0.5, 1.5)
    return out


def make(d):
    r = np.random.default_rng(5)
    imgs = r.integers(0, 256, (6, 64, 64, 3), dtype=np.uint8)
    tswrite.write(os.path.join(d, "images.tsr"),
                  [({"id": "i%d" % i, "label": "class_%d" % (i % 10)}, [("image", im)]) for i, im in enumerate(imgs)])
    a, b = 1 / (255 * STD), -MEAN / STD      # as cnnpredict computes mean-std
    x = torch.tensor((imgs.astype(np.float32) * a + b).transpose(0, 3, 1, 2).copy())
    torch.set_num_threads(2)
    for name, m in nets().items():
        with torch.no_grad():
            np.save(os.path.join(d, name + ".npy"), m(x).numpy())
        torch.onnx.export(m, x[:1], os.path.join(d, name + ".onnx"), opset_version=13, input_names=["x"],
                          output_names=["y"], dynamic_axes={"x": {0: "N"}, "y": {0: "N"}})


def compare(d, name, pred, seg):
    y = np.load(os.path.join(d, name + ".npy"))
    if seg:
        want = np.stack([r["tensors"]["pred_mask"] for r in onnx_check.records(pred)]).astype(np.float32)
        print("max abs diff %.4g (255 p against the u8 masks)" % np.abs(y[:, 0] * 255 - want).max())
        return
    lines = open(pred).read().splitlines()
    head = lines[0].split("\t")
    cols = [head.index("p_class_%d" % k) for k in range(y.shape[1])]
    got = np.array([[float(l.split("\t")[i]) for i in cols] for l in lines[1:]])
    print("max abs diff %.3g" % np.abs(got - y).max())


if __name__ == "__main__":
    if sys.argv[1] == "make":
        make(sys.argv[2])
    else:
        compare(sys.argv[2], sys.argv[3], sys.argv[4], "--seg" in sys.argv)
