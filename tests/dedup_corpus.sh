#!/bin/sh
# Builds a labelled near-duplicate corpus from real photos (visp-images-data) with
# ImageMagick, for tests/cli/imgdedup.sh and bench/bench_dedup.sh.
# usage: dedup_corpus.sh DIR [small|full]
# Writes DIR/NAME files and DIR/truth.tsv: file, the original it copies (its
# group), the transform, and the scene (the photo's folder: other frames of one
# scene are hard negatives too).  Copies of an original share its group; hard
# negatives (mirror, 30% crop) get a group of their own.
set -e
D=$1
IM=/usr/bin/convert
V=/usr/share/visp-images-data/ViSP-images
FONT=/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf
mkdir -p "$D"
src="Klimt/Klimt.jpeg Solvay/Solvay_conference_1927_Version2_1280x881.jpg mbt/cube/image0150.pgm
AprilTag/benchmark/640x480/tag36_11_640x480.png mbt-depth/Castle-simu/Images/Image_0001.pgm cube/image.0000.pgm"
if [ "${2:-small}" = full ]; then
	src="$src AprilTag/benchmark/640x480/tag16_05_640x480.png AprilTag/benchmark/640x480/tag52_13_640x480.png
mbt-depth/Castle-simu/Images/Image_0030.pgm mbt/cube/image0000.pgm mire/mire.jpg
ellipse-1/image.0001.pgm calibration/grid36-01.pgm line/image.0001.pgm
mire-2/image.0001.pgm mire-2/image.0250.pgm cube/image.0060.pgm"
fi
printf 'file\tgroup\ttransform\tscene\n' > "$D/truth.tsv"
k=0
for s in $src; do
	k=$((k + 1))
	o=p$k
	scene=${s%/*}
	[ -f "$V/$s" ] || { echo "dedup_corpus.sh: $V/$s missing" >&2; exit 1; }
	# the original: a JPEG of at most 800 pixels a side
	$IM "$V/$s" -resize '800x800>' -quality 90 "$D/$o.jpg"
	t() { # NAME TRANSFORM CONVERT-ARGS...: a copy of the original
		n=$1 tr=$2; shift 2
		$IM "$D/$o.jpg" "$@" "$D/$n"
		printf '%s\t%s\t%s\t%s\n' "$n" "$o" "$tr" "$scene" >> "$D/truth.tsv"
	}
	printf '%s\t%s\toriginal\t%s\n' "$o.jpg" "$o" "$scene" >> "$D/truth.tsv"
	cp "$D/$o.jpg" "$D/$o-copy.jpg"
	printf '%s\t%s\tcopy\t%s\n' "$o-copy.jpg" "$o" "$scene" >> "$D/truth.tsv"
	t "$o-q50.jpg" jpeg50 -quality 50
	t "$o-q75.jpg" jpeg75 -quality 75
	t "$o-q95.jpg" jpeg95 -quality 95
	t "$o-r25.jpg" resize25 -resize 25% -quality 90
	t "$o-r50.png" resize50 -resize 50%
	t "$o-r200.jpg" resize200 -resize 200% -quality 85
	t "$o.png" png
	t "$o-gray.jpg" gray -colorspace Gray -quality 90
	t "$o-bright.jpg" brightness+10 -modulate 110 -quality 90
	t "$o-dark.jpg" brightness-10 -modulate 90 -quality 90
	t "$o-contrast.jpg" contrast+10 -brightness-contrast 0x10 -quality 90
	t "$o-lowcontrast.jpg" contrast-10 -brightness-contrast 0x-10 -quality 90
	t "$o-blur.jpg" blur -blur 0x1.2 -quality 90
	t "$o-mark.jpg" watermark -font "$FONT" -pointsize 18 -fill white -stroke black -gravity southeast \
		-annotate +8+8 'reddit.com/r/pics' -quality 90
	# stored rotated by 90 degrees with an EXIF orientation that turns it back
	$IM "$D/$o.jpg" -rotate 270 -quality 90 "$D/$o-exif.jpg"
	/usr/bin/python3 -c '
import sys
from PIL import Image
im = Image.open(sys.argv[1])
e = Image.Exif()
e[0x0112] = 6           # orientation: turn 90 degrees clockwise to show
im.save(sys.argv[1], quality=90, exif=e)' "$D/$o-exif.jpg"
	printf '%s\t%s\texif-rotated\t%s\n' "$o-exif.jpg" "$o" "$scene" >> "$D/truth.tsv"
	# hard negatives: groups of their own
	$IM "$D/$o.jpg" -flop -quality 90 "$D/$o-mirror.jpg"
	printf '%s\t%s-mirror\tmirror\t%s\n' "$o-mirror.jpg" "$o" "$scene" >> "$D/truth.tsv"
	$IM "$D/$o.jpg" -gravity northwest -crop 70%x70%+0+0 +repage -quality 90 "$D/$o-crop.jpg"
	printf '%s\t%s-crop\tcrop30\t%s\n' "$o-crop.jpg" "$o" "$scene" >> "$D/truth.tsv"
done
