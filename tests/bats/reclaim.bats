#!/usr/bin/env bats
# Limits meeting usage (memcgfs(8) VALUES, ACCOUNTING): reclaim of page cache,
# swap-out, OOM kill or refusal, the hierarchy, limit writes below usage,
# force_empty, max_usage, and global pressure above -o mem=.
# Page size is the default 4096.

load helpers

UNLIMITED=9223372036854771712

# oom_is DIR DISABLE UNDER KILLS: memory.oom_control of group DIR.
oom_is() {
	local got expect
	expect=$(printf 'oom_kill_disable %s\nunder_oom %s\noom_kill %s' "$2" "$3" "$4")
	got=$(cat "$1/memory.oom_control")
	if [ "$got" != "$expect" ]; then
		printf '%s/memory.oom_control:\n%s\nexpected:\n%s\n' "$1" "$got" "$expect" >&2
		return 1
	fi
}

proc_state() {
	awk '{ print $3 }' "/proc/$1/stat" 2>/dev/null
}

# alive PID: PID runs (kill -0 works and it is no zombie).
alive() {
	kill -0 "$1" && [ "$(proc_state "$1")" != Z ] || {
		echo "process $1 is gone" >&2
		return 1
	}
}

# oom_killed PID: PID, a child of ours, died of SIGKILL (wait status 137).
oom_killed() {
	local i st=0
	# the shell may reap it at once: a zombie and no process both mean dead
	for i in $(seq 1 100); do
		case $(proc_state "$1") in Z | "") break ;; esac
		sleep 0.05
	done
	if alive "$1" 2>/dev/null; then
		echo "process $1 was not killed" >&2
		return 1
	fi
	wait "$1" || st=$?
	if [ "$st" -ne 137 ]; then
		echo "process $1 ended with status $st, expected 137" >&2
		return 1
	fi
	! kill -0 "$1" 2>/dev/null
}

# ---- page cache reclaim ------------------------------------------------------

@test "a limit hit reclaims the group's page cache and the charge succeeds" {
	mkdir "$MNT/g"
	sleeper_in "$MNT/g"
	echo 64K >"$MNT/g/memory.limit_in_bytes"
	wl "read $SLEEPER f 64K"
	wl "anon $SLEEPER 16K"
	usage_is "$MNT/g" 65536
	stat_is "$MNT/g" cache 49152 rss 16384 pgpgout 4
	oom_is "$MNT/g" 0 0 0
	alive "$SLEEPER"
}

@test "limit reclaim takes inactive page cache before active, oldest first" {
	mkdir "$MNT/g"
	sleeper_in "$MNT/g"
	echo 48K >"$MNT/g/memory.limit_in_bytes"
	# fa is read first but read twice (active); fb is older than fc
	wl "read $SLEEPER fa 16K" "read $SLEEPER fb 16K" "read $SLEEPER fc 16K" \
		"read $SLEEPER fa 16K"
	wl "anon $SLEEPER 8K"
	usage_is "$MNT/g" 49152
	stat_is "$MNT/g" active_file 16384 inactive_file 24576 rss 8192
	# which pages went: evicting each file shows how many it still had
	wl "evict fb"
	usage_is "$MNT/g" 40960
	wl "evict fc"
	usage_is "$MNT/g" 24576
	wl "evict fa"
	usage_is "$MNT/g" 8192
}

@test "limit reclaim takes active page cache, oldest first, once inactive is gone" {
	mkdir "$MNT/g"
	sleeper_in "$MNT/g"
	echo 32K >"$MNT/g/memory.limit_in_bytes"
	wl "read $SLEEPER fa 8K" "read $SLEEPER fb 8K" \
		"read $SLEEPER fa 8K" "read $SLEEPER fb 8K" "read $SLEEPER fc 8K"
	stat_is "$MNT/g" active_file 16384 inactive_file 8192
	wl "anon $SLEEPER 24K"
	usage_is "$MNT/g" 32768
	stat_is "$MNT/g" inactive_file 0 active_file 8192 rss 24576
	wl "evict fa"
	usage_is "$MNT/g" 32768
	wl "evict fb"
	usage_is "$MNT/g" 24576
}

@test "re-reading page cache taken by reclaim counts workingset_refault_file; after evict it does not" {
	mkdir "$MNT/g"
	sleeper_in "$MNT/g"
	echo 32K >"$MNT/g/memory.limit_in_bytes"
	wl "read $SLEEPER f 32K" "anon $SLEEPER 8K"
	stat_is "$MNT/g" cache 24576 workingset_refault_file 0
	echo -1 >"$MNT/g/memory.limit_in_bytes"
	wl "read $SLEEPER f 32K"
	usage_is "$MNT/g" 40960
	stat_is "$MNT/g" workingset_refault_file 2
	wl "evict f" "read $SLEEPER f 32K"
	stat_is "$MNT/g" workingset_refault_file 2 total_workingset_refault_file 2
}

# ---- swap --------------------------------------------------------------------

@test "with -o swap, anon goes to swap when page cache is not enough" {
	remount swap=1M
	mkdir "$MNT/g"
	sleeper_in "$MNT/g"
	echo 64K >"$MNT/g/memory.limit_in_bytes"
	wl "anon $SLEEPER 48K" "read $SLEEPER f 16K"
	wl "anon $SLEEPER 32K"
	usage_is "$MNT/g" 65536 81920
	stat_is "$MNT/g" cache 0 rss 65536 swap 16384
	stat_is "$MNT" total_swap 16384
	oom_is "$MNT/g" 0 0 0
}

@test "writing a limit below usage swaps anon out: usage goes down, memsw stays" {
	remount swap=1M
	mkdir "$MNT/g"
	sleeper_in "$MNT/g"
	wl "anon $SLEEPER 64K"
	usage_is "$MNT/g" 65536 65536
	want OK write "$MNT/g/memory.limit_in_bytes" 32K
	value_is "$MNT/g/memory.limit_in_bytes" 32768
	usage_is "$MNT/g" 32768 65536
	stat_is "$MNT/g" rss 32768 swap 32768 active_anon 32768 inactive_anon 0
}

@test "swap-out stops when -o swap space is full" {
	remount swap=16K
	mkdir "$MNT/g"
	sleeper_in "$MNT/g"
	echo 64K >"$MNT/g/memory.limit_in_bytes"
	echo 1 >"$MNT/g/memory.oom_control"
	wl "anon $SLEEPER 64K"
	want ENOMEM write "$MNT/memcgfs.workload" "anon $SLEEPER 32K"
	stat_is "$MNT/g" swap 16384 rss 49152
	usage_is "$MNT/g" 49152 65536
}

@test "without -o swap anon is never swapped: the charge fails under oom_kill_disable" {
	mkdir "$MNT/g"
	sleeper_in "$MNT/g"
	echo 64K >"$MNT/g/memory.limit_in_bytes"
	echo 1 >"$MNT/g/memory.oom_control"
	wl "anon $SLEEPER 64K"
	want ENOMEM write "$MNT/memcgfs.workload" "anon $SLEEPER 4K"
	stat_is "$MNT/g" swap 0 rss 65536
	usage_is "$MNT/g" 65536
}

@test "swappiness 0 keeps anon out of swap even with -o swap" {
	remount swap=1M
	mkdir "$MNT/g"
	sleeper_in "$MNT/g"
	echo 0 >"$MNT/g/memory.swappiness"
	echo 64K >"$MNT/g/memory.limit_in_bytes"
	echo 1 >"$MNT/g/memory.oom_control"
	wl "anon $SLEEPER 64K"
	want ENOMEM write "$MNT/memcgfs.workload" "anon $SLEEPER 4K"
	stat_is "$MNT/g" swap 0 rss 65536
	usage_is "$MNT/g" 65536
}

@test "a memsw limit is never helped by swapping" {
	remount swap=1M
	mkdir "$MNT/g"
	sleeper_in "$MNT/g"
	echo 32K >"$MNT/g/memory.limit_in_bytes"
	echo 64K >"$MNT/g/memory.memsw.limit_in_bytes"
	echo 1 >"$MNT/g/memory.oom_control"
	# the memory limit is helped by swap ...
	wl "anon $SLEEPER 32K" "anon $SLEEPER 32K"
	usage_is "$MNT/g" 32768 65536
	stat_is "$MNT/g" swap 32768
	# ... the memsw limit is not
	want ENOMEM write "$MNT/memcgfs.workload" "anon $SLEEPER 4K"
	usage_is "$MNT/g" 32768 65536
	stat_is "$MNT/g" swap 32768 rss 32768
	value_is "$MNT/g/memory.memsw.failcnt" 1
}

# ---- OOM ---------------------------------------------------------------------

@test "OOM kills the task with the most anon in the group; oom_kill counts in the victim's group only" {
	mkdir -p "$MNT/p/g" "$MNT/p/h"
	sleeper_in "$MNT/p/g"
	local big=$SLEEPER
	sleeper_in "$MNT/p/g"
	local small=$SLEEPER
	echo 64K >"$MNT/p/g/memory.limit_in_bytes"
	wl "anon $big 32K" "anon $small 16K"
	wl "anon $small 32K"
	oom_killed "$big"
	alive "$small"
	usage_is "$MNT/p/g" 49152
	stat_is "$MNT/p/g" rss 49152
	value_is "$MNT/p/g/tasks" "$small"
	oom_is "$MNT/p/g" 0 0 1
	oom_is "$MNT/p" 0 0 0	# cgroup v1 counts no ancestor
	oom_is "$MNT" 0 0 0
	oom_is "$MNT/p/h" 0 0 0
}

@test "the OOM victim is chosen by anon plus swap, not resident anon alone" {
	remount swap=1M
	mkdir "$MNT/g"
	sleeper_in "$MNT/g"
	local a=$SLEEPER
	sleeper_in "$MNT/g"
	local b=$SLEEPER
	# a: 10 pages, 6 of them swapped; then no more swapping
	wl "anon $a 40K"
	echo 16K >"$MNT/g/memory.limit_in_bytes"
	echo 64K >"$MNT/g/memory.limit_in_bytes"
	echo 0 >"$MNT/g/memory.swappiness"
	stat_is "$MNT/g" rss 16384 swap 24576
	# b: 8 resident pages, more than a's 4
	wl "anon $b 32K"
	wl "anon $b 32K"
	oom_killed "$a"
	alive "$b"
	usage_is "$MNT/g" 65536 65536
	stat_is "$MNT/g" rss 65536 swap 0
	oom_is "$MNT/g" 0 0 1
}

@test "OOM in a parent picks the victim anywhere in its subtree" {
	mkdir -p "$MNT/p/a" "$MNT/p/b"
	sleeper_in "$MNT/p/a"
	local sa=$SLEEPER
	sleeper_in "$MNT/p/b"
	local sb=$SLEEPER
	echo 64K >"$MNT/p/memory.limit_in_bytes"
	wl "anon $sa 40K" "anon $sb 24K"
	wl "anon $sb 8K"
	oom_killed "$sa"
	alive "$sb"
	usage_is "$MNT/p/a" 0
	usage_is "$MNT/p/b" 32768
	usage_is "$MNT/p" 32768
	oom_is "$MNT/p/a" 0 0 1
	oom_is "$MNT/p" 0 0 0
	oom_is "$MNT/p/b" 0 0 0
	value_is "$MNT/p/b/memory.failcnt" 0
}

@test "an OOM victim that is the charging task itself is killed and its charge fails with ENOMEM" {
	mkdir "$MNT/g"
	sleeper_in "$MNT/g"
	echo 64K >"$MNT/g/memory.limit_in_bytes"
	wl "anon $SLEEPER 64K"
	want ENOMEM write "$MNT/memcgfs.workload" "anon $SLEEPER 4K"
	oom_killed "$SLEEPER"
	usage_is "$MNT/g" 0
	oom_is "$MNT/g" 0 0 1
}

@test "with -o oom=simulate the victim survives but its anon is uncharged" {
	remount oom=simulate
	mkdir "$MNT/g"
	sleeper_in "$MNT/g"
	local big=$SLEEPER
	sleeper_in "$MNT/g"
	local small=$SLEEPER
	echo 64K >"$MNT/g/memory.limit_in_bytes"
	wl "anon $big 32K" "anon $small 16K"
	wl "anon $small 32K"
	sleep 0.2
	alive "$big"
	alive "$small"
	usage_is "$MNT/g" 49152
	stat_is "$MNT/g" rss 49152
	oom_is "$MNT/g" 0 0 1
	oom_is "$MNT" 0 0 0
}

@test "oom_kill_disable 1: ENOMEM, under_oom 1 and failcnt counted, until the refused charge would fit" {
	mkdir "$MNT/g"
	sleeper_in "$MNT/g"
	echo 64K >"$MNT/g/memory.limit_in_bytes"
	echo 1 >"$MNT/g/memory.oom_control"
	wl "anon $SLEEPER 48K"
	want ENOMEM write "$MNT/memcgfs.workload" "anon $SLEEPER 32K"
	alive "$SLEEPER"
	usage_is "$MNT/g" 49152
	oom_is "$MNT/g" 1 1 0
	value_is "$MNT/g/memory.failcnt" 1
	wl "free $SLEEPER 8K"
	oom_is "$MNT/g" 1 1 0
	wl "free $SLEEPER 8K"
	oom_is "$MNT/g" 1 0 0
	oom_is "$MNT" 0 0 0
}

# ---- hierarchy -----------------------------------------------------------------

@test "a child's charge that passes the parent's limit fails at the parent and counts in the parent's failcnt" {
	mkdir -p "$MNT/p/c"
	sleeper_in "$MNT/p/c"
	echo 64K >"$MNT/p/memory.limit_in_bytes"
	echo 1 >"$MNT/p/memory.oom_control"
	wl "anon $SLEEPER 64K"
	want ENOMEM write "$MNT/memcgfs.workload" "anon $SLEEPER 4K"
	usage_is "$MNT/p/c" 65536
	value_is "$MNT/p/memory.failcnt" 1
	value_is "$MNT/p/c/memory.failcnt" 0
	oom_is "$MNT/p" 1 1 0
	oom_is "$MNT/p/c" 0 0 0
}

@test "a child's charge that passes the parent's limit reclaims in the parent's subtree" {
	mkdir -p "$MNT/p/a" "$MNT/p/b"
	sleeper_in "$MNT/p/a"
	local sa=$SLEEPER
	sleeper_in "$MNT/p/b"
	local sb=$SLEEPER
	echo 64K >"$MNT/p/memory.limit_in_bytes"
	wl "read $sa f 32K" "anon $sb 32K"
	wl "anon $sb 16K"
	usage_is "$MNT/p" 65536
	stat_is "$MNT/p/a" cache 16384
	stat_is "$MNT/p/b" rss 49152
	value_is "$MNT/p/b/memory.failcnt" 0
	value_is "$MNT/p/a/memory.failcnt" 0
	[ "$(cat "$MNT/p/memory.failcnt")" -ge 1 ]
	alive "$sa"
}

# ---- limit writes, force_empty, max_usage --------------------------------------

@test "writing a limit below usage reclaims page cache down to it" {
	mkdir "$MNT/g"
	sleeper_in "$MNT/g"
	wl "read $SLEEPER f 64K" "anon $SLEEPER 8K"
	want OK write "$MNT/g/memory.limit_in_bytes" 32K
	value_is "$MNT/g/memory.limit_in_bytes" 32768
	usage_is "$MNT/g" 32768
	stat_is "$MNT/g" cache 24576 rss 8192
}

@test "writing a limit below usage that reclaim cannot reach gives EBUSY and keeps the limit" {
	mkdir "$MNT/g"
	sleeper_in "$MNT/g"
	echo 1M >"$MNT/g/memory.limit_in_bytes"
	wl "anon $SLEEPER 64K"
	want EBUSY write "$MNT/g/memory.limit_in_bytes" 32K
	value_is "$MNT/g/memory.limit_in_bytes" 1048576
	usage_is "$MNT/g" 65536
	# no OOM for a limit write
	alive "$SLEEPER"
	oom_is "$MNT/g" 0 0 0
}

@test "writing a memsw limit below memsw usage gives EBUSY: swapping cannot help it" {
	remount swap=1M
	mkdir "$MNT/g"
	sleeper_in "$MNT/g"
	echo 32K >"$MNT/g/memory.limit_in_bytes"
	wl "anon $SLEEPER 32K" "anon $SLEEPER 32K"
	usage_is "$MNT/g" 32768 65536
	want EBUSY write "$MNT/g/memory.memsw.limit_in_bytes" 48K
	value_is "$MNT/g/memory.memsw.limit_in_bytes" "$UNLIMITED"
	usage_is "$MNT/g" 32768 65536
}

@test "force_empty reclaims all page cache of a group and succeeds while anon remains" {
	mkdir "$MNT/g"
	sleeper_in "$MNT/g"
	wl "read $SLEEPER f 32K" "read $SLEEPER f 16K" "anon $SLEEPER 16K"
	want OK write "$MNT/g/memory.force_empty" 0
	usage_is "$MNT/g" 16384
	stat_is "$MNT/g" cache 0 inactive_file 0 active_file 0 rss 16384
	alive "$SLEEPER"
}

@test "force_empty reclaims the page cache of the group's children too" {
	mkdir -p "$MNT/p/c"
	sleeper_in "$MNT/p/c"
	wl "read $SLEEPER f 32K"
	want OK write "$MNT/p/memory.force_empty" 0
	usage_is "$MNT/p" 0
	usage_is "$MNT/p/c" 0
}

@test "max_usage_in_bytes tracks the peak and resets to the current usage" {
	mkdir "$MNT/g"
	sleeper_in "$MNT/g"
	wl "anon $SLEEPER 64K" "free $SLEEPER 32K" "anon $SLEEPER 16K"
	usage_is "$MNT/g" 49152
	value_is "$MNT/g/memory.max_usage_in_bytes" 65536
	value_is "$MNT/g/memory.memsw.max_usage_in_bytes" 65536
	value_is "$MNT/memory.max_usage_in_bytes" 65536
	echo 0 >"$MNT/g/memory.max_usage_in_bytes"
	value_is "$MNT/g/memory.max_usage_in_bytes" 49152
	value_is "$MNT/g/memory.memsw.max_usage_in_bytes" 65536
	wl "anon $SLEEPER 8K"
	value_is "$MNT/g/memory.max_usage_in_bytes" 57344
	wl "free $SLEEPER 1M"
	value_is "$MNT/g/memory.max_usage_in_bytes" 57344
}

# ---- global pressure ------------------------------------------------------------

@test "above -o mem= reclaim takes first from the group furthest above its soft limit" {
	remount mem=256K
	mkdir "$MNT/a" "$MNT/b" "$MNT/c"
	echo 128K >"$MNT/a/memory.soft_limit_in_bytes"
	echo 16K >"$MNT/b/memory.soft_limit_in_bytes"
	sleeper_in "$MNT/a"
	local sa=$SLEEPER
	sleeper_in "$MNT/b"
	local sb=$SLEEPER
	sleeper_in "$MNT/c"
	wl "read $sa fa 96K" "read $sb fb 96K"
	wl "anon $SLEEPER 96K"
	usage_is "$MNT" 262144
	stat_is "$MNT/a" cache 98304
	stat_is "$MNT/b" cache 65536
	stat_is "$MNT/c" rss 98304
	value_is "$MNT/c/memory.failcnt" 0
	oom_is "$MNT" 0 0 0
}

@test "above -o mem= with nothing to reclaim, global OOM kills the task with the most anon anywhere" {
	remount mem=256K
	mkdir "$MNT/a" "$MNT/b" "$MNT/c"
	sleeper_in "$MNT/a"
	local sa=$SLEEPER
	sleeper_in "$MNT/b"
	local sb=$SLEEPER
	sleeper_in "$MNT/c"
	local sc=$SLEEPER
	wl "anon $sa 96K" "anon $sb 64K" "anon $sc 64K"
	wl "anon $sc 64K"
	oom_killed "$sa"
	alive "$sb"
	alive "$sc"
	usage_is "$MNT" 196608
	usage_is "$MNT/a" 0
	usage_is "$MNT/c" 131072
	oom_is "$MNT/a" 0 0 1
	oom_is "$MNT" 0 0 0
	oom_is "$MNT/b" 0 0 0
	oom_is "$MNT/c" 0 0 0
}

# ---- charges that cannot fit, charges that swap as faults do ----------------

@test "a charge larger than -o mem= kills nobody: it fails and leaves nothing" {
	remount mem=1G
	mkdir "$MNT/a" "$MNT/b" "$MNT/c" "$MNT/me"
	local p pids=
	for g in a b c; do
		sleeper_in "$MNT/$g"
		pids="$pids $SLEEPER"
		wl "anon $SLEEPER 1M"
	done
	sleeper_in "$MNT/me"
	want ENOMEM write "$MNT/memcgfs.workload" "anon $SLEEPER 2G"
	for p in $pids $SLEEPER; do
		alive "$p"
	done
	usage_is "$MNT" 3145728
	usage_is "$MNT/me" 0
	for g in a b c me; do
		oom_is "$MNT/$g" 0 0 0
	done
}

@test "in a 16M group a 32M charge kills no sibling; one that fits once the sibling is gone still does" {
	mkdir -p "$MNT/g/a" "$MNT/g/b"
	echo 16M >"$MNT/g/memory.limit_in_bytes"
	sleeper_in "$MNT/g/a"
	local sib=$SLEEPER
	wl "anon $sib 10M"
	sleeper_in "$MNT/g/b"
	want ENOMEM write "$MNT/memcgfs.workload" "anon $SLEEPER 32M"
	alive "$sib"
	usage_is "$MNT/g" 10485760
	oom_is "$MNT/g/a" 0 0 0
	wl "anon $SLEEPER 8M"
	oom_killed "$sib"
	usage_is "$MNT/g" 8388608
	oom_is "$MNT/g/a" 0 0 1
}

@test "with -o swap, a charge past the limit swaps out page by page as that many faults would" {
	remount swap=64M
	mkdir "$MNT/g"
	sleeper_in "$MNT/g"
	echo 4M >"$MNT/g/memory.limit_in_bytes"
	echo 16M >"$MNT/g/memory.memsw.limit_in_bytes"
	wl "anon $SLEEPER 8M"
	usage_is "$MNT/g" 4194304 8388608
	stat_is "$MNT/g" rss 4194304 swap 4194304
	oom_is "$MNT/g" 0 0 0
	alive "$SLEEPER"
}
