# Programs that agree: exit codes and messages a user meets between them
# (usage errors 2, missing files 1, counts and hints in one line).
. tests/lib.sh
cd "$T"
/usr/bin/convert -size 24x16 xc:red red.png
/usr/bin/convert -size 24x16 xc:blue blue.png
imgcat --label a red.png > a.tsr
imgcat --label b blue.png > b.tsr
cat a.tsr b.tsr > ab.tsr
printf 'input 3x16x24\nflatten\ndense 2\nsoftmax\n' > t.arch

expect_status "cnntrain --early-stop without --val or --val-stream: usage error" 2 \
	cnntrain -m t.arch --early-stop 3 -o m.model ab.tsr
if head -1 "$T/.err" | grep -q -- '--early-stop needs validation images'; then pass "... saying what it needs"
else fail "... saying what it needs: $(head -c 300 "$T/.err")"; fi

expect_status "imgaug -f with a missing step file: 1, as any missing file" 1 imgaug -f /no/such ab.tsr
expect_err "... named in one line" "^imgaug: /no/such: No such file or directory$"
printf 'nosuchstep\n' > bad.steps
expect_status "imgaug -f with a bad step in the file: still a usage error" 2 imgaug -f bad.steps ab.tsr

imgcat red.png red.png > twice.tsr
expect_status "imgdedup --check with duplicates: 3" 3 imgdedup --check twice.tsr
expect_err "... saying how many" "^imgdedup: 1 of 2 records duplicate an earlier one$"
expect_status "imgdedup --check --against with leaks: 3" 3 imgdedup --check --against a.tsr ab.tsr
expect_err "... saying how many leaks" "^imgdedup: 1 of 2 records duplicate the reference \\(leaks\\)$"
expect_status "imgdedup --check, clean: 0, silent" 0 imgdedup --check ab.tsr
eq "... nothing on stderr" "$(wc -c < "$T/.err")" 0

/usr/bin/convert -size 8x8 xc:red x.bmp
mkdir d && cp x.bmp d/
imgcat x.bmp > /dev/null 2> file.err
imgcat d > /dev/null 2> dir.err
eq "a .bmp named and in a folder: the same reason" "$(sed 's/.*: //' file.err)" "$(sed 's/.*: //' dir.err)"

expect_status "cnnpredict -m ARCH: an error" 1 cnnpredict -m t.arch red.png
expect_err "... saying a trained model is needed and how to make one" \
	"^cnnpredict: t.arch: an architecture, not a trained model: train one first, e.g. 'cnntrain -m t.arch -o MODEL STREAM'"

# a zstd frame header whose window descriptor is damaged (byte 29: after the
# 16-byte stream header, the frame's magic and its descriptor)
cp a.tsr bad.tsr
printf '\377' | dd of=bad.tsr bs=1 seek=29 conv=notrunc 2>/dev/null
expect_status "a damaged zstd frame header: 1" 1 imgcat -c bad.tsr
expect_err "... a corrupt stream, not a lack of memory" "^imgcat: bad.tsr: record 1: corrupt stream: a zstd frame header"

# Options that would do nothing where they are given are usage errors.
expect_status "imgcat --classes without --idx: usage error" 2 imgcat --classes a,b ab.tsr
expect_status "imgcat --force without --export: usage error" 2 imgcat --force ab.tsr
cnntrain -m t.arch --epochs 1 -o m.model ab.tsr 2>/dev/null
for opt in "--masks mx" "--threshold 0.5" "--overlap 4" "--no-tile"; do
	# shellcheck disable=SC2086
	expect_status "cnnpredict $opt with a classifier: usage error" 2 cnnpredict -m m.model $opt red.png
done
if head -1 "$T/.err" | grep -q 'are for segmentation models; this one classifies'; then pass "... saying why"
else fail "... saying why: $(head -c 300 "$T/.err")"; fi
expect_status "cnnpredict --baseline laplacian --masks: usage error" 2 cnnpredict --baseline laplacian --masks mx red.png
/usr/bin/convert -size 40x30 gradient:red-blue -quality 90 g.jpg
check "imgresize --encode png alone re-encodes" sh -c 'imgresize --encode png g.jpg > re.tsr'
imgcat --decode g.jpg | imgcat --export dec
imgcat --export reenc re.tsr
eq "... the decoded pixels, unchanged" "$(/usr/bin/convert reenc/g.png txt:- | md5sum)" \
	"$(/usr/bin/convert dec/g.png txt:- | md5sum)"

# imgcat --export writes into an empty or new folder only, unless --force
expect_status "imgcat --export into a folder that has files: refused" 1 imgcat --export dec ab.tsr
expect_err "... saying so and how to force it" "^imgcat: dec: not empty: .*--force"
check "... --force writes there anyway" imgcat --export dec --force ab.tsr
eq "... the new index" "$(cut -f2 dec/index.tsv | tr '\n' ' ')" "id red.png blue.png "
mkdir empty
check "an empty folder is fine" imgcat --export empty ab.tsr

# imgaug on a real folder: gray photos pass saturation and hue unchanged; a photo with
# alpha stops jpeg with how to drop it; a word both a step and a folder is refused
/usr/bin/convert -size 24x16 gradient:black-white -colorspace gray gray.png
imgcat --decode gray.png > gray.tsr
check "imgaug saturation and hue on a gray image" sh -c "imgaug 'saturation p=1 0.5' 'hue p=1 0.2' gray.tsr > g2.tsr"
eq "... unchanged" "$(imgcat -l g2.tsr | cut -f3)" "$(imgcat -l gray.tsr | cut -f3)"
imgcat --export gx g2.tsr
eq "... the same pixels" "$(/usr/bin/convert "gx/$(sed -n 2p gx/index.tsv | cut -f1)" -depth 8 gray:- | md5sum)" \
	"$(/usr/bin/convert gray.png -depth 8 gray:- | md5sum)"
/usr/bin/convert -size 24x16 xc:'rgba(255,0,0,0.5)' rgba.png
expect_status "imgaug jpeg on an image with alpha: 1" 1 imgaug jpeg rgba.png
expect_err "... saying how to drop the alpha" "jpeg needs an image without alpha .*imgresize --rgb"
mkdir blur
expect_status "imgaug hflip blur, blur a folder here: usage error" 2 imgaug hflip blur
expect_err "... naming both readings" "^imgaug: 'blur' is both a step and a folder here: write ./blur for the folder, or 'blur p=1' for the step$"

# cnntrain --weight-decay as PyTorch users write it: wd * w on the gradient, --l2 wd/2
cnntrain -m t.arch --epochs 3 --weight-decay 0.2 -o wd.model ab.tsr 2>/dev/null
cnntrain -m t.arch --epochs 3 --l2 0.1 -o l2.model ab.tsr 2>/dev/null
cnntrain -m t.arch --epochs 3 -o none.model ab.tsr 2>/dev/null
cnnpredict -m wd.model ab.tsr > wd.tsv
cnnpredict -m l2.model ab.tsr > l2.tsv
cnnpredict -m none.model ab.tsr > none.tsv
same "cnntrain --weight-decay 0.2 trains what --l2 0.1 trains" wd.tsv l2.tsv
if cmp -s wd.tsv none.tsv; then fail "... and decays: the same as no decay"; else pass "... and it decays"; fi
eq "... recorded as l2" "$(imgcat -l wd.model | tr '\t' '\n' | grep '^l2=')" "l2=0.1"
done_tests
