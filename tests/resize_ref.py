"""The float64 reference resize shared by the imgresize PSNR test and its benchmark:
exact box-filter downscaling (shortest side, then centre crop) and PSNR against it."""
import json
import subprocess
import sys

import numpy as np


def read_ppm(path):
    """An 8-bit P5/P6 file as float64 H x W x 3 (gray compared as R = G = B)."""
    data = open(path, "rb").read()
    fields, pos = [], 0
    while len(fields) < 4:                       # P6|P5 width height maxval, whitespace-separated
        while data[pos:pos + 1].isspace():
            pos += 1
        if data[pos:pos + 1] == b"#":            # a comment, to the end of the line
            pos = data.index(b"\n", pos)
            continue
        end = pos
        while not data[end:end + 1].isspace():
            end += 1
        fields.append(data[pos:end])
        pos = end
    assert fields[0] in (b"P5", b"P6") and fields[3] == b"255", path
    w, h, c = int(fields[1]), int(fields[2]), 3 if fields[0] == b"P6" else 1
    a = np.frombuffer(data[pos + 1:pos + 1 + w * h * c], np.uint8).reshape(h, w, c).astype(np.float64)
    return np.repeat(a, 3, axis=2) if c == 1 else a


def box_axis(img, axis, n_out):
    """Resizes one axis by exact box integration: output pixel i is the mean of the
    piecewise-constant input over [i * s, (i + 1) * s], s = n_in / n_out."""
    img = np.moveaxis(img, axis, 0)
    n_in = img.shape[0]
    cum = np.concatenate([np.zeros((1,) + img.shape[1:]), np.cumsum(img, axis=0)])

    def integral(x):                             # integral of the input from 0 to x
        j = np.minimum(np.floor(x).astype(int), n_in - 1)
        frac = (x - j)[(...,) + (None,) * (img.ndim - 1)]
        return cum[j] + frac * img[j]
    edges = np.arange(n_out + 1) * (n_in / n_out)
    out = (integral(edges[1:]) - integral(edges[:-1])) / (n_in / n_out)
    return np.moveaxis(out, 0, axis)


def reference(img, short=256, crop=224):
    h, w = img.shape[:2]
    if w <= h:
        rw, rh = short, (h * short * 2 + w) // (2 * w)      # rounded to nearest
    else:
        rw, rh = (w * short * 2 + h) // (2 * h), short
    r = box_axis(box_axis(img, 0, rh), 1, rw)
    y, x = (rh - crop) // 2, (rw - crop) // 2
    return r[y:y + crop, x:x + crop]


def psnr(a, b):
    return 10 * np.log10(255.0 ** 2 / np.mean((a - b) ** 2))


def stream_images(tsread, path):
    """The "image" tensor of every record of a stream, as float64 H x W x 3."""
    out = []
    for line in subprocess.run([sys.executable, tsread, path], check=True,
                               capture_output=True, text=True).stdout.splitlines():
        t = [t for t in json.loads(line)["tensors"] if t["name"] == "image"][0]
        a = np.array(t["data"], np.float64).reshape(t["shape"])
        out.append(np.repeat(a, 3, axis=2) if a.shape[2] == 1 else a)
    return out
