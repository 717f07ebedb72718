#!/usr/bin/python3
"""Writes the keyframe data as the keyframe project had it: npz-1.npz ... npz-5.npz, each a
single uint8 array of 128x128 gray frames from one source, and npz-1.csv ... npz-5.csv, their
labels as pandas' DataFrame.to_csv() writes them (an index column, then 'label'), and
npz-N-kinds.csv, what each frame is (clean, dissolve, pan, dip), to look at the errors.

A source is a camera sequence (or a set of photos) of Debian's visp-images-data, cut into
shots: a shot is a run of the sequence's frames seen through one crop window that drifts
slowly, as a camera would.  Each source also has its own look (gamma, contrast, vignetting,
sensor noise).  A frame is labelled

  1  a keyframe: a clean frame of one shot (at most SHAKE pixels of camera shake);
  0  a transition frame: a cross-dissolve of two shots, a fast motion-blurred pan, or a
     dip to black (the shot faded to a few percent, the sensor noise on top).

Usage: makenpz.py [--scale f] [--seed n] [--photos dir] [outdir]
--scale multiplies the number of frames of every file (1: the 126, 136, 174, 129, 129 frames
and 300 keyframes of the project).  Pure numpy; the same seed gives the same files.
"""
import glob
import io
import os
import re
import sys
import zipfile

import numpy as np

SIZE = 128
SHAKE = 1.5          # camera shake of a clean frame, in output pixels
PAN = (16, 60)       # the motion blur of a fast pan, in output pixels
DIP = (0.02, 0.2)    # the light left at a dip to black
MIX = (0.3, 0.7)     # the share of the first shot in a dissolve
DETAIL = 0.12        # the least texture of a shot (see detail())
KINDS = ["dissolve", "pan", "dip"]
P_KINDS = [0.2, 0.5, 0.3]   # how often each transition is drawn
# name, frame globs, frames, keyframes (the project's counts: 694 frames, 300 keyframes),
# look: gamma, contrast, vignetting, noise sigma
SOURCES = [
    ("npz-1", ["cube/image.*.pgm"], 126, 55, (1.0, 1.0, 0.15, 2.0)),
    ("npz-2", ["mire-2/image.*.pgm"], 136, 59, (0.8, 0.9, 0.05, 3.5)),
    ("npz-3", ["mbt/cube/image*.pgm"], 174, 75, (1.2, 0.8, 0.25, 1.5)),
    ("npz-4", ["mbt-depth/castel/castel/image_*.pgm", "line/image.*.pgm", "ellipse-1/image.*.pgm"],
     129, 55, (1.0, 1.1, 0.1, 3.0)),
    ("npz-5", ["Klimt/Klimt.pgm", "AprilTag/AprilTag.pgm", "mire/mire.pgm",
               "mbt-depth/castel/chateau.ppm", "calibration/grid36-0[13].pgm"],
     129, 56, (0.9, 1.0, 0.35, 1.0)),
]


# P5 or P6, width, height, maxval, separated by whitespace and comments, then one whitespace
PNM = re.compile(rb"(P[56])(?:\s|#[^\n]*\n)+(\d+)(?:\s|#[^\n]*\n)+(\d+)(?:\s|#[^\n]*\n)+(\d+)\s")


def read_pnm(path):
    """A binary PGM (P5) or PPM (P6) file as a float gray image (ITU-R 601 luma)."""
    with open(path, "rb") as f:
        data = f.read()
    m = PNM.match(data)
    if m is None:
        sys.exit("makenpz.py: %s: not a binary PGM or PPM file" % path)
    w, h, maxval = int(m[2]), int(m[3]), int(m[4])
    ch = 3 if m[1] == b"P6" else 1
    dtype = np.uint8 if maxval < 256 else np.dtype(">u2")
    a = np.frombuffer(data, dtype, h * w * ch, m.end()).reshape(h, w, ch) * (255.0 / maxval)
    return a @ np.array([0.299, 0.587, 0.114]) if ch == 3 else a[:, :, 0]


def downsample(img, k):
    """Block means of k x k pixels (so that sampling after it does not alias)."""
    if k < 2:
        return img
    h, w = img.shape[0] // k * k, img.shape[1] // k * k
    return img[:h, :w].reshape(h // k, k, w // k, k).mean(axis=(1, 3))


def bilinear(img, ys, xs):
    h, w = img.shape
    ys = np.clip(ys, 0, h - 1.001)
    xs = np.clip(xs, 0, w - 1.001)
    y0, x0 = np.floor(ys).astype(int), np.floor(xs).astype(int)
    fy, fx = ys - y0, xs - x0
    return ((1 - fy) * ((1 - fx) * img[y0, x0] + fx * img[y0, x0 + 1]) +
            fy * ((1 - fx) * img[y0 + 1, x0] + fx * img[y0 + 1, x0 + 1]))


class Source:
    def __init__(self, photos, globs):
        self.paths = []
        for g in globs:
            self.paths += sorted(glob.glob(os.path.join(photos, g)))
        if not self.paths:
            sys.exit("makenpz.py: no images for %s under %s" % (globs, photos))
        self.cache = {}

    def frame(self, i, k):
        if (i, k) not in self.cache:
            self.cache[(i, k)] = downsample(read_pnm(self.paths[i]), k)
        return self.cache[(i, k)]


def detail(x):
    """Mean absolute gradient of the standardised image: texture, whatever the contrast."""
    x = (x - x.mean()) / x.std()
    return np.abs(np.diff(x, axis=0)).mean() + np.abs(np.diff(x, axis=1)).mean()


def make_shots(src, n, rng):
    """n shots: a run of frames (a single frame for a photo), a crop window and its drift;
    a window with little contrast or texture (a black wall, a white table) is drawn again."""
    shots = []
    while len(shots) < n:
        first = int(rng.integers(len(src.paths)))
        # a run of frames from one directory: stay within the same folder
        d = os.path.dirname(src.paths[first])
        last = first
        while last + 1 < len(src.paths) and os.path.dirname(src.paths[last + 1]) == d and \
                last - first < 40:
            last += 1
        h, w = src.frame(first, 1).shape
        side = min(h, w) * rng.uniform(0.45, 0.95)      # crop side in source pixels
        k = max(1, int(side / SIZE / 1.5))              # prefilter factor
        cy = rng.uniform(side / 2, h - side / 2)
        cx = rng.uniform(side / 2, w - side / 2)
        drift = rng.normal(0, side * 0.08, 2)
        shot = dict(first=first, last=last, side=side, k=k, c=(cy, cx), drift=drift)
        x = render(src, shot, 0.5, 0, 0)
        if x.std() >= 25 and detail(x) >= DETAIL:
            shots.append(shot)
    return shots


def render(src, shot, t, blur, angle):
    """Shot at time t in [0, 1]: the crop window, averaged over a pan of blur output pixels."""
    i = shot["first"] + int(round(t * (shot["last"] - shot["first"])))
    k = shot["k"]
    img = src.frame(i, k)
    scale = shot["side"] / SIZE / k                      # frame pixels per output pixel
    cy = (shot["c"][0] + shot["drift"][0] * (t - 0.5)) / k
    cx = (shot["c"][1] + shot["drift"][1] * (t - 0.5)) / k
    g = (np.arange(SIZE) - (SIZE - 1) / 2) * scale
    ys, xs = np.meshgrid(cy + g, cx + g, indexing="ij")
    steps = max(1, int(np.ceil(blur)) * 2)
    out = np.zeros((SIZE, SIZE))
    for u in np.linspace(-0.5, 0.5, steps) if steps > 1 else [0.0]:
        dy, dx = u * blur * scale * np.sin(angle), u * blur * scale * np.cos(angle)
        out += bilinear(img, ys + dy, xs + dx)
    return out / steps


def look(img, params, exposure, rng):
    """The source's camera: exposure, gamma, contrast, vignetting, then sensor noise."""
    gamma, contrast, vignette, noise = params
    x = np.clip(img * exposure / 255.0, 0, 1) ** gamma
    x = 0.5 + (x - 0.5) * contrast
    g = (np.arange(SIZE) - (SIZE - 1) / 2) / (SIZE / 2)
    r2 = g[:, None] ** 2 + g[None, :] ** 2
    x = x * (1 - vignette * r2 / 2)
    x = x * 255.0 + rng.normal(0, noise, x.shape)
    return np.clip(np.round(x), 0, 255).astype(np.uint8)


def clean(src, shots, rng):
    s = shots[rng.integers(len(shots))]
    return render(src, s, rng.uniform(), rng.uniform(0, SHAKE), rng.uniform(0, np.pi))


def transition(src, shots, rng):
    kind = KINDS[rng.choice(len(KINDS), p=P_KINDS)]
    if kind == "dissolve":
        a, b = rng.choice(len(shots), 2, replace=False)
        alpha = rng.uniform(MIX[0], MIX[1])
        fa = render(src, shots[a], rng.uniform(), rng.uniform(0, SHAKE), rng.uniform(0, np.pi))
        fb = render(src, shots[b], rng.uniform(), rng.uniform(0, SHAKE), rng.uniform(0, np.pi))
        return alpha * fa + (1 - alpha) * fb, 1.0, kind
    if kind == "pan":
        s = shots[rng.integers(len(shots))]
        angle = rng.normal(0, 0.35) + (np.pi / 2 if rng.uniform() < 0.25 else 0)
        return render(src, s, rng.uniform(), rng.uniform(PAN[0], PAN[1]), angle), 1.0, kind
    return clean(src, shots, rng), rng.uniform(DIP[0], DIP[1]), kind


def write_npz(path, array):
    """np.savez_compressed's layout (one member arr_0.npy) with a fixed date: same bytes."""
    buf = io.BytesIO()
    np.lib.format.write_array(buf, array, allow_pickle=False)
    info = zipfile.ZipInfo("arr_0.npy", date_time=(1980, 1, 1, 0, 0, 0))
    info.compress_type = zipfile.ZIP_DEFLATED
    tmp = path + ".tmp"
    with zipfile.ZipFile(tmp, "w") as z:
        z.writestr(info, buf.getvalue())
    os.replace(tmp, path)


def main(argv):
    scale, seed, photos, out = 1.0, 1, "/usr/share/visp-images-data/ViSP-images", "."
    args = list(argv)
    while args:
        a = args.pop(0)
        if a == "--scale":
            scale = float(args.pop(0))
        elif a == "--seed":
            seed = int(args.pop(0))
        elif a == "--photos":
            photos = args.pop(0)
        else:
            out = a
    for n, (name, globs, frames, keys, params) in enumerate(SOURCES):
        rng = np.random.default_rng([seed, n])
        src = Source(photos, globs)
        shots = make_shots(src, 12, rng)
        frames = max(4, int(round(frames * scale)))
        keys = max(2, int(round(keys * scale)))
        labels = rng.permutation(np.arange(frames) < keys).astype(int)
        images = np.empty((frames, SIZE, SIZE), np.uint8)
        kinds = []
        for i, lab in enumerate(labels):
            if lab:
                img, fade, kind = clean(src, shots, rng), 1.0, "clean"
            else:
                img, fade, kind = transition(src, shots, rng)
            kinds.append(kind)
            images[i] = look(img, params, rng.uniform(0.85, 1.15) * fade, rng)
        write_npz(os.path.join(out, name + ".npz"), images)
        with open(os.path.join(out, name + ".csv.tmp"), "w") as f:
            f.write(",label\n")
            f.writelines("%d,%d\n" % (i, lab) for i, lab in enumerate(labels))
        os.replace(os.path.join(out, name + ".csv.tmp"), os.path.join(out, name + ".csv"))
        # what each frame is, for a look at the errors (not an input of the experiment)
        with open(os.path.join(out, name + "-kinds.csv"), "w") as f:
            f.write("id,kind\n")
            f.writelines("%s.npz:%d,%s\n" % (name, i, k) for i, k in enumerate(kinds))
        print("%s.npz: %d frames, %d keyframes, %d shots of %d images" %
              (name, frames, labels.sum(), len(shots), len(src.paths)))


if __name__ == "__main__":
    main(sys.argv[1:])
