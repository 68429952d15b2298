# Shared setup for the end-to-end suites: every test mounts a real memcgfs
# in a fresh temp dir and unmounts it in teardown, even when the test failed.
#
# Environment (set by `make check`, defaults for running bats by hand from
# the build directory):
#   MEMCGFS   the daemon binary
#   FSPROBE   tests/tools/fsprobe (one syscall, prints OK or the errno name)
#   FDPASS    tests/tools/fdpass (a descriptor opened by one user, written by another)
#   READPROBE tests/tools/readprobe (a file read one way, to stdout)
#   MEMCGFS_OPTS  extra -o options for every mount in a file (set before setup)

: "${MEMCGFS:=$PWD/memcgfs}"
: "${FSPROBE:=$PWD/tests/tools/fsprobe}"
: "${FDPASS:=$PWD/tests/tools/fdpass}"
: "${READPROBE:=$PWD/tests/tools/readprobe}"

# mount_memcgfs [OPT,...]: start the daemon in the foreground in the
# background and wait until the mount answers.  Sets MNT and DAEMON_PID.
mount_memcgfs() {
	local opts="${1:-${MEMCGFS_OPTS:-}}"
	MNT=$(mktemp -d "${BATS_TEST_TMPDIR:-/tmp}/mnt.XXXXXX")
	DAEMON_LOG="${BATS_TEST_TMPDIR:-/tmp}/daemon.log"
	if [ -n "$opts" ]; then
		"$MEMCGFS" -f -o "$opts" "$MNT" 2>"$DAEMON_LOG" &
	else
		"$MEMCGFS" -f "$MNT" 2>"$DAEMON_LOG" &
	fi
	DAEMON_PID=$!
	wait_mounted
}

# wait_mounted: wait until the daemon DAEMON_PID answers on MNT; fail with
# its log if it exits first or takes more than 10 s.
wait_mounted() {
	local i
	for i in $(seq 1 200); do
		if [ -e "$MNT/memory.limit_in_bytes" ]; then
			return 0
		fi
		if ! kill -0 "$DAEMON_PID" 2>/dev/null; then
			echo "memcgfs exited before mounting:" >&2
			cat "$DAEMON_LOG" >&2
			return 1
		fi
		sleep 0.05
	done
	echo "memcgfs did not mount within 10 s" >&2
	return 1
}

# server_pid: the pid of the server the supervisor DAEMON_PID runs (its
# one child; memcgfs(8) RESTART), which holds the engine and the listeners;
# empty while a new one is being started.
server_pid() {
	pgrep -o -P "$DAEMON_PID" || true
}

# unmount_memcgfs: unmount (lazily as a fallback), wait for the daemon and
# fail if it did not exit with status 0 (a sanitizer report exits non-zero)
# or if its supervisor had to restart a server: a server that crashed, or
# ended on a sanitizer report, is restarted, and the test would not see it.
# A test that kills servers on purpose sets RESTARTS_EXPECTED=1.
unmount_memcgfs() {
	[ -n "${MNT:-}" ] || return 0
	local status=0
	fusermount3 -u "$MNT" 2>/dev/null || umount -l "$MNT" 2>/dev/null || true
	if [ -n "${DAEMON_PID:-}" ]; then
		wait "$DAEMON_PID" || status=$?
	fi
	rmdir "$MNT" 2>/dev/null || true
	MNT=
	if [ "$status" -ne 0 ]; then
		echo "memcgfs exited with status $status; its log:" >&2
		cat "$DAEMON_LOG" >&2
		return 1
	fi
	if [ -z "${RESTARTS_EXPECTED:-}" ] && grep -q ': restarting it' "$DAEMON_LOG"; then
		echo "a memcgfs server died and was restarted; its log:" >&2
		cat "$DAEMON_LOG" >&2
		return 1
	fi
}

# probe OP PATH [ARG]: run fsprobe; its first line is OK or an errno name.
probe() {
	"$FSPROBE" "$@"
}

# want ERRNO|OK OP PATH [ARG]: fsprobe's first line must be ERRNO.
want() {
	local expect=$1 out
	shift
	out=$(probe "$@")
	if [ "${out%%$'\n'*}" != "$expect" ]; then
		echo "fsprobe $*: got '${out%%$'\n'*}', expected '$expect'" >&2
		return 1
	fi
}

# value_is FILE VALUE: the file reads VALUE and one newline.
value_is() {
	local got
	got=$(cat "$1" && echo .) || return 1
	got=${got%.}
	if [ "$got" != "$2"$'\n' ]; then
		echo "$1 reads '$got', expected '$2'" >&2
		return 1
	fi
}

# content_is FILE TEXT: the file reads exactly TEXT (trailing newlines too).
content_is() {
	local got
	got=$(cat "$1" && echo .) || { echo "cannot read $1" >&2; return 1; }
	got=${got%.}
	if [ "$got" != "$2" ]; then
		printf 'content of %s\n--- got ---\n%s\n--- expected ---\n%s\n---\n' \
			"$1" "$got" "$2" >&2
		return 1
	fi
}

# stat_value FILE NAME: the value of one memory.stat line.
stat_value() {
	awk -v n="$2" '$1 == n { print $2 }' "$1"
}

# wl LINE...: write each workload line; each must succeed.
wl() {
	local l
	for l in "$@"; do
		want OK write "$MNT/memcgfs.workload" "$l"
	done
}

# stat_is DIR NAME VALUE [NAME VALUE...]: memory.stat of group DIR has them.
stat_is() {
	local dir=$1 got
	shift
	while [ $# -ge 2 ]; do
		got=$(stat_value "$dir/memory.stat" "$1")
		if [ "$got" != "$2" ]; then
			echo "$dir/memory.stat $1: got '$got', expected '$2'" >&2
			return 1
		fi
		shift 2
	done
}

# usage_is DIR BYTES [MEMSW_BYTES]: the group's usage (and memsw usage).
usage_is() {
	value_is "$1/memory.usage_in_bytes" "$2"
	value_is "$1/memory.memsw.usage_in_bytes" "${3:-$2}"
}

# sleeper_in DIR: a new sleeper moved into group DIR, pid in SLEEPER.
sleeper_in() {
	spawn_sleeper
	echo "$SLEEPER" >"$1/tasks"
}

# remount OPTS: replace this test's mount with one using -o OPTS.
remount() {
	unmount_memcgfs
	mount_memcgfs "$1"
}

# spawn_sleeper: start a `sleep` that lives until teardown kills it and set
# SLEEPER to its pid.  Call it directly, not in $(...): the pid is returned
# in a variable so that teardown still knows it.
spawn_sleeper() {
	sleep 1000 </dev/null >/dev/null 2>&1 &
	SLEEPER=$!
	SLEEPERS="${SLEEPERS:-} $SLEEPER"
}

kill_sleepers() {
	local p
	for p in ${SLEEPERS:-}; do
		kill -9 "$p" 2>/dev/null || true
	done
	for p in ${SLEEPERS:-}; do
		wait "$p" 2>/dev/null || true
	done
	SLEEPERS=
}

# spawn_threaded: start a process with several threads and set THREADED to
# its pid.  A second memcgfs instance's server serves: libfuse's loop, the
# pid watcher and the release worker are threads of their own.
spawn_threaded() {
	THREADED_MNT=$(mktemp -d "$BATS_TEST_TMPDIR/threaded.XXXXXX")
	"$MEMCGFS" -f "$THREADED_MNT" 2>"$BATS_TEST_TMPDIR/threaded.log" &
	THREADED_SUP=$!
	local i
	for i in $(seq 1 200); do
		[ -e "$THREADED_MNT/tasks" ] && break
		sleep 0.05
	done
	[ -e "$THREADED_MNT/tasks" ]
	THREADED=$(pgrep -o -P "$THREADED_SUP")
	[ "$(ls "/proc/$THREADED/task" | wc -l)" -ge 3 ]
}

# stop_threaded: unmount and end spawn_threaded's instance, if any.
stop_threaded() {
	[ -n "${THREADED_MNT:-}" ] || return 0
	fusermount3 -u "$THREADED_MNT" 2>/dev/null ||
		umount -l "$THREADED_MNT" 2>/dev/null || true
	kill -9 "$THREADED_SUP" "$THREADED" 2>/dev/null || true
	wait "$THREADED_SUP" 2>/dev/null || true
	rmdir "$THREADED_MNT" 2>/dev/null || true
	THREADED_MNT=
}

# listed FILE PID: PID is a line of FILE.
listed() {
	grep -qx "$2" "$1"
}

# Default hooks; a file may override them and call these itself.
setup() {
	mount_memcgfs
}

teardown() {
	stop_threaded
	kill_sleepers
	unmount_memcgfs
}

# eventually SECONDS CMD...: CMD succeeds within SECONDS (tried every 0.1 s);
# the last try reports why it failed.
eventually() {
	local i n=$(($1 * 10))
	shift
	for i in $(seq 1 "$n"); do
		"$@" 2>/dev/null && return 0
		sleep 0.1
	done
	"$@"
}

# kmem_on DIR...: under kmem=pin, start kmem accounting in each group by
# writing its kmem limit (unlimited); under kmem=reparent do nothing, as
# accounting is always on there.
kmem_on() {
	[ "${MODEL:-}" = pin ] || return 0
	local d
	for d in "$@"; do
		want OK write "$d/memory.kmem.limit_in_bytes" -1
	done
}

# listed_dying PATH: memcgfs.dying has a line for PATH.
listed_dying() {
	awk -v p="$1" '$2 == p { f = 1 } END { exit !f }' "$MNT/memcgfs.dying"
}

# not_dying PATH: memcgfs.dying has no line for PATH.
not_dying() {
	if listed_dying "$1"; then
		echo "memcgfs.dying still lists $1:" >&2
		cat "$MNT/memcgfs.dying" >&2
		return 1
	fi
}
