# Sourced by every tests/cli/*.sh.  The runner sets BIN (programs), DATA (tests/data),
# and a private scratch directory T (removed afterwards).  Each check prints one
# line, PASS/FAIL/SKIP followed by its name; tests/run.sh counts them.
export PATH="$BIN:$PATH"
fails=0
pass() { echo "PASS $*"; }
fail() { echo "FAIL $*"; fails=$((fails + 1)); }
skip() { echo "SKIP $*"; }
# check NAME COMMAND...: passes when the command exits 0
check() { n=$1; shift; if "$@" >"$T/.out" 2>"$T/.err"; then pass "$n"; else fail "$n: $(head -c 300 "$T/.err")"; fi; }
# expect_status NAME STATUS COMMAND...: the command exits with STATUS; stderr kept in $T/.err
expect_status() {
	n=$1 want=$2; shift 2
	"$@" >"$T/.out" 2>"$T/.err"; got=$?
	if [ "$got" = "$want" ]; then pass "$n"; else fail "$n: exit $got, wanted $want: $(head -c 300 "$T/.err")"; fi
}
# expect_err NAME PATTERN: the last command's stderr is one line matching the grep -E pattern
expect_err() {
	if [ "$(wc -l <"$T/.err")" -eq 1 ] && grep -Eq "$2" "$T/.err"; then pass "$1"
	else fail "$1: stderr was: $(head -c 300 "$T/.err")"; fi
}
# same NAME A B: the two files are byte-identical
same() { if cmp -s "$2" "$3"; then pass "$1"; else fail "$1: $2 and $3 differ"; fi; }
# eq NAME GOT WANT
eq() { if [ "$2" = "$3" ]; then pass "$1"; else fail "$1: got '$2', wanted '$3'"; fi; }
done_tests() { exit $((fails > 0)); }
