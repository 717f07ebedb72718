#!/bin/sh
# conv2d's Winograd forward pass (nn_winograd.c) against the direct path (NN_WINOGRAD=0):
# cnntrain (one epoch) and cnnpredict (one pass) on the seed networks with 3x3 stride-1
# convolutions, batch 32 (m5 batch 8), 2 threads, random images as bench_cnn.sh makes them.
# Rates are images per CPU second (user + sys of the whole program, so decoding and start-up
# count for both sides alike); the two settings alternate (direct, Winograd, direct, ...) and
# each figure is the median of BENCH_REPS rounds.  BENCH_MODELS="m2 m8" picks some;
# BENCH_SCALE multiplies the data set sizes.  Ratios > 1 favour Winograd.
. "$(dirname "$0")/lib.sh"
B=$1
ROOT=$(cd "$(dirname "$0")/.." && pwd)
PATH="$B:$B/bin:$PATH"
W=$(mktemp -d)
trap 'rm -rf "$W"' EXIT
SCALE=${BENCH_SCALE:-1}
cpu() { # images per CPU second of a command run with NN_WINOGRAD=$1 on $2 images
	NN_WINOGRAD=$1 /usr/bin/time -f '%U %S' -o "$W/t" sh -c "$3" > /dev/null 2>&1 || { echo 0; return; }
	awk -v n="$2" '{ printf "%.1f\n", n / ($1 + $2) }' "$W/t"
}
median() { sort -n | awk '{ v[NR] = $1 } END { print v[int((NR + 1) / 2)] }'; }
echo "load average: $(cut -d' ' -f1-3 /proc/loadavg)"
printf '%-4s %12s %12s %6s %12s %12s %6s\n' model train_direct train_wino ratio infer_direct infer_wino ratio
for m in m2-keyframe:256:32 m3-blur:320:32 m4-fashion:3000:32 m5-unet:96:8 m6-twotower:192:32 \
	m8-blur-plus-laplacian:320:32; do
	name=${m%%:*} rest=${m#*:} short=${name%%-*}
	n=$(( ${rest%%:*} * SCALE )) bs=${rest#*:}
	case " ${BENCH_MODELS:-m2 m3 m4 m5 m6 m8} " in *" $short "*) ;; *) continue ;; esac
	extra=
	[ "$short" = m5 ] && extra="--pos-weight 10"
	arch="$ROOT/share/models/$name.arch"
	shape=$(sed -n 's/^input \([0-9x]*\).*/\1/p' "$arch")
	k=$(awk '/^dense/ { u = $2 } END { print (u == 1 ? 2 : u) }' "$arch")
	/usr/bin/python3 - "$W/x.npy" "$W/y.csv" "$shape" "$n" "${k:-2}" <<'PY'
import sys
import numpy as np
c, h, w = map(int, sys.argv[3].split("x"))
n, k = int(sys.argv[4]), int(sys.argv[5])
r = np.random.default_rng(1)
np.save(sys.argv[1], r.integers(0, 256, (n, h, w, c), dtype=np.uint8))
with open(sys.argv[2], "w") as f:
    f.writelines("%d\n" % v for v in r.integers(0, k, n))
PY
	case $short in
	m5) imgcat "$W/x.npy" | imgaug --seed 1 'scratch 2..6 p=1' -o "$W/d.tsr" ;;
	m8) imgcat --labels "$W/y.csv" "$W/x.npy" | cnnpredict --baseline laplacian --stream > "$W/d.tsr" ;;
	*) imgcat --labels "$W/y.csv" "$W/x.npy" -o "$W/d.tsr" ;;
	esac
	train="cnntrain -m $arch --epochs 1 --batch $bs --threads 2 --seed 1 $extra -o $W/m.model $W/d.tsr"
	NN_WINOGRAD=0 sh -c "$train" 2> /dev/null
	infer="cnnpredict -m $W/m.model --batch $bs --threads 2 $W/d.tsr"
	: > "$W/r"
	r=0
	while [ "$r" -lt "$REPS" ]; do
		echo "$(cpu 0 "$n" "$train") $(cpu 1 "$n" "$train") $(cpu 0 "$n" "$infer") $(cpu 1 "$n" "$infer")" >> "$W/r"
		r=$((r + 1))
	done
	td=$(cut -d' ' -f1 "$W/r" | median) tw=$(cut -d' ' -f2 "$W/r" | median)
	id=$(cut -d' ' -f3 "$W/r" | median) iw=$(cut -d' ' -f4 "$W/r" | median)
	printf '%-4s %12s %12s %6.2f %12s %12s %6.2f\n' "$short" "$td" "$tw" "$(echo "$tw / $td" | bc -l)" \
		"$id" "$iw" "$(echo "$iw / $id" | bc -l)"
done
echo "load average: $(cut -d' ' -f1-3 /proc/loadavg)"
