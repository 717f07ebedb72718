# cnnconvert: every model of share/models (m1 to m8, each trained one epoch on a few random
# images) exported as ONNX; onnx.checker (Debian's python3-onnx) accepts each with full shape
# inference, and ONNX Runtime (PyPI, in a venv under the build folder; skipped when it cannot
# be installed) computes cnnpredict's probabilities within 1e-5; each read back into a model
# predicts bit for bit what the original predicts.
. tests/lib.sh
PY=/usr/bin/python3
if ! $PY -c 'import onnx' 2>/dev/null; then
	skip "python3-onnx is not installed"
	done_tests
fi
A="$ROOT/share/models"
VENV="$BIN/../venv-onnx"
if [ ! -x "$VENV/bin/python" ] || ! "$VENV/bin/python" "$ROOT/tests/onnx_check.py" has-ort; then
	rm -rf "$VENV"
	{ timeout 120 $PY -m venv --system-site-packages "$VENV" &&
		timeout 600 "$VENV/bin/pip" install -q --disable-pip-version-check onnxruntime; } >"$T/pip.log" 2>&1 ||
		rm -rf "$VENV"
fi
cd "$T"
size() { sed -n 's/^input \([0-9x]*\).*/\1/p' "$1"; }
for m in m1 m2 m3 m4 m5 m6 m7 m8; do
	arch=$(ls "$A/$m"-*.arch)
	seg= classes=
	[ $m = m5 ] && seg=seg
	[ $m = m4 ] && classes="--classes a,b,c,d,e,f,g,h,i,j"
	$PY "$ROOT/tests/gen_images.py" $m.tsr "$(size "$arch")" 4 $seg
	if ! cnntrain -q -m "$arch" $classes --epochs 1 --batch 4 -o $m.model $m.tsr 2>"$T/.err"; then
		fail "$m: cnntrain: $(head -c 300 "$T/.err")"
		continue
	fi
	check "$m: exported as ONNX" cnnconvert -o $m.onnx $m.model
	check "$m: read back from ONNX" cnnconvert $m.onnx -o $m.back.model
	if [ $m = m5 ]; then
		cnnpredict -m $m.model --stream $m.tsr > $m.orig.tsr
		cnnpredict -m $m.back.model --stream $m.tsr > $m.back.tsr
		same "$m: the round trip predicts the same masks" $m.orig.tsr $m.back.tsr
	else
		cnnpredict -m $m.model $m.tsr > $m.orig.out
		cnnpredict -m $m.back.model $m.tsr > $m.back.out
		same "$m: the round trip predicts bit for bit the same (probabilities to 9 digits)" $m.orig.out $m.back.out
	fi
	$PY "$ROOT/tests/onnx_check.py" checker $m.onnx >"$T/chk" 2>&1
	eq "$m: onnx.checker and strict shape inference accept it" "$(tail -1 "$T/chk" | cut -d' ' -f1)" ok
	if [ ! -x "$VENV/bin/python" ]; then
		skip "$m: ONNX Runtime could not be installed from PyPI (no network?)"
		continue
	fi
	if [ $m = m5 ]; then
		cnnpredict -m $m.model --stream $m.tsr > $m.pred
		"$VENV/bin/python" "$ROOT/tests/onnx_check.py" ort $m.onnx $m.tsr $m.pred --seg >"$T/ort" 2>&1
		d=$(sed -n 's/^max abs diff \([^ ]*\) .*/\1/p' "$T/ort")
		if [ -n "$d" ] && awk -v d="$d" 'BEGIN { exit !(d <= 0.5 + 255e-5) }'; then
			pass "$m: ONNX Runtime's mask probabilities round to cnnpredict's u8 masks (max |255 p - mask| $d)"
		else
			fail "$m: ONNX Runtime differs from cnnpredict's masks: $(tail -3 "$T/ort")"
		fi
	else
		cnnpredict -m $m.model $m.tsr > $m.pred
		"$VENV/bin/python" "$ROOT/tests/onnx_check.py" ort $m.onnx $m.tsr $m.pred >"$T/ort" 2>&1
		d=$(sed -n 's/^max abs diff //p' "$T/ort")
		if [ -n "$d" ] && awk -v d="$d" 'BEGIN { exit !(d <= 1e-5) }'; then
			pass "$m: ONNX Runtime's probabilities are cnnpredict's (max abs diff $d <= 1e-5)"
		else
			fail "$m: ONNX Runtime differs from cnnpredict: $(tail -3 "$T/ort")"
		fi
	fi
done

# The metadata: input, classes and normalisation travel in metadata_props; the input is
# float pixels 0..255 with a symbolic batch.
$PY - m7.onnx >"$T/meta" 2>&1 <<'P'
import sys, onnx
m = onnx.load(sys.argv[1])
p = {e.key: e.value for e in m.metadata_props}
i = m.graph.input[0].type.tensor_type.shape.dim
print(p["input"], p["class.0"], p["class.1"], p["normalize"], m.opset_import[0].version,
      m.graph.input[0].name, i[0].dim_param, "0..255" in p["pixels"])
P
eq "metadata_props carry input, classes, normalisation; opset 13; symbolic batch" "$(cat "$T/meta")" \
	"3x224x224 a b standardize 13 pixels N True"

check "--summary lists the layers of an ONNX model" cnnconvert --summary m7.onnx
grep -q '^separable2d_1_depthwise  *depthwise2d  *64x112x112  *576$' "$T/.out" &&
	grep -q '^total params: 191810$' "$T/.out" &&
	pass "... as of the model it came from" || fail "... said: $(head -c 300 "$T/.out")"
check "--summary lists the layers of a model" cnnconvert --summary m7.model
grep -q '^separable2d_1_depthwise  *depthwise2d  *64x112x112  *576$' "$T/.out" &&
	grep -q '^total params: 191810$' "$T/.out" &&
	pass "... with their names and parameter counts" || fail "... said: $(head -c 300 "$T/.out")"
cnnconvert - < m1.model > m1.stdin.onnx && cmp -s m1.stdin.onnx m1.onnx &&
	pass "- reads the model from standard input" || fail "- (standard input) did not give m1.onnx"
cnnconvert - < m1.onnx > m1.stdin.model && cnnconvert --summary m1.stdin.model > /dev/null &&
	pass "- reads an ONNX file from standard input" || fail "- did not read ONNX from standard input"
expect_status "no input is a usage error" 2 cnnconvert
expect_status "an input that is neither a model nor ONNX is an error" 1 cnnconvert -o x.onnx m7.tsr.missing
expect_err "... in one line naming it" '^cnnconvert: m7.tsr.missing: '
printf 'hello' > junk
expect_status "junk is refused" 1 cnnconvert -o x.onnx junk
expect_err "... in one line" '^cnnconvert: junk: neither a model nor an ONNX file$'

# Independent producers: torchvision's resnet18 and mobilenet_v2 and a small U-Net, exported by
# PyTorch's torch.onnx.export (random weights), read in; cnnpredict's probabilities are
# PyTorch's on the same images within 1e-4 (the U-Net's round to cnnpredict's u8 masks).
if $PY -c 'import torch, torchvision' 2>/dev/null; then
	mkdir tv
	check "PyTorch exports resnet18, mobilenet_v2 and a U-Net" $PY "$ROOT/tests/onnx_torch.py" make tv
	N="--normalize mean-std --mean 0.485,0.456,0.406 --std 0.229,0.224,0.225"
	for net in resnet18 mobilenet_v2 unet; do
		check "$net: read from PyTorch's ONNX" cnnconvert $N tv/$net.onnx -o tv/$net.model || continue
		if [ $net = unet ]; then
			cnnpredict -m tv/$net.model --stream tv/images.tsr > tv/$net.pred
			$PY "$ROOT/tests/onnx_torch.py" compare tv $net tv/$net.pred --seg >"$T/cmp" 2>&1
			d=$(sed -n 's/^max abs diff \([^ ]*\) .*/\1/p' "$T/cmp") lim="0.5 + 255e-4" unit=" x 1/255, against u8 masks"
		else
			cnnpredict -m tv/$net.model tv/images.tsr > tv/$net.pred
			$PY "$ROOT/tests/onnx_torch.py" compare tv $net tv/$net.pred >"$T/cmp" 2>&1
			d=$(sed -n 's/^max abs diff //p' "$T/cmp") lim=1e-4 unit=""
		fi
		if [ -n "$d" ] && awk -v d="$d" "BEGIN { exit !(d <= $lim) }"; then
			pass "$net: cnnpredict gives PyTorch's probabilities (max abs diff $d$unit)"
		else
			fail "$net: cnnpredict differs from PyTorch: $(tail -3 "$T/cmp")"
		fi
	done
else
	skip "python3-torch or python3-torchvision is not installed"
fi

# What the engine cannot run is refused in one line naming the node, operator and attribute.
$PY - <<'P'
import numpy as np
import onnx
from onnx import helper, TensorProto, numpy_helper
def model(node, inits, name):
    g = helper.make_graph([node], "g", [helper.make_tensor_value_info("x", TensorProto.FLOAT, ["N", 3, 8, 8])],
                          [helper.make_tensor_value_info("y", TensorProto.FLOAT, None)],
                          [numpy_helper.from_array(a, n) for n, a in inits.items()])
    onnx.save(helper.make_model(g, opset_imports=[helper.make_opsetid("", 13)]), name)
w = np.ones((4, 3, 3, 3), np.float32)
model(helper.make_node("Conv", ["x", "w"], ["y"], name="dil", dilations=[2, 2]), {"w": w}, "dilated.onnx")
model(helper.make_node("Tanh", ["x"], ["y"], name="t1"), {}, "tanh.onnx")
model(helper.make_node("MaxPool", ["x"], ["y"], name="mp", kernel_shape=[2, 2], ceil_mode=1), {}, "ceil.onnx")
P
expect_status "a dilated Conv is refused" 1 cnnconvert dilated.onnx -o x.model
expect_err "... naming the node, operator and attribute" "^cnnconvert: dilated.onnx: node 'dil' \(Conv\): attribute dilations other than 1 is not supported$"
expect_status "an unknown operator is refused" 1 cnnconvert tanh.onnx -o x.model
expect_err "... naming the node and operator" "^cnnconvert: tanh.onnx: node 't1' \(Tanh\): operator Tanh is not supported$"
expect_status "MaxPool with ceil_mode is refused" 1 cnnconvert ceil.onnx -o x.model
expect_err "... naming the attribute" "^cnnconvert: ceil.onnx: node 'mp' \(MaxPool\): attribute ceil_mode=1 is not supported$"
[ ! -e x.model ] && pass "... and no model is written" || fail "a refused import left x.model"
done_tests
