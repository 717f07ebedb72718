#!/bin/sh
# Builds every fuzz/fuzz_*.c as a libFuzzer target with clang, AddressSanitizer
# and UndefinedBehaviorSanitizer, against libcommon compiled the same way, in
# build-fuzz/.  Then, for each target fuzz_NAME:
#   FUZZ_SECONDS > 0: fuzzes for that many seconds, starting from a copy of
#                     fuzz/corpus/NAME/ in build-fuzz/work/NAME/corpus (new
#                     inputs stay there; crashes go to build-fuzz/work/NAME/)
#   FUZZ_SECONDS = 0: replays fuzz/corpus/NAME/ once (-runs=0)
# Usage: sh fuzz/run.sh [FUZZ_SECONDS]   (make fuzz FUZZ_SECONDS=60)
# Needs clang and libFuzzer (Debian: clang, libfuzzer-14-dev).
#
# libcommon is compiled with -DFUZZING_BUILD_MODE_UNSAFE_FOR_PRODUCTION: the
# stream reader then skips its checksums (zstd's and the records' XXH3), which
# a fuzzer cannot forge, so mutations reach the parsing behind them; and the
# stream writer compresses without a worker thread, three times faster here.
#
# To keep a new input found by fuzzing as a seed:
#   build-fuzz/fuzz_NAME -merge=1 fuzz/corpus/NAME build-fuzz/work/NAME/corpus

set -u
SECS=${1:-0}
case $SECS in
''|*[!0-9]*) echo "usage: sh fuzz/run.sh [FUZZ_SECONDS]" >&2; exit 2 ;;
esac
ROOT=$(cd "$(dirname "$0")/.." && pwd)
cd "$ROOT" || exit 1
B=build-fuzz
CC=${FUZZ_CC:-clang}
PKG_CONFIG=${PKG_CONFIG:-pkg-config}
PKGS="libpng libjpeg libturbojpeg libwebp libwebpdemux libtiff-4 libgif libzstd libcurl openssl zlib libxxhash libzip cairo"

if ! command -v "$CC" >/dev/null 2>&1; then
	echo "fuzz: $CC not found (Debian: apt-get install clang libfuzzer-14-dev)" >&2
	exit 1
fi
PC_CFLAGS=$($PKG_CONFIG --cflags $PKGS 2>/dev/null)
PC_LIBS=$($PKG_CONFIG --libs $PKGS 2>/dev/null)
SAN="-fsanitize=address,undefined -fno-sanitize-recover=all"
CFLAGS="-g -O1 -fno-omit-frame-pointer $SAN -std=c11 -D_GNU_SOURCE -Wall -Wextra -pthread -Ilibcommon
	-DFUZZING_BUILD_MODE_UNSAFE_FOR_PRODUCTION $PC_CFLAGS"

# libcommon, instrumented for coverage; an object is rebuilt when its source
# or any libcommon header is newer
stale() { # OBJ SRC
	[ ! -f "$1" ] || [ -n "$(find "$2" -newer "$1")$(find libcommon -name '*.h' -newer "$1")" ]
}
mkdir -p "$B/obj" || exit 1
objs=
for src in $(find libcommon -name '*.c' | sort); do
	[ -f "$src" ] || continue
	o="$B/obj/$(basename "$src" .c).o"
	objs="$objs $o"
	stale "$o" "$src" || continue
	echo "cc $src"
	# shellcheck disable=SC2086
	$CC $CFLAGS -fsanitize=fuzzer-no-link -c -o "$o" "$src" || exit 1
done
rm -f "$B/libcommon.a"
# shellcheck disable=SC2086
ar rcs "$B/libcommon.a" $objs || exit 1

targets=
for src in fuzz/fuzz_*.c; do
	[ -f "$src" ] || continue
	t="$B/$(basename "$src" .c)"
	echo "cc $src"
	# shellcheck disable=SC2086
	$CC $CFLAGS -fsanitize=fuzzer -o "$t" "$src" "$B/libcommon.a" $PC_LIBS -lm || exit 1
	targets="$targets $t"
done
[ -n "$targets" ] || { echo "fuzz: no fuzz/fuzz_*.c" >&2; exit 1; }

pass=0 fail=0
for t in $targets; do
	name=$(basename "$t")
	short=${name#fuzz_}
	corpus="fuzz/corpus/$short"
	if [ "$SECS" -gt 0 ]; then
		# fuzz a copy: new inputs must not land in the seed corpus unasked
		work="$B/work/$short"
		rm -rf "$work"
		mkdir -p "$work/corpus" || exit 1
		[ -d "$corpus" ] && find "$corpus" -maxdepth 1 -type f -exec cp {} "$work/corpus/" \;
		corpus="$work/corpus"
		echo "fuzzing $name for $SECS s (log: $work/log)"
		set -- -max_total_time="$SECS" -print_final_stats=1
	else
		# replay the seeds in place (-runs=0 writes nothing there)
		work="$B/replay/$short"
		rm -rf "$work"
		mkdir -p "$work" || exit 1
		[ -d "$corpus" ] || corpus="$work"
		set -- -runs=0
	fi
	"$t" "$@" -timeout=25 -rss_limit_mb=2048 -artifact_prefix="$work/" "$corpus" >"$work/log" 2>&1
	rc=$?
	runs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$work/log" | tail -1)
	inputs=$(find "$corpus" -maxdepth 1 -type f | wc -l)
	if [ $rc -eq 0 ]; then
		pass=$((pass + 1))
		echo "PASS $name: ${runs:+$runs runs, }$inputs corpus inputs, no crash"
	else
		fail=$((fail + 1))
		echo "FAIL $name: exit $rc; last lines of $work/log:"
		tail -30 "$work/log" | sed 's/^/    /'
		ls "$work"/crash-* "$work"/leak-* "$work"/timeout-* "$work"/oom-* 2>/dev/null | sed 's/^/    reproducer: /'
	fi
done
echo "$pass passed, $fail failed"
[ $fail -eq 0 ]
