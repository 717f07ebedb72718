# Every program started with stdin, stdout or stderr closed (prog <&-, >&-, 2>&-):
# a file it opens (a spool, an output's temporary) must never take descriptor 0, 1
# or 2, so it never reads its own files as stdin nor writes its messages into them.
. tests/lib.sh
cd "$T"
mkdir dir
/usr/bin/convert -size 40x30 xc:red dir/a.png
/usr/bin/convert -size 30x40 xc:blue dir/b.jpg
: > dir/bad.jpg
imgcat dir/a.png dir/b.jpg | imgresize --stretch 8x8 > s8.tsr
printf 'id\tlabel\tscore\na\t1\t0.9\nb\t0\t0.1\n' > p.tsv
printf 'input 3x8x8\nconv2d 2 kernel=3 pad=1\nflatten\ndense 1\nsigmoid\n' > tiny.arch

# stdin closed: reading "-" fails with EBADF, in every program alike
for c in "imgcat" "imgresize --short 8" "imgtile --grid 8x8" "imgaug hflip" "imgdedup" \
	"cnnpredict --baseline laplacian" "cnntrain -m tiny.arch -o m.model" "cnneval"; do
	expect_status "$c <&-: exit 1" 1 sh -c "exec $c <&-"
	# the first line says it (cnntrain adds that it has no images left to train on)
	if head -1 "$T/.err" | grep -Eq "^${c%% *}: (-|stdin): (read error: )?Bad file descriptor$"; then
		pass "... Bad file descriptor"
	else
		fail "... Bad file descriptor: stderr was: $(head -c 300 "$T/.err")"
	fi
done

# stdout closed: writing it fails with EBADF
for c in "imgcat s8.tsr" "imgresize --short 8 s8.tsr" "imgtile --grid 4x4 s8.tsr" "imgaug hflip s8.tsr" \
	"imgdedup s8.tsr" "cnnpredict --baseline laplacian s8.tsr" "cnneval p.tsv"; do
	expect_status "$c >&-: exit 1" 1 sh -c "exec $c >&-"
	grep -q 'Bad file descriptor' "$T/.err" && pass "... Bad file descriptor" || fail "... stderr: $(cat "$T/.err")"
done

# stderr closed: the warning about dir/bad.jpg goes nowhere, never into the output
rm -f out.tsr; imgcat --decode -o out.tsr dir 2>&-
eq "imgcat --decode -o OUT 2>&-: the output is the stream" "$(imgcat -c out.tsr 2>&1)" 2
rm -f out.tsr; imgtile --grid 8x8 -o out.tsr dir 2>&-
eq "imgtile -o OUT 2>&-: the output is the stream" "$(imgcat -c out.tsr 2>&1)" 30
rm -f out.tsr; imgdedup --skip-bad -o out.tsr dir 2>&-
eq "imgdedup -o OUT 2>&-: the output is the stream" "$(imgcat -c out.tsr 2>&1)" 2
imgcat --export ex dir 2>&-
eq "imgcat --export 2>&-: index.tsv holds only its rows" "$(wc -l < ex/index.tsv)" 3
done_tests
