# Extra inputs: a features layer reads laplacian_var from the metadata, and the network uses it;
# cnnpredict computes a missing laplacian_var as --baseline laplacian would; errors name the record.
. tests/lib.sh
D=/usr/share/datasets/fashion-mnist
cd "$T"
imgcat --idx "$D/train-images-idx3-ubyte.gz" "$D/train-labels-idx1-ubyte.gz" --head 3000 |
	imgaug --seed 3 'defocus 1..2 p=0.5 label=blurred clean=sharp' > aug.tsr
cnnpredict --baseline laplacian --stream aug.tsr > lap.tsr
imgcat --split train=0.8,test=0.2 --seed 1 -o s- lap.tsr
imgcat --split train=0.8,test=0.2 --seed 1 -o n- aug.tsr
# The image branch sees only the mean brightness, which blurring keeps: alone it is a coin toss.
cat > f.arch <<'A'
input 1x28x28
avgpool 28
flatten name=img
features laplacian_var name=lap
concat img lap
dense 2
softmax
A
grep -v -e features -e concat f.arch > nof.arch
acc() { awk -F'\t' 'NR > 1 { n++; if ($2 == $3) k++ } END { printf "%.4f", k / n }' "$1"; }
ge() { awk -v a="$1" -v b="$2" 'BEGIN { exit !(a >= b) }'; }
check "trains with the feature" cnntrain -m f.arch --epochs 5 --optimizer adam --lr 0.05 -o f.model s-train.tsr
check "trains without it" cnntrain -m nof.arch --epochs 5 --optimizer adam --lr 0.05 -o nof.model s-train.tsr
cnnpredict -m f.model s-test.tsr > f.tsv
cnnpredict -m nof.model s-test.tsr > nof.tsv
a=$(acc f.tsv) b=$(acc nof.tsv)
if ge "$a" 0.95; then pass "with laplacian_var: accuracy $a >= 0.95"; else fail "with laplacian_var: accuracy $a < 0.95"; fi
if ge 0.65 "$b"; then pass "without it: accuracy $b <= 0.65"; else fail "without it: accuracy $b > 0.65"; fi
# The statistics are the training split's: population mean and deviation, as StandardScaler has them.
check "the model holds lap.state" sh -c 'imgcat -l f.model | grep -q "lap.state:f32\[2\]"'
/usr/bin/python3 "$ROOT/tests/tsread.py" s-train.tsr > train.json
/usr/bin/python3 "$ROOT/tests/tsread.py" f.model > model.json
eq "lap.state is the training split's mean and deviation of laplacian_var" "$(/usr/bin/python3 - <<'P'
import json, numpy as np
v = np.array([float(json.loads(l)["meta"]["laplacian_var"]) for l in open("train.json")], dtype=np.float32)
m = json.loads(open("model.json").readline())
st = [t for t in m["tensors"] if t["name"] == "lap.state"][0]["data"]
v = v.astype(np.float64)
print(abs(st[0] - v.mean()) <= 1e-5 * v.mean() and abs(st[1] - v.std()) <= 1e-5 * v.std())
P
)" True
# A record without laplacian_var gets it computed: the same predictions as from the stream that has it.
cnnpredict -m f.model n-test.tsr > fn.tsv
same "a missing laplacian_var is computed from the image" f.tsv fn.tsv
eq "cnntrain names the record that lacks the feature" "$(cnntrain -m f.arch --epochs 1 -o x.model n-train.tsr 2>&1 | head -1)" \
	"cnntrain: n-train.tsr: record 1 (id train-images-idx3-ubyte:1@aug1): no laplacian_var in the metadata (cnnpredict --baseline laplacian --stream adds it)"
test -e x.model && fail "no model is written on that error" || pass "no model is written on that error"
eq "the summary names the metadata read" "$(cnntrain -m f.arch --summary | grep '^lap ' | tr -s ' ')" \
	"lap features 1x1x1 0 <- metadata laplacian_var"
m8=$(cnntrain -m "$ROOT/share/models/m8-blur-plus-laplacian.arch" --summary)
eq "m8 is m3 with the feature joined after flatten" "$(echo "$m8" | grep -E '^(laplacian|concat_1|total)' | tr -s ' ' | tr '\n' ';')" \
	"laplacian features 1x1x1 0 <- metadata laplacian_var;concat_1 concat 4609x1x1 0 <- image, laplacian;total params: 13744226;"
done_tests
