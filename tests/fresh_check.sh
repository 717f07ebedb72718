#!/bin/sh
# make fresh-check: the README's set-up, as a new user would do it, on a fresh
# Debian 12.  Builds a bookworm minbase root (mmdebstrap, Debian's packages,
# plus make and git) in a new folder, clones this repository's current commit
# into /root/toolkit there, and runs "make demo" then "make check" as root in
# a chroot; those install what they need through tests/deps.sh and apt-get.
# Not part of make check.  Needs root (mounts, chroot) and the Debian mirror.
#
# Environment:
#   FRESH_KEEP=1      keep the root afterwards (and reuse it if FRESH_ROOT already
#                     holds one: faster, but then no longer fresh); default: remove it
#   FRESH_ROOT=DIR    where to build it (default: a new /var/tmp/fresh-check.XXXXXX)
#   FRESH_LOG=FILE    the full log (default: /var/tmp/fresh-check-DATE.log, kept)
#   FRESH_MIRROR=URL  the Debian mirror (default: the one this machine's apt uses)
#   FRESH_JOBS=N      make -jN inside (default 2)
#   FRESH_REV=REV     the commit to test (default HEAD)
# Only a committed state is tested (a git clone); a warning says when there are
# uncommitted changes.  Both make demo and make check run; exit 0 when both pass.
# The whole script is functions, read before anything runs, so that a checkout
# that changes this file during a run does not change the run.
set -u
me=fresh-check
say() { echo "$me: $*" >&2; }
die() { say "$*"; exit 1; }

# ---- inside: a private mount and pid namespace (unshare), mounts vanish with it.
inside() { # ROOT SOURCE-REPOSITORY COMMIT
	R=$1 SRC=$2 COMMIT=$3
	set -e
	mount -t proc proc "$R/proc"
	mount -t sysfs -o ro sysfs "$R/sys"
	mount -t tmpfs -o mode=755,size=64k tmpfs "$R/dev"
	for d in null zero full random urandom tty; do
		touch "$R/dev/$d"
		mount --bind "/dev/$d" "$R/dev/$d"
	done
	ln -s /proc/self/fd "$R/dev/fd"
	ln -s /proc/self/fd/0 "$R/dev/stdin"
	ln -s /proc/self/fd/1 "$R/dev/stdout"
	ln -s /proc/self/fd/2 "$R/dev/stderr"
	mkdir "$R/dev/pts" "$R/dev/shm"
	mount -t devpts -o newinstance,ptmxmode=0666,mode=620 devpts "$R/dev/pts"
	ln -s pts/ptmx "$R/dev/ptmx"
	mount -t tmpfs -o mode=1777 tmpfs "$R/dev/shm"
	mkdir -p "$R/mnt/src"
	mount --bind "$SRC" "$R/mnt/src"
	mount -o remount,bind,ro "$R/mnt/src"
	cp -L /etc/resolv.conf "$R/etc/resolv.conf" 2>/dev/null || true
	set +e
	# A login's environment on a fresh machine: no locale, the standard PATH.
	exec env -i HOME=/root USER=root LOGNAME=root SHELL=/bin/bash TERM=dumb \
		PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin \
		MAKEFLAGS="-j${FRESH_JOBS:-2}" COMMIT="$COMMIT" \
		chroot "$R" /bin/sh -c '
		step() { echo "== $me: $*"; }
		me=fresh-check
		cd /root || exit 1
		rm -rf toolkit
		step "git clone /mnt/src toolkit; git checkout $COMMIT"
		git -c safe.directory="*" clone -q /mnt/src toolkit || exit 1
		cd toolkit && git -c advice.detachedHead=false checkout -q "$COMMIT" || exit 1
		step "make demo"
		make demo; d=$?
		echo "== $me: make demo exited $d"
		step "make check"
		make check; c=$?
		echo "== $me: make check exited $c"
		exit $(( (d != 0) * 10 + (c != 0) * 20 ))'
}

# ---- outside
outside() {
	[ "$(id -u)" -eq 0 ] || die "needs root (mmdebstrap, mounts, chroot): run it as root, e.g. sudo make fresh-check"
	REPO=$(cd "$(dirname "$0")/.." && pwd)
	COMMIT=$(git -C "$REPO" rev-parse --verify "${FRESH_REV:-HEAD}^{commit}") || die "$REPO: no commit ${FRESH_REV:-HEAD}"
	[ -n "${FRESH_REV:-}" ] || [ -z "$(git -C "$REPO" status --porcelain --untracked-files=no)" ] ||
		say "warning: uncommitted changes in $REPO are not tested (only commit ${COMMIT%"${COMMIT#????????????}"})"
	for t in unshare chroot mount; do
		command -v $t >/dev/null || die "$t not found"
	done
	if ! command -v mmdebstrap >/dev/null; then
		say "installing mmdebstrap (a Debian package)"
		DEBIAN_FRONTEND=noninteractive apt-get install -y -q mmdebstrap >/dev/null ||
			{ apt-get update -q >/dev/null && DEBIAN_FRONTEND=noninteractive apt-get install -y -q mmdebstrap >/dev/null; } ||
			die "apt-get install mmdebstrap failed"
	fi

	# The Debian mirrors this machine's apt uses (origin Debian), for bookworm.
	mirror=${FRESH_MIRROR:-} security=""
	if [ -z "$mirror" ]; then
		uris=$(apt-get indextargets --format '$(ORIGIN) $(REPO_URI) $(RELEASE)' 'Identifier: Packages' 2>/dev/null | sort -u)
		mirror=$(echo "$uris" | awk '$1 == "Debian" && $3 !~ /-security$/ { print $2; exit }')
		security=$(echo "$uris" | awk '$1 == "Debian" && $3 ~ /-security$/ { print $2; exit }')
	fi
	mirror=${mirror:-http://deb.debian.org/debian/}
	mirror=${mirror%/}
	security=${security:-$(echo "$mirror" | sed 's|/debian$|/debian-security|')}
	security=${security%/}

	stamp=$(date +%Y%m%d-%H%M%S)
	LOG=${FRESH_LOG:-/var/tmp/fresh-check-$stamp.log}
	: >"$LOG" || die "cannot write $LOG"
	if [ -n "${FRESH_ROOT:-}" ]; then
		R=$FRESH_ROOT
		mkdir -p "$R" || die "cannot create $R"
	else
		R=$(mktemp -d /var/tmp/fresh-check.XXXXXX) || die "cannot create a folder in /var/tmp"
	fi
	R=$(cd "$R" && pwd)
	[ "$R" != / ] || die "FRESH_ROOT=/ refused"

	mounted_under() { grep -q " $1[/ ]" /proc/self/mountinfo; }
	cleanup() {
		if [ "${FRESH_KEEP:-0}" = 1 ]; then
			say "root kept in $R (FRESH_KEEP=1)"
		elif mounted_under "$R"; then
			say "something is still mounted under $R: not removing it; unmount, then rm -rf $R"
		else
			rm -rf --one-file-system "$R"
		fi
	}
	upid=""
	stop() { # a signal: end the namespace, then clean up.  unshare ignores SIGINT and
		# SIGTERM while it waits; killed, its --kill-child kills the namespace's first
		# process, and with it every process in the namespace.
		[ -n "$upid" ] && kill -KILL "$upid" 2>/dev/null && wait "$upid" 2>/dev/null
		say "interrupted; log: $LOG"
		exit "$1"
	}
	trap cleanup EXIT
	trap 'stop 130' INT
	trap 'stop 143' TERM
	trap 'stop 129' HUP

	start=$(date +%s)
	if [ "${FRESH_KEEP:-0}" = 1 ] && [ -x "$R/usr/bin/make" ] && [ -x "$R/usr/bin/git" ]; then
		say "reusing the root in $R (FRESH_KEEP=1): not a fresh machine"
	else
		[ -z "$(ls -A "$R")" ] || die "$R is not empty (and holds no root to reuse)"
		say "bootstrapping Debian 12 (bookworm, minbase + make, git) from $mirror into $R"
		mmdebstrap --mode=root --variant=minbase --include=make,git bookworm "$R" \
			"deb $mirror bookworm main" "deb $mirror bookworm-updates main" \
			"deb $security bookworm-security main" >>"$LOG" 2>&1 ||
			{ tail -n 30 "$LOG" >&2; die "mmdebstrap failed; log: $LOG"; }
	fi
	say "bootstrap done in $(($(date +%s) - start)) s; running make demo and make check in a chroot (log: $LOG)"
	unshare --mount --pid --fork --kill-child --propagation private \
		sh "$REPO/tests/fresh_check.sh" --inside "$R" "$REPO" "$COMMIT" >>"$LOG" 2>&1 </dev/null &
	upid=$!
	wait "$upid"
	s=$?
	upid=""
	took=$(($(date +%s) - start))
	grep -E '^(== fresh-check|[0-9]+ passed, [0-9]+ failed)' "$LOG" | sed 's/^== //' >&2
	case $s in
	0) say "PASS: make demo and make check pass on a fresh Debian 12 (commit ${COMMIT%"${COMMIT#????????????}"}, $took s)" ;;
	*)
		if grep -Eq '^[A-Za-z0-9_.-]+: FAIL' "$LOG"; then
			echo "---- the failed checks of make check:" >&2
			grep -E '^[A-Za-z0-9_.-]+: FAIL' "$LOG" | head -n 40 >&2
			echo "---- the end of $LOG:" >&2
			tail -n 5 "$LOG" >&2
		else
			echo "---- the end of $LOG:" >&2
			tail -n 40 "$LOG" >&2
		fi
		echo "----" >&2
		case $s in
		10) what="make demo failed" ;;
		20) what="make check failed" ;;
		30) what="make demo and make check failed" ;;
		*) what="the set-up inside the root failed (status $s)" ;;
		esac
		say "FAIL: $what (commit ${COMMIT%"${COMMIT#????????????}"}, $took s); full log: $LOG"
		exit 1
		;;
	esac
}

if [ "${1:-}" = --inside ]; then
	shift
	inside "$@"
else
	outside
fi
exit $?
