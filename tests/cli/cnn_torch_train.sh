# cnntrain's training step against PyTorch (Debian's python3-torch): the same starting weights
# (cnntrain's own initialisation: Glorot weights, read back from a run with a negligible
# rate, and zero biases), the same data
# (one batch of the whole set, so the epoch's order does not matter, no dropout), and three
# Adam steps at lr 1e-2 on each side: forward pass, mean softmax cross-entropy, backward pass
# and PyTorch's Adam (bias corrections, eps added to the corrected sqrt(v)) must give the same
# weights.  A second run does the same with SGD and momentum.  12 filters of 3x3 take the
# second convolution's paths by kernel rows (forward, weight and input gradients), as m4's does.
. tests/lib.sh
if ! /usr/bin/python3 -c 'import torch' 2>/dev/null; then
	skip "python3-torch is not installed"
	done_tests
fi
D=/usr/share/datasets/fashion-mnist
cd "$T"
imgcat --idx --classes "$(cat "$ROOT/share/fashion-mnist/classes")" "$D/t10k-images-idx3-ubyte.gz" \
	"$D/t10k-labels-idx1-ubyte.gz" --head 48 -o train.tsr
cat > step.arch <<'ARCH'
input 1x28x28 normalize=scale
conv2d 12 kernel=3
relu
conv2d 12 kernel=3
relu
maxpool 2
flatten
dense 16
relu
dense 10
softmax
ARCH
for opt in adam sgd; do
	extra=
	[ $opt = sgd ] && extra="--momentum 0.9"
	check "$opt: starting weights" cnntrain -m step.arch --epochs 1 --batch 48 --optimizer $opt --lr 1e-12 \
		$extra --seed 7 --threads 2 -o init-$opt.model train.tsr
	check "$opt: three full-batch steps" cnntrain -m step.arch --epochs 3 --batch 48 --optimizer $opt \
		--lr 1e-2 $extra --seed 7 --threads 2 -o trained-$opt.model train.tsr
	/usr/bin/python3 "$ROOT/tests/tsread.py" init-$opt.model > init-$opt.json
	/usr/bin/python3 "$ROOT/tests/tsread.py" trained-$opt.model > trained-$opt.json
done
/usr/bin/python3 "$ROOT/tests/tsread.py" train.tsr > train.json
for opt in adam sgd; do
	/usr/bin/python3 - init-$opt.json trained-$opt.json train.json $opt > step-$opt.out 2>&1 <<'PY'
import json, sys
import numpy as np
import torch
import torch.nn as nn
torch.set_num_threads(1)
torch.use_deterministic_algorithms(True)
def tensors(path):
    m = json.loads(open(path).readline())
    return m["meta"], {x["name"]: np.array(x["data"], dtype=np.float64).reshape(x["shape"]) for x in m["tensors"]}
meta, init = tensors(sys.argv[1])
_, want = tensors(sys.argv[2])
opt = sys.argv[4]
net = nn.Sequential(nn.Conv2d(1, 12, 3), nn.ReLU(), nn.Conv2d(12, 12, 3), nn.ReLU(), nn.MaxPool2d(2),
                    nn.Flatten(), nn.Linear(12 * 12 * 12, 16), nn.ReLU(), nn.Linear(16, 10)).double()
names = {0: "conv2d_1", 2: "conv2d_2", 6: "dense_1", 8: "dense_2"}
for i, n in names.items():
    net[i].weight.data = torch.tensor(init[n + ".weight"])
    # cnntrain starts biases at 0; the run at 1e-12 has moved them by about 1e-14, which
    # would let a background pixel (0 in, 0 out) through a ReLU by the sign of that rounding
    assert np.abs(init[n + ".bias"]).max() < 1e-9
    net[i].bias.data = torch.zeros(init[n + ".bias"].shape, dtype=torch.float64)
    init[n + ".bias"] = np.zeros(init[n + ".bias"].shape)
classes = [meta["class.%d" % i] for i in range(int(meta["nclasses"]))]
xs, ys = [], []
for line in open(sys.argv[3]):
    r = json.loads(line)
    im = [x for x in r["tensors"] if x["name"] == "image"][0]
    xs.append((np.array(im["data"], np.float64).reshape(im["shape"]) / 255).transpose(2, 0, 1))
    ys.append(classes.index(r["meta"]["label"]))
x, y = torch.tensor(np.stack(xs)), torch.tensor(ys)
if opt == "adam":
    o = torch.optim.Adam(net.parameters(), lr=1e-2)
else:
    o = torch.optim.SGD(net.parameters(), lr=1e-2, momentum=0.9)
for step in range(3):
    o.zero_grad()
    nn.functional.cross_entropy(net(x), y).backward()
    o.step()
worst, moved = 0.0, 0.0
for i, n in names.items():
    for k, p in (("weight", net[i].weight), ("bias", net[i].bias)):
        d = np.abs(p.detach().numpy() - want[n + "." + k]).max()
        moved = max(moved, np.abs(p.detach().numpy() - init[n + "." + k]).max())
        worst = max(worst, d)
        print("%s.%s: largest difference %.3g" % (n, k, d))
print("largest difference %.3g, largest move %.3g" % (worst, moved))
sys.exit(0 if worst < 1e-5 and moved > 1e-3 else 1)
PY
	if [ $? -eq 0 ]; then pass "$opt: three steps agree with PyTorch: $(tail -1 step-$opt.out)"
	else fail "$opt: PyTorch's steps disagree: $(cat step-$opt.out | tr '\n' ' ')"; fi
done
done_tests
