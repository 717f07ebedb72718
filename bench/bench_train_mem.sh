#!/bin/sh
# Peak resident memory of cnntrain in training (issue 19): the seed networks m1-m7 on the data
# of bench_cnn.sh (random images; batch 32, the m5 U-Net batch 8 with scratch masks), 2 threads,
# one epoch (the peak comes with the first step), /usr/bin/time's maximum RSS in MiB.  OLD_BUILD,
# when given, is another build (e.g. of the commit before a change) measured the same way; the
# PyTorch columns are bench/cnn_torch.py's peak RSS for the same training loop: Debian's
# PyTorch 1.13, and PyTorch 2 eager where BUILD/peers-venv exists (bench_peers.sh makes it),
# each BENCH_SECONDS (3) of training.  BENCH_MODELS="m5 m7" picks some.
# Usage: bench_train_mem.sh BUILD [OLD_BUILD]
. "$(dirname "$0")/lib.sh"
B=$(cd "$1" && pwd)
OLD=${2:+$(cd "$2" && pwd)}
ROOT=$(cd "$(dirname "$0")/.." && pwd)
W=$(mktemp -d)
trap 'rm -rf "$W"' EXIT
SECS=${BENCH_SECONDS:-3}
VPY=$B/peers-venv/bin/python
[ -x "$VPY" ] || VPY=
rss() { /usr/bin/time -f %M -o "$W/rss" "$@" > /dev/null 2> "$W/log" || { echo "failed: $* ($(tail -1 "$W/log"))" >&2; echo 0; return; }
	echo $(( $(cat "$W/rss") / 1024 )); }
torss() { "$@" 2> /dev/null | sed -n 's/.*peak_rss_mib=\([0-9.]*\).*/\1/p' | cut -d. -f1; }
printf '| model | batch | cnntrain MiB |%s torch 1.13 MiB |%s\n' "${OLD:+ before MiB |}" "${VPY:+ torch 2 eager MiB |}"
printf '| --- | --- | --- |%s --- |%s\n' "${OLD:+ --- |}" "${VPY:+ --- |}"
for m in m1-pixelerror:2000:32 m2-keyframe:256:32 m3-blur:320:32 m4-fashion:3000:32 m5-unet:96:8 \
	m6-twotower:192:32 m7-separable:96:32; do
	name=${m%%:*} rest=${m#*:} short=${name%%-*}
	n=${rest%%:*} bs=${rest#*:}
	case " ${BENCH_MODELS:-$short} " in *" $short "*) ;; *) continue ;; esac
	extra=
	[ "$short" = m5 ] && extra="--pos-weight 10"
	arch="$ROOT/share/models/$name.arch"
	shape=$(sed -n 's/^input \([0-9x]*\).*/\1/p' "$arch")
	k=$(awk '/^dense/ { u = $2 } END { print (u == 1 ? 2 : u) }' "$arch")
	k=${k:-2}
	/usr/bin/python3 - "$W/x.npy" "$W/y.csv" "$shape" "$n" "$k" <<'PY'
import sys
import numpy as np
c, h, w = map(int, sys.argv[3].split("x"))
n, k = int(sys.argv[4]), int(sys.argv[5])
r = np.random.default_rng(1)
np.save(sys.argv[1], r.integers(0, 256, (n, h, w, c), dtype=np.uint8))
with open(sys.argv[2], "w") as f:
    f.writelines("%d\n" % v for v in r.integers(0, k, n))
PY
	if [ "$short" = m5 ]; then
		"$B/bin/imgcat" "$W/x.npy" | "$B/bin/imgaug" --seed 1 'scratch 2..6 p=1' -o "$W/d.tsr"
	else
		"$B/bin/imgcat" --labels "$W/y.csv" "$W/x.npy" -o "$W/d.tsr"
	fi
	new=$(rss "$B/bin/cnntrain" -m "$arch" --epochs 1 --batch "$bs" --threads 2 $extra -o "$W/m.model" "$W/d.tsr")
	old=
	[ -n "$OLD" ] && old=" $(rss "$OLD/bin/cnntrain" -m "$arch" --epochs 1 --batch "$bs" --threads 2 $extra \
		-o "$W/m.model" "$W/d.tsr") |"
	t1=$(torss /usr/bin/python3 "$ROOT/bench/cnn_torch.py" "$short" train --threads 2 --batch "$bs" --seconds "$SECS")
	t2=
	[ -n "$VPY" ] && t2=" $(torss "$VPY" "$ROOT/bench/cnn_torch.py" "$short" train --threads 2 --batch "$bs" \
		--seconds "$SECS") |"
	printf '| %s | %s | %s |%s %s |%s\n' "$short" "$bs" "$new" "$old" "${t1:-?}" "$t2"
done
echo "load average at the end: $(cut -d' ' -f1-3 /proc/loadavg)"
