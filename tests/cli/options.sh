# Every program's long options agree in four places: its option table
# (cmd/PROG.c, the struct option array), its --help, its usage text (and so
# man/PROG.1's SYNOPSIS) and its man page's option list (.It Fl -NAME).  Also
# --help, -h and --version work the GNU way.
. tests/lib.sh
LC_ALL=C
export LC_ALL
PROGS=$(cd "$ROOT/cmd" && ls *.c | sed "s/\\.c$//")
version=$(cat "$ROOT/VERSION")

# long options, one "--name" a line, sorted and unique
table() { sed -n '/longopts\[\] = {/,/{ NULL, 0, NULL, 0 }/p' "$ROOT/cmd/$1.c" |
	sed -n 's/^[[:space:]]*{ "\([a-z0-9-]*\)",.*/--\1/p' | sort -u; }
# the long options that have a short one (-o, --output): the synopsis may name the short one alone
aliased() { sed -n '/longopts\[\] = {/,/{ NULL, 0, NULL, 0 }/p' "$ROOT/cmd/$1.c" |
	sed -n "s/^[[:space:]]*{ \"\([a-z0-9-]*\)\",.*, '.' },.*/--\1/p" | sort -u; }
longs() { grep -oE -- '(^|[^a-z0-9-])--[a-z][a-z0-9-]*' | sed 's/^[^-]*//' | sort -u; }
synopsis() { sed -n '/^\.Sh SYNOPSIS/,/^\.Sh /p' "$ROOT/man/$1.1" | grep '^\.' | tr ' ' '\n' |
	grep -E '^-[a-z][a-z0-9-]*$' | sed 's/^/-/' | sort -u; }
items() { grep '^\.It .*Fl ' "$ROOT/man/$1.1" | tr ' ' '\n' | grep -E '^-[a-z][a-z0-9-]*$' | sed 's/^/-/' | sort -u; }
# differ NAME WANT GOT: passes when the two lists agree, else names what is missing and extra
differ() {
	miss=$(comm -23 "$2" "$3" | tr '\n' ' ') extra=$(comm -13 "$2" "$3" | tr '\n' ' ')
	if [ -z "$miss$extra" ]; then pass "$1"; else fail "$1: missing: $miss; not in the table: $extra"; fi
}

for p in $PROGS; do
	table "$p" > "$T/$p.table"
	[ -s "$T/$p.table" ] || fail "$p: no option table found in cmd/$p.c"
	expect_status "$p --help exits 0" 0 "$p" --help
	cp "$T/.out" "$T/$p.help"
	eq "$p --help says nothing on stderr" "$(cat "$T/.err")" ""
	eq "$p --help starts with the usage" "$(head -c 7 "$T/$p.help")" "usage: "
	"$p" -h > "$T/$p.h" 2>/dev/null
	same "$p -h prints what --help prints" "$T/$p.h" "$T/$p.help"
	expect_status "$p --version exits 0" 0 "$p" --version
	eq "$p --version" "$(sed 's/ \('"$version"'\)\(-g[0-9a-f].*\)\{0,1\}$/ \1/' "$T/.out")" "$p (imgtools) $version"
	expect_status "$p: an unknown option is a usage error" 2 "$p" --no-such-option
	sed '1d' "$T/.err" > "$T/$p.usage"
	eq "$p: the usage text starts --help" "$(head -n "$(wc -l < "$T/$p.usage")" "$T/$p.help")" "$(cat "$T/$p.usage")"

	longs < "$T/$p.help" > "$T/$p.inhelp"
	differ "$p: options in --help" "$T/$p.table" "$T/$p.inhelp"
	aliased "$p" > "$T/$p.aliased"
	# the usage text and the SYNOPSIS may name the short form of an option alone
	longs < "$T/$p.usage" | sort -u - "$T/$p.aliased" > "$T/$p.inusage"
	differ "$p: options in the usage text" "$T/$p.table" "$T/$p.inusage"
	synopsis "$p" | sort -u - "$T/$p.aliased" > "$T/$p.syn"
	differ "$p: options in $p(1) SYNOPSIS" "$T/$p.table" "$T/$p.syn"
	eq "$p: the usage text and $p(1) SYNOPSIS name the same long options" \
		"$(longs < "$T/$p.usage" | tr '\n' ' ')" "$(synopsis "$p" | tr '\n' ' ')"
	items "$p" > "$T/$p.items"
	differ "$p: options in $p(1) option list" "$T/$p.table" "$T/$p.items"
	# short options (getopt's option string): in --help, the usage text, SYNOPSIS and the option list
	for c in $(sed -n 's/.*getopt_long(argc, argv, "\([^"]*\)".*/\1/p' "$ROOT/cmd/$p.c" | tr -d ':' | fold -w1); do
		grep -Eq "^  -$c, --" "$T/$p.help" || fail "$p --help: no line for -$c"
		grep -Eq "(^|[[ ])-[a-zA-Z]*$c" "$T/$p.usage" || fail "$p: -$c not in the usage text"
		sed -n '/^\.Sh SYNOPSIS/,/^\.Sh /p' "$ROOT/man/$p.1" | grep -Eq "Fl [a-zA-Z]*$c[a-zA-Z]*( |\$)" ||
			fail "$p: -$c not in $p(1) SYNOPSIS"
		grep -Eq "^\.It Fl $c( |\$)" "$ROOT/man/$p.1" || fail "$p: -$c not in $p(1) option list"
	done
	# every option --help describes has a line of its own, with its default where it has one
	for o in $(cat "$T/$p.table"); do
		grep -Eq "^  +(-[a-zA-Z], )?$o([ =[]|\$)" "$T/$p.help" || fail "$p --help: no line describing $o"
	done
done
done_tests
