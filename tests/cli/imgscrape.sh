# imgscrape against a fake Reddit and image host on 127.0.0.1 (tests/scrape/server.py).
. tests/lib.sh
SCRAPE_TLS=1
. tests/scrape/fixture.sh
LC_ALL=C
export LC_ALL
cd "$T"
R="--reddit-url $API"
LOG="$SRV/log"

# Requests logged since mark: lines of the server log (role method path status ua auth).
mark() { MARK=$(wc -l < "$LOG"); }
since() { tail -n +$((MARK + 1)) "$LOG"; }
field() { /usr/bin/python3 -c 'import json, sys
for l in sys.stdin: print(json.loads(l)[sys.argv[1]])' "$1"; }
sha() { sha256sum "$1" | cut -d' ' -f1; }
# meta STREAM ID KEY: a record's metadata value (imgcat -l shows the label in column 2)
meta() { imgcat -l "$1" | awk -F'\t' -v id="$2" -v k="$3" '$1 == id {
	if (k == "label") print $2; else for (i = 4; i <= NF; i++) if (index($i, k "=") == 1) print substr($i, length(k) + 2) }'; }
summary() { grep 'saved [0-9]*, skipped' "$T/.err" | sed 's/^imgscrape: //'; }

# ---- r/NAME to a stream ----
mark
expect_status "r/cars: a stream, exit 0" 0 imgscrape -v $R r/cars
mv .out cars.tsr
eq "r/cars: images in listing order (gallery items in order, the failed one left out)" \
	"$(imgcat -l cars.tsr | cut -f1 | tr '\n' ' ')" \
	"aaa111 gal222_01 gal222_03 xpo777 pre888 ../../../etc/evil "
eq "r/cars: summary counts every reason" "$(summary)" \
	"saved 6, skipped 8 (nsfw 1, video 1, duplicate 1, not-image 1, too-big 0, error 1, archived 0, other 3)"
eq "r/cars: -v says what it did (not '0 records in')" \
	"$(grep -c '^imgscrape: [0-9]* pages\{0,1\} and [1-9][0-9]* posts read, [1-9][0-9]* images fetched, 6 saved, [0-9.]* s, peak ' .err)" 1
eq "the encoded bytes are the served file's" "$(meta cars.tsr aaa111 sha256)" "$(sha "$SRV/a.jpg")"
eq "gallery item 1 is b.png, &amp; unescaped in its URL" \
	"$(meta cars.tsr gal222_01 sha256) $(meta cars.tsr gal222_01 url)" "$(sha "$SRV/b.png") $IMG/img/b.png?a=1&b=2"
eq "a crosspost takes its parent's image" "$(meta cars.tsr xpo777 sha256)" "$(sha "$SRV/e.jpg")"
eq "a link post takes its preview (entities unescaped)" "$(meta cars.tsr pre888 url)" "$IMG/img/f.png?w=1&s=abc"
eq "metadata of a post" \
	"$(for k in post_id subreddit author title created_utc permalink source label format; do meta cars.tsr aaa111 $k; done | tr '\n' '|')" \
	"aaa111|cars|driver|Post aaa111|1700000006|https://www.reddit.com/r/cars/comments/aaa111/post/|r/cars|cars|jpeg|"
eq "the stream carries the downloaded bytes untouched" \
	"$(imgcat -l cars.tsr | awk -F'\t' '$1 == "aaa111" { print $3 }')" "encoded:bytes[$(wc -c < "$SRV/a.jpg")]"
grep -q 'gallery item m2 is not valid' .err && grep -q 'page.jpg: not a PNG, JPEG, GIF or WebP' .err &&
	grep -q 'gone.jpg: removed' .err && pass "each skipped image is named on stderr" || fail "stderr: $(cat .err)"
eq "pagination: page 2 asked with after and count" \
	"$(since | field path | grep '^/r/' | tr '\n' ' ')" \
	"/r/cars/hot.json?limit=100&raw_json=1 /r/cars/hot.json?limit=100&raw_json=1&after=t3_p1&count=7 "
eq "every request has Reddit's User-Agent form" "$(since | field ua | sort -u)" "linux:imgscrape:1.0"
eq "each URL is fetched once per run (the deleted post's a.jpg is not fetched again)" \
	"$(since | field path | grep -c '^/img/a.jpg$')" 1
eq "never more than 2 API requests a second" "$(since | /usr/bin/python3 -c 'import json, sys
t = [json.loads(l)["t"] for l in sys.stdin if json.loads(l)["role"] == "api"]
print(all(b - a >= 0.45 for a, b in zip(t, t[1:])))')" True

mark
imgscrape $R --reddit-user bob --nsfw --label car --limit 2 --jobs 1 r/cars > lim.tsr 2>.err
eq "--limit 2: two images" "$(imgcat -c lim.tsr)" 2
eq "--limit 2: the second page is not fetched" "$(since | field path | grep -c '^/r/')" 1
eq "--label overrides the subreddit" "$(meta lim.tsr aaa111 label)" car
eq "--reddit-user goes into the User-Agent" "$(since | field ua | sort -u)" "linux:imgscrape:1.0 (by /u/bob)"
imgscrape $R --nsfw r/cars 2>.err | imgcat -l | cut -f1 > nsfw.ids
eq "--nsfw keeps NSFW posts" "$(grep -c nsfw66 nsfw.ids)" 1
imgscrape $R --decode --limit 1 r/cars 2>.err | imgcat -l > dec.txt
eq "--decode: the image decoded" "$(cut -f3 dec.txt)" "image:u8[48,64,3]"
eq "--decode: the served file's sha256 and format as parent_sha256 and parent_format" \
	"$(tr '\t' '\n' < dec.txt | grep -E '^(parent_)?(sha256|format)=' | sort | tr '\n' ' ')" \
	"parent_format=jpeg parent_sha256=$(sha "$SRV/a.jpg") "

# Reddit serves WebP and GIF: kept, decodable, an animation's frames counted
/usr/bin/convert "$SRV/a.jpg" \( +clone -negate \) \( +clone -flip \) "$SRV/anim.gif"
/usr/bin/convert "$SRV/a.jpg" -quality 80 "$SRV/s.webp"
expect_status "a GIF and a WebP URL, decoded: exit 0" 0 sh -c "imgscrape --decode $IMG/img/anim.gif $IMG/img/s.webp > gw.tsr"
eq "... both decoded, the GIF's 3 frames counted" \
	"$(imgcat -l gw.tsr | awk -F'\t' '{ f = ""; for (i = 4; i <= NF; i++) if ($i ~ /^(frames|parent_format)=/) f = f " " $i; print $3 f }' | tr '\n' '|')" \
	"image:u8[48,64,3] frames=3 parent_format=gif|image:u8[48,64,3] parent_format=webp|"

# ---- plain URLs and @FILE ----
printf '# my list\n\n  %s/img/c.jpg \r\n%s/img/c.jpg\n\t%s/img/b.png\r\nftp://example.org/x.jpg\n' \
	"$IMG" "$IMG" "$IMG" > urls.txt
expect_status "@FILE: exit 0 though one line is no http(s) URL" 0 imgscrape @urls.txt "$IMG/img/d.jpg"
mv .out urls.tsr
eq "@FILE: blanks, comments, spaces and CR ignored; a repeated URL fetched once" \
	"$(imgcat -l urls.tsr | tr '\t' '\n' | sed -n 's/^url=//p' | tr '\n' ' ')" \
	"$IMG/img/c.jpg $IMG/img/b.png $IMG/img/d.jpg "
grep -q 'urls.txt: line 6: not an http or https URL' .err && pass "@FILE: the bad line is named" || fail "stderr: $(cat .err)"
eq "plain URL records: source, sha256, no label or post" \
	"$(imgcat -l urls.tsr | tail -1 | tr '\t' '\n' | grep -E '^(source|sha256|label|post_id)=' | tr '\n' ' ')" \
	"sha256=$(sha "$SRV/d.jpg") source=$IMG/img/d.jpg "
expect_status "@FILE that cannot be read: exit 1, the other sources still read" 1 imgscrape @nonexistent "$IMG/img/d.jpg"
eq "... and the other source's image is there" "$(imgcat -c .out)" 1
grep -q 'nonexistent: No such file' .err && pass "the unreadable list is named" || fail "stderr: $(cat .err)"

# ---- safety ----
mark
t0=$(date +%s)
expect_status "hostile hosts: exit 0, each image reported" 0 imgscrape --max-bytes 200000 --timeout 2 \
	"$IMG/to-file" "$IMG/to-ftp" "$IMG/loop" "$IMG/endless.jpg" "$IMG/chunked.jpg" "$IMG/huge.jpg" \
	"$IMG/slow.jpg" "$IMG/missing.jpg" "$IMG/flaky.jpg" "$IMG/busy.jpg" "$IMG/hop" "$IMG/img/a.jpg" "$IMG/img/a-copy.jpg"
t1=$(date +%s)
mv .out hostile.tsr
eq "hostile hosts: summary" "$(summary)" \
	"saved 4, skipped 9 (nsfw 0, video 0, duplicate 1, not-image 0, too-big 3, error 5, archived 0, other 0)"
eq "hostile hosts: what was saved" "$(imgcat -l hostile.tsr | tr '\t' '\n' | sed -n 's/^sha256=//p' | tr '\n' ' ')" \
	"$(sha "$SRV/d.jpg") $(sha "$SRV/e.jpg") $(sha "$SRV/c.jpg") $(sha "$SRV/a.jpg") "
[ $((t1 - t0)) -le 12 ] && pass "endless, trickling and oversized bodies are cut off ($((t1 - t0)) s)" || fail "took $((t1 - t0)) s"
grep -E -q 'to-file: .*(file|[Pp]rotocol)' .err && grep -E -q 'to-ftp: .*(ftp|[Pp]rotocol)' .err &&
	pass "redirects to file:// and ftp:// are refused" || fail "stderr: $(cat .err)"
grep -q 'loop: .*[Rr]edirect' .err && pass "a redirect loop is cut" || fail "stderr: $(cat .err)"
grep -q 'huge.jpg: Content-Length 1000000000000 is above the limit' .err && pass "a huge Content-Length is refused" || fail "stderr: $(cat .err)"
grep -q 'endless.jpg: body is above the limit of 200000' .err && grep -q 'chunked.jpg: body is above the limit' .err &&
	pass "an endless body is aborted at --max-bytes" || fail "stderr: $(cat .err)"
grep -q 'slow.jpg: .*timed out' .err && pass "a trickling server times out" || fail "stderr: $(cat .err)"
eq "404 is not retried; 500 and 429 are, once" \
	"$(since | field path | grep -E 'missing|flaky|busy' | sort | uniq -c | awk '{print $2 $1}' | tr '\n' ' ')" \
	"/busy.jpg2 /flaky.jpg2 /missing.jpg1 "
eq "429: Retry-After is honoured" "$(since | /usr/bin/python3 -c 'import json, sys
t = [json.loads(l)["t"] for l in sys.stdin if json.loads(l)["path"] == "/busy.jpg"]
print(t[1] - t[0] >= 0.95)')" True
eq "no request ever goes to another protocol" "$(since | field path | grep -c 'etc/passwd')" 0

mark
imgscrape --jobs 8 $(for i in 1 2 3 4 5 6 7 8 9 10; do echo "$IMG/hold/$i.jpg"; done) > /dev/null 2>.err
# the span of 10 arrivals, not each gap: a loaded machine delays some requests and bunches others
eq "one image host: at most 4 transfers at once, 20 requests a second" "$(since | /usr/bin/python3 -c 'import json, sys
r = [json.loads(l) for l in sys.stdin]
t = [x["t"] for x in r if x["status"] == 0]
print(len(t), max(x["active"] for x in r if x["status"] == 0), t[-1] - t[0] >= 0.35)')" "10 4 True"
mark
imgscrape --jobs 8 $(i=1; while [ $i -le 60 ]; do echo "$IMG/img/n$i.jpg"; i=$((i + 1)); done) > /dev/null 2>.err
# as the server stamps arrivals; spaced exactly 1/20 s apart as sent, 21 requests landed within one second
eq "one image host: at most 20 requests in any one-second window, as the server sees them" \
	"$(since | /usr/bin/python3 -c 'import json, sys
t = sorted(json.loads(l)["t"] for l in sys.stdin)
print(len(t), max(sum(1 for u in t[i:] if u - s <= 1.0) for i, s in enumerate(t)) <= 20)')" "60 True"

# ---- listings that fail ----
mark
expect_status "a malformed listing: exit 1, the other sources still read" 1 imgscrape $R r/bad r/wrongtype r/gone r/pics
eq "... r/pics still gives its images" "$(imgcat -c .out)" 3
grep -q "r/bad: $API/r/bad/hot.json?limit=100&raw_json=1: not JSON" .err && pass "malformed JSON: the URL is named" || fail "stderr: $(cat .err)"
grep -q "r/wrongtype: .*not a Reddit listing" .err && pass "a field of the wrong type is an error" || fail "stderr: $(cat .err)"
grep -q "r/gone: .*HTTP 404" .err && pass "a listing's 404 is named" || fail "stderr: $(cat .err)"
mark
expect_status "usage: a bad source is refused before anything is fetched" 2 imgscrape $R r/cars 'r/../etc' r/pics
eq "... nothing was fetched" "$(since | wc -l)" 0
expect_status "usage: not a source" 2 imgscrape $R ftp://example.org/a.jpg
expect_status "usage: --sort" 2 imgscrape $R --sort best r/cars
expect_status "usage: --max-bytes 0" 2 imgscrape $R --max-bytes 0 r/cars
expect_status "usage: no source" 2 imgscrape $R

mark
imgscrape $R r/slowdown > /dev/null 2>.err
eq "API 429: the listing is asked again after Retry-After" "$(since | /usr/bin/python3 -c 'import json, sys
t = [json.loads(l) for l in sys.stdin]
t = [r["t"] for r in t if r["path"].startswith("/r/slowdown")]
print(len(t), t[1] - t[0] >= 0.95)')" "3 True"
mark
imgscrape $R r/quota > /dev/null 2>.err
eq "x-ratelimit-remaining 0: no API request until x-ratelimit-reset" "$(since | /usr/bin/python3 -c 'import json, sys
t = [json.loads(l)["t"] for l in sys.stdin if json.loads(l)["role"] == "api"]
print(len(t), t[1] - t[0] >= 0.95)')" "2 True"
imgscrape $R --sort new --limit 5 r/big > /dev/null 2>.err
grep -q "r/big: the listing ended after 1000 posts, near Reddit's limit.*another --sort or --time" .err &&
	pass "a listing that ends near 1000 says so" || fail "stderr: $(cat .err)"

# ---- -d DIR, index.tsv, --archive ----
expect_status "-d DIR with --archive and --limit" 0 imgscrape $R -d cars --archive seen.txt --limit 2 r/cars
eq "-d: files named from post id and index, extension from the bytes" "$(ls cars | tr '\n' ' ')" \
	"aaa111.jpg gal222_01.png index.tsv "
same "-d: the file is the served image" cars/gal222_01.png "$SRV/b.png"
mark
expect_status "resume: the rest of the listing" 0 imgscrape $R -d cars --archive seen.txt r/cars
eq "resume: what was there is skipped as archived, not fetched" "$(summary | grep -o 'archived [0-9]*'),$(since | field path | grep -c '^/img/a.jpg')" "archived 2,0"
eq "resume: the path-traversal id gives a safe name inside DIR" "$(ls cars | grep -c '^_________etc_evil_[0-9a-f]\{8\}\.jpg$'),$(ls "$T" | grep -c evil)" "1,0"
eq "index.tsv: one header, a row per file" "$(head -1 cars/index.tsv | tr '\t' ' '),$(grep -c . cars/index.tsv)" \
	"file sha256 url post_id subreddit title,7"
eq "index.tsv: tab, newline and backslash escaped" "$(grep evil cars/index.tsv | cut -f6)" 'tab\there\nnewline \\ back'
eq "index.tsv: rows name files that exist, with their digests" \
	"$(tail -n +2 cars/index.tsv | while IFS='	' read -r f s rest; do [ "$(sha "cars/$f")" = "$s" ] && echo ok; done | grep -c ok)" 6
eq "archive: one line per image, key and sha256" "$(wc -l < seen.txt),$(grep -c '^reddit:gal222/m1	' seen.txt)" "7,1"
imgscrape $R -d cars --archive seen.txt r/cars 2>.err
eq "a third run saves nothing" "$(summary | cut -d, -f1)" "saved 0"
imgscrape --archive s2.txt "$IMG/img/c.jpg" > s1.tsr 2>/dev/null
imgscrape --archive s2.txt "$IMG/img/c.jpg" "$IMG/img/b.png" > s2.tsr 2>/dev/null
eq "archive with a stream: a URL is taken once across runs" "$(imgcat -c s1.tsr) $(imgcat -c s2.tsr)" "1 1"
imgscrape -d urls "$IMG/img/c.jpg" 2>/dev/null
eq "-d: a plain URL's row has no post id or subreddit" "$(tail -1 urls/index.tsv | cut -f3-6 | tr '\t' '|')" "$IMG/img/c.jpg|||"
check "-o FILE writes the stream there, as every program does" imgscrape -o one.tsr "$IMG/img/c.jpg"
eq "... one record, nothing on stdout" "$(imgcat -c one.tsr),$(wc -c < "$T/.out")" "1,0"
expect_status "-o and -d together: usage error" 2 imgscrape -o x.tsr -d xdir "$IMG/img/c.jpg"
check "--destination is -d" imgscrape --destination urls2 "$IMG/img/c.jpg"
eq "... the same files as with -d" "$(ls urls2 | tr '\n' ' ')" "$(ls urls | tr '\n' ' ')"

# ---- u/, search:, --sort top --time ----
mark
imgscrape $R u/someone 'search:red car@r/cars' search:red 2>.err | imgcat -l | cut -f1 > misc.ids
eq "u/ and search: sources" "$(tr '\n' ' ' < misc.ids)" "usr1 srch1 "
eq "u/, search within a subreddit, site-wide search: their URLs" "$(since | field path | grep -v '^/img' | tr '\n' ' ')" \
	"/user/someone/submitted.json?limit=100&sort=hot&raw_json=1 /r/cars/search.json?q=red%20car&limit=100&sort=hot&restrict_sr=1&raw_json=1 /search.json?q=red&limit=100&sort=hot&raw_json=1 "
eq "--sort top --time week" "$(imgscrape $R --sort top --time week r/cars 2>/dev/null | imgcat -l | cut -f1)" topweek

# ---- OAuth ----
mark
REDDIT_CLIENT_ID=test-client REDDIT_CLIENT_SECRET=s3cret-value imgscrape $R r/cars > oauth.tsr 2>.err
eq "OAuth: the same images" "$(imgcat -c oauth.tsr)" 6
eq "OAuth: token, listing, 401 renews the token, listing again" \
	"$(since | /usr/bin/python3 -c 'import json, sys
for l in sys.stdin:
    r = json.loads(l)
    if r["role"] == "api": print(r["method"], r["path"].split("?")[0], r["status"], r["auth"][:6].strip())')" \
	"POST /api/v1/access_token 200 Basic
GET /r/cars/hot 200 bearer
GET /r/cars/hot 401 bearer
POST /api/v1/access_token 200 Basic
GET /r/cars/hot 200 bearer"
eq "OAuth: the token goes to the API host only" "$(since | grep -v '"role": "api"' | grep -c 'tok-')" 0
cat oauth.tsr .err | grep -c 'tok-\|s3cret' > leak.n
eq "OAuth: the secret and the token are never printed" "$(cat leak.n)" 0
REDDIT_CLIENT_ID=test-client REDDIT_CLIENT_SECRET=wrong-secret imgscrape $R r/cars > /dev/null 2>.err
eq "OAuth: a refused client is exit 1 with the token URL" "$?,$(grep -c "access_token: HTTP 401" .err),$(grep -c wrong-secret .err)" "1,1,0"

# ---- TLS ----
expect_status "TLS with --cacert" 0 imgscrape --cacert "$CERT" "$TLS/img/a.jpg"
eq "TLS: the image" "$(imgcat -l .out | tr '\t' '\n' | sed -n 's/^sha256=//p')" "$(sha "$SRV/a.jpg")"
imgscrape "$TLS/img/a.jpg" > tls2.tsr 2>.err
eq "TLS: an unknown certificate is refused" "$(imgcat -c tls2.tsr),$(grep -c 'error 1' .err)" "0,1"
imgscrape --insecure "$TLS/img/b.png" > tls3.tsr 2>.err
eq "--insecure warns and goes on" "$(imgcat -c tls3.tsr),$(grep -c 'warning: --insecure' .err)" "1,1"

# ---- a closed output pipe is not an error (it was "Input/output error", exit 1) ----
/usr/bin/convert -size 600x600 xc: +noise Random "$SRV/noise.png"     # 2 MB: more than a pipe holds
{ imgscrape "$IMG/img/noise.png"; echo $? > pipe.rc; } 2>.err | head -c 10 > /dev/null
eq "closed pipe: exit 0, nothing on stderr" "$(cat pipe.rc):$(cat .err)" "0:"
done_tests
