#!/bin/sh
# imgdedup --groups on a synthetic table of N hashes: time and peak memory of the
# grouping step of a sharded imgdedup (imgdedup(1), Many machines), the one step
# that sees every image.  The table is what imgdedup --hashes writes: ids
# img000000001..., random sizes, random 128-bit digests and 64-bit phashes, with
# 1% exact copies and 5% near copies (2 bits flipped) of earlier lines.
# Usage: bench/bench_dedup_groups.sh [BUILD]; N from DEDUP_GROUPS_N (default 10^7,
# about 800 MB of table in a temporary directory and 3 GB of memory).
set -e
BUILD=${1:-build}
N=${DEDUP_GROUPS_N:-10000000}
T=$(mktemp -d)
trap 'rm -rf "$T"' EXIT
/usr/bin/python3 - "$N" > "$T/h.tsv" <<'PY'
import sys
import numpy as np
n = int(sys.argv[1])
rng = np.random.default_rng(22)
h = rng.integers(0, 2**63, n, dtype=np.uint64) * np.uint64(2) + rng.integers(0, 2, n, dtype=np.uint64)
s1 = rng.integers(0, 2**63, n, dtype=np.uint64)
s2 = rng.integers(0, 2**63, n, dtype=np.uint64)
size = rng.integers(10000, 500000, n)
r = rng.random(n)
j = (rng.random(n) * np.arange(n)).astype(np.int64)
exact = (r < 0.01) & (np.arange(n) > 0)
near = (r >= 0.01) & (r < 0.06) & (np.arange(n) > 0)
h0 = h.copy()
h[exact], s1[exact], s2[exact] = h0[j[exact]], s1[j[exact]], s2[j[exact]]
flip = (np.uint64(1) << rng.integers(0, 64, n).astype(np.uint64)) ^ (np.uint64(1) << rng.integers(0, 64, n).astype(np.uint64))
h[near] = h0[j[near]] ^ flip[near]
out = sys.stdout
out.write("id\tbytes\tpixels\tsha256\tphash\n")
step = 200000
for a in range(0, n, step):
    b = min(n, a + step)
    out.write("".join("img%09d\t%d\t307200\t%016x%016x\t%016x\n" % t for t in
                      zip(range(a, b), size[a:b].tolist(), s1[a:b].tolist(), s2[a:b].tolist(), h[a:b].tolist())))
PY
size=$(wc -c < "$T/h.tsv")
/usr/bin/time -f '%e %U %S %M' -o "$T/time" "$BUILD/bin/imgdedup" --groups -o "$T/dec.tsv" "$T/h.tsv"
read -r wall user sys rss < "$T/time"
drop=$(grep -c '	drop	' "$T/dec.tsv" || true)
printf '| hashes | table MB | wall s | user+sys s | peak RSS MB | dropped |\n'
printf '|---|---|---|---|---|---|\n'
printf '| %s | %d | %s | %.1f | %d | %s |\n' "$N" $((size / 1000000)) "$wall" \
	"$(echo "$user + $sys" | bc)" $((rss / 1024)) "$drop"
