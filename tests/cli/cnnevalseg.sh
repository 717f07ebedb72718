# cnneval --masks: segmentation metrics per image and over all pixels against
# scikit-learn 1.2 (tests/cnnevalseg_oracle.py) on streams written from Python
# (tests/tswrite.py), the pixel sample, curves and plots, bad records, usage.
. tests/lib.sh
PY=/usr/bin/python3
ORACLE="$ROOT/tests/cnnevalseg_oracle.py"
cd "$T"
$PY "$ORACLE" make . || fail "oracle make"

# ---- agreement with scikit-learn: every per-image row and every overall number
oracle() { # NAME JSON PERIMAGE [THRESHOLD]
	if $PY "$ORACLE" check seg.tsr "$2" "$3" $4 > "$1.check"; then pass "$1: $(wc -l < "$1.check") numbers agree with sklearn"
	else fail "$1: $(grep FAIL "$1.check" | head -3)"; fi
}
check "json" cnneval --masks -f json --per-image per.tsv --curves seg seg.tsr
cp "$T/.out" seg.json
oracle "threshold 0.5" seg.json per.tsv
check "json, threshold 0.3" cnneval --masks -f json --threshold 0.3 --per-image per3.tsv seg.tsr
cp "$T/.out" seg3.json
oracle "threshold 0.3" seg3.json per3.tsv 0.3
if $PY "$ORACLE" roc seg.tsr seg.roc.tsv seg.pr.tsv > curves.check; then pass "curves: sklearn's roc_curve and precision_recall_curve"
else fail "curves: $(grep FAIL curves.check | head -3)"; fi
# the empty-mask conventions, row by row: both empty 1; nothing true 0 precision, 1 recall;
# nothing predicted precision 1, recall 0
eq "empty masks: IoU and Dice 1" "$(grep '^empty' per.tsv | cut -f 4-)" "0	1	1	1	1	1"
eq "nothing true, all predicted" "$(grep '^false-alarm' per.tsv | cut -f 5-)" "0	0	1	0	0"
eq "nothing predicted" "$(grep '^missed' per.tsv | cut -f 6-)" "1	0	0	0"
eq "no id: the record number" "$(tail -1 per.tsv | cut -f 1)" 8

# ---- the same numbers as TSV and text, through stdin
check "tsv from stdin" sh -c 'cnneval --masks -f tsv < seg.tsr'
cp "$T/.out" seg.tsv
eq "tsv: named stdin" "$(head -1 seg.tsv)" "metric	stdin"
eq "tsv: the JSON's numbers, to 6 digits" "$($PY -c '
import json, sys
d = json.load(open("seg.json")); d.update(d.pop("confusion"))
rows = dict(l.rstrip("\n").split("\t") for l in list(open("seg.tsv"))[1:])
same = lambda v, x: v == (str(int(x)) if x == int(x) else "%.6g" % x)
print(all(same(v, d[k]) for k, v in rows.items()), len(rows))')" "True 20"
check "text" cnneval --masks seg.tsr
eq "text: first line" "$(head -1 "$T/.out")" "seg.tsr: segmentation, 8 images, 1991 pixels (598 true, 632 predicted at threshold 0.5)"
eq "text: mean_iou" "$(grep -c '^  mean_iou ' "$T/.out")" 1

# ---- the pixel sample: seeded, deterministic; the pixel counts stay exact
check "whole big.tsr" cnneval --masks -f json big.tsr
cp "$T/.out" big.json
check "sampled" cnneval --masks -f json --max-pixels 5000 big.tsr
cp "$T/.out" s1.json
check "sampled again" cnneval --masks -f json --max-pixels 5000 big.tsr
same "sample: same output twice" s1.json "$T/.out"
check "sampled, seed 2" cnneval --masks -f json --max-pixels 5000 --seed 2 big.tsr
cp "$T/.out" s2.json
eq "sample: size, flag, exact counts, AUC near the whole's, another seed another sample" "$($PY -c '
import json
b, s, t = (json.load(open(f)) for f in ("big.json", "s1.json", "s2.json"))
print(s["curve_pixels"], s["curve_subsampled"], b["curve_subsampled"],
      all(s[k] == b[k] for k in ("iou", "dice", "mean_iou", "accuracy", "confusion")),
      abs(s["roc_auc"] - b["roc_auc"]) < 0.02, s["roc_auc"] != t["roc_auc"])')" "5000 True False True True True"

# ---- plots as for classification: ROC and PR, PNG and SVG
check "plots" cnneval --masks --plot segplot seg.tsr
for f in segplot.roc.png segplot.roc.svg segplot.pr.png segplot.pr.svg; do
	if [ -s "$f" ]; then pass "plot $f"; else fail "plot $f missing"; fi
done
check "-v summary" cnneval --masks -v seg.tsr
eq "-v: one summary line" "$(grep -c 'records' "$T/.err")" 1

# ---- bad records: skipped with one line naming the input, record and id, exit 1;
# with --max-errors 0 the program stops there: no stdout, no per-image file
bad() { # NAME PATTERN
	expect_status "bad $1: exit 1" 1 cnneval --masks --per-image "bad_$1.per.tsv" "bad_$1.tsr"
	expect_err "bad $1: one line" "^cnneval: bad_$1.tsr: record 2 \(id x\): $2"
	eq "bad $1: the metrics of the other record" "$(grep -c 'segmentation, 1 images' "$T/.out") $(tail -n +2 bad_$1.per.tsv | cut -f1)" "1 tile0"
	expect_status "bad $1: --max-errors 0: exit 1" 1 cnneval --masks --max-errors 0 --per-image "bad_$1.p0.tsv" "bad_$1.tsr"
	eq "bad $1: --max-errors 0: no stdout, no per-image file" "$(wc -c < "$T/.out") $(ls bad_$1.p0* 2>/dev/null | wc -l)" "0 0"
}
bad no_pred "no 'pred_mask' tensor$"
bad no_mask "no 'mask' tensor$"
bad sizes "mask is 5x4, pred_mask 4x4$"
bad range "'pred_mask' pixel 0 is 1.5, not in \\[0, 1\\]$"
bad shape "'mask' is not H x W, H x W x 1 or 1 x H x W$"
bad dtype "'pred_mask' is i32, not u8 or f32$"
expect_status "no records: exit 1" 1 cnneval --masks none.tsr
expect_err "no records: one line" "^cnneval: none.tsr: no records$"
expect_status "not a stream: exit 1" 1 cnneval --masks per.tsv
expect_err "not a stream: one line" "^cnneval: per.tsv: "
expect_status "missing file: exit 1" 1 cnneval --masks no-such.tsr
expect_err "missing file: one line" "^cnneval: no-such.tsr: No such file"

# ---- usage
expect_status "usage: two streams" 2 cnneval --masks seg.tsr big.tsr
expect_status "usage: --best" 2 cnneval --masks --best f1 seg.tsr
expect_status "usage: --bootstrap" 2 cnneval --masks --bootstrap 10 seg.tsr
expect_status "usage: --per-image without --masks" 2 cnneval --per-image x.tsv per.tsv
expect_status "usage: --max-pixels 0" 2 cnneval --masks --max-pixels 0 seg.tsr
done_tests
