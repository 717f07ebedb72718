#!/bin/sh
# Fashion-MNIST with m4 (the classic Keras MNIST convnet), 3 epochs, Adam lr 1e-3, batch 32,
# pixels scaled to [0, 1], 2 threads: test accuracy and training time of cnntrain against
# PyTorch (Debian's python3-torch, bench/fashion_torch.py) with the same recipe and the same
# initialisation scheme on both sides (Glorot uniform weights, zero biases; cnntrain's own),
# over N seeds of each, run one after another (cnntrain seed 1, PyTorch seed 1, cnntrain
# seed 2, ...), then the mean and standard deviation of each side's test accuracy and the
# difference of the means with its standard error.
# Long (about 5 minutes a seed on a quiet 2-core machine, hours when loaded): BENCH_QUICK=1 skips it.
# Environment: FASHION_RUNS (seeds 1..N, default 5) or FASHION_SEEDS ("1 2 3"),
# FASHION_EPOCHS (default 3), FASHION_TRAIN (use only the first N training images; default all),
# FASHION_TEST (only the first N test images; default all), FASHION_THREADS (default 2).
[ -n "$BENCH_QUICK" ] && { echo "skipped (BENCH_QUICK)"; exit 0; }
B=$1
[ -n "$B" ] || { echo "usage: bench_fashion.sh BUILD" >&2; exit 2; }
ROOT=$(cd "$(dirname "$0")/.." && pwd)
B=$(cd "$B" && pwd)
PATH="$B/bin:$PATH"
D=/usr/share/datasets/fashion-mnist
[ -r "$D/train-images-idx3-ubyte.gz" ] || { echo "skipped: no $D (Debian's dataset-fashion-mnist)"; exit 0; }
/usr/bin/python3 -c 'import torch' 2> /dev/null || { echo "skipped: no python3-torch"; exit 0; }
EPOCHS=${FASHION_EPOCHS:-3}
THREADS=${FASHION_THREADS:-2}
SEEDS=${FASHION_SEEDS:-$(seq 1 "${FASHION_RUNS:-5}")}
W=$(mktemp -d)
trap 'rm -rf "$W"' EXIT
C=$(cat "$ROOT/share/fashion-mnist/classes")
head_train= head_test= limit=
[ -n "$FASHION_TRAIN" ] && { head_train="--head $FASHION_TRAIN"; limit="--train-limit $FASHION_TRAIN"; }
[ -n "$FASHION_TEST" ] && head_test="--head $FASHION_TEST"
# shellcheck disable=SC2086
imgcat --idx --classes "$C" $head_train "$D/train-images-idx3-ubyte.gz" "$D/train-labels-idx1-ubyte.gz" \
	-o "$W/train.tsr" || exit 1
# shellcheck disable=SC2086
imgcat --idx --classes "$C" $head_test "$D/t10k-images-idx3-ubyte.gz" "$D/t10k-labels-idx1-ubyte.gz" \
	-o "$W/test.tsr" || exit 1

echo "Fashion-MNIST m4, $EPOCHS epochs, Adam 1e-3, batch 32, $THREADS threads, Glorot init both sides;" \
	"load average at start: $(cut -d' ' -f1-3 /proc/loadavg)"
: > "$W/results"
for seed in $SEEDS; do
	s=$(date +%s.%N)
	cnntrain -m "$ROOT/share/models/m4-fashion.arch" --epochs "$EPOCHS" --optimizer adam --lr 1e-3 --batch 32 \
		--threads "$THREADS" --seed "$seed" -o "$W/m.model" "$W/train.tsr" 2> "$W/log" ||
		{ cat "$W/log" >&2; exit 1; }
	e=$(date +%s.%N)
	acc=$(cnnpredict -m "$W/m.model" --threads "$THREADS" "$W/test.tsr" |
		awk -F'\t' 'NR > 1 { n++; if ($2 == $3) k++ } END { printf "%.4f", k / n }')
	ct=$(echo "$e - $s" | bc -l)
	s=$(date +%s.%N)
	# shellcheck disable=SC2086
	/usr/bin/python3 "$ROOT/bench/fashion_torch.py" --epochs "$EPOCHS" --threads "$THREADS" \
		--seed "$seed" --init glorot $limit ${FASHION_TEST:+--test-limit $FASHION_TEST} > "$W/tlog"
	e=$(date +%s.%N)
	tacc=$(sed -n 's/^test_accuracy=//p' "$W/tlog")
	[ -n "$tacc" ] || { echo "bench_fashion: fashion_torch.py failed" >&2; exit 1; }
	tt=$(echo "$e - $s" | bc -l)
	echo "$seed $acc $tacc" >> "$W/results"
	printf 'seed %s: cnntrain test accuracy %s in %.0f s; PyTorch %s in %.0f s; difference %+.2f points; speed %.2fx\n' \
		"$seed" "$acc" "$ct" "$tacc" "$tt" "$(echo "($acc - $tacc) * 100" | bc -l)" "$(echo "$tt / $ct" | bc -l)"
	# the last epoch's training loss and accuracy (with dropout) of each side
	cl=$(tr '\r' '\n' < "$W/log" | sed -n 's/^epoch [0-9]*\/[0-9]*: loss \([^ ]*\) acc \([^ ]*\).*/loss \1, accuracy \2/p' | tail -1)
	tl=$(sed -n 's/^epoch .*train_loss=\([^ ]*\) train_acc=\([^ ]*\).*/loss \1, accuracy \2/p' "$W/tlog" | tail -1)
	echo "  last epoch's training: cnntrain $cl; PyTorch $tl"
done
awk -f "$ROOT/bench/fashion_stats.awk" "$W/results"
echo "load average at end: $(cut -d' ' -f1-3 /proc/loadavg)"
