# http:// and https:// operands (issue 22): every program reads a remote stream
# or image as it arrives, through libcurl, against a server on 127.0.0.1.
. tests/lib.sh
LC_ALL=C
export LC_ALL
cd "$T"
IM=/usr/bin/convert
V=/usr/share/visp-images-data/ViSP-images
mkdir srv photos
for i in 1 2 3 4 5 6; do $IM "$V/Klimt/Klimt.jpeg" -resize $((20 + 7 * i))x$((30 + 5 * i))! photos/k$i.png; done
imgcat photos > srv/good.tsr
cp photos/k1.png srv/one.png
/usr/bin/python3 "$ROOT/tests/net/server.py" srv &
SRVPID=$!
trap 'kill $SRVPID 2>/dev/null' EXIT
i=0
while [ ! -f srv/port ] && [ $i -lt 100 ]; do sleep 0.1; i=$((i + 1)); done
U=http://127.0.0.1:$(cat srv/port)
nrec=$(imgcat -c srv/good.tsr)

check "a good stream" sh -c "imgcat $U/good.tsr > got.tsr"
same "a good stream: the same records" got.tsr srv/good.tsr
eq "imgcat -c of a URL" "$(imgcat -c $U/good.tsr)" "$nrec"
check "an image at a URL" sh -c "imgcat $U/one.png > one.tsr"
eq "an image at a URL: one record" "$(imgcat -c one.tsr)" 1
eq "a URL and a file together" "$(imgcat -c $U/good.tsr srv/good.tsr)" $((2 * nrec))
check "other programs take URLs: imgresize" sh -c "imgresize --stretch 8x8 $U/good.tsr > small.tsr"
eq "imgresize of a URL: every record" "$(imgcat -c small.tsr)" "$nrec"
check "other programs take URLs: imgdedup" sh -c "imgdedup $U/good.tsr > dd.tsr"
check "other programs take URLs: imgaug" sh -c "imgaug --seed 1 hflip $U/good.tsr > aug.tsr"
check "other programs take URLs: imgtile" sh -c "imgtile --grid 8x8 $U/good.tsr > tiles.tsr"
printf 'id\tlabel\tscore\n' > srv/pred.tsv
for i in 1 2 3 4 5 6 7 8; do printf 'x%d\t%s\t0.%d\n' $i $([ $i -gt 4 ] && echo pos || echo neg) $i >> srv/pred.tsv; done
check "cnneval: a table at a URL" sh -c "cnneval --positive pos -f tsv $U/pred.tsv > ev-url.tsv"
cnneval --positive pos -f tsv srv/pred.tsv > ev-file.tsv 2>/dev/null
eq "cnneval: a table at a URL, the figures of the file" "$(sed 1d ev-url.tsv | sort | md5sum)" \
	"$(sed 1d ev-file.tsv | sort | md5sum)"
expect_status "cnneval: a table at a URL cut short, exit 1" 1 cnneval --positive pos $U/cut/pred.tsv
expect_err "cnneval: a table at a URL cut short, said in one line" "^cnneval: $U/cut/pred.tsv: transfer cut short"
check "a redirect to http is followed" sh -c "imgcat -c $U/tohttp/good.tsr > c.txt"
eq "a redirect to http: the records" "$(cat c.txt)" "$nrec"
check "a 503 is tried again" sh -c "imgcat $U/flaky/good.tsr > fl.tsr"
same "a 503 is tried again: the records" fl.tsr srv/good.tsr

expect_status "a 404: skipped, exit 1" 1 imgcat -c $U/missing.tsr
expect_err "a 404: said in one line" "^imgcat: $U/missing.tsr: HTTP 404\$"
expect_status "a body cut short: exit 1" 1 sh -c "imgcat $U/cut/good.tsr > cut.tsr"
expect_err "a body cut short: said in one line" "^imgcat: $U/cut/good.tsr: transfer cut short"
expect_status "a body short of its Content-Length, whole records: an error, not a short set" 1 \
	sh -c "imgcat $U/long/good.tsr > long.tsr"
expect_err "a body short of its Content-Length: said in one line" "^imgcat: $U/long/good.tsr: transfer cut short"
expect_status "a redirect to file:// is refused" 1 imgcat -c $U/tofile
expect_err "a redirect to file:// is refused, said in one line" "^imgcat: $U/tofile: .*(Protocol|protocol)"
eq "the redirect to file:// was tried once" "$(grep -c 'GET /tofile ' srv/log)" 1
expect_status "a host that does not listen: exit 1" 1 imgcat -c http://127.0.0.1:9/x.tsr
check "a closed pipe on a URL is not an error" sh -c "imgcat $U/good.tsr | head -c 10 > /dev/null"
done_tests
