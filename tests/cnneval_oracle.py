"""scikit-learn oracle for cnneval (tests/cli/cnneval.sh).

  cnneval_oracle.py make DIR
      writes the test inputs DIR/NAME.tsv and DIR/cases, one line per case:
      NAME<TAB>cnneval options
  cnneval_oracle.py check-all DIR
      checks DIR/NAME.json against DIR/NAME.tsv for every case of DIR/cases,
      printing one PASS or FAIL line per case (for tests/run.sh)
  cnneval_oracle.py check FILE JSON [cnneval options]
      recomputes every number of cnneval's JSON output for FILE with
      scikit-learn and numpy, and compares (relative 1e-9; curves point by
      point; null where scikit-learn has NaN or refuses).  Prints one line and
      exits 0 when all agree, else prints the differences and exits 1.
"""
import csv
import json
import math
import sys
import warnings
from fractions import Fraction

import numpy as np
from sklearn import metrics
from sklearn.calibration import calibration_curve

warnings.simplefilter("ignore")
REL = 1e-9


# ---------------------------------------------------------------- test inputs

def write(path, header, rows, newline_at_end=True):
    with open(path, "w") as f:
        f.write("\t".join(header) + "\n")
        f.write("\n".join("\t".join(str(v) for v in r) for r in rows))
        if newline_at_end:
            f.write("\n")


def fmt(x):
    return repr(float(x))


def make(d):
    rng = np.random.default_rng(5)
    cases = []

    def binary(name, scores, labels, opts="", header=("score", "label"), **kw):
        write(f"{d}/{name}.tsv", header, [(fmt(s), l) for s, l in zip(scores, labels)], **kw)
        cases.append((name, opts))

    n = 400
    y = rng.integers(0, 2, n)
    s = np.clip(0.3 * y + rng.normal(0.35, 0.2, n), 0, 1)
    binary("random", s, y, "--at-fpr 0.1 --at-recall 0.8")
    # few distinct scores: many ties
    binary("ties", np.round(s * 4) / 4, y, "--best f1")
    binary("ties_youden", np.round(s * 8) / 8, y, "--best youden")
    binary("all_equal", np.full(50, 0.5), rng.integers(0, 2, 50))
    binary("perfect", np.linspace(0, 1, 60), (np.arange(60) >= 30).astype(int))
    binary("inverted", np.linspace(0, 1, 60), (np.arange(60) < 30).astype(int))
    m = 20000
    y1 = (rng.random(m) < 0.01).astype(int)
    binary("rare", np.clip(0.25 * y1 + rng.beta(2, 5, m), 0, 1), y1, "--at-fpr 0.05")
    # string labels, positive is not the larger one
    ys = np.where(y == 1, "cat", "dog")
    binary("strings", 1 - s, ys, "--positive dog --at-recall 0.5")
    # reordered and extra columns, custom names
    rows = [(i, "x%d" % i, l, fmt(v), "extra") for i, (v, l) in enumerate(zip(s, y))]
    write(f"{d}/columns.tsv", ("id", "path", "truth", "p", "note"), rows)
    cases.append(("columns", "--score p --label truth"))
    # scores exactly at the threshold
    binary("at_threshold", np.array([0.5, 0.5, 0.25, 0.75, 0.5, 0.1, 0.9, 0.5]),
           [1, 0, 0, 1, 1, 0, 1, 0], "--threshold 0.5")
    binary("at_threshold2", np.array([0.3, 0.7, 0.3, 0.3, 0.7, 0.2]), [1, 0, 0, 1, 1, 0],
           "--threshold 0.3")
    binary("two_rows", [0.2, 0.8], [0, 1])
    binary("two_rows_tie", [0.6, 0.6], [1, 0], newline_at_end=False)
    binary("one_class_pos", rng.random(30), np.ones(30, int))
    binary("one_class_neg", rng.random(30), np.zeros(30, int))
    # raw scores (logits): outside [0, 1], no Brier score or calibration
    binary("logits", rng.normal(0, 3, 300) + 2 * y[:300], y[:300], "--threshold 0")
    # scores written in other ways that compare equal
    with open(f"{d}/spellings.tsv", "w") as f:
        f.write("score\tlabel\n0.5\t1\n0.50\t0\n5e-1\t1\n.5\t0\n-0\t0\n0.0\t1\n1E0\t1\n+0.25\t0\n")
    cases.append(("spellings", ""))
    # long decimals that need correct rounding
    vals = rng.random(200)
    rows = [("%.20f" % v if i % 3 else "%.17g" % v, int(v > 0.4)) for i, v in enumerate(vals)]
    write(f"{d}/digits.tsv", ("score", "label"), rows)
    cases.append(("digits", ""))

    def multiclass(name, k, n, names=None):
        names = names or ["c%d" % i for i in range(k)]
        logits = rng.normal(0, 1, (n, k))
        y = rng.integers(0, k, n)
        logits[np.arange(n), y] += 1.5
        p = np.exp(logits) / np.exp(logits).sum(axis=1, keepdims=True)
        order = list(rng.permutation(k))        # p_ columns not in sorted order
        header = ["id", "label"] + ["p_" + names[c] for c in order]
        rows = [[i, names[y[i]]] + [fmt(p[i, c]) for c in order] for i in range(n)]
        write(f"{d}/{name}.tsv", header, rows)
        cases.append((name, ""))

    multiclass("three", 3, 300, ["dog", "cat", "bird"])
    multiclass("ten", 10, 1000)
    # a class without rows: one-vs-rest AUC undefined
    write(f"{d}/missing_class.tsv", ("label", "p_a", "p_b", "p_c"),
          [("a", 0.7, 0.2, 0.1), ("b", 0.2, 0.5, 0.3), ("a", 0.4, 0.4, 0.2), ("b", 0.1, 0.6, 0.3)])
    cases.append(("missing_class", ""))
    # ties in the argmax go to the first class in sorted order
    write(f"{d}/argmax_ties.tsv", ("label", "p_b", "p_a", "p_c"),
          [("a", 0.4, 0.4, 0.2), ("b", 0.4, 0.4, 0.2), ("c", 0.3, 0.3, 0.4), ("b", 0.5, 0.25, 0.25),
           ("c", 0.2, 0.2, 0.6), ("a", 0.25, 0.5, 0.25)])
    cases.append(("argmax_ties", ""))
    with open(f"{d}/cases", "w") as f:
        for name, opts in cases:
            f.write(f"{name}\t{opts}\n")


# ---------------------------------------------------------------- expected values

def read_table(path):
    with open(path, newline="") as f:
        rows = list(csv.reader(f, delimiter="\t", quoting=csv.QUOTE_NONE))
    return rows[0], rows[1:]


def none_if_nan(v):
    return None if v is None or (isinstance(v, float) and math.isnan(v)) else v


def triples(a, b, c):
    return [[none_if_nan(float(x)), none_if_nan(float(y)), none_if_nan(float(t))]
            for x, y, t in zip(a, b, c)]


def calibration(y, p):
    if p.min() < 0 or p.max() > 1:
        return None
    prob_true, prob_pred = calibration_curve(y, p, n_bins=10)
    bins = np.linspace(0.0, 1.0, 11)
    counts = np.bincount(np.searchsorted(bins[1:-1], p), minlength=10)
    nz = [b for b in range(10) if counts[b]]
    ece = 0.0
    out = []
    for j, b in enumerate(range(10)):
        if counts[b]:
            k = nz.index(b)
            ece += counts[b] / len(p) * abs(prob_true[k] - prob_pred[k])
            out.append({"count": int(counts[b]), "mean_predicted": float(prob_pred[k]),
                        "fraction_positive": float(prob_true[k])})
        else:
            out.append({"count": 0, "mean_predicted": None, "fraction_positive": None})
    return {"bins": out, "ece": ece}


def point(fps, tps, thr, i, P, N):
    """the operating point at index i of the full curve (-1: nothing positive)"""
    tp = 0 if i < 0 else int(tps[i])
    fp = 0 if i < 0 else int(fps[i])
    return {"threshold": float(thr[0] + 1 if i < 0 else thr[i]), "tp": tp, "fp": fp,
            "tpr": tp / P if P else None, "fpr": fp / N if N else None,
            "precision": tp / (tp + fp) if tp + fp else 0.0}


def expected_binary(header, rows, o):
    sc = header.index(o.get("score", "score"))
    lc = header.index(o.get("label", "label"))
    pos = o.get("positive", "1")
    s = np.array([float(r[sc]) for r in rows])
    y = np.array([r[lc] == pos for r in rows], dtype=int)
    P, N = int(y.sum()), int(len(y) - y.sum())
    fps, tps, thr = metrics._ranking._binary_clf_curve(y, s, pos_label=1)
    e = {"mode": "binary", "n": len(y), "positives": P, "negatives": N}
    best = o.get("best")
    T = float(o.get("threshold", 0.5))
    if best is not None:
        # exact fractions; the first of equal values (the highest threshold) wins
        if best == "f1":
            v = [Fraction(2 * int(tp), int(tp + fp) + P) for tp, fp in zip(tps, fps)]
        else:
            v = [Fraction(int(tp), P) - Fraction(int(fp), N) for tp, fp in zip(tps, fps)] \
                if P and N else None
        if v is not None:
            i = v.index(max(v))
            T = float(thr[i])
            e["best"] = point(fps, tps, thr, i, P, N)
    e["threshold"] = T
    e["roc_auc"] = metrics.roc_auc_score(y, s) if P and N else None
    if P:
        e["average_precision"] = metrics.average_precision_score(y, s)
        prec, rec, _ = metrics.precision_recall_curve(y, s)
        e["pr_auc"] = metrics.auc(rec, prec)
    else:
        e["average_precision"] = e["pr_auc"] = None
    pred = (s >= T).astype(int)
    if "best" in e:
        e["best"][best] = (metrics.f1_score(y, pred, zero_division=0) if best == "f1"
                           else e["best"]["tpr"] - e["best"]["fpr"])
    e["accuracy"] = metrics.accuracy_score(y, pred)
    e["precision"] = metrics.precision_score(y, pred, zero_division=0)
    e["recall"] = metrics.recall_score(y, pred, zero_division=0)
    e["f1"] = metrics.f1_score(y, pred, zero_division=0)
    e["mcc"] = metrics.matthews_corrcoef(y, pred)
    e["balanced_accuracy"] = metrics.balanced_accuracy_score(y, pred)
    e["log_loss"] = metrics.log_loss(y, s, labels=[0, 1])
    probs = s.min() >= 0 and s.max() <= 1
    e["brier"] = metrics.brier_score_loss(y, s, pos_label=1) if probs else None
    tn, fp, fn, tp = metrics.confusion_matrix(y, pred, labels=[0, 1]).ravel()
    e["confusion"] = {"tp": int(tp), "fp": int(fp), "tn": int(tn), "fn": int(fn)}
    e["tpr_at_fpr"] = {}
    for name in ("0.01", "0.05", "0.1"):
        if P and N:
            fpr, tpr, _ = metrics.roc_curve(y, s, drop_intermediate=False)
            e["tpr_at_fpr"][name] = max(t for f, t in zip(fpr, tpr) if f <= float(name))
        else:
            e["tpr_at_fpr"][name] = None
    e["calibration"] = calibration(y, s)
    if "at-fpr" in o:
        F = float(o["at-fpr"])
        ok = [i for i in range(-1, len(thr)) if (0 if i < 0 else fps[i]) / N <= F]
        top = max(0 if i < 0 else tps[i] for i in ok)
        i = min(i for i in ok if (0 if i < 0 else tps[i]) == top)
        e["at_fpr"] = dict(point(fps, tps, thr, i, P, N), max_fpr=F)
    if "at-recall" in o:
        R = float(o["at-recall"])
        _, rec, _ = metrics.precision_recall_curve(y, s)
        ok = [i for i in range(len(thr)) if tps[i] / P >= R]
        # highest precision (exact fractions), ties to the higher recall
        i = max(ok, key=lambda i: (Fraction(int(tps[i]), int(tps[i] + fps[i])), i))
        e["at_recall"] = dict(point(fps, tps, thr, i, P, N), min_recall=R)
    fpr, tpr, t = metrics.roc_curve(y, s)
    e["roc_curve"] = triples(fpr, tpr, t)
    prec, rec, t = metrics.precision_recall_curve(y, s)
    e["pr_curve"] = triples(rec, prec, list(t) + [float("nan")])
    return e


def expected_multiclass(header, rows, o):
    lc = header.index(o.get("label", "label"))
    pcols = sorted((h[2:], i) for i, h in enumerate(header) if h.startswith("p_"))
    classes = [c for c, _ in pcols]
    y = np.array([r[lc] for r in rows], dtype=object)
    p = np.array([[float(r[i]) for _, i in pcols] for r in rows])
    pred = np.array(classes, dtype=object)[np.argmax(p, axis=1)]
    e = {"mode": "multiclass", "n": len(rows), "classes": classes}
    e["accuracy"] = metrics.accuracy_score(y, pred)
    e["macro_f1"] = metrics.f1_score(y, pred, labels=classes, average="macro", zero_division=0)
    e["weighted_f1"] = metrics.f1_score(y, pred, labels=classes, average="weighted",
                                        zero_division=0)
    for avg in ("macro", "weighted"):
        try:
            v = metrics.roc_auc_score(y, p, multi_class="ovr", average=avg, labels=classes)
        except ValueError:
            v = None
        e["roc_auc_ovr_" + avg] = v
    e["log_loss"] = metrics.log_loss(y, p, labels=classes)
    e["confusion_matrix"] = metrics.confusion_matrix(y, pred, labels=classes).tolist()
    pr, rc, f1, sup = metrics.precision_recall_fscore_support(y, pred, labels=classes,
                                                              zero_division=0)
    e["per_class"] = []
    for j, c in enumerate(classes):
        yc = (y == c).astype(int)
        auc = metrics.roc_auc_score(yc, p[:, j]) if 0 < yc.sum() < len(yc) else None
        e["per_class"].append({"class": c, "support": int(sup[j]), "precision": pr[j],
                               "recall": rc[j], "f1": f1[j], "roc_auc": auc})
    e["calibration"] = calibration((pred == y).astype(int), p.max(axis=1))
    return e


# ---------------------------------------------------------------- comparison

class Compare:
    def __init__(self):
        self.n = self.exact = 0
        self.bad = []

    def __call__(self, path, want, got):
        if isinstance(want, dict):
            if not isinstance(got, dict):
                return self.bad.append(f"{path}: wanted an object, got {got!r}")
            for k in want:
                if k not in got:
                    self.bad.append(f"{path}.{k}: missing")
                else:
                    self(f"{path}.{k}", want[k], got[k])
        elif isinstance(want, list):
            if not isinstance(got, list) or len(got) != len(want):
                return self.bad.append(f"{path}: wanted {len(want)} items, got "
                                       f"{len(got) if isinstance(got, list) else got!r}")
            for i, (w, g) in enumerate(zip(want, got)):
                self(f"{path}[{i}]", w, g)
        elif want is None:
            if got is not None:
                self.bad.append(f"{path}: wanted null, got {got!r}")
        elif isinstance(want, str):
            if got != want:
                self.bad.append(f"{path}: wanted {want!r}, got {got!r}")
        elif isinstance(want, (int, np.integer)) and not isinstance(want, bool):
            self.n += 1
            if not isinstance(got, int) or got != want:
                self.bad.append(f"{path}: wanted the integer {want}, got {got!r}")
            else:
                self.exact += 1
        else:
            want = float(want)
            self.n += 1
            if not isinstance(got, (int, float)) or isinstance(got, bool):
                self.bad.append(f"{path}: wanted {want!r}, got {got!r}")
            elif not math.isclose(got, want, rel_tol=REL, abs_tol=0):
                self.bad.append(f"{path}: wanted {want!r}, got {got!r}")
            elif float(got) == want:
                self.exact += 1


def strict_json(text):
    def bad_constant(c):
        raise ValueError("not JSON: " + c)
    return json.loads(text, parse_constant=bad_constant)


def parse_opts(args):
    o = {}
    i = 0
    while i < len(args):
        a = args[i]
        if a == "--multiclass":
            o["multiclass"] = True
        elif a.startswith("--"):
            o[a[2:]] = args[i + 1]
            i += 1
        i += 1
    return o


def compare(path, json_path, args):
    """(ok, one line saying how it went)"""
    o = parse_opts(args)
    header, rows = read_table(path)
    try:
        with open(json_path) as f:
            got = strict_json(f.read())
    except (OSError, ValueError) as e:
        return False, f"{json_path}: {e}"
    binary = not o.get("multiclass") and ("score" in o or "score" in header)
    want = expected_binary(header, rows, o) if binary else expected_multiclass(header, rows, o)
    cmp = Compare()
    cmp("$", want, got)
    if cmp.bad:
        return False, f"{path}: {len(cmp.bad)} of {cmp.n} numbers differ: " + "; ".join(cmp.bad[:5])
    return True, f"{path}: {cmp.n} numbers agree, {cmp.exact} bit-identical"


def check(path, json_path, args):
    ok, line = compare(path, json_path, args)
    print(line)
    return 0 if ok else 1


def check_all(d):
    bad = 0
    with open(f"{d}/cases") as f:
        for line in f:
            name, opts = line.rstrip("\n").split("\t")
            ok, msg = compare(f"{d}/{name}.tsv", f"{d}/{name}.json", opts.split())
            print(f"{'PASS' if ok else 'FAIL'} sklearn {name} {'(' + opts + ') ' if opts else ''}{msg}")
            bad += not ok
    return 1 if bad else 0


if __name__ == "__main__":
    if len(sys.argv) == 3 and sys.argv[1] == "make":
        make(sys.argv[2])
    elif len(sys.argv) == 3 and sys.argv[1] == "check-all":
        sys.exit(check_all(sys.argv[2]))
    elif len(sys.argv) >= 4 and sys.argv[1] == "check":
        sys.exit(check(sys.argv[2], sys.argv[3], sys.argv[4:]))
    else:
        sys.exit(__doc__)
