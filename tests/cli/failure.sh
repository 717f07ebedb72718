# Failure is never silent downstream (tensorstream(5), issue "nothing lost, nothing silent"):
# 0 bytes is no stream, a stage that stops on an error leaves a truncated stream (the records
# it completed, no end frame) or nothing, model files are whole streams, files written by a
# program do not depend on timing, and the environment is checked like options.
. tests/lib.sh
PY=/usr/bin/python3
TSREAD="$ROOT/tests/tsread.py"
D=/usr/share/datasets/fashion-mnist
cd "$T"
imgcat --idx "$D/t10k-images-idx3-ubyte.gz" "$D/t10k-labels-idx1-ubyte.gz" --head 12 -o good.tsr
size=$(wc -c <good.tsr)
head -c $((size - 24)) good.tsr >noend.tsr          # cut before its end frame
cp good.tsr garbage.tsr && printf 'not a frame' >>garbage.tsr
: >empty.tsr
# truncated: the stream is cut before the end frame; records completed come out, no end frame
records() { "$PY" "$TSREAD" "$1" 2>/dev/null | wc -l; }
# the output is not a whole stream: imgcat -c fails on it and says why
not_whole() { # NAME FILE
	if imgcat -c "$2" >/dev/null 2>"$T/.err2"; then fail "$1: the output reads as a whole stream"
	elif grep -Eq 'truncated|empty input' "$T/.err2"; then pass "$1: the output is not a whole stream"
	else fail "$1: $(head -c 200 "$T/.err2")"; fi
}

# ---- 0 bytes is not a stream ----
for p in "imgcat -c" "imgresize --short 8" "imgtile --grid 8x8" "imgaug hflip" "imgdedup" "cnneval --masks"; do
	expect_status "$p on 0 bytes: exit 1" 1 sh -c "$p empty.tsr > out.tsr"
	expect_err "$p on 0 bytes: says no stream header" 'empty\.tsr: empty input: no stream header; did the program writing it fail\?$'
	expect_status "$p on 0 bytes from a pipe: exit 1" 1 sh -c "$p < empty.tsr > out.tsr"
done
expect_status "a 0-byte x.jpg on the command line is no image and no stream" 1 imgcat -c x.jpg
: >x.jpg
expect_status "a 0-byte x.jpg: exit 1" 1 imgcat -c x.jpg
if grep -q 'x\.jpg' "$T/.err"; then pass "a 0-byte x.jpg: named"; else fail "a 0-byte x.jpg: $(cat "$T/.err")"; fi

# ---- a stream with nothing in it is still a stream ----
check "--where matching nothing: exit 0" sh -c 'imgcat --where label=none good.tsr > none.tsr'
eq "--where matching nothing: a header and an end frame" "$(wc -c <none.tsr)" 48
eq "--where matching nothing: 0 records, read cleanly" "$(imgcat -c none.tsr)" 0

# ---- a stage that stops leaves a truncated stream ----
for src in noend garbage; do
	for p in "imgcat" "imgresize --short 8" "imgtile --grid 14x14" "imgaug hflip --seed 1" "imgdedup"; do
		n="$p < $src.tsr"
		expect_status "$n: exit 1" 1 sh -c "$p < $src.tsr > out.tsr"
		not_whole "$n" out.tsr
		expect_status "$n | imgcat --stats: the next stage fails too" 1 sh -c "$p < $src.tsr | imgcat --stats"
	done
	# streaming filters pass on what they completed before the damage
	imgcat <$src.tsr >out.tsr 2>/dev/null
	eq "imgcat < $src.tsr: the 12 records before the damage reach the output" "$(records out.tsr)" 12
	imgresize --short 8 <$src.tsr >out.tsr 2>/dev/null
	eq "imgresize < $src.tsr: the 12 records before the damage reach the output" "$(records out.tsr)" 12
done
# a stage that fails before its first record leaves a header alone: truncated, not empty
imgresize --short 8 <empty.tsr >out.tsr 2>/dev/null
eq "a stage failing before any record: its output is the header alone" "$(wc -c <out.tsr)" 24
not_whole "a stage failing before any record" out.tsr

# ---- model files are whole streams ----
cat >tiny.arch <<'ARCH'
input 1x28x28
flatten
dense 10
softmax
ARCH
imgcat --idx "$D/t10k-images-idx3-ubyte.gz" "$D/t10k-labels-idx1-ubyte.gz" --head 100 -o train.tsr
check "a tiny model" cnntrain -m tiny.arch --epochs 1 --checkpoint tiny.ckpt -o tiny.model train.tsr
msize=$(wc -c <tiny.model)
head -c $((msize - 24)) tiny.model >cut.model
head -c $((msize / 2)) tiny.model >half.model
cp tiny.model long.model && printf 'xx' >>long.model
cat tiny.model tiny.model >two.model
for m in cut half long two; do
	expect_status "cnnpredict -m $m.model: refused" 1 cnnpredict -m $m.model good.tsr
	expect_err "cnnpredict -m $m.model: names the file" "$m\\.model: record [0-9]+: "
	expect_status "cnntrain --resume $m.model: refused" 1 cnntrain -m tiny.arch --epochs 2 --resume $m.model -o x.model train.tsr
	expect_err "cnntrain --resume $m.model: names the file" "$m\\.model: record [0-9]+: "
done
for m in cut half long; do
	expect_status "imgcat -l $m.model: refused" 1 imgcat -l $m.model
done
check "the whole model still works" cnnpredict -m tiny.model good.tsr

# ---- the bytes of a file do not depend on timing ----
imgcat --head 6 good.tsr >a.tsr
cat a.tsr a.tsr | imgcat >fast.tsr
(cat a.tsr; sleep 1.3; cat a.tsr) | imgcat >slow.tsr
same "a slow producer: the file written is the same bytes" fast.tsr slow.tsr

# a write that fails when the stream is closed names the last record written, not one more
expect_status "stdout closed: exit 1" 1 sh -c 'exec imgcat a.tsr >&-'
expect_err "stdout closed: the error comes after the 6th record" '^imgcat: -: after record 6: write error: Bad file descriptor$'

# ---- environment variables are checked like options ----
for v in TS_LEVEL=abc TS_LEVEL=99 TS_LEVEL=0 TS_LEVEL=-8 TS_LEVEL=-0 TS_LEVEL=--1 TS_MAX_RECORD=abc TS_MAX_RECORD=0 TS_MAX_RECORD=99999999999999999999 \
	TS_THREADS=0 TS_THREADS=x IMG_MAX_PIXELS=0 IMG_MAX_PIXELS=abc IMG_MAX_PIXELS=-5; do
	var=${v%%=*} val=${v#*=}
	for p in imgcat imgresize cnnpredict; do
		expect_status "$v $p: exit 2" 2 env "$v" $p good.tsr
		expect_err "$v $p: names the variable and the value" "^$p: $var='$val': "
	done
done
# the fast negative levels, like --level: -7 to -1 (the default is -1)
imgcat --level -5 good.tsr > l5.tsr
check "TS_LEVEL=-5: a fast level is accepted" sh -c 'TS_LEVEL=-5 imgcat good.tsr > env5.tsr'
same "TS_LEVEL=-5: the same bytes as --level -5" l5.tsr env5.tsr
check "TS_LEVEL=-7: the fastest level the options accept" sh -c 'TS_LEVEL=-7 imgcat good.tsr > env7.tsr'
eq "TS_LEVEL=-7: every record written" "$(imgcat -c env7.tsr)" "$(imgcat -c good.tsr)"
expect_status "TS_LEVEL=-8: exit 2" 2 env TS_LEVEL=-8 imgcat good.tsr
expect_err "TS_LEVEL=-8: says which levels are" "^imgcat: TS_LEVEL='-8': not a compression level from -7 to 19 other than 0$"
check "TS_LEVEL=19 TS_MAX_RECORD=64M TS_THREADS=2 IMG_MAX_PIXELS=1000: fine" \
	env TS_LEVEL=19 TS_MAX_RECORD=64M TS_THREADS=2 IMG_MAX_PIXELS=1000 imgcat -c good.tsr
done_tests
