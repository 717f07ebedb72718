#!/bin/sh
# cnntrain and cnnpredict against today's strongest CPU peers, in the same run (issue 19):
# PyTorch 2 eager and torch.compile (inductor) for training, ONNX Runtime and torch.compile with
# freezing for inference, and Debian's PyTorch 1.13 (/usr/bin/python3) as before.  The seed
# networks m1-m8 (sizes as bench_cnn.sh: batch 32, the m5 U-Net batch 8), 2 threads everywhere,
# random images; BENCH_MODELS="m5 m7" picks some, BENCH_ROUNDS (3) rounds in which the tools
# take turns (A B C .., A B C ..), medians; BENCH_SECONDS (5) per PyTorch / ONNX Runtime timing,
# BENCH_LATENCY (200) single-image passes for the latency.
#
# PyTorch 2, onnx, onnxscript and onnxruntime come from PyPI into BUILD/peers-venv (python3 -m
# venv with /usr/bin/python3), made on the first run: torch from the CPU index
# (download.pytorch.org/whl/cpu) where that host answers, else PyPI's own wheel (the CUDA build,
# about 5.5 GB installed; it runs on the CPU).  Without PyPI the bench says so in one line and
# stops.
#
# Training: images/s of cnntrain's second epoch (as bench_cnn.sh) against the same loop
# (forward, loss, backward, Adam) in PyTorch 2 eager, torch.compile and PyTorch 1.13.
# Inference at batch 32: cnnpredict's marginal rate on the stream (one pass against three, so
# starting the program and reading the model do not count; reading, preparing and writing the
# table do) against a forward pass of the model exported from PyTorch to ONNX (ONNX Runtime:
# intra-op threads 2, ORT_ENABLE_ALL) and in PyTorch.  Latency: one image at a time, median and
# 99th percentile of BENCH_LATENCY passes; for the engine in the process (bench/nn_latency.c,
# built here against BUILD/libcommon.a: nn_forward of one image on the loaded model, 2 threads),
# since a loop of single-record streams would time the program start; for ONNX Runtime and
# torch.compile the session or compiled model's call on one image.  Peak RSS of each process
# (/usr/bin/time for the programs, getrusage in the helpers; torch.compile's includes compiling,
# done in the process: TORCHINDUCTOR_COMPILE_THREADS=1).  GFLOP/s: the network's convolution and
# dense FLOPs (cnntrain --summary; training counted as 3 forward passes) at the engine's rates,
# beside oneDNN's sgemm on 1536 x 1536 matrices, 2 threads (bench/sgemm_rate.c), in each round.
# Ratios > 1 favour the engine.
. "$(dirname "$0")/lib.sh"
B=$(cd "$1" && pwd)
ROOT=$(cd "$(dirname "$0")/.." && pwd)
PATH="$B/bin:$PATH"
W=$(mktemp -d)
trap 'rm -rf "$W"' EXIT
SECS=${BENCH_SECONDS:-5}
ROUNDS=${BENCH_ROUNDS:-3}
LAT=${BENCH_LATENCY:-200}
PY=/usr/bin/python3
VENV=$B/peers-venv
export OMP_NUM_THREADS=2 TORCHINDUCTOR_COMPILE_THREADS=1

reachable() { # whether an HTTPS index answers within 15 s
	$PY -c 'import sys, urllib.request; urllib.request.urlopen(sys.argv[1], timeout=15)' "$1" > /dev/null 2>&1
}
venv_ok() {
	"$VENV/bin/python" -m pip show -q torch onnx onnxscript onnxruntime > /dev/null 2>&1
}
if ! venv_ok; then
	if ! reachable https://pypi.org/simple/pip/; then
		echo "bench_peers: PyPI cannot be reached: no PyTorch 2 or ONNX Runtime to compare with, skipped"
		exit 0
	fi
	echo "bench_peers: installing PyTorch 2, onnx, onnxscript, onnxruntime into $VENV (once; torch is large)" >&2
	idx=
	reachable https://download.pytorch.org/whl/cpu/ && idx="--index-url https://download.pytorch.org/whl/cpu"
	if ! { [ -x "$VENV/bin/python" ] || $PY -m venv "$VENV"; } > "$W/venv.log" 2>&1 ||
		! "$VENV/bin/python" -m pip install -q $idx torch >> "$W/venv.log" 2>&1 ||
		! "$VENV/bin/python" -m pip install -q onnx onnxscript onnxruntime >> "$W/venv.log" 2>&1 ||
		! venv_ok; then
		echo "bench_peers: could not install the peers into $VENV: $(tail -1 "$W/venv.log")"
		exit 1
	fi
fi
VPY=$VENV/bin/python

# the in-process timers
LIBS="$(pkg-config --libs libpng libjpeg libturbojpeg libwebp libwebpdemux libtiff-4 libgif libzstd libcurl openssl zlib \
	libxxhash libzip cairo libcjson 2>/dev/null) -ldnnl -lgomp -lm -pthread"
cc -O2 -std=c11 -D_GNU_SOURCE -I"$ROOT/libcommon" -o "$W/nn_latency" "$ROOT/bench/nn_latency.c" "$B/libcommon.a" $LIBS
cc -O2 -std=c11 -D_GNU_SOURCE -o "$W/sgemm_rate" "$ROOT/bench/sgemm_rate.c" -ldnnl -lgomp

field() { # field NAME LINE: the value of NAME=... in a helper's output line
	echo "$2" | sed -n "s/.*$1=\([0-9.]*\).*/\1/p"
}
put() { # put MODEL KEY VALUE: one round's figure
	echo "${3:-nan}" >> "$W/$1.$2"
}
med() { # the median of a model's figures for KEY
	sort -g "$W/$1.$2" | awk '{ v[NR] = $1 } END { if (NR == 0) print "nan"; else if (NR % 2) print v[(NR + 1) / 2];
		else print (v[NR / 2] + v[NR / 2 + 1]) / 2 }'
}
div() { awk -v a="$1" -v b="$2" 'BEGIN { if (a == "nan" || b == "nan" || b + 0 == 0) print "nan"; else print a / b }'; }
max() { awk -v a="$1" -v b="$2" 'BEGIN { print (a == "nan" ? b : b == "nan" ? a : a > b ? a : b) }'; }
helper() { # helper PYTHON ARGS..: runs a Python helper, its last output line (noted when it failed)
	if ! "$@" > "$W/h.out" 2> "$W/h.err"; then
		echo "$short: $(basename "$2") ${3:-} ${4:-} ${5:-}: $(tail -1 "$W/h.err")" >> "$W/failed"
	fi
	tail -1 "$W/h.out"
}

# one round of every tool on one model
round() {
	/usr/bin/time -f %M -o "$W/rss" cnntrain -m "$arch" --epochs 2 --batch "$bs" --threads 2 $extra -o "$W/m.model" \
		"$W/d.tsr" 2> "$W/log"
	put "$short" train "$(sed -n 's/^epoch 2\/2:.* \([0-9.]*\) img\/s$/\1/p' "$W/log")"
	put "$short" train_rss "$(( $(cat "$W/rss") / 1024 ))"
	for t in t2e:"$VPY" t2c:"$VPY --compile" t1:"$PY"; do
		set -- ${t#*:}
		o=$(helper "$1" "$ROOT/bench/cnn_torch.py" "$short" train --threads 2 --batch "$bs" --seconds "$SECS" $2)
		put "$short" "train_${t%%:*}" "$(field images_per_s "$o")"
		put "$short" "train_${t%%:*}_rss" "$(field peak_rss_mib "$o")"
	done
	s=$(date +%s.%N)
	cnnpredict -m "$W/m.model" --batch "$bs" --threads 2 "$W/d.tsr" > /dev/null
	e=$(date +%s.%N)
	/usr/bin/time -f %M -o "$W/rss" cnnpredict -m "$W/m.model" --batch "$bs" --threads 2 "$W/d3.tsr" > /dev/null
	f=$(date +%s.%N)
	put "$short" infer "$(awk -v n="$n" -v a="$s" -v b="$e" -v c="$f" 'BEGIN { d = (c - b) - (b - a);
		print (d > 0 ? 2 * n / d : "nan") }')"
	put "$short" infer_rss "$(( $(cat "$W/rss") / 1024 ))"
	o=$("$W/nn_latency" "$W/m.model" "$LAT" 2)
	put "$short" lat "$(field median_ms "$o")"
	put "$short" p99 "$(field p99_ms "$o")"
	o=$(helper "$VPY" "$ROOT/bench/cnn_ort.py" "$W/m.onnx" --threads 2 --batch "$bs" --seconds "$SECS" --latency "$LAT")
	for k in images_per_s:infer_ort peak_rss_mib:infer_ort_rss lat_median_ms:lat_ort lat_p99_ms:p99_ort; do
		put "$short" "${k#*:}" "$(field "${k%%:*}" "$o")"
	done
	o=$(helper "$VPY" "$ROOT/bench/cnn_torch.py" "$short" infer --threads 2 --batch "$bs" --seconds "$SECS" --compile \
		--latency "$LAT")
	for k in images_per_s:infer_t2c peak_rss_mib:infer_t2c_rss lat_median_ms:lat_t2c lat_p99_ms:p99_t2c; do
		put "$short" "${k#*:}" "$(field "${k%%:*}" "$o")"
	done
	o=$(helper "$PY" "$ROOT/bench/cnn_torch.py" "$short" infer --threads 2 --batch "$bs" --seconds "$SECS")
	put "$short" infer_t1 "$(field images_per_s "$o")"
	put "$short" infer_t1_rss "$(field peak_rss_mib "$o")"
	put "$short" sgemm "$("$W/sgemm_rate" 1536)"
}

: > "$W/train.txt"
: > "$W/infer.txt"
for m in m1-pixelerror:2000:32 m2-keyframe:256:32 m3-blur:320:32 m4-fashion:3000:32 m5-unet:96:8 \
	m6-twotower:192:32 m7-separable:96:32 m8-blur-plus-laplacian:320:32; do
	name=${m%%:*} rest=${m#*:} short=${name%%-*}
	n=${rest%%:*} bs=${rest#*:}
	case " ${BENCH_MODELS:-$short} " in *" $short "*) ;; *) continue ;; esac
	extra=
	[ "$short" = m5 ] && extra="--pos-weight 10"
	arch="$ROOT/share/models/$name.arch"
	random_set "$arch" "$n" "$W/d.tsr"
	cat "$W/d.tsr" "$W/d.tsr" "$W/d.tsr" > "$W/d3.tsr"
	helper "$VPY" "$ROOT/bench/cnn_torch.py" "$short" export --onnx "$W/m.onnx" > /dev/null
	r=1
	while [ "$r" -le "$ROUNDS" ]; do
		round
		r=$((r + 1))
	done
	mflop=$(cnntrain -m "$arch" --summary | sed -n 's/^forward pass: \([0-9.]*\) MFLOP.*/\1/p')
	tr=$(med "$short" train) t2e=$(med "$short" train_t2e) t2c=$(med "$short" train_t2c)
	ir=$(med "$short" infer) io=$(med "$short" infer_ort) sg=$(med "$short" sgemm)
	printf '%-4s %8.0f %8.0f %8.0f %8.0f %6.2f %6.0f %6.0f %6.0f %6.0f %7.1f %7.1f\n' "$short" "$tr" "$t2e" "$t2c" \
		"$(med "$short" train_t1)" "$(div "$tr" "$(max "$t2e" "$t2c")")" "$(med "$short" train_rss)" \
		"$(med "$short" train_t2e_rss)" "$(med "$short" train_t2c_rss)" "$(med "$short" train_t1_rss)" \
		"$(echo "3 * $mflop * $tr / 1000" | bc -l)" "$sg" >> "$W/train.txt"
	printf '%-4s %8.0f %8.0f %8.0f %8.0f %6.2f %7.3f %7.3f %7.3f %7.3f %7.3f %7.3f %6.0f %6.0f %6.0f %6.0f %7.1f %7.1f\n' \
		"$short" "$ir" "$io" "$(med "$short" infer_t2c)" "$(med "$short" infer_t1)" "$(div "$ir" "$io")" \
		"$(med "$short" lat)" "$(med "$short" lat_ort)" "$(med "$short" lat_t2c)" \
		"$(med "$short" p99)" "$(med "$short" p99_ort)" "$(med "$short" p99_t2c)" \
		"$(med "$short" infer_rss)" "$(med "$short" infer_ort_rss)" "$(med "$short" infer_t2c_rss)" \
		"$(med "$short" infer_t1_rss)" "$(echo "$mflop * $ir / 1000" | bc -l)" "$sg" >> "$W/infer.txt"
	echo "bench_peers: $short done: $(tail -1 "$W/train.txt" | tr -s ' ') | $(tail -1 "$W/infer.txt" | tr -s ' ')" >&2
done
echo "load average at the end: $(cut -d' ' -f1-3 /proc/loadavg); torch $("$VPY" -c 'import torch; print(torch.__version__)'), \
onnxruntime $("$VPY" -c 'import onnxruntime; print(onnxruntime.__version__)'), Debian torch \
$($PY -c 'import torch; print(torch.__version__)'); medians of $ROUNDS rounds"
echo "training, images/s (ratio: cnntrain / the best of torch 2 eager and torch.compile), peak RSS MiB, GFLOP/s"
printf '%-4s %8s %8s %8s %8s %6s %6s %6s %6s %6s %7s %7s\n' model cnntrain t2eager t2compile t1.13 ratio \
	rss rss_t2e rss_t2c rss_t1 GF sgemmGF
cat "$W/train.txt"
echo "inference, batch 32 (m5 8) images/s (ratio: cnnpredict / ONNX Runtime), batch-1 latency ms (median, p99), peak RSS MiB, GFLOP/s"
printf '%-4s %8s %8s %8s %8s %6s %7s %7s %7s %7s %7s %7s %6s %6s %6s %6s %7s %7s\n' model cnnpred ort t2compile t1.13 \
	ratio lat lat_ort lat_t2c p99 p99_ort p99_t2c rss rss_ort rss_t2c rss_t1 GF sgemmGF
cat "$W/infer.txt"
if [ -s "$W/failed" ]; then
	echo "bench_peers: helpers that failed (nan above):"
	sort -u "$W/failed"
fi
