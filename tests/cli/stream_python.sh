#!/bin/sh
# The stream written by the C library, read by tests/tsread.py: an independent
# reader written from man/tensorstream.5 alone.  Proves the page complete and
# the library faithful to it.
. tests/lib.sh
PY=/usr/bin/python3
W="$(dirname "$BIN")/tests/test_stream"   # $BIN/../tests, even before any program is built
if [ ! -x "$PY" ] || ! command -v zstd >/dev/null 2>&1; then
	skip "stream_python: needs /usr/bin/python3 and zstd"
	done_tests
fi
if [ ! -x "$W" ]; then
	fail "stream_python: $W not built"
	done_tests
fi

check "write the known stream" "$W" --write "$T/s.tsr"
cat >"$T/want" <<'JSON'
{"meta": {"id": "a1", "label": "cat", "source": "file:///x/a1.png", "width": "2", "height": "2", "format": "png"}, "tensors": [{"name": "image", "dtype": "u8", "shape": [2, 2, 3], "data": [0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 255]}, {"name": "mask", "dtype": "u8", "shape": [2, 2], "data": [0, 1, 1, 0]}, {"name": "encoded", "dtype": "bytes", "shape": [4], "hex": "89504e47"}, {"name": "f32", "dtype": "f32", "shape": [4], "data": [0.5, -1.25, 0.0, -0.0]}]}
{"meta": {"id": "b2", "note": "Zoë ✓ \"quoted\"", "empty": ""}, "tensors": [{"name": "i32", "dtype": "i32", "shape": [3], "data": [-2147483648, -1, 2147483647]}, {"name": "u16", "dtype": "u16", "shape": [1, 2], "data": [0, 65535]}, {"name": "i64", "dtype": "i64", "shape": [2], "data": [-9007199254740993, 1]}, {"name": "f64", "dtype": "f64", "shape": [2], "data": [0.1, -2.5]}, {"name": "inf", "dtype": "f32", "shape": [], "data": ["inf"]}, {"name": "future", "dtype": "dtype200", "shape": [1, 1, 1, 2], "hex": "dead00"}, {"name": "none", "dtype": "f32", "shape": [0], "data": []}]}
{"meta": {}, "tensors": []}
JSON

check "tsread.py reads the C library's stream" "$PY" tests/tsread.py "$T/s.tsr"
same "every dtype, shape, name and value as written" "$T/.out" "$T/want"
if grep -q "not verified" "$T/.err"; then
	skip "record checksums (no xxhash module, no libxxhash)"
else
	pass "record checksums verified by tsread.py"
fi
"$PY" tests/tsread.py <"$T/s.tsr" >"$T/stdin.out" 2>&1
same "standard input" "$T/stdin.out" "$T/want"

cat "$T/s.tsr" "$T/s.tsr" >"$T/ss.tsr"
cat "$T/want" "$T/want" >"$T/want2"
check "cat of two streams" "$PY" tests/tsread.py "$T/ss.tsr"
same "cat of two streams is one stream of both" "$T/.out" "$T/want2"

: >"$T/empty.tsr"
expect_status "empty file: not a stream" 1 "$PY" tests/tsread.py "$T/empty.tsr"
expect_err "empty file: says so" 'empty input: no stream header'
expect_status "empty file: not a stream for imgcat either" 1 imgcat -c "$T/empty.tsr"
expect_err "empty file: imgcat says so" '^imgcat: .*empty\.tsr: empty input: no stream header; did the program writing it fail\?$'
head -c 24 "$T/s.tsr" >"$T/head.tsr"
expect_status "a stream header alone: truncated" 1 "$PY" tests/tsread.py "$T/head.tsr"
expect_err "a stream header alone: says so" 'record 1: stream ends without its end frame'
# someone else's skippable frame before the header: read as the page says, by both readers
printf 'S*M\030\004\000\000\000abcd' | cat - "$T/s.tsr" >"$T/skip.tsr"
check "a skippable frame before the header: tsread.py" "$PY" tests/tsread.py "$T/skip.tsr"
same "a skippable frame before the header: the same records" "$T/.out" "$T/want"
check "a skippable frame before the header: imgcat" imgcat -c "$T/skip.tsr"
eq "a skippable frame before the header: imgcat counts them" "$(cat "$T/.out")" "$(wc -l <"$T/want")"

size=$(wc -c <"$T/s.tsr")
head -c $((size - 24)) "$T/s.tsr" >"$T/noend.tsr"
expect_status "no end frame: error" 1 "$PY" tests/tsread.py "$T/noend.tsr"
expect_err "no end frame: says truncated, names record 4" ': record 4: stream ends without its end frame \(truncated\)$'
eq "no end frame: the 3 whole records come first" "$(wc -l <"$T/.out")" 3
head -c $((size / 2)) "$T/s.tsr" >"$T/half.tsr"
expect_status "cut in half: error" 1 "$PY" tests/tsread.py "$T/half.tsr"
expect_err "cut in half: names a record" '^tsread\.py: .*half\.tsr: record [0-9]+: .*truncated'

cp "$T/s.tsr" "$T/flip.tsr"
printf 'X' | dd of="$T/flip.tsr" bs=1 seek=100 conv=notrunc 2>/dev/null
expect_status "damaged byte: error" 1 "$PY" tests/tsread.py "$T/flip.tsr"
expect_err "damaged byte: reported" '^tsread\.py: .*flip\.tsr: record [0-9]+: '
expect_status "usage error" 2 "$PY" tests/tsread.py -x
done_tests
