#!/usr/bin/python3
"""aug_check.py: checks of imgaug's output for tests/cli/imgaug*.sh, reading
streams with tests/tsread.py (an independent reader).

  aug_check.py records FILE            one line per record, sorted by id:
                                       id, md5 of image, md5 of mask, aug, label
  aug_check.py pixels FILE             the first record's image values
  aug_check.py changed ORIG AUG        for each record of AUG made from one of ORIG
                                       (aug_parent), compares the pixels that differ
                                       with the mask: "N records, C changed, M mismatched"
  aug_check.py follows PHOTO SHAPES    PHOTO's records carry a mask, SHAPES' (same ids)
                                       an image that was that mask: where the SHAPES
                                       image is 0 or 255 in every channel, the PHOTO
                                       mask must be the same: "N pixels, M disagree"
  aug_check.py hue ORIG AUG            for each record of AUG made from one of ORIG with
                                       a hue step, its pixels against Python's colorsys
                                       (RGB to HSV, the hue turned by aug's value, back):
                                       "N records, largest difference D, C channels off"
"""
import colorsys
import hashlib
import json
import os
import subprocess
import sys

import numpy as np

TSREAD = os.path.join(os.path.dirname(os.path.abspath(__file__)), "tsread.py")


def load(path):
    out = subprocess.run([sys.executable, TSREAD, path], check=True, capture_output=True, text=True).stdout
    recs = []
    for line in out.splitlines():
        r = json.loads(line)
        t = {x["name"]: np.array(x["data"], dtype=np.uint8).reshape(x["shape"])
             for x in r["tensors"] if x["dtype"] == "u8"}
        recs.append((r["meta"], t))
    return recs


def md5(a):
    return hashlib.md5(a.tobytes()).hexdigest() if a is not None else "-"


def main():
    cmd, args = sys.argv[1], sys.argv[2:]
    if cmd == "records":
        lines = []
        for m, t in load(args[0]):
            lines.append("%s %s %s %s %s" % (m.get("id"), md5(t.get("image")), md5(t.get("mask")),
                                             m.get("aug"), m.get("label", "-")))
        sys.stdout.write("".join(l + "\n" for l in sorted(lines)))
    elif cmd == "pixels":
        m, t = load(args[0])[0]
        print(" ".join(str(v) for v in t["image"].ravel()))
    elif cmd == "changed":
        orig = {m["id"]: t for m, t in load(args[0])}
        n = changed = bad = 0
        for m, t in load(args[1]):
            if "aug_parent" not in m:
                continue
            o = orig[m["aug_parent"]]["image"]
            a = t["image"]
            diff = o != a
            diff = diff.any(axis=2) if diff.ndim == 3 else diff
            mask = t["mask"] != 0 if "mask" in t else np.zeros(diff.shape, bool)
            n += 1
            changed += int(diff.sum())
            bad += int((diff != mask).sum())
        print("%d records, %s changed, %d mismatched" % (n, "some" if changed else "none", bad))
    elif cmd == "follows":
        photo = {m["id"]: t for m, t in load(args[0])}
        n = bad = 0
        for m, t in load(args[1]):
            img = t["image"].astype(int)
            mask = photo[m["id"]]["mask"].astype(int)
            if img.shape[:2] != mask.shape:
                bad += 1
                continue
            sat = (img == 255).all(axis=2) | (img == 0).all(axis=2)
            n += int(sat.sum())
            bad += int((mask[sat] != img[..., 0][sat]).sum())
        print("%s pixels, %d disagree" % ("many" if n > 1000 else n, bad))
    elif cmd == "hue":
        orig = {m["id"]: t for m, t in load(args[0])}
        n = worst = off = 0
        for m, t in load(args[1]):
            h = [float(x[4:]) for x in m.get("aug", "").split(";") if x.startswith("hue=")]
            if "aug_parent" not in m or not h:
                continue
            o = orig[m["aug_parent"]]["image"].reshape(-1, 3) / 255.0
            want = np.empty(o.shape, int)
            for i, (r, g, b) in enumerate(o):
                hh, ss, vv = colorsys.rgb_to_hsv(r, g, b)
                want[i] = [int(v * 255 + 0.5) for v in colorsys.hsv_to_rgb((hh + h[0]) % 1.0, ss, vv)]
            d = np.abs(t["image"].reshape(-1, 3).astype(int) - want)
            n += 1
            worst = max(worst, int(d.max()))
            off += int((d != 0).sum())
        print("%d records, largest difference %d, %s channels off" % (n, worst, "few" if off * 200 < 3 * n * len(o) else off))
    else:
        sys.exit("aug_check.py: unknown command " + cmd)


main()
