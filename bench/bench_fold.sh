#!/bin/sh
# Inference folding (nn_fold.h, issue 19): cnnpredict at batch 32 (the m5 U-Net 8) and the
# single-image latency of bench/nn_latency.c, on m1-m8 (BENCH_MODELS="m6 m7" picks some),
# folded against NN_FOLD=0, and against an older build when a second folder is given
# (bench_fold.sh BUILD [BASE_BUILD], e.g. main's build before folding: its own nn_latency.c is
# compiled from BASE_BUILD/.. when that is a source tree, else this one's).  Models trained one
# epoch on random images (speed does not depend on the weights); 2 threads.  BENCH_ROUNDS (3)
# rounds in which the variants take turns, medians.  Throughput: the marginal rate of one pass
# over the images against three (program start and model reading do not count), wall
# images/s and CPU milliseconds (user + sys) per image; latency: median and 99th percentile of
# BENCH_LATENCY (100) passes, milliseconds.  Prints a table for bench/README.
. "$(dirname "$0")/lib.sh"
B=$(cd "$1" && pwd)
BASE=${2:+$(cd "$2" && pwd)}
ROOT=$(cd "$(dirname "$0")/.." && pwd)
PATH="$B/bin:$PATH"
W=$(mktemp -d)
trap 'rm -rf "$W"' EXIT
ROUNDS=${BENCH_ROUNDS:-3}
LAT=${BENCH_LATENCY:-100}
PY=/usr/bin/python3
export OMP_NUM_THREADS=2

LIBS="$(pkg-config --libs libpng libjpeg libturbojpeg libwebp libwebpdemux libtiff-4 libgif libzstd libcurl openssl zlib \
	libxxhash libzip cairo libcjson 2>/dev/null) -ldnnl -lgomp -lm -pthread"
cc -O2 -std=c11 -D_GNU_SOURCE -I"$ROOT/libcommon" -o "$W/lat_new" "$ROOT/bench/nn_latency.c" "$B/libcommon.a" $LIBS || exit 1
variants="plain fold"
if [ -n "$BASE" ]; then
	src=$ROOT
	[ -f "$BASE/../bench/nn_latency.c" ] && src=$(cd "$BASE/.." && pwd)
	cc -O2 -std=c11 -D_GNU_SOURCE -I"$src/libcommon" -o "$W/lat_base" "$src/bench/nn_latency.c" "$BASE/libcommon.a" \
		$LIBS || exit 1
	variants="base plain fold"
fi

put() { echo "${3:-nan}" >> "$W/$1.$2"; }
med() {
	sort -g "$W/$1.$2" | awk '{ v[NR] = $1 } END { if (NR == 0) print "nan"; else if (NR % 2) print v[(NR + 1) / 2];
		else print (v[NR / 2] + v[NR / 2 + 1]) / 2 }'
}
field() { echo "$2" | sed -n "s/.*$1=\([0-9.]*\).*/\1/p"; }
# timed VARIANT OUT FILES..: cnnpredict on FILES; OUT gets "wall cpu" in seconds
timed() {
	v=$1 out=$2
	shift 2
	bin=$B/bin/cnnpredict fold=1
	[ "$v" = base ] && bin=$BASE/bin/cnnpredict
	[ "$v" = plain ] && fold=0
	s=$(date +%s.%N)
	NN_FOLD=$fold /usr/bin/time -f '%U %S' -o "$W/cpu" "$bin" -m "$W/m.model" --batch "$bs" --threads 2 "$@" > /dev/null
	e=$(date +%s.%N)
	echo "$(echo "$e - $s" | bc -l) $(awk '{ print $1 + $2 }' "$W/cpu")" > "$out"
}
round() {
	for v in $variants; do
		timed $v "$W/t1" "$W/d.tsr"
		timed $v "$W/t3" "$W/d.tsr" "$W/d.tsr" "$W/d.tsr"
		put "$short" "ips_$v" "$(paste "$W/t1" "$W/t3" | awk -v n="$n" '{ d = $3 - $1; print (d > 0 ? 2 * n / d : "nan") }')"
		put "$short" "cpu_$v" "$(paste "$W/t1" "$W/t3" | awk -v n="$n" '{ print 1000 * ($4 - $2) / (2 * n) }')"
		lat=$W/lat_new fold=1
		[ "$v" = base ] && lat=$W/lat_base
		[ "$v" = plain ] && fold=0
		o=$(NN_FOLD=$fold "$lat" "$W/m.model" "$LAT" 2)
		put "$short" "lat_$v" "$(field median_ms "$o")"
		put "$short" "p99_$v" "$(field p99_ms "$o")"
	done
}

echo "load average at the start: $(cut -d' ' -f1-3 /proc/loadavg)"
for m in m1-pixelerror:2000:32 m2-keyframe:256:32 m3-blur:320:32 m4-fashion:3000:32 m5-unet:96:8 \
	m6-twotower:192:32 m7-separable:96:32 m8-blur-plus-laplacian:320:32; do
	name=${m%%:*} rest=${m#*:} short=${name%%-*}
	n=${rest%%:*} bs=${rest#*:}
	case " ${BENCH_MODELS:-m1 m2 m3 m4 m5 m6 m7 m8} " in *" $short "*) ;; *) continue ;; esac
	arch="$ROOT/share/models/$name.arch"
	shape=$(sed -n 's/^input \([0-9x]*\).*/\1/p' "$arch")
	k=$(awk '/^dense/ { u = $2 } END { print (u == 1 ? 2 : u) }' "$arch")
	$PY - "$W/x.npy" "$W/y.csv" "$shape" "$n" "${k:-2}" <<'PY'
import sys
import numpy as np
c, h, w = map(int, sys.argv[3].split("x"))
n, k = int(sys.argv[4]), int(sys.argv[5])
r = np.random.default_rng(1)
np.save(sys.argv[1], r.integers(0, 256, (n, h, w, c), dtype=np.uint8))
with open(sys.argv[2], "w") as f:
    f.writelines("%d\n" % v for v in r.integers(0, k, n))
PY
	extra=
	if [ "$short" = m5 ]; then
		imgcat "$W/x.npy" | imgaug --seed 1 'scratch 2..6 p=1' -o "$W/d.tsr"
		extra="--pos-weight 10"
	elif [ "$short" = m8 ]; then
		imgcat --labels "$W/y.csv" "$W/x.npy" 2> /dev/null | cnnpredict --baseline laplacian --stream -o "$W/d.tsr"
	else
		imgcat --labels "$W/y.csv" "$W/x.npy" -o "$W/d.tsr" 2> /dev/null
	fi
	if ! cnntrain -q -m "$arch" --epochs 1 --batch "$bs" --threads 2 $extra -o "$W/m.model" "$W/d.tsr" 2> "$W/log"; then
		echo "$short: cnntrain failed: $(tail -1 "$W/log")"
		continue
	fi
	r=1
	while [ "$r" -le "$ROUNDS" ]; do
		round
		r=$((r + 1))
	done
	line="$short"
	for k in ips cpu lat p99; do
		for v in $variants; do
			line="$line $(med "$short" "${k}_$v")"
		done
	done
	echo "$line" >> "$W/table"
done
echo "load average at the end: $(cut -d' ' -f1-3 /proc/loadavg)"
nv=$(echo $variants | wc -w)
awk -v nv="$nv" -v vs="$variants" 'BEGIN {
	split(vs, v, " ")
	h = "| model |"; s = "| --- |"
	split("images/s|CPU ms/image|latency median ms|latency p99 ms", what, "|")
	for (k = 1; k <= 4; k++) for (i = 1; i <= nv; i++) { h = h " " what[k] " " v[i] " |"; s = s " ---: |" }
	print h " folded/" v[1] " images/s |"; print s " ---: |"
}
{
	row = "| " $1 " |"
	for (j = 2; j <= NF; j++) row = row sprintf(j <= 1 + nv ? " %.0f |" : j <= 1 + 2 * nv ? " %.2f |" : " %.2f |", $j)
	printf "%s %.2f |\n", row, $(1 + nv) / $2
}' "$W/table"
