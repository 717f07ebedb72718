# Sourced by bench/bench_*.sh.
REPS=${BENCH_REPS:-3}

best() { # best wall time of REPS runs of a shell command, in seconds
	t=""
	r=0
	while [ "$r" -lt "$REPS" ]; do
		s=$(date +%s.%N)
		sh -c "$1"
		e=$(date +%s.%N)
		d=$(echo "$e - $s" | bc -l)
		if [ -z "$t" ] || [ "$(echo "$d < $t" | bc -l)" = 1 ]; then t=$d; fi
		r=$((r + 1))
	done
	echo "$t"
}

random_set() { # random_set ARCH N OUT: N random images (seeded) of the input shape of ARCH as a
	# stream OUT, labelled at random with its classes (2 for one output unit); the m5 U-Net's
	# targets are imgaug's scratches, m8's a Laplacian baseline's scores.  x.npy and y.csv are
	# left beside OUT.
	_d=$(dirname "$3")
	_shape=$(sed -n 's/^input \([0-9x]*\).*/\1/p' "$1")
	_k=$(awk '/^dense/ { u = $2 } END { print (u == 1 ? 2 : u) }' "$1")
	/usr/bin/python3 - "$_d/x.npy" "$_d/y.csv" "$_shape" "$2" "${_k:-2}" <<'PY'
import sys
import numpy as np
c, h, w = map(int, sys.argv[3].split("x"))
n, k = int(sys.argv[4]), int(sys.argv[5])
r = np.random.default_rng(1)
np.save(sys.argv[1], r.integers(0, 256, (n, h, w, c), dtype=np.uint8))
with open(sys.argv[2], "w") as f:
    f.writelines("%d\n" % v for v in r.integers(0, k, n))
PY
	case $(basename "$1") in
	m5-*) imgcat "$_d/x.npy" | imgaug --seed 1 'scratch 2..6 p=1' -o "$3" ;;
	m8-*) imgcat --labels "$_d/y.csv" "$_d/x.npy" 2> /dev/null | cnnpredict --baseline laplacian --stream -o "$3" ;;
	*) imgcat --labels "$_d/y.csv" "$_d/x.npy" -o "$3" ;;
	esac
}

photo_windows() { # photo_windows N OUT.npy [raw]: N different 224x224 RGB windows of two ViSP
	# photos (decoded and resized to 640x440 by ImageMagick), seeded, as a .npy; with "raw" the
	# pixels also as OUT.npy.raw
	/usr/bin/python3 - /usr/share/visp-images-data/ViSP-images "$1" "$2" "${3:-}" <<'PY'
import subprocess
import sys
import numpy as np
v, n, out, raw = sys.argv[1], int(sys.argv[2]), sys.argv[3], sys.argv[4] == "raw"
def photo(path):    # decoded and resized to 640x440 RGB by ImageMagick
    raw = subprocess.run(["/usr/bin/convert", v + path, "-resize", "640x440!", "-depth", "8", "rgb:-"],
                         check=True, capture_output=True).stdout
    return np.frombuffer(raw, np.uint8).reshape(440, 640, 3)
ph = [photo(p) for p in ("/Klimt/Klimt.jpeg", "/Solvay/Solvay_conference_1927_Version2_640x440.jpg")]
r = np.random.default_rng(1)
a = np.empty((n, 224, 224, 3), np.uint8)
for i in range(n):
    p = ph[i % 2]
    y, x = r.integers(0, p.shape[0] - 224), r.integers(0, p.shape[1] - 224)
    a[i] = p[y:y + 224, x:x + 224]
np.save(out, a)
if raw:
    a.tofile(out + ".raw")
PY
}

albumentations_venv() { # albumentations_venv VENV LOG PACKAGE: sets ALB to the python of VENV
	# (made once with /usr/bin/python3, PACKAGE and opencv-python-headless from PyPI, pip's output
	# in LOG); where that fails (no network), says so in one line and leaves ALB empty
	ALB=""
	if [ -x "$1/bin/python" ] && "$1/bin/python" -m pip show -q albumentations opencv-python-headless > /dev/null 2>&1; then
		ALB=$1/bin/python
	elif /usr/bin/python3 -m venv "$1" > "$2" 2>&1 &&
		"$1/bin/python" -m pip install -q "$3" opencv-python-headless >> "$2" 2>&1; then
		ALB=$1/bin/python
	else
		echo "albumentations: cannot be installed from PyPI (no network?): imgaug alone"
		rm -rf "$1"
	fi
}
