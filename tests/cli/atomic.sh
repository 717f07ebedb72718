# Output files: nothing left behind by SIGHUP, SIGINT, SIGPIPE, SIGTERM or SIGKILL; symbolic
# links written through; -o /dev/stdout as a plain user; a closed pipe is not an error;
# cnntrain checks its outputs before reading data and rescues a model it cannot save.
# The signal checks run twice: as the programs run here (O_TMPFILE), and again, as
# "atomic.sh named", in a mount namespace whose /proc is an empty tmpfs, where the programs fall
# back to named temporaries ("OUT.tmpXXXXXX") that their signal handler must remove.
. tests/lib.sh
MODE=${1:-unnamed}
D=/usr/share/datasets/fashion-mnist
cd "$T"
W=$(pwd -P)

if [ "$MODE" = unnamed ]; then
	imgcat --idx --classes "$(cat "$ROOT/share/fashion-mnist/classes")" "$D/train-images-idx3-ubyte.gz" \
		"$D/train-labels-idx1-ubyte.gz" --head 300 -o f.tsr
	printf 'input 1x28x28\nflatten\ndense 10\nsoftmax\n' > small.arch
	printf 'input 1x28x28\nflatten\ndense 1000\ndense 10\nsoftmax\n' > big.arch   # a 3 MB model
	cnntrain -m small.arch --epochs 1 -o m.model f.tsr 2>/dev/null
fi

signum() { case $1 in HUP) echo 1 ;; INT) echo 2 ;; KILL) echo 9 ;; PIPE) echo 13 ;; TERM) echo 15 ;; esac; }
# has_output PID DIR: PID has a file without a name open in DIR, or DIR holds a named temporary
has_output() {
	[ -n "$(find "$2" -name '*.tmp*' 2>/dev/null)" ] && return 0
	ls -l "/proc/$1/fd" 2>/dev/null | grep -F "$2/" | grep -q '(deleted)$'
}
# sigrun SIGNAL DIR PROGRAM ARG...: runs the program on a FIFO that this shell keeps open (so it
# reads f.tsr, then waits for more with its output open), waits at most 30 s for its output to
# appear in DIR, sends SIGNAL, and checks that it ended by the signal and left in DIR no file
# but the exported images (*.png), which are complete.  With DIR "spool:DIR" (imgdedup, which
# opens its output after the last record) it waits instead until the program has read more of
# f.tsr than a pipe holds, so it is spooling its input.
sigrun() {
	sig=$1 dir=${2#spool:} spool=$2; shift 2
	[ "$spool" = "$dir" ] && spool=

	rm -rf "$dir" fifo
	mkdir "$dir"
	mkfifo fifo
	exec 3<>fifo
	env --default-signal "$@" <fifo >/dev/null 2>"$T/.err" 3>&- &
	pid=$!
	cat f.tsr >&3 &
	feeder=$!
	if [ -n "$spool" ]; then
		wait $feeder
		opened=$?
	else
		i=0
		while ! has_output $pid "$W/$dir" && [ $i -lt 600 ] && kill -0 $pid 2>/dev/null; do
			sleep 0.05
			i=$((i + 1))
		done
		has_output $pid "$W/$dir"
		opened=$?
	fi
	kill -s "$sig" $pid
	i=0
	while kill -0 $pid 2>/dev/null && [ $i -lt 600 ]; do sleep 0.05; i=$((i + 1)); done
	kill -s KILL $pid 2>/dev/null && echo "$*: did not end on SIG$sig within 30 s" >> "$T/.err"
	{ wait $pid; } 2>/dev/null
	rc=$?
	kill $feeder 2>/dev/null
	wait $feeder 2>/dev/null
	exec 3>&-
	left=$(find "$dir" -type f ! -name '*.png' | tr '\n' ' ')
	name="$MODE: $* ($sig)"
	if [ $opened -ne 0 ]; then
		fail "$name: no output appeared in $dir (or it did not read its input): $(head -c 300 "$T/.err")"
	elif [ $rc -ne $((128 + $(signum "$sig"))) ]; then
		fail "$name: exit $rc, wanted $((128 + $(signum "$sig"))): $(head -c 300 "$T/.err")"
	elif [ -n "$left" ]; then
		fail "$name: left $left"
	else
		pass "$name: exit $rc, nothing left"
	fi
}

if [ "$MODE" = named ]; then
	SIGNALS="HUP INT PIPE TERM"
else
	SIGNALS="HUP INT PIPE TERM KILL"
fi
for sig in $SIGNALS; do
	sigrun $sig o imgcat -o o/out.tsr
	sigrun $sig o imgresize --short 8 -o o/out.tsr
	sigrun $sig o imgtile --grid 8x8 -o o/out.tsr
	sigrun $sig o imgaug hflip -o o/out.tsr
	sigrun $sig spool:o imgdedup -o o/out.tsr
	sigrun $sig o cnnpredict -m m.model -o o/out.tsv
	sigrun $sig o imgcat --export o/ex
	sigrun $sig o imgcat --split a=0.5,b=0.5 -o o/part-
	sigrun $sig o imgcat --shard 2 -o o/shard%d.tsr
done

if [ "$MODE" = named ]; then
	done_tests
fi

# The same in a mount namespace without /proc: named temporaries, removed by the handler.
if unshare -m sh -c 'mount -t tmpfs none /proc' 2>/dev/null; then
	unshare -m sh -c 'mount -t tmpfs none /proc && cd "$ROOT" && exec sh tests/cli/atomic.sh named'  ||
		fails=$((fails + 1))
else
	skip "named temporaries: unshare -m cannot mount here"
fi

# Spill files (imgcat --shuffle) and spools (imgdedup) never have a name: nothing to leave.
# named_files PID: the regular files PID has open that still have a name, but its stderr
named_files() {
	for f in /proc/$1/fd/*; do
		l=$(readlink "$f")
		[ -f "$f" ] && [ "$l" = "${l% (deleted)}" ] && [ "$l" != "$W/.err" ] && echo "$l"
	done
}
for cmd in "imgcat --shuffle --shuffle-memory 0 -o o/out.tsr" "imgdedup -o o/out.tsr"; do
	rm -rf o fifo
	mkdir o
	mkfifo fifo
	exec 3<>fifo
	$cmd <fifo >/dev/null 2>"$W/.err" 3>&- &
	pid=$!
	cat f.tsr >&3               # more than a pipe holds: it is spilling or spooling when this ends
	eq "$cmd: its temporary files have no name" "$(named_files $pid)" ""
	kill $pid
	{ wait $pid; } 2>/dev/null
	exec 3>&-
done

# A signal ignored when the program starts (nohup, a background job) stays ignored: the
# program goes on and writes its output.
rm -rf o fifo
mkdir o
mkfifo fifo
exec 3<>fifo
(trap '' HUP INT && exec imgcat -o o/out.tsr <fifo 3>&-) &
pid=$!
cat f.tsr >&3
i=0
while ! has_output $pid "$W/o" && [ $i -lt 600 ]; do sleep 0.05; i=$((i + 1)); done
kill -s HUP $pid
kill -s INT $pid
exec 3>&-
wait $pid
eq "ignored HUP and INT stay ignored: exit 0, output complete" "$?:$(imgcat -c o/out.tsr)" "0:300"

# ---- symbolic links are written through; the link stays
mkdir real links
ln -s ../real/a.tsr links/a.tsr
check "-o on a dangling link" imgcat -o links/a.tsr f.tsr
eq "the link's target is created, the link kept" "$(test -L links/a.tsr && echo link):$(imgcat -c real/a.tsr)" "link:300"
ln -s a.tsr links/b.tsr
check "-o on a link to a link" imgcat --head 7 -o links/b.tsr f.tsr
eq "the last target replaced, both links kept" \
	"$(test -L links/a.tsr && test -L links/b.tsr && echo links):$(imgcat -c real/a.tsr):$(ls real | tr '\n' ' ')" \
	"links:7:a.tsr "
ln -s "$W/real/r.txt" links/r.txt
check "imgdedup --report on an absolute link" imgdedup --report links/r.txt -o /dev/null f.tsr
eq "the report is in the link's target" "$(test -L links/r.txt && echo link):$(test -s real/r.txt && echo written)" \
	"link:written"
ln -s ../real/m.model links/m.model
ln -s ../real/log.tsv links/log.tsv
ln -s ../real/ck.tsr links/ck.tsr
echo old > real/log.tsv
check "cnntrain -o, --log, --checkpoint on links" \
	cnntrain -m small.arch --epochs 1 -o links/m.model --log links/log.tsv --checkpoint links/ck.tsr f.tsr
eq "cnntrain wrote through all three links" \
	"$(find links -type l | wc -l):$(imgcat -c real/m.model):$(head -c 5 real/log.tsv):$(imgcat -c real/ck.tsr)" \
	"6:1:epoch:1"

# ---- -o /dev/stdout and /dev/stderr, also as a plain user (standard output a file or a pipe)
if [ "$(id -u)" = 0 ] && command -v setpriv >/dev/null; then
	NOBODY="setpriv --reuid=nobody --regid=nogroup --clear-groups"
elif [ "$(id -u)" != 0 ]; then
	NOBODY=
else
	NOBODY=none
fi
mkdir plain
chmod 755 "$T"
chmod 777 plain
if [ "$NOBODY" != none ] && $NOBODY sh -c 'test -x "$1/imgcat" && test -r f.tsr && test -w plain' sh "$BIN"; then
	check "as a plain user: imgcat -o /dev/stdout > FILE" $NOBODY sh -c 'imgcat -o /dev/stdout f.tsr > plain/o.tsr'
	eq "the file has the stream" "$(imgcat -c plain/o.tsr)" 300
	check "as a plain user: imgcat -o /dev/stderr 2> FILE" $NOBODY sh -c 'imgcat -o /dev/stderr f.tsr 2> plain/e.tsr'
	eq "the file has the stream" "$(imgcat -c plain/e.tsr)" 300
	eq "as a plain user: imgcat -o /dev/stdout | imgcat -c" \
		"$($NOBODY sh -c 'imgcat -o /dev/stdout f.tsr | imgcat -c')" 300
	check "as a plain user: cnntrain -o /dev/stdout >> FILE (appends)" \
		$NOBODY sh -c 'cp f.tsr plain/app.tsr && cnntrain -m small.arch --epochs 1 -o /dev/stdout f.tsr >> plain/app.tsr 2>/dev/null'
	eq "the model follows the records" "$(imgcat -c plain/app.tsr)" 301
	eq "/dev/stdout and /dev/stderr are still links" "$(test -L /dev/stdout && test -L /dev/stderr && echo links)" links
else
	skip "-o /dev/stdout as a plain user: no setpriv, or nobody cannot reach $BIN or $T"
fi

# ---- a closed pipe is not an error: exit 0, nothing on stderr
# piped NAME COMMAND...: runs COMMAND | head -c 10 (its output is larger than a pipe holds)
piped() {
	n=$1; shift
	{ "$@"; echo $? > rc; } 2>"$T/.err" | head -c 10 > /dev/null
	if [ "$(cat rc)" = 0 ] && ! grep -q "^[a-z]*: " "$T/.err"; then pass "closed pipe: $n"
	else fail "closed pipe: $n: exit $(cat rc): $(head -c 300 "$T/.err")"; fi
}
for i in 1 2 3 4 5 6 7 8 9 10; do cat f.tsr; done > f10.tsr
piped "imgcat" imgcat f10.tsr
piped "imgcat -o -" imgcat -o - f10.tsr
piped "imgresize" imgresize --short 56 f10.tsr
piped "imgtile" imgtile --grid 8x8 f10.tsr
piped "imgaug" imgaug hflip f10.tsr
piped "imgdedup" imgdedup f10.tsr
piped "cnnpredict" cnnpredict -m m.model f10.tsr
piped "cnnpredict --stream" cnnpredict --stream -m m.model f10.tsr
piped "cnntrain -o -" cnntrain -m big.arch --epochs 1 -o - f.tsr
piped "cnntrain -o /dev/stdout" cnntrain -m big.arch --epochs 1 -o /dev/stdout f.tsr

# ---- cnntrain checks -o, --log and --checkpoint before it reads any data (its input here is a
# FIFO that never ends: a run that reads first never stops, and timeout ends it with 124)
rm -f fifo
mkfifo fifo
exec 3<>fifo
mkdir adir
expect_status "cnntrain -o in a missing folder: exit 1 before reading" 1 \
	timeout 10 cnntrain -m small.arch -o nodir/m.model <fifo
expect_err "the output is named" "^cnntrain: nodir/m.model: No such file or directory$"
expect_status "cnntrain --log in a missing folder: exit 1 before reading" 1 \
	timeout 10 cnntrain -m small.arch -o m2.model --log nodir/log.tsv <fifo
expect_err "the log is named" "^cnntrain: nodir/log.tsv: No such file or directory$"
expect_status "cnntrain --checkpoint on a folder: exit 1 before reading" 1 \
	timeout 10 cnntrain -m small.arch -o m2.model --checkpoint adir <fifo
expect_err "the checkpoint is named" "^cnntrain: adir: Is a directory$"
exec 3>&-
eq "nothing was written" "$(ls m2.model nodir 2>/dev/null)" ""

# ---- cnntrain saves a model it cannot write where asked beside the target, or in $TMPDIR.
# train_while ACTION ARG...: cnntrain ARG... reads f.tsr twice through a FIFO; once it has read
# more than a pipe holds (so it has checked its outputs), ACTION runs, then the input ends.
train_while() {
	act=$1; shift
	rm -f fifo
	mkfifo fifo
	TMPDIR="$W/tmpdir" cnntrain -m small.arch --epochs 1 "$@" <fifo >/dev/null 2>"$T/.err" &
	pid=$!
	exec 4>fifo
	cat f.tsr f.tsr >&4
	eval "$act"
	exec 4>&-
	wait $pid
}
# has_line NAME PATTERN: one line of the last stderr matches (cnntrain also prints its epochs)
has_line() { if [ "$(grep -Ec "$2" "$T/.err")" = 1 ]; then pass "$1"; else fail "$1: stderr was: $(head -c 300 "$T/.err")"; fi; }
mkdir out tmpdir
train_while 'mkdir out/m.model' -o out/m.model
eq "the target became a folder: exit 1" "$?" 1
has_line "says where the model is" "^cnntrain: out/m.model: Is a directory; the trained model is saved as out/m.model.rescued-$pid$"
eq "the model is beside the target" "$(imgcat -l out/m.model.rescued-$pid | grep -c 'kind=cnnmodel')" 1
mkdir gone
train_while 'rm -r gone' -o gone/m.model
eq "the target's folder was removed: exit 1" "$?" 1
has_line "says where the model is" \
	"^cnntrain: gone/m.model: No such file or directory; the trained model is saved as $W/tmpdir/m.model.rescued-$pid$"
eq "the model is in TMPDIR" "$(imgcat -l "tmpdir/m.model.rescued-$pid" | grep -c 'kind=cnnmodel')" 1
mkdir gone
train_while 'rm -r gone' --epochs 3 -o kept.model --log gone/log.tsv --checkpoint gone/ck.tsr
eq "a log and checkpoint that cannot be written: exit 1" "$?" 1
eq "each is told once, and training goes on" "$(grep -c 'training goes on' "$T/.err"):$(imgcat -c kept.model)" "2:1"

done_tests
