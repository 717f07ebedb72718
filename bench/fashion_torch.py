#!/usr/bin/python3
"""PyTorch reference: train m4 (classic Keras MNIST convnet) on Fashion-MNIST.

usage: /usr/bin/python3 bench/fashion_torch.py [--epochs 3] [--threads 2] [--seed 1] [--init glorot|default]
       [--train-limit N] [--test-limit N]
"""
import argparse
import gzip
import os
import sys
import time

import numpy as np
import torch
import torch.nn as nn

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from cnn_torch import build_m4  # noqa: E402

DATA = "/usr/share/datasets/fashion-mnist"


def read_idx(path):
    with gzip.open(path, "rb") as f:
        buf = f.read()
    if buf[0] != 0 or buf[1] != 0 or buf[2] != 0x08:
        raise SystemExit("%s: not an unsigned-byte IDX file" % path)
    ndim = buf[3]
    dims = [int.from_bytes(buf[4 + 4 * i:8 + 4 * i], "big") for i in range(ndim)]
    off = 4 + 4 * ndim
    arr = np.frombuffer(buf, dtype=np.uint8, offset=off)
    if arr.size != int(np.prod(dims)):
        raise SystemExit("%s: size mismatch" % path)
    return arr.reshape(dims)


def load(split):
    x = read_idx(os.path.join(DATA, "%s-images-idx3-ubyte.gz" % split))
    y = read_idx(os.path.join(DATA, "%s-labels-idx1-ubyte.gz" % split))
    x = torch.from_numpy(x.astype(np.float32) / 255.0).unsqueeze(1)  # N,1,28,28
    y = torch.from_numpy(y.astype(np.int64))
    return x, y


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--epochs", type=int, default=3)
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--init", choices=("glorot", "default"), default="glorot",
                    help="glorot: Glorot uniform weights and zero biases, as cnntrain (and Keras); default: PyTorch's")
    ap.add_argument("--train-limit", type=int, default=0, help="use only the first N training images (0 = all)")
    ap.add_argument("--test-limit", type=int, default=0, help="use only the first N test images (0 = all)")
    a = ap.parse_args()

    torch.set_num_threads(a.threads)
    torch.manual_seed(a.seed)
    np.random.seed(a.seed)

    xtr, ytr = load("train")
    xte, yte = load("t10k")
    if a.train_limit > 0:
        xtr, ytr = xtr[:a.train_limit], ytr[:a.train_limit]
    if a.test_limit > 0:
        xte, yte = xte[:a.test_limit], yte[:a.test_limit]

    model = build_m4()
    if a.init == "glorot":
        for m in model.modules():
            if isinstance(m, (nn.Conv2d, nn.Linear)):
                nn.init.xavier_uniform_(m.weight)
                nn.init.zeros_(m.bias)
    opt = torch.optim.Adam(model.parameters(), lr=1e-3)
    loss_fn = nn.CrossEntropyLoss(reduction="sum")
    bs = 32
    n = xtr.shape[0]

    for ep in range(1, a.epochs + 1):
        model.train()
        t0 = time.perf_counter()
        perm = torch.randperm(n)
        tot_loss = 0.0
        correct = 0
        for i in range(0, n, bs):
            idx = perm[i:i + bs]
            xb, yb = xtr[idx], ytr[idx]
            opt.zero_grad()
            out = model(xb)
            loss_sum = loss_fn(out, yb)
            (loss_sum / xb.shape[0]).backward()  # mean loss per batch, like Keras
            opt.step()
            tot_loss += loss_sum.item()
            correct += (out.argmax(1) == yb).sum().item()
        dt = time.perf_counter() - t0
        print("epoch %d train_loss=%.4f train_acc=%.4f seconds=%.1f"
              % (ep, tot_loss / n, correct / n, dt))
        sys.stdout.flush()

    model.eval()
    correct = 0
    with torch.no_grad():
        for i in range(0, xte.shape[0], 1000):
            correct += (model(xte[i:i + 1000]).argmax(1) == yte[i:i + 1000]).sum().item()
    print("test_accuracy=%.4f" % (correct / xte.shape[0]))


if __name__ == "__main__":
    main()
