# imgresize quality: shortest side 256 + centre crop 224 of real photos, against
# a float64 box-filter reference computed here with NumPy (each output pixel the
# exact mean of the original over its footprint), compared with ImageMagick's
# `convert -resize 256x256^ -gravity center -crop 224x224+0+0` of the same
# photos against the same reference: imgresize's PSNR must be at least as high.
. tests/lib.sh
IM=/usr/bin/convert
PY=/usr/bin/python3
V=/usr/share/visp-images-data/ViSP-images
cd "$T"
if ! $PY -c 'import numpy' 2>/dev/null; then skip "PSNR check needs python3-numpy"; done_tests; fi

# JPEGs (gray and colour, shrunk on load when large enough), a PNG, and a 4:2:0
# colour JPEG of 2391x2400 made from the Klimt photo (shrink-on-load at 2/8)
set -- "$V/Klimt/Klimt.jpeg" "$V"/Solvay/Solvay_conference_1927_Version2_*.jpg "$V/mire/mire.jpg" \
	"$V/faces/1280px-Solvay_conference_1927.png"
$IM "$V/Klimt/Klimt.jpeg" -resize 2400x2400 -sampling-factor 2x2 -quality 85 klimt-big.jpg
set -- "$@" "$T/klimt-big.jpg"
imgresize --short 256 --crop 224x224 "$@" > ours.tsr || fail "imgresize failed"
i=0
for f in "$@"; do
	i=$((i + 1))
	$IM "$f" -depth 8 "ppm:orig$i.ppm"
	$IM "$f" -resize '256x256^' -gravity center -crop 224x224+0+0 +repage -depth 8 "ppm:im$i.ppm"
	echo "$f" >> names
done
$PY - "$ROOT/tests/tsread.py" "$i" <<'EOF' > psnr.txt || fail "PSNR computation failed"
import os, sys
sys.path.insert(0, os.path.dirname(sys.argv[1]))
from resize_ref import psnr, read_ppm, reference, stream_images

images = stream_images(sys.argv[1], "ours.tsr")
names = open("names").read().split("\n")
for i in range(1, int(sys.argv[2]) + 1):
    ours = images[i - 1]
    ref = reference(read_ppm("orig%d.ppm" % i))
    im = read_ppm("im%d.ppm" % i)
    print("%s %.2f %.2f" % (names[i - 1].rsplit("/", 1)[-1], psnr(ours, ref), psnr(im, ref)))
EOF
while read -r name ours im; do
	if [ "$(echo "$ours >= $im" | bc -l)" = 1 ]; then
		pass "$name: imgresize $ours dB >= ImageMagick $im dB against the box reference"
	else
		fail "$name: imgresize $ours dB < ImageMagick $im dB against the box reference"
	fi
done < psnr.txt
eq "every photo compared" "$(wc -l < psnr.txt)" "$i"

# Shrink-on-load keeps enough reduction for the area filter (a JPEG is decoded at no
# less than 4 times the output size): against an exact box resize of the whole photo,
# every JPEG of mate-backgrounds stays at or above 50 dB (imgresize(1) states the
# bound; a factor of 2, as vips leaves, gave 39.0 dB on Dune.jpg at --stretch 168x105).
B=/usr/share/backgrounds/mate
if [ -d "$B" ]; then
	find "$B" -name '*.jpg' | sort > photos
	n=0
	while read -r f; do
		n=$((n + 1))
		$IM "$f" -depth 8 "ppm:photo$n.ppm"
		imgresize --short 224 "$f" > "short$n.tsr" && imgresize --stretch 168x105 "$f" > "stretch$n.tsr" ||
			fail "imgresize $f failed"
	done < photos
	$PY - "$ROOT/tests/tsread.py" "$n" <<'EOF' > photos.txt || fail "PSNR computation failed"
import os, sys
sys.path.insert(0, os.path.dirname(sys.argv[1]))
from resize_ref import box_axis, psnr, read_ppm, stream_images

for i in range(1, int(sys.argv[2]) + 1):
    img = read_ppm("photo%d.ppm" % i)
    h, w = img.shape[:2]
    rw, rh = ((224, (h * 448 + w) // (2 * w)) if w <= h else ((w * 448 + h) // (2 * h), 224))
    for name, (ow, oh) in (("short", (rw, rh)), ("stretch", (168, 105))):
        ours = stream_images(sys.argv[1], "%s%d.tsr" % (name, i))[0]
        print("%d %s %.2f" % (i, name, psnr(ours, box_axis(box_axis(img, 0, oh), 1, ow))))
EOF
	while read -r i how db; do
		f=$(sed -n "${i}p" photos)
		if [ "$(echo "$db >= 50" | bc -l)" = 1 ]; then pass "${f##*/} ($how): $db dB >= 50 dB"
		else fail "${f##*/} ($how): $db dB < 50 dB against the box reference"; fi
	done < photos.txt
	eq "every photo of mate-backgrounds measured" "$(wc -l < photos.txt)" $((2 * n))
else
	skip "the 50 dB bound is measured on mate-backgrounds, not installed"
fi
done_tests
