#!/bin/sh
# make demo: Fashion-MNIST (Debian's dataset-fashion-mnist) into a stream,
# per-class counts, a few images exported as PNG under demo/, then the classic
# convnet trained on part of the training set and evaluated on the test set.
set -e
B=${1:-build}
PATH="$B/bin:$PATH"
D=/usr/share/datasets/fashion-mnist
mkdir -p demo
imgcat --idx --classes "$(cat share/fashion-mnist/classes)" \
	"$D/t10k-images-idx3-ubyte.gz" "$D/t10k-labels-idx1-ubyte.gz" -o demo/fashion-test.tsr
echo "demo/fashion-test.tsr: $(imgcat -c demo/fashion-test.tsr) records, $(wc -c <demo/fashion-test.tsr) bytes"
echo
imgcat --stats demo/fashion-test.tsr
echo
echo "two random boots:"
imgcat --where label=boot --shuffle --seed 1 demo/fashion-test.tsr | imgcat -l --head 2
rm -rf demo/png
imgcat --head 20 --export demo/png --by-label demo/fashion-test.tsr
echo
echo "wrote $(ls demo/png/*/*.png | wc -l) PNGs under demo/png/ (see demo/png/index.tsv):"
head -4 demo/png/index.tsv
echo
echo "training the classic convnet (share/models/m4-fashion.arch) on 20000 training images, 1 epoch:"
imgcat --idx --classes "$(cat share/fashion-mnist/classes)" \
	"$D/train-images-idx3-ubyte.gz" "$D/train-labels-idx1-ubyte.gz" --head 20000 -o demo/fashion-train.tsr
cnntrain -m share/models/m4-fashion.arch --epochs 1 --val 0.05 --log demo/fashion-log.tsv \
	-o demo/fashion.model demo/fashion-train.tsr
cnnpredict -m demo/fashion.model demo/fashion-test.tsr > demo/fashion-pred.tsv
echo
echo "the 10000 test images:"
cnneval --multiclass --plot demo/fashion demo/fashion-pred.tsv | head -8
echo "predictions in demo/fashion-pred.tsv, the model in demo/fashion.model, plots demo/fashion.*.png"
