#!/usr/bin/env bats
# What an adversarial run broke, one test each: large and split writes,
# the kernel's answers for odd pid and value input, the release agent under
# a flood, fork following with many children, and ending the daemon when
# its mountpoint's path names something else.

load helpers

# Kill the processes whose pids file $1 lists (one per line).
kill_listed() {
	local p
	[ -f "$1" ] || return 0
	while read -r p; do
		kill -9 "$p" 2>/dev/null || true
	done <"$1"
}

# lines_are FILE N: FILE has N lines.
lines_are() {
	[ "$(wc -l <"$1")" -eq "$2" ]
}

teardown() {
	kill_listed "${KIDS:-/nonexistent}"
	stop_threaded
	kill_sleepers
	unmount_memcgfs
}

@test "the /proc fork scan follows 1,500 children of one member" {
	unmount_memcgfs
	MEMCGFS_NO_CONNECTOR=1 mount_memcgfs
	mkdir "$MNT/g"
	KIDS=$BATS_TEST_TMPDIR/kids
	: >"$KIDS"
	# The parent joins g, then forks 1,500 sleepers (their list in
	# /proc/PID/task/TID/children is about 10 KB) and waits.
	bash -c 'echo 0 >"$1/g/cgroup.procs" || exit 1
		 for i in $(seq 1 1500); do
			sleep 1000 </dev/null >/dev/null 2>&1 &
			echo $! >>"$2"
		 done
		 wait' sh "$MNT" "$KIDS" </dev/null >/dev/null 2>&1 &
	SLEEPERS="${SLEEPERS:-} $!"
	eventually 60 lines_are "$KIDS" 1500
	eventually 20 lines_are "$MNT/g/cgroup.procs" 1501
	# Every child is there, and nothing that is not one of them.
	local missing
	missing=$(sort "$KIDS" | comm -23 - <(sort "$MNT/g/cgroup.procs") | wc -l)
	[ "$missing" -eq 0 ]
	kill_listed "$KIDS"
	eventually 20 lines_are "$MNT/g/cgroup.procs" 0	# the parent too, its wait done
}
