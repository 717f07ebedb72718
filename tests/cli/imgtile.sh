# imgtile end to end: grid tiles, random patches with masks, merging back, bad input.
. tests/lib.sh
IM=/usr/bin/convert
PY=/usr/bin/python3
V=/usr/share/visp-images-data/ViSP-images
TSREAD="$ROOT/tests/tsread.py"
FIX="$(dirname "$BIN")/tests/test_tile"
LC_ALL=C
export LC_ALL
cd "$T"

# The file imgcat --export wrote for record ID (from its index.tsv).
exported() { awk -F'\t' -v id="$2" '$2 == id { print $1 }' "$1/index.tsv"; }
# Pixels of an image file as raw bytes, for comparing decoders' output.
rgb() { $IM "$1" -depth 8 rgb:-; }
gray() { $IM "$1" -depth 8 gray:-; }

# A video-like frame from a real photo (200x150) and its decoded record
$IM "$V/Klimt/Klimt.jpeg" -resize 200x150! frame.png
imgcat --decode frame.png > frame.tsr

# ---- grid ----
check "grid 63x63" sh -c 'imgtile --grid 63x63 frame.png > g.tsr'
eq "grid: 3x2 whole tiles fit in 200x150" "$(imgcat -c g.tsr)" 6
eq "grid: ids PARENT@row,col in row order" "$(imgcat -l g.tsr | cut -f1 | tr '\n' ' ')" \
	"frame.png@0,0 frame.png@0,1 frame.png@0,2 frame.png@1,0 frame.png@1,1 frame.png@1,2 "
eq "grid: position and parent metadata" \
	"$(imgcat -l g.tsr | sed -n 6p | tr '\t' '\n' | grep -E '^(tile_|parent_(id|width|height)|width|height)' | sort | tr '\n' ' ')" \
	"height=63 parent_height=150 parent_id=frame.png parent_width=200 tile_col=2 tile_height=63 tile_row=1 tile_width=63 tile_x=126 tile_y=63 width=63 "
eq "grid: other metadata passes through, sha256 and format become parent_sha256 and parent_format" \
	"$(imgcat -l g.tsr | head -1 | tr '\t' '\n' | grep -E '^(source|format|channels|parent_sha256|sha256|parent_format)=' | sort | tr '\n' ' ')" \
	"channels=3 parent_format=png parent_sha256=$(sha256sum frame.png | cut -d' ' -f1) source=frame.png "
# a perceptual hash stored by imgdedup is the parent's picture's, not a tile's: tiles drop it, so
# that imgdedup does not take every tile of a frame for a copy of the first
imgdedup frame.png | imgtile --grid 50x50 > gh.tsr
eq "grid: tiles drop the parent's phash" "$(imgcat -l gh.tsr | grep -c 'phash=')" 0
eq "grid: imgdedup keeps the tiles of one frame" "$(imgdedup --threshold 0 gh.tsr | imgcat -c)" 12
imgcat --export gx g.tsr
eq "grid: tile pixels are ImageMagick's crop" "$(rgb "gx/$(exported gx 'frame.png@1,2')" | md5sum)" \
	"$($IM frame.png -crop 63x63+126+63 +repage -depth 8 rgb:- | md5sum)"

imgtile --grid 63x63 --edge pad frame.tsr > gp.tsr
eq "pad: 4x3 tiles cover the frame" "$(imgcat -c gp.tsr)" 12
imgcat --export gpx gp.tsr
eq "pad: the corner tile is the crop padded with zeros" "$(rgb "gpx/$(exported gpx 'frame.png@2,3')" | md5sum)" \
	"$($IM frame.png -crop 63x63+189+126 +repage -background black -extent 63x63 -depth 8 rgb:- | md5sum)"

imgtile --grid 63x63 --edge shift frame.tsr > gs.tsr
eq "shift: 4x3 tiles" "$(imgcat -c gs.tsr)" 12
eq "shift: the last tiles move back inside" "$(imgcat -l --where id=frame.png@2,3 gs.tsr | grep -o 'tile_[xy]=[0-9]*' | tr '\n' ' ')" \
	"tile_x=137 tile_y=87 "
imgcat --export gsx gs.tsr
eq "shift: the corner tile is the crop at 137,87" "$(rgb "gsx/$(exported gsx 'frame.png@2,3')" | md5sum)" \
	"$($IM frame.png -crop 63x63+137+87 +repage -depth 8 rgb:- | md5sum)"

eq "stride 32 with 64x64 tiles: x at 0..160, y at 0..96" \
	"$(imgtile --grid 64 --stride 32 --edge pad frame.tsr | imgcat -l | grep -o 'tile_[xy]=[0-9]*' | sort -u | tr '\n' ' ')" \
	"tile_x=0 tile_x=128 tile_x=160 tile_x=32 tile_x=64 tile_x=96 tile_y=0 tile_y=32 tile_y=64 tile_y=96 "
eq "stride SxT: 20 across, 30 down" "$(imgtile --grid 50x40 --stride 20x30 frame.tsr | imgcat -c)" $((8 * 4))
eq "a tile larger than the image, padded: one tile" "$(imgtile --grid 300x200 --edge pad frame.tsr | imgcat -l | cut -f3)" "image:u8[200,300,3]"

# ---- merge: grid -> merge gives back the original record, overlapping or not ----
"$PY" "$TSREAD" frame.tsr > frame.json
for g in "--grid 63x63 --edge pad" "--grid 63x63 --edge shift" "--grid 64 --stride 32 --edge pad" \
         "--grid 50x40 --stride 20x30 --edge shift" "--grid 200x150" "--grid 7 --stride 3 --edge pad"; do
	imgtile $g frame.tsr | imgtile --merge | "$PY" "$TSREAD" > rt.json
	same "grid $g -> merge: the same record, pixels and metadata" rt.json frame.json
done
# the merged image is decoded pixels: the file's digest stays parent_sha256, as imgcat --decode has it
eq "merge of an encoded file's tiles: parent_sha256 and parent_format, no sha256 or format" \
	"$(imgtile --grid 63x63 frame.png | imgtile --merge | imgcat -l | tr '\t' '\n' | grep -E '^(parent_)?(sha256|format)=' | sort | tr '\n' ' ')" \
	"parent_format=png parent_sha256=$(sha256sum frame.png | cut -d' ' -f1) "
imgtile --grid 63x63 frame.tsr | imgtile --merge > part.tsr
imgcat --export partx part.tsr
eq "drop -> merge: the covered part back, the rest 0" "$(rgb partx/frame.png | md5sum)" \
	"$($IM frame.png -crop 189x126+0+0 +repage -background black -extent 200x150 -depth 8 rgb:- | md5sum)"
imgcat --decode "$V/Solvay/Solvay_conference_1927_Version2_640x440.jpg" frame.png > two.tsr
"$PY" "$TSREAD" two.tsr > two.json
imgtile --grid 63x63 --stride 40 --edge shift two.tsr | imgtile --merge | "$PY" "$TSREAD" > two-rt.json
same "two photos (gray JPEG, RGB PNG), overlapping tiles -> merge: both back" two-rt.json two.json

# f32 images (a float32 NumPy array) merge back exactly too
"$PY" -c '
import numpy as np
rng = np.random.default_rng(4)
np.save("f.npy", (rng.standard_normal((2, 29, 37, 3)) * 100).astype(np.float32))'
imgcat f.npy > f.tsr
"$PY" "$TSREAD" f.tsr > f.json
imgtile --grid 10x8 --stride 7x5 --edge pad f.tsr | imgtile --merge | "$PY" "$TSREAD" > f-rt.json
same "f32 tiles, overlapping, merge back exactly" f-rt.json f.json

# scores -> heatmap, averaging overlaps (here the score is each tile's tile_x)
imgtile --grid 64 --stride 32 --edge pad frame.tsr | imgtile --merge --score tile_x | "$PY" "$TSREAD" > hm.json
check "heatmap from per-tile scores: the average over covering tiles" "$PY" -c '
import json, numpy as np
r = json.loads(open("hm.json").readline())
t = {x["name"]: x for x in r["tensors"]}["heatmap"]
assert t["dtype"] == "f32" and t["shape"] == [150, 200], t["shape"]
h = np.array(t["data"]).reshape(150, 200)
xs = [0, 32, 64, 96, 128, 160]
want = np.array([np.mean([p for p in xs if p <= x < p + 64]) for x in range(200)])
assert np.allclose(h, want[None, :], atol=1e-4), (h[0, :8], want[:8])
assert "tile_x" not in r["meta"] and r["meta"]["id"] == "frame.png"
'
if [ -x "$FIX" ]; then
	"$FIX" --write-fixtures .
	imgtile --merge scores.tsr | "$PY" "$TSREAD" > scores.json
	eq "score-only tiles (as from a predictor) -> one heatmap per parent" "$(head -1 scores.json)" \
		'{"meta": {"id": "p", "label": "cat", "width": "6", "height": "4"}, "tensors": [{"name": "heatmap", "dtype": "f32", "shape": [4, 6], "data": [1.0, 1.0, 0.75, 0.75, 0.5, 0.5, 1.0, 1.0, 0.75, 0.75, 0.5, 0.5, 1.0, 1.0, 0.75, 0.75, 0.5, 0.5, 1.0, 1.0, 0.75, 0.75, 0.5, 0.5]}]}'
	eq "records without an id: tiles named INPUT:INDEX@row,col" "$(imgtile --grid 2 noid.tsr | imgcat -l | cut -f1 | tr '\n' ' ')" \
		"noid.tsr:0@0,0 noid.tsr:0@0,1 noid.tsr:0@1,0 noid.tsr:0@1,1 noid.tsr:1@0,0 "
	eq "second parent" "$(sed -n 2p scores.json | grep -o '"data": .*')" '"data": [0.25, 0.25, 0.25, 0.25, 0.25, 0.25, 0.25, 0.25, 0.25]}]}'
else
	fail "fixture writer $FIX not built"
fi

# ---- masks: dead pixels in a frame label its tiles (the pixel-error seed) ----
$IM -size 200x150 xc:black -fill white -draw 'point 10,10' -draw 'point 100,70' -draw 'point 101,70' \
	-draw 'point 190,140' frame.mask.png
mkdir -p dp && cp frame.png frame.mask.png dp/
imgcat --decode dp > dp.tsr
eq "imgcat pairs frame.png with frame.mask.png" "$(imgcat -l dp.tsr | cut -f1,3)" "$(printf 'dp/frame.png\timage:u8[150,200,3] mask:u8[150,200]')"
imgtile --grid 63x63 --edge pad --label-from-mask --label-threshold 2 dp.tsr > dpt.tsr
eq "label 1 where a tile holds at least 2 mask pixels" \
	"$(imgcat -l dpt.tsr | awk -F'\t' '{ print $1 "=" $2 }' | grep '=1$' | tr '\n' ' ')" "dp/frame.png@1,1=1 "
eq "mask_pixels counts them" "$(imgcat -l dpt.tsr | grep -o 'mask_pixels=[1-9][0-9]*' | sort | tr '\n' ' ')" \
	"mask_pixels=1 mask_pixels=1 mask_pixels=2 "
eq "threshold 1: three positive tiles" \
	"$(imgtile --grid 63x63 --edge pad --label-from-mask dp.tsr | imgcat --where label=1 | imgcat -c)" 3
eq "the mask is cut with the same window" \
	"$(imgcat -l --where id=dp/frame.png@1,1 dpt.tsr | cut -f3)" "image:u8[63,63,3] mask:u8[63,63]"
imgcat --export dpx dpt.tsr
eq "mask tile pixels are the mask's crop" "$(gray dpx/$(exported dpx 'dp/frame.png@2,3' | sed 's/\.png$/-mask.png/') | md5sum)" \
	"$($IM frame.mask.png -crop 63x63+189+126 +repage -background black -extent 63x63 -depth 8 gray:- | md5sum)"
imgtile --grid 63x63 --edge pad --label-from-mask --stride 40 dp.tsr | imgtile --merge | "$PY" "$TSREAD" > dp-rt.json
"$PY" "$TSREAD" dp.tsr > dp.json
same "image and mask tiles labelled from the mask -> merge: original back, label too" dp-rt.json dp.json
imgcat --label film --decode dp | imgtile --grid 63 --label-from-mask | imgcat -l | head -1 > lab.txt
eq "the parent's label is kept as parent_label" "$(grep -o 'parent_label=[a-z]*' lab.txt)" "parent_label=film"

# ---- random patches with scratch masks (the scratch-detection seed) ----
mkdir -p stills masks
S="$V/Solvay/Solvay_conference_1927_Version2_2126x1463.jpg"
$IM "$S" -crop 1920x1080+0+0 +repage -quality 92 stills/s1.jpg
$IM "$S" -crop 1920x1080+206+383 +repage stills/s2.png
# scratches: thin, nearly vertical lines, as 8-bit gray masks without alpha
$IM -size 1920x1080 xc:black +antialias -stroke white -strokewidth 3 -draw 'line 400,0 420,1079' \
	-draw 'line 1500,0 1490,1079' -strokewidth 1 -draw 'line 900,300 905,700' -alpha off -depth 8 masks/s1.png
$IM -size 1920x1080 xc:black +antialias -stroke white -strokewidth 2 -draw 'line 1000,0 960,1079' \
	-alpha off -depth 8 masks/s2.png
check "imgcat --masks" sh -c 'imgcat --masks masks stills > stills.tsr'
eq "stills stay encoded, masks decoded" "$(imgcat -l stills.tsr | cut -f3 | sort -u)" "$(printf 'encoded:bytes[%s] mask:u8[1080,1920]\nencoded:bytes[%s] mask:u8[1080,1920]' \
	"$(wc -c < stills/s1.jpg | tr -d ' ')" "$(wc -c < stills/s2.png | tr -d ' ')" | sort)"
check "40 patches of 128x128 per still, at most half empty" \
	sh -c 'imgtile --random 40 --size 128x128 --seed 1 --max-empty 0.5 stills.tsr > p.tsr'
eq "80 patches" "$(imgcat -c p.tsr)" 80
eq "every patch 128x128 with its mask" "$(imgcat -l p.tsr | cut -f3 | sort -u)" "mask:u8[128,128] image:u8[128,128,1]"
eq "at most 20 empty patches per still" \
	"$(imgcat -l p.tsr | grep 'mask_pixels=0	' | grep -o 'parent_id=[^	]*' | sort | uniq -c | awk '$1 > 20' | wc -l)" 0
eq "scratches are sparse: the cap of 20 empty patches per still is reached" \
	"$(imgcat -l p.tsr | grep 'mask_pixels=0	' | grep -o 'parent_id=[^	]*' | sort | uniq -c | awk '{ print $1 }' | tr '\n' ' ')" "20 20 "
eq "ids PARENT@patchN" "$(imgcat -l p.tsr | head -2 | cut -f1 | tr '\n' ' ')" "stills/s1.jpg@patch0 stills/s1.jpg@patch1 "
imgcat -l p.tsr | tr '\t' '\n' | grep -E '^(parent_id|tile_x|tile_y|mask_pixels)=' | paste -d' ' - - - - > windows.txt
gray masks/s1.png > s1.mask.raw
gray masks/s2.png > s2.mask.raw
check "patch windows lie inside, mask_pixels counts the mask's window" "$PY" -c '
import numpy as np
m = {"stills/s1.jpg": np.fromfile("s1.mask.raw", np.uint8).reshape(1080, 1920),
     "stills/s2.png": np.fromfile("s2.mask.raw", np.uint8).reshape(1080, 1920)}
n = 0
for line in open("windows.txt"):
    kv = dict(f.split("=", 1) for f in line.split())
    x, y = int(kv["tile_x"]), int(kv["tile_y"])
    assert 0 <= x <= 1920 - 128 and 0 <= y <= 1080 - 128, (x, y)
    want = int(np.count_nonzero(m[kv["parent_id"]][y:y + 128, x:x + 128]))
    assert want == int(kv["mask_pixels"]), (line, want)
    n += 1
assert n == 80, n
'
imgcat --decode --where id=stills/s2.png@patch3 p.tsr | imgcat --export px
set -- $(imgcat -l --where id=stills/s2.png@patch3 p.tsr | grep -o 'tile_[xy]=[0-9]*' | cut -d= -f2)
f=$(exported px 'stills/s2.png@patch3')
eq "patch pixels are the still's crop" "$(rgb "px/$f" | md5sum)" \
	"$($IM stills/s2.png -crop 128x128+$1+$2 +repage -depth 8 rgb:- | md5sum)"
eq "patch mask is the mask's crop" "$(gray "px/${f%.png}-mask.png" | md5sum)" \
	"$($IM masks/s2.png -crop 128x128+$1+$2 +repage -depth 8 gray:- | md5sum)"

imgtile --random 40 --size 128x128 --seed 1 --max-empty 0.5 stills.tsr > p2.tsr
same "the same seed gives the same patches" p.tsr p2.tsr
imgtile --random 40 --size 128x128 --seed 2 --max-empty 0.5 stills.tsr > p3.tsr
if cmp -s p.tsr p3.tsr; then fail "another seed gives other patches"; else pass "another seed gives other patches"; fi
imgcat --where parent_id=stills/s2.png p.tsr | "$PY" "$TSREAD" | md5sum > s2-with-s1
imgcat --masks masks stills/s2.png | imgtile --random 40 --size 128x128 --seed 1 --max-empty 0.5 | "$PY" "$TSREAD" | md5sum > s2-alone
same "a still's patches do not depend on the other records" s2-with-s1 s2-alone
imgcat --masks masks stills/s2.png stills/s1.jpg | imgtile --random 40 --size 128x128 --seed 1 --max-empty 0.5 |
	imgcat --where parent_id=stills/s2.png | "$PY" "$TSREAD" | md5sum > s2-first
same "nor on their order" s2-with-s1 s2-first

eq "--min-positive 200: no patch holds 1 to 199 scratch pixels" \
	"$(imgtile --random 30 --size 128x128 --seed 3 --min-positive 200 stills.tsr | imgcat -l |
	   grep -o 'mask_pixels=[0-9]*' | cut -d= -f2 | awk '$1 > 0 && $1 < 200' | wc -l)" 0
imgtile --random 30 --size 128x128 --seed 3 --label-from-mask --label-threshold 100 stills.tsr | imgcat -l |
	awk -F'\t' '{ n = $0; sub(/.*mask_pixels=/, "", n); sub(/\t.*/, "", n); print $2, (n + 0 >= 100) }' | sort | uniq -c > labels.txt
eq "--label-from-mask: label 1 exactly when 100 or more mask pixels" "$(awk '$2 != $3' labels.txt | wc -l)" 0
eq "both labels occur" "$(wc -l < labels.txt)" 2

imgtile --random 60 --size 128x128 --seed 5 stills.tsr | imgcat --where parent_id=stills/s2.png > ps2.tsr
imgcat -l ps2.tsr | tr '\t' '\n' | grep -E '^tile_[xy]=' | cut -d= -f2 | paste -d' ' - - > ps2.xy
imgtile --merge ps2.tsr | imgcat --export ps2x
rgb ps2x/stills_s2.png > merged.raw
rgb stills/s2.png > s2.raw
check "random patches -> merge: the still where they cover it, 0 elsewhere" "$PY" -c '
import numpy as np
got = np.fromfile("merged.raw", np.uint8).reshape(1080, 1920, 3)
src = np.fromfile("s2.raw", np.uint8).reshape(1080, 1920, 3)
cover = np.zeros((1080, 1920), bool)
for line in open("ps2.xy"):
    x, y = map(int, line.split())
    cover[y:y + 128, x:x + 128] = True
assert 0.05 < cover.mean() < 0.9, cover.mean()
assert (got[cover] == src[cover]).all() and (got[~cover] == 0).all()
'

$IM -size 1920x1080 xc:black masks/blank.png
cp stills/s2.png stills/blank.png
imgcat --masks masks stills/blank.png > blank.tsr
expect_status "an empty mask cannot give non-empty patches: fewer patches, exit 0" 0 \
	imgtile --random 10 --size 128 --max-empty 0.3 -o blank-p.tsr blank.tsr
expect_err "and one line says so" '^imgtile: 1 of 1 images gave fewer than 10 patches'
eq "3 patches: the empty ones allowed" "$(imgcat -c blank-p.tsr)" 3

# ---- bad input ----
expect_status "tile larger than the image" 1 imgtile --grid 300x100 frame.png
expect_err "names the input, record and sizes" '^imgtile: frame.png: record 1 \(id frame.png\): tile 300x100 is larger than the image 200x150'
expect_status "tile larger than the image, --edge shift" 1 imgtile --grid 63x151 --edge shift frame.tsr
expect_err "shift: named" '^imgtile: frame.tsr: record 1 \(id frame.png\): tile 63x151 is larger'
expect_status "patch larger than the image" 1 imgtile --random 3 --size 201x10 frame.tsr
expect_err "patch: named" 'record 1 \(id frame.png\): patch 201x10 is larger than the image 200x150'
expect_status "--max-empty without a mask" 1 imgtile --random 3 --size 10 --max-empty 0.5 frame.tsr
expect_err "no mask named" 'record 1 \(id frame.png\): no mask tensor'
expect_status "--grid --label-from-mask without a mask: an error, as with --random" 1 \
	imgtile --grid 63 --label-from-mask -o nomask.tsr frame.tsr
expect_err "grid: no mask named" '^imgtile: frame.tsr: record 1 \(id frame.png\): no mask tensor \(--label-from-mask needs one\)$'
for bad in "--grid 0x63" "--grid 63x0" "--grid -5" "--grid 63x" "--grid 63x63x3" "--grid 70000" \
           "--grid 8 --stride 0" "--grid 8 --stride 4x0" "--random 0 --size 8" "--random -2 --size 8" \
           "--random 2 --size 0" "--random 2 --size 8 --max-empty 1.5" "--random 2 --size 8 --min-positive 0"; do
	expect_status "usage error: $bad" 2 imgtile $bad frame.tsr
done
imgtile --random 2 --size 0x8 frame.tsr 2> err.txt
eq "zero size named" "$(head -1 err.txt)" "imgtile: --size: '0x8' is not WxH (or N for NxN) with sides from 1 to 65535"
imgtile --grid 8 --stride 0 frame.tsr 2> err.txt
eq "zero stride named" "$(head -1 err.txt)" "imgtile: --stride: '0' is not WxH (or N for NxN) with sides from 1 to 65535"
expect_status "no mode" 2 imgtile frame.tsr
expect_status "two modes" 2 imgtile --grid 8 --merge frame.tsr
expect_status "--random without --size" 2 imgtile --random 3 frame.tsr
expect_status "--stride with --random" 2 imgtile --random 3 --size 8 --stride 4 frame.tsr
expect_status "--max-empty with --grid" 2 imgtile --grid 8 --max-empty 0.5 frame.tsr
expect_status "--label-threshold without --label-from-mask" 2 imgtile --grid 8 --label-threshold 3 frame.tsr
expect_status "--edge crop" 2 imgtile --grid 8 --edge crop frame.tsr
if [ -x "$FIX" ]; then
	expect_status "mask size differs from the image" 1 imgtile --grid 8 mismatch.tsr
	expect_err "mismatch named" '^imgtile: mismatch.tsr: record 1 \(id frame7\): the mask is 30x40 but the image is 40x30$'
	expect_status "zero-size image" 1 imgtile --random 1 --size 8 empty.tsr
	expect_err "zero size named" '^imgtile: empty.tsr: record 1 \(id void\): .*size 0'
	expect_status "grid of records without images" 1 imgtile --grid 8 scores.tsr
	eq "no image named, each record skipped" "$(head -1 "$T/.err")" 'imgtile: scores.tsr: record 1 (id p@0,0): no image to cut'
	eq "... and one line each" "$(grep -c 'no image to cut$' "$T/.err")" "$(imgcat -c scores.tsr)"
	expect_status "merge: tiles of a parent split up" 1 imgtile --merge interleaved.tsr
	expect_err "split parent named" 'interleaved.tsr: record 3 \(id p@0,2\): parent p was already merged'
	expect_status "merge: tile outside its parent" 1 imgtile --merge outside.tsr
	expect_err "outside named" 'outside.tsr: record 1 .*: tile at 6,0 lies outside its 6x4 parent'
	expect_status "merge: score not a number" 1 imgtile --merge badscore.tsr
	expect_err "score named" "badscore.tsr: record 1 .*: score 'high' is not a number"
	expect_status "merge: parent sizes disagree" 1 imgtile --merge twosizes.tsr
	expect_err "sizes named" 'twosizes.tsr: record 2 .*: parent size 8x4 differs'
	expect_status "merge: tile resized after cutting" 1 imgtile --merge resized.tsr
	expect_err "resized named" "resized.tsr: record 1 .*: the image is 4x4 but the tile was cut 5x5"
	expect_status "merge: not a tile" 1 imgtile --merge noparent.tsr
	expect_err "not a tile named" "noparent.tsr: record 1 \(id plain\): no 'parent_id' metadata"
fi
imgtile --grid 8 frame.tsr > g8.tsr
expect_status "merge: tiles with an image and no score merge" 0 imgtile --merge -o g8m.tsr g8.tsr
eq "merge without --score: no heatmap when no tile has a score" "$(imgcat -l g8m.tsr | cut -f3)" "image:u8[150,200,3]"
expect_status "merge --score KEY that no tile carries: an error" 1 imgtile --merge --score nothing -o g8n.tsr g8.tsr
expect_err "the key and the parent named" "^imgtile: g8.tsr: parent frame.png: no tile carries 'nothing' \(--score\)$"
( imgtile --grid 8 frame.tsr; echo $? > st ) | head -c 100 > /dev/null
eq "imgtile | head -c exits 0" "$(cat st)" 0
expect_status "full disk" 1 sh -c 'imgtile --grid 8 frame.tsr > /dev/full'
expect_err "full disk named" 'write error'
check "--help" imgtile --help
check "-v summary" sh -c 'imgtile -v --grid 63 frame.tsr 2>&1 >/dev/null | grep -Eq "^imgtile: 1 record in, 6 out, .* records/s, peak .* MiB$"'
done_tests
