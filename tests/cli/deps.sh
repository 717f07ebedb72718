#!/bin/sh
# Every Python module and program that the tests, benches and examples use is in a
# Debian package that tests/deps.sh installs (tests/deps_check.py says how it finds
# them), so a missing install step fails here and not only on a fresh machine.
. "$ROOT/tests/lib.sh"
PY=/usr/bin/python3
if ! command -v dpkg >/dev/null 2>&1; then
	skip "deps: not a Debian system (no dpkg)"
	done_tests
fi
"$PY" "$ROOT/tests/deps_check.py" "$ROOT" >"$T/out" 2>"$T/err"; s=$?
sed -n 's/^unverified: /SKIP deps: /p' "$T/out"
if [ $s -eq 0 ]; then
	pass "every module and program used is in a package tests/deps.sh lists ($(cat "$T/err"))"
else
	fail "deps_check.py exited $s: $(cat "$T/err")"
	sed -n 's/^missing: /FAIL deps: /p' "$T/out"
fi

# The checker can fail: a deps.sh without python3-pil (PIL, imported by the Python code
# in tests/dedup_corpus.sh), then without zstd (a program).
without() { sed -E "s/(^|[ \"])$1([ \"]|\$)/\1\2/" "$ROOT/tests/deps.sh" >"$T/no-$1.sh"
	grep -qw -- "$1" "$T/no-$1.sh" && fail "could not remove $1 from a copy of deps.sh"; }
without python3-pil
# (python3-torchvision depends on python3-pil, so the copy goes without it too)
sed -i -E 's/(^|[ "])python3-torchvision([ "]|$)/\1\2/' "$T/no-python3-pil.sh"
expect_status "a deps.sh without python3-pil fails" 1 "$PY" "$ROOT/tests/deps_check.py" "$ROOT" "$T/no-python3-pil.sh"
# (the places are listed sorted, the first three of them: tests/dedup_corpus.sh among them or not)
grep -q '^missing: python module PIL ([a-z_/.-]*:[0-9][0-9]*, .*) is in Debian package python3-pil, which tests/deps.sh does not list$' "$T/.out" &&
	pass "... naming the module, where it is imported, and its package" || fail "... said: $(head -c 600 "$T/.out")"
without zstd
expect_status "a deps.sh without zstd fails" 1 "$PY" "$ROOT/tests/deps_check.py" "$ROOT" "$T/no-zstd.sh"
grep -q '^missing: program zstd (.*) is in Debian package zstd, which tests/deps.sh does not list$' "$T/.out" &&
	pass "... naming the program and its package" || fail "... said: $(head -c 600 "$T/.out")"

# What is not installed at all, in Python code embedded in shell (a here-document, -c)
# and Makefiles, and programs behind wrappers and in command substitutions.
F="$T/proj"
mkdir -p "$F/cmd" "$F/man" "$F/tests/cli" "$F/examples/x"
echo 'check() { n=$1; shift; "$@"; }' >"$F/tests/lib.sh"
: >"$F/cmd/imgfoo.c"
cat >"$F/tests/cli/a.sh" <<'SH'
PY=/usr/bin/python3
"$PY" - <<'P'
import json
import nosuchmod_here
try:
    import nosuchmod_optional
except ImportError:
    pass
P
x=$(echo a | nosuchprog-sub --flag)
check "name --opt" nosuchprog-check -x
imgfoo --help | /usr/bin/python3 -c 'import sys, nosuchmod_dashc'
myfunc() { nosuchprog-func; }
myfunc
SH
printf 'all:\n\t@nosuchprog-make $(BIN) && echo "$$(nosuchprog-makesub)"\n\t/usr/bin/python3 -c "import nosuchmod_make"\n' >"$F/examples/x/Makefile"
printf '.Sh EXAMPLES\n.Dl nosuchprog-man \\-x | imgfoo\n' >"$F/man/imgfoo.1"
printf 'PKGS="python3"\n' >"$F/deps.sh"
expect_status "a made-up project that uses what is not installed fails" 1 \
	"$PY" "$ROOT/tests/deps_check.py" "$F" "$F/deps.sh"
for w in "python module nosuchmod_here (tests/cli/a.sh:4)" "python module nosuchmod_dashc (tests/cli/a.sh:12)" \
	"python module nosuchmod_make (examples/x/Makefile:3)" "program nosuchprog-sub (tests/cli/a.sh:10)" \
	"program nosuchprog-check (tests/cli/a.sh:11)" "program nosuchprog-func (tests/cli/a.sh:13)" \
	"program nosuchprog-make (examples/x/Makefile:2)" "program nosuchprog-makesub (examples/x/Makefile:2)" \
	"program nosuchprog-man (man/imgfoo.1:2)"; do
	grep -qF "missing: $w: not" "$T/.out" && pass "... finds $w" || fail "... misses $w: $(head -c 600 "$T/.out")"
done
grep -Eq 'nosuchmod_optional|program (imgfoo|myfunc|check)|module json' "$T/.out" && fail "... names what it should not: $(cat "$T/.out")" ||
	pass "... and not an optional import, the project's programs, shell functions or the standard library"
done_tests
