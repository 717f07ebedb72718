# The progress line (util.h, progress.c), the same in every long-running program:
# on a terminal stderr (a pseudo-terminal here) one line redrawn in place and
# erased at the end; --progress: plain lines for logs; -q: nothing; the output
# the same with and without it.
. tests/lib.sh
IM=/usr/bin/convert
PY=/usr/bin/python3
D=/usr/share/datasets/fashion-mnist
cd "$T"

mkdir pics
for i in 01 02 03 04 05 06 07 08 09 10 11 12; do
	$IM -seed "$i" -size 40x30 "plasma:fractal" "pics/p$i.png" 2>/dev/null ||
		$IM -size 40x30 "xc:rgb(${i}0,90,$((i * 9)))" "pics/p$i.png"
done
imgcat pics -o pics.tsr

# tty OUT ERR [--both] CMD...: runs CMD with stderr on a pseudo-terminal (100 columns) and
# stdout into OUT (with --both, stdout on the terminal too); ERR gets what the terminal showed.
tty() {
	$PY - "$@" <<'EOF'
import fcntl, os, pty, struct, subprocess, sys, termios
out, err, args = sys.argv[1], sys.argv[2], sys.argv[3:]
both = args[0] == "--both"
if both:
    args = args[1:]
m, s = pty.openpty()
fcntl.ioctl(s, termios.TIOCSWINSZ, struct.pack("HHHH", 24, 100, 0, 0))
with open(out, "wb") as f:
    p = subprocess.Popen(args, stdin=subprocess.DEVNULL, stdout=s if both else f, stderr=s)
os.close(s)
got = b""
while True:
    try:
        b = os.read(m, 65536)
    except OSError:
        break
    if not b:
        break
    got += b
open(err, "wb").write(got)
sys.exit(p.wait())
EOF
}
# shown ERR PROG: the terminal got PROG's line (drawn with \r, cleared to the end of the
# line with ESC [ K), never a newline, and was left clean: the last bytes erase the line
shown() {
	$PY - "$@" <<'EOF'
import sys
got, prog = open(sys.argv[1], "rb").read(), sys.argv[2].encode()
ok = got.startswith(b"\r" + prog + b": ") and b"\n" not in got and got.endswith(b"\r\x1b[K")
sys.exit(0 if ok else 1)
EOF
}
# plain ERR: no carriage return and no escape anywhere
plain() { ! grep -q "$(printf '[\r\033]')" "$1"; }

# A folder of 12 images: the total is counted up front, the line shows it, then goes.
tty o.tsr e.tty imgresize --short 16 pics
check "imgresize on a terminal: exit 0" test $? = 0
check "imgresize on a terminal: one line, erased at the end" shown e.tty imgresize
check "imgresize on a terminal: the total and share of a folder" grep -aq '/12 records (' e.tty
imgresize --short 16 pics > plain.tsr 2>plain.err
same "imgresize: the output is the same with the line" o.tsr plain.tsr
eq "imgresize: stderr not a terminal: nothing" "$(cat plain.err)" ""
imgresize --progress --short 16 pics > p.tsr 2>p.err
same "imgresize --progress: the output is the same" p.tsr plain.tsr
check "imgresize --progress: plain lines" plain p.err
check "imgresize --progress: a last line with the total and the time taken" \
	grep -Eq '^imgresize: 12/12 records \(100%\), [0-9.]+ records/s, done in [0-9]+:[0-9]{2}$' p.err
tty q.tsr q.tty imgresize -q --short 16 pics
eq "imgresize -q on a terminal: nothing" "$(wc -c < q.tty | tr -d ' ')" 0
same "imgresize -q: the output is the same" q.tsr plain.tsr
imgresize --progress -q --short 16 pics > /dev/null 2>q.err
eq "-q after --progress: nothing" "$(cat q.err)" ""

# A stream: no total is known up front, the count and rate are
tty o.tsr e.tty imgresize --short 16 pics.tsr
check "a stream on a terminal: one line, erased at the end" shown e.tty imgresize
check "a stream on a terminal: a count without a total" sh -c "grep -aq 'imgresize: 1 records' e.tty && ! grep -aq '/12' e.tty"
imgresize --progress --short 16 - < pics.tsr > /dev/null 2>p.err
check "a stream with --progress: the count at the end" grep -Eq '^imgresize: 12 records, [0-9.]+ records/s, done in' p.err

# The same in every program that works long
for cmd in "imgcat --decode pics -o OUT" "imgaug hflip pics -o OUT" "imgtile --grid 8x8 pics -o OUT" \
	"imgdedup pics -o OUT"; do
	prog=${cmd%% *}
	args=${cmd#* }
	# shellcheck disable=SC2086
	tty a.out a.tty $prog ${args%OUT}a.tsr
	check "$prog on a terminal: one line, erased at the end" shown a.tty "$prog"
	check "$prog on a terminal: the total of a folder" grep -aq '/12 records' a.tty
	# shellcheck disable=SC2086
	$prog ${args%OUT}b.tsr 2>/dev/null
	# shellcheck disable=SC2086
	$prog --progress ${args%OUT}c.tsr 2>c.err
	same "$prog: the output is the same with the line" a.tsr b.tsr
	same "$prog --progress: the output is the same" c.tsr b.tsr
	check "$prog --progress: plain lines" plain c.err
	check "$prog --progress: a last line" grep -Eq "^$prog: 12/12 records \(100%\), .* done in" c.err
	# shellcheck disable=SC2086
	tty q.out q.tty $prog -q ${args%OUT}q.tsr
	eq "$prog -q on a terminal: nothing" "$(wc -c < q.tty | tr -d ' ')" 0
done

# The total counts images by name: masks beside their images and other files are no records
mkdir -p seg/sub
cp pics/p01.png seg/a.png
cp pics/p02.png seg/sub/b.png
$IM -size 40x30 xc:black seg/a.mask.png
echo "notes" > seg/README
imgcat --progress seg -o seg.tsr 2>seg.err
check "the total leaves out masks and other files" grep -q '^imgcat: 2/2 records (100%)' seg.err
eq "two records" "$(imgcat -c seg.tsr)" 2

# A message while the line shows erases it first: it starts on a clean line, and the
# terminal is clean at the end (the message's newline or an erased line)
cp pics/p01.png pics/zz-bad.png
printf 'truncated' | dd of=pics/zz-bad.png bs=1 seek=60 conv=notrunc 2>/dev/null
head -c 100 pics/p02.png > pics/zz-cut.png
tty o.tsr e.tty imgresize --short 16 pics
check "a skipped file: exit 1" test $? = 1
check "a skipped file: its line begins on a clean line" $PY -c '
import re, sys
got = open("e.tty", "rb").read()
msgs = [m.start() for m in re.finditer(rb"imgresize: pics: record", got)]
end = got.endswith(b"\r\x1b[K") or got.endswith(b"\n")
sys.exit(0 if msgs and all(got[:i].endswith(b"\r\x1b[K") for i in msgs) and end else 1)'
rm pics/zz-*

# A listing on the same terminal as stderr: no line to mix with it; with stdout elsewhere, the line
tty l.out l.tty --both imgcat -l pics
check "imgcat -l with stdout on the terminal: no progress line" sh -c '! grep -aq "records" l.tty && grep -aq p01 l.tty'
tty l.out l.tty imgcat -l pics
check "imgcat -l with stdout in a file: the line" shown l.tty imgcat

# Training and prediction
imgcat --idx "$D/train-images-idx3-ubyte.gz" "$D/train-labels-idx1-ubyte.gz" --head 300 -o train.tsr
cat > small.arch <<'EOF'
input 1x28x28
conv2d 4 kernel=3 stride=2
relu
flatten
dense 10
softmax
EOF
cnntrain -m small.arch --epochs 1 -o m.model train.tsr 2>t.err
check "cnntrain: an epoch line" grep -q '^epoch 1/1: loss' t.err
cnntrain -q -m small.arch --epochs 1 -o mq.model train.tsr 2>tq.err
eq "cnntrain -q: no epoch line" "$(cat tq.err)" ""
tty t.out t.tty cnntrain -m small.arch --epochs 1 -o mt.model train.tsr
check "cnntrain on a terminal: the batch line, then the epoch line" \
	sh -c 'grep -aq "epoch 1/1 batch" t.tty && grep -aq "$(printf "\r\033\\[Kepoch 1/1: loss")" t.tty'
cnnpredict -m m.model train.tsr > s1.tsv 2>/dev/null
cnnpredict --progress -m m.model train.tsr > s2.tsv 2>s2.err
same "cnnpredict --progress: the scores are the same" s1.tsv s2.tsv
check "cnnpredict --progress: a last line" grep -Eq '^cnnpredict: 300 records, .* done in' s2.err
tty s3.tsv s3.tty cnnpredict -m m.model -o s3.tsv train.tsr
check "cnnpredict -o FILE on a terminal: one line, erased" shown s3.tty cnnpredict
same "cnnpredict on a terminal: the scores are the same" s1.tsv s3.tsv
tty s4.tsv s4.tty cnnpredict -q -m m.model -o s4.tsv train.tsr
eq "cnnpredict -q: nothing" "$(wc -c < s4.tty | tr -d ' ')" 0

# imgscrape: the line of pages and images, and -q keeps only what went wrong
echo "http://127.0.0.1:1/x.jpg" > urls.txt
imgscrape --progress --timeout 5 -o dl @urls.txt 2>sc.err
check "imgscrape --progress: the pages and images line" grep -q '^imgscrape: pages 0, saved 0, skipped 1, 0 bytes$' sc.err
imgscrape -q --timeout 5 -o dl @urls.txt 2>scq.err
check "imgscrape: the summary without -q" grep -q '^imgscrape: saved 0, skipped 1 ' sc.err
check "imgscrape -q: the failed image, no summary" sh -c '! grep -q "saved 0" scq.err && grep -q "x.jpg" scq.err'

expect_status "--progress takes no value" 2 imgresize --progress=2 --short 16 pics
done_tests
