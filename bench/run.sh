#!/bin/sh
# make bench: speed figures, each against its reference measured in the same run.
set -e
B=$(cd "${1:-build}" && pwd)
ROOT=$(cd "$(dirname "$0")/.." && pwd)
for b in "$ROOT"/bench/bench_*.sh; do
	echo "== $(basename "$b" .sh)"
	sh "$b" "$B"
done
