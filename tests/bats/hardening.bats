#!/usr/bin/env bats
# What an adversarial run broke, one test each: large and split writes,
# the kernel's answers for odd pid and value input, the release agent under
# a flood, fork following with many children, and ending the daemon when
# its mountpoint's path names something else.

load helpers

KROOT=/sys/fs/cgroup/memory
NOBODY=65534

# kernel_group: a throw-away child group of the kernel's v1 memory
# controller in KG, or KG empty where there is none (the kernel half of a
# test is then left out).
kernel_group() {
	KG=
	awk -v d="$KROOT" '$2 == d && $3 == "cgroup" && $4 ~ /memory/ { f = 1 }
		END { exit !f }' /proc/mounts || return 0
	KG=$KROOT/memcgfs-hardening.$$.$BATS_TEST_NUMBER
	mkdir "$KG" 2>/dev/null || KG=
}

kernel_cleanup() {
	local d p
	[ -n "${KG:-}" ] || return 0
	for d in $(find "$KG" -depth -type d); do
		for p in $(cat "$d/tasks"); do
			echo "$p" >"$KROOT/tasks" 2>/dev/null || true
		done
		rmdir "$d"
	done
	KG=
}

# both FN: run FN GROUP on a memcgfs group, then on a kernel group where
# there is one: the same answers on both.
both() {
	mkdir "$MNT/g"
	"$1" "$MNT/g"
	kernel_group
	if [ -n "$KG" ]; then
		echo "# the same on the kernel, in $KG" >&2
		"$1" "$KG"
	fi
}

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
	[ -z "${TMPFS:-}" ] || umount "$TMPFS"
	kernel_cleanup
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

# ---- one write(2) is one command ---------------------------------------

big_writes() {
	local L=$1/memory.limit_in_bytes d=$BATS_TEST_TMPDIR f
	{ printf 2M; printf '%4094s' ''; } >"$d/4096"
	{ printf 3M; printf '%4095s' ''; } >"$d/4097"
	# FUSE hands this one write in two pieces: "<spaces>2" and "M".
	{ printf '%1048575s' ''; printf 2M; } >"$d/1m"
	want OK put "$L" "$d/4096" write
	value_is "$L" 2097152
	want OK put "$L" "$d/4096" sendfile
	value_is "$L" 2097152
	for f in 4097 1m; do
		want E2BIG put "$L" "$d/$f" write
		want E2BIG put "$L" "$d/$f" sendfile
		value_is "$L" 2097152
	done
	for f in tasks memory.failcnt memory.swappiness notify_on_release; do
		want E2BIG put "$1/$f" "$d/4097" write
	done
}

@test "control-file writes over 4096 bytes get E2BIG and change nothing, as on the kernel" {
	both big_writes
}

# A write at an offset is still one command (the kernel ignores the
# offset): one that crosses a page boundary must not reach the handler in
# two pieces ("267" and "08\n" of pid 26708).
offset_write() {
	printf '%s\n' "$SLEEPER" |
		dd of="$1/tasks" bs=64 seek=4093 oflag=seek_bytes conv=notrunc status=none
	listed "$1/tasks" "$SLEEPER"
	printf '3M\n' |
		dd of="$1/memory.limit_in_bytes" bs=64 seek=8191 oflag=seek_bytes conv=notrunc status=none
	value_is "$1/memory.limit_in_bytes" 3145728
}

@test "a write at an offset across a page boundary is one command, as on the kernel" {
	spawn_sleeper
	both offset_write
}

@test "memcgfs.workload joins a line split between writes; cat of 200 KB works" {
	mkdir "$MNT/g"
	sleeper_in "$MNT/g"
	local W=$MNT/memcgfs.workload f=$BATS_TEST_TMPDIR/wl first
	# One open file, one line in two writes, the first ending on a page
	# boundary as FUSE's pieces and cat's writes do (blank lines pad it).
	local line="anon $SLEEPER 1" pad
	pad=$(printf '\n%.0s' $(seq $((4096 - ${#line}))); echo x)
	{ printf '%s' "${pad%x}$line"; printf 'M\nanon %s 4K\n' "$SLEEPER"; } >"$W"
	usage_is "$MNT/g" $((1048576 + 4096))
	# 200 KB of lines; cat writes 128 KiB at a time, and the first line
	# is chosen so that the cut falls inside a line.
	# As many lines as make 200 KB whatever the pid's length.
	local each="anon $SLEEPER 4K" n
	n=$((200000 / (${#each} + 1) + 1))
	for first in "$each" "anon $SLEEPER 04K"; do
		{ echo "$first"; yes "$each" | head -n "$n"; } >"$f"
		[ "$(head -c 131072 "$f" | tail -c 1)" = "" ] || break
	done
	[ "$(head -c 131072 "$f" | tail -c 1)" != "" ]
	[ "$(stat -c %s "$f")" -gt 200000 ]
	cat "$f" >"$W"
	usage_is "$MNT/g" $((1048576 + 4096 + (n + 1) * 4096))
	# One write(2) of 1.5 MB: FUSE splits it at 1 MiB, inside a line.
	yes "$each" | head -c 1500000 | sed '$d' >"$f.2"
	want OK put "$W" "$f.2" write
	usage_is "$MNT/g" $((1048576 + 4096 + (n + 1 + $(wc -l <"$f.2")) * 4096))
}

@test "memcgfs.workload: an unterminated last line is applied with its write, its errno there" {
	mkdir "$MNT/g"
	sleeper_in "$MNT/g"
	local W=$MNT/memcgfs.workload
	printf 'anon %s 4K\nanon %s 8K' "$SLEEPER" "$SLEEPER" >"$W"
	usage_is "$MNT/g" 12288
	# A write without a newline (echo -n): its last line is complete.
	want EINVAL write "$W" "anon $SLEEPER 1Q"
	want OK write "$W" "anon $SLEEPER 4K"
	usage_is "$MNT/g" 16384
	# The error of the last line is the write's; the line before stays.
	want EINVAL write "$W" "anon $SLEEPER 4K\nbogus"
	usage_is "$MNT/g" 20480
	# A failing line drops the rest of its write.
	want EINVAL write "$W" "bogus\nanon $SLEEPER 4K\n"
	usage_is "$MNT/g" 20480
	# A line longer than a line may be is refused.
	want EINVAL write "$W" "anon $SLEEPER 4K\n$(printf 'x%.0s' $(seq 5000))"
	usage_is "$MNT/g" 24576
}

# ---- the kernel's answers for odd input -----------------------------------

odd_pids() {
	local G=$1 kthreadd softirq
	kthreadd=$(pgrep -x kthreadd | head -n 1)
	softirq=$(pgrep -x ksoftirqd/0 | head -n 1)
	want EINVAL write "$G/tasks" 08
	! listed "$G/tasks" 8
	want OK write "$G/tasks" "$(printf '0x%x' "$SLEEPER")"
	listed "$G/tasks" "$SLEEPER"
	echo "$SLEEPER" >"$(dirname "$G")/tasks"
	want OK write "$G/tasks" "$(printf '0%o' "$SLEEPER")"
	listed "$G/tasks" "$SLEEPER"
	want OK write "$G/tasks" " +$SLEEPER"$'\n\n'
	local k
	for k in $kthreadd $softirq; do
		want EINVAL write "$G/tasks" "$k"
		want EINVAL write "$G/cgroup.procs" "$k"
		! listed "$G/tasks" "$k"
	done
	# The kernel reads a C string: a NUL ends the value.
	want OK write "$G/memory.limit_in_bytes" '2M\0junk'
	value_is "$G/memory.limit_in_bytes" 2097152
	want OK write "$G/notify_on_release" '1\0x'
	value_is "$G/notify_on_release" 1
}

@test "odd pids and NUL bytes get the kernel's answers (08, hex, octal, kernel threads)" {
	spawn_sleeper
	both odd_pids
}

owners() {
	local G=$1
	chown $NOBODY "$G"
	(cd "$G" && setpriv --reuid=$NOBODY --regid=$NOBODY --clear-groups mkdir sub)
	[ "$(stat -c '%u %g' "$G/sub" "$G/sub/tasks" | sort -u)" = "$NOBODY $NOBODY" ]
	mkdir "$G/byroot"
	[ "$(stat -c '%u %g' "$G/byroot" "$G/byroot/tasks" | sort -u)" = "0 0" ]
	rmdir "$G/sub" "$G/byroot"
}

@test "a new group is owned by its creator's fsuid and fsgid, as on the kernel" {
	both owners
}

# ---- the release agent ----------------------------------------------------

# no_agent_runs DIR: no agent's run.PID marker is left in DIR.
no_agent_runs() {
	! ls -d "$1"/run.* >/dev/null 2>&1
}

@test "a flood of release notifications runs one agent at a time per group, from a clean slate" {
	local d=$BATS_TEST_TMPDIR agent=$BATS_TEST_TMPDIR/agent.sh i
	# The daemon inherits a descriptor without CLOEXEC (and, started in
	# the background by a script, SIGINT and SIGQUIT ignored).
	unmount_memcgfs
	exec 7>"$d/inherited"
	mount_memcgfs
	exec 7>&-
	# Each agent records what it was started with (fsprobe procstate,
	# exec'd first thing), then logs its group and how many agents run,
	# and waits until "go" exists.
	cat >"$agent" <<-EOF
	#!/bin/sh
	exec "$FSPROBE" procstate "$d/state.\$\$" /bin/sh "$agent.2" "\$1"
	EOF
	cat >"$agent.2" <<-EOF
	mkdir "$d/run.\$\$"
	echo "\$1 \$(ls -d "$d"/run.* | wc -l)" >>"$d/log"
	i=0
	while [ ! -e "$d/go" ] && [ \$i -lt 400 ]; do sleep 0.05; i=\$((i + 1)); done
	rmdir "$d/run.\$\$"
	EOF
	chmod 0755 "$agent"
	echo "$agent" >"$MNT/release_agent"
	mkdir "$MNT/p"
	echo 1 >"$MNT/p/notify_on_release"
	mkdir "$MNT/p/c0"
	rmdir "$MNT/p/c0"
	eventually 10 test -s "$d/log"
	# 300 more while the first agent runs: they merge into one.
	for i in $(seq 1 300); do
		mkdir "$MNT/p/c$i"
		rmdir "$MNT/p/c$i"
	done
	touch "$d/go"
	eventually 20 lines_are "$d/log" 2
	eventually 20 no_agent_runs "$d"
	[ "$(cat "$d/log")" = "/p 1"$'\n'"/p 1" ]
	# Nothing of the daemon's state: no signal ignored or blocked, 0-2 on
	# /dev/null, no descriptor the daemon inherited (the shell's own copy
	# of the script aside).
	local f
	for f in "$d"/state.*; do
		[ "$(grep -v " $agent\$" "$f")" = "SigBlk:	0000000000000000
SigIgn:	0000000000000000
fd 0 /dev/null
fd 1 /dev/null
fd 2 /dev/null" ] || { cat "$f"; false; }
	done
}

# ---- ending the daemon --------------------------------------------------

# mount_type_at PATH: the file-system type mounted on PATH, the newest
# (empty for none).
mount_type_at() {
	awk -v p="$1" '$5 == p { for (i = 7; $i != "-"; i++); t = $(i + 1) }
		END { print t }' /proc/self/mountinfo
}

@test "SIGTERM after a rename of the mountpoint's parent unmounts memcgfs, not what took its path" {
	local top=$BATS_TEST_TMPDIR/top status=0
	unmount_memcgfs
	mkdir -p "$top/p/m"
	MNT=$top/p/m
	DAEMON_LOG=$BATS_TEST_TMPDIR/daemon.log
	"$MEMCGFS" -f "$MNT" 2>"$DAEMON_LOG" &
	DAEMON_PID=$!
	wait_mounted
	mv "$top/p" "$top/q"
	MNT=$top/q/m	# for teardown, should this fail
	mkdir -p "$top/p/m"
	mount -t tmpfs memcgfs-test "$top/p/m"
	TMPFS=$top/p/m
	[ "$(mount_type_at "$top/p/m")" = tmpfs ]
	[ "$(mount_type_at "$top/q/m")" = fuse.memcgfs ]
	kill -TERM "$DAEMON_PID"
	wait "$DAEMON_PID" || status=$?
	DAEMON_PID=
	[ "$status" -eq 0 ]
	# The tmpfs stays where it is; memcgfs's own mount is gone.
	[ "$(mount_type_at "$top/p/m")" = tmpfs ]
	[ -z "$(mount_type_at "$top/q/m")" ]
	umount "$TMPFS"
	TMPFS=
}

@test "SIGTERM with control files open: exit status 0, nothing leaked" {
	local status=0
	mkdir "$MNT/g"
	exec 5<"$MNT/g/memory.stat" 6>"$MNT/memcgfs.workload"
	kill -TERM "$DAEMON_PID"
	wait "$DAEMON_PID" || status=$?
	DAEMON_PID=
	exec 5<&- 6>&- || true
	# A sanitizer build exits non-zero on a leaked handle.
	[ "$status" -eq 0 ] || { cat "$DAEMON_LOG"; false; }
}
