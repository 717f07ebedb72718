# imgdedup on real photos (visp-images-data) and ImageMagick copies of them:
# exact and near duplicates, hard negatives, reports, leakage checks, bad input.
. tests/lib.sh
IM=/usr/bin/convert
LC_ALL=C
export LC_ALL
cd "$T"
sh "$ROOT/tests/dedup_corpus.sh" c small
mv c/truth.tsv truth.tsv
norig=$(awk -F'\t' 'NR > 1 && $3 == "original"' truth.tsv | wc -l)
nneg=$(awk -F'\t' 'NR > 1 && ($3 == "mirror" || $3 == "crop30")' truth.tsv | wc -l)
nall=$(($(wc -l < truth.tsv) - 1))

# Pairs of files in one group of a report (short or long), one "a b" line per pair, sorted.
pairs() { awk -F'\t' 'NR > 1 { sub(".*/", "", $2); g[$1] = g[$1] " " $2 } END { for (k in g) print g[k] }' "$1" |
	while read -r line; do
		set -- $line
		for a; do for b; do [ "$a" \< "$b" ] && echo "$a $b"; done; done
	done | sort; }
truepairs() { awk -F'\t' 'NR > 1 { g[$2] = g[$2] " " $1 } END { for (k in g) print g[k] }' truth.tsv |
	while read -r line; do
		set -- $line
		for a; do for b; do [ "$a" \< "$b" ] && echo "$a $b"; done; done
	done | sort; }

# ---- the labelled set: every copy grouped with its original, no negative with anything ----
check "a directory" sh -c 'imgdedup --report r.tsv c > out.tsr'
eq "one record per original plus every hard negative" "$(imgcat -c out.tsr)" $((norig + nneg))
eq "report header" "$(head -1 r.tsv)" "$(printf 'group\tfile')"
pairs r.tsv > got.pairs
truepairs > want.pairs
eq "pairs grouped are exactly the true pairs (no mirror, crop or other photo)" \
	"$(comm -3 got.pairs want.pairs | wc -l) $(wc -l < got.pairs)" "0 $(wc -l < want.pairs)"
eq "report files are directory + name" "$(sed -n 2p r.tsv | cut -f2 | cut -c1-3)" "c/p"
eq "one group per original" "$(tail -n +2 r.tsv | cut -f1 | sort -u | wc -l)" "$norig"
eq "the first member is kept (directory order)" \
	"$(imgcat -l out.tsr | cut -f1 | grep -c -- '-blur.jpg$')" "$norig"
eq "the hash goes into the metadata" "$(imgcat -l out.tsr | grep -c 'phash=[0-9a-f]\{16\}')" $((norig + nneg))

# the stream in, the same answer; file arguments name files as given
imgcat c > all.tsr
check "stream on stdin" sh -c 'imgdedup --report rs.tsv < all.tsr > outs.tsr'
eq "stream: same records kept" "$(imgcat -l outs.tsr | cut -f1 | md5sum)" "$(imgcat -l out.tsr | cut -f1 | md5sum)"
same "stream: same report" r.tsv rs.tsv
check "files as arguments" sh -c 'cd c && imgdedup --report ../rf.tsv p1.jpg p1-q50.jpg p2.jpg > /dev/null'
eq "files: names as given" "$(tail -n +2 rf.tsv | cut -f2 | tr '\n' ' ')" "p1.jpg p1-q50.jpg "
# records of one source (copies, tiles, a subreddit's images) are named by their ids
imgaug -n 2 'brightness 0' c/p1.jpg | imgdedup --report rc.tsv > /dev/null
eq "copies of one file: named by their ids" "$(tail -n +2 rc.tsv | cut -f2 | tr '\n' ' ')" "c/p1.jpg@aug1 c/p1.jpg@aug2 "

# the hash in the metadata is reused: an 8x8 gray copy that keeps the photo's phash
# still matches the photo; without the stored hash it does not
imgdedup c/p1.jpg | imgresize --stretch 8x8 --gray > tiny.tsr
eq "a stored phash is reused" "$(imgdedup tiny.tsr c/p1-q50.jpg | imgcat -c)" 1
eq "without one, the pixels are hashed" "$(imgcat --decode c/p1.jpg | imgresize --stretch 8x8 --gray | imgdedup - c/p1-q50.jpg | imgcat -c)" 2
# sha256 names a record's encoded bytes: two different pictures cut from one photo and encoded
# as PNG are no byte-exact copies (imgresize once kept the photo's digest on both, and imgdedup
# dropped one as "bytes"); nor does a sha256 that lies about the bytes make them copies
imgcat c/p1.jpg > p1.tsr
imgresize --fill 64x16 --encode png p1.tsr > strips.tsr
imgresize --fill 16x64 --encode png p1.tsr >> strips.tsr
eq "two pictures cut from one photo and re-encoded: both kept, none dropped for bytes" \
	"$(imgdedup --threshold 0 --report-format long --report strips.tsv strips.tsr | imgcat -c) $(grep -c 'bytes$' strips.tsv)" "2 0"
/usr/bin/python3 -c '
import hashlib, sys
sys.path.insert(0, sys.argv[1])
import tswrite
a, b = open("c/p1.jpg", "rb").read(), open("c/p2.jpg", "rb").read()
d = hashlib.sha256(a).hexdigest()
tswrite.write("liar.tsr", [({"id": "a", "sha256": d}, [("encoded", a)]), ({"id": "b", "sha256": d}, [("encoded", b)])])
' "$ROOT/tests"
eq "exact match: the digest of the bytes, never a sha256 found in the metadata" \
	"$(imgdedup --threshold 0 liar.tsr | imgcat -c)" 2
# a second run over its own output finds nothing more
eq "idempotent: the output has no duplicates left" "$(imgdedup out.tsr | imgcat -c)" $((norig + nneg))

# ---- long report: kept member, distance, reason ----
check "long report" sh -c 'imgdedup --threshold 0 --report-format long --report l.tsv c/p1.jpg c/p1-copy.jpg c/p2.jpg c/p2-q95.jpg > /dev/null'
eq "long: header" "$(head -1 l.tsv)" "$(printf 'group\tfile\trole\tdistance\treason')"
eq "long: an exact copy, by its bytes" "$(grep p1-copy l.tsv | cut -f3-)" "$(printf 'dropped\t0\tbytes')"
eq "long: the kept member" "$(grep 'p1.jpg' l.tsv | cut -f3-)" "$(printf 'kept\t0\tkept')"
# a PNG and a lossless re-encode of it: equal pixels, other bytes
$IM c/p2.png -define png:compression-level=1 p2-lossless.png
imgdedup --pixels --threshold 0 --report-format long --report px.tsv c/p2.png p2-lossless.png > /dev/null
eq "--pixels: a lossless re-encode matches by its pixels" "$(grep lossless px.tsv | cut -f3-)" "$(printf 'dropped\t0\tpixels')"
imgdedup --threshold 0 --report-format long --report nopx.tsv c/p2.png p2-lossless.png > /dev/null
eq "without --pixels: by its hash" "$(grep lossless nopx.tsv | cut -f5)" "hash"

# ---- what is kept ----
for k in largest smallest-file highest-resolution; do
	imgdedup --keep "$k" c/p1*.jpg c/p1*.png | imgcat -l | cut -f1 | grep -v -e mirror -e crop > keep-$k.txt
done
eq "--keep largest: the largest file" "$(cat keep-largest.txt)" "$(ls -S c/p1*.jpg c/p1*.png | grep -v -e mirror -e crop | head -1)"
eq "--keep smallest-file" "$(cat keep-smallest-file.txt)" "$(ls -S c/p1*.jpg c/p1*.png | grep -v -e mirror -e crop | tail -1)"
eq "--keep highest-resolution: the 200% copy" "$(cat keep-highest-resolution.txt)" "c/p1-r200.jpg"

# ---- mirrors: not duplicates unless --flips ----
eq "a mirror image is kept" "$(imgdedup c/p2.jpg c/p2-mirror.jpg | imgcat -c)" 2
eq "--flips: a mirror image is a duplicate" "$(imgdedup --flips c/p2.jpg c/p2-mirror.jpg | imgcat -c)" 1
eq "--flips: the crop still is not" "$(imgdedup --flips c/p2.jpg c/p2-crop.jpg | imgcat -c)" 2
check "--hash dhash" sh -c 'imgdedup --hash dhash c/p1.jpg c/p1-q50.jpg c/p2.jpg > dh.tsr'
eq "dhash: the copy dropped, the hash stored" "$(imgcat -l dh.tsr | grep -c 'dhash=[0-9a-f]\{16\}')" 2

# ---- leakage: --against REF ----
mkdir train test clean
cp c/p1.jpg c/p2.jpg c/p3.jpg train/
cp c/p1-q75.jpg c/p2-r25.jpg c/p4.jpg c/p5.jpg c/p3-mirror.jpg test/
cp c/p4.jpg c/p5.jpg c/p3-mirror.jpg clean/
expect_status "--check: leaks found, exit 3" 3 imgdedup --check --against train test
expect_status "--check: a clean split, exit 0" 0 imgdedup --check --against train clean
eq "--against: leaks dropped" "$(imgdedup --against train test | imgcat -l | cut -f1 | sort | tr '\n' ' ')" \
	"test/p3-mirror.jpg test/p4.jpg test/p5.jpg "
imgdedup --against train --report leaks.tsv --report-format long test > listed.tsr
eq "-v --against: how many leak, and the reference's size" \
	"$(imgdedup -v --against train test 2>&1 >/dev/null | head -1)" \
	"imgdedup: 5 records, 2 also in the reference (3 records), 0 skipped"
eq "--against --report: every record passes" "$(imgcat -c listed.tsr)" 5
eq "--against --report: reference and leaks" "$(tail -n +2 leaks.tsv | cut -f2,3 | sort | tr '\t\n' ': ')" \
	"test/p1-q75.jpg:leak test/p2-r25.jpg:leak train/p1.jpg:reference train/p2.jpg:reference "
imgcat train > train.tsr
expect_status "--against a stream, input on stdin" 3 sh -c 'imgcat test | imgdedup --check --against train.tsr'
eq "--check: duplicates within one set, exit 3" "$(imgdedup --check c/p1.jpg c/p1-copy.jpg; echo $?)" 3

# ---- bad input ----
mkdir bad
cp c/p1.jpg c/p2.jpg bad/
head -c 3000 c/p3.jpg > bad/p3-truncated.jpg
expect_status "a truncated JPEG is skipped, exit 1" 1 sh -c 'imgdedup -v bad > sk.tsr'
eq "named in one line, the summaries count it" "$(grep -v ' records' "$T/.err")" \
	'imgdedup: bad: record 3 (id bad/p3-truncated.jpg): corrupt JPEG: Premature end of JPEG file'
eq "the others kept" "$(imgcat -c sk.tsr)" 2
eq "counted in both summary lines" "$(grep -c '2 records, 0 duplicates, 1 skipped$\|2 records in, 2 out, 1 skipped' "$T/.err")" 2
expect_status "--skip-bad: still accepted, does the same" 1 sh -c 'imgdedup --skip-bad bad > sk2.tsr'
same "--skip-bad: the same output" sk.tsr sk2.tsr
expect_status "--max-errors 0 stops at the first" 1 imgdedup --max-errors 0 -o sk3.tsr bad
eq "--max-errors 0: the record, then why it stops" "$(cut -d: -f2- "$T/.err" | tr '\n' ';')" \
	" bad: record 3 (id bad/p3-truncated.jpg): corrupt JPEG: Premature end of JPEG file; stopping at the first error (--max-errors 0);"
eq "--max-errors 0: no output file" "$(ls sk3.tsr* 2>/dev/null | wc -l)" 0
expect_status "--max-errors 1: one error goes" 1 sh -c 'imgdedup --max-errors 1 bad > sk4.tsr'
same "--max-errors 1: the same output" sk.tsr sk4.tsr
rm bad/p3-truncated.jpg
echo "not an image" > bad/readme.jpg
expect_status "a file that is no image is skipped" 1 sh -c 'imgdedup bad > sk5.tsr'
expect_err "named" '^imgdedup: bad: record 3 \(id bad/readme.jpg\): not a PNG, JPEG, WebP, GIF, TIFF, BMP or Netpbm image$'
expect_status "usage: bad --threshold" 2 imgdedup --threshold 40 c
expect_status "usage: bad --keep" 2 imgdedup --keep best c
expect_status "usage: bad --hash" 2 imgdedup --hash md5 c
expect_status "usage: --check with -o" 2 imgdedup --check -o x.tsr c
check "a closed pipe ends quietly" sh -c 'imgdedup c | head -c 100 > /dev/null; test ! -s "$0"' "$T/.err"
done_tests
