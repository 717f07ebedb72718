# The tables of cnntrain(1)'s SCALING section, from a table that bench_mpi.sh printed:
#   awk -f bench/scaling_table.awk [-v after=REGEXP] TABLE_OR_README
# Reads the first bench_mpi.sh table (its header names grad_MiB and compute_ms/img) after the
# first line matching REGEXP (default: the first table of the input), and prints the mdoc lines
# that go between the "scaling_table begin" and "end" comments of man/cnntrain.1: for each
# model, images/s, efficiency and the smallest per-rank batch for 90% efficiency at 8, 64 and
# 512 ranks, over 25 Gb/s and over 100 Gb/s.
#
# Model: a rank computes its b images in b t seconds (t: compute_ms/img), then sums S bytes of
# gradient (grad_MiB) with ring allreduce: 2 (N - 1) steps, each sending S / N bytes to the next
# rank, so T(N) = 2 (N - 1) / N x S / bandwidth + 2 (N - 1) x latency, with no overlap.
# Efficiency b t / (b t + T(N)); images/s N b / (b t + T(N)); b90 = ceil(9 T(N) / t).
# b is the batch per rank that bench_mpi.sh's global batch was chosen as: 32, m5 8.
BEGIN {
	LATENCY = 10e-6         # seconds per hop: one TCP message between hosts
	B = 32; B_M5 = 8
	nranks = split("8 64 512", ranks, " ")
	nlinks = split("25 100", links, " ")
	state = after == "" ? 1 : 0
}
state == 0 && $0 ~ after { state = 1; next }
state == 1 && /grad_MiB/ && /compute_ms\/img/ {
	for (i = 1; i <= NF; i++) {
		if ($i == "grad_MiB") cs = i
		if ($i == "compute_ms/img") ct = i
	}
	state = 2
	next
}
state == 2 && NF == 0 { if (n) state = 3; next }
state == 2 && $1 ~ /^m[0-9]+$/ {
	n++
	model[n] = $1; grad[n] = $cs; t[n] = $ct
}
function ceil(x) { return x == int(x) ? x : int(x) + 1 }
END {
	if (!n) {
		print "scaling_table.awk: no bench_mpi.sh table in the input" > "/dev/stderr"
		exit 1
	}
	for (l = 1; l <= nlinks; l++) {
		if (l > 1) print ".Pp"
		printf "Over %s Gb/s:\n", links[l]
		print ".Bd -literal -offset indent"
		h1 = sprintf("%-4s %5s %7s %6s", "", "grad", "ms per", "batch")
		h2 = sprintf("%-4s %5s %7s %6s", "", "MiB", "image", "/rank")
		for (r = 1; r <= nranks; r++) {
			h1 = h1 sprintf("  %-16s", ranks[r] " ranks")
			h2 = h2 sprintf(" %7s %4s %4s", "img/s", "E", "b90")
		}
		sub(/ +$/, "", h1)
		print h1
		print h2
		for (i = 1; i <= n; i++) {
			b = model[i] == "m5" ? B_M5 : B
			line = sprintf("%-4s %5.1f %7.2f %6d", model[i], grad[i], t[i], b)
			for (r = 1; r <= nranks; r++) {
				N = ranks[r]
				S = grad[i] * 1048576
				T = 2 * (N - 1) / N * S * 8 / (links[l] * 1e9) + 2 * (N - 1) * LATENCY
				step = b * t[i] / 1000 + T
				line = line sprintf(" %7.0f %3.0f%% %4d", N * b / step, 100 * b * t[i] / 1000 / step,
					ceil(9 * T * 1000 / t[i]))
			}
			print line
		}
		print ".Ed"
	}
}
