# cnneval --html: the page is self-contained (no http(s) resource, a CSP that
# forbids any), escapes what comes from the data, and renders in a real browser:
# headless Chromium loads it from a file URL, and every figure and thumbnail
# must show in the screenshot (pixels other than the white page in its box,
# the thumbnail's own colour), in binary mode with --images and a learning
# log, and in --masks mode with the lowest-IoU images and their overlays.
. tests/lib.sh
PY=/usr/bin/python3
HC="$ROOT/tests/html_check.py"
cd "$T"

# ---- the data: six coloured images in a stream, predictions naming them by id
mkdir img
for c in red green blue orange purple gray; do
	/usr/bin/convert -size 40x30 "xc:$c" -fill white -draw "circle 20,15 26,15" "img/$c.png"
done
imgcat img > imgs.tsr || fail "imgcat img"
printf 'id\tlabel\tscore\n' > pred.tsv
printf 'img/red.png\tcat\t0.9\nimg/green.png\tcat\t0.2\nimg/gray.png\tcat\t0.7\n' >> pred.tsv
printf 'img/blue.png\tdog\t0.1\nimg/orange.png\tdog\t0.95\nimg/purple.png\tdog\t0.3\n' >> pred.tsv
printf '<script>alert(1)</script>\tcat\t0.8\n' >> pred.tsv
printf 'epoch\ttrain_loss\tval_loss\n1\t0.9\t1.0\n2\t0.5\t0.7\n3\t0.3\t0.6\n' > log.tsv

check "binary: --html with --images, --bootstrap and a learning log" \
	cnneval --positive dog --bootstrap 20 --learning-curve log.tsv --html r.html \
	--images imgs.tsr pred.tsv
eq "stdout: the usual report" "$(grep -c '^  ROC AUC  *0\.416667$' "$T/.out")" 1
if $PY "$HC" resources r.html > res.txt; then pass "no resource but data: URIs"
else fail "resources not inline: $(head -3 res.txt)"; fi
eq "no http(s) URL anywhere in the page" "$(grep -Eci 'https?://' r.html)" 0
eq "a Content-Security-Policy forbids loading" \
	"$(grep -c "default-src 'none'; img-src data:" r.html)" 1
eq "ids from the data are escaped" \
	"$(grep -c '<script>' r.html) $(grep -c '&lt;script&gt;alert(1)&lt;/script&gt;' r.html)" "0 1"
eq "bootstrap intervals in the table" "$(grep -Ec '<th>ROC AUC</th><td>0\.4167 <span class="ci">\[' r.html)" 1
# the galleries: false positives by falling score, false negatives by rising score,
# only the rows on the wrong side of the threshold
eq "false positives, most confident first" \
	"$(sed -n '/false positives<\/h3>/,/<\/section>/p' r.html | grep -o 'class="id">[^<]*' | cut -d'>' -f2 | tr '\n' ' ')" \
	"img/red.png &lt;script&gt;alert(1)&lt;/script&gt; img/gray.png "
eq "false negatives, lowest score first" \
	"$(sed -n '/false negatives<\/h3>/,/<\/section>/p' r.html | grep -o 'class="id">[^<]*' | cut -d'>' -f2 | tr '\n' ' ')" \
	"img/blue.png img/purple.png "
eq "provenance: the record's source" "$(grep -c '<span class="src">img/red.png</span>' r.html)" 1
eq "an id not in the stream says so" "$(grep -c 'no record with this id in imgs.tsr' r.html)" 1

# ---- in the browser
browse() { # PAGE SHOT HEIGHT: screenshot of the page, then the boxes measured in it
	$PY "$HC" probe "$1" "$1.probe.html"
	timeout 120 chromium --headless --no-sandbox --disable-gpu --user-data-dir="$T/chrome" \
		--hide-scrollbars --window-size=1200,"$3" --screenshot="$T/$2" "file://$T/$1" \
		>/dev/null 2>&1 || fail "$1: chromium --screenshot failed"
	timeout 120 chromium --headless --no-sandbox --disable-gpu --user-data-dir="$T/chrome" \
		--hide-scrollbars --window-size=1200,"$3" --virtual-time-budget=5000 --dump-dom \
		"file://$T/$1.probe.html" > "$1.dom" 2>/dev/null || fail "$1: chromium --dump-dom failed"
	$PY "$HC" boxes "$1.dom" "$2" > "$1.boxes" || fail "$1: $(cat "$1.boxes")"
}
if [ ! -x /usr/bin/chromium ]; then
	fail "chromium is not installed (tests/deps.sh installs it)"
	done_tests
fi
browse r.html shot.png 3000
eq "figures: ROC, PR, calibration, confusion, learning" \
	"$(awk '$1 == "plot" { printf "%s ", $2 }' r.html.boxes)" \
	"fig-roc fig-pr fig-calibration fig-confusion-1 fig-learning "
eq "every figure decoded (SVG of 640 px) and drawn: 2 % ink or more in its box" \
	"$(awk '$1 == "plot" { split($4, n, "="); split($5, k, "="); if (n[2] == 640 && k[2] >= 0.02) c++ } END { print c }' r.html.boxes)" 5
eq "thumbnails: four found, each in its own colour" \
	"$(awk '$1 == "thumb" && $4 == "natural=128" { printf "%s %s ", $2, $6 }' r.html.boxes)" \
	"img/red.png rgb=255,0,0 img/gray.png rgb=126,126,126 img/blue.png rgb=0,0,255 img/purple.png rgb=128,0,128 "
eq "the missing image: no thumbnail box" "$(grep -c 'script' r.html.boxes)" 0

# ---- segmentation: the lowest IoU first, masks painted on the image
$PY -c '
import sys, numpy as np
sys.path.insert(0, sys.argv[1])
import tswrite
recs = []
for i, (shift, name) in enumerate([(0, "good"), (6, "half"), (14, "bad")]):
    img = np.zeros((24, 32, 3), np.uint8); img[:, :, 1] = 40 * i + 60
    mask = np.zeros((24, 32), np.uint8); mask[6:18, 4:16] = 255
    pred = np.zeros((24, 32), np.uint8); pred[6:18, 4 + shift:16 + shift] = 230
    recs.append(({"id": name, "label": "x", "url": "https://example.org/" + name + "?a=1&b=<2>",
                  "source": "cam/" + name + ".png"},
                 [("image", img), ("mask", mask), ("pred_mask", pred)]))
tswrite.write("seg.tsr", recs)
' "$ROOT/tests" || fail "writing seg.tsr"
check "masks: --html" cnneval --masks --html s.html seg.tsr
eq "masks: the lowest IoU first" \
	"$(grep -o 'class="id">[^<]*' s.html | cut -d'>' -f2 | tr '\n' ' ')" "bad half good "
if $PY "$HC" resources s.html > res.txt; then pass "masks: a URL in the provenance is text, not a resource"
else fail "masks: resources not inline: $(head -3 res.txt)"; fi
eq "masks: the provenance, url and source, escaped" \
	"$(grep -c 'class="src">https://example.org/bad?a=1&amp;b=&lt;2&gt;; cam/bad.png</span>' s.html)" 1
eq "masks: IoU shown" "$(grep -o 'IoU [01]\.[0-9]*' s.html | tr '\n' ' ')" "IoU 0.0000 IoU 0.3333 IoU 1.0000 "
browse s.html sshot.png 1600
eq "masks: ROC and PR drawn" \
	"$(awk '$1 == "plot" { split($5, k, "="); if (k[2] >= 0.02) printf "%s ", $2 }' s.html.boxes)" \
	"fig-roc fig-pr "
# the overlays of "bad" in the screenshot: blue (true only) and red (predicted only)
eq "masks: three thumbnails" "$(grep -c '^thumb .* natural=128 ' s.html.boxes)" 3
overlay=$($PY -c '
import re, sys
from PIL import Image
dom = open(sys.argv[2]).read()
im = Image.open(sys.argv[1]).convert("RGB")
import html
box = [l.split("\t") for l in html.unescape(re.search(r"<pre id=\"boxes\">(.*?)</pre>", dom, re.S).group(1)).splitlines()]
x, y, w, h = [int(v) for v in [b for b in box if b[1] == "bad"][0][2:6]]
px = list(im.crop((x + 2, y + 2, x + w - 2, y + h - 2)).getdata())
blue = sum(1 for r, g, b in px if b > 100 and r < 60)
red = sum(1 for r, g, b in px if r > 100 and b < 60)
print("blue" if blue > 200 else "no-blue", "red" if red > 200 else "no-red")
' sshot.png s.html.dom)
eq "masks: true-only and predicted-only overlays rendered" "$overlay" "blue red"

# ---- multiclass: the most confident misclassifications; a learning log alone
printf 'id\tlabel\tp_a\tp_b\tp_c\nx1\ta\t0.1\t0.8\t0.1\nx2\tb\t0.2\t0.7\t0.1\n' > mc.tsv
printf 'x3\tc\t0.6\t0.1\t0.3\nx4\tc\t0.3\t0.3\t0.4\n' >> mc.tsv
check "multiclass: --html" cnneval --html mc.html mc.tsv
eq "multiclass: the wrong rows, most confident first" \
	"$(grep -o 'class="id">[^<]*</b><br>label [^<]*<br>p [0-9.]*' mc.html | sed 's/.*">//; s/<\/b><br>/ | /; s/<br>/ | /' | tr '\n' ';')" \
	"x1 | label a, predicted b | p 0.8000;x3 | label c, predicted a | p 0.6000;"
check "a learning log alone: --html" cnneval --learning-curve log.tsv --html lo.html
eq "... its figure only" "$(grep -o 'id="fig-[a-z]*' lo.html)" 'id="fig-learning'

# ---- usage
expect_status "--images without --html: usage" 2 cnneval --images imgs.tsr pred.tsv
expect_status "--images with --masks: usage" 2 cnneval --masks --html x.html --images imgs.tsr seg.tsr
expect_status "--images - with predictions on stdin: usage" 2 sh -c 'cnneval --html x.html --images - < pred.tsv'
expect_status "unwritable --html: error" 1 cnneval --positive dog --html no/such/dir/r.html pred.tsv
done_tests
