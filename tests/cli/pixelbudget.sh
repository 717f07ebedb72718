# The pixel budget (--max-pixels, IMG_MAX_PIXELS) bounds images that arrive decoded in a
# stream as it bounds files: every program that reads an "image" tensor refuses one of
# more pixels with one line naming the input, the record, its id, the size and the limit.
# (A 28 KB stream holding a 30000x30000 image went through imgresize at 886 MiB.)
. tests/lib.sh
cd "$T"
/usr/bin/convert -size 40x30 xc:red small.png
/usr/bin/convert -size 100x80 xc:green big.png
imgcat --decode --label 1 small.png big.png > dec.tsr
printf 'input 3x30x40\nconv2d 2 kernel=3 pad=1\nflatten\ndense 1\nsigmoid\n' > tiny.arch
line='dec.tsr: record 2 \(id big.png\): image 100x80 \(8000 pixels\) exceeds the pixel budget of 1500 \(IMG_MAX_PIXELS\)$'

for c in "imgresize --max-pixels 1500 --short 8" "imgcat --max-pixels 1500 --export ex" \
	"imgcat --max-pixels 1500 --encode png -o enc.tsr"; do
	expect_status "$c: a decoded image over the budget, exit 1" 1 $c dec.tsr
	expect_err "... named with its size and the limit" "^${c%% *}: $line"
done
for c in "imgtile --grid 8x8" "imgaug hflip" "imgdedup" "cnnpredict --baseline laplacian" \
	"cnntrain -m tiny.arch -o m.model"; do
	expect_status "IMG_MAX_PIXELS=1500 $c: a decoded image over the budget, exit 1" 1 \
		env IMG_MAX_PIXELS=1500 $c dec.tsr
	# the first line names it (cnntrain then says what is left is not enough to train on)
	if head -1 "$T/.err" | grep -Eq "^${c%% *}: $line"; then pass "... named with its size and the limit"
	else fail "... named with its size and the limit: stderr was: $(head -c 300 "$T/.err")"; fi
done
eq "an image of exactly the budget passes" "$(imgresize --max-pixels 8000 --short 8 dec.tsr | imgcat -c)" 2
eq "IMG_MAX_PIXELS alike" "$(IMG_MAX_PIXELS=8000 imgtile --grid 8x8 dec.tsr | imgcat -c)" 135
done_tests
