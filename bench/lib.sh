# Sourced by bench/bench_*.sh.
REPS=${BENCH_REPS:-3}

best() { # best wall time of REPS runs of a shell command, in seconds
	t=""
	r=0
	while [ "$r" -lt "$REPS" ]; do
		s=$(date +%s.%N)
		sh -c "$1"
		e=$(date +%s.%N)
		d=$(echo "$e - $s" | bc -l)
		if [ -z "$t" ] || [ "$(echo "$d < $t" | bc -l)" = 1 ]; then t=$d; fi
		r=$((r + 1))
	done
	echo "$t"
}
