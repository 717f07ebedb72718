#!/bin/sh
# What the stream costs each stage of a pipeline, by zstd level (issue 20, the stream's cost per
# stage).  For N 224x224x3 u8 image records cut from real photos (windows of two photos at
# several scales, /usr/share/visp-images-data) and for the same records after imgaug's noise step
# (2..10, what an augmented stream looks like), at zstd levels 3 (the default before issue 20),
# 1 and the fast levels -1, -2, -3, -5, -7:
#  - bytes per record, compressed, and the ratio to level 3;
#  - copy (imgcat IN > OUT, a regular file): CPU seconds (user+sys) and, from them, records and
#    MB of payload per CPU second; wall seconds too (noisy on a loaded machine); with the
#    reader's decompression threads (default) and without (TS_THREADS=1);
#  - read alone (imgcat -c IN) and write alone (copy less read), in CPU ms per record;
#  - a 5-stage pipeline run file to file, every stage at the level:
#      imgcat src | imgresize --fill 224x224 | imgaug hflip brightness | imgtile --grid 112x112
#      | imgcat
#    (src: N 288x288 windows of the same photos): the CPU of all the stages, and the share of it
#    that reading and writing the stream takes (for each stage, reading its input as imgcat -c
#    does plus writing its output as the copy above does).
# Interleaved rounds (every level once per round, in turn), medians of the rounds.
# The writer compresses on one zstd worker thread at every level (ts_writer_open); the zstd CLI
# rows (-T1: one worker, as the toolkit's writer; --single-thread: none) show what that costs.
#
# Usage: bench_stream_levels.sh BUILD
# Environment: BENCH_IMAGES (1000), BENCH_ROUNDS (5), BENCH_LEVELS ("3 1 -1 -2 -3 -5 -7"),
#   BENCH_PIPE_IMAGES (the pipeline's records, BENCH_IMAGES), BENCH_PIPE_LEVELS (BENCH_LEVELS).
set -e
B=$(cd "$1" && pwd)
export PATH="$B/bin:$PATH"
W=$(mktemp -d)
trap 'rm -rf "$W"' EXIT
PY=/usr/bin/python3
V=/usr/share/visp-images-data/ViSP-images
N=${BENCH_IMAGES:-1000}
R=${BENCH_ROUNDS:-5}
LEVELS=${BENCH_LEVELS:-"3 1 -1 -2 -3 -5 -7"}
NP=${BENCH_PIPE_IMAGES:-$N}
PLEVELS=${BENCH_PIPE_LEVELS:-$LEVELS}
if [ ! -d "$V" ]; then
	echo "bench_stream_levels: skipped: no $V (apt-get install visp-images-data)"
	exit 0
fi

# N different windows of two photos at three scales: 224x224 (the copies) and 288x288 (the pipeline)
$PY - "$V" "$N" "$NP" "$W/photos.npy" "$W/src.npy" <<'EOF'
import subprocess
import sys
import numpy as np
v, n, np_, out, src = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), sys.argv[4], sys.argv[5]
def photo(path, w):     # decoded and resized to w pixels wide, RGB, by ImageMagick
    raw = subprocess.run(["/usr/bin/convert", v + path, "-resize", "%dx" % w, "-depth", "8", "-type",
                          "TrueColor", "ppm:-"], check=True, capture_output=True).stdout
    parts = raw.split(maxsplit=4)
    pw, ph = int(parts[1]), int(parts[2])
    return np.frombuffer(parts[4][:pw * ph * 3], np.uint8).reshape(ph, pw, 3)
ph = [photo(p, w) for p in ("/Klimt/Klimt.jpeg", "/Solvay/Solvay_conference_1927_Version2_2126x1463.jpg")
      for w in (640, 1000, 1500)]
r = np.random.default_rng(1)
for path, s, n in ((out, 224, n), (src, 288, np_)):
    a = np.empty((n, s, s, 3), np.uint8)
    for i in range(n):
        p = ph[i % len(ph)]
        y, x = r.integers(0, p.shape[0] - s), r.integers(0, p.shape[1] - s)
        a[i] = p[y:y + s, x:x + s]
    np.save(path, a)
EOF
imgcat --level 3 "$W/photos.npy" > "$W/photos.base"
imgaug --seed 1 'noise 2..10' "$W/photos.base" > "$W/noisy.base"
imgcat --level 3 "$W/src.npy" > "$W/src.base"
payload=$(zstd -qdc "$W/photos.base" | wc -c)
for v in photos noisy; do
	for l in $LEVELS; do imgcat --level "$l" "$W/$v.base" > "$W/$v.$l"; done
done
for l in $PLEVELS; do imgcat --level "$l" "$W/src.base" > "$W/src.$l"; done

# cpu NAME CMD: runs CMD in sh, appends "NAME user+sys wall" to $W/times
cpu() {
	/usr/bin/time -f '%U %S %e' -o "$W/t" sh -c "$2" > /dev/null
	awk -v n="$1" '{ printf "%s %.4f %.4f\n", n, $1 + $2, $3 }' "$W/t" >> "$W/times"
}
: > "$W/times"
r=0
while [ "$r" -lt "$R" ]; do
	for l in $LEVELS; do
		for v in photos noisy; do
			cpu "copy $v $l" "imgcat --level $l '$W/$v.$l' > '$W/out'"
			cpu "copy1 $v $l" "TS_THREADS=1 imgcat --level $l '$W/$v.$l' > '$W/out'"
			cpu "read $v $l" "imgcat -c '$W/$v.$l'"
			cpu "cat $v $l" "cat '$W/$v.$l' > '$W/out'"
		done
	done
	for l in $PLEVELS; do
		# the pipeline, file to file, each stage timed alone, one thread each
		export TS_THREADS=1
		cpu "p1 $l" "imgcat --level $l '$W/src.$l' > '$W/s1'"
		cpu "p2 $l" "imgresize -q --threads 1 --level $l --fill 224x224 '$W/s1' > '$W/s2'"
		cpu "p3 $l" "imgaug -q --threads 1 --level $l --seed 1 'hflip' 'brightness -0.2..0.2' '$W/s2' > '$W/s3'"
		cpu "p4 $l" "imgtile -q --level $l --grid 112x112 '$W/s3' > '$W/s4'"
		cpu "p5 $l" "imgcat --level $l '$W/s4' > '$W/s5'"
		# the stream alone: reading every stage's input and output, copying every output
		for f in src.$l s1 s2 s3 s4 s5; do
			cpu "rd ${f%.*} $l" "imgcat -c '$W/$f'"
			[ "$f" = src.$l ] || cpu "cp $f $l" "imgcat --level $l '$W/$f' > '$W/out'"
		done
		unset TS_THREADS
	done
	for v in photos noisy; do
		cpu "zstd-T1 $v" "zstd -qdc '$W/$v.3' | zstd -q -3 -T1 -c > '$W/out'"
		cpu "zstd-st $v" "zstd -qdc '$W/$v.3' | zstd -q -3 --single-thread -c > '$W/out'"
		cpu "zstd-d $v" "zstd -qdc '$W/$v.3' > /dev/null"
		cpu "zstd-T1-5 $v" "zstd -qdc '$W/$v.3' | zstd -q --fast=5 -T1 -c > '$W/out'"
		cpu "zstd-st-5 $v" "zstd -qdc '$W/$v.3' | zstd -q --fast=5 --single-thread -c > '$W/out'"
	done
	r=$((r + 1))
done
load=$(cut -d' ' -f1-3 /proc/loadavg)
for v in photos noisy; do
	for l in $LEVELS; do echo "size $v $l $(wc -c < "$W/$v.$l")"; done
done > "$W/sizes"

$PY - "$W/times" "$W/sizes" "$N" "$payload" "$LEVELS" "$PLEVELS" "$R" "$load" <<'EOF'
import statistics
import sys
times, sizes, n, payload, levels, plevels, rounds, load = sys.argv[1:]
n, payload, levels, plevels = int(n), int(payload), levels.split(), plevels.split()
cpu, wall = {}, {}
for line in open(times):
    *name, c, w = line.split()
    cpu.setdefault(" ".join(name), []).append(float(c))
    wall.setdefault(" ".join(name), []).append(float(w))
C = {k: statistics.median(v) for k, v in cpu.items()}
Wl = {k: statistics.median(v) for k, v in wall.items()}
size = {}
for line in open(sizes):
    _, v, l, b = line.split()
    size[v, l] = int(b)
print(f"{n} records of 224x224x3 u8 ({payload / n / 1000:.1f} kB each uncompressed), {rounds} interleaved "
      f"rounds, medians; load average at the end {load}")
print("CPU = user+sys of the process; rec/s and MB/s are per CPU second (MB of payload).")
for v in ("photos", "noisy"):
    print()
    print(f"{v}: level  kB/rec  size/l3  copy CPU s  rec/s  MB/s  wall s  TS_THREADS=1 CPU s  rec/s"
          "  read ms/rec  write ms/rec  speed/l3  cat ms/rec")
    base = C[f"copy1 {v} 3"] if f"copy1 {v} 3" in C else None
    for l in levels:
        c, c1, rd = C[f"copy {v} {l}"], C[f"copy1 {v} {l}"], C[f"read {v} {l}"]
        s = size[v, l]
        rel = size[v, "3"] if (v, "3") in size else s
        print(f"{v:>6} {l:>6} {s / n / 1000:7.1f} {s / rel:8.2f} {c:11.3f} {n / c:6.0f} {payload / c / 1e6:5.0f}"
              f" {Wl[f'copy {v} {l}']:7.3f} {c1:19.3f} {n / c1:6.0f} {rd / n * 1000:12.3f}"
              f" {(c1 - rd) / n * 1000:13.3f} {base / c1 if base else 1:9.2f} {C[f'cat {v} {l}'] / n * 1000:11.3f}")
print()
print("zstd CLI, level 3 and --fast=5 (decompress | compress, CPU s):")
for v in ("photos", "noisy"):
    print(f"  {v}: zstd -d alone {C['zstd-d ' + v]:.3f}; -3 -T1 {C['zstd-T1 ' + v]:.3f},"
          f" -3 --single-thread {C['zstd-st ' + v]:.3f}; --fast=5 -T1 {C['zstd-T1-5 ' + v]:.3f},"
          f" --fast=5 --single-thread {C['zstd-st-5 ' + v]:.3f}")
print()
print("5-stage pipeline (imgcat | imgresize --fill 224x224 | imgaug hflip brightness | imgtile --grid 112x112"
      " | imgcat), file to file, 1 thread each:")
print("  level  stages CPU s (1 2 3 4 5)              total  stream CPU s  stream share")
for l in plevels:
    st = [C[f"p{k} {l}"] for k in range(1, 6)]
    # each stage reads its input and writes its output: read(src) + sum(copy(s_k) - read(s_k)) + ...
    files = ["src", "s1", "s2", "s3", "s4", "s5"]
    stream = sum(C[f"rd {f} {l}"] for f in files[:5]) + sum(C[f"cp {f} {l}"] - C[f"rd {f} {l}"] for f in files[1:])
    print(f"  {l:>5}  " + " ".join(f"{x:6.3f}" for x in st) + f"  {sum(st):9.3f}  {stream:12.3f}"
          f"  {100 * min(stream, sum(st)) / sum(st):11.0f}%")
EOF
