# Runs every EXAMPLES line (.Dl) of every section-1 man page in a directory of
# fixtures; each must exit 0.  Lines needing a program that is not installed are skipped.
. tests/lib.sh
IM=/usr/bin/convert
V=/usr/share/visp-images-data/ViSP-images
cd "$T"
. "$ROOT/tests/scrape/fixture.sh"  # imgscrape: a fake Reddit and image host, and a URL list
export IMGSCRAPE_REDDIT_URL="$API"; printf '%s/img/a.jpg\n%s/img/b.png\n' "$IMG" "$IMG" > urls.txt
mkdir -p photos/cars photos/tanks
$IM "$V/Klimt/Klimt.jpeg" -resize 64x48! photos/cars/a.jpg
$IM "$V/Klimt/Klimt.jpeg" -resize 32x32! photos/cars/b.png
$IM "$V/Klimt/Klimt.jpeg" -rotate 90 -resize 40x50! photos/tanks/c.jpg
for i in 1 2 3; do $IM "$V/Klimt/Klimt.jpeg" -resize 16x16! -rotate $((i * 90)) frame$i.png; done
# imgtile's video example: a short clip of three 128x96 frames
for i in 1 2 3; do $IM "$V/Klimt/Klimt.jpeg" -resize 128x96! -flop -roll +$((i * 9))+0 film$i.png; done
! command -v ffmpeg >/dev/null || ffmpeg -loglevel error -framerate 2 -i film%d.png -c:v mpeg4 -q:v 2 film.mp4
/usr/bin/python3 -c '
import numpy as np
a = (np.arange(6 * 8 * 8) % 251).astype(np.uint8).reshape(6, 8, 8)
np.savez("keyframes.npz", a)
import csv
with open("keyframes.csv", "w") as f:
    f.write(",0\n")
    for i, l in enumerate([0, 1, 1, 0, 1, 0]):
        f.write("%d,%d\n" % (i, l))
'
# imgtile and imgcat --masks: film stills with scratch masks beside them (stills/x.mask.png)
# and in a folder of their own (masks/x.png)
mkdir -p stills masks
$IM "$V/Klimt/Klimt.jpeg" -resize 320x180! stills/x.png
$IM -size 320x180 xc:black +antialias -stroke white -draw 'line 40,0 44,179' -draw 'point 200,90' \
	-alpha off -depth 8 stills/x.mask.png
cp stills/x.mask.png masks/x.png
# imgcat --overlay: a U-Net (m5) trained for one step on two patches of them
imgcat stills | imgtile --random 2 --size 128x128 --seed 1 |
	cnntrain -m "$ROOT/share/models/m5-unet.arch" --epochs 1 --batch 2 --threads 2 -o unet.model 2>/dev/null
# cnneval: a keyframe classifier's predictions on a held-out file (as in the keyframe
# seed), a second model on the same frames, the same with other column names, a
# training log as cnntrain writes it, and Fashion-MNIST class probabilities
/usr/bin/python3 -c '
import numpy as np
r = np.random.default_rng(3)
n = 129
y = (r.random(n) < 0.45).astype(int)
for name, sep in (("predictions.tsv", 1.6), ("model2.tsv", 1.0)):
    s = 1 / (1 + np.exp(-(r.normal(0, 1, n) + sep * (2 * y - 1))))
    with open(name, "w") as f:
        f.write("id\tlabel\tscore\n")
        f.writelines("npz-3/%03d\t%d\t%.6f\n" % (i, y[i], s[i]) for i in range(n))
with open("renamed.tsv", "w") as f:
    f.write("truth\tprob\n")
    f.writelines("%s\t%s\n" % ("keyframe" if l == "1" else "other", p)
                 for l, p in (line.split("\t")[1:] for line in open("predictions.tsv").read().split("\n")[1:-1]))
with open("train-log.tsv", "w") as f:
    f.write("epoch\ttrain_loss\ttrain_accuracy\tval_loss\tval_accuracy\tlr\tseconds\n")
    for e in range(1, 31):
        f.write("%d\t%.4f\t%.4f\t%.4f\t%.4f\t3e-05\t%.1f\n" % (e, 0.69 * np.exp(-e / 8) + 0.05,
                0.5 + 0.45 * (1 - np.exp(-e / 6)), 0.69 * np.exp(-e / 10) + 0.12,
                0.5 + 0.4 * (1 - np.exp(-e / 7)), 4.2))
cls = ["tshirt", "trouser", "pullover", "dress", "coat", "sandal", "shirt", "sneaker", "bag", "boot"]
t = r.integers(0, 10, 500)
z = r.normal(0, 1, (500, 10))
z[np.arange(500), t] += 2.5
p = np.exp(z) / np.exp(z).sum(axis=1, keepdims=True)
with open("fashion-predictions.tsv", "w") as f:
    f.write("id\tlabel\t" + "\t".join("p_" + c for c in cls) + "\n")
    for i in range(500):
        f.write("%d\t%s\t%s\n" % (i, cls[t[i]], "\t".join("%.6f" % v for v in p[i])))
'
# cnneval --masks: a U-Net's predictions on 64x64 film-still patches with scratch masks,
# as cnnpredict --stream writes them (the image kept, u8 probabilities x 255 in pred_mask)
/usr/bin/python3 -c '
import sys
sys.path.insert(0, sys.argv[1])
import numpy as np, tswrite
r = np.random.default_rng(5)
recs = []
for i in range(12):
    m = np.zeros((64, 64), np.uint8)
    for _ in range(r.integers(0, 3)):
        x = r.integers(2, 62)
        m[:, x:x + 2] = 1
    z = r.normal(0, 1, (64, 64)) + 2.5 * (2 * m.astype(float) - 1)
    p = np.round(255 / (1 + np.exp(-z))).astype(np.uint8)
    img = np.full((64, 64, 1), 90, np.uint8) + 120 * m[:, :, None]
    recs.append(({"id": "still%02d@patch%d" % (i // 4, i % 4)},
                 [("image", img), ("mask", m * 255), ("pred_mask", p)]))
tswrite.write("unet-pred.tsr", recs)
' "$ROOT/tests"
# the architectures of share/models, and cnntrain's pages first: its examples make the
# model and streams that cnnpredict's use
ln -s "$ROOT/share" share
# Lines that use ONNX Runtime (PyPI's onnxruntime, not in Debian) run with python3 from the venv
# that tests/cli/cnnconvert.sh makes under the build folder, and are skipped without it.
mkdir ort-bin
if "$BIN/../venv-onnx/bin/python" "$ROOT/tests/onnx_check.py" has-ort 2>/dev/null; then
	printf '#!/bin/sh\nexec "%s" "$@"\n' "$(cd "$BIN/../venv-onnx/bin" && pwd)/python" > ort-bin/python3
	chmod +x ort-bin/python3
fi
for page in "$ROOT"/man/cnntrain.1 $(ls "$ROOT"/man/*.1 | grep -v '/cnntrain\.1$'); do
	name=$(basename "$page" .1)
	sed -n '/^\.Sh EXAMPLES/,/^\.Sh /p' "$page" | sed -n 's/^\.Dl //p' |
		sed -e 's/\\-/-/g' -e 's/\\e/\\/g' -e 's/\\(em/-/g' -e 's/\\(dq/"/g' > "$name.examples"
	n=0
	while IFS= read -r line; do
		n=$((n + 1))
		first=$(echo "$line" | awk '{print $1}')
		if ! command -v "$first" >/dev/null 2>&1; then
			skip "$name example $n: $first not installed"
			continue
		fi
		path=$PATH
		case $line in *onnxruntime*)
			if [ ! -e ort-bin/python3 ]; then
				skip "$name example $n: onnxruntime not installed (tests/cli/cnnconvert.sh installs it)"
				continue
			fi
			path=$PWD/ort-bin:$PATH
		esac
		if PATH=$path sh -c "$line" </dev/null >"$name.$n.out" 2>"$name.$n.err"; then
			pass "$name example $n: $line"
		else
			fail "$name example $n: $line: $(head -c 300 "$name.$n.err")"
		fi
	done < "$name.examples"
	[ "$n" -gt 0 ] || fail "$name.1 has no EXAMPLES"
done
# cnnmodel.5: every whole architecture in its EXAMPLES (a block that starts with input) builds
sed -n '/^\.Sh EXAMPLES/,/^\.Sh /p' "$ROOT/man/cnnmodel.5" | awk '
	/^\.Bd -literal/ { n++; out = "cnnmodel." n ".arch"; next }
	/^\.Ed/ { out = ""; next }
	out != "" { print > out }'
whole=0
for a in cnnmodel.*.arch; do
	grep -v '^#' "$a" | head -1 | grep -q '^input ' || continue
	whole=$((whole + 1))
	check "cnnmodel.5 example $a builds" cnntrain -m "$a" --summary
done
[ "$whole" -ge 2 ] && pass "cnnmodel.5 has $whole whole architectures" || fail "cnnmodel.5: $whole whole architectures"
done_tests
