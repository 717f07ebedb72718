# The image formats of people's folders (WebP, GIF, TIFF, BMP, Netpbm), made by ImageMagick
# from a real photo: imgcat imports them with ImageMagick's own pixels, and refuses
# truncated and corrupt files in one line naming them.
. tests/lib.sh
IM=/usr/bin/convert
V=/usr/share/visp-images-data/ViSP-images
cd "$T"

$IM "$V/Klimt/Klimt.jpeg" -resize 50% k.png
$IM k.png -alpha set -channel A -fx 'i/w' +channel ka.png
mkdir f
$IM k.png -define webp:lossless=true f/lossless.webp
$IM k.png -quality 80 f/lossy.webp
$IM ka.png -define webp:lossless=true f/alpha.webp
$IM k.png \( +clone -negate \) \( +clone -flip \) -loop 0 f/anim.webp
$IM k.png \( +clone -negate \) \( +clone -flip \) -delay 10 f/anim.gif
$IM k.png f/still.gif
$IM k.png -depth 8 -compress none f/strip8.tif
$IM k.png -depth 16 -compress lzw f/strip16.tif
$IM k.png -depth 8 -define tiff:tile-geometry=64x64 f/tile8.tif
$IM k.png -depth 16 -define tiff:tile-geometry=64x64 -compress zip f/tile16.tif
$IM k.png \( +clone -negate \) f/multi.tif
$IM k.png -compress jpeg f/jpeg.tif
$IM k.png f/v5.bmp
$IM k.png bmp3:f/v3.bmp
$IM k.png -type palette f/rle8.bmp
$IM k.png -type bilevel f/bw.bmp
$IM ka.png f/alpha.bmp
$IM k.png -compress none f/plain.ppm
$IM k.png f/raw.ppm
$IM k.png -colorspace gray -compress none f/plain.pgm
$IM k.png -colorspace gray f/raw.pgm
$IM k.png -depth 16 f/raw16.ppm
$IM k.png -type bilevel -compress none f/plain.pbm
$IM k.png -type bilevel f/raw.pbm
$IM k.png f/rgb.pam
$IM ka.png f/rgba.pam
nf=$(ls f | wc -l)

check "a folder of WebP, GIF, TIFF, BMP and Netpbm files imports, decoded" sh -c 'imgcat --decode f > f.tsr'
eq "... one record each" "$(imgcat -c f.tsr)" "$nf"
check "... exported as PNG" imgcat --export out f.tsr
bad=
for p in f/*; do
	b=${p#f/}
	c=$(imgcat -l f.tsr | grep "^$p	" | grep -o 'channels=[0-9]' | cut -d= -f2)
	case $c in 1) m=gray ;; 3) m=rgb ;; *) m=rgba ;; esac
	e=$(awk -F'\t' -v id="$p" '$2 == id { print $1 }' out/index.tsv)
	[ "$($IM "$p[0]" -depth 8 $m:- | md5sum)" = "$($IM "out/$e" -depth 8 $m:- | md5sum)" ] || bad="$bad $b"
done
eq "... every one with ImageMagick's pixels (its first frame or page)" "$bad" ""
eq "channels: gray, RGB, alpha as the files have them" \
	"$(imgcat -l f.tsr | grep -E '^f/(raw.pgm|raw.pbm|v5.bmp|alpha.bmp|alpha.webp|rgba.pam)	' | grep -o 'channels=[0-9]' | tr '\n' ' ')" \
	"channels=4 channels=4 channels=1 channels=1 channels=4 channels=3 "
eq "animations and multi-page TIFF: frames=N, the others none" \
	"$(imgcat -l f.tsr | grep frames= | sed 's/	.*\(frames=[0-9]*\).*/ \1/' | tr '\n' ' ')" \
	"f/anim.gif frames=3 f/anim.webp frames=3 f/multi.tif frames=2 "

# TIFF Orientation is applied (ImageMagick's -auto-orient is the reference)
$IM k.png -orient right-top o6.tif
$IM k.png -orient bottom-right o3.tif
for p in o6.tif o3.tif; do
	check "TIFF $p imports" sh -c "imgcat --decode $p | imgcat --export or --force"
	eq "... turned upright" "$($IM or/${p%.tif}.png -depth 8 rgb:- | md5sum)" "$($IM $p -auto-orient -depth 8 rgb:- | md5sum)"
done

# The pixel budget refuses each format before decoding it
bad=
for p in f/lossy.webp f/anim.gif f/tile8.tif f/v5.bmp f/raw.ppm f/plain.pgm f/rgb.pam; do
	IMG_MAX_PIXELS=1000 imgcat --decode $p > /dev/null 2> err.txt
	grep -q "^imgcat: $p: .*exceeds the pixel budget of 1000" err.txt || bad="$bad $p"
done
eq "IMG_MAX_PIXELS=1000: every format refused, the budget named" "$bad" ""

# Exported undecoded, each keeps its bytes under its format's extension.
check "export of the undecoded files" sh -c 'imgcat f | imgcat --export raw'
eq "... names: the id less its extension, then the format's" "$(cd raw && ls | grep -v index.tsv | tr '\n' ' ')" \
	"$(cd f && ls | sed 's/\.tif$/.tif/; s/^\(.*\)\.\([a-z0-9]*\)$/f_\1.\2/' | sort | tr '\n' ' ')"
same "... the bytes untouched" raw/f_anim.webp f/anim.webp

# --encode webp: lossy WebP that ImageMagick reads as we do, close to the original
check "imgcat --encode webp" sh -c 'imgcat --decode k.png | imgcat --encode webp --quality 90 > w.tsr'
eq "... the record says webp" "$(imgcat -l w.tsr | grep -o 'format=webp')" "format=webp"
check "... exported as its bytes" imgcat --export wout w.tsr
check "... decoded again" sh -c 'imgcat --decode w.tsr | imgcat --export wdec'
eq "... ImageMagick decodes those bytes to the same pixels" \
	"$($IM wout/k.webp -depth 8 rgb:- | md5sum)" "$($IM wdec/k.png -depth 8 rgb:- | md5sum)"
eq "... at quality 90, above 28 dB PSNR of the original" \
	"$(/usr/bin/compare -metric PSNR k.png wout/k.webp null: 2>&1 | awk '{ print ($1 > 28) }')" 1
check "imgresize --encode webp" sh -c 'imgresize --stretch 50x40 --encode webp k.png > r.tsr'
eq "... a WebP" "$(imgcat -l r.tsr | grep -o '	format=[a-z]*')" "	format=webp"
eq "... of 50x40 pixels" "$(imgcat --decode r.tsr | imgcat -l | grep -o 'image:u8\[[0-9,]*\]')" "image:u8[40,50,3]"
expect_status "--encode gif is a usage error" 2 imgcat --encode gif k.png

# 16-bit gray: ImageMagick 6 misreads plain (ASCII) 16-bit Netpbm and truncates 16-bit gray
# to 8 bits; the reference is round(v / 257) of the samples of the raw PGM of the same image.
$IM k.png -colorspace gray -depth 16 raw16.pgm
$IM k.png -colorspace gray -depth 16 -compress none plain16.pgm
$IM k.png -colorspace gray -depth 16 gray16.tif
$IM k.png -colorspace gray -depth 16 -define tiff:tile-geometry=32x32 tile16g.tif
want=$(/usr/bin/python3 -c "
import sys
s = open('raw16.pgm', 'rb').read().split(b'\\n', 3)[3]
sys.stdout.buffer.write(bytes(((s[2 * i] << 8 | s[2 * i + 1]) + 128) // 257 for i in range(len(s) // 2)))" | md5sum)
for p in raw16.pgm plain16.pgm gray16.tif tile16g.tif; do
	check "16-bit gray $p imports" sh -c "imgcat --decode $p | imgcat --export o16 --force"
	eq "... 16-bit samples rounded to 8 bits" "$($IM o16/${p%.*}.png -depth 8 gray:- | md5sum)" "$want"
done

# Real data sets: the 961 ViSP PGMs
np=$(find "$V" -name '*.pgm' -o -name '*.ppm' | wc -l)
check "the ViSP images (with $np PGMs and PPMs) import and decode" sh -c "imgcat --decode $V > visp.tsr"
eq "... every PGM and PPM a record" "$(imgcat -l visp.tsr | grep -c 'format=pnm')" "$np"

# Truncated and corrupt files: one line naming the file, the next file still read
for p in f/lossy.webp f/anim.gif f/strip8.tif f/tile16.tif f/v5.bmp f/rle8.bmp f/raw.ppm f/plain.pgm f/rgb.pam; do
	b=${p#f/}
	s=$(wc -c < "$p")
	head -c $((s / 2)) "$p" > "half.$b"
	expect_status "truncated $b refused" 1 sh -c "imgcat --decode half.$b f/raw.pgm > t.tsr"
	expect_err "... in one line naming it" "^imgcat: half.$b: .*(truncated|corrupt)"
	eq "... the next file still read" "$(imgcat -c t.tsr)" 1
done
# corrupt: the header's size fields (or the data right after the magic) overwritten
corrupt() { # FILE OFFSET BYTES
	{ head -c "$2" "$1"; printf "$3"; tail -c +$(($2 + $(printf "$3" | wc -c) + 1)) "$1"; } > "bad.${1#f/}"
}
corrupt f/lossy.webp 20 '\377\377\377\377\377\377\377\377'
corrupt f/anim.gif 10 '\000'
corrupt f/strip8.tif 4 '\377\377\377\177'
corrupt f/v5.bmp 28 '\007\000'
corrupt f/raw.ppm 3 'x'
corrupt f/rgb.pam 3 'WIDTH -1'
for b in lossy.webp anim.gif strip8.tif v5.bmp raw.ppm rgb.pam; do
	expect_status "corrupt $b refused" 1 imgcat --decode "bad.$b" -o c.tsr
	expect_err "... in one line naming it" "^imgcat: bad.$b: .*(corrupt|truncated|unsupported)"
done
done_tests
