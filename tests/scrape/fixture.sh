# Sourced by the imgscrape tests (and the man page examples): real JPEG and PNG
# files from a photo, and tests/scrape/server.py on free ports of 127.0.0.1,
# stopped by a trap on exit.  Sets SRV (its folder), API, IMG (base URLs) and,
# with SCRAPE_TLS=1, TLS (an https base URL) and CERT (its certificate).
SRV="$T/srv"
mkdir -p "$SRV"
unset http_proxy https_proxy HTTP_PROXY HTTPS_PROXY ALL_PROXY all_proxy
export NO_PROXY=127.0.0.1 no_proxy=127.0.0.1
_im=/usr/bin/convert
_photo=/usr/share/visp-images-data/ViSP-images/Klimt/Klimt.jpeg
$_im "$_photo" -resize 64x48! "$SRV/a.jpg"
$_im "$_photo" -resize 32x32! "$SRV/b.png"
$_im "$_photo" -rotate 90 -resize 40x50! "$SRV/c.jpg"
$_im "$_photo" -flip -resize 30x20! "$SRV/d.jpg"
$_im "$_photo" -flop -resize 50x30! "$SRV/e.jpg"
$_im "$_photo" -negate -resize 40x30! "$SRV/f.png"
$_im "$_photo" -rotate 180 -resize 24x24! "$SRV/g.jpg"
set --
if [ "${SCRAPE_TLS:-0}" = 1 ]; then
	CERT="$SRV/cert.pem"
	openssl req -x509 -newkey rsa:2048 -nodes -keyout "$SRV/key.pem" -out "$CERT" -days 2 \
		-subj /CN=127.0.0.1 -addext subjectAltName=IP:127.0.0.1 >/dev/null 2>&1
	set -- "$CERT" "$SRV/key.pem"
fi
/usr/bin/python3 "$ROOT/tests/scrape/server.py" "$SRV" "$@" 2>"$SRV/server.err" &
SRV_PID=$!
trap 'kill $SRV_PID 2>/dev/null; wait $SRV_PID 2>/dev/null' EXIT
_i=0
while [ ! -s "$SRV/ports" ] && [ $_i -lt 100 ]; do sleep 0.1; _i=$((_i + 1)); done
read -r _api _img _tls < "$SRV/ports" || { echo "FAIL the test server did not start: $(cat "$SRV/server.err")"; exit 1; }
API="http://127.0.0.1:$_api"
IMG="http://127.0.0.1:$_img"
TLS="https://127.0.0.1:$_tls"
