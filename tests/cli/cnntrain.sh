# cnntrain and cnnpredict on Fashion-MNIST (Debian's dataset-fashion-mnist): accuracy floor,
# determinism, exact resume, early stopping, spilling, binary models, errors.
. tests/lib.sh
D=/usr/share/datasets/fashion-mnist
CLASSES=$(cat "$ROOT/share/fashion-mnist/classes")
cd "$T"
imgcat --idx --classes "$CLASSES" "$D/train-images-idx3-ubyte.gz" "$D/train-labels-idx1-ubyte.gz" \
	--head 4000 -o train.tsr
imgcat --idx --classes "$CLASSES" "$D/t10k-images-idx3-ubyte.gz" "$D/t10k-labels-idx1-ubyte.gz" \
	--head 1000 -o test.tsr
# a small network, so the suite stays fast
cat > small.arch <<'EOF'
input 1x28x28
conv2d 16 kernel=3 stride=2
relu
maxpool 2
flatten
dense 32
relu
dropout 0.2
dense 10
softmax
EOF
acc() { awk -F'\t' 'NR > 1 { n++; if ($2 == $3) k++ } END { printf "%.4f", k / n }' "$1"; }
ge() { awk -v a="$1" -v b="$2" 'BEGIN { exit !(a >= b) }'; }

# Accuracy floor: 3 epochs on 3600 images, tested on 1000 others (seeds 1 to 4 gave 0.73 to 0.76).
check "trains the small network" cnntrain -m small.arch --epochs 3 --val 0.1 --log log.tsv -o a.model train.tsr
check "predicts the test set" sh -c 'cnnpredict -m a.model test.tsr > a.tsv'
a=$(acc a.tsv)
if ge "$a" 0.70; then pass "test accuracy $a >= 0.70"; else fail "test accuracy $a < 0.70"; fi
eq "the log has a header and one line per epoch" "$(head -1 log.tsv | tr '\t' ' '):$(wc -l < log.tsv)" \
	"epoch train_loss train_acc val_loss val_acc lr seconds:4"
eq "cnneval reads the predictions" "$(cnneval -f json --multiclass a.tsv | grep -c '"accuracy"')" 1
eq "imgcat lists the model" "$(imgcat -l a.model | tr '\t' '\n' | grep -E '^(kind|nclasses|class.9|input)=' | tr '\n' ' ')" \
	"kind=cnnmodel input=1x28x28 nclasses=10 class.9=tshirt "

# The same seed gives the same model; a resumed run gives what an uninterrupted one gives.
cnntrain -m small.arch --epochs 3 --val 0.1 -o b.model train.tsr 2>/dev/null
cnnpredict -m b.model test.tsr > b.tsv
same "the same seed gives the same predictions" a.tsv b.tsv
cnntrain -m small.arch --epochs 3 --val 0.1 --seed 2 -o c.model train.tsr 2>/dev/null
cnnpredict -m c.model test.tsr > c.tsv
if cmp -s a.tsv c.tsv; then fail "another seed gives another model"; else pass "another seed gives another model"; fi
cnntrain -m small.arch --epochs 1 --val 0.1 --checkpoint ck.model -o one.model train.tsr 2>/dev/null
check "resumes from the checkpoint" cnntrain -m small.arch --epochs 3 --val 0.1 --resume ck.model --log rlog.tsv \
	-o r.model train.tsr
cnnpredict -m r.model test.tsr > r.tsv
same "a resumed run ends where an uninterrupted one does" a.tsv r.tsv
eq "the resumed log continues the first" "$(cut -f1-5 rlog.tsv | md5sum)" "$(cut -f1-5 log.tsv | md5sum)"
eq "resuming a model that is no checkpoint" "$(cnntrain -m small.arch --epochs 2 --resume a.model -o x.model \
	train.tsr 2>&1 >/dev/null | grep -c 'not a checkpoint')" 1

# Spilling the training set to a mapped file changes nothing.
cnntrain -m small.arch --epochs 3 --val 0.1 --memory 64K -o s.model train.tsr 2>/dev/null
cnnpredict -m s.model test.tsr > s.tsv
same "a spilled training set trains the same model" a.tsv s.tsv

# Early stopping keeps the best epoch's weights.
cnntrain -m small.arch --epochs 4 --val 0.2 --early-stop 10 --log elog.tsv -o e.model train.tsr 2>/dev/null
best=$(awk -F'\t' 'NR > 1 { if (b == "" || $4 < b) b = $4 } END { printf "%.4f", b }' elog.tsv)
kept=$(imgcat -l e.model | tr '\t' '\n' | sed -n 's/^val_loss=//p' | awk '{ printf "%.4f", $1 }')
eq "early stopping keeps the weights of the best validation loss" "$kept" "$best"

# Undersampling and class weights.
imgcat --where label=boot --head 300 train.tsr > boots.tsr
imgcat --where label=bag --head 100 train.tsr > bags.tsr
cat boots.tsr bags.tsr > unbalanced.tsr
cat > binary.arch <<'EOF'
input 1x28x28
conv2d 4 kernel=3 stride=2
relu
flatten
dense 1
sigmoid
EOF
check "trains a binary model with --balance" cnntrain -m binary.arch --epochs 2 --balance -o bal.model unbalanced.tsr
eq "--balance keeps as many of each class as the rarest" \
	"$(imgcat -l bal.model | tr '\t' '\n' | grep '^train_records=')" "train_records=200"
check "trains a binary model with --class-weights auto" cnntrain -m binary.arch --epochs 3 --class-weights auto \
	-o bin.model unbalanced.tsr
imgcat --where label=boot --head 100 test.tsr > btest.tsr
imgcat --where label=bag --head 100 test.tsr >> btest.tsr
cnnpredict -m bin.model btest.tsr > bin.tsv
eq "a binary model writes score, the positive class's probability" "$(head -1 bin.tsv | tr '\t' ' ')" \
	"id label pred score p_bag p_boot"
auc=$(cnneval -f json --positive boot bin.tsv | sed -n 's/.*"roc_auc": *\([0-9.]*\).*/\1/p' | head -1)
if ge "$auc" 0.95; then pass "bags against boots: ROC AUC $auc >= 0.95"; else fail "bags against boots: ROC AUC '$auc'"; fi

# --val-by KEY holds out whole groups: 8 sources of 7 images each.
/usr/bin/python3 - <<'EOF'
import numpy as np
r = np.random.default_rng(3)
for g in range(8):
    np.save("grp%d.npy" % g, r.integers(0, 256, (7, 28, 28), dtype=np.uint8))
    with open("grp%d.csv" % g, "w") as f:
        f.writelines("%s\n" % ("bag", "boot")[i % 2] for i in range(7))
EOF
for g in 0 1 2 3 4 5 6 7; do imgcat --labels grp$g.csv grp$g.npy; done > groups.tsr
check "--val 0.5 --val-by source trains" cnntrain -m binary.arch --epochs 1 --val 0.5 --val-by source -o grp.model groups.tsr
ntr=$(imgcat -l grp.model | tr '\t' '\n' | sed -n 's/^train_records=//p')
if [ -n "$ntr" ] && [ "$ntr" -gt 0 ] && [ "$ntr" -lt 56 ] && [ $((ntr % 7)) -eq 0 ]; then
	pass "--val-by source: whole sources of 7 on each side ($ntr for training)"
else
	fail "--val-by source: '$ntr' training records, not whole groups of 7"
fi
cnntrain -m binary.arch --epochs 1 --val 0.5 -o nogrp.model groups.tsr 2>/dev/null
eq "... where --val alone takes half of each class" \
	"$(imgcat -l nogrp.model | tr '\t' '\n' | sed -n 's/^train_records=//p')" 28
expect_status "--val-by a key no record has" 1 cnntrain -m binary.arch --epochs 1 --val 0.5 --val-by nokey \
	-o x.model groups.tsr
eq "... names the record and the key" "$(head -1 "$T/.err" | grep -Ec ': record 1 \(id [^)]*\): no nokey \(--val-by\)$')" 1
expect_status "--val-by without --val is a usage error" 2 cnntrain -m binary.arch --val-by source -o x.model groups.tsr

# cnnpredict on image files: the model converts and resizes them itself.
mkdir -p png
imgcat --head 8 --export png test.tsr
/usr/bin/convert png/t10k-images-idx3-ubyte:0.png -resize 56x70! -colorspace sRGB -type TrueColor png/big-rgb.png
cnnpredict -m a.model png > files.tsv
eq "image files give a file column" "$(head -1 files.tsv | cut -f1,2)" "$(printf 'file\tpred')"
eq "one line per image" "$(wc -l < files.tsv)" 10
eq "a PNG predicts as its record did" "$(grep ':3.png' files.tsv | cut -f2)" "$(sed -n 5p a.tsv | cut -f3)"
expect_status "--no-resize refuses another size" 1 cnnpredict -m a.model --no-resize png/big-rgb.png
expect_err "... naming the record and sizes" "^cnnpredict: png/big-rgb.png: record 1 \(id png/big-rgb.png\): the image is 56x70, the model wants 28x28"
# --short N: shorter side to N, then the centre, as imgresize --short N --crop does
/usr/bin/convert png/t10k-images-idx3-ubyte:2.png -resize 56x70! png/big-gray.png
cnnpredict -m a.model --short 40 png/big-gray.png | cut -f2- > short.tsv
imgresize --short 40 --crop 28x28 png/big-gray.png | cnnpredict -m a.model | cut -f2- > short-ref.tsv
eq "--short 40 predicts as imgresize --short 40 --crop 28x28 then cnnpredict" "$(cat short.tsv)" "$(cat short-ref.tsv)"
if [ "$(cat short.tsv)" != "$(cnnpredict -m a.model png/big-gray.png | cut -f2-)" ]; then
	pass "... and not as the default (shorter side to 28)"
else
	fail "--short 40 changed nothing"
fi
expect_status "--short below the input side is a usage error" 2 cnnpredict -m a.model --short 20 png/big-gray.png
if grep -q "^cnnpredict: --short must be at least the model's input side$" "$T/.err"; then pass "... saying so"; else fail "--short 20: $(head -1 "$T/.err")"; fi
expect_status "--short with --no-resize is a usage error" 2 cnnpredict -m a.model --short 40 --no-resize png/big-gray.png
eq "--stream adds predictions to the records" \
	"$(cnnpredict -m a.model --stream test.tsr | imgcat --head 1 -l | tr '\t' '\n' | grep -cE '^(pred|p_boot)=')" 2
eq "--stream keeps the records in order" "$(cnnpredict -m a.model --stream test.tsr | imgcat -l | cut -f1 | md5sum)" \
	"$(imgcat -l test.tsr | cut -f1 | md5sum)"
eq "a closed pipe is not an error" "$(cnnpredict -m a.model test.tsr | head -1 | cut -f1; echo $?)" "$(printf 'id\n0')"

# The variance of the Laplacian, against numpy with OpenCV's border rule (reflect 101).
cnnpredict --baseline laplacian png/big-rgb.png png/t10k-images-idx3-ubyte:1.png > lap.tsv
/usr/bin/python3 - png/big-rgb.png png/t10k-images-idx3-ubyte:1.png > lap-ref.tsv <<'EOF'
import sys, zlib, struct
import numpy as np
def png_gray(path):
    import subprocess
    raw = subprocess.run(["/usr/bin/convert", path, "-depth", "8", "rgb:-"], capture_output=True).stdout
    w, h = map(int, subprocess.run(["/usr/bin/identify", "-format", "%w %h", path], capture_output=True,
                                    text=True).stdout.split())
    a = np.frombuffer(raw, np.uint8).reshape(h, w, 3).astype(np.int64)
    return ((19595 * a[..., 0] + 38470 * a[..., 1] + 7471 * a[..., 2] + 32768) >> 16).astype(np.float64)
for p in sys.argv[1:]:
    g = np.pad(png_gray(p), 1, mode="reflect")
    lap = g[:-2, 1:-1] + g[2:, 1:-1] + g[1:-1, :-2] + g[1:-1, 2:] - 4 * g[1:-1, 1:-1]
    print("%.6g" % lap.var())
EOF
eq "laplacian_var matches numpy" "$(cut -f2 lap.tsv | tail -n +2 | awk '{ printf "%.6g\n", $1 }')" "$(cat lap-ref.tsv)"

# Errors: one line, exit 1, no model file.
imgresize --stretch 32x32 --rgb train.tsr 2>/dev/null | imgcat --head 3 > wrong.tsr
expect_status "images of another size" 1 cnntrain -m small.arch -o w.model wrong.tsr
eq "... say which record and what imgresize makes them fit, one line each, then that none is left" \
	"$(sed 's/ (id [^)]*)//' "$T/.err" | sort | uniq -c | sed 's/^ *//')" \
	"1 cnntrain: wrong.tsr: no images to train on
1 cnntrain: wrong.tsr: record 1: image is 32x32 with 3 channels, the model wants 28x28 with 1 (run imgresize --short 28 --crop 28x28 --gray first)
1 cnntrain: wrong.tsr: record 2: image is 32x32 with 3 channels, the model wants 28x28 with 1 (run imgresize --short 28 --crop 28x28 --gray first)
1 cnntrain: wrong.tsr: record 3: image is 32x32 with 3 channels, the model wants 28x28 with 1 (run imgresize --short 28 --crop 28x28 --gray first)"
expect_status "--max-errors 0 stops at the first" 1 cnntrain -m small.arch --max-errors 0 -o w.model wrong.tsr
eq "... with two lines: the record, then why" "$(sed 's/: image is 32x32 .*//' "$T/.err" | tr '\n' ';')" \
	"cnntrain: wrong.tsr: record 1 (id train-images-idx3-ubyte:0);cnntrain: stopping at the first error (--max-errors 0);"
eq "... and leave no model" "$(ls w.model 2>/dev/null)" ""
printf 'input 1x28x28\nconv2d 8\nconv9d 3\n' > bad.arch
expect_status "an unknown layer" 1 cnntrain -m bad.arch -o w.model train.tsr
expect_err "... names the file and line" "^cnntrain: bad.arch: line 3: unknown layer type 'conv9d'$"
printf 'input 1x28x28\nconv2d 8 kernel=3\nmaxpool 2\nconv2d 8 kernel=15\nflatten\ndense 10\nsoftmax\n' > shape.arch
expect_status "shapes that do not fit" 1 cnntrain -m shape.arch -o w.model train.tsr
expect_err "... name the layer and the shapes" "^cnntrain: shape.arch: line 4: conv2d: kernel 15x15 is larger than the padded input \(input 8x13x13\)$"
printf 'input 1x28x28\nflatten\ndense 3\nsoftmax\n' > three.arch
expect_status "a model with fewer classes than the data" 1 cnntrain -m three.arch -o w.model train.tsr
expect_err "... says so" "softmax over 3 units, the data has 10 classes"
expect_status "labels outside --classes" 1 cnntrain -m small.arch --classes boot,bag -o w.model train.tsr
expect_err "... are named" "label '.*' is not one of the model's 2 classes"
imgcat --idx "$D/t10k-images-idx3-ubyte.gz" --head 5 -o nolabel.tsr
expect_status "records without a label" 1 cnntrain -m small.arch -o w.model nolabel.tsr
eq "... are named" "$(head -1 "$T/.err")" "cnntrain: nolabel.tsr: record 1 (id t10k-images-idx3-ubyte:0): no label"
printf 'input 1x28x28\nflatten\ndense 64\ndense 64\ndense 10\nsoftmax\n' > linear.arch
expect_status "a diverging run" 1 cnntrain -m linear.arch --optimizer sgd --lr 100 --epochs 3 -o nan.model train.tsr
expect_err "... stops, naming the epoch and batch" "^cnntrain: epoch [0-9]+, batch [0-9]+: the loss is not finite; stopping"
eq "... and writes no model" "$(ls nan.model 2>/dev/null)" ""
expect_status "no architecture" 2 cnntrain -o x.model train.tsr
expect_status "a bad option value" 2 cnntrain -m small.arch -o x.model --lr -1 train.tsr
eq "--summary counts the parameters of m4 as Keras does" \
	"$(cnntrain -m "$ROOT/share/models/m4-fashion.arch" --summary | grep total)" "total params: 1199882"
done_tests
