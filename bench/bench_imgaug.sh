#!/bin/sh
# imgaug's speed (issue 9): 224x224x3 photos through hflip p=0.5, brightness -0.2..0.2,
# rotate -15..15 (bilinear) and a random 200x200 crop, images/s on 1 and 2 threads, against
# Debian's python3-torchvision v1 transforms on uint8 tensors doing the same pipeline
# (RandomHorizontalFlip, ColorJitter(brightness=0.2), RandomRotation(15, BILINEAR),
# RandomCrop(200)) in the same run, in 1 and 2 worker processes of one torch thread each (as a
# DataLoader with num_workers 1 and 2), on tensors already in memory.
# imgaug's figure includes reading and writing the stream (zstd level -5), torchvision's none.
set -e
B=$1
export PATH="$B/bin:$PATH"
W=$(mktemp -d)
trap 'rm -rf "$W"' EXIT
PY=/usr/bin/python3
V=/usr/share/visp-images-data/ViSP-images
N=${BENCH_IMAGES:-1000}

# N different 224x224 windows of two real photos
$PY - "$V" "$N" "$W/in.npy" <<'EOF'
import sys
import numpy as np
from PIL import Image
v, n, out = sys.argv[1], int(sys.argv[2]), sys.argv[3]
ph = [np.asarray(Image.open(v + p).convert("RGB").resize((640, 440))) for p in
      ("/Klimt/Klimt.jpeg", "/Solvay/Solvay_conference_1927_Version2_640x440.jpg")]
r = np.random.default_rng(1)
a = np.empty((n, 224, 224, 3), np.uint8)
for i in range(n):
    p = ph[i % 2]
    y, x = r.integers(0, p.shape[0] - 224), r.integers(0, p.shape[1] - 224)
    a[i] = p[y:y + 224, x:x + 224]
np.save(out, a)
EOF
imgcat --level -5 "$W/in.npy" > "$W/in.tsr"
echo "input: $N images 224x224x3 (windows of two photos)"

. "$(dirname "$0")/lib.sh"
rate() { echo "$1 / $2" | bc -l; }
STEPS="'hflip p=0.5' 'brightness -0.2..0.2' 'rotate -15..15' 'crop 200x200'"

t1=$(best "imgaug --threads 1 --level -5 $STEPS '$W/in.tsr' > /dev/null")
t2=$(best "imgaug --threads 2 --level -5 $STEPS '$W/in.tsr' > /dev/null")
tc=$(best "imgcat --level -5 '$W/in.tsr' > /dev/null")
if ! $PY -c 'import torchvision' 2>/dev/null; then
	printf 'imgaug 1 thread: %.0f images/s, 2 threads: %.0f images/s; python3-torchvision not installed: no reference\n' \
		"$(rate "$N" "$t1")" "$(rate "$N" "$t2")"
	exit 0
fi
ref=$($PY - "$W/in.npy" "$REPS" <<'EOF'
import sys
import time
import multiprocessing as mp
import numpy as np
import torch
import torchvision.transforms as T
from torchvision.transforms import InterpolationMode

tf = T.Compose([T.RandomHorizontalFlip(0.5), T.ColorJitter(brightness=0.2),
                T.RandomRotation(15, interpolation=InterpolationMode.BILINEAR), T.RandomCrop(200)])


def load(counter, barrier, nparts):
    # a Pool initializer: once in each worker process, which takes the next share of the images
    global imgs, start
    with counter.get_lock():
        part = counter.value
        counter.value += 1
    start = barrier
    torch.set_num_threads(1)
    torch.manual_seed(part)
    a = np.load(sys.argv[1], mmap_mode="r")
    imgs = [torch.from_numpy(np.array(x)).permute(2, 0, 1).contiguous() for x in a[part::nparts]]


def run(_):
    start.wait()    # all workers at once: each runs one of the tasks, on its own share
    s = time.perf_counter()
    for x in imgs:
        tf(x)
    return time.perf_counter() - s


out = []
for workers in (1, 2):
    # like a DataLoader with this many workers: one process each, one torch thread each,
    # the images shared out; the time is the slowest worker's
    best = None
    for _ in range(int(sys.argv[2])):
        init = (mp.Value("i", 0), mp.Barrier(workers), workers)
        with mp.Pool(workers, initializer=load, initargs=init) as pool:
            d = max(pool.map(run, range(workers), chunksize=1))
        best = d if best is None or d < best else best
    out.append("%.6f" % best)
print(" ".join(out))
EOF
)
r1=${ref% *}
r2=${ref#* }
printf 'imgaug 1 thread: %.0f images/s; torchvision 1 worker: %.0f images/s; ratio %.2f\n' \
	"$(rate "$N" "$t1")" "$(rate "$N" "$r1")" "$(rate "$r1" "$t1")"
printf 'imgaug 2 threads: %.0f images/s; torchvision 2 workers: %.0f images/s; ratio %.2f\n' \
	"$(rate "$N" "$t2")" "$(rate "$N" "$r2")" "$(rate "$r2" "$t2")"
printf 'imgcat copying the same stream: %.0f images/s (the floor of reading and writing)\n' "$(rate "$N" "$tc")"
# CPU time (user + system, all threads) per image: what other load on the machine skews least,
# and on a machine of C cores a bound of 1000 C / (ms per image) images/s
if [ -x /usr/bin/time ]; then
	cpu() {
		eval "/usr/bin/time -f '%U %S' -o '$W/cpu' $1 > /dev/null"
		awk -v n="$N" '{ printf "%.3f", ($1 + $2) * 1000 / n }' "$W/cpu"
	}
	printf 'CPU time per image: imgaug %s ms (1 thread), %s ms (2 threads); imgcat %s ms\n' \
		"$(cpu "imgaug --threads 1 --level -5 $STEPS '$W/in.tsr'")" \
		"$(cpu "imgaug --threads 2 --level -5 $STEPS '$W/in.tsr'")" "$(cpu "imgcat --level -5 '$W/in.tsr'")"
fi
