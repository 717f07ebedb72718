#!/usr/bin/python3
"""The m5 U-Net recipe in PyTorch on the same patches as cnntrain: Adam, batch 8, per-pixel
BCE with positive weight 10, images scaled to 0..1, a fresh shuffle each epoch; weights
initialised as cnntrain (and Keras) do: Glorot uniform, zero biases.  Prints the
test set's overall IoU and Dice at probability 0.5.

usage: /usr/bin/python3 bench/unet_torch.py TRAIN.tsr TEST.tsr EPOCHS LR SEED
"""
import os
import struct
import sys

import numpy as np
import torch

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "tests"))
import tsread  # noqa: E402
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from cnn_torch import UNet  # noqa: E402


def load(path):
    images, masks = [], []

    def emit(rec):
        _, tensors = rec
        t = {name: (dims, data) for name, _, _, dims, data in tensors}
        (h, w, c), px = t["image"]
        images.append(np.frombuffer(px, np.uint8).reshape(h, w, c).transpose(2, 0, 1))
        (mh, mw), m = t["mask"][0][:2], t["mask"][1]
        masks.append(np.frombuffer(m, np.uint8).reshape(mh, mw) >= 128)
    with open(path, "rb") as f:
        tsread.read(f.read(), emit, tsread.xxh3_function())
    x = torch.from_numpy(np.stack(images).astype(np.float32) / 255)
    y = torch.from_numpy(np.stack(masks)[:, None].astype(np.float32))
    return x, y


def main():
    train, test, epochs, lr, seed = sys.argv[1], sys.argv[2], int(sys.argv[3]), float(sys.argv[4]), int(sys.argv[5])
    torch.set_num_threads(2)
    torch.manual_seed(seed)
    x, y = load(train)
    tx, ty = load(test)
    model = UNet()
    for m in model.modules():
        if isinstance(m, (torch.nn.Conv2d, torch.nn.ConvTranspose2d)):
            torch.nn.init.xavier_uniform_(m.weight)
            torch.nn.init.zeros_(m.bias)
    opt = torch.optim.Adam(model.parameters(), lr=lr)
    loss_fn = torch.nn.BCEWithLogitsLoss(pos_weight=torch.tensor(10.0))
    for _ in range(epochs):
        model.train()
        order = torch.randperm(len(x))
        for b in range(0, len(x), 8):
            i = order[b:b + 8]
            opt.zero_grad()
            loss_fn(model(x[i]), y[i]).backward()
            opt.step()
    model.eval()
    tp = fp = fn = 0
    with torch.no_grad():
        for b in range(0, len(tx), 8):
            p = torch.sigmoid(model(tx[b:b + 8])) >= 0.5
            t = ty[b:b + 8] >= 0.5
            tp += (p & t).sum().item()
            fp += (p & ~t).sum().item()
            fn += (~p & t).sum().item()
    print("iou=%.4f dice=%.4f" % (tp / (tp + fp + fn), 2 * tp / (2 * tp + fp + fn)))


if __name__ == "__main__":
    main()
