# imgaug's jpeg step is libjpeg-turbo's round trip with the fast integer DCT both ways: the same
# pixels as cjpeg -dct fast | djpeg -dct fast (libjpeg-turbo-progs), chroma 4:2:0 below quality 90
# and 4:4:4 from 90 up, gray kept gray (TurboJPEG encodes with the accurate DCT from quality 96
# up, where the fast one loses too much); and close to the accurate DCT's (PSNR against it).
. tests/lib.sh
IM=/usr/bin/convert
V=/usr/share/visp-images-data/ViSP-images
cd "$T"

$IM "$V/Klimt/Klimt.jpeg" -resize 64x48! k.ppm
$IM k.ppm -colorspace gray -depth 8 k.pgm
# the first copy's pixels, raw: imgaug STEP FILE
aug_rgb() { rm -rf pv; imgaug --preview pv "$1" "$2" && $IM pv/*@aug1.png -depth 8 "$3"; }
for q in 30 50 89 90 97; do
	s="" e=fast
	[ $q -ge 90 ] && s="-sample 1x1"
	[ $q -ge 96 ] && e=int
	aug_rgb "jpeg $q" k.ppm rgb:a.rgb
	# shellcheck disable=SC2086
	cjpeg -quality $q $s -dct $e k.ppm | djpeg -dct fast -pnm | $IM - -depth 8 rgb:c.rgb
	same "jpeg $q: the pixels of cjpeg -dct $e | djpeg -dct fast" a.rgb c.rgb
done
aug_rgb "jpeg 60" k.pgm gray:a.gray
cjpeg -quality 60 -dct fast k.pgm | djpeg -dct fast -pnm | $IM - -depth 8 gray:c.gray
same "jpeg 60 on gray: the pixels of cjpeg -dct fast | djpeg -dct fast, gray" a.gray c.gray
# against the accurate DCT: within 1 dB of its PSNR
cjpeg -quality 50 -dct int k.ppm | djpeg -dct int -pnm > i.ppm
aug_rgb "jpeg 50" k.ppm png:a.png
fast=$(/usr/bin/compare -metric PSNR k.ppm a.png null: 2>&1 | cut -d' ' -f1)
slow=$(/usr/bin/compare -metric PSNR k.ppm i.ppm null: 2>&1 | cut -d' ' -f1)
eq "jpeg 50: PSNR within 1 dB of the accurate DCT's ($fast against $slow)" \
	"$(echo "$fast > $slow - 1" | bc -l)" 1
done_tests
