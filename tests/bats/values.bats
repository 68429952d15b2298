#!/usr/bin/env bats
# Parsing of written values (memcgfs(8) VALUES): sizes through the limit files, pids
# through tasks/cgroup.procs, integers through the setting files.

load helpers

UNLIMITED=9223372036854771712

# sets FILE INPUT VALUE: writing INPUT (C escapes) succeeds and reads VALUE.
sets() {
	want OK write "$1" "$2" || return 1
	value_is "$1" "$3" || { echo "after writing '$2'" >&2; return 1; }
}

# refused FILE INPUT: writing INPUT gives EINVAL and the value is unchanged.
refused() {
	local before
	before=$(cat "$1") || return 1
	want EINVAL write "$1" "$2" || return 1
	value_is "$1" "$before" || { echo "after refused '$2'" >&2; return 1; }
}

setup() {
	mount_memcgfs
	mkdir "$MNT/g"
	L=$MNT/g/memory.limit_in_bytes
}

@test "decimal sizes are bytes" {
	sets "$L" '1048576\n' 1048576
	sets "$L" '4096' 4096
	sets "$L" '123456789012\n' 123456786432
	sets "$L" '0\n' 0
}

@test "0x hexadecimal sizes" {
	sets "$L" '0x100000\n' 1048576
	sets "$L" '0xFFFFF000\n' 4294963200
	sets "$L" '0xabc000' 11255808
	sets "$L" '0x10K\n' 16384
}

@test "leading-0 octal sizes" {
	sets "$L" '04000000\n' 1048576
	sets "$L" '010000' 4096
	sets "$L" '020M\n' 16777216
	sets "$L" '00\n' 0
}

@test "every suffix k K m M g G t T p P e E multiplies by its power of 1024" {
	sets "$L" '8k\n' 8192
	sets "$L" '8K\n' 8192
	sets "$L" '3m\n' 3145728
	sets "$L" '3M\n' 3145728
	sets "$L" '2g\n' 2147483648
	sets "$L" '2G\n' 2147483648
	sets "$L" '5t\n' 5497558138880
	sets "$L" '5T\n' 5497558138880
	sets "$L" '7p\n' 7881299347898368
	sets "$L" '7P\n' 7881299347898368
	sets "$L" '1e\n' 1152921504606846976
	sets "$L" '7E\n' 8070450532247928832
}

@test "-1 means unlimited" {
	sets "$L" '1M\n' 1048576
	sets "$L" '-1\n' "$UNLIMITED"
	sets "$L" '2M' 2097152
	sets "$L" '-1' "$UNLIMITED"
	sets "$L" ' -1 \n' "$UNLIMITED"
}

@test "sizes are rounded down to the page size" {
	sets "$L" '4097\n' 4096
	sets "$L" '8191\n' 4096
	sets "$L" '4095\n' 0
	sets "$L" '1k\n' 0
	sets "$L" '6k\n' 4096
	sets "$L" '0x1fff\n' 4096
	sets "$L" '1000000\n' 999424
}

@test "sizes round down to a 65536-byte page with page_size=65536" {
	unmount_memcgfs
	mount_memcgfs page_size=65536
	mkdir "$MNT/g"
	L=$MNT/g/memory.limit_in_bytes
	value_is "$L" 9223372036854710272
	sets "$L" '100000\n' 65536
	sets "$L" '1M\n' 1048576
	sets "$L" '65535\n' 0
	sets "$L" '131071\n' 65536
	sets "$L" '-1\n' 9223372036854710272
	sets "$L" '8E\n' 9223372036854710272
	sets "$MNT/g/memory.soft_limit_in_bytes" '70000\n' 65536
	sets "$MNT/g/memory.kmem.limit_in_bytes" '200000\n' 196608
}

@test "sizes above the unlimited value are capped at it" {
	sets "$L" '8E\n' "$UNLIMITED"
	sets "$L" '1M\n' 1048576
	sets "$L" '9223372036854775807\n' "$UNLIMITED"
	sets "$L" '1M\n' 1048576
	sets "$L" '9223372036854771713\n' "$UNLIMITED"
	sets "$L" '18446744073709551615\n' "$UNLIMITED"
	sets "$L" '1M\n' 1048576
	sets "$L" '15E\n' "$UNLIMITED"
	sets "$L" '1M\n' 1048576
	sets "$L" '0xffffffffffffffff\n' "$UNLIMITED"
	sets "$L" '9223372036854767616\n' 9223372036854767616
}

@test "surrounding whitespace and a trailing newline are ignored" {
	sets "$L" '  1M  ' 1048576
	sets "$L" '\t2M\n' 2097152
	sets "$L" '3M\n' 3145728
	sets "$L" ' 4M \n' 4194304
	sets "$L" '\t 0x500000 \t\n' 5242880
}

@test "a whitespace-only write succeeds and changes nothing" {
	local f
	for f in memory.limit_in_bytes memory.memsw.limit_in_bytes \
		memory.soft_limit_in_bytes memory.kmem.limit_in_bytes; do
		sets "$MNT/g/$f" '1M\n' 1048576
		sets "$MNT/g/$f" '\n' 1048576
		sets "$MNT/g/$f" ' ' 1048576
		sets "$MNT/g/$f" ' \t \n' 1048576
	done
}

@test "malformed sizes give EINVAL and leave the limit unchanged" {
	sets "$L" '1M\n' 1048576
	local v
	for v in '1.5M' '-2' 'abc' '1M2' '0x' '08' '-1M' '1MB' '1 M' 'M' \
		'--1' '1M\n2' '0x\n' '1.5M\n' 'abc\n'; do
		refused "$L" "$v"
	done
}

@test "sizes that overflow 64 bits give EINVAL" {
	sets "$L" '1M\n' 1048576
	refused "$L" '18446744073709551616\n'
	refused "$L" '99999999999999999999999\n'
	refused "$L" '0x10000000000000000\n'
	refused "$L" '16E\n'
	refused "$L" '16384P\n'
	refused "$L" '17179869184G\n'
	refused "$L" '02000000000000000000000\n'
}

@test "a value ends at a NUL byte, as the kernel's C string" {
	sets "$L" '1M\n' 1048576
	sets "$L" '2M\0' 2097152
	sets "$L" '3M\0junk\n' 3145728
	sets "$L" '8192\0M' 8192
	sets "$L" '\0junk' 8192	# nothing before the NUL: empty, a no-op
	refused "$L" '2Q\0M'
}

@test "the other size files parse the same way" {
	local f
	# memsw must stay above the memory limit: take that out of the way
	sets "$L" '0\n' 0
	for f in memory.soft_limit_in_bytes memory.kmem.limit_in_bytes \
		memory.memsw.limit_in_bytes; do
		sets "$MNT/g/$f" '0x200000\n' 2097152
		sets "$MNT/g/$f" '3m' 3145728
		sets "$MNT/g/$f" '5000\n' 4096
		sets "$MNT/g/$f" '-1\n' "$UNLIMITED"
		sets "$MNT/g/$f" '8E\n' "$UNLIMITED"
		refused "$MNT/g/$f" '1.5M\n'
		refused "$MNT/g/$f" '-2\n'
		refused "$MNT/g/$f" '16E\n'
		refused "$MNT/g/$f" '1M2\n'
	done
}

@test "soft limit and kmem limit may exceed the memory limit" {
	sets "$L" '1M\n' 1048576
	sets "$MNT/g/memory.soft_limit_in_bytes" '4M\n' 4194304
	sets "$MNT/g/memory.kmem.limit_in_bytes" '8M\n' 8388608
	sets "$MNT/g/memory.kmem.limit_in_bytes" '512K\n' 524288
	sets "$MNT/g/memory.soft_limit_in_bytes" '0\n' 0
}

@test "memsw limit must stay at or above the memory limit" {
	local M=$MNT/g/memory.memsw.limit_in_bytes
	# memsw below the (unlimited) memory limit
	refused "$M" '1M\n'
	sets "$L" '2M\n' 2097152
	sets "$M" '4M\n' 4194304
	# the memory limit may not pass memsw
	refused "$L" '8M\n'
	refused "$L" '-1\n'
	value_is "$M" 4194304
	# memsw may not drop under the memory limit
	refused "$M" '1M\n'
	value_is "$L" 2097152
	# equal is fine both ways
	sets "$M" '2M\n' 2097152
	sets "$L" '1M\n' 1048576
	sets "$L" '2M\n' 2097152
	# rounding is applied before the comparison
	refused "$M" '2097151\n'
	sets "$M" '2101247\n' 2097152
	sets "$M" '-1\n' "$UNLIMITED"
	sets "$L" '-1\n' "$UNLIMITED"
}

@test "pids: non-numbers, negatives and blank writes give EINVAL" {
	local f v
	for f in tasks cgroup.procs; do
		for v in 'abc' '-1' '1.5' '12abc' '-' '1 2' '' ' '; do
			want EINVAL write "$MNT/g/$f" "$v\\n"
		done
	done
	run cat "$MNT/g/tasks"
	[ -z "$output" ]
}

@test "pids: a pid with no live process gives ESRCH" {
	sleep 0 &
	local dead=$!
	wait "$dead"
	# the pid is free unless the kernel reused it in the meantime
	[ ! -e "/proc/$dead" ]
	want ESRCH write "$MNT/g/tasks" "$dead\\n"
	want ESRCH write "$MNT/g/cgroup.procs" "$dead\\n"
	local pid_max
	pid_max=$(cat /proc/sys/kernel/pid_max)
	want ESRCH write "$MNT/g/tasks" "$pid_max"
	run cat "$MNT/g/tasks"
	[ -z "$output" ]
}

@test "pids: surrounding whitespace and a newline are accepted for a live pid" {
	spawn_sleeper
	want OK write "$MNT/g/tasks" " $SLEEPER\\n"
	value_is "$MNT/g/tasks" "$SLEEPER"
	mkdir "$MNT/h"
	want OK write "$MNT/h/cgroup.procs" "\\t$SLEEPER \\n"
	value_is "$MNT/h/cgroup.procs" "$SLEEPER"
	run cat "$MNT/g/tasks"
	[ -z "$output" ]
	want OK write "$MNT/g/tasks" "$SLEEPER"
	value_is "$MNT/g/tasks" "$SLEEPER"
}

@test "integer files accept 0x and leading-0 octal like kstrtoull" {
	local g=$MNT/g
	sets "$g/memory.swappiness" '0x10\n' 16
	sets "$g/memory.swappiness" '010\n' 8
	sets "$g/memory.swappiness" '0xc8\n' 200
	refused "$g/memory.swappiness" '0xc9\n'
	refused "$g/memory.swappiness" '09\n'
	sets "$g/memory.swappiness" '25\n' 25
	sets "$g/memory.move_charge_at_immigrate" '0x3\n' 3
	sets "$g/memory.move_charge_at_immigrate" '02\n' 2
	refused "$g/memory.move_charge_at_immigrate" '0x4\n'
	sets "$g/cgroup.clone_children" '0x0\n' 0
	sets "$g/cgroup.clone_children" '0x10\n' 1
	sets "$g/notify_on_release" '010\n' 1
	sets "$g/notify_on_release" '00\n' 0
	want OK write "$g/memory.oom_control" '0x1\n'
	run head -n 1 "$g/memory.oom_control"
	[ "$output" = "oom_kill_disable 1" ]
}

@test "integer files refuse sizes, fractions and trailing garbage" {
	local g=$MNT/g
	sets "$g/memory.swappiness" '30\n' 30
	refused "$g/memory.swappiness" '1k\n'
	refused "$g/memory.swappiness" '1.5\n'
	refused "$g/memory.swappiness" '3x\n'
	refused "$g/memory.swappiness" '0x\n'
	refused "$g/memory.swappiness" '18446744073709551646\n'
	refused "$g/memory.move_charge_at_immigrate" '1K\n'
	refused "$g/notify_on_release" '1.0\n'
}
