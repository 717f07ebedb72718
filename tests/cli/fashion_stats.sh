# bench/fashion_stats.awk, the summary of bench/bench_fashion.sh: each side's mean and sample
# standard deviation, the difference of the means with its standard error, and the verdict.
. tests/lib.sh
A="$ROOT/bench/fashion_stats.awk"
printf '1 0.9050 0.9125\n2 0.9072 0.9100\n3 0.9031 0.9100\n' > "$T/gap"
eq "a real gap: means and sds" "$(awk -f "$A" "$T/gap" | head -2)" \
	"$(printf 'cnntrain: mean 90.51, sd 0.21 points over 3 seeds\nPyTorch:  mean 91.08, sd 0.14 points over 3 seeds')"
eq "a real gap: the difference, its standard error, the verdict" "$(awk -f "$A" "$T/gap" | tail -1)" \
	"difference of the means: -0.57 points, standard error 0.14 (-4.0 standard errors): a real gap (more than 0.2 points and 2 standard errors)"
printf '1 0.9000 0.9050\n2 0.9100 0.9050\n' > "$T/noise"
eq "noise: a difference of 0 is no gap" "$(awk -f "$A" "$T/noise" | tail -1)" \
	"difference of the means: +0.00 points, standard error 0.50 (0.0 standard errors): within noise (not both more than 0.2 points and 2 standard errors)"
printf '1 0.9000 0.9050\n2 0.9010 0.9060\n3 0.9020 0.9070\n' > "$T/small"
eq "a steady 0.5-point gap over 3 seeds counts" "$(awk -f "$A" "$T/small" | tail -1 | cut -d: -f3)" \
	" a real gap (more than 0.2 points and 2 standard errors)"
printf '1 0.9000 0.9015\n2 0.9010 0.9025\n3 0.9020 0.9035\n' > "$T/tiny"
eq "a steady 0.15-point gap is under 0.2 points: no gap" "$(awk -f "$A" "$T/tiny" | tail -1 | cut -d: -f3 | cut -c1-13)" \
	" within noise"
expect_status "no results: an error" 1 awk -f "$A" /dev/null
done_tests
