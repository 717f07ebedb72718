#!/bin/sh
# The cost of the progress line (issue 18, section 2): the same work with the line
# and without it (-q), where per-record overhead shows most:
#  copy:   imgcat copying 3 x 60000 small records (Fashion-MNIST, 28x28),
#          with --progress (plain lines) against -q, and with stderr on a
#          pseudo-terminal, the line redrawn, against -q there;
#  resize: imgresize on a folder of 10000 small PNG files (whose count is walked
#          up front for the total), the same four ways.
# Each figure is the best of BENCH_REPS runs; ratio = with / without (1.00: no cost).
#
# Measured on the shared 2-core build machine, 7 December 2026, under a load average
# of about 10 (best of 8 runs each):
#   copy:   wall (cpu) -q 3.180 s (1.467), --progress 1.900 s (1.458), ratio 0.60 (0.99);
#      on a terminal: -q 2.143 s (1.550), the line 3.392 s (1.469), ratio 1.58 (0.95)
#   resize: wall (cpu) -q 0.472 s (0.632), --progress 0.555 s (0.556), ratio 1.18 (0.88);
#      on a terminal: -q 0.565 s (0.588), the line 0.613 s (0.640), ratio 1.09 (1.09)
# so the CPU ratios lie within 0.88..1.09 and the wall ratios are the machine's noise
# (earlier runs of the same script put each of them on either side of 1).  What the
# line costs, measured apart: progress_tick is about 5 ns a record more with the line
# on than off (100 million calls), and counting a folder's images for the total
# takes 0.5 to 2 microseconds a file (3000 files in 1.5 to 7 ms, against some 60
# microseconds a file to decode and resize these 28x28 PNGs): under 1 % of this
# resize, below what this machine can measure.
set -e
B=$1
export PATH="$B/bin:$PATH"
W=$(mktemp -d)
trap 'rm -rf "$W"' EXIT
D=/usr/share/datasets/fashion-mnist
N=${BENCH_IMAGES:-10000}

imgcat --idx "$D/train-images-idx3-ubyte.gz" "$D/train-labels-idx1-ubyte.gz" -o "$W/big.tsr"
imgcat --head "$N" --export "$W/pngs" "$W/big.tsr"
echo "input: $(imgcat -c "$W/big.tsr") records in $(wc -c < "$W/big.tsr") bytes;" \
	"$(find "$W/pngs" -name "*.png" | wc -l) PNG files"

# $W/tty CMD...: runs CMD with stderr on a pseudo-terminal, what it shows thrown away
cat > "$W/tty" <<'EOF'
#!/usr/bin/python3
import os, pty, subprocess, sys
m, s = pty.openpty()
p = subprocess.Popen(sys.argv[1:], stdout=subprocess.DEVNULL, stderr=s)
os.close(s)
while True:
    try:
        if not os.read(m, 65536):
            break
    except OSError:
        break
sys.exit(p.wait())
EOF
chmod +x "$W/tty"

. "$(dirname "$0")/lib.sh"
ratio() { echo "$1 / $2" | bc -l; }
# min A B: the smaller number (A may be empty)
min() { if [ -z "$1" ] || [ "$(echo "$2 < $1" | bc -l)" = 1 ]; then echo "$2"; else echo "$1"; fi; }
# run CMD: "wall cpu" seconds of one run (cpu: user + system of it and its children,
# from perf's task clock where perf works, else from time(1) in 10 ms steps)
if perf stat -x, -o "$W/perf" -e task-clock true 2>/dev/null; then
	run() {
		s=$(date +%s.%N)
		perf stat -x, -o "$W/perf" -e task-clock sh -c "$1"
		e=$(date +%s.%N)
		echo "$(echo "$e - $s" | bc -l) $(awk -F, '/task-clock/ { print $1 / 1000 }' "$W/perf")"
	}
else
	run() { /usr/bin/time -f '%e %U %S' sh -c "$1" 2>&1 >/dev/null | tail -1 | awk '{ print $1, $2 + $3 }'; }
fi
for what in copy resize; do
	if [ $what = copy ]; then
		cmd="imgcat '$W/big.tsr' '$W/big.tsr' '$W/big.tsr'"
	else
		cmd="imgresize --short 14 '$W/pngs'"
	fi
	cmd1="$cmd -q > /dev/null"
	cmd2="$cmd --progress > /dev/null 2>&1"
	cmd3="'$W/tty' $cmd -q"
	cmd4="'$W/tty' $cmd"
	w1= c1= w2= c2= w3= c3= w4= c4=
	# the four ways interleaved, REPS times, in turn forwards and backwards, so that a
	# busy machine (and going first or last) weighs on each alike
	r=0
	while [ $r -lt "$REPS" ]; do
		order="1 2 3 4"
		[ $((r % 2)) = 0 ] || order="4 3 2 1"
		for k in $order; do
			eval "t=\$(run \"\$cmd$k\")"
			eval "w$k=\$(min \"\$w$k\" ${t% *}); c$k=\$(min \"\$c$k\" ${t#* })"
		done
		r=$((r + 1))
	done
	printf '%s: wall (cpu) -q %.3f s (%.3f), --progress %.3f s (%.3f), ratio %.2f (%.2f);\n' $what \
		"$w1" "$c1" "$w2" "$c2" "$(ratio "$w2" "$w1")" "$(ratio "$c2" "$c1")"
	printf '   on a terminal: -q %.3f s (%.3f), the line %.3f s (%.3f), ratio %.2f (%.2f)\n' \
		"$w3" "$c3" "$w4" "$c4" "$(ratio "$w4" "$w3")" "$(ratio "$c4" "$c3")"
done
