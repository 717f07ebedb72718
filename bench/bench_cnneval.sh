#!/bin/sh
# cnneval's speed (issue 5):
#  10M:  cnneval on 10 million rows of score/label TSV (target: < 5 s), scores
#        written with 9 significant digits (float32 probabilities) and, for
#        comparison, with 17 (every double; these take strtod's slow path);
#  1M:   cnneval on 1 million rows, file to report, against scikit-learn 1.2
#        computing the same metrics from arrays already in memory (loading the
#        TSV not counted; shown apart), measured in the same run
#        (target: ratio >= 10).
# The data are generated here (seeded): 30 % positives, overlapping scores.
set -e
B=$1
export PATH="$B/bin:$PATH"
W=$(mktemp -d)
trap 'rm -rf "$W"' EXIT
PY=/usr/bin/python3

gen() { # ROWS DIGITS
	awk -v n="$1" -v d="$2" 'BEGIN { srand(7); print "score\tlabel"; f = "%." d "g\t%d\n"
		for (i = 0; i < n; i++) { y = rand() < 0.3; s = 0.7 * rand() + 0.3 * y * rand(); printf f, s, y } }'
}
gen 10000000 9 > "$W/10m.tsv"
gen 10000000 17 > "$W/10m17.tsv"
gen 1000000 9 > "$W/1m.tsv"

. "$(dirname "$0")/lib.sh"

t10=$(best "cnneval '$W/10m.tsv' > /dev/null")
t17=$(best "cnneval '$W/10m17.tsv' > /dev/null")
printf '10M rows: cnneval %.3f s (target < 5 s), %.1f M rows/s; with 17-digit scores %.3f s\n' \
	"$t10" "$(echo "10 / $t10" | bc -l)" "$t17"

t1=$(best "cnneval '$W/1m.tsv' > /dev/null")
# scikit-learn: the metrics of cnneval's default report, best of REPS, arrays in memory
ref=$($PY - "$W/1m.tsv" "$REPS" <<'EOF'
import sys, time, warnings
import numpy as np
from sklearn import metrics
from sklearn.calibration import calibration_curve
warnings.simplefilter("ignore")
t0 = time.perf_counter()
data = np.loadtxt(sys.argv[1], delimiter="\t", skiprows=1)
load = time.perf_counter() - t0
s, y = data[:, 0], data[:, 1].astype(int)
best = None
for _ in range(int(sys.argv[2])):
    t0 = time.perf_counter()
    metrics.roc_auc_score(y, s)
    metrics.average_precision_score(y, s)
    p, r, _ = metrics.precision_recall_curve(y, s)
    metrics.auc(r, p)
    fpr, tpr, _ = metrics.roc_curve(y, s, drop_intermediate=False)
    [tpr[fpr <= f].max() for f in (0.01, 0.05, 0.1)]
    pred = (s >= 0.5).astype(int)
    metrics.accuracy_score(y, pred)
    metrics.precision_score(y, pred)
    metrics.recall_score(y, pred)
    metrics.f1_score(y, pred)
    metrics.matthews_corrcoef(y, pred)
    metrics.balanced_accuracy_score(y, pred)
    metrics.confusion_matrix(y, pred)
    metrics.log_loss(y, s)
    metrics.brier_score_loss(y, s)
    calibration_curve(y, s, n_bins=10)
    t = time.perf_counter() - t0
    best = t if best is None or t < best else best
print("%.6f %.6f" % (best, load))
EOF
)
sk=${ref% *}
load=${ref#* }
printf '1M rows: cnneval %.3f s (reading the file included), scikit-learn %.3f s (metrics only; np.loadtxt adds %.3f s), ratio %.1f (target >= 10)\n' \
	"$t1" "$sk" "$load" "$(echo "$sk / $t1" | bc -l)"
