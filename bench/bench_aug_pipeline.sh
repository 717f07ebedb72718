#!/bin/sh
# Whole pipelines of imgaug against Albumentations (issue 20): the light pipeline of
# bench_imgaug.sh (hflip, brightness, rotate, crop) and a realistic 9-step one (hflip, affine,
# resized-crop, brightness, contrast, noise, blur, jpeg, cutout), on N 224x224x3 windows of two
# real photos, in R interleaved rounds, medians.  For each pipeline:
#   - imgaug, the whole process: the stream in, the stream out into a file, --threads 1 and 2
#     (the stream at BENCH_LEVEL, default: the writers' default level);
#   - Albumentations, the whole process: Python's start-up and imports, reading the same images
#     from a .npy, the transform, writing the results to a .npy; 1 worker, and 2 workers of a
#     multiprocessing pool, each with half the images and cv2.setNumThreads(1);
#   - Albumentations, the transform alone (timed inside the workers; with 2, the slower one).
# Figures: images/s of wall time, and CPU time (user + system, all threads and child
# processes) in ms per image, which other load on the machine skews least.
# Albumentations 2.0.8 and opencv-python-headless come from PyPI into the venv that
# bench_aug_steps.sh makes, BUILD/bench-venv; where PyPI cannot be reached the bench says so in
# one line and times imgaug alone.
#
# Usage: bench_aug_pipeline.sh BUILD [OLD_BUILD]
#   OLD_BUILD: another build (e.g. of the commit before a change) whose imgaug is timed in the
#   same rounds, for before/after figures.
# Environment: BENCH_IMAGES (1000), BENCH_ROUNDS (5), BENCH_LEVEL (the zstd level of the streams).
set -e
. "$(dirname "$0")/lib.sh"
B=$(cd "$1" && pwd)
O=${2:+$(cd "$2" && pwd)}
W=$(mktemp -d)
trap 'rm -rf "$W"' EXIT
PY=/usr/bin/python3
N=${BENCH_IMAGES:-1000}
R=${BENCH_ROUNDS:-5}
LEVEL=${BENCH_LEVEL:+--level $BENCH_LEVEL}
export PATH="$B/bin:$PATH"

# name | imgaug steps (shell words) | Albumentations transforms (A: albumentations, cv2)
cat > "$W/pipes" <<'EOF'
light|'hflip p=0.5' 'brightness -0.2..0.2' 'rotate -15..15' 'crop 200x200'|A.HorizontalFlip(p=0.5), A.RandomBrightnessContrast(brightness_limit=0.2, contrast_limit=0, p=1), A.Rotate(limit=15, interpolation=cv2.INTER_LINEAR, border_mode=cv2.BORDER_CONSTANT, p=1), A.RandomCrop(200, 200)
realistic|'hflip p=0.5' 'affine angle=-15..15 shift=-0.1..0.1 scale=0.9..1.1' 'resized-crop 224x224' 'brightness -0.2..0.2' 'contrast -0.2..0.2' 'noise 2..10' 'blur 0.1..2' 'jpeg 30..90' 'cutout'|A.HorizontalFlip(p=0.5), A.Affine(rotate=(-15, 15), translate_percent=(-0.1, 0.1), scale=(0.9, 1.1), p=1), A.RandomResizedCrop(size=(224, 224), p=1), A.RandomBrightnessContrast(brightness_limit=0.2, contrast_limit=0, p=1), A.RandomBrightnessContrast(brightness_limit=0, contrast_limit=0.2, p=1), A.GaussNoise(std_range=(2 / 255, 10 / 255), p=1), A.GaussianBlur(sigma_limit=(0.1, 2), blur_limit=0, p=1), A.ImageCompression(quality_range=(30, 90), p=1), A.Erasing(p=1)
EOF

# N different 224x224 windows of two photos, decoded by ImageMagick (as bench_aug_steps.sh)
photo_windows "$N" "$W/in.npy"
# shellcheck disable=SC2086
imgcat $LEVEL "$W/in.npy" > "$W/in.tsr"

# Albumentations in the venv bench_aug_steps.sh makes (made here when missing)
VENV=$B/bench-venv
albumentations_venv "$VENV" "$W/venv.log" albumentations==2.0.8
cat > "$W/alb.py" <<'EOF'
# The whole process: python3 alb.py IN.npy OUT_PREFIX WORKERS PIPELINE_EXPR
# prints the transform-only seconds (with 2 workers, the slower worker's).
import sys
import time
import multiprocessing as mp
import warnings
import numpy as np
import cv2
import albumentations as A


def part(args):
    src, out, k, nparts, expr = args
    cv2.setNumThreads(1)
    warnings.filterwarnings("ignore")
    tf = A.Compose(eval("[" + expr + "]"), seed=k)
    a = np.load(src, mmap_mode="r")
    n = a.shape[0]
    lo, hi = n * k // nparts, n * (k + 1) // nparts
    imgs = [np.array(x) for x in a[lo:hi]]
    s = time.perf_counter()
    res = [tf(image=x)["image"] for x in imgs]
    d = time.perf_counter() - s
    np.save("%s.%d.npy" % (out, k), np.stack(res))
    return d


if __name__ == "__main__":
    src, out, workers, expr = sys.argv[1], sys.argv[2], int(sys.argv[3]), sys.argv[4]
    jobs = [(src, out, k, workers, expr) for k in range(workers)]
    if workers == 1:
        d = [part(jobs[0])]
    else:
        with mp.get_context("fork").Pool(workers) as pool:
            d = pool.map(part, jobs, chunksize=1)
    print("%.6f" % max(d))
EOF

now() { date +%s.%N; }
# run TAG COMMAND: appends "TAG wall cpu" (seconds) to times; the command's stdout goes to $W/o
run() {
	s=$(now)
	/usr/bin/time -f '%U %S' -o "$W/cpu" sh -c "$2" > "$W/o"
	e=$(now)
	echo "$1 $(echo "$e - $s" | bc -l) $(awk '{ print $1 + $2 }' "$W/cpu")" >> "$W/times"
}

echo "input: $N images 224x224x3 (windows of two photos); $R rounds, medians;" \
	"stream level: ${BENCH_LEVEL:-default}"
echo "CPU: $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ //'), $(nproc) cores;" \
	"load average at the start: $(cut -d' ' -f1-3 /proc/loadavg)"
r=1
while [ "$r" -le "$R" ]; do
	run "copy imgcat" "imgcat $LEVEL '$W/in.tsr' > '$W/out.tsr'"
	while IFS='|' read -r name steps alb; do
		for t in 1 2; do
			run "$name imgaug$t" "imgaug --threads $t --seed $r $LEVEL $steps '$W/in.tsr' > '$W/out.tsr'"
			if [ -n "$O" ]; then
				run "$name old$t" "'$O/bin/imgaug' --threads $t --seed $r $LEVEL $steps '$W/in.tsr' > '$W/out.tsr'"
			fi
			if [ -n "$ALB" ]; then
				run "$name albu$t" "'$ALB' '$W/alb.py' '$W/in.npy' '$W/out' $t \"$alb\""
				echo "$name albutf$t $(cat "$W/o") $(cat "$W/o")" >> "$W/times"
			fi
		done
	done < "$W/pipes"
	r=$((r + 1))
done

$PY - "$W/times" "$W/pipes" "$N" "${ALB:+1}" "${O:+1}" <<'EOF'
import statistics as st
import sys
t = {}
for l in open(sys.argv[1]):
    a = l.split()
    tag = " ".join(a[:-2])
    t.setdefault(tag, []).append((float(a[-2]), float(a[-1])))
names = [l.split("|")[0] for l in open(sys.argv[2])]
n, alb, old = int(sys.argv[3]), sys.argv[4] == "1", sys.argv[5] == "1"
def rate(tag):      # images/s of the median wall time
    return n / st.median(w for w, c in t[tag])
def cpu(tag):       # ms of CPU per image, median
    return st.median(c for w, c in t[tag]) * 1000 / n
print("imgcat copying the stream: %.0f images/s, %.3f ms CPU per image"
      % (rate("copy imgcat"), cpu("copy imgcat")))
print("images/s (wall, median); cpu: ms of CPU time per image (all threads and processes);"
      + (" before: OLD_BUILD's imgaug;" if old else "")
      + (" albu-tf: the transform alone" if alb else ""))
head = "%-10s %3s %9s %7s" % ("pipeline", "thr", "imgaug", "cpu")
if old:
    head += " %9s %7s" % ("before", "cpu")
if alb:
    head += " %9s %7s %10s %11s" % ("albu", "cpu", "albu-tf", "imgaug/albu")
print(head)
for name in names:
    for k in (1, 2):
        line = "%-10s %3d %9.0f %7.3f" % (name, k, rate("%s imgaug%d" % (name, k)), cpu("%s imgaug%d" % (name, k)))
        if old:
            line += " %9.0f %7.3f" % (rate("%s old%d" % (name, k)), cpu("%s old%d" % (name, k)))
        if alb:
            a = "%s albu%d" % (name, k)
            line += " %9.0f %7.3f %10.0f %11.2f" % (rate(a), cpu(a), rate("%s albutf%d" % (name, k)),
                                                   rate("%s imgaug%d" % (name, k)) / rate(a))
        print(line)
EOF
echo "load average at the end: $(cut -d' ' -f1-3 /proc/loadavg)"
