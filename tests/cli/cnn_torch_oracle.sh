# cnnpredict's forward pass against PyTorch (Debian's python3-torch) with the same weights:
# the model's tensors, read by the independent stream reader tests/tsread.py, loaded into
# the torch layers its architecture names; every class probability must agree.
. tests/lib.sh
if ! /usr/bin/python3 -c 'import torch' 2>/dev/null; then
	skip "python3-torch is not installed"
	done_tests
fi
D=/usr/share/datasets/fashion-mnist
cd "$T"
imgcat --idx --classes "$(cat "$ROOT/share/fashion-mnist/classes")" "$D/t10k-images-idx3-ubyte.gz" \
	"$D/t10k-labels-idx1-ubyte.gz" --head 700 -o all.tsr
imgcat --head 600 all.tsr > train.tsr
imgcat --shuffle --seed 3 all.tsr | imgcat --head 40 > test.tsr
cat > oracle.arch <<'ARCH'
input 1x28x28 normalize=standardize
conv2d 6 kernel=3 stride=2 pad=1
batchnorm
leakyrelu 0.1
maxpool 2
conv2d 8 kernel=2x3 pad=1x0
relu
avgpool 2
flatten
dense 16
sigmoid
dropout 0.3
dense 12
leakyrelu
dense 10
softmax
ARCH
check "trains the oracle network" cnntrain -m oracle.arch --epochs 1 -o m.model train.tsr
check "predicts" sh -c 'cnnpredict -m m.model test.tsr > pred.tsv'
/usr/bin/python3 "$ROOT/tests/tsread.py" m.model > model.json
/usr/bin/python3 "$ROOT/tests/tsread.py" test.tsr > test.json
/usr/bin/python3 - model.json test.json pred.tsv > oracle.out 2>&1 <<'PY'
import json, sys
import numpy as np
import torch
import torch.nn as nn
torch.set_num_threads(1)
model = json.loads(open(sys.argv[1]).readline())
meta = model["meta"]
t = {x["name"]: np.array(x["data"], dtype=np.float32).reshape(x["shape"]) for x in model["tensors"]}
layers, count, c = [], {}, int(meta["input"].split("x")[0])
for line in meta["arch"].splitlines():
    w = line.split("#")[0].split()
    if not w or w[0] == "input":
        continue
    kind, pos = w[0], [a for a in w[1:] if "=" not in a]
    kw = dict(a.split("=") for a in w[1:] if "=" in a)
    count[kind] = count.get(kind, 0) + 1
    name = "%s_%d" % (kind, count[kind])
    pair = lambda s: tuple(int(v) for v in s.split("x")) if "x" in s else (int(s), int(s))
    if kind == "conv2d":
        f = int(pos[0]); k = pair(kw.get("kernel", pos[1] if len(pos) > 1 else "3"))
        m = nn.Conv2d(c, f, k, stride=pair(kw.get("stride", "1")), padding=pair(kw.get("pad", "0")))
        m.weight.data = torch.tensor(t[name + ".weight"]); m.bias.data = torch.tensor(t[name + ".bias"])
        c = f
    elif kind == "batchnorm":
        m = nn.BatchNorm2d(c)
        m.weight.data = torch.tensor(t[name + ".gamma"]); m.bias.data = torch.tensor(t[name + ".beta"])
        s = t[name + ".state"]; m.running_mean = torch.tensor(s[:c]); m.running_var = torch.tensor(s[c:])
    elif kind == "leakyrelu":
        m = nn.LeakyReLU(float(pos[0]) if pos else 0.01)
    elif kind == "relu":
        m = nn.ReLU()
    elif kind == "sigmoid":
        m = nn.Sigmoid()
    elif kind == "maxpool":
        m = nn.MaxPool2d(pair(pos[0]))
    elif kind == "avgpool":
        m = nn.AvgPool2d(pair(pos[0]))
    elif kind == "flatten":
        m = nn.Flatten()
    elif kind == "dropout":
        m = nn.Dropout(float(pos[0]))
    elif kind == "dense":
        wt = t[name + ".weight"]
        m = nn.Linear(wt.shape[1], wt.shape[0])
        m.weight.data = torch.tensor(wt); m.bias.data = torch.tensor(t[name + ".bias"])
    elif kind == "softmax":
        m = nn.Softmax(dim=1)
    else:
        sys.exit("no torch layer for " + kind)
    layers.append(m)
net = nn.Sequential(*layers).eval()
mean = np.array([float(v) for v in meta["norm_mean"].split(",")], np.float32)
std = np.array([float(v) for v in meta["norm_std"].split(",")], np.float32)
imgs = []
for line in open(sys.argv[2]):
    r = json.loads(line)
    im = [x for x in r["tensors"] if x["name"] == "image"][0]
    a = np.array(im["data"], np.float32).reshape(im["shape"]) / 255
    imgs.append(((a - mean) / std).transpose(2, 0, 1))
with torch.no_grad():
    p = net(torch.tensor(np.stack(imgs))).numpy()
rows = [l.rstrip("\n").split("\t") for l in open(sys.argv[3])]
head, rows = rows[0], rows[1:]
classes = [meta["class.%d" % i] for i in range(int(meta["nclasses"]))]
cols = [head.index("p_" + k) for k in classes]
ours = np.array([[float(r[j]) for j in cols] for r in rows])
print("images %d, largest difference %.3g" % (len(rows), np.abs(ours - p).max()))
sys.exit(0 if len(rows) == len(imgs) == 40 and np.abs(ours - p).max() < 2e-5 else 1)
PY
if [ $? -eq 0 ]; then pass "every probability agrees with PyTorch: $(cat oracle.out)"
else fail "PyTorch disagrees: $(tail -3 oracle.out)"; fi
done_tests
