#!/bin/sh
# imgtile's speed on the seeds' work (issue 6):
#  grid:   1920x1080 PNG video frames cut into 63x63 tiles (the pixel-error seed), frames/s,
#          against ImageMagick decoding the same frames and cropping them into 63x63 tiles as raw
#          RGB (`convert FRAMES -crop 63x63 +repage rgb:-`, one process), and against
#          `imgcat --decode` (decoding and writing alone: the floor imgtile adds to);
#  tiling: the same from an already decoded stream, against copying that stream with imgcat
#          (the cost of cutting, apart from decoding);
#  patch:  40 random 128x128 patches with masks, at most half empty, from 1920x1080 stills
#          with scratch masks (the scratch-detection seed), stills/s, against imgcat --decode
#          of the same stills.
set -e
B=$1
export PATH="$B/bin:$PATH"
W=$(mktemp -d)
trap 'rm -rf "$W"' EXIT
IM=/usr/bin/convert
V=/usr/share/visp-images-data/ViSP-images
N=${BENCH_FRAMES:-16}

mkdir -p "$W/frames" "$W/stills"
i=0
while [ $i -lt "$N" ]; do
	for p in "$V/Klimt/Klimt.jpeg" "$V/Solvay/Solvay_conference_1927_Version2_2126x1463.jpg"; do
		[ $i -lt "$N" ] || break
		$IM "$p" -rotate $((i * 7)) +repage -resize 1920x1080! -type TrueColor "PNG24:$W/frames/f$i.png"
		i=$((i + 1))
	done
done
for k in 0 1 2 3; do
	cp "$W/frames/f$k.png" "$W/stills/s$k.png"
	$IM -size 1920x1080 xc:black +antialias -stroke white -strokewidth 2 \
		-draw "line $((300 + 200 * k)),0 $((320 + 200 * k)),1079" -draw "line 1500,$((100 * k)) 1490,1079" \
		-alpha off -depth 8 "$W/stills/s$k.mask.png"
done
imgcat --decode "$W/frames" > "$W/frames.tsr"
echo "input: $N frames 1920x1080 RGB PNG; 4 stills 1920x1080 with scratch masks"

. "$(dirname "$0")/lib.sh"
rate() { echo "$1 / $2" | bc -l; }

own=$(best "imgtile --grid 63x63 '$W/frames' > /dev/null")
ref=$(best "$IM '$W'/frames/*.png -crop 63x63 +repage -depth 8 rgb:- > /dev/null")
dec=$(best "imgcat --decode '$W/frames' > /dev/null")
printf 'grid 63x63: imgtile %.1f frames/s, ImageMagick crop %.1f frames/s, ratio %.2f; imgcat --decode %.1f frames/s (imgtile at %.2f of it)\n' \
	"$(rate "$N" "$own")" "$(rate "$N" "$ref")" "$(rate "$ref" "$own")" "$(rate "$N" "$dec")" "$(rate "$dec" "$own")"
own=$(best "imgtile --grid 63x63 '$W/frames.tsr' > /dev/null")
ref=$(best "imgcat '$W/frames.tsr' > /dev/null")
printf 'grid 63x63 from a decoded stream: imgtile %.1f frames/s, imgcat copy %.1f frames/s, ratio %.2f\n' \
	"$(rate "$N" "$own")" "$(rate "$N" "$ref")" "$(rate "$ref" "$own")"
own=$(best "imgtile --random 40 --size 128x128 --seed 1 --max-empty 0.5 '$W/stills' > /dev/null")
dec=$(best "imgcat --decode '$W/stills' > /dev/null")
printf 'patches 40x128x128 with masks: imgtile %.1f stills/s, imgcat --decode %.1f stills/s, ratio %.2f\n' \
	"$(rate 4 "$own")" "$(rate 4 "$dec")" "$(rate "$dec" "$own")"
