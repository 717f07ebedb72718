#!/bin/sh
# Runs every test: unit binaries, shell tests, fuzz corpus replays.
# Ends with "N passed, N failed[, N skipped]" and a non-zero status on any failure.
B=${1:-build}
ROOT=$(cd "$(dirname "$0")/.." && pwd)
B=$(cd "$B" && pwd)
LOG=$(mktemp -d)
trap 'rm -rf "$LOG"' EXIT
P=0 F=0 S=0

tally() { # NAME STATUS OUTPUTFILE
	p=$(grep -c '^PASS' "$3") f=$(grep -c '^FAIL' "$3") s=$(grep -c '^SKIP' "$3")
	grep -E '^(FAIL|SKIP)' "$3" | sed "s|^|$1: |"
	if [ "$2" -ne 0 ] && [ "$f" -eq 0 ]; then
		echo "$1: FAIL exited $2 without naming a failed check"; tail -5 "$3"; f=1
	fi
	P=$((P + p)) F=$((F + f)) S=$((S + s))
	echo "$1: $p passed, $f failed, $s skipped"
}

for t in "$B"/tests/test_*; do
	[ -x "$t" ] || continue
	n=$(basename "$t")
	(cd "$ROOT" && DATA="$ROOT/tests/data" BIN="$B/bin" "$t") >"$LOG/$n" 2>&1
	tally "$n" $? "$LOG/$n"
done
for t in "$ROOT"/tests/cli/*.sh; do
	[ -f "$t" ] || continue
	n=$(basename "$t" .sh)
	d=$(mktemp -d)
	(cd "$ROOT" && T="$d" DATA="$ROOT/tests/data" BIN="$B/bin" ROOT="$ROOT" sh "$t") >"$LOG/$n" 2>&1
	tally "$n" $? "$LOG/$n"
	rm -rf "$d"
done
for t in "$B"/fuzz/fuzz_*; do
	[ -x "$t" ] || continue
	n=$(basename "$t")
	c="$ROOT/fuzz/corpus/${n#fuzz_}"
	"$t" "$c" >"$LOG/$n" 2>&1
	tally "$n" $? "$LOG/$n"
done
if [ "$S" -gt 0 ]; then echo "$P passed, $F failed, $S skipped"; else echo "$P passed, $F failed"; fi
[ "$F" -eq 0 ]
