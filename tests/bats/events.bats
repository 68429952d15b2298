#!/usr/bin/env bats
# cgroup.event_control (memcgfs(8) NOTIFICATIONS): registrations give the
# kernel's answers; usage thresholds signal each crossing, up and down;
# an OOM signals; a group's removal signals once and ends; closing the
# eventfd ends a registration; the daemon keeps no descriptor after.
# tests/tools/evlisten is the listener, a real program with an eventfd.

load helpers

KROOT=/sys/fs/cgroup/memory
: "${EVLISTEN:=$PWD/tests/tools/evlisten}"
: "${EVREGISTER:=$BATS_TEST_DIRNAME/../tools/evregister.py}"

setup() {
	mount_memcgfs
	mkdir "$MNT/g"
	LISTENERS=
	KG=
}

teardown() {
	local p
	for p in $LISTENERS; do
		kill "$p" 2>/dev/null || true
		wait "$p" 2>/dev/null || true
	done
	kill_sleepers
	[ -z "$KG" ] || rmdir "$KG" 2>/dev/null || true
	unmount_memcgfs
}

# listen NAME DIR TARGET [ARGS]: start a listener; its output goes to
# $BATS_TEST_TMPDIR/NAME, and `hangup NAME` makes it close its eventfd.
listen() {
	local name=$1
	shift
	"$EVLISTEN" "$@" </dev/null >"$BATS_TEST_TMPDIR/$name" 2>&1 &
	LISTENERS="$LISTENERS $!"
	eval "PID_$name=$!"
	eventually 5 grep -qx registered "$BATS_TEST_TMPDIR/$name"
}

hangup() {
	local pid
	eval "pid=\$PID_$1"
	kill -USR1 "$pid"
	eventually 5 grep -qx closed "$BATS_TEST_TMPDIR/$1"
}

# signals NAME: how many signals listener NAME has had.
signals() {
	awk '$1 == "event" { n += $2 } END { print n + 0 }' "$BATS_TEST_TMPDIR/$1"
}

# signals_reach NAME N: NAME has had N signals or more.
signals_reach() {
	[ "$(signals "$1")" -ge "$2" ]
}

# signals_are NAME N: NAME has had N signals, and a moment later still N.
signals_are() {
	eventually 5 signals_reach "$1" "$2"
	sleep 0.3
	local got
	got=$(signals "$1")
	[ "$got" -eq "$2" ] || {
		echo "listener $1: $got signals, expected $2" >&2
		return 1
	}
}

daemon_fds() {
	find "/proc/$(server_pid)/fd" -mindepth 1 | wc -l
}

daemon_fds_are() {
	[ "$(daemon_fds)" -eq "$1" ]
}

@test "registrations: every shape gives the kernel's answer" {
	run python3 "$EVREGISTER" "$MNT/g"
	[ "$status" -eq 0 ]
	local ours=$output
	echo "$ours" | grep -qx "threshold: OK"
	echo "$ours" | grep -qx "eventfd closed: EBADF"
	echo "$ours" | grep -qx "not an eventfd: EINVAL"
	echo "$ours" | grep -qx "parent's file: EINVAL"
	if [ -w "$KROOT/cgroup.procs" ]; then
		KG=$KROOT/memcgfs-events.$$
		mkdir "$KG"
		run python3 "$EVREGISTER" "$KG"
		[ "$status" -eq 0 ]
		diff <(echo "$output") <(echo "$ours")
	fi
}

@test "a usage threshold signals each crossing, up and down, and only those" {
	sleeper_in "$MNT/g"
	listen t "$MNT/g" memory.usage_in_bytes 1M
	signals_are t 0
	wl "anon $SLEEPER 512K"
	signals_are t 0
	wl "anon $SLEEPER 512K"			# exactly 1M: reached
	signals_are t 1
	wl "anon $SLEEPER 1M"
	signals_are t 1
	wl "free $SLEEPER 1M"
	signals_are t 1
	wl "free $SLEEPER 4K"			# below: left
	signals_are t 2
	wl "anon $SLEEPER 8K"
	signals_are t 3
}

@test "thresholds: several per group, memsw, and a parent's from its child's charges" {
	mkdir "$MNT/g/c"
	sleeper_in "$MNT/g/c"
	listen low "$MNT/g" memory.usage_in_bytes 100K
	listen high "$MNT/g" memory.usage_in_bytes 2M
	listen sw "$MNT/g" memory.memsw.usage_in_bytes 1M
	listen child "$MNT/g/c" memory.usage_in_bytes 1M
	wl "anon $SLEEPER 1500K"
	signals_are low 1
	signals_are high 0
	signals_are sw 1
	signals_are child 1
	wl "anon $SLEEPER 1M"
	signals_are high 1
	signals_are low 1
	wl "free $SLEEPER 2500K"
	signals_are low 2
	signals_are high 2
	signals_are sw 2
	signals_are child 2
}

@test "registered above usage already: no signal until usage goes below and back" {
	sleeper_in "$MNT/g"
	wl "anon $SLEEPER 2M"
	listen t "$MNT/g" memory.usage_in_bytes 1M
	signals_are t 0
	wl "free $SLEEPER 1500K"
	signals_are t 1
}

@test "an OOM signals the group's listeners, with oom_kill_disable and without" {
	echo 1M >"$MNT/g/memory.limit_in_bytes"
	echo 1 >"$MNT/g/memory.oom_control"
	sleeper_in "$MNT/g"
	listen oom "$MNT/g" memory.oom_control
	run sh -c "echo 'anon $SLEEPER 2M' >'$MNT/memcgfs.workload'"
	[ "$status" -ne 0 ]
	signals_are oom 1
	grep -qx "under_oom 1" "$MNT/g/memory.oom_control"
	# A listener that comes while the group is under OOM hears at once.
	listen late "$MNT/g" memory.oom_control
	signals_are late 1
	# Killing: the victim goes, and the OOM was news again.
	echo 0 >"$MNT/g/memory.oom_control"
	run sh -c "echo 'anon $SLEEPER 2M' >'$MNT/memcgfs.workload'"
	eventually 5 signals_reach oom 2
}

@test "removing the group signals each listener once and ends it; no descriptor stays" {
	local before
	before=$(daemon_fds)
	listen a "$MNT/g" memory.usage_in_bytes 1M
	listen b "$MNT/g" memory.oom_control
	[ "$(daemon_fds)" -eq $((before + 2)) ]
	rmdir "$MNT/g"
	eventually 5 grep -qx gone "$BATS_TEST_TMPDIR/a"
	eventually 5 grep -qx gone "$BATS_TEST_TMPDIR/b"
	[ "$(signals a)" -eq 1 ]
	[ "$(signals b)" -eq 1 ]
	eventually 5 daemon_fds_are "$before"
}

@test "closing the eventfd ends the registration and frees the daemon's copy, the listener alive" {
	local before
	before=$(daemon_fds)
	listen a "$MNT/g" memory.usage_in_bytes 1M
	[ "$(daemon_fds)" -eq $((before + 1)) ]
	hangup a
	eventually 5 daemon_fds_are "$before"
	# The group is free of it: it can go at once.
	rmdir "$MNT/g"
}

@test "a real process crossing a threshold signals, and its exit again (track=rss)" {
	remount track=rss,rss_interval=20
	mkdir "$MNT/g"
	listen t "$MNT/g" memory.usage_in_bytes 8M
	# sh moves itself in first, so what memhog touches is a member's.
	sh -c 'echo $$ >"$1/cgroup.procs" && exec "$2" 16 1' sh "$MNT/g" \
		"$MEMHOG" >/dev/null 2>&1 </dev/null &
	local hog=$!
	SLEEPERS="${SLEEPERS:-} $hog"
	eventually 10 signals_reach t 1
	kill -9 "$hog"
	wait "$hog" 2>/dev/null || true
	eventually 10 signals_reach t 2
	[ "$(signals t)" -eq 2 ]
}

@test "at most 1024 registrations at once; the next gets ENOMEM, and all go with their registrant" {
	local before
	before=$(daemon_fds)
	run python3 - "$MNT/g" <<'PY'
import errno, os, sys
g = sys.argv[1]
e = os.eventfd(0)
u = os.open(g + "/memory.usage_in_bytes", os.O_RDONLY)
ok = 0
for i in range(1025):
    fd = os.open(g + "/cgroup.event_control", os.O_WRONLY)
    try:
        os.write(fd, b"%d %d %dK" % (e, u, 4 * (i + 1)))
        ok += 1
    except OSError as x:
        print("refused after %d: %s" % (ok, errno.errorcode[x.errno]))
    os.close(fd)
print("ok %d" % ok)
PY
	[ "$status" -eq 0 ]
	[ "${lines[0]}" = "refused after 1024: ENOMEM" ]
	[ "${lines[1]}" = "ok 1024" ]
	eventually 5 daemon_fds_are "$before"
}

@test "memory.pressure_level: 0444, reads and writes EINVAL, in every group" {
	[ "$(stat -c %a "$MNT/g/memory.pressure_level")" = 444 ]
	[ "$(stat -c %a "$MNT/memory.pressure_level")" = 444 ]
	want EINVAL read "$MNT/g/memory.pressure_level"
	want EINVAL write "$MNT/g/memory.pressure_level" 'low\n'
}

# fill DIR: a 4M limit in group DIR and a sleeper in it (SLEEPER) whose 4M
# of page cache fills it.
fill() {
	echo 4M >"$1/memory.limit_in_bytes"
	sleeper_in "$1"
	wl "read $SLEEPER pressure-file 4M"
}

@test "pressure: reclaim that frees what it must is low; reclaim that gives up is critical" {
	fill "$MNT/g"
	listen low "$MNT/g" memory.pressure_level low
	listen medium "$MNT/g" memory.pressure_level medium
	listen critical "$MNT/g" memory.pressure_level critical
	# 4M of anon, a fault at a time, each freeing a cache page: 1024
	# pages tried and freed, two windows of 512.
	wl "anon $SLEEPER 4M"
	signals_are low 2
	signals_are medium 0
	signals_are critical 0
	# Nothing left to free (no swap): reclaim gives up, OOM.
	echo 1 >"$MNT/g/memory.oom_control"
	run sh -c "echo 'anon $SLEEPER 1M' >'$MNT/memcgfs.workload'"
	[ "$status" -ne 0 ]
	signals_are critical 1
	signals_are medium 1
	signals_are low 3
}

@test "pressure propagates as its mode says: default stops at the first listener, hierarchy goes on, local stays" {
	mkdir "$MNT/g/c"
	fill "$MNT/g/c"
	listen child "$MNT/g/c" memory.pressure_level low
	listen parent "$MNT/g" memory.pressure_level low
	listen all "$MNT/g" memory.pressure_level low,hierarchy
	listen own "$MNT/g" memory.pressure_level low,local
	listen top "$MNT" memory.pressure_level low,hierarchy
	wl "anon $SLEEPER 2M"
	signals_are child 1
	signals_are parent 0
	signals_are all 1
	signals_are own 0
	signals_are top 1
	# Without a listener below, the parent's default one hears.
	local n
	n=$(daemon_fds)
	hangup child
	eventually 5 daemon_fds_are $((n - 1))
	wl "anon $SLEEPER 2M"
	signals_are parent 1
	signals_are own 0
}

@test "a charge move crosses thresholds of both groups" {
	mkdir "$MNT/h"
	echo 1 >"$MNT/h/memory.move_charge_at_immigrate"
	sleeper_in "$MNT/g"
	wl "anon $SLEEPER 2M"
	listen from "$MNT/g" memory.usage_in_bytes 1M
	listen to "$MNT/h" memory.usage_in_bytes 1M
	echo "$SLEEPER" >"$MNT/h/tasks"
	[ "$(cat "$MNT/h/memory.usage_in_bytes")" = 2097152 ]
	signals_are from 1
	signals_are to 1
}

@test "a real process going past its limit signals OOM and critical pressure (track=rss)" {
	remount track=rss,rss_interval=20
	mkdir "$MNT/g"
	echo 16M >"$MNT/g/memory.limit_in_bytes"
	listen oom "$MNT/g" memory.oom_control
	listen critical "$MNT/g" memory.pressure_level critical
	# 8 MiB steps, 50 ms apart, until the kill.
	sh -c 'echo $$ >"$1/cgroup.procs" && exec "$2" 8 20 50' sh "$MNT/g" \
		"$MEMHOG" >/dev/null 2>&1 </dev/null &
	local hog=$! status=0
	SLEEPERS="${SLEEPERS:-} $hog"
	wait "$hog" || status=$?
	[ "$status" -eq 137 ]	# SIGKILL
	eventually 5 signals_reach oom 1
	eventually 5 signals_reach critical 1
}
