# Segmentation: a small U-Net (branches, a transposed convolution, concat) trained on
# Fashion-MNIST images with film scratches that imgaug draws, with their exact masks.
. tests/lib.sh
D=/usr/share/datasets/fashion-mnist
cd "$T"
imgcat --idx --classes "$(cat "$ROOT/share/fashion-mnist/classes")" "$D/train-images-idx3-ubyte.gz" \
	"$D/train-labels-idx1-ubyte.gz" --head 800 | imgresize --stretch 32x32 | imgaug -n 1 --seed 1 'scratch p=1' > seg.tsr
cat > unet.arch <<'ARCH'
input 1x32x32
conv2d 8 kernel=3 pad=1
relu name=e1
maxpool 2
conv2d 16 kernel=3 pad=1
relu
conv2d_transpose 8 kernel=2 stride=2 name=up
concat up e1
conv2d 8 kernel=3 pad=1
relu
conv2d 1 kernel=1
sigmoid
ARCH
check "trains a U-Net on masks" cnntrain -m unet.arch --epochs 6 --lr 3e-3 --val 0.2 --pos-weight 5 --log log.tsv \
	-o unet.model seg.tsr
eq "the log adds IoU and Dice" "$(head -1 log.tsv | cut -f8- | tr '\t' ' ')" "train_iou train_dice val_iou val_dice"
# seeds 1 and 2 gave a validation Dice of 0.38 and 0.37 after 6 epochs; an untrained net gives 0.01
d=$(tail -1 log.tsv | cut -f11)
if awk -v d="$d" 'BEGIN { exit !(d >= 0.25) }'; then pass "validation Dice $d >= 0.25"; else fail "validation Dice $d < 0.25"; fi
imgcat --head 6 seg.tsr > six.tsr
check "predicts masks" sh -c 'cnnpredict -m unet.model six.tsr > pred.tsv'
eq "the table counts mask pixels" "$(head -1 pred.tsv | tr '\t' ' '):$(wc -l < pred.tsv)" "id label mask_pixels mask_mean:7"
mkdir masks
check "--masks writes PNG files" cnnpredict -m unet.model --masks masks --threshold 0.5 -o /dev/null six.tsr
eq "... one per image, of the model's output size" "$(ls masks | wc -l) $(/usr/bin/identify -format '%wx%h ' masks/*.png | cut -d' ' -f1)" "6 32x32"
eq "... thresholded to 0 and 255" "$(/usr/bin/convert masks/*.png -append -format %c histogram:info:- | grep -cvE '\((  0|255)\)|#000000|#FFFFFF')" 0
eq "--stream adds the predicted mask" "$(cnnpredict -m unet.model --stream six.tsr | imgcat -l --head 1 | cut -f3)" \
	"image:u8[32,32,1] mask:u8[32,32] pred_mask:u8[32,32]"
imgcat --idx "$D/t10k-images-idx3-ubyte.gz" --head 3 | imgresize --stretch 32x32 > nomask.tsr
expect_status "images without masks" 1 cnntrain -m unet.arch -o w.model nomask.tsr
expect_err "... are named" "^cnntrain: nomask.tsr: record 1: no mask"
expect_status "--balance is for classifiers" 2 cnntrain -m unet.arch --balance -o w.model seg.tsr
eq "m5-unet maps 3x128x128 to a 1x128x128 mask" \
	"$(cnntrain -m "$ROOT/share/models/m5-unet.arch" --summary | grep sigmoid | awk '{print $3}')" "1x128x128"
done_tests
