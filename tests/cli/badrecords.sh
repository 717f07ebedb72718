# One policy for bad records, the same in every program: a record or operand
# that cannot be read, decoded or processed is skipped with one line naming the
# input, the record number and its id; the others go on; exit 1; -v counts the
# skipped; --max-errors N stops at the error after the N-th.  Also: image files
# of other formats in a folder are reported, and --labels says what it missed.
. tests/lib.sh
IM=/usr/bin/convert
V=/usr/share/visp-images-data/ViSP-images
cd "$T"

# A folder as users have them: a good PNG, a 0-byte JPEG, a truncated JPEG, a
# good JPEG; then a missing operand and a good JPEG named on the command line.
mkdir bad
$IM "$V/Klimt/Klimt.jpeg" -resize 64x48! bad/a.png
: > bad/b.jpg
$IM "$V/Solvay/Solvay_conference_1927_Version2_640x440.jpg" -resize 64x44! -quality 90 whole.jpg
head -c $(($(wc -c < whole.jpg) / 2)) whole.jpg > bad/c.jpg
$IM "$V/mire/mire.jpg" -resize 48x48! bad/d.jpg
$IM -size 40x40 radial-gradient:white-black full.jpg

# policy NAME GOOD COMMAND...: the run over bad, missing.jpg, full.jpg; GOOD is the
# number of records that come out (as imgcat -c counts them).
policy() {
	n=$1 good=$2; shift 2
	expect_status "$n: the bad ones skipped, exit 1" 1 sh -c '"$@" -v bad missing.jpg full.jpg > out.tsr' sh "$@"
	cp "$T/.err" err.txt
	eq "$n: one line each, naming the input, record and id" "$(grep -v ' records\(,\| in,\) ' err.txt | sort)" \
"$1: bad: record 2 (id bad/b.jpg): empty file
$1: bad: record 3 (id bad/c.jpg): corrupt JPEG: Premature end of JPEG file
$1: missing.jpg: No such file or directory"
	eq "$n: -v counts them" "$(grep -c "^$1: .* records in, .* out, 3 skipped, " err.txt)" 1
	eq "$n: the others go on" "$(imgcat -c out.tsr)" "$good"
	expect_status "$n: --max-errors 0: exit 1" 1 sh -c '"$@" --max-errors 0 bad missing.jpg full.jpg > out0.tsr' sh "$@"
	eq "$n: --max-errors 0 stops at the first" "$(cat "$T/.err")" \
"$1: bad: record 2 (id bad/b.jpg): empty file
$1: stopping at the first error (--max-errors 0)"
	expect_status "$n: --max-errors 2: exit 1" 1 sh -c '"$@" --max-errors 2 bad missing.jpg full.jpg > out2.tsr' sh "$@"
	eq "$n: --max-errors 2 stops at the third" "$(tail -1 "$T/.err") $(grep -c 'record\|No such' "$T/.err")" \
		"$1: stopping: more than 2 errors (--max-errors 2) 3"
	expect_status "$n: --max-errors 3: exit 1" 1 sh -c '"$@" --max-errors 3 bad missing.jpg full.jpg > out3.tsr' sh "$@"
	eq "$n: --max-errors 3 lets the three go" "$(imgcat -c out3.tsr)" "$good"
}
policy "imgcat --decode" 3 imgcat --decode
policy imgresize 3 imgresize --short 16
policy imgtile 25 imgtile --grid 16
policy imgaug 3 imgaug hflip
policy imgdedup 3 imgdedup
policy cnnpredict 3 cnnpredict --baseline laplacian --stream

# imgcat without --decode copies the bytes: only what cannot be read is skipped.
expect_status "imgcat: an empty image file and a missing operand, exit 1" 1 sh -c 'imgcat bad missing.jpg full.jpg > c.tsr'
eq "imgcat: named, the others copied" "$(cat "$T/.err"; imgcat -c c.tsr)" \
"imgcat: bad: record 2 (id bad/b.jpg): empty file
imgcat: missing.jpg: No such file or directory
4"
expect_status "imgcat: an empty x.jpg named alone is no empty stream" 1 imgcat -c bad/b.jpg
expect_err "imgcat: ... it is named" '^imgcat: bad/b.jpg: record 1 \(id bad/b.jpg\): empty file$'
expect_status "imgresize: a missing operand does not drop the others" 1 sh -c 'imgresize --short 8 missing.jpg full.jpg > m.tsr'
eq "imgresize: ... which are written" "$(imgcat -c m.tsr)" 1

# cnnpredict with a model names the file inside a directory
imgcat --decode bad/a.png bad/d.jpg full.jpg 2>/dev/null | imgresize --stretch 8x8 --gray > small.tsr
imgcat -l small.tsr > /dev/null
printf 'input 1x8x8\nflatten\ndense 2\nsoftmax\n' > tiny.arch
imgcat --label one small.tsr > one.tsr
imgcat --label two small.tsr > two.tsr
check "cnntrain: a tiny model" sh -c 'cnntrain -m tiny.arch --epochs 1 -o tiny.model one.tsr two.tsr'
expect_status "cnnpredict -m: a bad image in a directory" 1 sh -c 'cnnpredict -m tiny.model bad > p.tsv'
eq "cnnpredict -m: the file is named" "$(cat "$T/.err")" \
"cnnpredict: bad: record 2 (id bad/b.jpg): empty file
cnnpredict: bad: record 3 (id bad/c.jpg): corrupt JPEG: Premature end of JPEG file"
eq "cnnpredict -m: the others predicted" "$(tail -n +2 p.tsv | cut -f1 | tr '\n' ' ')" "bad/a.png bad/d.jpg "

# cnntrain: records it cannot train on are skipped, the model is written, exit 1
imgcat small.tsr > nolabel.tsr
expect_status "cnntrain: unlabelled records and a missing operand skipped, exit 1" 1 \
	cnntrain -m tiny.arch --epochs 1 -v -o t2.model one.tsr nolabel.tsr missing.tsr two.tsr
eq "cnntrain: ... one line each" "$(grep '^cnntrain: ' "$T/.err" | grep -v 'records in' | sed 's/ (id [^)]*)//')" \
"cnntrain: nolabel.tsr: record 1: no label
cnntrain: nolabel.tsr: record 2: no label
cnntrain: nolabel.tsr: record 3: no label
cnntrain: missing.tsr: No such file or directory"
eq "cnntrain: ... counted by -v" "$(grep -c ' records in, 1 out, 4 skipped, ' "$T/.err")" 1
eq "cnntrain: ... the model trained on the others" "$(imgcat -l t2.model | tr '\t' '\n' | sed -n 's/^train_records=//p')" 6
expect_status "cnntrain: --max-errors 0" 1 cnntrain -m tiny.arch --epochs 1 --max-errors 0 -o t3.model one.tsr nolabel.tsr two.tsr
eq "cnntrain: --max-errors 0 stops, no model" "$(tail -1 "$T/.err") $(ls t3.model* 2>/dev/null | wc -l)" \
	"cnntrain: stopping at the first error (--max-errors 0) 0"

# A damaged stream is no bad record: it stops the program.
imgcat --decode full.jpg bad/a.png bad/d.jpg > three.tsr 2>/dev/null
head -c $(($(wc -c < three.tsr) - 9)) three.tsr > cut.tsr
expect_status "a truncated stream stops imgcat" 1 sh -c 'imgcat cut.tsr full.jpg > x.tsr'
eq "... in one line naming it, not as a skipped record" "$(wc -l < "$T/.err") $(grep -c '^imgcat: cut.tsr: ' "$T/.err")" "1 1"
expect_status "... whatever --max-errors says" 1 sh -c 'imgcat --max-errors 5 cut.tsr full.jpg > x.tsr'

# A folder of Netpbm, GIF and JPEG files imports every image (the README is no image);
# an image file that is none of the known formats is reported.
mkdir other
$IM full.jpg other/a.pgm
$IM full.jpg other/b.ppm
$IM full.jpg other/c.gif
cp full.jpg other/d.jpg
echo "notes" > other/README
echo "not really" > other/e.tga
expect_status "a folder with PGM, PPM, GIF and TGA files: exit 1 for the TGA" 1 sh -c 'imgcat other > o.tsr'
eq "the TGA is named, the README is not" "$(cat "$T/.err")" \
"imgcat: other: record 5 (id other/e.tga): not a PNG, JPEG, WebP, GIF, TIFF, BMP or Netpbm image"
eq "the others are read" "$(imgcat -l o.tsr | cut -f1 | tr '\n' ' ')" "other/a.pgm other/b.ppm other/c.gif other/d.jpg "
mkdir pgmonly
$IM full.jpg pgmonly/x.pgm
check "a folder of PGM files alone imports" sh -c 'imgcat --decode pgmonly > p.tsr'
eq "... with its pixels" "$(imgcat -l p.tsr | grep -o 'image:u8\[[0-9,]*\]')" "image:u8[$($IM full.jpg -format '%h,%w' info:),1]"

# --labels: images without a label and rows that match no image are counted
mkdir lab
for i in 1 2 3 4; do cp full.jpg lab/$i.jpg; done
printf 'file,label\n1.jpg,cat\n2.jpg,dog\nlab/3.jpg,cat\nnone.jpg,dog\ngone.jpg,cat\n' > labels.csv
expect_status "--labels that miss: a warning, exit 0" 0 sh -c 'imgcat --labels labels.csv lab > l.tsr'
expect_err "... with both counts" '^imgcat: --labels labels.csv: 1 of 4 images has no label, 2 of 5 rows match no image$'
eq "... the images still copied, the labels set" "$(imgcat -l l.tsr | cut -f2 | tr '\n' ' ')" "cat dog cat  "
printf 'file,label\n1.jpg,cat\n2.jpg,dog\n3.jpg,cat\n4.jpg,dog\n' > all.csv
expect_status "--labels that match every image and row: quiet" 0 sh -c 'imgcat --labels all.csv lab > l2.tsr'
eq "... nothing on stderr" "$(cat "$T/.err")" ""
printf 'file,label\n1.jpg,cat\n1.jpg,cat\n2.jpg,dog\n3.jpg,cat\n4.jpg,dog\n' > twice.csv
check "--labels: a key given twice is no unused row" sh -c 'imgcat --labels twice.csv lab > l3.tsr && test ! -s "$0"' "$T/.err"
# an array takes its labels by order: every row is used
/usr/bin/python3 -c 'import numpy; numpy.save("four.npy", numpy.zeros((4, 5, 6, 3), numpy.uint8))'
printf '0\n1\n0\n1\n' > four.csv
expect_status "--labels by order for an array: exit 0" 0 sh -c 'imgcat --labels four.csv four.npy > l4.tsr'
eq "... no row said to match no image" "$(cat "$T/.err")" ""
eq "... each image its row's label" "$(imgcat -l l4.tsr | cut -f2 | tr '\n' ' ')" "0 1 0 1 "
# A stop (--max-errors 0) while a pool of threads still decodes: die() must not run the
# libraries' exit handlers under the workers (imgdedup crashed or hung in about 1 run of 5
# like this before); 30 runs, each a clean stop with the two lines.
mkdir many
$IM "$V/Klimt/Klimt.jpeg" -resize 64x48! many/a.png
: > many/b.jpg
for i in $(seq 10 40); do $IM "$V/Klimt/Klimt.jpeg" -resize 200x150! -roll +$i+0 many/c$i.jpg; done
bad=0
for i in $(seq 30); do
	timeout 60 imgdedup --threads 16 --max-errors 0 many >/dev/null 2>many.err
	rc=$?
	{ [ $rc -eq 1 ] && [ "$(wc -l <many.err)" -eq 2 ]; } || bad=$((bad + 1))
done
eq "a stop while 16 threads decode: 30 clean stops" "$bad" 0
done_tests
