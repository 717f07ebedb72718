# Data-parallel cnntrain under mpirun (Open MPI): the same training as one process, over shared
# memory and over TCP; early stopping agreed by every rank; a dead rank ends the job.
. tests/lib.sh
PY=/usr/bin/python3
if ! command -v mpirun >/dev/null 2>&1; then
	skip "mpi: no mpirun (Debian openmpi-bin)"
	done_tests
fi
if ! ldd "$BIN/cnntrain" | grep -q libmpi; then
	skip "mpi: cnntrain was built without MPI (no mpicc, or make MPI=0)"
	done_tests
fi
D=/usr/share/datasets/fashion-mnist
CLASSES=$(cat "$ROOT/share/fashion-mnist/classes")
# oversubscribed: 2 ranks on however many cores; as root in containers too
# under make sanitize, leak checking is off in the ranks: Open MPI leaves its own allocations
# (made in components it has unloaded by exit, so no suppression can name them)
MPIRUN="mpirun --oversubscribe --allow-run-as-root --mca btl_vader_single_copy_mechanism none -np 2 -x ASAN_OPTIONS=${ASAN_OPTIONS:+$ASAN_OPTIONS:}detect_leaks=0"
export OMPI_MCA_rmaps_base_oversubscribe=1
cd "$T"
imgcat --idx --classes "$CLASSES" "$D/train-images-idx3-ubyte.gz" "$D/train-labels-idx1-ubyte.gz" \
	--head 3200 -o train.tsr
# m4-fashion's layers, smaller: convolutions, pooling, dropout, dense
cat > m4s.arch <<'EOF2'
input 1x28x28
conv2d 8 kernel=3
relu
conv2d 16 kernel=3 stride=2
relu
maxpool 2
dropout 0.25
flatten
dense 32
relu
dropout 0.5
dense 10
softmax
EOF2
# The largest difference of two models' weights, relative to each tensor's largest weight.
cat > cmpw.py <<'EOF2'
import json, subprocess, sys
def load(p):
    out = subprocess.run([sys.executable, sys.argv[1], p], capture_output=True, text=True, check=True).stdout
    r = json.loads(out.splitlines()[0])
    return {t["name"]: t["data"] for t in r["tensors"] if t["dtype"] == "f32"}
a, b = load(sys.argv[2]), load(sys.argv[3])
assert a and a.keys() == b.keys(), "different tensors"
worst = 0
for k in a:
    scale = max(max(abs(x) for x in a[k]), 1e-3)
    worst = max(worst, max(abs(x - y) for x, y in zip(a[k], b[k])) / scale)
print("%.3g" % worst)
EOF2
diff_w() { "$PY" cmpw.py "$ROOT/tests/tsread.py" "$1" "$2"; }
lt() { [ -n "$1" ] && awk -v a="$1" -v b="$2" 'BEGIN { exit !(a < b) }'; }
TRAIN="cnntrain -q -m m4s.arch --epochs 1 --batch 32 --threads 1 --seed 3"

imgcat --head 64 train.tsr > tiny.tsr
cnntrain -v -q -m m4s.arch --epochs 1 --threads 1 -o tiny.model tiny.tsr 2>one.err
eq "cnntrain -v alone says 1 rank" "$(grep -c '^cnntrain: 64 records in, 1 out, 0 skipped, MPI built in, not under mpirun: 1 rank, ' one.err)" 1
check "one process: 100 steps of 32" $TRAIN -o one.model train.tsr
expect_status "mpirun -np 2, shared memory: the same 100 steps" 0 \
	timeout 300 $MPIRUN --mca btl self,vader cnntrain -v -q -m m4s.arch --epochs 1 --batch 32 --threads 1 --seed 3 \
	-o shm.model train.tsr
eq "cnntrain -v under mpirun says MPI and 2 ranks" "$(grep -c '^cnntrain: 3200 records in, 1 out, 0 skipped, MPI (Open MPI.*): 2 ranks, ' "$T/.err")" 1
eq "each rank tells its allreduce" "$(grep -c 'rank [01]: allreduce of .* ms/step' "$T/.err")" 2
expect_status "mpirun -np 2 over TCP (--mca btl self,tcp): the same 100 steps" 0 \
	timeout 300 $MPIRUN --mca btl self,tcp $TRAIN -o tcp.model train.tsr
# The sums differ from one process's only in order: after 100 Adam steps, within 1% of each
# tensor's largest weight (measured 9e-4; another seed is 1.8 away).
d=$(diff_w one.model shm.model)
if lt "$d" 0.01; then pass "2 ranks (shared memory) train the weights of 1 process (difference $d < 0.01)"
else fail "2 ranks (shared memory) differ from 1 process by $d"; fi
d=$(diff_w one.model tcp.model)
if lt "$d" 0.01; then pass "2 ranks (TCP) train the weights of 1 process (difference $d < 0.01)"
else fail "2 ranks (TCP) differ from 1 process by $d"; fi
$TRAIN --seed 4 -o seed4.model train.tsr 2>/dev/null
d=$(diff_w one.model seed4.model)
if lt "$d" 0.01; then fail "the weight comparison tells models apart ($d)"; else pass "the weight comparison tells models apart ($d)"; fi
# buckets started during backward sum what one allreduce after it sums
expect_status "mpirun -np 2 with 16K buckets overlapping backward" 0 \
	timeout 300 $MPIRUN $TRAIN -v --allreduce-bucket 16K -o bucket.model train.tsr
eq "buckets during backward give the weights of one allreduce after it" "$(diff_w shm.model bucket.model)" 0
# no bucket is larger than --allreduce-bucket: m4s's 20042 gradients (80168 bytes; its dense layer
# alone 73856) make 5 buckets of 16K, a parameter cut where a bucket is full (once: 2 buckets,
# the dense layer whole in the first)
eq "16K buckets: 80168 bytes of gradient in 5 buckets, the dense layer's cut in pieces" \
	"$(grep -c 'rank [01]: allreduce of 20042 gradients in 5 buckets' "$T/.err")" 2
expect_status "the same with non-blocking allreduces instead of a thread (NN_DIST_NO_THREAD)" 0 \
	timeout 300 $MPIRUN -x NN_DIST_NO_THREAD=1 $TRAIN --allreduce-bucket 16K -o nothread.model train.tsr
eq "and the same weights" "$(diff_w shm.model nothread.model)" 0

# Batch norm: --sync-bn takes the statistics of the global batch, as one process does; without
# it each rank normalises its share by its own.  3201 images: the last batch of 1 leaves rank 1
# without a share, and it still takes part in the sums.  (No bias before batch norm: its gradient
# is only rounding, which Adam turns into steps of lr either way.)
cat > bn.arch <<'EOF2'
input 1x28x28
conv2d 8 kernel=3 bias=0
batchnorm
relu
conv2d 16 kernel=3 stride=2 bias=0
batchnorm
relu
maxpool 2
flatten
dense 32
relu
dropout 0.3
dense 10
softmax
EOF2
imgcat --idx --classes "$CLASSES" "$D/train-images-idx3-ubyte.gz" "$D/train-labels-idx1-ubyte.gz" \
	--head 3201 -o t3201.tsr
BN="cnntrain -q -m bn.arch --epochs 1 --batch 32 --threads 1 --seed 3"
$BN -o bn1.model t3201.tsr 2>/dev/null
expect_status "mpirun -np 2 --sync-bn with a last batch of 1" 0 timeout 300 $MPIRUN $BN --sync-bn -o bnsync.model t3201.tsr
expect_status "mpirun -np 2, batch norm per rank" 0 timeout 300 $MPIRUN $BN -o bnrank.model t3201.tsr
d=$(diff_w bn1.model bnsync.model)
if lt "$d" 0.01; then pass "--sync-bn trains the weights and statistics of 1 process (difference $d < 0.01)"
else fail "--sync-bn differs from 1 process by $d"; fi
d=$(diff_w bn1.model bnrank.model)
if lt "$d" 0.01; then fail "per-rank batch norm differs from 1 process ($d)"
else pass "per-rank batch norm differs from 1 process ($d)"; fi

# Early stopping, the learning-rate schedule and validation use values reduced over the ranks:
# both stop after the same epoch, the one a single process stops after (SGD: Adam's steps of
# about lr for any gradient make the order of the sums show sooner).
ES="cnntrain -q -m m4s.arch --epochs 8 --batch 64 --threads 1 --optimizer sgd --lr 0.05 --momentum 0.9
	--val 0.3 --early-stop 1 --lr-schedule cosine"
$ES --log es1.tsv -o es1.model train.tsr 2>es1.err
expect_status "mpirun -np 2 with --early-stop: every rank stops together" 0 \
	timeout 300 $MPIRUN $ES --log es2.tsv -o es2.model train.tsr
eq "only rank 0 tells the early stop" "$(grep -c '^early stop' "$T/.err")" 1
eq "it stops after the epoch one process stops after" "$(wc -l < es2.tsv)" "$(wc -l < es1.tsv)"
d=$(paste es1.tsv es2.tsv | awk -F'\t' 'NR > 1 { n = split($0, f, "\t"); h = n / 2; x = f[4] - f[h + 4]
	if (x < 0) x = -x; if (x > m) m = x } END { printf "%.2g", m + 0 }')
if lt "$d" 0.005; then pass "its validation losses are one process's (within $d)"
else fail "its validation losses differ from one process's by $d"; fi

# A shard per rank: data-%r.tsr is data-0.tsr for rank 0, data-1.tsr for rank 1.  Each rank
# trains on its share of every batch from its own shard and validates on its own held-out part.
imgcat --shard 2 -o 'data-%d.tsr' train.tsr
expect_status "mpirun -np 2 on a shard per rank (data-%r.tsr)" 0 timeout 300 $MPIRUN cnntrain -q -m m4s.arch \
	--epochs 2 --threads 1 --classes "$CLASSES" --val 0.1 --log shard.tsv -o shard.model 'data-%r.tsr'
eq "the model counts the training images of both shards" \
	"$(imgcat -l shard.model | tr '\t' '\n' | grep '^train_records=')" "train_records=2880"
va=$(awk -F'\t' 'NR == 3 { print $5 }' shard.tsv)
if [ -n "$va" ] && awk -v a="$va" 'BEGIN { exit !(a >= 0.6) }'; then pass "it learns (validation accuracy $va >= 0.6)"
else fail "sharded training: validation accuracy '$va' < 0.6"; fi
expect_status "shards without --classes: a usage error" 2 timeout 300 $MPIRUN cnntrain -q -m m4s.arch --threads 1 \
	-o x.model 'data-%r.tsr'
eq "that says why" "$(grep -c 'need --classes' "$T/.err")" 2

# --resume with another number of ranks says so, and goes on.
timeout 300 $MPIRUN $TRAIN --checkpoint ck.model -o ck1.model train.tsr 2>/dev/null
expect_status "resumes a 2-rank checkpoint in 1 process" 0 \
	cnntrain -q -m m4s.arch --epochs 2 --batch 32 --threads 1 --seed 3 --resume ck.model -o r.model train.tsr
eq "and says the rank counts differ" "$(grep -c 'trained with 2 ranks, this run has 1' "$T/.err")" 1

# A rank that dies ends the job with an error instead of hanging.
$MPIRUN cnntrain -q -m m4s.arch --epochs 1000 --batch 32 --threads 1 -o dead.model train.tsr \
	>dead.out 2>dead.err &
job=$!
victim=""
for i in $(seq 100); do
	victim=$(pgrep -P "$job" -x cnntrain | tail -1)
	[ -n "$victim" ] && [ "$(pgrep -P "$job" -x cnntrain | wc -l)" -eq 2 ] && break
	sleep 0.2
done
sleep 1
if [ -z "$victim" ]; then
	fail "dead rank: no rank started"
	kill "$job" 2>/dev/null
else
	kill -9 "$victim"
	# mpirun ends the job when a rank dies; it exits 137 itself for a rank killed by signal 9
	for i in $(seq 300); do
		kill -0 "$job" 2>/dev/null || break
		sleep 0.2
	done
	if kill -0 "$job" 2>/dev/null; then
		fail "killing one rank: mpirun still runs after 60 s"
		kill -9 "$job"
	else
		wait "$job"
		st=$?
		if [ "$st" -ne 0 ]; then pass "killing one rank ends mpirun with an error (exit $st)"
		else fail "killing one rank: mpirun exit 0"; fi
	fi
	eq "no rank is left running" "$(pgrep -P "$job" -x cnntrain | wc -l)" 0
fi
done_tests
