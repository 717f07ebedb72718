#!/bin/sh
# imgdedup --groups on a synthetic table of N hashes (default 10^7): time and peak
# memory of grouping, the step of a sharded imgdedup that sees every image.
# The table is what imgdedup --hashes writes: ids img000000001..., random sizes,
# random 128-bit digests with 1% exact copies, random 64-bit phashes with 5%
# near copies (2 bits flipped).  Usage: bench/bench_dedup_groups.sh [N] [BUILD]
set -e
N=${1:-10000000}
BUILD=${2:-build}
BIN=$BUILD/bin
T=$(mktemp -d)
trap 'rm -rf "$T"' EXIT
/usr/bin/python3 - "$N" > "$T/h.tsv" <<'PY'
import random, sys
n = int(sys.argv[1]); rnd = random.Random(22); out = sys.stdout
out.write("id\tbytes\tpixels\tsha256\tphash\n")
lines = []
for i in range(n):
    r = rnd.random()
    if i and r < 0.01:
        j = rnd.randrange(i); rr = random.Random(j)
        sha = "%032x" % random.Random(j).getrandbits(128)
        h = random.Random(j * 7 + 1).getrandbits(64)
    elif i and r < 0.06:
        j = rnd.randrange(i)
        sha = "%032x" % rnd.getrandbits(128)
        h = random.Random(j * 7 + 1).getrandbits(64) ^ (1 << rnd.randrange(64)) ^ (1 << rnd.randrange(64))
    else:
        sha = "%032x" % random.Random(i).getrandbits(128)
        h = random.Random(i * 7 + 1).getrandbits(64)
    lines.append("img%09d\t%d\t%d\t%s\t%016x\n" % (i, rnd.randrange(10000, 500000), 307200, sha, h))
    if len(lines) == 100000:
        out.write("".join(lines)); lines = []
out.write("".join(lines))
PY
size=$(wc -c < "$T/h.tsv")
/usr/bin/time -f '%e %U %S %M' -o "$T/time" "$BIN/imgdedup" --groups -o "$T/dec.tsv" "$T/h.tsv"
read -r wall user sys rss < "$T/time"
drop=$(grep -c '	drop	' "$T/dec.tsv" || true)
printf '| hashes | table MB | wall s | user+sys s | peak RSS MB | dropped |\n'
printf '|---|---|---|---|---|---|\n'
printf '| %s | %d | %s | %.1f | %d | %s |\n' "$N" $((size / 1000000)) "$wall" \
	"$(echo "$user + $sys" | bc)" $((rss / 1024)) "$drop"
