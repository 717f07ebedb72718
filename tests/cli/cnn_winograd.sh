# conv2d's Winograd forward pass (3x3, stride 1, from 16 channels, 32 filters and 12x12
# outputs on) against the direct path that NN_WINOGRAD=0 forces: a short training run gives
# the same losses and weights to within rounding (but not bit for bit: the path did change),
# and cnnpredict's probabilities agree to 1e-5.
. tests/lib.sh
D=/usr/share/datasets/fashion-mnist
if [ ! -r "$D/t10k-images-idx3-ubyte.gz" ]; then
	skip "the Fashion-MNIST data set is not installed"
	done_tests
fi
cd "$T"
imgcat --idx --classes "$(cat "$ROOT/share/fashion-mnist/classes")" "$D/t10k-images-idx3-ubyte.gz" \
	"$D/t10k-labels-idx1-ubyte.gz" --head 96 -o train.tsr
cat > w.arch <<'ARCH'
input 1x28x28 normalize=scale
conv2d 16 kernel=3 pad=1
relu
conv2d 32 kernel=3
relu
maxpool 2
conv2d 24 kernel=3 pad=1
relu
maxpool 2
flatten
dense 10
softmax
ARCH
for mode in 0 1 2; do
	check "NN_WINOGRAD=$mode: trains" env NN_WINOGRAD=$mode cnntrain -m w.arch --epochs 2 --batch 32 \
		--seed 3 --threads 2 -o m$mode.model train.tsr
	cp "$T/.err" log$mode
	/usr/bin/python3 "$ROOT/tests/tsread.py" m$mode.model > m$mode.json
done
for mode in 1 2; do
	r=$(/usr/bin/python3 - m0.json m$mode.json log0 log$mode <<'PY'
import json, re, sys
import numpy as np
def weights(path):
    m = json.loads(open(path).readline())
    return {x["name"]: np.array(x["data"], dtype=np.float64) for x in m["tensors"]}
a, b = weights(sys.argv[1]), weights(sys.argv[2])
diff = max(float(np.max(np.abs(a[k] - b[k]))) for k in a)
scale = max(float(np.max(np.abs(a[k]))) for k in a)
loss = lambda p: [float(v) for v in re.findall(r"loss ([0-9.]+)", open(p).read())]
la, lb = loss(sys.argv[3]), loss(sys.argv[4])
ok = diff > 0 and diff < 1e-4 * scale and len(la) == 2 and all(abs(x - y) <= 1e-3 * x for x, y in zip(la, lb))
print("ok" if ok else "weights differ by %g (scale %g), losses %s and %s" % (diff, scale, la, lb))
PY
)
	eq "NN_WINOGRAD=$mode: the direct path's training, to rounding" "$r" ok
done
for mode in 0 1; do
	NN_WINOGRAD=$mode cnnpredict -m m0.model --threads 2 train.tsr > p$mode.tsv
done
r=$(awk -F'\t' 'NR == FNR { for (i = 4; i <= NF; i++) v[FNR, i] = $i; next }
	FNR > 1 { for (i = 4; i <= NF; i++) { d = $i - v[FNR, i]; if (d < 0) d = -d; if (d > w) w = d } }
	END { print (w <= 1e-5 && FNR == 97) ? "ok" : "worst " w " over " FNR " lines" }' p0.tsv p1.tsv)
eq "cnnpredict: Winograd's probabilities are the direct path's" "$r" ok
done_tests
