#!/bin/sh
# cnntrain and cnnpredict on the GPU (--device cuda) against PyTorch on the same card in the same
# run (issue 23): the seed networks m1-m7 at batch 32 (the m5 U-Net at 8), and m1, m4 and m7 again
# at 256; PyTorch eager and torch.compile (bench/cnn_torch.py --device cuda, cudnn.benchmark on),
# both at the same --precision (BENCH_PRECISION, default tf32).  Training: images/s of cnntrain's
# second epoch as it reports it (batches assembled and normalised on the CPU threads included)
# against PyTorch's loop on a batch already on the GPU; inference: cnnpredict's marginal rate
# between one and three passes over the stream (reading, preparing and writing included) against a
# forward pass; peak device memory of each (cnntrain -v; torch.cuda.max_memory_allocated).
# Ratios > 1 favour cnntrain.
#
# usage: sh bench/bench_gpu.sh BUILD   (run by tests/gpu.sh; needs a GPU and python3 with torch)
# BENCH_MODELS="m1 m4" picks some; BENCH_GPU_SECONDS (default 3) per PyTorch measurement;
# BENCH_GPU_BUDGET (seconds, default 0: none) skips what is left, with a line, once spent;
# BENCH_GPU_COMPILE=0 leaves torch.compile out; PYTHON (default python3) the one with torch.
B=${1:-build}
ROOT=$(cd "$(dirname "$0")/.." && pwd)
case $B in /*) ;; *) B=$ROOT/$B ;; esac
PATH="$B/bin:$PATH"
PY=${PYTHON:-python3}
PREC=${BENCH_PRECISION:-tf32}
SECS=${BENCH_GPU_SECONDS:-3}
BUDGET=${BENCH_GPU_BUDGET:-0}
W=$(mktemp -d)
trap 'rm -rf "$W"' EXIT
start=$(date +%s)

if ! cnntrain -m "$ROOT/share/models/m4-fashion.arch" --device cuda --summary > "$W/dev" 2> "$W/err"; then
	echo "bench_gpu: skipped: $(cat "$W/err")"
	exit 0
fi
if ! "$PY" -c 'import torch, sys; sys.exit(not torch.cuda.is_available())' 2> /dev/null; then
	echo "bench_gpu: skipped: $PY has no PyTorch with CUDA"
	exit 0
fi
echo "$(tail -1 "$W/dev"), $(date -u +%Y-%m-%d), precision $PREC, PyTorch $("$PY" -c 'import torch; print(torch.__version__)')"
num() { sed -n "s/.*$1=\([0-9.]*\).*/\1/p"; }
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { if (b > 0 && a != "") printf "%.2f", a / b; else printf "-" }'; }
printf '%-4s %5s %9s %9s %9s %6s %9s %9s %9s %6s %8s %8s\n' model batch train/s eager/s compile/s ratio \
	infer/s eager/s compile/s ratio dev_MiB torch_MiB
for m in m1-pixelerror:32 m2-keyframe:32 m3-blur:32 m4-fashion:32 m5-unet:8 m6-twotower:32 \
	m7-separable:32 m1-pixelerror:256 m4-fashion:256 m7-separable:256; do
	name=${m%%:*} bs=${m#*:} short=${name%%-*}
	case " ${BENCH_MODELS:-$short} " in *" $short "*) ;; *) continue ;; esac
	if [ "$BUDGET" -gt 0 ] && [ $(( $(date +%s) - start )) -ge "$BUDGET" ]; then
		echo "bench_gpu: $short batch $bs and after: skipped, the ${BUDGET} s budget is spent"
		break
	fi
	extra=
	[ "$short" = m5 ] && extra="--pos-weight 10"
	arch="$ROOT/share/models/$name.arch"
	shape=$(sed -n 's/^input \([0-9x]*\).*/\1/p' "$arch")
	k=$(awk '/^dense/ { u = $2 } END { print (u == 1 ? 2 : u) }' "$arch")
	n=$((bs * 40))
	"$PY" - "$W/x.npy" "$W/y.csv" "$shape" "$n" "${k:-2}" <<'PY'
import sys
import numpy as np
c, h, w = map(int, sys.argv[3].split("x"))
n, k = int(sys.argv[4]), int(sys.argv[5])
r = np.random.default_rng(1)
np.save(sys.argv[1], r.integers(0, 256, (n, h, w, c), dtype=np.uint8))
with open(sys.argv[2], "w") as f:
    f.writelines("%d\n" % v for v in r.integers(0, k, n))
PY
	if [ "$short" = m5 ]; then
		imgcat "$W/x.npy" | imgaug --seed 1 'scratch 2..6 p=1' -o "$W/d.tsr"
	else
		imgcat --labels "$W/y.csv" "$W/x.npy" -o "$W/d.tsr"
	fi
	cnntrain -v -q -m "$arch" --device cuda --precision "$PREC" --epochs 2 --batch "$bs" $extra \
		-o "$W/m.model" "$W/d.tsr" 2> "$W/log"
	cnntrain -m "$arch" --device cuda --precision "$PREC" --epochs 2 --batch "$bs" $extra \
		-o "$W/m.model" "$W/d.tsr" 2> "$W/log2"
	train=$(sed -n 's/^epoch 2\/2:.* \([0-9.]*\) img\/s$/\1/p' "$W/log2")
	dev=$(sed -n 's/.*peak device memory \([0-9.]*\) MiB.*/\1/p' "$W/log")
	if [ -z "$train" ]; then
		echo "$short batch $bs: cnntrain failed: $(grep -v '^epoch' "$W/log2" | head -3)"
		continue
	fi
	cat "$W/d.tsr" "$W/d.tsr" "$W/d.tsr" > "$W/d3.tsr"
	s1=$(date +%s.%N); cnnpredict -q -m "$W/m.model" --device cuda --precision "$PREC" --batch "$bs" "$W/d.tsr" > /dev/null
	s2=$(date +%s.%N); cnnpredict -q -m "$W/m.model" --device cuda --precision "$PREC" --batch "$bs" "$W/d3.tsr" > /dev/null
	s3=$(date +%s.%N)
	infer=$(awk -v n="$n" -v a="$s1" -v b="$s2" -v c="$s3" 'BEGIN { d = (c - b) - (b - a); printf "%.1f", d > 0 ? 2 * n / d : 0 }')
	te=$("$PY" "$ROOT/bench/cnn_torch.py" "$short" train --device cuda --precision "$PREC" --batch "$bs" --seconds "$SECS")
	ie=$("$PY" "$ROOT/bench/cnn_torch.py" "$short" infer --device cuda --precision "$PREC" --batch "$bs" --seconds "$SECS")
	tc= ic=
	if [ "${BENCH_GPU_COMPILE:-1}" = 1 ]; then
		tc=$("$PY" "$ROOT/bench/cnn_torch.py" "$short" train --compile --device cuda --precision "$PREC" --batch "$bs" \
			--seconds "$SECS" 2> /dev/null)
		ic=$("$PY" "$ROOT/bench/cnn_torch.py" "$short" infer --compile --device cuda --precision "$PREC" --batch "$bs" \
			--seconds "$SECS" 2> /dev/null)
	fi
	tte=$(echo "$te" | num images_per_s) ttc=$(echo "$tc" | num images_per_s)
	tie=$(echo "$ie" | num images_per_s) tic=$(echo "$ic" | num images_per_s)
	tmem=$(echo "$te" | num peak_dev_mib)
	bt=$(awk -v a="$tte" -v b="$ttc" 'BEGIN { print (b + 0 > a + 0 ? b : a) }')
	bi=$(awk -v a="$tie" -v b="$tic" 'BEGIN { print (b + 0 > a + 0 ? b : a) }')
	printf '%-4s %5s %9.0f %9.0f %9s %6s %9.0f %9.0f %9s %6s %8s %8s\n' "$short" "$bs" "$train" "${tte:-0}" \
		"${ttc:--}" "$(ratio "$train" "$bt")" "$infer" "${tie:-0}" "${tic:--}" "$(ratio "$infer" "$bi")" \
		"${dev:--}" "${tmem:--}"
done
echo "ratio: cnntrain over the better of PyTorch eager and torch.compile; dev_MiB: cnntrain's peak device memory (training), torch_MiB: PyTorch eager's"
