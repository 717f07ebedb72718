#!/bin/sh
# Fashion-MNIST with m4 (the classic Keras MNIST convnet), 3 epochs, Adam lr 1e-3, batch 32,
# pixels scaled to [0, 1], 2 threads: test accuracy and training time of cnntrain against
# PyTorch (Debian's python3-torch, bench/fashion_torch.py) with the same recipe, Glorot initialisation
# included (--init default gives PyTorch's own), same run.
# Long (minutes): BENCH_QUICK=1 skips it.
[ -n "$BENCH_QUICK" ] && { echo "skipped (BENCH_QUICK)"; exit 0; }
B=$1
ROOT=$(cd "$(dirname "$0")/.." && pwd)
PATH="$B/bin:$PATH"
D=/usr/share/datasets/fashion-mnist
EPOCHS=${FASHION_EPOCHS:-3}
W=$(mktemp -d)
trap 'rm -rf "$W"' EXIT
C=$(cat "$ROOT/share/fashion-mnist/classes")
imgcat --idx --classes "$C" "$D/train-images-idx3-ubyte.gz" "$D/train-labels-idx1-ubyte.gz" -o "$W/train.tsr"
imgcat --idx --classes "$C" "$D/t10k-images-idx3-ubyte.gz" "$D/t10k-labels-idx1-ubyte.gz" -o "$W/test.tsr"
for seed in ${FASHION_SEEDS:-1 2}; do
	s=$(date +%s.%N)
	cnntrain -m "$ROOT/share/models/m4-fashion.arch" --epochs "$EPOCHS" --optimizer adam --lr 1e-3 --batch 32 \
		--threads 2 --seed "$seed" -o "$W/m.model" "$W/train.tsr" 2> "$W/log"
	e=$(date +%s.%N)
	acc=$(cnnpredict -m "$W/m.model" "$W/test.tsr" | awk -F'\t' 'NR > 1 { n++; if ($2 == $3) k++ } END { printf "%.4f", k / n }')
	ct=$(echo "$e - $s" | bc -l)
	s=$(date +%s.%N)
	tacc=$(/usr/bin/python3 "$ROOT/bench/fashion_torch.py" --epochs "$EPOCHS" --threads 2 --seed "$seed" |
		sed -n 's/^test_accuracy=//p')
	e=$(date +%s.%N)
	tt=$(echo "$e - $s" | bc -l)
	printf 'seed %s: cnntrain test accuracy %s in %.0f s; PyTorch %s in %.0f s; difference %+.2f points; speed %.2fx\n' \
		"$seed" "$acc" "$ct" "$tacc" "$tt" "$(echo "($acc - $tacc) * 100" | bc -l)" "$(echo "$tt / $ct" | bc -l)"
done
