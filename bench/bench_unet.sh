#!/bin/sh
# The m5 U-Net's fidelity (issue 10): scratch masks drawn by imgaug on real photos
# (visp-images-data, stretched to 960x540 stills), 128x128 patches cut by imgtile with at most
# half of them empty, split by photo (its SHA-256: every copy of a photo on one side);
# cnntrain with the seed's recipe (Adam 1e-3, batch 8, positive weight 10) and the same
# recipe in PyTorch (bench/unet_torch.py) on the same patches; the test patches' overall IoU and Dice at 0.5 for each, and the difference.
# UNET_EPOCHS (12), UNET_PATCHES per still copy (6), UNET_SEEDS ("1 2 3"); the last line is the
# mean and standard deviation over the seeds, which differ from seed to seed far more than by 0.02.
B=$1
ROOT=$(cd "$(dirname "$0")/.." && pwd)
PATH="$B:$B/bin:$PATH"
W=$(mktemp -d)
trap 'rm -rf "$W"' EXIT
E=${UNET_EPOCHS:-12}
P=${UNET_PATCHES:-6}
V=/usr/share/visp-images-data/ViSP-images
find "$V" \( -name '*.jpg' -o -name '*.jpeg' -o -name '*.png' \) -size +100k | sort | grep -v -e warp -e Bayer \
	> "$W/list"
mkdir "$W/photos"
while read -r f; do cp "$f" "$W/photos/"; done < "$W/list"
imgresize --stretch 960x540 --rgb "$W/photos" |
	imgaug -n 3 --seed 5 'scratch 2..5 width=1..4' |
	imgtile --random "$P" --size 128x128 --max-empty 0.5 --seed 5 > "$W/patches.tsr"
imgcat --split train=0.8,test=0.2 --by parent_sha256 --seed 1 -o "$W/p-" "$W/patches.tsr"
echo "patches: $(imgcat -c "$W/p-train.tsr") train, $(imgcat -c "$W/p-test.tsr") test (128x128 from $(wc -l < "$W/list") photos), $E epochs"
[ -n "$UNET_PREP_ONLY" ] && exit 0
printf '%-5s %8s %8s %8s %8s %8s %8s\n' seed iou torch_iou diff dice torch_dice s_ratio
for s in ${UNET_SEEDS:-1 2 3}; do
	t0=$(date +%s.%N)
	cnntrain -m "$ROOT/share/models/m5-unet.arch" --optimizer adam --lr 1e-3 --batch 8 --pos-weight 10 \
		--epochs "$E" --seed "$s" --threads 2 -o "$W/m.model" "$W/p-train.tsr" 2>/dev/null
	t1=$(date +%s.%N)
	ours=$(cnnpredict -m "$W/m.model" --stream "$W/p-test.tsr" | /usr/bin/python3 -c '
import sys
sys.path.insert(0, sys.argv[1])
import numpy as np, tsread
c = np.zeros(3)
def emit(rec):
    t = {n: (d, b) for n, _, _, d, b in rec[1]}
    m = np.frombuffer(t["mask"][1], np.uint8) >= 128
    p = np.frombuffer(t["pred_mask"][1], np.uint8) >= 128
    c[:] += [(m & p).sum(), (p & ~m).sum(), (m & ~p).sum()]
tsread.read(sys.stdin.buffer.read(), emit, tsread.xxh3_function())
tp, fp, fn = c
print("iou=%.4f dice=%.4f" % (tp / (tp + fp + fn), 2 * tp / (2 * tp + fp + fn)))' "$ROOT/tests")
	t2=$(date +%s.%N)
	theirs=$(/usr/bin/python3 "$ROOT/bench/unet_torch.py" "$W/p-train.tsr" "$W/p-test.tsr" "$E" 1e-3 "$s")
	t3=$(date +%s.%N)
	iou=$(echo "$ours" | sed 's/iou=\([0-9.]*\).*/\1/') dice=${ours##*dice=}
	tiou=$(echo "$theirs" | sed 's/iou=\([0-9.]*\).*/\1/') tdice=${theirs##*dice=}
	echo "$iou $tiou" >> "$W/ious"
	printf '%-5s %8s %8s %+8.4f %8s %8s %8.2f\n' "$s" "$iou" "$tiou" "$(echo "$iou - $tiou" | bc -l)" "$dice" "$tdice" \
		"$(echo "($t3 - $t2) / ($t1 - $t0)" | bc -l)"
done
awk '{ a += $1; b += $2; a2 += $1 * $1; b2 += $2 * $2; n++ }
	END { ma = a / n; mb = b / n
	      printf "mean  %8.4f %8.4f %+8.4f   (sd %.4f and %.4f over %d seeds)\n", ma, mb, ma - mb,
	             sqrt(a2 / n - ma * ma), sqrt(b2 / n - mb * mb), n }' "$W/ious"
echo "s_ratio: PyTorch's time (training and test) over cnntrain's training time; > 1 favours cnntrain"
