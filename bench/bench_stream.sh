#!/bin/sh
# The stream's speed (issue: foundation, section 2):
#  copy: imgcat decompressing and recompressing a stream of 224x224x3 u8 images at level 3
#        (the default before issue 20), against `zstd -d | zstd -c` at the same level on the same bytes
#        (target: ratio >= 0.8);
#  read: imgcat counting the records (decompress, verify, parse), in GB/s of uncompressed
#        payload (target: >= 1 GB/s), with `zstd -d > /dev/null` for reference; then the
#        same from a pipe, and without decompression threads (TS_THREADS=1).
set -e
B=$1
export PATH="$B/bin:$PATH"
W=$(mktemp -d)
trap 'rm -rf "$W"' EXIT
V=/usr/share/visp-images-data/ViSP-images
N=${BENCH_IMAGES:-2000}
LEVEL=3

# 200 different 224x224 crops of real photos, repeated to N records
i=0
for p in "$V"/Klimt/Klimt.jpeg "$V"/Solvay/*.jpg "$V"/Gaussian-filter/Klimt_RGB_Gaussian_blur_sigma=2.0.png; do
	[ -f "$p" ] || continue
	for s in 0 1 2 3 4 5 6 7 8 9; do
		for r in 0 90 180 270; do
			[ $i -lt 200 ] || break
			/usr/bin/convert "$p" -rotate $r -resize $((300 + 40 * s))x -gravity center -crop 224x224+0+0 +repage -type TrueColor "PNG24:$W/c$i.png"
			i=$((i + 1))
		done
	done
done
imgcat --decode "$W"/c*.png > "$W/one.tsr"
: > "$W/in.tsr"
k=0
while [ $k -lt $((N / i)) ]; do imgcat "$W/one.tsr"; k=$((k + 1)); done | imgcat --level $LEVEL > "$W/in.tsr"
payload=$(zstd -dc "$W/in.tsr" | wc -c)
echo "input: $(imgcat -c "$W/in.tsr") records of 224x224x3 u8, $payload bytes uncompressed, $(wc -c < "$W/in.tsr") compressed (level $LEVEL)"

. "$(dirname "$0")/lib.sh"
ref=$(best "zstd -q -dc '$W/in.tsr' | zstd -q -$LEVEL -c > /dev/null")
own=$(best "imgcat --level $LEVEL '$W/in.tsr' > /dev/null")
printf 'copy: imgcat %.3f s, zstd -d | zstd -%d %.3f s, ratio %.2f (target >= 0.8)\n' \
	"$own" $LEVEL "$ref" "$(echo "$ref / $own" | bc -l)"
refr=$(best "zstd -q -dc '$W/in.tsr' > /dev/null")
ownr=$(best "imgcat -c '$W/in.tsr' > /dev/null")
printf 'read: imgcat -c %.3f s = %.2f GB/s of payload (target >= 1), zstd -d > /dev/null %.3f s = %.2f GB/s, ratio %.2f\n' \
	"$ownr" "$(echo "$payload / $ownr / 1000000000" | bc -l)" "$refr" "$(echo "$payload / $refr / 1000000000" | bc -l)" \
	"$(echo "$refr / $ownr" | bc -l)"
ownp=$(best "cat '$W/in.tsr' | imgcat -c > /dev/null")
own1=$(best "TS_THREADS=1 imgcat -c '$W/in.tsr' > /dev/null")
printf 'read: from a pipe %.3f s = %.2f GB/s; TS_THREADS=1 %.3f s = %.2f GB/s\n' \
	"$ownp" "$(echo "$payload / $ownp / 1000000000" | bc -l)" "$own1" "$(echo "$payload / $own1 / 1000000000" | bc -l)"
