# Every experiment under examples/ in its tiny mode (make TINY=1), in a copy of its directory:
# it runs, a second make has nothing to do, and it states its results.
. tests/lib.sh
for mk in "$ROOT"/examples/*/Makefile; do
	name=$(basename "$(dirname "$mk")")
	[ "$name" = demo ] && continue         # tests/cli/demo.sh runs it
	cp -r "$(dirname "$mk")" "$T/$name"
	make -s -C "$T/$name" clean >/dev/null 2>&1
	check "examples/$name runs in its tiny mode" make -s -C "$T/$name" TINY=1 ROOT="$ROOT" BIN="$BIN"
	check "examples/$name: a second make has nothing to do" make -q -C "$T/$name" TINY=1 ROOT="$ROOT" BIN="$BIN"
	if [ -f "$T/$name/results.tsv" ]; then
		bad=$(awk -F'\t' 'NR > 1 && !($2 >= 0 && $2 <= 1) { print $1 }' "$T/$name/results.tsv")
		rows=$(($(wc -l < "$T/$name/results.tsv") - 1))
		eq "examples/$name: results.tsv has a figure in [0, 1] per method" "$rows:$bad" "$(awk 'END { print NR - 1 }' "$T/$name/results.tsv"):"
		[ "$rows" -ge 1 ] && pass "examples/$name: $rows methods in results.tsv" || fail "examples/$name: no results"
	else
		fail "examples/$name writes no results.tsv"
	fi
	if [ -n "$(find "$T/$name" -name report.html -size +1k)" ]; then pass "examples/$name writes its HTML report"
	else fail "examples/$name writes no report.html"; fi
	[ -f "$(dirname "$mk")/README.md" ] && pass "examples/$name has a README" || fail "examples/$name has no README"
done
done_tests
