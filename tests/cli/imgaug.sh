# imgaug end to end: steps against hand-computed and ImageMagick results, copies and metadata,
# determinism (threads, input order), masks through geometry, defects' masks, bad input.
. tests/lib.sh
IM=/usr/bin/convert
PY=/usr/bin/python3
V=/usr/share/visp-images-data/ViSP-images
CHK="$PY $ROOT/tests/aug_check.py"
LC_ALL=C
export LC_ALL
cd "$T"

rgb() { $IM "$1" -depth 8 rgb:-; }
# "STEP LABEL" for each record: the first step aug names and the label.
augs_labels() { imgcat -l | sed -E 's/^[^	]*	([^	]*)	.*	aug=([a-z]*)[^	]*	.*/\2 \1/'; }
# The first copy's image as a PNG file in $2 (via --preview).
first() { rm -rf pv; imgaug --preview pv "$@" && cp pv/*@aug1.png "$PV"; }

# A real photo, not square (transposition bugs show), with a mask of shapes, imported with the
# same id as a second record whose image is that mask (so both get the same randomness)
$IM "$V/Klimt/Klimt.jpeg" -resize 64x48! k.png
mkdir -p ph sh masks
cp k.png ph/x.png
$IM "$V/Solvay/Solvay_conference_1927_Version2_640x440.jpg" -resize 64x48! -type TrueColor PNG24:ph/y.png
$IM -size 64x48 xc:black +antialias -fill white -draw 'rectangle 10,5 30,40' -draw 'circle 45,24 55,30' \
	-alpha off -depth 8 -type Grayscale masks/x.png
$IM -size 64x48 xc:black +antialias -fill white -draw 'polygon 5,40 60,2 50,45' -alpha off -depth 8 \
	-type Grayscale masks/y.png
for n in x y; do $IM masks/$n.png -type TrueColor PNG24:sh/$n.png; done
(cd ph && imgcat --decode --masks ../masks x.png y.png) > photo.tsr
(cd sh && imgcat --decode x.png y.png) > shapes.tsr
imgcat --decode k.png > k.tsr

# ---- pixel-exact steps ----
for s in "hflip:-flop" "vflip:-flip" "rot90 90:-rotate -90" "rot90 180:-rotate 180" "rot90 270:-rotate 90"; do
	PV="out.png" first "${s%%:*}" k.tsr
	eq "${s%%:*} is ImageMagick's ${s#*:}" "$(rgb out.png | md5sum)" "$($IM k.png ${s#*:} -depth 8 rgb:- | md5sum)"
done
eq "rot90 90 turns a 64x48 image into 48x64" "$(imgaug 'rot90 90' k.tsr | imgcat -l | cut -f3)" "image:u8[64,48,3]"
eq "crop 20x10 is a window of the photo at the place aug names" \
	"$(imgaug --seed 4 'crop 20x10' k.tsr > c.tsr; imgaug --preview cx 'crop 20x10' --seed 4 k.tsr; rgb cx/k.png@aug1.png | md5sum)" \
	"$($IM k.png -crop "20x10+$(imgcat -l c.tsr | grep -o 'aug=crop=[0-9]*,[0-9]*' | sed 's/aug=crop=//; s/,/+/')" +repage -depth 8 rgb:- | md5sum)"

# gray values 0 50 100 200 250, hand-computed: brightness 0.1 -> round(1.1 v) clamped;
# gamma 2 -> round(255 (v/255)^2); contrast 0.5 -> round(1.5 v - 0.5 mean), mean 120
printf 'P5 5 1 255\n\000\062\144\310\372' | $IM pgm:- -depth 8 v.png
imgcat --decode v.png > v.tsr
imgaug 'brightness 0.1' v.tsr > vb.tsr
eq "brightness 0.1 on known values" "$($CHK pixels vb.tsr)" "0 55 110 220 255"
eq "brightness 0.1: aug names it" "$(imgcat -l vb.tsr | grep -o 'aug=[^	]*')" "aug=brightness=+0.1"
eq "brightness -0.5 on known values" "$(imgaug 'brightness -0.5' v.tsr > vb2.tsr && $CHK pixels vb2.tsr)" "0 25 50 100 125"
eq "gamma 2 on known values" "$(imgaug 'gamma 2' v.tsr > vg.tsr && $CHK pixels vg.tsr)" "0 10 39 157 245"
eq "contrast 0.5 on known values" "$(imgaug 'contrast 0.5' v.tsr > vc.tsr && $CHK pixels vc.tsr)" "0 15 90 240 255"
eq "the image keeps its shape" "$(imgcat -l vb.tsr | cut -f3)" "$(imgcat -l v.tsr | cut -f3)"
printf 'P6 2 1 255\n\310\144\062\000\377\000' | $IM ppm:- -depth 8 c.png
imgaug grayscale c.png > cg.tsr
g1=$(( (200 * 19595 + 100 * 38470 + 50 * 7471 + 32768) >> 16 )) g2=$(( (255 * 38470 + 32768) >> 16 ))
eq "grayscale: PIL's luma in all three channels" "$($CHK pixels cg.tsr)" "$g1 $g1 $g1 $g2 $g2 $g2"
eq "saturation -1 is grayscale" "$(imgaug 'saturation -1' c.png > cs.tsr && $CHK pixels cs.tsr)" "$g1 $g1 $g1 $g2 $g2 $g2"
eq "hue 0.5 turns pure green into magenta" "$(printf 'P6 1 1 255\n\000\377\000' | $IM ppm:- h.png; imgaug 'hue 0.5' h.png > hh.tsr; $CHK pixels hh.tsr)" \
	"255 0 255"
# hue on a photo against Python's colorsys (the HSV of torchvision's adjust_hue): within 1 (a
# rounding of a value on .5 may go either way), few channels off
imgaug -n 3 --keep --seed 4 'hue -0.5..0.5' k.tsr > hk.tsr
eq "hue: colorsys's pixels, within 1" "$($CHK hue k.tsr hk.tsr)" "3 records, largest difference 1, few channels off"

# rotation: a uniform image stays uniform with crop=1, gets fill corners without
$IM -size 40x30 xc:'rgb(128,128,128)' -depth 8 u.png
eq "rotate 30 crop=1: no fill" "$(imgaug 'rotate 30 crop=1' u.png > ur.tsr && $CHK pixels ur.tsr | tr ' ' '\n' | sort -u)" "128"
eq "rotate 30 fill=7: fill in the corners" "$(imgaug 'rotate 30 fill=7' u.png > uf.tsr && $CHK pixels uf.tsr | tr ' ' '\n' | sort -n | head -1)" "7"
eq "resized-crop 24x16: the size asked" "$(imgaug -n 3 'resized-crop 24x16' k.tsr | imgcat -l | cut -f3 | sort -u)" "image:u8[16,24,3]"

# the other photometric steps, on the photo
px() { $CHK pixels "$1" | tr ' ' '\n'; }
px k.tsr > k.px
eq "noise 0, blur 0.01, affine identity, cutout of nothing: the image unchanged" \
	"$(imgaug 'noise 0' 'blur 0.01' 'affine angle=0 shift=0 scale=1 shear=0' 'saltpepper 0' k.tsr > id.tsr; px id.tsr | md5sum)" "$(md5sum < k.px)"
eq "saltpepper 1: every pixel black or white" "$(imgaug 'saltpepper 1' k.tsr > sp.tsr; px sp.tsr | sort -u | tr '\n' ' ')" "0 255 "
imgaug -n 3 --seed 2 'saltpepper 0.05' k.tsr > sp2.tsr
eq "saltpepper 0.05: about 5% of the pixels hit" "$($PY "$ROOT/tests/tsread.py" sp2.tsr | $PY -c '
import json, sys
import numpy as np
f = []
for l in sys.stdin:
    a = np.array(json.loads(l)["tensors"][0]["data"]).reshape(48, 64, 3)
    f.append(((a == 0).all(axis=2) | (a == 255).all(axis=2)).mean())
print("ok" if 0.02 < np.mean(f) < 0.08 else f)')" ok
imgaug --seed 5 'cutout 0.1 fill=77' k.tsr > co.tsr
box=$(imgcat -l co.tsr | grep -o 'aug=cutout=[0-9,]*' | sed 's/aug=cutout=//')
eq "cutout: a box of the fill where aug says ($box), the rest unchanged" "$($PY "$ROOT/tests/tsread.py" co.tsr | $PY -c '
import json, sys
import numpy as np
x, y, w, h = map(int, sys.argv[1].split(","))
a = np.array(json.loads(sys.stdin.readline())["tensors"][0]["data"]).reshape(48, 64, 3)
o = np.array([int(v) for v in open("k.px").read().split()]).reshape(48, 64, 3)
box = np.zeros((48, 64), bool)
box[y:y + h, x:x + w] = True
print("ok" if (a[box] == 77).all() and (a[~box] == o[~box]).all() and 0.05 < box.mean() < 0.15 else "bad")' "$box")" ok
eq "jpeg 50: changed, but close (PSNR > 25 dB)" "$(imgaug 'jpeg 50' k.tsr > jq.tsr; $PY "$ROOT/tests/tsread.py" jq.tsr | $PY -c '
import json, sys
import numpy as np
a = np.array(json.loads(sys.stdin.readline())["tensors"][0]["data"], float)
o = np.array([float(v) for v in open("k.px").read().split()])
mse = ((a - o) ** 2).mean()
print("ok" if 0 < mse and 10 * np.log10(255 ** 2 / mse) > 25 else mse)')" ok
eq "affine shift=0.25 (x and y): the image moves a quarter of its size" "$(imgaug 'affine shift=0.25 scale=1 shear=0' k.tsr > af.tsr; $PY "$ROOT/tests/tsread.py" af.tsr | $PY -c '
import json, sys
import numpy as np
a = np.array(json.loads(sys.stdin.readline())["tensors"][0]["data"]).reshape(48, 64, 3)
o = np.array([int(v) for v in open("k.px").read().split()]).reshape(48, 64, 3)
print("ok" if (a[12:, 16:] == o[:36, :48]).all() and (a[:12] == 0).all() and (a[:, :16] == 0).all() else "bad")')" ok

# ---- copies, metadata, replay ----
imgaug -n 4 --keep --seed 7 'hflip p=0.5' 'brightness -0.2..0.2' 'rotate -15..15 p=0.3' photo.tsr > a.tsr
eq "-n 4 --keep: 5 records per input" "$(imgcat -c a.tsr)" 10
eq "ids: the original, then ID@augK" "$(imgcat -l a.tsr | cut -f1 | head -5 | tr '\n' ' ')" "x.png x.png@aug1 x.png@aug2 x.png@aug3 x.png@aug4 "
eq "the original is unchanged" "$($CHK records photo.tsr | head -1 | cut -d' ' -f2,3)" "$($CHK records a.tsr | head -1 | cut -d' ' -f2,3)"
eq "copies: aug_parent, aug_copy, aug_seed, parent_sha256" \
	"$(imgcat -l a.tsr | sed -n 3p | tr '\t' '\n' | grep -E '^(aug_parent|aug_copy|aug_seed|sha256|parent_sha256)=' | cut -d= -f1 | sort | tr '\n' ' ')" \
	"aug_copy aug_parent aug_seed parent_sha256 "
eq "the original kept, decoded: the file's sha256 and format become parent_sha256 and parent_format" \
	"$(imgcat -l a.tsr | sed -n 1p | tr '\t' '\n' | grep -E '^(parent_)?(sha256|format)=' | cut -d= -f1 | sort | tr '\n' ' ')" \
	"parent_format parent_sha256 "
eq "copies from an encoded file: no sha256 or format, the file's as parent_sha256 and parent_format" \
	"$(imgaug -n 1 --keep hflip k.png | imgcat -l | tr '\t' '\n' | grep -E '^(parent_)?(sha256|format)=' | sort | uniq -c | awk '{ printf "%s %s ", $1, $2 }')" \
	"2 parent_format=png 2 parent_sha256=$(sha256sum k.png | cut -d' ' -f1) "
eq "a stored phash stays on the unchanged original only" \
	"$(imgdedup k.png | imgaug -n 2 --keep hflip | imgcat -l | grep -c 'phash=')" 1
eq "aug: the steps applied, with values" "$(imgcat -l a.tsr | grep -o 'aug=[^	]*' | grep -cvE '^aug=(none|(hflip;)?brightness=[-+]0(\.[0-9]{1,3})?(;rotate=[-+][0-9]+(\.[0-9]{1,2})?)?)$')" 0
eq "p: every step at 0.5 and 0.3 is sometimes applied, sometimes not" \
	"$(imgaug -n 40 --seed 1 'hflip p=0.5' 'rotate p=0.3' k.tsr | imgcat -l | grep -o 'aug=[^	]*' | sed 's/=[-+][0-9.]*//g' | sort -u | tr '\n' ' ')" \
	"aug=hflip aug=hflip;rotate aug=none aug=rotate "
d=$(imgcat -l a.tsr | sed -n 2p | grep -o 'aug=[^	]*' | sed 's/^aug=//')
echo "$d" | tr ';' '\n' | sed 's/=/ /' > replay.steps
imgaug -f replay.steps photo.tsr | imgcat --where id=x.png@aug1 > re.tsr
eq "replay: a copy's aug ($d), written as fixed steps, gives the same image" \
	"$($CHK records re.tsr | cut -d' ' -f2)" "$($CHK records a.tsr | sed -n 2p | cut -d' ' -f2)"

# ---- determinism ----
imgaug -n 3 --seed 9 --threads 1 'hflip p=0.5' 'rotate' 'noise' 'blur p=0.5' 'scratch p=0.5' photo.tsr k.tsr photo.tsr > t1.tsr
imgaug -n 3 --seed 9 --threads 2 'hflip p=0.5' 'rotate' 'noise' 'blur p=0.5' 'scratch p=0.5' photo.tsr k.tsr photo.tsr > t2.tsr
same "--threads 1 and 2: byte-identical output" t1.tsr t2.tsr
imgaug -n 3 --seed 9 --threads 1 'hflip p=0.5' 'rotate' 'noise' 'blur p=0.5' 'scratch p=0.5' photo.tsr k.tsr photo.tsr > t3.tsr
same "the same seed twice: byte-identical" t1.tsr t3.tsr
imgaug -n 20 --seed 4 --threads 1 'noise 5..30' 'blur 0.5..3' photo.tsr k.tsr > nb1.tsr
imgaug -n 20 --seed 4 --threads 2 'noise 5..30' 'blur 0.5..3' photo.tsr k.tsr > nb2.tsr
imgaug -n 20 --seed 4 --threads 2 'noise 5..30' 'blur 0.5..3' photo.tsr k.tsr > nb3.tsr
same "noise and blur (vectorised, counter-based noise): --threads 1 and 2 give the same bytes" nb1.tsr nb2.tsr
same "noise and blur: the same seed twice gives the same bytes" nb2.tsr nb3.tsr
imgaug -n 3 --seed 10 'hflip p=0.5' 'rotate' 'noise' 'blur p=0.5' photo.tsr > s10.tsr
imgaug -n 3 --seed 9 'hflip p=0.5' 'rotate' 'noise' 'blur p=0.5' photo.tsr > s9.tsr
check "another seed: other images" sh -c "! cmp -s s9.tsr s10.tsr"
imgcat --shuffle --seed 3 photo.tsr k.tsr > shuf.tsr
check "shuffled input: another order" test "$(imgcat -l shuf.tsr | cut -f1 | tr '\n' ' ')" != "x.png y.png k.png "
imgaug -n 3 --seed 9 'hflip p=0.5' 'rotate' 'noise' 'blur p=0.5' 'deadpixels' photo.tsr k.tsr > o1.tsr
imgaug -n 3 --seed 9 'hflip p=0.5' 'rotate' 'noise' 'blur p=0.5' 'deadpixels' shuf.tsr > o2.tsr
$CHK records o1.tsr > o1.txt
$CHK records o2.tsr > o2.txt
same "shuffled input: every record gets the same copies" o1.txt o2.txt

# ---- masks ----
G="'rot90 90..270' 'hflip p=0.5' 'rotate -30..30' 'crop 40x30' 'resized-crop 32x24 scale=0.3..1' 'affine angle=-10..10 shear=-15..15' 'vflip p=0.5'"
eval imgaug -n 10 --seed 5 "$G" photo.tsr > pa.tsr
eval imgaug -n 10 --seed 5 "$G" shapes.tsr > sa.tsr
eq "geometric steps move the mask as they move the image (nearest neighbour)" "$($CHK follows pa.tsr sa.tsr)" "many pixels, 0 disagree"
eq "the mask stays binary" "$($PY "$ROOT/tests/tsread.py" pa.tsr | $PY -c '
import json, sys
v = set()
for l in sys.stdin:
    for t in json.loads(l)["tensors"]:
        if t["name"] == "mask": v |= set(t["data"])
print(sorted(v))')" "[0, 255]"
for s in hflip vflip "rot90 90"; do
	imgaug "$s" photo.tsr > m.tsr
	rm -rf mx && imgcat --export mx m.tsr
	eq "$s: the mask is ImageMagick's too" "$($IM mx/x.png@aug1-mask.png -depth 8 gray:- | md5sum)" \
		"$($IM masks/x.png $(case $s in hflip) echo -flop;; vflip) echo -flip;; *) echo -rotate -90;; esac) -depth 8 gray:- | md5sum)"
done
imgaug -n 3 'brightness' 'contrast' 'gamma' 'saturation' 'hue' 'noise' 'blur' 'saltpepper' 'jpeg' 'cutout' 'grayscale' photo.tsr > ph.tsr
eq "photometric steps leave the mask alone" "$($CHK records ph.tsr | cut -d' ' -f3 | sort -u)" \
	"$($CHK records photo.tsr | cut -d' ' -f3 | sort -u)"

# ---- defects ----
imgaug -n 4 --keep --seed 2 'scratch 3' 'deadpixels 30 mask=1' k.tsr > dk.tsr
eq "scratch + deadpixels: the mask is exactly the pixels that changed" "$($CHK changed dk.tsr dk.tsr)" "4 records, some changed, 0 mismatched"
for s in "scratch 1..3 width=3 tone=bright opacity=0.3" "scratch tone=dark curve=0.1 length=1" "deadpixels 50 size=3 color=color mask=1" \
         "deadpixels 10 color=white mask=1" "scratch 2 p=0.5"; do
	imgaug -n 6 --keep --seed 3 "$s" k.tsr > dd.tsr
	eq "$s: mask = changed pixels" "$($CHK changed dd.tsr dd.tsr | sed 's/some/N/; s/none/N/')" "6 records, N changed, 0 mismatched"
done
eq "scratch: a mask but no record without" "$(imgaug 'scratch p=0' k.tsr | imgcat -l | cut -f3)" "image:u8[48,64,3]"
eq "defects label: 1 when applied, 0 when not" \
	"$(imgaug -n 30 'motionblur p=0.5' k.tsr | augs_labels | sort -u | tr '\n' ',')" "motionblur 1,none 0,"
eq "labels are configurable" \
	"$(imgaug -n 30 'defocus p=0.5 label=blurred clean=sharp' k.tsr | augs_labels | sort -u | tr '\n' ',')" "defocus blurred,none sharp,"
eq "a later defect left out keeps the earlier one's label" \
	"$(imgaug 'deadpixels' 'scratch p=0' k.tsr | augs_labels)" "deadpixels 1"
for s in "motionblur 9 angle=30" "defocus 3"; do
	imgaug --keep "$s" k.tsr > bl.tsr
	eq "$s blurs: fewer distinct neighbours" "$($PY "$ROOT/tests/tsread.py" bl.tsr | $PY -c '
import json, sys
import numpy as np
a = [np.array(t["data"], float).reshape(t["shape"]) for l in sys.stdin for t in json.loads(l)["tensors"]]
d = [np.abs(np.diff(x, axis=1)).mean() for x in a]
print("smoother" if d[1] < 0.7 * d[0] else "not blurred: %s" % d)')" "smoother"
done

# ---- bad input ----
expect_status "unknown step: usage error" 2 imgaug 'hflop p=0.5' k.tsr
expect_err "unknown step: one line naming it" "^imgaug: unknown step 'hflop'"
expect_status "unknown step word alone: usage error" 2 imgaug hflop k.tsr
expect_err "a word that is neither a step nor a file: one line" "^imgaug: unknown step 'hflop'.*no such input file"
expect_status "min > max: usage error" 2 imgaug 'brightness 0.2..-0.2' k.tsr
expect_err "min > max: one line" "^imgaug: brightness: factor range 0.2..-0.2 has min > max$"
expect_status "p > 1: usage error" 2 imgaug 'hflip p=1.5' k.tsr
expect_err "p > 1: one line" "^imgaug: hflip: p '1.5' is not a probability in \[0, 1\]$"
expect_status "p < 0: usage error" 2 imgaug 'hflip p=-0.1' k.tsr
expect_status "unknown parameter: usage error" 2 imgaug 'rotate angel=3' k.tsr
expect_err "unknown parameter: one line listing the right ones" "^imgaug: rotate: unknown parameter 'angel' \(it takes p, angle, fill, crop\)$"
expect_status "out of bounds: usage error" 2 imgaug 'jpeg 0..50' k.tsr
expect_status "rot90 45: usage error" 2 imgaug 'rot90 45' k.tsr
expect_status "crop without a size: usage error" 2 imgaug 'crop' k.tsr
expect_status "no steps: usage error" 2 imgaug k.tsr
expect_status "a bad step file line: usage error" 2 sh -c "printf 'hflip\n\nfoo 3\n' > bad.steps; imgaug -f bad.steps k.tsr"
expect_err "a bad step file line: FILE:LINE" "^imgaug: bad.steps:3: unknown step 'foo'"
# gray has no saturation or hue: such steps leave it as it is, as torchvision's do
check "saturation and hue on a gray image: fine" imgaug -o out.tsr 'saturation p=1 -0.5' 'hue p=1 0.3' v.tsr
eq "... the pixels unchanged" "$($CHK pixels out.tsr)" "$($CHK pixels v.tsr)"
expect_status "jpeg on gray+alpha: data error" 1 sh -c "$IM k.png -colorspace gray -alpha set -channel A -evaluate set 50% +channel -define png:color-type=4 ga.png; imgaug 'jpeg p=0' ga.png"
expect_err "jpeg on gray+alpha: one line, whatever p" "^imgaug: ga.png: record 1 \(id ga.png\): jpeg needs an image without alpha \(1 or 3 channels\), not 2 channels: drop it first with imgresize --rgb \(or --gray\)"
expect_status "crop larger than the image: data error" 1 imgaug 'crop 100x10' k.tsr
expect_err "crop larger: one line" "^imgaug: k.tsr: record 1 \(id k.png\): crop 100x10 is larger than the image 64x48$"
expect_status "a stream cut short: data error" 1 sh -c "head -c 3000 photo.tsr | imgaug hflip"
check "closed pipe: quiet" sh -c "imgaug -n 50 hflip photo.tsr | head -c 10 > /dev/null"
eq "--list names every step" "$(imgaug --list | grep -c '^[a-z]')" 22
done_tests
