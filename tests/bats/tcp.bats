#!/usr/bin/env bats
# The socket-buffer counter, memory.kmem.tcp.* (memcgfs(8) FILES IN EACH
# GROUP, THE WORKLOAD FILE `tcp`, `tcpfree`): a counter of its own,
# hierarchical, in neither memory nor kmem usage, whose limit fails only
# its own charges.

load helpers

UNLIMITED=9223372036854771712
T=memory.kmem.tcp

# tcp_is DIR USAGE MAX FAILCNT: the group's tcp counter.
tcp_is() {
	value_is "$1/$T.usage_in_bytes" "$2" &&
		value_is "$1/$T.max_usage_in_bytes" "$3" &&
		value_is "$1/$T.failcnt" "$4"
}

@test "a fresh group and the root read the kernel's defaults" {
	mkdir "$MNT/g"
	local d
	for d in "$MNT" "$MNT/g"; do
		tcp_is "$d" 0 0 0
		value_is "$d/$T.limit_in_bytes" $UNLIMITED
		[ "$(stat -c %a "$d/$T.limit_in_bytes")" = 644 ]
		[ "$(stat -c %a "$d/$T.usage_in_bytes")" = 444 ]
	done
}

@test "the limit takes sizes as the other limits; garbage is EINVAL and changes nothing" {
	mkdir "$MNT/g"
	local L=$MNT/g/$T.limit_in_bytes
	want OK write "$L" 1M
	value_is "$L" 1048576
	want OK write "$L" 3k	# rounded down to a page
	value_is "$L" 0
	want OK write "$L" 2G
	value_is "$L" 2147483648
	want OK write "$L" ' 8192 \n'
	value_is "$L" 8192
	want OK write "$L" 0x2000000
	value_is "$L" 33554432
	for v in abc -2 1.5M 1M2 18446744073709551616; do
		want EINVAL write "$L" "$v"
		value_is "$L" 33554432
	done
	want OK write "$L" 9223372036854775807	# capped
	value_is "$L" $UNLIMITED
	want OK write "$L" 1M
	want OK write "$L" -1
	value_is "$L" $UNLIMITED
}

@test "the root's limit is EINVAL; its failcnt and max_usage reset" {
	want EINVAL write "$MNT/$T.limit_in_bytes" 1M
	want EINVAL write "$MNT/$T.limit_in_bytes" -1
	value_is "$MNT/$T.limit_in_bytes" $UNLIMITED
	want OK write "$MNT/$T.failcnt" 0
	want OK write "$MNT/$T.max_usage_in_bytes" 0
	want EINVAL write "$MNT/$T.usage_in_bytes" 0
}

@test "tcp charges the group and its ancestors' tcp counters, not memory, memsw or kmem" {
	mkdir -p "$MNT/p/c"
	sleeper_in "$MNT/p/c"
	wl "tcp $SLEEPER 100K"	# rounded up to pages
	tcp_is "$MNT/p/c" 102400 102400 0
	tcp_is "$MNT/p" 102400 102400 0
	tcp_is "$MNT" 102400 102400 0
	local d
	for d in "$MNT/p/c" "$MNT/p" "$MNT"; do
		usage_is "$d" 0 0
		value_is "$d/memory.kmem.usage_in_bytes" 0
		stat_is "$d" total_rss 0 total_cache 0
	done
	wl "tcpfree $SLEEPER 36K"
	tcp_is "$MNT/p/c" 65536 102400 0
	tcp_is "$MNT" 65536 102400 0
	wl "tcpfree $SLEEPER 1G"	# what it holds, no more
	tcp_is "$MNT/p" 0 102400 0
}

@test "a charge past a tcp limit is ENOMEM and counts failcnt where the limit is; resets" {
	mkdir -p "$MNT/p/c"
	sleeper_in "$MNT/p/c"
	want OK write "$MNT/p/$T.limit_in_bytes" 64K
	wl "tcp $SLEEPER 48K"
	want ENOMEM write "$MNT/memcgfs.workload" "tcp $SLEEPER 32K"
	# As the kernel's page_counter_try_charge: c's peak saw the charge
	# before p refused it.
	tcp_is "$MNT/p/c" 49152 81920 0
	tcp_is "$MNT/p" 49152 49152 1
	# the tcp limit limits nothing else, and no other limit limits tcp
	wl "anon $SLEEPER 1M"
	usage_is "$MNT/p/c" 1048576
	wl "free $SLEEPER 1M"
	want OK write "$MNT/p/c/memory.limit_in_bytes" 0
	wl "tcpfree $SLEEPER 16K" "tcp $SLEEPER 16K"
	want OK write "$MNT/p/c/memory.limit_in_bytes" -1
	value_is "$MNT/p/memory.failcnt" 0
	# resets: failcnt to 0, max_usage to the usage, whatever is written
	wl "tcpfree $SLEEPER 16K"
	want OK write "$MNT/p/$T.failcnt" junk
	want OK write "$MNT/p/$T.max_usage_in_bytes" 0
	tcp_is "$MNT/p" 32768 32768 0
	tcp_is "$MNT/p/c" 32768 81920 0
}

@test "a tcp limit below usage is EBUSY and leaves the limit; at or above it holds" {
	mkdir "$MNT/g"
	sleeper_in "$MNT/g"
	wl "tcp $SLEEPER 64K"
	want EBUSY write "$MNT/g/$T.limit_in_bytes" 32K
	value_is "$MNT/g/$T.limit_in_bytes" $UNLIMITED
	tcp_is "$MNT/g" 65536 65536 0
	want OK write "$MNT/g/$T.limit_in_bytes" 64K
	value_is "$MNT/g/$T.limit_in_bytes" 65536
	want ENOMEM write "$MNT/memcgfs.workload" "tcp $SLEEPER 4K"
	value_is "$MNT/g/$T.failcnt" 1
}

@test "tcp and tcpfree refuse bad arguments with EINVAL and a dead pid with ESRCH" {
	spawn_sleeper
	local l
	for l in "tcp $SLEEPER" "tcp $SLEEPER 1M x" "tcp $SLEEPER abc" \
		"tcp $SLEEPER -1" "tcp x 1M" "tcpfree $SLEEPER" "tcpfree $SLEEPER 1.5M"; do
		want EINVAL write "$MNT/memcgfs.workload" "$l"
	done
	want ESRCH write "$MNT/memcgfs.workload" "tcp $(cat /proc/sys/kernel/pid_max) 1M"
	tcp_is "$MNT" 0 0 0
}

@test "a task's exit frees its socket buffers" {
	mkdir "$MNT/g"
	sleeper_in "$MNT/g"
	wl "tcp $SLEEPER 64K"
	kill -9 "$SLEEPER"
	wait "$SLEEPER" 2>/dev/null || true
	eventually 5 tcp_is "$MNT/g" 0 65536 0
	tcp_is "$MNT" 0 65536 0
}

@test "charges stay in the group a task leaves; its removal leaves them to the parent" {
	mkdir -p "$MNT/p/a" "$MNT/b"
	sleeper_in "$MNT/p/a"
	wl "tcp $SLEEPER 32K"
	echo "$SLEEPER" >"$MNT/b/tasks"
	wl "tcp $SLEEPER 16K"
	tcp_is "$MNT/p/a" 32768 32768 0
	tcp_is "$MNT/b" 16384 16384 0
	want OK rmdir "$MNT/p/a"
	tcp_is "$MNT/p" 32768 32768 0
	# newest first: b's 16K, then 8K of what p holds now
	wl "tcpfree $SLEEPER 24K"
	tcp_is "$MNT/b" 0 16384 0
	tcp_is "$MNT/p" 24576 32768 0
	tcp_is "$MNT" 24576 49152 0
}
