#!/usr/bin/python3
"""heatmap.py FRAMES HEATMAPS OUT.png ZOOM.png: the middle frame of each test scene, as
imgtile --merge put it together from the scored tiles, drawn in OUT.png as one row of two
panels at half size:

  left   the frame (with the dead pixels imgaug painted in), each cluster of them circled;
  right  the frame in gray under the tiles' scores (dark blue 0 ... yellow 1), the tiles
         that hold a dead pixel outlined in red.

ZOOM.png is the top left 4 x 3 tiles of the first of these frames at twice the size, where
the dead pixels can be seen: each tile with its truth and score, outlined in green when
m1 is right at 0.5 and in red when it is wrong.

FRAMES is the number of frames per scene; HEATMAPS the stream of merged frames (tensors
image, mask, heatmap).  Reads the stream with the project's tests/tsread.py (which must be
on PYTHONPATH); writes PNG through ImageMagick's convert."""
import os
import subprocess
import sys

import numpy as np

import tsread  # tests/tsread.py, on PYTHONPATH

TILE = 63
RED, GREEN = [255, 40, 40], [40, 220, 40]
# a few stops of matplotlib's viridis, from 0 to 1
STOPS = np.array([[68, 1, 84], [59, 82, 139], [33, 145, 140], [94, 201, 98], [253, 231, 37]], float)


def records(path, frame):
    """The records of path whose 'frame' is frame, as (meta, {name: array})."""
    data = subprocess.run(["imgcat", "--where", "frame=%d" % frame, path], check=True,
                          stdout=subprocess.PIPE).stdout
    out = []

    def emit(rec):
        meta, tensors = rec
        arrays = {}
        for name, dtype, _, dims, raw in tensors:
            if dtype in ("u8", "f32"):
                arrays[name] = np.frombuffer(raw, np.uint8 if dtype == "u8" else "<f4").reshape(dims)
        out.append((meta, arrays))
    tsread.read(data, emit, None)
    return out


def colour(s):
    x = np.clip(s, 0, 1) * (len(STOPS) - 1)
    i = np.minimum(x.astype(int), len(STOPS) - 2)
    f = (x - i)[..., None]
    return STOPS[i] * (1 - f) + STOPS[i + 1] * f


def dilate(b, r):
    out = np.zeros_like(b)
    h, w = b.shape
    for dy in range(-r, r + 1):
        for dx in range(-r, r + 1):
            if dx * dx + dy * dy > r * r:
                continue
            src = b[max(0, -dy):h - max(0, dy), max(0, -dx):w - max(0, dx)]
            out[max(0, dy):max(0, dy) + src.shape[0], max(0, dx):max(0, dx) + src.shape[1]] |= src
    return out


def box(pic, y0, x0, y1, x1, rgb, width=1):
    for k in range(width):
        pic[y0 + k, x0:x1 + 1] = pic[y1 - k, x0:x1 + 1] = rgb
        pic[y0:y1 + 1, x0 + k] = pic[y0:y1 + 1, x1 - k] = rgb


def planes(a):
    img = a["image"].astype(float)
    if img.ndim == 2:
        img = img[..., None]
    if img.shape[2] == 1:
        img = np.repeat(img, 3, axis=2)
    h, w = img.shape[:2]
    mask = a["mask"] > 0 if "mask" in a else np.zeros((h, w), bool)
    heat = a["heatmap"] if "heatmap" in a else np.zeros((h, w), np.float32)
    return img, mask, heat


def row(a):
    img, mask, heat = planes(a)
    h, w = img.shape[:2]
    # half size: each 2x2 block's mean for the picture, any of it for the mask
    h2, w2 = h // 2, w // 2
    small = img[:h2 * 2, :w2 * 2].reshape(h2, 2, w2, 2, 3).mean(axis=(1, 3))
    m2 = mask[:h2 * 2, :w2 * 2].reshape(h2, 2, w2, 2).any(axis=(1, 3))
    left = small.copy()
    ring = dilate(m2, 7) & ~dilate(m2, 5)
    left[ring] = [0, 255, 255]
    gray = small.mean(axis=2, keepdims=True)
    right = 0.35 * gray + 0.65 * colour(heat[:h2 * 2:2, :w2 * 2:2])
    # outline the tiles that hold a dead pixel
    for ty in range(0, h - TILE + 1, TILE):
        for tx in range(0, w - TILE + 1, TILE):
            if mask[ty:ty + TILE, tx:tx + TILE].any():
                y0, x0, y1, x1 = ty // 2, tx // 2, (ty + TILE) // 2 - 1, (tx + TILE) // 2 - 1
                box(right, y0, x0, y1, x1, RED)
    gap = np.full((h2, 4, 3), 255.0)
    return np.concatenate([left, gap, right], axis=1)


def zoom(a, cols=4, rows=3):
    """The top left cols x rows tiles at twice the size, and the text to write on them."""
    img, mask, heat = planes(a)
    pic = np.repeat(np.repeat(img[:rows * TILE, :cols * TILE], 2, axis=0), 2, axis=1)
    notes = []
    for r in range(rows):
        for c in range(cols):
            truth = int(mask[r * TILE:(r + 1) * TILE, c * TILE:(c + 1) * TILE].any())
            score = float(heat[r * TILE, c * TILE])
            y0, x0 = 2 * r * TILE, 2 * c * TILE
            box(pic, y0, x0, y0 + 2 * TILE - 1, x0 + 2 * TILE - 1,
                GREEN if (score >= 0.5) == truth else RED, 2)
            notes += ["-annotate", "+%d+%d" % (x0 + 5, y0 + 16), "%d: %.2f" % (truth, score)]
    return pic, notes


def write_png(pic, out, *ops):
    """pic through convert, with its ops, to out (atomically)."""
    pic = pic.round().clip(0, 255).astype(np.uint8)
    ppm = b"P6 %d %d 255\n" % (pic.shape[1], pic.shape[0]) + pic.tobytes()
    # 255 colours without dithering: a third of the bytes, no visible loss
    subprocess.run(["/usr/bin/convert", "ppm:-", *ops, "-dither", "None", "-colors", "255",
                    "png8:" + out + ".tmp"], input=ppm, check=True)
    os.rename(out + ".tmp", out)


def main(argv):
    if len(argv) != 5:
        print("usage: heatmap.py FRAMES HEATMAPS OUT.png ZOOM.png", file=sys.stderr)
        return 2
    frames, path, out, zout = int(argv[1]), argv[2], argv[3], argv[4]
    n = int(subprocess.run(["imgcat", "-c", path], check=True, stdout=subprocess.PIPE).stdout)
    middle = [records(path, s * frames + frames // 2)[0][1] for s in range(n // frames)]
    rows = []
    for a in middle:
        rows += [row(a), np.full((4, 2 * (a["image"].shape[1] // 2) + 4, 3), 255.0)]
    write_png(np.concatenate(rows[:-1]), out)
    pic, notes = zoom(middle[0])
    write_png(pic, zout, "-font", "DejaVu-Sans", "-pointsize", "13", "-fill", "white",
              "-undercolor", "#00000090", *notes)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
