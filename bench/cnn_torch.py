#!/usr/bin/python3
"""PyTorch reference throughput benchmark for the C CNN toolkit models m1..m4.

usage: /usr/bin/python3 bench/cnn_torch.py MODEL MODE [--threads 2] [--batch 32] [--seconds 5]
prints: MODEL MODE images_per_s=X peak_rss_mib=Y
"""
import argparse
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
    raise SystemExit("unknown model %r (want m1 m2 m3 m4)" % name)


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


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("model", choices=["m1", "m2", "m3", "m4"])
    ap.add_argument("mode", choices=["train", "infer"])
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--batch", type=int, default=32)
    ap.add_argument("--seconds", type=float, default=5.0)
    a = ap.parse_args()

    torch.set_num_threads(a.threads)
    torch.manual_seed(0)
    model, shape, nout, loss_fn = build(a.model)
    x = torch.rand(a.batch, *shape, dtype=torch.float32)
    if nout == 1:
        y = torch.randint(0, 2, (a.batch, 1)).float()
    else:
        y = torch.randint(0, nout, (a.batch,))

    if a.mode == "train":
        model.train()
        opt = torch.optim.Adam(model.parameters(), lr=1e-3)

        def step():
            opt.zero_grad()
            loss = loss_fn(model(x), y)
            loss.backward()
            opt.step()
    else:
        model.eval()

        def step():
            with torch.no_grad():
                model(x)

    for _ in range(2):  # warm-up
        step()

    n = 0
    t0 = time.perf_counter()
    while True:
        step()
        n += 1
        el = time.perf_counter() - t0
        if el >= a.seconds:
            break

    ips = n * a.batch / el
    rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024.0
    print("%s %s images_per_s=%.1f peak_rss_mib=%.1f" % (a.model, a.mode, ips, rss))
    sys.stdout.flush()


if __name__ == "__main__":
    main()
