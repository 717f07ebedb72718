# make demo in its tiny mode (examples/demo, TINY=1): the whole workflow from a
# local Reddit to ROC and PR plots runs, and a second make does nothing.
. "$ROOT/tests/lib.sh"
M="make -s -C $ROOT/examples/demo TINY=1 BIN=$BIN W=$T/demo"
check "make demo TINY=1 runs the whole workflow" $M
cp "$T/.out" "$T/first.out"
for f in scraped.tsr dedup.tsr train.tsr test.tsr train-aug.tsr shoes.model pred.tsv eval.roc.png eval.pr.png eval.learning.png report.html; do
	[ -s "$T/demo/$f" ] || fail "make demo TINY=1: $f is missing"
done
grep -q '^imgscrape: saved ' "$T/.err" && pass "the images were scraped from the local server" || fail "imgscrape said: $(grep imgscrape "$T/.err")"
grep -Eq '^imgdedup: [0-9]+ records, [1-9][0-9]* duplicates' "$T/.err" && pass "imgdedup found the reposts" || fail "imgdedup said: $(grep imgdedup "$T/.err")"
acc=$(awk '$1 == "accuracy" { print $2; exit }' "$T/first.out")
awk -v a="$acc" 'BEGIN { exit !(a >= 0.7) }' && pass "tiny demo accuracy $acc >= 0.7" || fail "tiny demo accuracy '$acc'"
grep -q "ROC plot: *$T/demo/eval.roc.png" "$T/first.out" && pass "the plots are named" || fail "output: $(cat "$T/first.out")"
eq "the report shows the mistakes' images" "$(grep -c 'src="data:image/png;base64,' "$T/demo/report.html")" \
	"$(grep -c '<figure class="thumb">' "$T/demo/report.html")"
# site.py --gallery N: every post a gallery of N images of the folder, reposts as posts of their own
check "site.py --gallery 4" /usr/bin/python3 "$ROOT/examples/demo/site.py" "$T/g" --gallery 4 boots="$T/demo/img/boots"
eq "--gallery 4: the posts" "$(/usr/bin/python3 -c 'import json, sys
p = json.load(open(sys.argv[1]))[0]
print(" ".join(str(len(q["images"])) for q in p[:4]), p[1]["images"][0])' "$T/g/r/boots.json")" "4 1 4 1 boots-0003-repost.jpg"
check "a second make demo" $M
eq "a second make demo runs nothing" "$(grep -c '^[a-z]*:' "$T/.err")" 0
pgrep -f "server.py $T/demo/site" >/dev/null && fail "the server still runs" || pass "the server was stopped"
sh "$ROOT/examples/demo/serve.sh" "$T/demo/site" false 2>/dev/null && fail "serve.sh: a failing program succeeded"
sleep 0.2
pgrep -f "server.py $T/demo/site" >/dev/null && fail "the server still runs after a failure" || pass "the server is stopped after a failure too"
done_tests
