# imgresize quality: shortest side 256 + centre crop 224 of real photos, against
# a float64 box-filter reference computed here with NumPy (each output pixel the
# exact mean of the original over its footprint), compared with ImageMagick's
# `convert -resize 256x256^ -gravity center -crop 224x224+0+0` of the same
# photos against the same reference: imgresize's PSNR must be at least as high.
. tests/lib.sh
IM=/usr/bin/convert
PY=/usr/bin/python3
V=/usr/share/visp-images-data/ViSP-images
cd "$T"
if ! $PY -c 'import numpy' 2>/dev/null; then skip "PSNR check needs python3-numpy"; done_tests; fi

# JPEGs (gray and colour, shrunk on load when large enough), a PNG, and a 4:2:0
# colour JPEG of 2391x2400 made from the Klimt photo (shrink-on-load at 2/8)
set -- "$V/Klimt/Klimt.jpeg" "$V"/Solvay/Solvay_conference_1927_Version2_*.jpg "$V/mire/mire.jpg" \
	"$V/faces/1280px-Solvay_conference_1927.png"
$IM "$V/Klimt/Klimt.jpeg" -resize 2400x2400 -sampling-factor 2x2 -quality 85 klimt-big.jpg
set -- "$@" "$T/klimt-big.jpg"
imgresize --short 256 --crop 224x224 "$@" > ours.tsr || fail "imgresize failed"
i=0
for f in "$@"; do
	i=$((i + 1))
	$IM "$f" -depth 8 "ppm:orig$i.ppm"
	$IM "$f" -resize '256x256^' -gravity center -crop 224x224+0+0 +repage -depth 8 "ppm:im$i.ppm"
	echo "$f" >> names
done
$PY - "$ROOT/tests/tsread.py" "$i" <<'EOF' > psnr.txt || fail "PSNR computation failed"
import json, subprocess, sys
import numpy as np

def read_ppm(path):
    data = open(path, "rb").read()
    fields, pos = [], 0
    while len(fields) < 4:                       # P6|P5 width height maxval, whitespace-separated
        while data[pos:pos + 1].isspace():
            pos += 1
        if data[pos:pos + 1] == b"#":            # a comment, to the end of the line
            pos = data.index(b"\n", pos)
            continue
        end = pos
        while not data[end:end + 1].isspace():
            end += 1
        fields.append(data[pos:end])
        pos = end
    assert fields[0] in (b"P5", b"P6") and fields[3] == b"255", path
    w, h, c = int(fields[1]), int(fields[2]), 3 if fields[0] == b"P6" else 1
    a = np.frombuffer(data[pos + 1:pos + 1 + w * h * c], np.uint8).reshape(h, w, c).astype(np.float64)
    return np.repeat(a, 3, axis=2) if c == 1 else a     # gray: compared as R = G = B

def box_axis(img, axis, n_out):
    """Resizes one axis by exact box integration: output pixel i is the mean of the
    piecewise-constant input over [i * s, (i + 1) * s], s = n_in / n_out."""
    img = np.moveaxis(img, axis, 0)
    n_in = img.shape[0]
    cum = np.concatenate([np.zeros((1,) + img.shape[1:]), np.cumsum(img, axis=0)])
    def integral(x):                             # integral of the input from 0 to x
        j = np.minimum(np.floor(x).astype(int), n_in - 1)
        frac = (x - j)[(...,) + (None,) * (img.ndim - 1)]
        return cum[j] + frac * img[j]
    edges = np.arange(n_out + 1) * (n_in / n_out)
    out = (integral(edges[1:]) - integral(edges[:-1])) / (n_in / n_out)
    return np.moveaxis(out, 0, axis)

def reference(img, short=256, crop=224):
    h, w = img.shape[:2]
    if w <= h:
        rw, rh = short, (h * short * 2 + w) // (2 * w)      # rounded to nearest
    else:
        rw, rh = (w * short * 2 + h) // (2 * h), short
    r = box_axis(box_axis(img, 0, rh), 1, rw)
    y, x = (rh - crop) // 2, (rw - crop) // 2
    return r[y:y + crop, x:x + crop]

def psnr(a, b):
    return 10 * np.log10(255.0 ** 2 / np.mean((a - b) ** 2))

records = [json.loads(l) for l in subprocess.run([sys.executable, sys.argv[1], "ours.tsr"], check=True,
                                                  capture_output=True, text=True).stdout.splitlines()]
names = open("names").read().split("\n")
for i in range(1, int(sys.argv[2]) + 1):
    t = [t for t in records[i - 1]["tensors"] if t["name"] == "image"][0]
    ours = np.array(t["data"], np.float64).reshape(t["shape"])
    if ours.shape[2] == 1:
        ours = np.repeat(ours, 3, axis=2)
    ref = reference(read_ppm("orig%d.ppm" % i))
    im = read_ppm("im%d.ppm" % i)
    print("%s %.2f %.2f" % (names[i - 1].rsplit("/", 1)[-1], psnr(ours, ref), psnr(im, ref)))
EOF
while read -r name ours im; do
	if [ "$(echo "$ours >= $im" | bc -l)" = 1 ]; then
		pass "$name: imgresize $ours dB >= ImageMagick $im dB against the box reference"
	else
		fail "$name: imgresize $ours dB < ImageMagick $im dB against the box reference"
	fi
done < psnr.txt
eq "every photo compared" "$(wc -l < psnr.txt)" "$i"
done_tests
