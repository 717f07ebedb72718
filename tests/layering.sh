#!/bin/sh
# Checks libcommon's include order against the level table in libcommon/README:
# a file includes only its own folder or folders of a lower level, headers named
# without a folder only from its own folder, and nothing from cmd/.
# Usage: tests/layering.sh [LIBCOMMON_DIR]; prints one line per violation, exits 1 on any.
L=${1:-libcommon}
[ -f "$L/README" ] || { echo "layering: $L/README: no level table" >&2; exit 2; }
find "$L" -type f \( -name '*.c' -o -name '*.h' \) | sort | while read -r f; do
	echo "$f:0:"
	grep -n '^[[:space:]]*#[[:space:]]*include[[:space:]]*"' "$f" | sed "s|^|$f:|"
done | awk -v L="$L" '
	FNR == NR {
		if ($1 ~ /^[0-9]+$/ && $2 ~ /\/$/) { d = $2; sub(/\/$/, "", d); level[d] = $1 }
		next
	}
	{
		split($0, a, ":"); file = a[1]; line = a[2]
		inc = $0; sub(/^[^"]*"/, "", inc); sub(/".*$/, "", inc)
		rel = substr(file, length(L) + 2)
		dir = rel; sub(/\/[^\/]*$/, "", dir)
		dom = dir; sub(/\/.*$/, "", dom)
		if (dir == rel) { if (line == 0) print file ": outside any domain folder"; bad = 1; next }
		if (!(dom in level)) { if (line == 0) print file ": folder " dom "/ is not in " L "/README"; bad = 1; next }
		if (line == 0) next
		where = file ":" line ": #include \"" inc "\""
		if (inc ~ /(^|\/)\.\.(\/|$)/ || inc ~ /^cmd\//) { print where ": reaches outside libcommon"; bad = 1; next }
		if (inc !~ /\//) {
			if (system("test -f \"" L "/" dir "/" inc "\"") != 0) {
				print where ": an internal header not in " dir "/"; bad = 1
			}
			next
		}
		idom = inc; sub(/\/.*$/, "", idom)
		if (!(idom in level)) { print where ": " idom "/ is not a domain"; bad = 1; next }
		if (system("test -f \"" L "/" inc "\"") != 0) { print where ": no such header"; bad = 1; next }
		if (idom != dom && level[idom] >= level[dom]) {
			print where ": " dom "/ (level " level[dom] ") may not include " idom "/ (level " level[idom] ")"; bad = 1
		} else if (idom != dom && inc ~ /_int\.h$/) {
			print where ": an internal header of " idom "/"; bad = 1
		}
	}
	END { exit bad }
' "$L/README" -
