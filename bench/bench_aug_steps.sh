#!/bin/sh
# imgaug's steps one at a time (issue 20): each step alone on N 224x224x3 windows of two real
# photos, in ms per image, against the same Albumentations transform (transform only, on numpy
# arrays already in memory, cv2.setNumThreads(1)), in the same run, in interleaved rounds;
# medians of the rounds.
#
# imgaug's time for a step is measured twice: in the process (bench/aug_step_time.c, built here
# against BUILD/libcommon.a: the step on each image lent to it as imgaug
# does, no stream; CPU time, as Albumentations' transform-only figure), and as its whole process less
# that of the same run with the step never applied ('hflip p=0': reading and writing the
# stream at zstd level -5), on 1 thread.  The second is skewed by what the step does to the
# output's compressibility: noise makes it incompressible, which zstd writes faster than a
# photo, so the difference understates noise; crops make it smaller.
# Albumentations comes from PyPI into a venv in BUILD/bench-venv (python3 -m venv with
# /usr/bin/python3, albumentations and opencv-python-headless); where PyPI cannot be reached
# the bench says so and times imgaug alone.
#
# Usage: bench_aug_steps.sh BUILD [OLD_BUILD]
#   OLD_BUILD: another build (e.g. of the commit before a change) timed in the same rounds,
#   for before/after figures.
# Environment: BENCH_IMAGES (1000), BENCH_ROUNDS (5), BENCH_STEPS (names, e.g. "blur noise").
set -e
. "$(dirname "$0")/lib.sh"
B=$(cd "$1" && pwd)
O=${2:+$(cd "$2" && pwd)}
W=$(mktemp -d)
trap 'rm -rf "$W"' EXIT
PY=/usr/bin/python3
N=${BENCH_IMAGES:-1000}
R=${BENCH_ROUNDS:-5}

# name | imgaug step | Albumentations transform (A: albumentations, cv2)
cat > "$W/steps" <<'EOF'
hflip|hflip|A.HorizontalFlip(p=1)
vflip|vflip|A.VerticalFlip(p=1)
rot90|rot90|A.RandomRotate90(p=1)
rotate|rotate -15..15|A.Rotate(limit=15, interpolation=cv2.INTER_LINEAR, border_mode=cv2.BORDER_CONSTANT, p=1)
affine|affine angle=-15..15 shift=-0.1..0.1 scale=0.9..1.1|A.Affine(rotate=(-15, 15), translate_percent=(-0.1, 0.1), scale=(0.9, 1.1), p=1)
crop|crop 200x200|A.RandomCrop(200, 200)
resized-crop|resized-crop 224x224|A.RandomResizedCrop(size=(224, 224), p=1)
resized-crop-160|resized-crop 160x160|A.RandomResizedCrop(size=(160, 160), p=1)
resized-crop-112|resized-crop 112x112|A.RandomResizedCrop(size=(112, 112), p=1)
brightness|brightness -0.2..0.2|A.RandomBrightnessContrast(brightness_limit=0.2, contrast_limit=0, p=1)
contrast|contrast -0.2..0.2|A.RandomBrightnessContrast(brightness_limit=0, contrast_limit=0.2, p=1)
gamma|gamma 0.8..1.25|A.RandomGamma(gamma_limit=(80, 125), p=1)
hue|hue -0.05..0.05|A.HueSaturationValue(hue_shift_limit=9, sat_shift_limit=0, val_shift_limit=0, p=1)
grayscale|grayscale|A.ToGray(num_output_channels=3, p=1)
noise|noise 2..10|A.GaussNoise(std_range=(2 / 255, 10 / 255), p=1)
saltpepper|saltpepper 0.001..0.01|A.SaltAndPepper(amount=(0.001, 0.01), p=1)
blur|blur 0.1..2|A.GaussianBlur(sigma_limit=(0.1, 2), blur_limit=0, p=1)
blur-2|blur 2|A.GaussianBlur(sigma_limit=(2, 2), blur_limit=0, p=1)
jpeg|jpeg 30..90|A.ImageCompression(quality_range=(30, 90), p=1)
cutout|cutout|A.Erasing(p=1)
EOF
if [ -n "${BENCH_STEPS:-}" ]; then
	for s in $BENCH_STEPS; do grep "^$s|" "$W/steps" || true; done > "$W/steps.sel"
	mv "$W/steps.sel" "$W/steps"
fi

# N different 224x224 windows of two photos
photo_windows "$N" "$W/in.npy" raw
"$B/bin/imgcat" --level -5 "$W/in.npy" > "$W/in.tsr"
ROOT=$(cd "$(dirname "$0")/.." && pwd)
# the in-process timer, for each build (its headers: the checkout the build is in)
LIBS="$(pkg-config --libs libpng libjpeg libturbojpeg libwebp libwebpdemux libtiff-4 libgif libzstd libcurl openssl zlib \
	libxxhash libzip cairo libcjson 2>/dev/null) -ldnnl -lgomp -lm -pthread"
for b in "$B" ${O:+"$O"}; do
	cc -O2 -std=c11 -D_GNU_SOURCE -I"$b/../libcommon" -o "$b/aug_step_time" "$ROOT/bench/aug_step_time.c" \
		"$b/libcommon.a" $LIBS
done

# Albumentations in a venv of its own, made once
VENV=$B/bench-venv
albumentations_venv "$VENV" "$W/venv.log" albumentations
cat > "$W/alb.py" <<'EOF'
# One round: each step's transform on every image, seconds per step ("nan": not in this version).
import sys
import time
import warnings
import numpy as np
try:    # from the venv (PyPI), not from a Debian package
    import cv2
    import albumentations as A
except ImportError as e:
    sys.exit("albumentations: %s" % e)
cv2.setNumThreads(1)
warnings.filterwarnings("ignore")
imgs = [np.ascontiguousarray(x) for x in np.load(sys.argv[1])]
for line in open(sys.argv[2]):
    name, _, expr = line.rstrip("\n").split("|")
    try:
        tf = eval(expr)
        tf(image=imgs[0])
    except Exception as e:
        print(name, "nan", file=sys.stdout)
        print("albumentations: %s: %s" % (name, e), file=sys.stderr)
        continue
    s = time.process_time()     # CPU time, as aug_step_time's: steadier on a loaded machine
    for x in imgs:
        tf(image=x)
    print(name, "%.6f" % (time.process_time() - s))
EOF

now() { date +%s.%N; }
# seconds of one imgaug run: BUILD STEP
timed() {
	s=$(now)
	"$1/bin/imgaug" --threads 1 --level -5 --seed 7 -q "$2" "$W/in.tsr" > /dev/null
	e=$(now)
	echo "$e - $s" | bc -l
}

echo "input: $N images 224x224x3 (windows of two photos); $R rounds, medians; 1 thread / 1 process"
echo "CPU: $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ //'), $(nproc) cores;" \
	"load average at the start: $(cut -d' ' -f1-3 /proc/loadavg)"
r=1
while [ "$r" -le "$R" ]; do
	for b in "$B" ${O:+"$O"}; do
		tag=new
		[ "$b" = "$B" ] || tag=old
		echo "floor $tag $(timed "$b" 'hflip p=0')" >> "$W/times"
		while IFS='|' read -r name step alb; do
			echo "$name $tag $(timed "$b" "$step")" >> "$W/times"
			echo "$name ${tag}p $("$b/aug_step_time" "$step" "$W/in.npy.raw" "$N" 224 224 3)" >> "$W/times"
		done < "$W/steps"
	done
	if [ -n "$ALB" ]; then
		"$ALB" "$W/alb.py" "$W/in.npy" "$W/steps" 2>> "$W/alb.err" | sed 's/ / alb /' >> "$W/times"
	fi
	r=$((r + 1))
done
sort -u "$W/alb.err" 2>/dev/null | head -20 >&2 || true

# medians: NAME TAG -> seconds; imgaug's step: its round's time less the floor of that round
$PY - "$W/times" "$W/steps" "$N" "${O:+1}" "${ALB:+1}" <<'EOF'
import math
import statistics as st
import sys
rows = [l.split() for l in open(sys.argv[1])]
names = [l.split("|")[0] for l in open(sys.argv[2])]
n, old, alb = int(sys.argv[3]), sys.argv[4] == "1", sys.argv[5] == "1"
t = {}
for name, tag, s in rows:
    t.setdefault((name, tag), []).append(float(s))
def step(name, tag):   # ms per image, the median over rounds of (step - floor)
    return st.median(a - f for a, f in zip(t[(name, tag)], t[("floor", tag)])) * 1000 / n
def albm(name):
    v = t.get((name, "alb"), [])
    return float("nan") if not v or any(math.isnan(x) for x in v) else st.median(v) * 1000 / n
def inproc(tag, name):
    return st.median(t[(name, tag + "p")]) * 1000 / n
def ratio(a, b):
    return a / b if b > 0 else float("nan")
print("floor (reading and writing the stream, 'hflip p=0'): %.3f ms per image"
      % (st.median(t[("floor", "new")]) * 1000 / n)
      + (", before: %.3f" % (st.median(t[("floor", "old")]) * 1000 / n) if old else ""))
print("ms per image; 'in proc': the step alone in the process, 'proc-floor': whole process less the floor")
head = "%-13s %8s %10s" % ("step", "in proc", "proc-floor")
if old:
    head += " %8s %10s %7s" % ("before", "b:p-floor", "speedup")
if alb:
    head += " %8s %11s" % ("albu", "albu/imgaug")
    if old:
        head += " %11s" % ("b:albu/it")
print(head)
for name in names:
    a, af = inproc("new", name), step(name, "new")
    line = "%-13s %8.3f %10.3f" % (name, a, af)
    if old:
        b, bf = inproc("old", name), step(name, "old")
        line += " %8.3f %10.3f %7.1f" % (b, bf, ratio(b, a))
    if alb:
        c = albm(name)
        line += " %8.3f %11.2f" % (c, ratio(c, a))
        if old:
            line += " %11.2f" % ratio(c, b)
    print(line)
EOF
echo "load average at the end: $(cut -d' ' -f1-3 /proc/loadavg)"
