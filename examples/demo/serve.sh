#!/bin/sh
# serve.sh SITE PROGRAM ARG...: runs PROGRAM --reddit-url URL ARG... with the
# local Reddit of tests/scrape/server.py serving SITE on a free port of
# 127.0.0.1, and stops the server afterwards, whatever happens.
site=$1; shift
prog=$1; shift
here=$(dirname "$0")
rm -f "$site/ports"
unset http_proxy https_proxy HTTP_PROXY HTTPS_PROXY ALL_PROXY all_proxy
export NO_PROXY=127.0.0.1 no_proxy=127.0.0.1
/usr/bin/python3 "$here/../../tests/scrape/server.py" "$site" 2>"$site/server.err" &
pid=$!
trap 'kill $pid 2>/dev/null; wait $pid 2>/dev/null' EXIT
trap 'exit 1' INT TERM HUP
i=0
while [ ! -s "$site/ports" ] && [ $i -lt 100 ]; do sleep 0.1; i=$((i + 1)); done
read -r api img tls < "$site/ports" || { echo "serve.sh: the server did not start: $(cat "$site/server.err")" >&2; exit 1; }
"$prog" --reddit-url "http://127.0.0.1:$api" "$@"
