# imgresize end to end: every mode, metadata, channel conversions, decoder inputs,
# thread-count independence, bad options and bad images.
. tests/lib.sh
IM=/usr/bin/convert
PY=/usr/bin/python3
V=/usr/share/visp-images-data/ViSP-images
BIG="$V/Solvay/Solvay_conference_1927_Version2_2126x1463.jpg"      # colour, 2126x1463
cd "$T"

# Real photos, and what the decoder must handle: gray, alpha, 16-bit, EXIF, CMYK
mkdir -p photos/cars photos/tanks
cp "$V/Klimt/Klimt.jpeg" photos/cars/klimt.jpg
cp "$V/Solvay/Solvay_conference_1927_Version2_640x440.jpg" photos/tanks/solvay.jpg
echo "not an image" > photos/README
$IM "$V/Klimt/Klimt.jpeg" -resize 120x90! -background none -gravity center -extent 160x90 PNG32:rgba.png
$IM "$V/Klimt/Klimt.jpeg" -resize 100x80! -depth 16 PNG48:rgb16.png
$IM "$V/Klimt/Klimt.jpeg" -resize 60x40! -colorspace gray -background none -gravity center -extent 80x40 \
	-define png:color-type=4 graya.png
cp "$ROOT/fuzz/corpus/jpeg/exif6.jpg" exif6.jpg          # stored 32x24, shown 24x32
cp "$ROOT/fuzz/corpus/jpeg/cmyk.jpg" cmyk.jpg

# shape REC FILE: the image tensor of record REC (from 1), as imgcat -l shows it
shape() { imgcat -l "$2" | sed -n "$1p" | cut -f3; }
# meta REC KEY FILE
meta() { imgcat -l "$3" | sed -n "$1p" | tr '\t' '\n' | sed -n "s/^$2=//p"; }
# pixel REC Y X FILE: the samples of one pixel, comma-separated
pixel() {
	$PY - "$ROOT/tests/tsread.py" "$@" <<'EOF'
import json, subprocess, sys
tsread, rec, y, x, path = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), int(sys.argv[4]), sys.argv[5]
lines = subprocess.run([sys.executable, tsread, path], capture_output=True, check=True, text=True).stdout.splitlines()
t = [t for t in json.loads(lines[rec - 1])["tensors"] if t["name"] == "image"][0]
h, w, c = t["shape"]
print(",".join(str(v) for v in t["data"][(y * w + x) * c:(y * w + x + 1) * c]))
EOF
}
# pixels FILE: every record's image samples, one line per record (to compare runs)
pixels() {
	$PY - "$ROOT/tests/tsread.py" "$1" <<'EOF'
import json, subprocess, sys
for line in subprocess.run([sys.executable, sys.argv[1], sys.argv[2]], capture_output=True, check=True,
                           text=True).stdout.splitlines():
    r = json.loads(line)
    print(" ".join(str(t["shape"]) + ":" + ",".join(map(str, t["data"])) for t in r["tensors"] if t["name"] == "image"))
EOF
}

# The custom-classifier recipe: shortest side 256, then the centre 224x224
check "short 256 + crop 224" sh -c 'imgresize --short 256 --crop 224x224 photos/cars/klimt.jpg photos/tanks/solvay.jpg rgba.png > a.tsr'
eq "three 224x224 records, channels kept" "$(imgcat -l a.tsr | cut -f3 | tr '\n' ' ')" \
	"image:u8[224,224,3] image:u8[224,224,1] image:u8[224,224,4] "
eq "orig size recorded" "$(meta 1 orig_width a.tsr)x$(meta 1 orig_height a.tsr) $(meta 2 orig_width a.tsr)x$(meta 2 orig_height a.tsr)" "558x560 640x440"
eq "width/height/channels updated" "$(meta 2 width a.tsr) $(meta 2 height a.tsr) $(meta 2 channels a.tsr)" "224 224 1"
eq "no encoded tensor left" "$(imgcat -l a.tsr | grep -c encoded)" 0

# Every mode on the 2126x1463 colour photo (shrunk on load)
for m in "--short 100:[100,145,3]" "--long 100:[69,100,3]" "--fit 50x50:[34,50,3]" "--fit 300x20:[20,29,3]" \
	"--fill 50x20:[20,50,3]" "--pad 50x50:[50,50,3]" "--stretch 30x40:[40,30,3]" "--crop 10x20:[20,10,3]" \
	"--short 5000 --shrink-only:[1463,2126,3]" "--fit 100x100 --crop 120x30:[30,120,3]" "--gray --fit 64x64:[44,64,1]"; do
	opt=${m%%:*} want=${m#*:}
	# shellcheck disable=SC2086
	imgresize $opt "$BIG" > m.tsr 2>m.err
	eq "$opt gives $want" "$(shape 1 m.tsr)" "image:u8$want"
done

# Pad and crop areas take the background colour; inside is the photo
imgresize --pad 100x100 --background red "$BIG" > pad.tsr
eq "--pad: the corner is the background" "$(pixel 1 0 0 pad.tsr)" "255,0,0"
eq "--pad: the middle is not" "$(pixel 1 50 50 pad.tsr | grep -c '^255,0,0$')" 0
imgresize --crop 700x100 --background 0,0,255 photos/tanks/solvay.jpg > cw.tsr
eq "--crop wider than the image pads (gray image: the colour's luma)" "$(pixel 1 50 0 cw.tsr)" "29"

# Channels: --gray, --rgb; alpha over the background
imgresize --rgb --short 32 photos/tanks/solvay.jpg > rgb.tsr
eq "--rgb on gray: 3 channels" "$(shape 1 rgb.tsr)" "image:u8[32,47,3]"
eq "--rgb on gray: R = G = B" "$(pixel 1 10 10 rgb.tsr | awk -F, '{print ($1 == $2 && $2 == $3)}')" 1
imgresize --gray --short 32 photos/tanks/solvay.jpg > g1.tsr
imgresize --short 32 photos/tanks/solvay.jpg > g2.tsr
eq "--gray on gray changes nothing" "$(pixels g1.tsr)" "$(pixels g2.tsr)"
imgresize --gray --stretch 8x8 photos/cars/klimt.jpg > gray.tsr
imgresize --stretch 8x8 photos/cars/klimt.jpg > col.tsr
eq "--gray is the luma of the colour result (within 1)" \
	"$(echo "$(pixel 1 3 3 col.tsr),$(pixel 1 3 3 gray.tsr)" |
		awk -F, '{ d = ($1 * 19595 + $2 * 38470 + $3 * 7471) / 65536 - $4; print (d <= 1 && d >= -1) }')" 1
imgresize --rgb --background white --stretch 16x9 rgba.png > flat.tsr
eq "--rgb flattens alpha over the background" "$(shape 1 flat.tsr) $(pixel 1 0 0 flat.tsr)" "image:u8[9,16,3] 255,255,255"
imgresize --stretch 16x9 rgba.png > keep.tsr
eq "alpha kept without --rgb: transparent corner" "$(pixel 1 0 0 keep.tsr | cut -d, -f4)" 0
imgresize --fit 40x40 graya.png > ga.tsr
eq "gray+alpha kept as 2 channels" "$(shape 1 ga.tsr)" "image:u8[20,40,2]"
imgresize --fit 40x40 rgb16.png > r16.tsr
eq "16-bit PNG decoded to u8" "$(shape 1 r16.tsr)" "image:u8[32,40,3]"
imgresize --short 12 exif6.jpg > ex.tsr
eq "EXIF orientation applied before resizing" "$(shape 1 ex.tsr) $(meta 1 orig_width ex.tsr)x$(meta 1 orig_height ex.tsr)" \
	"image:u8[16,12,3] 24x32"
imgresize --short 12 cmyk.jpg > cmyk.tsr
eq "CMYK JPEG comes out RGB" "$(shape 1 cmyk.tsr)" "image:u8[12,16,3]"

# Streams: metadata kept, decoded input, re-encoding, two passes
imgcat --label-from-dir photos > photos.tsr
check "stream in" sh -c 'imgresize --short 64 photos.tsr > s.tsr'
eq "label, id, source kept; the file's sha256 and format become parent_sha256 and parent_format" \
	"$(imgcat -l s.tsr | cut -f1,2 | tr '\t\n' ':,') $(meta 1 parent_sha256 s.tsr) $(meta 1 parent_format s.tsr)" \
	"photos/cars/klimt.jpg:cars,photos/tanks/solvay.jpg:tanks, $(sha256sum photos/cars/klimt.jpg | cut -d' ' -f1) jpeg"
eq "decoded output: no sha256 or format (they named the file's bytes)" "$(imgcat -l s.tsr | grep -cE '	(sha256|format)=')" 0
imgcat --decode photos.tsr | imgresize --short 64 > dec.tsr
imgresize --full-decode --short 64 photos.tsr > full.tsr
eq "decoded input = encoded input decoded whole" "$(pixels dec.tsr | md5sum)" "$(pixels full.tsr | md5sum)"
imgresize --short 64 --encode png photos.tsr > png.tsr
eq "--encode png: encoded PNG, format=png" "$(shape 1 png.tsr | cut -c1-13) $(meta 1 format png.tsr)" "encoded:bytes png"
imgcat --export pngx png.tsr
eq "--encode png: sha256 is the new PNG's, parent_sha256 and parent_format the file's" \
	"$(meta 1 sha256 png.tsr) $(meta 1 parent_sha256 png.tsr) $(meta 1 parent_format png.tsr)" \
	"$(sha256sum "pngx/$(sed -n 2p pngx/index.tsv | cut -f1)" | cut -d' ' -f1) $(sha256sum photos/cars/klimt.jpg | cut -d' ' -f1) jpeg"
imgcat --decode png.tsr > pngdec.tsr
imgdedup photos/cars/klimt.jpg > hashed.tsr
eq "imgdedup's phash is kept by a resize of the whole picture, dropped by a cut" \
	"$(imgresize --short 32 hashed.tsr | imgcat -l | grep -c phash=) $(imgresize --fill 32x8 hashed.tsr | imgcat -l | grep -c phash=)" "1 0"
eq "decoding keeps the first parent: parent_sha256 still names the file" \
	"$(meta 1 sha256 pngdec.tsr)|$(meta 1 parent_sha256 pngdec.tsr)|$(meta 1 parent_format pngdec.tsr)" \
	"|$(sha256sum photos/cars/klimt.jpg | cut -d' ' -f1)|jpeg"
eq "--encode png holds the resized pixels" "$(pixels pngdec.tsr | md5sum)" "$(pixels s.tsr | md5sum)"
imgresize --short 64 --encode jpeg --quality 80 photos.tsr > jpg.tsr
eq "--encode jpeg" "$(meta 2 format jpg.tsr) $(imgcat --decode jpg.tsr | imgcat -l | sed -n 2p | cut -f3)" "jpeg image:u8[64,93,1]"
imgresize --short 100 "$BIG" | imgresize --short 50 > twice.tsr
eq "a second pass keeps the first orig size" "$(meta 1 orig_width twice.tsr) $(meta 1 width twice.tsr)" "2126 73"
eq "images concatenated on stdin" "$(cat photos/cars/klimt.jpg exif6.jpg | imgresize --short 16 | imgcat -l | cut -f3 | tr '\n' ' ')" \
	"image:u8[16,16,3] image:u8[21,16,3] "
check "a directory (README skipped)" sh -c 'imgresize --fit 32x32 photos > dir.tsr'
eq "directory: both photos" "$(imgcat -c dir.tsr)" 2

# A mask travels with its image: same geometry, nearest neighbour, 0 outside
mkdir stills
$IM "$V/Klimt/Klimt.jpeg" -resize 120x90! stills/still.jpg
$IM -size 120x90 xc:black -fill white -draw "rectangle 40,30 79,59" stills/still.mask.png
masks() {
	$PY - "$ROOT/tests/tsread.py" "$1" <<'EOF'
import json, subprocess, sys
r = json.loads(subprocess.run([sys.executable, sys.argv[1], sys.argv[2]], capture_output=True, check=True, text=True).stdout)
m = [t for t in r["tensors"] if t["name"] == "mask"][0]
print(m["shape"], sorted(set(m["data"])), m["data"].count(255))
EOF
}
imgcat stills | imgresize --stretch 60x45 > mask.tsr
eq "--stretch: mask 60x45, values kept, the 40x30 square now 20x15" "$(masks mask.tsr)" "[45, 60] [0, 255] 300"
imgcat stills | imgresize --pad 60x60 > maskpad.tsr
eq "--pad: mask padded with 0" "$(masks maskpad.tsr) $(shape 1 maskpad.tsr)" "[60, 60] [0, 255] 300 mask:u8[60,60] image:u8[60,60,3]"

# Shrink-on-load stays close to resizing the whole decoded image
imgresize --short 256 "$BIG" > sol.tsr
imgresize --short 256 --full-decode "$BIG" > sfull.tsr
eq "shrink-on-load within 1 level on average of the full decode" "$($PY - "$ROOT/tests/tsread.py" <<'EOF'
import json, subprocess, sys
def data(p):
    return json.loads(subprocess.run([sys.executable, sys.argv[1], p], capture_output=True, check=True, text=True).stdout)["tensors"][0]["data"]
a, b = data("sol.tsr"), data("sfull.tsr")
print(len(a) == len(b) and sum(abs(x - y) for x, y in zip(a, b)) / len(a) < 1)
EOF
)" True

# The thread count changes nothing in the output
cat photos.tsr photos.tsr > many.tsr
imgcat "$BIG" rgba.png graya.png exif6.jpg photos.tsr >> many.tsr
for n in 1 2 3 8; do imgresize --threads $n --short 48 --crop 40x40 many.tsr > t$n.tsr; done
same "--threads 1 and 2: identical streams" t1.tsr t2.tsr
same "--threads 1 and 3: identical streams" t1.tsr t3.tsr
same "--threads 1 and 8: identical streams" t1.tsr t8.tsr
eq "records in input order" "$(imgcat -l t2.tsr | cut -f1 | tr '\n' ' ')" "$(imgcat -l many.tsr | cut -f1 | tr '\n' ' ')"

# -v, a closed pipe
imgresize -v --short 32 photos.tsr > /dev/null 2> v.err
eq "-v summary" "$(grep -c '^imgresize: 2 records in, 2 out, ' v.err)" 1
imgresize --short 300 many.tsr many.tsr many.tsr 2> pipe.err | head -c 100 > /dev/null
eq "closed pipe: quiet" "$(wc -c < pipe.err)" 0

# Bad options: usage errors (exit 2)
for bad in "--short 0" "--short -5" "--short x" "--crop 224" "--crop 0x10" "--crop -3x4" "--fit 10x" "--pad axb" \
	"--stretch 10x10x3" "--fill 70000x1" "--threads 0" "--filter nearest" "--background nope" "--encode gif" \
	"--quality 0" "--gray --rgb" "--short 10 --fit 5x5" "" "--bogus"; do
	# shellcheck disable=SC2086
	expect_status "refused: '$bad'" 2 imgresize $bad photos.tsr
done
expect_status "malformed WxH named" 2 imgresize --crop 224x photos.tsr
eq "the message names the option and the value" "$(grep -c "crop.*224x" "$T/.err")" 1

# Bad images: one line naming the input and the record, exit 1
head -c 20000 photos/cars/klimt.jpg > trunc.jpg
expect_status "truncated JPEG file" 1 imgresize --short 32 trunc.jpg
expect_err "names the file and record" '^imgresize: trunc\.jpg: record 1 \(id trunc\.jpg\): corrupt JPEG'
imgcat photos/tanks/solvay.jpg trunc.jpg photos/cars/klimt.jpg > bad.tsr
for k in 1 2; do
	expect_status "corrupt record in a stream (--threads $k)" 1 imgresize --threads $k --short 32 bad.tsr
	expect_err "names the stream and record 2 (--threads $k)" '^imgresize: bad\.tsr: record 2 \(id trunc\.jpg\): corrupt JPEG'
done
printf 'GIF89a\001\000\001\000' > x.gif
imgcat photos/tanks/solvay.jpg > one.tsr
expect_status "a GIF file" 1 imgresize --short 32 one.tsr x.gif
expect_err "unsupported format named" '^imgresize: x\.gif: .*gif'
$PY -c 'import numpy as np; np.save("f.npy", np.zeros((2, 4, 4), np.float32))'
expect_status "a float image" 1 imgresize --short 2 f.npy
eq "not u8: each record skipped, named" "$(grep -c '^imgresize: f\.npy: record [12] (id f\.npy:[01]): .*f32' "$T/.err")" 2
expect_status "output above the pixel budget" 1 imgresize --max-pixels 5000 --pad 100x100 exif6.jpg
expect_err "budget named" '^imgresize: exif6\.jpg: record 1 .*output 100x100 exceeds the pixel budget'
expect_status "missing file" 1 imgresize --short 2 nothere.jpg
expect_err "missing file named" '^imgresize: nothere\.jpg: '
done_tests
