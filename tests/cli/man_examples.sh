# Runs every EXAMPLES line (.Dl) of every section-1 man page in a directory of
# fixtures; each must exit 0.  Lines needing a program that is not installed are skipped.
. tests/lib.sh
IM=/usr/bin/convert
V=/usr/share/visp-images-data/ViSP-images
cd "$T"
mkdir -p photos/cars photos/tanks
$IM "$V/Klimt/Klimt.jpeg" -resize 64x48! photos/cars/a.jpg
$IM "$V/Klimt/Klimt.jpeg" -resize 32x32! photos/cars/b.png
$IM "$V/Klimt/Klimt.jpeg" -rotate 90 -resize 40x50! photos/tanks/c.jpg
for i in 1 2 3; do $IM "$V/Klimt/Klimt.jpeg" -resize 16x16! -rotate $((i * 90)) frame$i.png; done
/usr/bin/python3 -c '
import numpy as np
a = (np.arange(6 * 8 * 8) % 251).astype(np.uint8).reshape(6, 8, 8)
np.savez("keyframes.npz", a)
import csv
with open("keyframes.csv", "w") as f:
    f.write(",0\n")
    for i, l in enumerate([0, 1, 1, 0, 1, 0]):
        f.write("%d,%d\n" % (i, l))
'
for page in "$ROOT"/man/*.1; do
	name=$(basename "$page" .1)
	sed -n '/^\.Sh EXAMPLES/,/^\.Sh /p' "$page" | sed -n 's/^\.Dl //p' |
		sed -e 's/\\-/-/g' -e 's/\\e/\\/g' -e 's/\\(em/-/g' > "$name.examples"
	n=0
	while IFS= read -r line; do
		n=$((n + 1))
		first=$(echo "$line" | awk '{print $1}')
		if ! command -v "$first" >/dev/null 2>&1; then
			skip "$name example $n: $first not installed"
			continue
		fi
		if sh -c "$line" </dev/null >"$name.$n.out" 2>"$name.$n.err"; then
			pass "$name example $n: $line"
		else
			fail "$name example $n: $line: $(head -c 300 "$name.$n.err")"
		fi
	done < "$name.examples"
	[ "$n" -gt 0 ] || fail "$name.1 has no EXAMPLES"
done
done_tests
