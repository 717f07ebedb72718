# cnntrain(1)'s SCALING tables are what bench/scaling_table.awk prints from the quiet run of
# bench_mpi.sh in bench/README, the command named on the page's "scaling_table begin" line, so
# the page and the measured figures cannot drift apart.
. tests/lib.sh
page="$ROOT/man/cnntrain.1"
cmd=$(sed -n 's/^\.\\" scaling_table begin: //p' "$page")
case "$cmd" in
"awk -f bench/scaling_table.awk "*) ;;
*) fail "cnntrain.1 names the command of its SCALING tables: '$cmd'"; exit 1 ;;
esac
printed=$(cd "$ROOT" && eval "$cmd")
onpage=$(sed -n '/^\.\\" scaling_table begin/,/^\.\\" scaling_table end/p' "$page" | sed '1d;$d')
eq "cnntrain.1 SCALING tables equal bench/scaling_table.awk on bench/README's bench_mpi.sh run" \
	"$onpage" "$printed"
eq "the tables have a row for each of m1 to m7, twice" \
	"$(echo "$printed" | grep -c '^m[1-7] ')" 14
# the model itself: m3 (52.42 MiB, 14.29 ms per image, 32 per rank) at 512 ranks over 25 Gb/s:
# T = 2 x 511/512 x 52.42 MiB x 8 / 25e9 + 2 x 511 x 10 us = 45.3 ms; E = 457 / 502 = 91%;
# b90 = 9 x 45.3 / 14.29 = 28.5, so 29
eq "m3 at 512 ranks over 25 Gb/s: 32598 img/s, 91%, b90 29" \
	"$(printf '  model grad_MiB compute_ms/img\n  m3 52.42 14.29\n\n' | awk -f "$ROOT/bench/scaling_table.awk" |
		sed -n '/^m3/{p;q}' | awk '{ print $11, $12, $13 }')" "32598 91% 29"
echo 'no table here' > "$T/none"
expect_status "no bench_mpi.sh table: exit 1" 1 awk -f "$ROOT/bench/scaling_table.awk" "$T/none"
done_tests
