# cnnpredict folds batch norms (and the activation after them) into the layer before for
# inference (nn_fold.h): a model with every foldable pattern, and m7, trained a little,
# predicts the same probabilities folded and with NN_FOLD=0 (unfolded), within 1e-5; the
# model file is left as it was.
. tests/lib.sh
PY=/usr/bin/python3
cd "$T"
cat > fold.arch <<'ARCH'
input 3x16x16 normalize=standardize
conv2d 8 kernel=3 pad=1
batchnorm
relu
conv2d 8 kernel=3 stride=2 pad=1 bias=0
batchnorm
leakyrelu 0.1
depthwise2d 3 pad=1
batchnorm
relu6
separable2d 12 3 pad=same
batchnorm
conv2d 12 kernel=1
batchnorm
globalavgpool
dense 8
batchnorm
relu
dense 6 bias=0
batchnorm
dense 2
softmax
ARCH
$PY "$ROOT/tests/gen_images.py" fold.tsr 3x16x16 16
$PY "$ROOT/tests/gen_images.py" m7.tsr 3x224x224 4
# differences of the probability columns (every field that parses as a number), largest
close() {
	paste "$1" "$2" | awk -F'\t' '{ h = NF / 2; for (i = 1; i <= h; i++) if ($i ~ /^-?[0-9.]+(e-?[0-9]+)?$/) {
		d = $i - $(i + h); if (d < 0) d = -d; if (d > m) m = d } else if ($i != $(i + h)) bad = 1 }
		END { if (bad || NR == 0) print "differ"; else printf "%.3g\n", m }'
}
for m in fold m7; do
	arch=fold.arch
	[ $m = m7 ] && arch="$ROOT/share/models/m7-separable.arch"
	if ! cnntrain -q -m "$arch" --epochs 2 --batch 4 -o $m.model $m.tsr 2>"$T/.err"; then
		fail "$m: cnntrain: $(head -c 300 "$T/.err")"
		continue
	fi
	cp $m.model $m.model.orig
	check "$m: cnnpredict folded" sh -c "cnnpredict -m $m.model $m.tsr > $m.folded"
	check "$m: cnnpredict with NN_FOLD=0" sh -c "NN_FOLD=0 cnnpredict -m $m.model $m.tsr > $m.plain"
	check "$m: cnnpredict folded, batch 1" sh -c "cnnpredict --batch 1 -m $m.model $m.tsr > $m.folded1"
	d=$(close $m.folded $m.plain)
	if [ "$d" != differ ] && awk -v d="$d" 'BEGIN { exit !(d <= 1e-5) }'; then
		pass "$m: folded and unfolded probabilities agree within 1e-5 (largest difference $d)"
	else
		fail "$m: folded and unfolded predictions differ: $d"
	fi
	d=$(close $m.folded1 $m.plain)
	if [ "$d" != differ ] && awk -v d="$d" 'BEGIN { exit !(d <= 1e-5) }'; then
		pass "$m: batch 1 folded agrees within 1e-5 too (largest difference $d)"
	else
		fail "$m: batch 1 folded and unfolded predictions differ: $d"
	fi
	same "$m: the model file is unchanged" $m.model $m.model.orig
done
done_tests
