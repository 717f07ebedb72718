#!/bin/sh
# Installs the Debian packages that the build, the tests, the demo and the examples need
# (with the argument "bench", also the reference tools of make bench).
# As root: apt-get install what is missing.  Otherwise: print the command and fail.
PKGS="build-essential pkg-config libpng-dev libjpeg62-turbo-dev libturbojpeg0-dev
libwebp-dev libgif-dev libtiff-dev libzstd-dev zstd libcurl4-openssl-dev libssl-dev zlib1g-dev libxxhash-dev libzip-dev
libcairo2-dev libdnnl-dev libcjson-dev imagemagick dataset-fashion-mnist visp-images-data python3 python3-numpy
mate-backgrounds python3-sklearn python3-torch python3-pil fonts-dejavu-core mandoc clang libfuzzer-14-dev bc ffmpeg
chromium bsdextrautils openssl procps libjpeg-turbo-progs libprotobuf-c-dev protobuf-c-compiler libonnx-dev
python3-onnx libonnx-testdata python3-torchvision openmpi-bin libopenmpi-dev parallel strace"
[ "$1" = bench ] && PKGS="$PKGS libvips-tools hyperfine findimagedupes time linux-perf python3-venv"
missing=""
for p in $PKGS; do
	dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "ok installed" || missing="$missing $p"
done
[ -z "$missing" ] && exit 0
cmd="apt-get install -y --no-install-recommends$missing"
if [ "$(id -u)" -ne 0 ]; then
	echo "missing Debian packages; run as root:" >&2
	echo "  apt-get update && $cmd" >&2
	exit 1
fi
echo "installing:$missing" >&2
export DEBIAN_FRONTEND=noninteractive
apt-get update -q >/dev/null && apt-get install -y -q --no-install-recommends $missing >/dev/null ||
	{ echo "apt-get failed: $cmd" >&2; exit 1; }
