#!/usr/bin/env bats
# Real processes (memcgfs(8) REAL PROCESSES): track=rss charges each member process's
# resident memory to its group, so limits bind on real programs (OOM kill,
# or SIGSTOP/SIGCONT under oom_kill_disable); forks follow their parent,
# through the process-events connector or, without it, a /proc scan.
# The programs are tests/tools/memhog, which grows by STEP MiB COUNT times
# and then sleeps, printing "grown N" after each step.

load helpers

setup() {
	mount_memcgfs track=rss,rss_interval=20
	mkdir "$MNT/g"
}

teardown() {
	kill_sleepers
	unmount_memcgfs
}

# hog_in GROUP STEP COUNT [DELAY_MS]: start memhog in group GROUP (a path
# under the mount; pid in HOG, output in HOG_OUT).
hog_in() {
	local group=$1
	shift
	HOG_OUT=$(mktemp "$BATS_TEST_TMPDIR/hog.XXXXXX")
	# sh moves itself in first, so every byte memhog touches is a member's.
	sh -c 'echo $$ >"$1/cgroup.procs" && shift && exec "$@"' sh "$MNT/$group" \
		"$MEMHOG" "$@" >"$HOG_OUT" 2>&1 </dev/null &
	HOG=$!
	SLEEPERS="${SLEEPERS:-} $HOG"
}

# hog STEP COUNT [DELAY_MS]: hog_in group g.
hog() {
	hog_in g "$@"
}

# wait_grown MIB: until the hog printed "grown MIB" (5 s at most).
wait_grown() {
	eventually 5 grep -qx "grown $1" "$HOG_OUT" && return 0
	echo "memhog did not reach $1 MiB; its output:" >&2
	cat "$HOG_OUT" >&2
	return 1
}

# kib FIELD PID: a field of /proc/PID/status, in KiB.
kib() {
	awk -v f="$1:" '$1 == f { print $2 }' "/proc/$2/status"
}

# within_10pct A B: A is within 10 % of B.
within_10pct() {
	local a=$1 b=$2
	[ "$b" -gt 0 ] && [ $((a * 10)) -ge $((b * 9)) ] && [ $((a * 10)) -le $((b * 11)) ]
}

proc_state() {
	awk '$1 == "State:" { print $2 }' "/proc/$1/status"
}

# stopped PID: the process is stopped (by SIGSTOP).
stopped() {
	[ "$(proc_state "$1")" = T ]
}

# usage_at_least DIR BYTES
usage_at_least() {
	[ "$(cat "$1/memory.usage_in_bytes")" -ge "$2" ]
}

charged_like_vmrss() {
	local usage rss
	usage=$(cat "$MNT/g/memory.usage_in_bytes")
	rss=$(( $(kib VmRSS "$HOG") * 1024 ))
	within_10pct "$usage" "$rss"
}

@test "a member's resident memory is charged within 10 % of its VmRSS" {
	hog 32 1
	wait_grown 32
	eventually 5 charged_like_vmrss
	# Anonymous and file-backed parts land in rss and mapped_file.
	local rss anon
	rss=$(stat_value "$MNT/g/memory.stat" rss)
	anon=$(( $(kib RssAnon "$HOG") * 1024 ))
	within_10pct "$rss" "$anon"
	[ "$(stat_value "$MNT/g/memory.stat" mapped_file)" -gt 0 ]
	# The root group's members are not sampled: a stray charge would show
	# here, as usage is hierarchical.
	[ "$(cat "$MNT/memory.usage_in_bytes")" = "$(cat "$MNT/g/memory.usage_in_bytes")" ]
}

@test "charges follow a growing process and go at its exit" {
	hog 8 4 100
	wait_grown 32
	# A sample taken during the last step is within 10 % but short of
	# 32 MiB: wait for the sample after it.
	eventually 5 usage_at_least "$MNT/g" $((32 << 20))
	charged_like_vmrss
	kill "$HOG"
	wait "$HOG" || true
	eventually 5 value_is "$MNT/g/memory.usage_in_bytes" 0
	[ "$(cat "$MNT/g/memory.max_usage_in_bytes")" -ge $((32 << 20)) ]
}

@test "without track=rss a real member is not charged" {
	remount ""
	mkdir "$MNT/g"
	hog 16 1
	wait_grown 16
	sleep 0.3
	value_is "$MNT/g/memory.usage_in_bytes" 0
}

@test "a process allocating past its group's limit is OOM-killed and counted" {
	echo 48M >"$MNT/g/memory.limit_in_bytes"
	hog 8 20 50
	local status=0
	wait "$HOG" || status=$?
	[ "$status" -eq 137 ]	# SIGKILL
	! grep -qx "grown 160" "$HOG_OUT"
	content_is "$MNT/g/memory.oom_control" $'oom_kill_disable 0\nunder_oom 0\noom_kill 1\n'
	[ "$(cat "$MNT/g/memory.failcnt")" -ge 1 ]
	eventually 5 value_is "$MNT/g/memory.usage_in_bytes" 0
}

@test "the victim is the largest process in the OOM group's subtree" {
	mkdir "$MNT/g/a" "$MNT/g/b"
	echo 88M >"$MNT/g/memory.limit_in_bytes"
	# A 48 MiB process in a, then one in b growing by 4 MiB steps, which
	# reaches the group's limit while still smaller.
	hog_in g/a 48 1
	local big=$HOG
	eventually 5 usage_at_least "$MNT/g/a" $((48 << 20))
	hog_in g/b 4 20 60
	local small=$HOG
	local status=0
	wait "$big" || status=$?
	[ "$status" -eq 137 ]
	kill -0 "$small"
	# Counted in the victim's own group, as cgroup v1 does.
	[ "$(sed -n 's/^oom_kill //p' "$MNT/g/a/memory.oom_control")" -eq 1 ]
	[ "$(sed -n 's/^oom_kill //p' "$MNT/g/memory.oom_control")" -eq 0 ]
	value_is "$MNT/g/b/memory.oom_control" "$(printf 'oom_kill_disable 0\nunder_oom 0\noom_kill 0')"
}

@test "a process that jumps past the limit within one period is the victim, not a smaller member" {
	echo 64M >"$MNT/g/memory.limit_in_bytes"
	hog 8 1
	wait_grown 8
	eventually 5 usage_at_least "$MNT/g" $((8 << 20))
	# dd holds its 200 MiB buffer while the pipe to sleep is full.
	run sh -c 'echo $$ >"$1/g/cgroup.procs" || exit 9
		   dd if=/dev/zero bs=200M count=1 2>/dev/null | sleep 2
		   exit 0' sh "$MNT"
	[ "$status" -eq 0 ]
	kill -0 "$HOG"
	[ "$(sed -n 's/^oom_kill //p' "$MNT/g/memory.oom_control")" -eq 1 ]
}

@test "oom_kill_disable stops the group's processes and raising the limit resumes them" {
	echo 48M >"$MNT/g/memory.limit_in_bytes"
	echo 1 >"$MNT/g/memory.oom_control"
	hog 8 12 50
	eventually 5 stopped "$HOG"
	content_is "$MNT/g/memory.oom_control" $'oom_kill_disable 1\nunder_oom 1\noom_kill 0\n'
	! grep -qx "grown 96" "$HOG_OUT"
	echo 256M >"$MNT/g/memory.limit_in_bytes"
	wait_grown 96
	[ "$(proc_state "$HOG")" != T ]
	eventually 5 content_is "$MNT/g/memory.oom_control" $'oom_kill_disable 1\nunder_oom 0\noom_kill 0\n'
	kill -0 "$HOG"
}

@test "oom_kill_disable: a stopped member resumes when another member exits" {
	echo 64M >"$MNT/g/memory.limit_in_bytes"
	echo 1 >"$MNT/g/memory.oom_control"
	hog 32 1
	local first=$HOG
	eventually 5 usage_at_least "$MNT/g" $((32 << 20))
	hog 8 6 50
	eventually 5 stopped "$HOG"
	[ "$(proc_state "$first")" = T ]	# the whole group waits
	kill -9 "$first"
	wait "$first" || true
	wait_grown 48
	[ "$(proc_state "$HOG")" != T ]
	eventually 5 value_is "$MNT/g/memory.oom_control" "$(printf 'oom_kill_disable 1\nunder_oom 0\noom_kill 0')"
}

@test "oom_kill_disable: a stopped member moved out of the group resumes" {
	echo 32M >"$MNT/g/memory.limit_in_bytes"
	echo 1 >"$MNT/g/memory.oom_control"
	hog 8 6 50
	eventually 5 stopped "$HOG"
	echo "$HOG" >"$MNT/cgroup.procs"
	wait_grown 48
	[ "$(proc_state "$HOG")" != T ]
}

@test "a member's fork joins its group through the /proc scan without the connector" {
	unmount_memcgfs
	MEMCGFS_NO_CONNECTOR=1 mount_memcgfs
	mkdir "$MNT/g"
	grep -q "scanning /proc" "$DAEMON_LOG"
	local pidfile=$BATS_TEST_TMPDIR/child.pid
	sh -c 'echo 0 >"$1/g/cgroup.procs" || exit 1
	       sleep 0.3
	       sleep 1000 </dev/null >/dev/null 2>&1 &
	       echo $! >"$2"
	       wait' sh "$MNT" "$pidfile" </dev/null >/dev/null 2>&1 &
	local parent=$! child
	SLEEPERS="${SLEEPERS:-} $parent"
	eventually 5 test -s "$pidfile"
	child=$(cat "$pidfile")
	SLEEPERS="${SLEEPERS:-} $child"
	eventually 5 listed "$MNT/g/cgroup.procs" "$child"
	! listed "$MNT/cgroup.procs" "$child"
	# A child that was already running when its parent joined stays.
	local oldfile=$BATS_TEST_TMPDIR/old.pid
	sh -c 'sleep 1000 </dev/null >/dev/null 2>&1 &
	       echo $! >"$2"
	       sleep 0.3
	       echo 0 >"$1/g/cgroup.procs" || exit 1
	       wait' sh "$MNT" "$oldfile" </dev/null >/dev/null 2>&1 &
	local parent2=$! old
	SLEEPERS="${SLEEPERS:-} $parent2"
	eventually 5 test -s "$oldfile"
	old=$(cat "$oldfile")
	SLEEPERS="${SLEEPERS:-} $old"
	eventually 5 listed "$MNT/g/cgroup.procs" "$parent2"
	sleep 0.3
	! listed "$MNT/g/cgroup.procs" "$old"
}

@test "a moved process's new growth is charged to its new group" {
	mkdir "$MNT/h"
	hog 16 2 1500
	wait_grown 16
	eventually 5 usage_at_least "$MNT/g" $((16 << 20))
	echo "$HOG" >"$MNT/h/cgroup.procs"
	wait_grown 32
	# move_charge_at_immigrate is 0: what was charged stays in g.
	eventually 5 usage_at_least "$MNT/h" $((15 << 20))
	[ "$(cat "$MNT/g/memory.usage_in_bytes")" -ge $((15 << 20)) ]
}

@test "rss_interval is checked: 10..60000 ms" {
	unmount_memcgfs
	local m=$BATS_TEST_TMPDIR/m
	mkdir -p "$m"
	run "$MEMCGFS" -f -o track=rss,rss_interval=5 "$m"
	[ "$status" -eq 2 ]
	[[ "$output" == *rss_interval* ]]
	run "$MEMCGFS" -f -o rss_interval=60001 "$m"
	[ "$status" -eq 2 ]
	run "$MEMCGFS" -f -o rss_interval=abc "$m"
	[ "$status" -eq 2 ]
	! grep -q " $m " /proc/mounts
}
