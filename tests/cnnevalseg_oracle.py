#!/usr/bin/python3
"""cnnevalseg_oracle.py: scikit-learn's numbers for cnneval --masks.

  make DIR          writes DIR/seg.tsr (masks of several sizes, dtypes and shapes,
                    empty ones among them), DIR/big.tsr (for the pixel sample) and
                    the error cases DIR/bad_*.tsr
  check STREAM JSON PERIMAGE [THRESHOLD]
                    compares cnneval's JSON and per-image TSV with scikit-learn on
                    the same pixels (relative 1e-9); prints PASS or FAIL lines
  roc STREAM ROC.TSV PR.TSV
                    compares the curves point by point
"""
import json
import math
import os
import sys

import numpy as np
from sklearn import metrics as M

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import tsread  # noqa: E402
import tswrite  # noqa: E402


def pmap(r, h, w, truth):
    """probabilities that follow the truth, with noise, as u8 (x 255) like cnnpredict"""
    z = r.normal(0, 1, (h, w)) + 1.5 * (2 * truth.astype(float) - 1)
    return np.round(255 / (1 + np.exp(-z))).astype(np.uint8)


def blobs(r, h, w, frac):
    m = np.zeros((h, w), np.uint8)
    for _ in range(r.integers(1, 4)):
        y, x = r.integers(0, h), r.integers(0, w)
        m[max(0, y - 3):y + 4, max(0, x - 5):x + 6] = 1
    return (m | (r.random((h, w)) < frac)).astype(np.uint8)


def make(d):
    r = np.random.default_rng(11)
    recs = []
    for i, (h, w) in enumerate(((16, 24), (20, 20), (9, 31), (32, 16))):
        t = blobs(r, h, w, 0.05)
        recs.append(({"id": "tile%d" % i}, [("mask", t * 255), ("pred_mask", pmap(r, h, w, t))]))
    # both empty: IoU and Dice 1; true empty but something predicted; nothing predicted
    recs.append(({"id": "empty"}, [("mask", np.zeros((8, 8), np.uint8)),
                                   ("pred_mask", np.full((8, 8), 20, np.uint8))]))
    recs.append(({"id": "false-alarm"}, [("mask", np.zeros((8, 8), np.uint8)),
                                         ("pred_mask", np.full((8, 8), 200, np.uint8))]))
    t = blobs(r, 10, 12, 0.1)
    recs.append(({"id": "missed"}, [("mask", t * 255), ("pred_mask", np.full((10, 12), 3, np.uint8))]))
    # f32 masks, 1 x H x W truth and H x W x 1 prediction; no id (the record number stands in)
    t = blobs(r, 12, 14, 0.1)
    p = (1 / (1 + np.exp(-(r.normal(0, 1.2, (12, 14)) + 2 * t.astype(float) - 1)))).astype(np.float32)
    recs.append(({}, [("mask", t.astype(np.float32)[None]), ("pred_mask", p[:, :, None])]))
    tswrite.write(os.path.join(d, "seg.tsr"), recs)
    big = []
    for i in range(6):
        t = blobs(r, 64, 64, 0.1)
        big.append(({"id": "b%d" % i}, [("mask", t * 255), ("pred_mask", pmap(r, 64, 64, t))]))
    tswrite.write(os.path.join(d, "big.tsr"), big)
    ok = recs[0]
    u8 = lambda h, w: np.zeros((h, w), np.uint8)  # noqa: E731
    for name, bad in (("no_pred", ({"id": "x"}, [("mask", u8(4, 4))])),
                      ("no_mask", ({"id": "x"}, [("pred_mask", u8(4, 4))])),
                      ("sizes", ({"id": "x"}, [("mask", u8(4, 5)), ("pred_mask", u8(4, 4))])),
                      ("range", ({"id": "x"}, [("mask", u8(2, 2)),
                                               ("pred_mask", np.full((2, 2), 1.5, np.float32))])),
                      ("shape", ({"id": "x"}, [("mask", np.zeros((2, 2, 3), np.uint8)),
                                               ("pred_mask", u8(2, 2))])),
                      ("dtype", ({"id": "x"}, [("mask", u8(2, 2)),
                                               ("pred_mask", np.zeros((2, 2), np.int32))]))):
        tswrite.write(os.path.join(d, "bad_%s.tsr" % name), [ok, bad])
    tswrite.write(os.path.join(d, "none.tsr"), [])


def tensor(rec, name):
    for tname, dname, fmt, dims, data in rec[1]:
        if tname == name:
            a = np.frombuffer(data, "<" + fmt).astype(np.float64)
            return a / 255 if dname == "u8" else a
    raise KeyError(name)


def images(path):
    """(id, truth, probabilities) per record, the id the record number where it has none"""
    out = []
    tsread.read(open(path, "rb").read(), out.append, tsread.xxh3_function())
    return [(r[0].get("id", str(i + 1)), tensor(r, "mask") >= 0.5, tensor(r, "pred_mask"))
            for i, r in enumerate(out)]


fails = 0


def close(what, got, want):
    global fails
    if want is None or (isinstance(want, float) and math.isnan(want)):
        ok = got is None
    else:
        ok = got is not None and abs(got - want) <= 1e-9 * max(1, abs(want))
    print("%s %s: %r, sklearn %r" % ("PASS" if ok else "FAIL", what, got, want))
    fails += not ok


def pixel_metrics(y, pred):
    z = dict(zero_division=1)
    return [M.accuracy_score(y, pred), M.precision_score(y, pred, **z), M.recall_score(y, pred, **z),
            M.jaccard_score(y, pred, **z), M.f1_score(y, pred, **z)]


NAMES = ["accuracy", "precision", "recall", "iou", "dice"]


def check(stream, js, per_image, threshold=0.5):
    ims = images(stream)
    d = json.load(open(js))
    rows = [line.rstrip("\n").split("\t") for line in open(per_image)]
    close("header", float(rows[0] == ["id", "pixels", "positives", "predicted"] + NAMES), 1.0)
    close("rows", float(len(rows) - 1), float(len(ims)))
    ious, dices = [], []
    for (iid, y, p), row in zip(ims, rows[1:]):
        pred = p >= threshold
        want = pixel_metrics(y, pred)
        ious.append(want[3])
        dices.append(want[4])
        close("%s id" % iid, float(row[0] == iid), 1.0)
        for k, v in zip(["pixels", "positives", "predicted"], [y.size, y.sum(), pred.sum()]):
            close("%s %s" % (iid, k), float(row[["pixels", "positives", "predicted"].index(k) + 1]), float(v))
        for k, got, w in zip(NAMES, row[4:], want):
            close("%s %s" % (iid, k), float(got), w)
    y = np.concatenate([i[1] for i in ims])
    p = np.concatenate([i[2] for i in ims])
    pred = p >= threshold
    for k, w in zip(NAMES, pixel_metrics(y, pred)):
        close("micro " + k, d[k], w)
    close("mean_iou", d["mean_iou"], float(np.mean(ious)))
    close("mean_dice", d["mean_dice"], float(np.mean(dices)))
    close("roc_auc", d["roc_auc"], M.roc_auc_score(y, p))
    close("average_precision", d["average_precision"], M.average_precision_score(y, p))
    pr, rc, _ = M.precision_recall_curve(y, p)
    close("pr_auc", d["pr_auc"], M.auc(rc, pr))
    tn, fp, fn, tp = M.confusion_matrix(y, pred).ravel()
    for k, w in (("tp", tp), ("fp", fp), ("tn", tn), ("fn", fn)):
        close("confusion " + k, float(d["confusion"][k]), float(w))
    close("images", float(d["images"]), float(len(ims)))
    close("pixels", float(d["pixels"]), float(y.size))
    close("curve_pixels", float(d["curve_pixels"]), float(y.size))


def curves(stream, roc, pr):
    ims = images(stream)
    y = np.concatenate([i[1] for i in ims])
    p = np.concatenate([i[2] for i in ims])
    fpr, tpr, _ = M.roc_curve(y, p)
    got = np.loadtxt(roc, skiprows=1, ndmin=2)
    close("roc points", float(len(got)), float(len(fpr)))
    close("roc fpr/tpr", float(np.abs(got[:, :2] - np.c_[fpr, tpr]).max()) if len(got) == len(fpr) else None, 0.0)
    prec, rec, _ = M.precision_recall_curve(y, p)
    got = np.loadtxt(pr, skiprows=1, ndmin=2, converters={2: lambda s: float("nan") if s in (b"NA", "NA") else float(s)})
    close("pr points", float(len(got)), float(len(prec)))
    close("pr recall/precision", float(np.abs(got[:, :2] - np.c_[rec, prec]).max()) if len(got) == len(prec) else None, 0.0)


if __name__ == "__main__":
    a = sys.argv[1:]
    if a[0] == "make":
        make(a[1])
    elif a[0] == "check":
        check(a[1], a[2], a[3], float(a[4]) if len(a) > 4 else 0.5)
    elif a[0] == "roc":
        curves(a[1], a[2], a[3])
    sys.exit(fails > 0)
