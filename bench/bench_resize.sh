#!/bin/sh
# imgresize's speed and quality (issue 6): shortest side 256 + centre crop 224 of a
# corpus of real photos (visp-images-data's JPEGs and PNGs, mixed sizes) plus JPEGs
# of 12 to 16 megapixels made from them (convert -resize '4000x3000^' -quality 92),
# in images/s, against in the same run:
#  - vipsthumbnail -s 256x256 -m centre (libvips; one process for all files, its
#    256x256 centre crop holding the same 224x224 centre), target: imgresize >= 1.5x;
#  - ImageMagick convert -resize 256x256^ -gravity center -crop 224x224+0+0, one
#    process per file;
# single-threaded (--threads 1, VIPS_CONCURRENCY=1, MAGICK_THREAD_LIMIT=1) and with
# 2 threads (--threads 2, VIPS_CONCURRENCY=2, two convert processes at a time);
# then the large JPEGs alone against vipsthumbnail.  Other load on the machine
# skews the 2-thread figures most: run it on an idle one.
# Then the PSNR of each tool's 224x224 output against a float64 box-filter resize of
# the fully decoded photo (NumPy), as in tests/cli/imgresize_psnr.sh.
set -e
B=$(cd "$1" && pwd)
export PATH="$B/bin:$PATH"
IM=/usr/bin/convert
PY=/usr/bin/python3
V=/usr/share/visp-images-data/ViSP-images
ROOT=$(cd "$(dirname "$0")/.." && pwd)
RUNS=${BENCH_RUNS:-3}
COPIES=${BENCH_COPIES:-2}
W=$(mktemp -d)
trap 'rm -rf "$W"' EXIT
mkdir "$W/photos" "$W/vips" "$W/im"

# names unique without their extension (vipsthumbnail's %s drops it)
for f in "$V/Klimt/Klimt.jpeg" "$V/Klimt/Klimt.png" "$V"/Solvay/*.jpg "$V"/Solvay/*.png "$V/mire/mire.jpg" \
	"$V/faces/1280px-Solvay_conference_1927.png"; do
	b=$(basename "$f")
	cp "$f" "$W/photos/${b%.*}-${b##*.}.${b##*.}"
done
for f in "$V/Klimt/Klimt.jpeg" "$V/Solvay/Solvay_conference_1927_Version2_2126x1463.jpg" "$V/mire/mire.jpg" \
	"$V/faces/1280px-Solvay_conference_1927.png"; do
	b=$(basename "$f")
	$IM "$f" -resize '4000x3000^' -quality 92 "$W/photos/big-${b%.*}.jpg"
done
files=$(echo "$W"/photos/*)
list=""
k=0
while [ $k -lt "$COPIES" ]; do list="$list $files"; k=$((k + 1)); done
n=$(echo $list | wc -w)
echo "corpus: $(echo $files | wc -w) photos ($(ls "$W"/photos/*.jp*g | wc -l) JPEG, $(ls "$W"/photos/*.png | wc -l) PNG," \
	"$(/usr/bin/identify -format '%w %h\n' $files | awk '$1 * $2 >= 10000000' | wc -l) of them" \
	">= 10 megapixels), each $COPIES times: $n images per run"

# one convert per file; $1: how many at a time
cat > "$W/im.sh" <<EOF
#!/bin/sh
for f in $list; do echo "\$f"; done | xargs -P "\$1" -I{} sh -c '$IM "\$1" -resize "256x256^" -gravity center -crop 224x224+0+0 +repage "$W/im/\$(basename "\$1").ppm"' sh {}
EOF
# shellcheck disable=SC2086
hyperfine -N -w 1 -r "$RUNS" --export-json "$W/t.json" \
	"imgresize --threads 1 --short 256 --crop 224x224 $list" \
	"env VIPS_CONCURRENCY=1 vipsthumbnail -s 256x256 -m centre -o $W/vips/%s.ppm $list" \
	"env MAGICK_THREAD_LIMIT=1 sh $W/im.sh 1" \
	"imgresize --threads 2 --short 256 --crop 224x224 $list" \
	"env VIPS_CONCURRENCY=2 vipsthumbnail -s 256x256 -m centre -o $W/vips/%s.ppm $list" \
	"env MAGICK_THREAD_LIMIT=1 sh $W/im.sh 2" > /dev/null
$PY - "$W/t.json" "$n" <<'EOF'
import json, sys
r = [x["mean"] for x in json.load(open(sys.argv[1]))["results"]]
n = int(sys.argv[2])
for label, (own, vips, im) in (("1 thread ", r[0:3]), ("2 threads", r[3:6])):
    print("%s: imgresize %.1f images/s, vipsthumbnail %.1f images/s, ratio %.2f (target >= 1.5);"
          " convert %.1f images/s, ratio %.2f" % (label, n / own, n / vips, vips / own, n / im, im / own))
EOF

# the >= 10 megapixel JPEGs alone, where shrink-on-load does the work for both
big=""
k=0
while [ $k -lt "$COPIES" ]; do big="$big $(echo "$W"/photos/big-*)"; k=$((k + 1)); done
nbig=$(echo $big | wc -w)
# shellcheck disable=SC2086
hyperfine -N -w 1 -r "$RUNS" --export-json "$W/b.json" \
	"imgresize --threads 1 --short 256 --crop 224x224 $big" \
	"env VIPS_CONCURRENCY=1 vipsthumbnail -s 256x256 -m centre -o $W/vips/%s.ppm $big" \
	"imgresize --threads 2 --short 256 --crop 224x224 $big" \
	"env VIPS_CONCURRENCY=2 vipsthumbnail -s 256x256 -m centre -o $W/vips/%s.ppm $big" > /dev/null
$PY - "$W/b.json" "$nbig" <<'EOF'
import json, sys
r = [x["mean"] for x in json.load(open(sys.argv[1]))["results"]]
n = int(sys.argv[2])
for label, (own, vips) in (("1 thread ", r[0:2]), ("2 threads", r[2:4])):
    print("%s, the >= 10 MP JPEGs alone: imgresize %.1f images/s, vipsthumbnail %.1f images/s, ratio %.2f"
          % (label, n / own, n / vips, vips / own))
EOF

# quality: each tool once more on the photos alone, then PSNR against the box reference
imgresize --short 256 --crop 224x224 $files > "$W/ours.tsr"
rm -f "$W"/vips/* "$W"/im/*
VIPS_CONCURRENCY=1 vipsthumbnail -s 256x256 -m centre -o "$W/vips/%s.ppm" $files
for f in $files; do
	b=$(basename "$f")
	$IM "$f" -resize '256x256^' -gravity center -crop 224x224+0+0 +repage -depth 8 "ppm:$W/im/$b.ppm"
	$IM "$f" -depth 8 "ppm:$W/orig-$b.ppm"
done
$PY - "$ROOT/tests/tsread.py" "$W" $files <<'EOF'
import os, sys
import numpy as np
sys.path.insert(0, os.path.dirname(sys.argv[1]))
from resize_ref import psnr, read_ppm, reference, stream_images

tsread, w, files = sys.argv[1], sys.argv[2], sys.argv[3:]
images = stream_images(tsread, os.path.join(w, "ours.tsr"))
scores = {"imgresize": [], "vipsthumbnail": [], "convert": []}
for f, ours in zip(files, images):
    b = os.path.basename(f)
    ref = reference(read_ppm(os.path.join(w, "orig-" + b + ".ppm")))
    v = read_ppm(os.path.join(w, "vips", os.path.splitext(b)[0] + ".ppm"))
    oy, ox = (v.shape[0] - 224) // 2, (v.shape[1] - 224) // 2
    scores["imgresize"].append(psnr(ours, ref))
    scores["vipsthumbnail"].append(psnr(v[oy:oy + 224, ox:ox + 224], ref))
    scores["convert"].append(psnr(read_ppm(os.path.join(w, "im", b + ".ppm")), ref))
print("PSNR against the float64 box reference, mean (min) over %d photos: %s" % (len(files), ", ".join(
    "%s %.2f dB (%.2f)" % (k, np.mean(v), np.min(v)) for k, v in scores.items())))
worse = [os.path.basename(f) for f, a, b in zip(files, scores["imgresize"], scores["vipsthumbnail"]) if a < b]
print("photos where imgresize's PSNR is below vipsthumbnail's: %s" % (", ".join(worse) or "none"))
EOF
