# --device and --precision of cnntrain and cnnpredict, and the CUDA backend's build (issue 23),
# on a machine without a GPU: every path here runs without one (tests/gpu.sh runs the GPU ones).
. tests/lib.sh
D=/usr/share/datasets/fashion-mnist
CLASSES=$(cat "$ROOT/share/fashion-mnist/classes")
LIB=$BIN/../lib/libnncuda.so
CUDA_HOME=${CUDA_HOME:-/usr/local/cuda}
cd "$T"

# The build: libnncuda.so when nvcc and cuDNN are there (compiled with -Werror by the Makefile).
if command -v "$CUDA_HOME/bin/nvcc" >/dev/null 2>&1 && [ -f "$CUDA_HOME/include/cudnn.h" ]; then
	check "make built $LIB (nvcc and cudnn.h are here)" test -f "$LIB"
	eq "libnncuda.so exports only nn_cuda_api" "$(nm -D --defined-only "$LIB" | awk '{ print $3 }' | tr '\n' ' ')" \
		"nn_cuda_api "
	eq "libnncuda.so links cudart statically" "$(readelf -d "$LIB" | grep -c 'NEEDED.*libcudart')" 0
	eq "the programs do not link CUDA" "$(readelf -d "$BIN/cnntrain" "$BIN/cnnpredict" | grep -Ec 'NEEDED.*(cuda|cublas|cudnn)')" 0
	check "make install puts libnncuda.so in PREFIX/lib" sh -c "cd '$ROOT' && make -s -o all install BUILD='$BIN/..' DESTDIR=$T/inst PREFIX=/usr/local > /dev/null &&
		test -f $T/inst/usr/local/lib/libnncuda.so"
	"$T/inst/usr/local/bin/cnntrain" -m "$ROOT/share/models/m4-fashion.arch" --summary > "$T/inst.out" 2>&1
	eq "the installed cnntrain finds the installed backend" "$(grep -c 'has no CUDA backend' "$T/inst.out"):$(grep -c '^device: ' "$T/inst.out")" "0:1"
	check "make CUDA=0 leaves the backend out" sh -c "cd '$ROOT' && make -n CUDA=0 all BUILD=$T/b0 | grep -v -e nvcc -e libnncuda > /dev/null &&
		! make -n CUDA=0 all BUILD=$T/b0 | grep -q -e nvcc -e libnncuda"
else
	skip "the CUDA backend's build: no $CUDA_HOME/bin/nvcc or $CUDA_HOME/include/cudnn.h here"
fi
expect_status "make CUDA=1 without the toolkit is refused" 2 sh -c "cd '$ROOT' && make -n CUDA=1 CUDA_HOME=/nonexistent NVCC=/nonexistent/nvcc all"
expect_status "make deps does not need the CUDA toolkit" 0 sh -c "cd '$ROOT' && make -n CUDA_HOME=/nonexistent NVCC=/nonexistent/nvcc deps"

imgcat --idx --classes "$CLASSES" "$D/train-images-idx3-ubyte.gz" "$D/train-labels-idx1-ubyte.gz" \
	--head 300 -o train.tsr
cat > small.arch <<'A'
input 1x28x28
conv2d 4 kernel=3 stride=2
relu
flatten
dense 10
softmax
A
gpu=0
if cnntrain -m small.arch --device cuda --summary > /dev/null 2>&1; then gpu=1; fi

# Options
expect_status "--device gpu is a usage error" 2 cnntrain -m small.arch --device gpu --summary
expect_status "--device cuda:x is a usage error" 2 cnntrain -m small.arch --device cuda:x --summary
expect_status "--precision fp16 is a usage error" 2 cnntrain -m small.arch --precision fp16 --summary
expect_status "cnnpredict: --device gpu is a usage error" 2 cnnpredict -m x.model --device gpu
expect_status "--precision bf16 on the CPU is refused" 1 cnntrain -m small.arch --device cpu --precision bf16 --summary
expect_err "... in one line" "^cnntrain: --precision bf16: the CPU computes in fp32 only$"
expect_status "--precision tf32 on the CPU is refused" 1 cnntrain -m small.arch --device cpu --precision tf32 -o m.model train.tsr
check "--precision fp32 on the CPU is fine" cnntrain -m small.arch --device cpu --precision fp32 --summary
eq "--summary names the device" "$(cnntrain -m small.arch --device cpu --summary | tail -1)" "device: cpu (--device cpu)"

if [ "$gpu" = 1 ]; then
	skip "the no-GPU paths: a GPU is here (tests/gpu.sh tests it)"
else
	expect_status "--device cuda without a GPU exits 1" 1 cnntrain -m small.arch --device cuda -o m.model train.tsr
	expect_err "... in one line that says why" "^cnntrain: --device cuda: no CUDA device \(.+\)$"
	expect_status "--device cuda:1 without a GPU exits 1" 1 cnntrain -m small.arch --device cuda:1 --summary
	expect_err "... naming the device" "^cnntrain: --device cuda:1: no CUDA device \(.+\)$"
	check "--device auto trains on the CPU" cnntrain -v -q -m small.arch --epochs 1 -o auto.model train.tsr
	eq "-v says the CPU was chosen and why, on its summary line" \
		"$(grep -c '^cnntrain: 300 records in, 1 out, 0 skipped, .*, cpu (--device auto: no CUDA device (.*)), [0-9.]* s, peak ' "$T/.err")" 1
	if [ ! -e /dev/nvidiactl ] && [ ! -e /proc/driver/nvidia/version ]; then
		# no driver: the backend (and cuBLAS, cuDNN) is not loaded at all
		eq "... without an NVIDIA driver, before loading the backend" \
			"$(grep -c 'cpu (--device auto: no CUDA device (no NVIDIA driver: no /dev/nvidiactl))' "$T/.err")" 1
		if command -v strace > /dev/null; then
			strace -f -e trace=openat -o "$T/trace" cnntrain -q -m small.arch --epochs 1 -o auto2.model train.tsr
			eq "... and the program opens no CUDA library (strace)" \
				"$(grep -c 'libnncuda\|libcudnn\|libcublas' "$T/trace")" 0
		fi
	fi
	cnntrain -q -m small.arch --epochs 1 --device cpu -o cpu.model train.tsr
	cnnpredict -q -m auto.model --device cpu train.tsr > auto-model.tsv
	cnnpredict -q -m cpu.model --device cpu train.tsr > cpu-model.tsv
	same "--device auto trains the CPU's model (the same predictions)" auto-model.tsv cpu-model.tsv
	check "cnnpredict --device auto predicts on the CPU" sh -c 'cnnpredict -v -q -m cpu.model train.tsr > auto.tsv'
	eq "cnnpredict -v says the CPU was chosen and why, on its summary line" \
		"$(grep -c '^cnnpredict: 300 records in, 300 out, 0 skipped, [0-9.]* records/s, cpu (--device auto: no CUDA device (.*)), [0-9.]* s, peak ' "$T/.err")" 1
	cnnpredict -q -m cpu.model --device cpu train.tsr > cpu.tsv
	same "cnnpredict --device auto predicts what --device cpu does" auto.tsv cpu.tsv
	expect_status "cnnpredict --device cuda without a GPU exits 1" 1 cnnpredict -m cpu.model --device cuda train.tsr
	expect_err "... in one line" "^cnnpredict: --device cuda: no CUDA device \(.+\)$"
fi

# A broken library: a clear error with --device cuda, the CPU with auto.
echo "not a library" > garbage.so
NN_CUDA_LIB=$T/garbage.so expect_status "NN_CUDA_LIB not a library: --device cuda exits 1" 1 \
	cnntrain -m small.arch --device cuda --summary
expect_err "... saying the library does not load" "^cnntrain: --device cuda: no CUDA device \(cannot load .*garbage.so.*\)$"
NN_CUDA_LIB=$T/garbage.so check "NN_CUDA_LIB not a library: --device auto uses the CPU" \
	cnntrain -m small.arch --summary
eq "... and --summary says why" "$(grep -c '^device: cpu (--device auto: no CUDA device (cannot load .*garbage.so.*))$' "$T/.out")" 1
NN_CUDA_LIB=$T/none.so expect_status "NN_CUDA_LIB missing: --device cuda exits 1" 1 \
	cnnpredict -m x.model --device cuda train.tsr
done_tests
