#!/bin/sh
# Data-parallel cnntrain (issue 22): 2 ranks of 1 thread (mpirun -np 2, shared memory) against
# 1 process of 2 threads, on the seed networks m1-m7 (random images, as bench_cnn.sh; batch 32,
# m5 batch 8); BENCH_MODELS="m4 m7" picks some, BENCH_MPI_N=64 caps the images per model.
# Per step: "comm" is the allreduce of the whole gradient after backward (--allreduce-bucket 0,
# nothing overlaps: the time rank 0 waits for it), "exposed" what rank 0 still waits for after
# backward when buckets of 1 MiB start during backward (the default); overlap = 1 - exposed/comm.
# Both include the wait for the slower rank.  compute_ms/img: a rank's step time less the
# exposed communication, per image of its share; the SCALING section of cnntrain(1) starts from it.
. "$(dirname "$0")/lib.sh"
B=$1
ROOT=$(cd "$(dirname "$0")/.." && pwd)
PATH="$B:$B/bin:$PATH"
if ! command -v mpirun >/dev/null 2>&1; then
	echo "bench_mpi: skipped: no mpirun (Debian openmpi-bin)"
	exit 0
fi
if ! ldd "$(command -v cnntrain)" | grep -q libmpi; then
	echo "bench_mpi: skipped: cnntrain built without MPI"
	exit 0
fi
W=$(mktemp -d)
trap 'rm -rf "$W"' EXIT
MPIRUN="mpirun --oversubscribe --allow-run-as-root --mca btl self,vader --mca btl_vader_single_copy_mechanism none -np 2"
printf '%-4s %9s %7s %10s %10s %8s %11s %8s %14s\n' model grad_MiB buckets 1x2thr/s 2x1thr/s comm_ms \
	exposed_ms overlap compute_ms/img
for m in m1-pixelerror:2000:32 m2-keyframe:256:32 m3-blur:320:32 m4-fashion:3000:32 m5-unet:96:8 \
	m6-twotower:192:32 m7-separable:96:32; do
	name=${m%%:*} rest=${m#*:} short=${name%%-*}
	n=${rest%%:*} bs=${rest#*:}
	case " ${BENCH_MODELS:-$short} " in *" $short "*) ;; *) continue ;; esac
	[ -n "$BENCH_MPI_N" ] && [ "$n" -gt "$BENCH_MPI_N" ] && n=$BENCH_MPI_N
	extra=
	[ "$short" = m5 ] && extra="--pos-weight 10"
	arch="$ROOT/share/models/$name.arch"
	random_set "$arch" "$n" "$W/d.tsr"
	T="cnntrain -v -m $arch --epochs 2 --batch $bs $extra -o $W/m.model $W/d.tsr"
	rate() { sed -n 's/^epoch 2\/2:.* \([0-9.]*\) img\/s$/\1/p' "$1"; }
	waited() { sed -n 's/.*rank 0: allreduce .* \([0-9.]*\) ms\/step waited.*/\1/p' "$1"; }
	$T --threads 2 2> "$W/one" || { echo "$short: cnntrain failed: $(tail -1 "$W/one")"; continue; }
	$MPIRUN $T --threads 1 --allreduce-bucket 0 2> "$W/block" || { echo "$short: mpirun failed"; continue; }
	$MPIRUN $T --threads 1 2> "$W/overlap" || { echo "$short: mpirun failed"; continue; }
	params=$(cnntrain -m "$arch" --summary | sed -n 's/^total params: \([0-9]*\).*/\1/p')
	buckets=$(sed -n 's/.*rank 0: allreduce .* in \([0-9]*\) bucket.*/\1/p' "$W/overlap")
	r1=$(rate "$W/one") r2=$(rate "$W/overlap") comm=$(waited "$W/block") exp=$(waited "$W/overlap")
	awk -v m="$short" -v p="$params" -v nb="$buckets" -v r1="$r1" -v r2="$r2" -v c="$comm" -v e="$exp" -v bs="$bs" \
		'BEGIN { step = 1000 * bs / r2; ov = c > 0 ? 100 * (1 - e / c) : 0
		printf "%-4s %9.2f %7d %10.1f %10.1f %8.2f %11.2f %7.0f%% %14.2f\n", m, p * 4 / 1048576, nb, r1, r2, c, e,
			ov, (step - e) / (bs / 2) }'
done
