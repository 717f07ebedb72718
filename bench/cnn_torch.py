#!/usr/bin/python3
"""PyTorch reference throughput benchmark for the C CNN toolkit models m1..m8.

usage: PYTHON bench/cnn_torch.py MODEL MODE [--threads 2] [--batch 32] [--seconds 5] [--compile]
                                 [--latency N] [--onnx FILE] [--device cpu|cuda] [--precision fp32|tf32|bf16]
MODE train: forward, loss, backward and an Adam step; infer: a forward pass without gradients;
export: writes the model (eval mode, batch dimension dynamic) as ONNX to --onnx FILE, for
bench/cnn_ort.py.  --compile (PyTorch 2): torch.compile with inductor, and for infer the graph
frozen (torch._inductor.config.freezing).  --latency N (infer): also N passes of one image.
--device cuda (bench/bench_gpu.sh): on the GPU, torch.backends.cudnn.benchmark on, the precision as
cnntrain's --precision (tf32: TF32 matmuls and convolutions; bf16: autocast to bfloat16, fp32
master weights), and peak_dev_mib= the most device memory PyTorch allocated.
prints: MODEL MODE images_per_s=X peak_rss_mib=Y [lat_median_ms=M lat_p99_ms=P] [peak_dev_mib=Z]
Works with Debian's PyTorch 1.13 (/usr/bin/python3) and with PyTorch 2 (bench_peers.sh's venv).
"""
import argparse
import contextlib
import importlib
import resource
import sys
import time

import torch
import torch.nn as nn


def build(name):
    """Return (model, input_shape CxHxW, n_outputs, loss_fn)."""
    if name == "m1":
        model = nn.Sequential(
            nn.Conv2d(3, 32, 3, stride=2), nn.ReLU(),     # 63 -> 31
            nn.Conv2d(32, 64, 3, stride=2), nn.ReLU(),    # 31 -> 15
            nn.Conv2d(64, 128, 3, stride=2), nn.ReLU(),   # 15 -> 7
            nn.Flatten(),
            nn.Linear(128 * 7 * 7, 128), nn.ReLU(),
            nn.Dropout(0.5),
            nn.Linear(128, 1),                            # logit; sigmoid folded into loss
        )
        return model, (3, 63, 63), 1, nn.BCEWithLogitsLoss()
    if name == "m2":
        model = nn.Sequential(
            nn.Conv2d(1, 16, 3, padding=1), nn.ReLU(), nn.Dropout(0.1), nn.MaxPool2d(2),   # 128 -> 64
            nn.Conv2d(16, 32, 3, padding=1), nn.ReLU(), nn.Dropout(0.1), nn.MaxPool2d(2),  # 64 -> 32
            nn.Flatten(),
            nn.Linear(32 * 32 * 32, 128), nn.ReLU(),
            nn.Linear(128, 2),
        )
        return model, (1, 128, 128), 2, nn.CrossEntropyLoss()
    if name == "m3":
        layers = []
        cin = 3
        for cout in (32, 32, 64, 128):                    # 96 -> 48 -> 24 -> 12 -> 6
            layers += [nn.Conv2d(cin, cout, 3, padding=1), nn.ReLU(), nn.MaxPool2d(2)]
            cin = cout
        layers += [
            nn.Flatten(),
            nn.Linear(128 * 6 * 6, 2048), nn.ReLU(), nn.Dropout(0.5),
            nn.Linear(2048, 2048), nn.ReLU(), nn.Dropout(0.5),
            nn.Linear(2048, 2),
        ]
        return nn.Sequential(*layers), (3, 96, 96), 2, nn.CrossEntropyLoss()
    if name == "m4":
        return build_m4(), (1, 28, 28), 10, nn.CrossEntropyLoss()
    if name == "m5":
        return UNet(), (3, 128, 128), "mask", nn.BCEWithLogitsLoss(pos_weight=torch.tensor(10.0))
    if name == "m6":
        return TwoTower(), (3, 224, 224), 2, nn.CrossEntropyLoss()
    if name == "m7":
        return Separable(), (3, 224, 224), 2, nn.CrossEntropyLoss()
    if name == "m8":
        return BlurPlusLaplacian(), (3, 96, 96), 2, nn.CrossEntropyLoss()
    raise SystemExit("unknown model %r (want m1 to m8)" % name)


class BlurPlusLaplacian(nn.Module):
    """m8-blur-plus-laplacian: m3's convolutions, one extra input (the standardised variance of
    the Laplacian) joined after flatten, then m3's dense head on 128 * 6 * 6 + 1 values."""

    def __init__(self):
        super().__init__()
        layers = []
        cin = 3
        for cout in (32, 32, 64, 128):
            layers += [nn.Conv2d(cin, cout, 3, padding=1), nn.ReLU(), nn.MaxPool2d(2)]
            cin = cout
        self.convs = nn.Sequential(*layers, nn.Flatten())
        self.head = nn.Sequential(
            nn.Linear(128 * 6 * 6 + 1, 2048), nn.ReLU(), nn.Dropout(0.5),
            nn.Linear(2048, 2048), nn.ReLU(), nn.Dropout(0.5),
            nn.Linear(2048, 2))
    extra = 1                                        # feature values besides the image

    def forward(self, x, f):
        return self.head(torch.cat([self.convs(x), f], 1))


def double_conv(cin, cout):
    return nn.Sequential(nn.Conv2d(cin, cout, 3, padding=1), nn.ReLU(),
                         nn.Conv2d(cout, cout, 3, padding=1), nn.ReLU())


class UNet(nn.Module):
    """m5-unet: encoder 16, 32, 64 (each then maxpool 2), bottleneck 128, transposed-conv decoder."""

    def __init__(self):
        super().__init__()
        self.e1, self.e2, self.e3 = double_conv(3, 16), double_conv(16, 32), double_conv(32, 64)
        self.mid = double_conv(64, 128)
        self.u3, self.d3 = nn.ConvTranspose2d(128, 64, 2, stride=2), double_conv(128, 64)
        self.u2, self.d2 = nn.ConvTranspose2d(64, 32, 2, stride=2), double_conv(64, 32)
        self.u1, self.d1 = nn.ConvTranspose2d(32, 16, 2, stride=2), double_conv(32, 16)
        self.head = nn.Conv2d(16, 1, 1)              # logits; sigmoid folded into the loss
        self.pool = nn.MaxPool2d(2)

    def forward(self, x):
        e1 = self.e1(x)
        e2 = self.e2(self.pool(e1))
        e3 = self.e3(self.pool(e2))
        m = self.mid(self.pool(e3))
        d = self.d3(torch.cat([self.u3(m), e3], 1))
        d = self.d2(torch.cat([self.u2(d), e2], 1))
        d = self.d1(torch.cat([self.u1(d), e1], 1))
        return self.head(d)


class TwoTower(nn.Module):
    """m6-twotower: 3x3 and 5x5 towers over one image, global average pooled, concatenated."""

    def __init__(self):
        super().__init__()

        def tower(k):
            p = k // 2
            return nn.Sequential(
                nn.Conv2d(3, 16, k, stride=2, padding=p), nn.ReLU(), nn.MaxPool2d(2),
                nn.Conv2d(16, 32, k, padding=p), nn.ReLU(), nn.MaxPool2d(2),
                nn.Conv2d(32, 64, k, padding=p), nn.ReLU(), nn.MaxPool2d(2),
                nn.AdaptiveAvgPool2d(1), nn.Flatten())
        self.t3, self.t5 = tower(3), tower(5)
        self.head = nn.Sequential(nn.Linear(128, 64), nn.ReLU(), nn.Dropout(0.5), nn.Linear(64, 2))

    def forward(self, x):
        return self.head(torch.cat([self.t3(x), self.t5(x)], 1))


def separable(cin, cout):
    """Keras' SeparableConv2D: a depthwise 3x3 without bias, then a 1x1 convolution."""
    return nn.Sequential(nn.Conv2d(cin, cin, 3, padding=1, groups=cin, bias=False), nn.Conv2d(cin, cout, 1))


class Separable(nn.Module):
    """m7-separable: an entry of two convolutions, two residual blocks of separable convolutions."""

    def __init__(self):
        super().__init__()
        self.entry = nn.Sequential(nn.Conv2d(3, 32, 3, stride=2, padding=1), nn.BatchNorm2d(32), nn.ReLU(),
                                   nn.Conv2d(32, 64, 3, padding=1), nn.BatchNorm2d(64), nn.ReLU())
        self.b1 = nn.Sequential(separable(64, 128), nn.BatchNorm2d(128), nn.ReLU(),
                                separable(128, 128), nn.BatchNorm2d(128), nn.MaxPool2d(2))
        self.s1 = nn.Conv2d(64, 128, 1, stride=2)
        self.b2 = nn.Sequential(separable(128, 256), nn.BatchNorm2d(256), nn.ReLU(),
                                separable(256, 256), nn.BatchNorm2d(256), nn.MaxPool2d(2))
        self.s2 = nn.Conv2d(128, 256, 1, stride=2)
        self.head = nn.Sequential(nn.AdaptiveAvgPool2d(1), nn.Flatten(), nn.Linear(256, 2))

    def forward(self, x):
        e = self.entry(x)
        b1 = torch.relu(self.b1(e) + self.s1(e))
        b2 = torch.relu(self.b2(b1) + self.s2(b1))
        return self.head(b2)


def build_m4():
    """Classic Keras MNIST convnet."""
    return nn.Sequential(
        nn.Conv2d(1, 32, 3), nn.ReLU(),      # 28 -> 26
        nn.Conv2d(32, 64, 3), nn.ReLU(),     # 26 -> 24
        nn.MaxPool2d(2),                     # 24 -> 12
        nn.Dropout(0.25),
        nn.Flatten(),
        nn.Linear(64 * 12 * 12, 128), nn.ReLU(),
        nn.Dropout(0.5),
        nn.Linear(128, 10),
    )


def inputs(model, shape, n):
    """The model's inputs for n samples: the image batch, and the extra features if it has any."""
    x = torch.rand(n, *shape, dtype=torch.float32)
    k = getattr(model, "extra", 0)
    return (x, torch.randn(n, k)) if k else (x,)


def latency(fn, n):
    """Median and 99th percentile, in ms, of n calls of fn after 5 untimed ones."""
    for _ in range(5):
        fn()
    t = []
    for _ in range(n):
        t0 = time.perf_counter()
        fn()
        t.append(time.perf_counter() - t0)
    t.sort()
    return 1e3 * t[n // 2], 1e3 * t[int(0.99 * (n - 1) + 0.5)]


def export(model, shape, path):
    """ONNX with a dynamic batch dimension: PyTorch 2's exporter (torch.export and onnxscript,
    the default since 2.9), else (PyTorch 1.13, or where that fails) the TorchScript one."""
    model.eval()
    xs = inputs(model, shape, 2)
    names = ["x", "f"][:len(xs)]
    axes = {k: {0: "n"} for k in names + ["y"]}
    kw = dict(input_names=names, output_names=["y"], dynamic_axes=axes)
    with torch.no_grad():
        if int(torch.__version__.split(".")[0]) >= 2:
            try:
                torch.onnx.export(model, xs, path, dynamo=True, **kw)
                print("exported with torch.export")
                return
            except Exception as e:  # noqa: BLE001 (any exporter failure: fall back)
                print("torch.export failed (%s): the TorchScript exporter" % e, file=sys.stderr)
            kw["dynamo"] = False
        torch.onnx.export(model, xs, path, opset_version=17, **kw)
        print("exported with TorchScript")


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("model", choices=["m1", "m2", "m3", "m4", "m5", "m6", "m7", "m8"])
    ap.add_argument("mode", choices=["train", "infer", "export"])
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--batch", type=int, default=32)
    ap.add_argument("--seconds", type=float, default=5.0)
    ap.add_argument("--compile", action="store_true")
    ap.add_argument("--latency", type=int, default=0)
    ap.add_argument("--onnx")
    ap.add_argument("--device", choices=["cpu", "cuda"], default="cpu")
    ap.add_argument("--precision", choices=["fp32", "tf32", "bf16"], default="fp32")
    a = ap.parse_args()
    cuda = a.device == "cuda"
    if cuda:
        torch.backends.cudnn.benchmark = True
        tf32 = a.precision != "fp32"
        torch.backends.cuda.matmul.allow_tf32 = tf32
        torch.backends.cudnn.allow_tf32 = tf32
    autocast = (lambda: torch.autocast("cuda", dtype=torch.bfloat16)) if cuda and a.precision == "bf16" \
        else contextlib.nullcontext

    torch.set_num_threads(a.threads)
    torch.manual_seed(0)
    model, shape, nout, loss_fn = build(a.model)
    if a.mode == "export":
        export(model, shape, a.onnx)
        return
    xs = inputs(model, shape, a.batch)
    if nout == "mask":
        y = (torch.rand(a.batch, 1, *shape[1:]) < 0.05).float()
    elif nout == 1:
        y = torch.randint(0, 2, (a.batch, 1)).float()
    else:
        y = torch.randint(0, nout, (a.batch,))
    if cuda:
        model = model.to("cuda")
        xs = tuple(v.to("cuda") for v in xs)
        y = y.to("cuda")

    if a.mode == "train":
        model.train()
        opt = torch.optim.Adam(model.parameters(), lr=1e-3)
        run = torch.compile(model) if a.compile else model

        def step():
            opt.zero_grad()
            with autocast():
                loss = loss_fn(run(*xs), y)
            loss.backward()
            opt.step()
    else:
        model.eval()
        if a.compile:
            importlib.import_module("torch._inductor.config").freezing = True
        run = torch.compile(model) if a.compile else model

        def step():
            with torch.no_grad(), autocast():
                run(*xs)

    for _ in range(3 if cuda else 2):  # warm-up (and compilation, cuDNN's algorithm search)
        step()
    if cuda:
        torch.cuda.synchronize()

    n = 0
    t0 = time.perf_counter()
    while True:
        step()
        n += 1
        if cuda and n % 20:
            continue
        if cuda:
            torch.cuda.synchronize()
        el = time.perf_counter() - t0
        if el >= a.seconds:
            break

    ips = n * a.batch / el
    lat = ""
    if a.mode == "infer" and a.latency > 0:
        one = tuple(v[:1].contiguous() for v in xs)

        def single():
            with torch.no_grad():
                run(*one)
        lat = " lat_median_ms=%.4f lat_p99_ms=%.4f" % latency(single, a.latency)
    if cuda:
        lat += " peak_dev_mib=%.1f" % (torch.cuda.max_memory_allocated() / 1048576.0)
    rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024.0
    print("%s %s images_per_s=%.1f peak_rss_mib=%.1f%s" % (a.model, a.mode, ips, rss, lat))
    sys.stdout.flush()


if __name__ == "__main__":
    main()
