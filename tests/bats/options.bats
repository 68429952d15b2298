#!/usr/bin/env bats
# The command line (memcgfs(8) OPTIONS): --help, --version, option validation with its
# exit statuses, mountpoint checks, and clean exits on signals and unmount.

load helpers

bats_require_minimum_version 1.5.0

# is_mounted DIR: DIR is a mount point in this namespace.
is_mounted() {
	awk -v d="$1" '$5 == d { found = 1 } END { exit !found }' /proc/self/mountinfo
}

# mount_count DIR: how many mounts are stacked on DIR.
mount_count() {
	awk -v d="$1" '$5 == d { n++ } END { print n + 0 }' /proc/self/mountinfo
}

# start_daemon [OPTS]: like mount_memcgfs, but with SIGINT at its default
# disposition (a background job of a non-interactive shell ignores it,
# which an interactive user's daemon would not).
start_daemon() {
	local opts=${1:-}
	MNT=$DIR
	DAEMON_LOG=$BATS_TEST_TMPDIR/daemon.log
	if [ -n "$opts" ]; then
		env --default-signal=INT "$MEMCGFS" -f -o "$opts" "$MNT" 2>"$DAEMON_LOG" &
	else
		env --default-signal=INT "$MEMCGFS" -f "$MNT" 2>"$DAEMON_LOG" &
	fi
	DAEMON_PID=$!
	wait_mounted
}

# stop_and_wait: wait for the daemon started by start_daemon; sets STOPPED
# to its exit status and forgets it so that teardown does not wait again.
stop_and_wait() {
	local i
	STOPPED=0
	for i in $(seq 1 100); do
		kill -0 "$DAEMON_PID" 2>/dev/null || break
		sleep 0.05
	done
	if kill -0 "$DAEMON_PID" 2>/dev/null; then
		echo "memcgfs still running 5 s after being told to stop" >&2
		return 1
	fi
	wait "$DAEMON_PID" || STOPPED=$?
	DAEMON_PID=
}

setup() {
	DIR=$(mktemp -d "$BATS_TEST_TMPDIR/mp.XXXXXX")
	MNT=
	DAEMON_PID=
}

teardown() {
	local i
	# unmount everything stacked on the mount point, then reap the daemon
	for i in 1 2 3 4; do
		is_mounted "$DIR" || break
		fusermount3 -u "$DIR" 2>/dev/null || umount -l "$DIR" 2>/dev/null || true
	done
	unmount_memcgfs
	rm -f "$DIR/file"
	rmdir "$DIR" 2>/dev/null || true
}

# bad_usage ARGS...: memcgfs exits 2 with exactly one line on stderr and
# leaves nothing mounted.
bad_usage() {
	run --separate-stderr timeout -k 5 10 "$MEMCGFS" "$@"
	if [ "$status" -ne 2 ] || [ "${#stderr_lines[@]}" -ne 1 ]; then
		echo "memcgfs $*: status $status, stderr:" >&2
		echo "$stderr" >&2
		return 1
	fi
	if is_mounted "$DIR"; then
		echo "memcgfs $*: left a mount on $DIR" >&2
		return 1
	fi
}

# bad_option OPT: -o OPT is refused with exit status 2.
bad_option() {
	bad_usage -f -o "$1" "$DIR"
}

@test "--help prints usage naming every memcgfs option and exits 0" {
	run "$MEMCGFS" --help
	[ "$status" -eq 0 ]
	local o
	for o in mem= swap= page_size= kmem= reap_interval= oom= track= pages_interval=; do
		if [[ "$output" != *"$o"* ]]; then
			echo "--help does not mention $o" >&2
			return 1
		fi
	done
	[[ "$output" == *MOUNTPOINT* ]]
	run "$MEMCGFS" -h
	[ "$status" -eq 0 ]
	[[ "$output" == *reap_interval=* ]]
}

@test "--version prints a version and exits 0" {
	run "$MEMCGFS" --version
	[ "$status" -eq 0 ]
	[[ "$output" =~ [0-9]+\.[0-9]+ ]]
	[[ "$output" == *memcgfs* ]]
}

@test "page_size must be a power of two in 4096..65536" {
	bad_option page_size=1000
	bad_option page_size=2048
	bad_option page_size=131072
	bad_option page_size=12288
	bad_option page_size=0
	bad_option page_size=
}

@test "kmem must be reparent or pin" {
	bad_option kmem=foo
	bad_option kmem=
	bad_option kmem=PIN
}

@test "reap_interval must be in 1..86400" {
	bad_option reap_interval=0
	bad_option reap_interval=86401
	bad_option reap_interval=-1
	bad_option reap_interval=ten
}

@test "oom must be kill or simulate" {
	bad_option oom=maybe
	bad_option oom=
}

@test "track must be none, pages or rss" {
	bad_option track=all
	bad_option track=
}

@test "pages_interval is 10..60000 ms; track=pages needs the host's page size" {
	bad_option pages_interval=9
	bad_option pages_interval=60001
	bad_option pages_interval=abc
	bad_usage -f -o track=pages,page_size=8192 "$DIR"
}

@test "mem and swap must be sizes" {
	bad_option mem=abc
	bad_option mem=1.5G
	bad_option swap=-5
	bad_option swap=1M2
	bad_option mem=
}

@test "an unknown -o option is refused" {
	bad_option no_such_option
	bad_option no_such_option=1
	bad_option mem=1G,bogus=2
}

@test "a bad option is refused without -f too" {
	bad_usage -o page_size=1000 "$DIR"
	bad_usage -o oom=maybe "$DIR"
}

@test "no mountpoint exits 2" {
	bad_usage
	bad_usage -f
	bad_usage -f -o mem=1G
}

@test "a nonexistent or non-directory mountpoint exits 1 and mounts nothing" {
	run --separate-stderr timeout -k 5 10 "$MEMCGFS" -f "$DIR/nonexistent"
	[ "$status" -eq 1 ]
	[ "${#stderr_lines[@]}" -eq 1 ]
	: >"$DIR/file"
	run --separate-stderr timeout -k 5 10 "$MEMCGFS" -f "$DIR/file"
	[ "$status" -eq 1 ]
	[ "${#stderr_lines[@]}" -eq 1 ]
	[ "$(mount_count "$DIR/file")" -eq 0 ]
	[ "$(mount_count "$DIR/nonexistent")" -eq 0 ]
	[ -f "$DIR/file" ]
}

@test "a mountpoint where memcgfs is already mounted exits 1; the first mount still works" {
	start_daemon
	mkdir "$MNT/g"
	echo 1M >"$MNT/g/memory.limit_in_bytes"
	run --separate-stderr timeout -k 5 10 "$MEMCGFS" -f "$DIR"
	[ "$status" -eq 1 ]
	[ "${#stderr_lines[@]}" -eq 1 ]
	[ "$(mount_count "$DIR")" -eq 1 ]
	kill -0 "$DAEMON_PID"
	[ "$(cat "$MNT/g/memory.limit_in_bytes")" = 1048576 ]
	mkdir "$MNT/h"
	[ -f "$MNT/h/tasks" ]
}

@test "SIGTERM ends the daemon with status 0 and removes the mount" {
	start_daemon
	is_mounted "$DIR"
	kill -TERM "$DAEMON_PID"
	stop_and_wait
	[ "$STOPPED" -eq 0 ]
	run is_mounted "$DIR"
	[ "$status" -ne 0 ]
}

@test "SIGINT ends the daemon with status 0 and removes the mount" {
	start_daemon
	is_mounted "$DIR"
	kill -INT "$DAEMON_PID"
	stop_and_wait
	[ "$STOPPED" -eq 0 ]
	run is_mounted "$DIR"
	[ "$status" -ne 0 ]
}

@test "fusermount3 -u ends the daemon with status 0" {
	start_daemon
	mkdir "$MNT/g"
	fusermount3 -u "$DIR"
	stop_and_wait
	[ "$STOPPED" -eq 0 ]
	run is_mounted "$DIR"
	[ "$status" -ne 0 ]
}

@test "all memcgfs options together mount, and page_size=8192 shows in the limits" {
	start_daemon mem=1G,swap=512M,page_size=8192,kmem=pin,reap_interval=5,oom=simulate,track=none
	[ "$(cat "$MNT/memory.limit_in_bytes")" = 9223372036854767616 ]
	mkdir "$MNT/g"
	[ "$(cat "$MNT/g/memory.limit_in_bytes")" = 9223372036854767616 ]
	[ "$(cat "$MNT/g/memory.memsw.limit_in_bytes")" = 9223372036854767616 ]
	[ "$(cat "$MNT/g/memory.soft_limit_in_bytes")" = 9223372036854767616 ]
	echo 10000 >"$MNT/g/memory.limit_in_bytes"
	[ "$(cat "$MNT/g/memory.limit_in_bytes")" = 8192 ]
	fusermount3 -u "$DIR"
	stop_and_wait
	[ "$STOPPED" -eq 0 ]
}

@test "boundary values of the options are accepted" {
	start_daemon page_size=65536,reap_interval=86400,kmem=reparent,oom=kill,track=none,swap=0
	[ "$(cat "$MNT/memory.limit_in_bytes")" = 9223372036854710272 ]
	fusermount3 -u "$DIR"
	stop_and_wait
	[ "$STOPPED" -eq 0 ]
	start_daemon page_size=4096,reap_interval=1,mem=0x40000000,swap=1G
	[ "$(cat "$MNT/memory.limit_in_bytes")" = 9223372036854771712 ]
	fusermount3 -u "$DIR"
	stop_and_wait
	[ "$STOPPED" -eq 0 ]
}
