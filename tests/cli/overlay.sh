# imgcat --export --overlay: the true mask (green), the predicted one (red) and both (yellow)
# drawn over each image, pixel by pixel, as man/imgcat.1 says.
. tests/lib.sh
IM=/usr/bin/convert
cd "$T"

# A 5x4 RGB image, a gray one and a gray+alpha one, with a true mask and a predicted one
# (u8 probabilities as cnnpredict --stream writes them, or f32); the expected overlays are
# computed here from the rule: k = (truth >= 0.5) + 2 (pred >= 0.5); where k > 0 a pixel
# becomes (v + 3 colour) / 4, rounded down, colours green, red, yellow.
check "make the records" /usr/bin/python3 -c '
import sys
sys.path.insert(0, sys.argv[1])
import numpy as np, tswrite
h, w = 4, 5
rgb = (np.arange(h * w * 3) * 13 % 256).astype(np.uint8).reshape(h, w, 3)
gray = (np.arange(h * w) * 11 % 256).astype(np.uint8).reshape(h, w, 1)
ga = np.concatenate([gray, np.full((h, w, 1), 7, np.uint8)], axis=2)
truth = np.zeros((h, w), np.uint8); truth[:, 1] = 255; truth[0, 3] = 128; truth[1, 3] = 127
pred = np.zeros((h, w), np.uint8); pred[1:3, 1:4] = 200; pred[3, 4] = 128; pred[3, 0] = 127
predf = (pred / 255).astype(np.float32); predf[3, 4] = 0.5; predf[3, 0] = 0.49999
tswrite.write("seg.tsr", [
    ({"id": "rgb"}, [("image", rgb), ("mask", truth), ("pred_mask", pred)]),
    ({"id": "gray"}, [("image", gray), ("pred_mask", pred.reshape(1, h, w))]),
    ({"id": "ga"}, [("image", ga), ("mask", truth.reshape(h, w, 1)), ("pred_mask", predf)]),
    ({"id": "plain"}, [("image", rgb)]),
])
col = np.array([[0, 0, 0], [0, 255, 0], [255, 0, 0], [255, 255, 0]])
def over(img, t, p):
    v = np.repeat(img[:, :, :1], 3, axis=2) if img.shape[2] < 3 else img[:, :, :3]
    v = v.astype(int)
    k = (t >= 128).astype(int) + 2 * (p >= 128).astype(int)
    out = np.where(k[:, :, None] > 0, (v + 3 * col[k]) // 4, v)
    return out.astype(np.uint8).tobytes()
none = np.zeros((h, w), np.uint8)
open("rgb.want", "wb").write(over(rgb, truth, pred))
open("gray.want", "wb").write(over(gray, none, pred))
open("ga.want", "wb").write(over(ga, truth, pred))
open("plain.want", "wb").write(rgb.tobytes())
' "$ROOT/tests"
check "export with --overlay" imgcat --export out --overlay seg.tsr
for n in rgb gray ga plain; do
	$IM "out/$n-overlay.png" -depth 8 rgb:"$n.got"
	same "$n: every overlay pixel as the rule says" "$n.got" "$n.want"
done
eq "overlays are RGB PNGs of the image's size" "$(identify -format '%w %h %[channels] ' out/gray-overlay.png out/ga-overlay.png)" \
	"5 4 srgb 5 4 srgb "
eq "the image and its mask are written as without --overlay" "$($IM out/rgb.png rgb:- | md5sum) $(ls out | grep -c mask)" \
	"$($IM out/plain.png rgb:- | md5sum) 2"
eq "index.tsv gains an overlay column" "$(cut -f1,4,5 out/index.tsv | tr '\t\n' ',;')" \
	"file,mask,overlay;rgb.png,rgb-mask.png,rgb-overlay.png;gray.png,,gray-overlay.png;ga.png,ga-mask.png,ga-overlay.png;plain.png,,plain-overlay.png;"

# An encoded image (a PNG with its mask beside it) is decoded for the overlay
mkdir -p enc
$IM -size 6x3 xc:'rgb(40,80,120)' enc/a.png
$IM -size 6x3 xc:black -fill white -draw 'point 2,1' -alpha off -depth 8 enc/a.mask.png
check "an encoded image" imgcat --export eout --overlay enc
same "the encoded bytes are exported as they were" eout/enc_a.png enc/a.png
eq "the true pixel green, the others the image's" "$($IM eout/enc_a-overlay.png -depth 8 txt:- | grep -c '(40,80,120)') $($IM eout/enc_a-overlay.png -depth 8 txt:- | grep '^2,1:' | grep -o '([0-9,]*)' | head -1)" \
	"17 (10,211,30)"

# Bad input
/usr/bin/python3 -c '
import sys
sys.path.insert(0, sys.argv[1])
import numpy as np, tswrite
tswrite.write("bad.tsr", [({"id": "a"}, [("image", np.zeros((4, 5, 3), np.uint8)), ("pred_mask", np.zeros((4, 4), np.uint8))])])
tswrite.write("bad2.tsr", [({"id": "a"}, [("image", np.zeros((4, 5, 3), np.uint8)), ("pred_mask", np.zeros((4, 5), np.int32))])])
' "$ROOT/tests"
expect_status "a predicted mask of another size" 1 imgcat --export bout --overlay bad.tsr
expect_err "named with the record" "^imgcat: record 1: --overlay: tensor 'pred_mask' is not a u8 or f32 5x4 mask of the image's size$"
expect_status "a predicted mask of another dtype" 1 imgcat --export bout2 --overlay bad2.tsr
expect_err "named too" "^imgcat: record 1: --overlay: tensor 'pred_mask' is not a u8 or f32 5x4 mask"
expect_status "--overlay without --export" 2 imgcat --overlay seg.tsr
eq "a usage error" "$(head -1 "$T/.err")" "imgcat: --overlay goes with --export DIR"
done_tests
