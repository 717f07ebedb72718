# One preprocessing in training and serving: imgresize records what it did ("resize"),
# cnntrain keeps what its training records agree on in the model, and cnnpredict
# prepares image files exactly so (decode with JPEG shrink-on-load, resize, crop,
# channels), so `imgresize ... | cnnpredict` and `cnnpredict FILE` give the same
# scores bit for bit (scores are printed with 9 digits, enough to tell floats apart).
# The pixel budget applies to the pixels a JPEG is decoded to.
. tests/lib.sh
N=/usr/share/backgrounds/mate/nature
A=/usr/share/backgrounds/mate/abstract
cd "$T"
[ -f "$N/Dune.jpg" ] || { skip "needs the photos of mate-backgrounds"; done_tests; }

printf 'input 3x96x96\nconv2d 4 kernel=3 stride=4\nrelu\nflatten\ndense 2\nsoftmax\n' > t.arch
{ imgcat --label nature "$N/Dune.jpg" "$N/Wood.jpg" "$N/Aqua.jpg"
  imgcat --label abstract "$A/Elephants.jpg" "$A/Gulp.png"; } > raw.tsr
imgresize --short 96 --crop 96x96 --rgb raw.tsr > train.tsr
eq "imgresize records its preparation" "$(imgcat -l train.tsr | head -1 | tr '\t' '\n' | grep '^resize=')" \
	"resize=--short 96 --crop 96x96 --filter area --rgb"
check "cnntrain trains on them" cnntrain -m t.arch --epochs 2 -o m.model train.tsr
eq "the model records it" "$(imgcat -l m.model | tr '\t' '\n' | grep '^resize=')" \
	"resize=--short 96 --crop 96x96 --filter area --rgb"

# JPEGs shrunk on load at several scales, a gray JPEG, an RGBA PNG, an EXIF-rotated JPEG
/usr/bin/convert "$N/Storm.jpg" -colorspace gray -resize 50% gray.jpg
/usr/bin/convert "$N/RainDrops.jpg" -resize 30% -alpha set -channel A -evaluate set 60% +channel rgba.png
/usr/bin/convert "$N/LadyBird.jpg" -resize 40% -orient RightTop rot.jpg
set -- "$N/GreenMeadow.jpg" "$N/TwoWings.jpg" "$A/Elephants_5640x3172.jpg" gray.jpg rgba.png rot.jpg
imgresize --short 96 --crop 96x96 --rgb "$@" | cnnpredict -m m.model | cut -f2- > piped.tsv
cnnpredict -m m.model "$@" | cut -f2- > direct.tsv
eq "every image predicted" "$(wc -l < direct.tsv)" 7
same "cnnpredict FILE gives what imgresize | cnnpredict gives, bit for bit" piped.tsv direct.tsv
cnnpredict -m m.model --short 96 "$@" | cut -f2- > full.tsv
if cmp -s full.tsv direct.tsv; then fail "the test tells full decoding from shrink-on-load"
else pass "the test tells full decoding from shrink-on-load (--short 96 decodes in full)"; fi
imgcat "$@" > files.tsr
cnnpredict -m m.model files.tsr | cut -f2- > fromstream.tsv
same "undecoded images in a stream are prepared alike" fromstream.tsv direct.tsv

# two steps, the last re-encoding: "resize" keeps both, cnnpredict applies both
imgresize --short 128 raw.tsr | imgresize --crop 96x96 --rgb --encode jpeg --quality 80 > two.tsr
eq "a second imgresize adds its step" "$(imgcat -l two.tsr | head -1 | tr '\t' '\n' | grep '^resize=')" \
	"resize=--short 128 --filter area | --crop 96x96 --filter area --rgb --encode jpeg --quality 80"
cnntrain -m t.arch --epochs 1 -o m2.model two.tsr 2>/dev/null
imgresize --short 128 "$@" | imgresize --crop 96x96 --rgb --encode jpeg --quality 80 | cnnpredict -m m2.model |
	cut -f2- > piped2.tsv
cnnpredict -m m2.model "$@" | cut -f2- > direct2.tsv
same "... and its steps are applied in order, bit for bit" piped2.tsv direct2.tsv

# training records prepared differently: the model records no preparation
{ imgresize --short 96 --crop 96x96 --rgb "$N/Dune.jpg" | imgcat --label a
  imgresize --fill 96x96 --rgb "$A/Gulp.png" | imgcat --label b; } > mixed.tsr
cnntrain -m t.arch --epochs 1 -o m3.model mixed.tsr 2>/dev/null
eq "records resized differently: no preparation in the model" \
	"$(imgcat -l m3.model | tr '\t' '\n' | grep -c '^resize=')" 0

# A 20000x20000 JPEG (4.7 MB, made by hand: ImageMagick's policy stops at 16K) is
# decoded at 1/8, 2500x2500, within the default budget of 100 million pixels.
/usr/bin/python3 "$ROOT/tests/flatjpeg.py" 20000 20000 huge.jpg
check "imgresize takes a 20000x20000 JPEG that it decodes at 1/8" \
	sh -c 'imgresize --short 96 --crop 96x96 --rgb huge.jpg > huge.tsr'
eq "... to a flat gray" "$(imgcat -l huge.tsr | tr '\t' '\n' | grep -E '^(width|orig_width)=' | tr '\n' ' ')" \
	"orig_width=20000 width=96 "
check "cnnpredict takes it, prepared as the model says" sh -c 'cnnpredict -m m.model huge.jpg > huge.tsv'
eq "... with the score imgresize | cnnpredict gives" "$(cut -f2- huge.tsv)" \
	"$(cnnpredict -m m.model huge.tsr | cut -f2-)"
expect_status "decoded whole (--full-decode), it exceeds the budget" 1 imgresize --full-decode --short 96 huge.jpg
expect_err "... said in one line" "huge.jpg: record 1 \\(id huge.jpg\\): image 20000x20000 exceeds the pixel budget of 100000000"
expect_status "decoded at 1/8 beyond the budget, refused" 1 imgresize --max-pixels 1000000 --short 96 huge.jpg
expect_err "... naming the decoded size" "image 20000x20000, decoded at 1/8 as 2500x2500, exceeds the pixel budget of 1000000"
done_tests
