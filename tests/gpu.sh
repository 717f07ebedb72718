#!/bin/sh
# The GPU tests of the CUDA backend (issue 23); not part of make check, which has no GPU.
#
#   sh tests/gpu.sh --bundle     here (Debian 12, the CUDA toolkit): builds with CUDA=1 if needed
#                                and packs the Debian libraries the programs need into
#                                BUILD/gpu-bundle.tar.xz (about 16 MiB)
#   sh tests/gpu.sh              on the GPU machine: runs everything below in under 8 minutes
#
# What must travel to a GPU machine that has PyTorch with CUDA but not Debian's libraries: the
# working tree with BUILD/bin, BUILD/lib/libnncuda.so, BUILD/tests and BUILD/gpu-bundle.tar.xz.
# `ldd BUILD/bin/cnntrain` lists what the programs need: libpng, libjpeg(-turbo), libwebp,
# libtiff, libgif, libzstd, libcurl (and its TLS, Kerberos, IDN libraries), libxxhash, libzip,
# cairo (and pixman, freetype, fontconfig...), libcjson, libprotobuf-c, libdnnl, libgomp and
# Open MPI: all in the bundle, unpacked into BUILD/gpu-bundle/ there and put on LD_LIBRARY_PATH
# (glibc, libstdc++ and libgcc_s are the machine's own: the GPU machine's are newer than
# Debian 12's).  libnncuda.so links cudart statically and needs libcublas.so.13 and
# libcudnn.so.9 (CUDA 13, cuDNN 9): there they are PyTorch's (the nvidia-cublas and
# nvidia-cudnn-cu13 wheels), found through python3 and put on LD_LIBRARY_PATH.  The driver
# must be 580 or later (CUDA 13).  Any library still missing is listed (ldd) and the run stops.
#
# The tests: the device (nvidia-smi, cnntrain --summary); every layer against the CPU engine
# (BUILD/tests/test_gpu_layers, when built); 200 training steps of a small convnet from the same
# seed on the CPU and on the GPU in fp32, the weights compared (relative L2 difference of all
# weights at most 1e-3, each tensor's at most 1e-2), and again in tf32 (at most 3e-2, reported);
# the trained model's predictions on both devices (the same class for at least 99.5% of the
# images, probabilities within 1e-3 in fp32); then bench/bench_gpu.sh with what is left of the
# 8 minutes.  Exit 0 when every test passed or the machine has no GPU (a SKIP line says why).
ROOT=$(cd "$(dirname "$0")/.." && pwd)
B=${BUILD:-$ROOT/build}
case $B in /*) ;; *) B=$ROOT/$B ;; esac
PY=${PYTHON:-python3}
# GPU_SH_DEVICE=cpu: the script's own check where there is no GPU (the "GPU" runs on the CPU).
DEV=${GPU_SH_DEVICE:-cuda}
PRECS="fp32 tf32"
[ "$DEV" = cpu ] && PRECS=fp32
start=$(date +%s)
fails=0
pass() { echo "PASS $*"; }
fail() { echo "FAIL $*"; fails=$((fails + 1)); }

if [ "${1:-}" = --bundle ]; then
	[ -f "$B/lib/libnncuda.so" ] || (cd "$ROOT" && make -j2 CUDA=1 BUILD="$B" all tests) || exit 1
	d=$(mktemp -d)
	ldd "$B"/bin/* "$B"/lib/libnncuda.so 2> /dev/null | awk '/=> \// { print $3 }' | sort -u |
		grep -v -E '/(libc|libm|libpthread|libdl|librt|ld-linux-x86-64|libstdc\+\+|libgcc_s|libcublas|libcublasLt|libcudnn[a-z_]*)\.so' |
		while read -r f; do cp -L "$f" "$d/"; done
	XZ_OPT=-T2 tar -cJf "$B/gpu-bundle.tar.xz" -C "$d" . && rm -rf "$d" || exit 1
	echo "$B/gpu-bundle.tar.xz: $(du -h "$B/gpu-bundle.tar.xz" | cut -f1) ($(tar -tJf "$B/gpu-bundle.tar.xz" | grep -c so) libraries)"
	exit 0
fi

# Build if needed (where the toolkit and Debian's -dev packages are), else what travelled.
if [ ! -x "$B/bin/cnntrain" ] && ! (cd "$ROOT" && make -j"$(nproc)" CUDA=1 BUILD="$B" all tests); then
	echo "FAIL no build in $B, and make failed (run 'sh tests/gpu.sh --bundle' where it builds)"
	exit 1
fi
if [ -f "$B/gpu-bundle.tar.xz" ]; then
	mkdir -p "$B/gpu-bundle" && tar -xJf "$B/gpu-bundle.tar.xz" -C "$B/gpu-bundle" &&
		LD_LIBRARY_PATH=$B/gpu-bundle${LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH}
fi
# PyTorch's cuBLAS and cuDNN, where the system has none
nv=$("$PY" -c 'import glob, os, nvidia
ds = set()
for p in nvidia.__path__:
    for f in glob.glob(os.path.join(p, "**", "lib*.so*"), recursive=True):
        ds.add(os.path.dirname(f))
print(":".join(sorted(ds)))' 2> /dev/null)
[ -n "$nv" ] && LD_LIBRARY_PATH=${LD_LIBRARY_PATH:+$LD_LIBRARY_PATH:}$nv
export LD_LIBRARY_PATH
PATH=$B/bin:$PATH
missing=$(ldd "$B/bin/cnntrain" "$B/bin/cnnpredict" "$B/bin/imgcat" "$B/lib/libnncuda.so" 2>&1 | grep 'not found' | sort -u)
if [ -n "$missing" ]; then
	echo "FAIL libraries missing (see this script's header):"
	echo "$missing"
	exit 1
fi

W=$(mktemp -d)
trap 'rm -rf "$W"' EXIT
cd "$W" || exit 1
command -v nvidia-smi > /dev/null && nvidia-smi -L
if ! cnntrain -v -m "$ROOT/share/models/m4-fashion.arch" --device "$DEV" --summary > dev.txt 2> dev.err; then
	echo "SKIP the GPU tests: $(cat dev.err)"
	exit 0
fi
echo "$(tail -1 dev.txt)"
cat dev.err

# Every layer's forward and backward against the CPU engine (the layers' own test).
if [ -x "$B/tests/test_gpu_layers" ]; then
	if "$B/tests/test_gpu_layers"; then pass "test_gpu_layers"; else fail "test_gpu_layers"; fi
else
	echo "SKIP test_gpu_layers: $B/tests/test_gpu_layers not built"
fi

# 200 steps: 1600 random 1x28x28 images of 10 classes, batch 32, 4 epochs, seed 7.
"$PY" - x.npy y.csv <<'PY'
import sys
import numpy as np
r = np.random.default_rng(7)
y = r.integers(0, 10, 1600)
x = r.integers(0, 160, (1600, 28, 28, 1)).astype(np.int32)
for i, k in enumerate(y):          # a learnable signal: a brighter square per class
    x[i, 2 * k:2 * k + 8, 2 * k:2 * k + 8] += 90
np.save(sys.argv[1], x.clip(0, 255).astype(np.uint8))
open(sys.argv[2], "w").writelines("%d\n" % v for v in y)
PY
imgcat --labels y.csv x.npy -o d.tsr
cat > small.arch <<'EOF'
input 1x28x28
conv2d 16 kernel=3
relu
maxpool 2
conv2d 32 kernel=3
batchnorm
relu
maxpool 2
flatten
dense 64
relu
dense 10
softmax
EOF
cnntrain -q -m small.arch --epochs 4 --batch 32 --seed 7 --device cpu -o cpu.model d.tsr
for p in $PRECS; do
	if ! cnntrain -q -v -m small.arch --epochs 4 --batch 32 --seed 7 --device "$DEV" --precision $p -o gpu-$p.model \
		d.tsr 2> train-$p.err; then
		fail "200 steps on the GPU in $p: $(grep -v '^epoch' train-$p.err | head -3)"
		continue
	fi
	grep 'peak device memory' train-$p.err
	cnnconvert cpu.model -o cpu.onnx 2> /dev/null
	cnnconvert gpu-$p.model -o gpu-$p.onnx 2> /dev/null
	tol=1e-3 one=1e-2
	[ $p = tf32 ] && tol=3e-2 one=1e-1
	if "$PY" - cpu.onnx gpu-$p.onnx $tol $one <<'PY'
import sys
import numpy as np
import onnx
from onnx import numpy_helper
a = {t.name: numpy_helper.to_array(t) for t in onnx.load(sys.argv[1]).graph.initializer}
b = {t.name: numpy_helper.to_array(t) for t in onnx.load(sys.argv[2]).graph.initializer}
tol, one = float(sys.argv[3]), float(sys.argv[4])
num = den = 0.0
worst = (0.0, "")
for k in a:
    d = float(np.linalg.norm(a[k] - b[k])) ** 2
    n = float(np.linalg.norm(a[k])) ** 2
    num += d
    den += n
    rel = (d / n) ** 0.5 if n > 0 else d ** 0.5
    worst = max(worst, (rel, k))
rel = (num / den) ** 0.5
print("weights after 200 steps: relative L2 difference %.3g (limit %g), worst tensor %s %.3g (limit %g)"
      % (rel, tol, worst[1], worst[0], one))
sys.exit(not (rel <= tol and worst[0] <= one))
PY
	then pass "200 steps in $p: the GPU's weights are the CPU's"; else fail "200 steps in $p: the weights differ"; fi
done

# The CPU-trained model's predictions on both devices.
cnnpredict -q -m cpu.model --device cpu d.tsr > pc.tsv
if cnnpredict -q -m cpu.model --device "$DEV" --precision fp32 d.tsr > pg.tsv 2> pg.err; then
	if awk -F'\t' 'NR == FNR { if (FNR > 1) { c[FNR] = $3; for (i = 4; i <= NF; i++) p[FNR, i] = $i } ; next }
		FNR > 1 { n++; if ($3 == c[FNR]) same++; for (i = 4; i <= NF; i++) { d = $i - p[FNR, i]; if (d < 0) d = -d; if (d > m) m = d } }
		END { printf "predictions: the same class for %d of %d, probabilities within %.2g\n", same, n, m
		      exit !(same >= 0.995 * n && m <= 1e-3) }' pc.tsv pg.tsv
	then pass "predictions on the GPU are the CPU's"; else fail "predictions on the GPU differ from the CPU's"; fi
else
	fail "cnnpredict --device cuda: $(head -3 pg.err)"
fi

[ "$DEV" = cpu ] && { echo "gpu.sh: $fails failed (GPU_SH_DEVICE=cpu: no benchmark)"; exit $((fails > 0)); }
left=$((480 - ($(date +%s) - start)))
echo "benchmark: $left s left of the 8 minutes"
BENCH_GPU_BUDGET=$((left > 60 ? left - 30 : 1)) sh "$ROOT/bench/bench_gpu.sh" "$B"
echo "gpu.sh: $fails failed, $(( $(date +%s) - start )) s"
exit $((fails > 0))
