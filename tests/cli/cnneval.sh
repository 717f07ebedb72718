# cnneval: every JSON number against scikit-learn 1.2 (tests/cnneval_oracle.py),
# bad input, formats, curves, plots, learning curves, bootstrap.
. tests/lib.sh
PY=/usr/bin/python3
ORACLE="$ROOT/tests/cnneval_oracle.py"
cd "$T"

# ---- agreement with scikit-learn, case by case (relative 1e-9, curves point by point)
mkdir cases
$PY "$ORACLE" make cases || fail "oracle make"
while IFS='	' read -r name opts; do
	# shellcheck disable=SC2086
	cnneval -f json $opts "cases/$name.tsv" >"cases/$name.json" 2>"cases/$name.err" ||
		fail "sklearn $name: cnneval failed: $(head -c 300 "cases/$name.err")"
done < cases/cases
# one PASS or FAIL line per case
$PY "$ORACLE" check-all cases || fails=$((fails + 1))

# the same file through stdin; the last line without a newline
expect_status "stdin" 0 sh -c 'cnneval -f json < cases/two_rows_tie.tsv > stdin.json'
check "stdin: same numbers" $PY "$ORACLE" check cases/two_rows_tie.tsv stdin.json
eq "stdin: named stdin" "$(grep -c '"input": "stdin"' stdin.json)" 1

# ---- single class: undefined AUC is null, a warning, exit 0, other metrics still there
expect_status "one class: exit 0" 0 cnneval -f json cases/one_class_neg.tsv
expect_err "one class: a warning" "^cnneval: cases/one_class_neg.tsv: no row has the positive label '1': ROC AUC.*undefined"
eq "one class: roc_auc null, accuracy there" \
	"$($PY -c 'import json,sys; d=json.load(open(sys.argv[1])); print(d["roc_auc"], d["accuracy"] > 0)' "$T/.out")" "None True"

# ---- bad input: exit 1, nothing on stdout, one line naming the file and line
bad() { # NAME CONTENT PATTERN [OPTIONS]
	printf "$2" > "bad_$1.tsv"
	bname=$1 bpat=$3
	shift 3
	expect_status "bad $bname: exit 1" 1 cnneval "$@" "bad_$bname.tsv"
	expect_err "bad $bname: one line" "^cnneval: bad_$bname.tsv: line $bpat"
	eq "bad $bname: no stdout" "$(wc -c < "$T/.out")" 0
}
bad not_a_number 'score\tlabel\n0.5\t1\n0.75x\t0\n' "3: column 'score': '0.75x' is not a finite number$"
bad empty_score 'score\tlabel\n0.5\t1\n\t0\n' "3: column 'score' is empty$"
bad nan 'score\tlabel\n0.5\t1\nnan\t0\n' "3: column 'score': 'nan' is not"
bad inf 'score\tlabel\n0.5\t1\n0.2\t0\n-inf\t1\n' "4: column 'score': '-inf' is not"
bad fewer_fields 'score\tlabel\tid\n0.5\t1\ta\n0.5\t1\n' "3: 2 fields, the header has 3$"
bad no_score 'p\tlabel\n0.5\t1\n' "1: no 'score' column and no p_CLASS columns$"
bad no_label 'score\ttruth\n0.5\t1\n' "1: no column 'label' in the header$"
bad missing_column 'score\tlabel\n0.5\t1\n' "1: no column 'prob' in the header$" --score prob
bad third_label 'score\tlabel\n0.5\t1\n0.2\t0\n0.3\t1\n0.4\t2\n' "5: third label '2' \\(binary mode allows two: '1' and '0'\\)$"
bad no_positive 'score\tlabel\n0.5\tcat\n0.2\tdog\n' "3: labels 'cat' and 'dog'.*--positive"

# ---- cnnpredict | cnneval for named classes: the positive class is the p_CLASS column
# that equals score, so no --positive is needed
printf 'file\tlabel\tpred\tscore\tp_boots\tp_sandals\na\tsandals\tsandals\t0.9\t0.1\t0.9\nb\tboots\tboots\t0.2\t0.8\t0.2\nc\tsandals\tboots\t0.4\t0.6\t0.4\n' > named.tsv
expect_status "named classes without --positive: exit 0" 0 cnneval -f json named.tsv
eq "... the positive is the class whose p_ column is the score" \
	"$($PY -c 'import json,sys; d=json.load(open(sys.argv[1])); print(d["positive_label"], d["roc_auc"])' "$T/.out")" "sandals 1"
cnneval -f json --positive sandals named.tsv > named-explicit.json
same "... as --positive names it" "$T/.out" named-explicit.json
printf 'score\tlabel\tp_a\tp_b\n0.5\ta\t0.5\t0.5\n0.7\tb\t0.3\t0.7\n' > tie.tsv
eq "a row where both p_ columns equal the score: the other rows decide" \
	"$(cnneval -f json tie.tsv | $PY -c 'import json,sys; print(json.load(sys.stdin)["positive_label"])')" b
bad empty '' "1: empty input, no header$"
bad csv 'score,label\n0.5,1\n0.2,0\n' "1: the header has commas but no tabs: cnneval reads tab-separated values, not CSV"
bad header_only 'score\tlabel\n' "1: a header but no rows$"
bad multiclass_label 'label\tp_a\tp_b\na\t0.5\t0.5\nc\t0.1\t0.9\n' "3: label 'c' has no p_c column$"
bad empty_line 'score\tlabel\n0.5\t1\n\n0.5\t0\n' "3: empty line$"
expect_status "missing file: exit 1" 1 cnneval no-such.tsv
expect_err "missing file: one line" "^cnneval: no-such.tsv: No such file"

# ---- usage
expect_status "usage: bad format" 2 cnneval -f xml cases/random.tsv
expect_status "usage: --threshold with --best" 2 cnneval --threshold 0.3 --best f1 cases/random.tsv
expect_status "usage: --at-fpr above 1" 2 cnneval --at-fpr 2 cases/random.tsv
check "--help" cnneval --help

# ---- formats agree: text, TSV and JSON show the same numbers
cnneval -f json cases/random.tsv > r.json
cnneval -f tsv cases/random.tsv cases/ties.tsv > r.tsv
cnneval cases/random.tsv > r.txt
check "tsv = json" $PY -c '
import json, sys
d = json.load(open("r.json"))
rows = [l.rstrip("\n").split("\t") for l in open("r.tsv")]
assert rows[0] == ["metric", "cases/random.tsv", "cases/ties.tsv"], rows[0]
v = {r[0]: r[1] for r in rows[1:]}
for k in ("threshold", "roc_auc", "average_precision", "pr_auc", "accuracy", "f1", "mcc", "log_loss", "brier"):
    assert v[k] == "%.6g" % d[k], (k, v[k], d[k])
assert v["tpr_at_fpr_0.1"] == "%.6g" % d["tpr_at_fpr"]["0.1"]
assert v["tp"] == str(d["confusion"]["tp"])
'
# -f tsv is for people: 6 significant digits (as the text report), whole numbers exact;
# the JSON keeps all 17 (thresholds used to come out as 0.72345678910000001)
printf 'score\tlabel\n0.7234567891\t1\n0.30000000000000004\t0\n0.2\t0\n' > digits.tsv
cnneval -f tsv --best f1 digits.tsv > digits.out
eq "-f tsv: the threshold to 6 digits" "$(grep '^threshold' digits.out | cut -f 2)" 0.723457
eq "-f tsv: no number with more than 6 significant digits" \
	"$(cut -f 2 digits.out | sed 1d | sed 's/e.*//; s/[-.]//g; s/^0*//' | awk 'length > 6' | wc -l)" 0
eq "-f tsv: counts exact" "$(grep '^n	' digits.out | cut -f 2)" 3
cnneval -f json --best f1 digits.tsv > digits.json
eq "-f json: the threshold in full" "$($PY -c 'import json; print(repr(json.load(open("digits.json"))["threshold"]))')" 0.7234567891
eq "text report: ROC AUC" "$(grep 'ROC AUC' r.txt | awk '{print $3}')" \
	"$($PY -c 'import json; print("%.6g" % json.load(open("r.json"))["roc_auc"])')"
cnneval -f json cases/random.tsv cases/three.tsv > two.json
check "several inputs: a JSON array" $PY -c '
import json; d = json.load(open("two.json")); assert [x["mode"] for x in d] == ["binary", "multiclass"]'

# ---- operating points and bootstrap
cnneval -f json --bootstrap 200 --seed 7 cases/random.tsv > b1.json
cnneval -f json --bootstrap 200 --seed 7 cases/random.tsv > b2.json
same "bootstrap: same seed, same output" b1.json b2.json
check "bootstrap: intervals around the estimates" $PY -c '
import json; d = json.load(open("b1.json")); b = d["bootstrap"]
assert b["replicates"] == 200
for k in ("roc_auc", "average_precision", "accuracy"):
    lo, hi = b[k]
    assert lo < d[k] < hi and hi - lo < 0.2, (k, lo, d[k], hi)'

# ---- curves as TSV: the same points as the JSON
cnneval --curves cv cases/random.tsv > /dev/null
check "curves: roc and pr files = JSON curves" $PY -c '
import json
d = json.load(open("r.json"))
for f, key in (("cv.roc.tsv", "roc_curve"), ("cv.pr.tsv", "pr_curve")):
    rows = [l.rstrip("\n").split("\t") for l in open(f)]
    pts = [[None if v == "NA" else float(v) for v in r] for r in rows[1:]]
    assert pts == d[key], f
assert open("cv.roc.tsv").readline() == "fpr\ttpr\tthreshold\n"'

# ---- plots: PNG and SVG files that are real images with the curves in them
cnneval --plot pl --at-fpr 0.1 cases/random.tsv > /dev/null
for f in roc pr confusion calibration; do
	eq "plot $f.png: 640x480 PNG" "$(/usr/bin/convert "pl.$f.png" -format '%m %wx%h' info:)" "PNG 640x480"
	check "plot $f.svg: XML with an svg root" $PY -c '
import sys, xml.etree.ElementTree as E
r = E.parse(sys.argv[1]).getroot(); assert r.tag.endswith("svg") and r.get("width") == "640px"' "pl.$f.svg"
done
colors() { /usr/bin/convert "$1" -format %c histogram:info:- | grep -c "$2"; }
[ "$(colors pl.roc.png '#1F77B4')" -ge 1 ] && pass "plot roc: the curve in tab:blue" || fail "plot roc: no tab:blue pixels"
[ "$(colors pl.confusion.png '#440154\|#FDE725')" -ge 1 ] && pass "plot confusion: viridis cells" || fail "plot confusion: no viridis"
cnneval --plot cmp cases/random.tsv cases/ties.tsv > /dev/null
[ "$(colors cmp.roc.png '#FF7F0E')" -ge 1 ] && pass "plot: a second input overlaid in tab:orange" || fail "plot: no second curve"
cnneval --plot mc cases/ten.tsv > /dev/null
eq "plot multiclass confusion" "$(/usr/bin/convert mc.confusion.png -format '%wx%h' info:)" "640x480"

# ---- learning curves from the log cnntrain writes
$PY -c '
import math
print("epoch\ttrain_loss\ttrain_accuracy\tval_loss\tval_accuracy\tlr\tseconds")
for e in range(1, 16):
    print("%d\t%.5f\t%.4f\t%.5f\t%.4f\t%g\t%.2f" % (e, math.exp(-e / 4), 1 - math.exp(-e / 4) / 2,
          math.exp(-e / 5) + 0.1, 1 - math.exp(-e / 5) / 2 - 0.05, 3e-5, 10 + e))' > log.tsv
expect_status "learning curve: exit 0" 0 cnneval --learning-curve log.tsv --plot lc
eq "learning curve: two panels, 1280x480" "$(/usr/bin/convert lc.learning.png -format '%wx%h' info:)" "1280x480"
grep -q "15 epochs; lowest val_loss" "$T/.out" && pass "learning curve: summary" || fail "learning curve: summary: $(cat "$T/.out")"
# cnntrain's own header spells the accuracies train_acc and val_acc: the accuracy panel is drawn too
sed '1s/.*/epoch\ttrain_loss\ttrain_acc\tval_loss\tval_acc\tlr\tseconds/' log.tsv > trainlog.tsv
expect_status "learning curve of cnntrain's header: exit 0" 0 cnneval --learning-curve trainlog.tsv --plot lc2
eq "learning curve of cnntrain's header: two panels" "$(/usr/bin/convert lc2.learning.png -format '%wx%h' info:)" "1280x480"
printf 'epoch\ttrain_loss\n1\t0.5\n2\t0.4\n2\t0.3\n' > badlog.tsv
expect_status "learning curve: epochs must grow" 1 cnneval --learning-curve badlog.tsv
expect_err "learning curve: the line" "^cnneval: badlog.tsv: line 4: epoch 2 does not follow 2$"

# ---- a closed pipe ends quietly
(cnneval -f json cases/rare.tsv; echo $? > st) | head -1 > /dev/null
eq "closed pipe: exit 0" "$(cat st)" 0
done_tests
