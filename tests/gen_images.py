#!/usr/bin/python3
"""gen_images.py OUT.tsr CxHxW N [seg]: N records of random u8 images (labels a, b, a, ...,
a laplacian_var, and with seg a random 0/255 mask), for tests that need a model of any
architecture trained a little, not a good one."""
import os
import sys

import numpy as np

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import tswrite  # noqa: E402

c, h, w = (int(v) for v in sys.argv[2].split("x"))
n = int(sys.argv[3])
seg = len(sys.argv) > 4 and sys.argv[4] == "seg"
r = np.random.default_rng(1)
recs = []
for i in range(n):
    meta = {"id": "r%d" % i, "label": "ab"[i % 2], "laplacian_var": "%.3f" % r.uniform(10, 500)}
    t = [("image", r.integers(0, 256, (h, w, c), dtype=np.uint8))]
    if seg:
        t.append(("mask", (r.integers(0, 2, (h, w)) * 255).astype(np.uint8)))
    recs.append((meta, t))
tswrite.write(sys.argv[1], recs)
