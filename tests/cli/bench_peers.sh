# The peer benchmark (bench/bench_peers.sh) compares like with like and fails soft: the PyTorch
# networks of bench/cnn_torch.py (Debian's python3-torch here) have the parameters that
# cnntrain gives each seed architecture, m1 to m8; without PyPI the bench says so in one line
# and exits 0; the engine's single-image timer (bench/nn_latency.c) builds against the library
# and times a model.
. tests/lib.sh
if /usr/bin/python3 -c 'import torch' 2>/dev/null; then
	for a in "$ROOT"/share/models/m[1-8]-*.arch; do
		m=$(basename "$a" .arch)
		m=${m%%-*}
		c=$(cnntrain -m "$a" --summary | sed -n 's/^total params: //p')
		t=$(/usr/bin/python3 -c 'import sys; sys.path.insert(0, sys.argv[1]); import cnn_torch
print(sum(p.numel() for p in cnn_torch.build(sys.argv[2])[0].parameters()))' "$ROOT/bench" "$m" 2>&1 | tail -1)
		eq "cnn_torch.py's $m has cnntrain's parameter count" "$t" "$c"
	done
else
	skip "python3-torch is not installed"
fi

mkdir "$T/b"
out=$(https_proxy=http://127.0.0.1:9 HTTPS_PROXY=http://127.0.0.1:9 no_proxy= NO_PROXY= sh "$ROOT/bench/bench_peers.sh" "$T/b" 2>&1)
eq "without PyPI bench_peers.sh exits 0 with one line" "$?:$(echo "$out" | wc -l):$out" \
	"0:1:bench_peers: PyPI cannot be reached: no PyTorch 2 or ONNX Runtime to compare with, skipped"
[ -e "$T/b/peers-venv" ] && fail "... and leaves no venv" || pass "... and leaves no venv"

/usr/bin/python3 -c 'import numpy as np; np.save("'"$T"'/x.npy", np.random.default_rng(1).integers(0, 256, (8, 12, 12, 1), dtype=np.uint8))'
printf 'input 1x12x12 normalize=scale\nconv2d 4 kernel=3\nrelu\nflatten\ndense 2\nsoftmax\n' > "$T/a.arch"
printf '0\n1\n0\n1\n0\n1\n0\n1\n' > "$T/y.csv"
imgcat --labels "$T/y.csv" "$T/x.npy" -o "$T/d.tsr" 2> /dev/null
cnntrain -q -m "$T/a.arch" --epochs 1 --batch 4 -o "$T/m.model" "$T/d.tsr" 2> /dev/null
LIBS="$(pkg-config --libs libpng libjpeg libturbojpeg libwebp libwebpdemux libtiff-4 libgif libzstd libcurl openssl zlib \
	libxxhash libzip cairo libcjson 2>/dev/null) -ldnnl -lgomp -lm -pthread"
# a library built by make sanitize wants the sanitizers' run-time too
SAN=
nm "$BIN/../libcommon.a" 2> /dev/null | grep -q __asan_ && SAN="-fsanitize=address,undefined"
check "bench/nn_latency.c builds against libcommon.a" cc -O1 $SAN -std=c11 -D_GNU_SOURCE -Wall -Wextra -Werror \
	-I"$ROOT/libcommon" -o "$T/nn_latency" "$ROOT/bench/nn_latency.c" "$BIN/../libcommon.a" $LIBS
out=$("$T/nn_latency" "$T/m.model" 20 1)
echo "$out" | grep -Eq '^median_ms=[0-9.]+ p99_ms=[0-9.]+ peak_rss_mib=[0-9.]+$' && pass "nn_latency times one image" ||
	fail "nn_latency said: $out"
done_tests
