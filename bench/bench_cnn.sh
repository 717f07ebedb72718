#!/bin/sh
# cnntrain and cnnpredict against PyTorch (Debian's python3-torch) in the same run: the seed
# networks m1-m7 (batch 32; the m5 U-Net batch 8, with scratch masks from imgaug and positive
# weight 10), 2 threads, random images; BENCH_MODELS="m5 m7" picks some.  Training: images/s of the second
# epoch as cnntrain reports it (forward, loss, backward, Adam step; batches assembled from
# the decoded set, no validation) against the same loop in PyTorch; inference: cnnpredict
# on the stream (reading, preparing and writing the table included; the marginal rate, so
# not starting the program) against a forward pass in PyTorch; peak RSS of each process.
# Ratios > 1 favour cnntrain.
. "$(dirname "$0")/lib.sh"
B=$1
ROOT=$(cd "$(dirname "$0")/.." && pwd)
PATH="$B:$B/bin:$PATH"
W=$(mktemp -d)
trap 'rm -rf "$W"' EXIT
SECS=${BENCH_SECONDS:-5}
printf '%-4s %10s %10s %6s %10s %10s %6s %9s %9s %8s %8s\n' model train/s torch/s ratio infer/s torch/s ratio \
	rss_MiB torch_MiB train_GF infer_GF
for m in m1-pixelerror:2000:32 m2-keyframe:256:32 m3-blur:320:32 m4-fashion:3000:32 m5-unet:96:8 \
	m6-twotower:192:32 m7-separable:96:32; do
	name=${m%%:*} rest=${m#*:} short=${name%%-*}
	n=${rest%%:*} bs=${rest#*:}
	case " ${BENCH_MODELS:-$short} " in *" $short "*) ;; *) continue ;; esac
	extra=
	[ "$short" = m5 ] && extra="--pos-weight 10"
	arch="$ROOT/share/models/$name.arch"
	random_set "$arch" "$n" "$W/d.tsr"
	/usr/bin/time -f %M -o "$W/rss" cnntrain -m "$arch" --epochs 2 --batch "$bs" --threads 2 $extra -o "$W/m.model" \
		"$W/d.tsr" 2> "$W/log"
	train=$(sed -n 's/^epoch 2\/2:.* \([0-9.]*\) img\/s$/\1/p' "$W/log")
	rss=$(( $(cat "$W/rss") / 1024 ))
	# inference: the marginal rate between one and three passes over the set (streams
	# concatenate), so starting the program and reading the model do not count
	cat "$W/d.tsr" "$W/d.tsr" "$W/d.tsr" > "$W/d3.tsr"
	t1=$(best "cnnpredict -m $W/m.model --batch $bs --threads 2 $W/d.tsr > /dev/null")
	t3=$(best "cnnpredict -m $W/m.model --batch $bs --threads 2 $W/d3.tsr > /dev/null")
	infer=$(echo "2 * $n / ($t3 - $t1)" | bc -l)
	ttrain=$(/usr/bin/python3 "$ROOT/bench/cnn_torch.py" "$short" train --threads 2 --batch "$bs" --seconds "$SECS")
	tinfer=$(/usr/bin/python3 "$ROOT/bench/cnn_torch.py" "$short" infer --threads 2 --batch "$bs" --seconds "$SECS")
	tt=$(echo "$ttrain" | sed 's/.*images_per_s=\([0-9.]*\).*/\1/')
	ti=$(echo "$tinfer" | sed 's/.*images_per_s=\([0-9.]*\).*/\1/')
	trss=$(echo "$ttrain" | sed 's/.*peak_rss_mib=\([0-9.]*\).*/\1/')
	mflop=$(cnntrain -m "$arch" --summary | sed -n 's/^forward pass: \([0-9.]*\) MFLOP.*/\1/p')
	printf '%-4s %10.0f %10.0f %6.2f %10.0f %10.0f %6.2f %9d %9.0f %8.1f %8.1f\n' "$short" "$train" "$tt" \
		"$(echo "$train / $tt" | bc -l)" "$infer" "$ti" "$(echo "$infer / $ti" | bc -l)" "$rss" "$trss" \
		"$(echo "3 * $mflop * $train / 1000" | bc -l)" "$(echo "$mflop * $infer / 1000" | bc -l)"
done
# The GEMM references on 2 threads, on the shape of m4's second convolution over a batch of 32
# (64 x 288 times 288 x 18432): OpenBLAS sgemm through numpy, with the kernels this machine's
# environment gives it (OPENBLAS_CORETYPE), and oneDNN's dnnl_sgemm, which the engine calls (one
# thread per call, the engine's threads splitting the batch).  train_GF and infer_GF above are
# the networks' convolution and dense FLOPs per second (training counted as 3 forward passes).
OPENBLAS_NUM_THREADS=2 OMP_NUM_THREADS=2 /usr/bin/python3 -c '
import ctypes, os, time
import numpy as np
a = np.random.rand(64, 288).astype(np.float32)
b = np.random.rand(288, 18432).astype(np.float32)
c = np.empty((64, 18432), np.float32)
dnnl = ctypes.CDLL("libdnnl.so.2")
dnnl.dnnl_sgemm.argtypes = [ctypes.c_char, ctypes.c_char] + [ctypes.c_int64] * 3 + [ctypes.c_float,
    ctypes.c_void_p, ctypes.c_int64, ctypes.c_void_p, ctypes.c_int64, ctypes.c_float, ctypes.c_void_p,
    ctypes.c_int64]
def rate(f):
    f()
    best = 1e9
    for _ in range(20):
        t = time.perf_counter(); f(); best = min(best, time.perf_counter() - t)
    return 2 * 64 * 288 * 18432 / best / 1e9
ob = rate(lambda: a @ b)
dn = rate(lambda: dnnl.dnnl_sgemm(b"N", b"N", 64, 18432, 288, 1.0, a.ctypes.data, 288, b.ctypes.data,
                                  18432, 0.0, c.ctypes.data, 18432))
print("sgemm 64x288x18432, 2 threads: OpenBLAS (OPENBLAS_CORETYPE=%s) %.1f GFLOP/s, oneDNN %.1f GFLOP/s"
      % (os.environ.get("OPENBLAS_CORETYPE", "auto"), ob, dn))
'
