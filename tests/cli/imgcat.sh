# imgcat end to end: import, inspect, convert, select, split, export, bad input.
. tests/lib.sh
IM=/usr/bin/convert
V=/usr/share/visp-images-data/ViSP-images
F=/usr/share/datasets/fashion-mnist
cd "$T"

# Real photos, small: two classes in folders
mkdir -p photos/cars photos/tanks
$IM "$V/Klimt/Klimt.jpeg" -resize 64x48! photos/cars/klimt.jpg
$IM "$V/Klimt/Klimt.jpeg" -crop 100x80+40+40 +repage photos/cars/crop.png
$IM "$V/Klimt/Klimt.jpeg" -rotate 90 -resize 40x50! photos/tanks/rot.jpg
$IM "$V/Klimt/Klimt.jpeg" -colorspace gray -resize 30x30! photos/tanks/gray.png
echo "not an image" > photos/README

check "import a folder tree" sh -c 'imgcat --label-from-dir photos > photos.tsr'
eq "four records" "$(imgcat -c photos.tsr)" 4
eq "ids in name order, labels from folders" "$(imgcat -l photos.tsr | cut -f1,2 | tr '\t\n' ':,')" \
	"photos/cars/crop.png:cars,photos/cars/klimt.jpg:cars,photos/tanks/gray.png:tanks,photos/tanks/rot.jpg:tanks,"
eq "encoded bytes kept with sha256" "$(imgcat -l photos.tsr | head -1 | grep -o 'sha256=[0-9a-f]*')" \
	"sha256=$(sha256sum photos/cars/crop.png | cut -d' ' -f1)"
eq "list shows the encoded tensor" "$(imgcat -l photos.tsr | head -1 | cut -f3)" "encoded:bytes[$(wc -c < photos/cars/crop.png)]"

# cat semantics
check "copy a stream" sh -c 'imgcat photos.tsr > copy.tsr && imgcat - < copy.tsr > copy2.tsr'
eq "copy keeps every record" "$(imgcat -l copy2.tsr | md5sum)" "$(imgcat -l photos.tsr | md5sum)"
cat photos.tsr copy.tsr > twice.tsr
eq "concatenated streams are one stream" "$(imgcat -c twice.tsr)" 8
eq "several operands" "$(imgcat photos.tsr photos/cars/klimt.jpg - < copy.tsr | imgcat -c)" 9

# the default zstd level is -1 (tensorstream(5), "Compression levels"); --level and TS_LEVEL change it
imgcat --decode photos.tsr > lv.tsr
imgcat lv.tsr > lv-default.tsr
imgcat --level -1 lv.tsr > lv-1.tsr
imgcat --level 3 lv.tsr > lv3.tsr
same "the default level is -1" lv-default.tsr lv-1.tsr
check "--level 3 writes other bytes than the default" sh -c '! cmp -s lv3.tsr lv-default.tsr'
env TS_LEVEL=3 imgcat lv.tsr > lv-env3.tsr
same "TS_LEVEL=3 changes the default" lv-env3.tsr lv3.tsr
env TS_LEVEL=3 imgcat --level -1 lv.tsr > lv-env3-opt1.tsr
same "--level -1 wins over TS_LEVEL=3 (the option names the default level)" lv-env3-opt1.tsr lv-1.tsr
eq "every level reads back the same records" "$(imgcat -l lv3.tsr | md5sum)" "$(imgcat -l lv-default.tsr | md5sum)"

# decode and export
check "decode" sh -c 'imgcat --decode photos.tsr > dec.tsr'
eq "decoded shape" "$(imgcat -l dec.tsr | grep klimt | cut -f3)" "image:u8[48,64,3]"
eq "gray stays one channel" "$(imgcat -l dec.tsr | grep gray.png | cut -f3)" "image:u8[30,30,1]"
check "export" imgcat --export out --by-label dec.tsr
eq "index lists every file" "$(tail -n +2 out/index.tsv | cut -f1 | sort | tr '\n' ' ')" \
	"cars/photos_cars_crop.png cars/photos_cars_klimt.png tanks/photos_tanks_gray.png tanks/photos_tanks_rot.png "
eq "exported PNG has the decoded pixels" "$($IM out/cars/photos_cars_crop.png rgb:- | md5sum)" "$($IM photos/cars/crop.png rgb:- | md5sum)"
eq "exported JPEG pixels match ImageMagick's decoding" \
	"$($IM out/tanks/photos_tanks_rot.png -depth 8 rgb:- | md5sum)" "$($IM photos/tanks/rot.jpg -depth 8 rgb:- | md5sum)"
check "export encoded keeps the bytes" imgcat --export raw photos.tsr
same "original JPEG bytes exported" raw/photos_cars_klimt.jpg photos/cars/klimt.jpg
check "decode a file straight to export" sh -c "imgcat --decode photos/cars/klimt.jpg | imgcat --export one"
eq "one file and its index" "$(ls one | tr '\n' ' ')" "index.tsv photos_cars_klimt.png "
check "encode back to PNG" sh -c 'imgcat --encode png dec.tsr | imgcat --decode | imgcat -l > reenc.txt'
eq "PNG round trip is lossless" "$(cut -f3 reenc.txt | md5sum)" "$(imgcat -l dec.tsr | cut -f3 | md5sum)"
# sha256 and format describe the encoded bytes: decoding moves them to parent_sha256 and
# parent_format; encoding sets the new bytes' own
eq "--decode: sha256 and format become parent_sha256 and parent_format" \
	"$(imgcat -l dec.tsr | head -1 | tr '\t' '\n' | grep -E '^(parent_)?(sha256|format)=' | sort | tr '\n' ' ')" \
	"parent_format=png parent_sha256=$(sha256sum photos/cars/crop.png | cut -d' ' -f1) "
imgcat --encode jpeg dec.tsr > reenc.tsr
imgcat --export reencx reenc.tsr
eq "--encode: sha256 and format of the new bytes, the file's kept as parent" \
	"$(imgcat -l reenc.tsr | head -1 | tr '\t' '\n' | grep -E '^(parent_)?(sha256|format)=' | sort | tr '\n' ' ')" \
	"format=jpeg parent_format=png parent_sha256=$(sha256sum photos/cars/crop.png | cut -d' ' -f1) sha256=$(sha256sum reencx/photos_cars_crop.jpg | cut -d' ' -f1) "

# names that try to leave the export directory
printf '%s\n' "../../evil.png,x" > evil.csv
cp photos/cars/crop.png ./evil.png
imgcat --label '../../up' evil.png | imgcat --export safe --by-label
eq "labels cannot climb out of the export directory" "$(find safe -name '*.png' | sort | tr '\n' ' ')" "safe/_.._.._up/evil.png "
# names keep valid UTF-8 (猫 and 犬 get folders of their own); '/', control characters, bytes
# that are not UTF-8 and a leading dot are escaped; two labels never share a folder
for l in 猫 犬 a/b a_b; do imgcat --label "$l" evil.png; done > labs.tsr
imgcat --export labx --by-label labs.tsr 2> labx.err
eq "--by-label: UTF-8 labels keep their names, two labels never share a folder" \
	"$(cd labx && ls -d */ | tr -d / | LC_ALL=C sort | tr '\n' ' ')" "a_b a_b-2 犬 猫 "
eq "--by-label: a folder that had to be renamed is reported" "$(cat labx.err)" \
	"imgcat: --export --by-label: the folder name a_b is taken: records labelled 'a_b' go to a_b-2"
eq "--by-label: index.tsv gives each file's label" "$(tail -n +2 labx/index.tsv | cut -f1,3 | tr '\t\n' '= ')" \
	"猫/evil.png=猫 犬/evil.png=犬 a_b/evil.png=a/b a_b-2/evil.png=a_b "
mkdir names
for n in 写真 .hidden "$(printf 'ctl\001x')" "$(printf 'bad\377x')"; do cp evil.png "names/$n.png"; done
(cd names && imgcat 写真.png .hidden.png "$(printf 'ctl\001x.png')" "$(printf 'bad\377x.png')") > names.tsr
imgcat --export namex names.tsr
eq "file names: UTF-8 kept; leading dot, control characters and invalid bytes escaped" \
	"$(ls namex | LC_ALL=C sort | tr '\n' ' ')" "_.hidden.png bad_x.png ctl_x.png index.tsv 写真.png "

# frames on a pipe
cat photos/cars/crop.png photos/tanks/gray.png photos/cars/klimt.jpg | imgcat --label film1 - > frames.tsr
eq "image concatenation split into frames" "$(imgcat -l frames.tsr | grep -o 'frame=[0-9]*' | tr '\n' ' ')" "frame=0 frame=1 frame=2 "
eq "frames carry the label" "$(imgcat --where label=film1 frames.tsr | imgcat -c)" 3
cat photos/cars/crop.png photos/tanks/gray.png > two.png
expect_status "a named file holding two images: exit 1" 1 sh -c 'imgcat two.png > two.tsr'
expect_err "... with a warning where the second begins" \
	"^imgcat: two.png: another image begins at byte $(wc -c < photos/cars/crop.png) of $(wc -c < two.png) and is ignored"
eq "... and the first image still read" "$(imgcat -c two.tsr)" 1

# Fashion-MNIST from Debian's package
check "IDX import" sh -c "imgcat --idx --classes \$(cat '$ROOT/share/fashion-mnist/classes') $F/t10k-images-idx3-ubyte.gz $F/t10k-labels-idx1-ubyte.gz > fm.tsr"
eq "10000 records" "$(imgcat -c fm.tsr)" 10000
eq "1000 per class" "$(imgcat --stats fm.tsr | awk -F'\t' '$2==1000' | wc -l)" 10
eq "first record" "$(imgcat -l --head 1 fm.tsr | cut -f1-3)" "$(printf 't10k-images-idx3-ubyte:0\tboot\timage:u8[28,28,1]')"

# selection
eq "--head" "$(imgcat --head 7 fm.tsr | imgcat -c)" 7
eq "--where and --where !=" "$(imgcat --where label=bag fm.tsr | imgcat -c) $(imgcat --where label!=bag fm.tsr | imgcat -c)" "1000 9000"
imgcat --sample 50 --seed 3 fm.tsr | imgcat -l | cut -f1 | cut -d: -f2 > s1
eq "--sample size" "$(wc -l < s1)" 50
eq "--sample keeps input order" "$(sort -n s1 | md5sum)" "$(md5sum < s1)"
eq "--sample is seeded" "$(imgcat --sample 50 --seed 3 fm.tsr | imgcat -l | cut -f1 | cut -d: -f2 | md5sum)" "$(md5sum < s1)"
imgcat --head 500 fm.tsr > small.tsr
imgcat --shuffle --seed 5 small.tsr | imgcat -l | cut -f1 > sh1
imgcat --shuffle --seed 5 --shuffle-memory 20000 small.tsr | imgcat -l | cut -f1 > sh2
eq "--shuffle keeps every record" "$(sort sh1 | md5sum)" "$(imgcat -l small.tsr | cut -f1 | sort | md5sum)"
if cmp -s sh1 "$(imgcat -l small.tsr | cut -f1 > orig; echo orig)"; then fail "--shuffle changes the order"; else pass "--shuffle changes the order"; fi
eq "--shuffle spilling to temporary files keeps every record" "$(sort sh2 | md5sum)" "$(sort sh1 | md5sum)"
eq "--shuffle is seeded" "$(imgcat --shuffle --seed 5 small.tsr | imgcat -l | cut -f1 | md5sum)" "$(md5sum < sh1)"
imgcat --where label!=bag --head 3000 fm.tsr > unbal.tsr
imgcat --head 20 --where label=bag fm.tsr >> unbal.tsr
eq "--balance to the rarest class" "$(imgcat --balance unbal.tsr | imgcat -l | cut -f2 | sort | uniq -c | awk '{print $1}' | sort -u)" 20
eq "--balance keeps every class" "$(imgcat --balance unbal.tsr | imgcat -l | cut -f2 | sort -u | wc -l)" 10

# split and shard
check "split" imgcat --split train=0.7,test=0.3 --by label -o part- fm.tsr
eq "split keeps every record" "$(($(imgcat -c part-train.tsr) + $(imgcat -c part-test.tsr)))" 10000
eq "a group lands in one part" "$(imgcat -l part-test.tsr | cut -f2 | sort | uniq -c | awk '{print $1}' | sort -u)" 1000
imgcat --split a=0.5,b=0.5 -o again- fm.tsr
imgcat --split a=0.5,b=0.5 -o again2- fm.tsr
same "split is deterministic" again-a.tsr again2-a.tsr
check "shard" imgcat --shard 3 -o shard-%02d.tsr small.tsr
eq "shards deal round robin" "$(imgcat -c shard-00.tsr) $(imgcat -c shard-01.tsr) $(imgcat -c shard-02.tsr)" "167 167 166"

# bad input
head -c 3000 fm.tsr > cut.tsr
expect_status "truncated stream fails" 1 imgcat -c cut.tsr
expect_err "truncation named with input and record" '^imgcat: cut.tsr: record [0-9]+: .*trunc'
imgcat --head 100 fm.tsr | head -c 20000 > cut2.tsr
expect_status "a writer cut half-way leaves no complete-looking stream" 1 imgcat -c cut2.tsr
expect_status "corrupt record fails" 1 sh -c "imgcat small.tsr | { head -c 2000; printf 'XXXX'; tail -c +2005; } > flip.tsr; imgcat -l flip.tsr"
expect_err "corruption named with record" '^imgcat: flip.tsr: record [0-9]+: '
expect_status "output file not left behind on error" 1 imgcat -o never.tsr cut.tsr
eq "no output file" "$(ls never.tsr* 2>/dev/null)" ""
echo "hello" > text.txt
expect_status "not a stream" 1 imgcat text.txt
expect_err "says what it is not" '^imgcat: text.txt: not a tensor stream'
head -c 200 photos/cars/crop.png > trunc.png
{ printf 'XXXX'; tail -c +5 photos/cars/klimt.jpg; } > badmagic.jpg
expect_status "truncated PNG file" 1 imgcat --decode trunc.png photos/cars/klimt.jpg -o mixed.tsr
expect_err "names the file" '^imgcat: trunc.png: .*'
eq "the good file still goes through" "$(imgcat -c mixed.tsr)" 1
expect_status "JPEG with wrong magic" 1 imgcat badmagic.jpg
expect_err "wrong magic named" '^imgcat: badmagic.jpg: record 1 \(id badmagic.jpg\): not a PNG, JPEG, WebP, GIF, TIFF, BMP or Netpbm image$'
mkdir -p broken/x; cp photos/cars/klimt.jpg broken/x/; ln -s /nonexistent broken/x/dangling.jpg; cp trunc.png broken/x/t.png
expect_status "directory with unreadable and broken files" 1 sh -c 'imgcat --decode broken > b.tsr'
eq "two warnings" "$(wc -l < "$T/.err")" 2
eq "good images kept" "$(imgcat -c b.tsr)" 1
expect_status "a broken GIF" 1 sh -c "printf 'GIF89a....' > x.gif; imgcat --decode x.gif"
expect_err "gif named" '^imgcat: x.gif: .*(corrupt|truncated) GIF'
IMG_MAX_PIXELS=1000 expect_status "pixel budget" 1 imgcat --decode photos/cars/klimt.jpg
expect_err "pixel budget named" 'pixel budget'
( imgcat -l fm.tsr; echo $? > st ) | head -1 > /dev/null
eq "imgcat -l | head -1 exits 0" "$(cat st)" 0
( imgcat fm.tsr; echo $? > st2 ) | head -c 100 > /dev/null
eq "imgcat | head -c exits 0" "$(cat st2)" 0
expect_status "full disk" 1 sh -c 'imgcat fm.tsr > /dev/full'
expect_err "full disk named" 'write error'
expect_status "full disk, listing" 1 sh -c 'imgcat -l fm.tsr > /dev/full'
expect_status "usage error" 2 imgcat --head x fm.tsr
expect_status "unknown option" 2 imgcat --frobnicate
expect_status "--split needs -o" 2 imgcat --split a=0.5 fm.tsr
expect_status "--split: a part named twice is a usage error" 2 imgcat --split a=0.5,a=0.5 -o twice- fm.tsr
eq "--split: the part named twice is named, nothing written" \
	"$(head -1 "$T/.err") $(ls twice-* 2>/dev/null | wc -l)" "imgcat: --split: part 'a' named twice 0"
expect_status "--shard needs a pattern" 2 imgcat --shard 2 -o plain.tsr fm.tsr
expect_status "--max-pixels" 1 imgcat --max-pixels 1000 --decode photos/cars/klimt.jpg
expect_err "--max-pixels named" 'klimt.jpg: record 1 \(id photos/cars/klimt.jpg\): image 64x48 exceeds the pixel budget of 1000'
eq "stats reads encoded sizes from headers" "$(imgcat --stats photos.tsr | grep -c 'encoded:jpeg\[48,64,3\]')" 1
eq "stats side histogram" "$(imgcat --stats photos.tsr | awk -F'\t' '$1=="32-63"{print $2, $3}')" "2 1"
if [ "$(id -u)" -ne 0 ]; then
	mkdir -p noperm; cp photos/cars/klimt.jpg noperm/a.jpg; cp photos/cars/klimt.jpg noperm/b.jpg; chmod 000 noperm/b.jpg
	expect_status "unreadable file in a directory" 1 sh -c 'imgcat noperm > np.tsr'
	expect_err "unreadable file named" 'noperm/b.jpg: Permission denied'
	eq "readable file kept" "$(imgcat -c np.tsr)" 1
else
	skip "unreadable file in a directory: running as root, permissions do not apply (dangling link tested above)"
fi
# masks: beside their image in a directory (x.mask.png, x_mask.png, x-mask.png), or by name in --masks DIR
mkdir -p seg seg-masks orient
$IM "$V/Klimt/Klimt.jpeg" -resize 40x30! seg/a.jpg
$IM -size 40x30 xc:black -fill white -draw 'rectangle 5,5 9,9' -alpha off -depth 8 seg/a.mask.png
$IM "$V/Klimt/Klimt.jpeg" -resize 20x10! seg/b.png
$IM -size 20x10 xc:'rgba(0,0,0,0)' -fill 'rgb(200,0,0)' -draw 'point 3,4' -fill 'rgb(0,90,30)' -draw 'point 7,2' seg/b_mask.png
$IM "$V/Klimt/Klimt.jpeg" -resize 16x16! seg/c.png
$IM -size 16x16 xc:'gray(40)' -alpha off -depth 8 seg/c-mask.png
$IM -size 12x12 xc:white seg/lonely_mask.png
check "import images with masks beside them" sh -c 'imgcat seg > seg.tsr'
eq "mask files are not images of their own; a _mask name without its image is" \
	"$(imgcat -l seg.tsr | cut -f1 | tr '\n' ' ')" "seg/a.jpg seg/b.png seg/c.png seg/lonely_mask.png "
eq "images stay encoded, masks are decoded" "$(imgcat -l seg.tsr | head -1 | cut -f3)" "encoded:bytes[$(wc -c < seg/a.jpg | tr -d ' ')] mask:u8[30,40]"
eq "mask_source names the mask file" "$(imgcat -l seg.tsr | grep -o 'mask_source=[^	]*' | tr '\n' ' ')" \
	"mask_source=seg/a.mask.png mask_source=seg/b_mask.png mask_source=seg/c-mask.png "
check "mask values: gray kept, colour as the largest of R, G, B" /usr/bin/python3 -c '
import json, subprocess, sys
out = subprocess.run(["/usr/bin/python3", sys.argv[1], "seg.tsr"], capture_output=True, text=True, check=True).stdout
m = {}
for line in out.splitlines():
    r = json.loads(line)
    for t in r["tensors"]:
        if t["name"] == "mask":
            m[r["meta"]["id"]] = t
a, b, c = m["seg/a.jpg"], m["seg/b.png"], m["seg/c.png"]
assert a["shape"] == [30, 40] and sorted(set(a["data"])) == [0, 255] and a["data"].count(255) == 25
assert b["data"][4 * 20 + 3] == 200 and b["data"][2 * 20 + 7] == 90 and sum(1 for v in b["data"] if v) == 2, b["data"]
assert set(c["data"]) == {40}
' "$ROOT/tests/tsread.py"
imgcat --decode seg | imgcat --export segx
check "export writes NAME-mask.png; importing the export pairs them again" sh -c 'imgcat --decode segx > segx.tsr'
eq "masks survive export and import" "$(imgcat -l segx.tsr | cut -f3 | sort | tr '\n' ' ')" \
	"image:u8[10,20,3] mask:u8[10,20] image:u8[12,12,1] image:u8[16,16,3] mask:u8[16,16] image:u8[30,40,3] mask:u8[30,40] "
$IM -size 40x30 xc:black -fill white -draw 'point 1,1' -alpha off -depth 8 seg-masks/a.png
$IM -size 20x10 xc:black -alpha off -depth 8 seg-masks/b_mask.png
check "--masks DIR" sh -c 'imgcat --masks seg-masks seg/a.jpg seg/b.png > sm.tsr'
eq "masks found by name in DIR" "$(imgcat -l sm.tsr | grep -o 'mask_source=[^	]*' | tr '\n' ' ')" \
	"mask_source=seg-masks/a.png mask_source=seg-masks/b_mask.png "
expect_status "--masks: an image without a mask is skipped" 1 sh -c 'imgcat --masks seg-masks seg > sm2.tsr'
eq "warnings name the images" "$(cut -d: -f2- "$T/.err" | tr '\n' ';')" " seg: record 3 (id seg/c.png): no mask in seg-masks; seg: record 4 (id seg/lonely_mask.png): no mask in seg-masks;"
eq "the others kept" "$(imgcat -c sm2.tsr)" 2
$IM -size 10x10 xc:black seg-masks/c.png
expect_status "--masks: mask of another size" 1 sh -c 'imgcat --masks seg-masks seg/c.png > sm3.tsr'
expect_err "size mismatch named" '^imgcat: seg/c.png: record 1 \(id seg/c.png\): mask seg-masks/c.png is 10x10 but the image is 16x16$'
eq "the image is skipped" "$(imgcat -c sm3.tsr)" 0
mkdir -p segbad && cp seg/c.png segbad/ && cp seg-masks/c.png segbad/c.mask.png
expect_status "mask of another size beside its image" 1 sh -c 'imgcat segbad > sb.tsr'
expect_err "named too" '^imgcat: segbad: record 1 \(id segbad/c.png\): mask segbad/c.mask.png is 10x10 but the image is 16x16$'
cp "$ROOT/fuzz/corpus/jpeg/exif6.jpg" orient/e.jpg
$IM -size 24x32 xc:black -alpha off -depth 8 orient/e.mask.png
eq "the mask matches the image as oriented by EXIF" "$(imgcat orient | imgcat -l | cut -f3)" "encoded:bytes[$(wc -c < orient/e.jpg | tr -d ' ')] mask:u8[32,24]"
expect_status "--masks DIR that does not exist" 1 imgcat --masks nowhere seg
expect_err "missing DIR named" '^imgcat: --masks: nowhere: No such file or directory$'
expect_status "--masks with --idx" 2 imgcat --masks seg-masks --idx x
check "-o to a device writes in place" imgcat -o /dev/null small.tsr
check "/dev/null is still a device" test -c /dev/null
check "--help" imgcat --help
check "-v summary" sh -c 'imgcat -v --head 5 fm.tsr 2>&1 >/dev/null | grep -Eq "^imgcat: 5 records in, 5 out, .* records/s, peak .* MiB$"'
done_tests
