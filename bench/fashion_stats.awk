# Summary of bench_fashion.sh's results: lines "SEED CNNTRAIN_ACC PYTORCH_ACC" (fractions).
# Prints each side's mean and sample standard deviation (n - 1) in points, the difference of the
# means (cnntrain - PyTorch) with its standard error sqrt(sa^2/na + sb^2/nb) (independent runs),
# and whether the gap counts: more than 0.2 points and more than twice its standard error.
{ n++; a[n] = $2 * 100; b[n] = $3 * 100; sa += a[n]; sb += b[n] }
END {
	if (n == 0) { print "no results"; exit 1 }
	ma = sa / n; mb = sb / n
	for (i = 1; i <= n; i++) { va += (a[i] - ma) ^ 2; vb += (b[i] - mb) ^ 2 }
	va = n > 1 ? va / (n - 1) : 0; vb = n > 1 ? vb / (n - 1) : 0
	d = ma - mb; se = sqrt(va / n + vb / n)
	printf "cnntrain: mean %.2f, sd %.2f points over %d seeds\n", ma, sqrt(va), n
	printf "PyTorch:  mean %.2f, sd %.2f points over %d seeds\n", mb, sqrt(vb), n
	gap = (d > 0.2 || d < -0.2) && (d > 2 * se || d < -2 * se)
	verdict = "within noise (not both more than 0.2 points and 2 standard errors)"
	if (gap)
		verdict = "a real gap (more than 0.2 points and 2 standard errors)"
	z = se > 0 ? d / se : 0
	printf "difference of the means: %+.2f points, standard error %.2f (%.1f standard errors): %s\n", d, se, z, verdict
}
