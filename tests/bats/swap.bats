#!/usr/bin/env bats
# track=pages against the kernel with host swap: pages the tool pages out
# (MADV_PAGEOUT) stay charged to memsw as swap, come back in as rss, and
# are uncharged when freed in swap (the method is in pagetool.bash).
#
# Host swap is global: while it is on, the kernel swaps instead of
# OOM-killing in every group on the machine.  Each test turns it on for
# itself alone and off in its teardown, and make check runs this file
# after every other test file.

load helpers
load pagetool

setup() {
	pages_setup
}

teardown() {
	local status=0
	pt_stop
	swap_off || status=1
	pages_teardown
	return $status
}

# swap_on: host swap for this test, on a new zram device (its writes are
# synchronous, so a page the tool pages out leaves the swap cache at once,
# as it must for the kernel to count it as swap), else on a swap file;
# skips where neither can be swapped on.
swap_on() {
	local z
	SWAP_DEV= ZRAM= SWAP_FILE=
	if z=$(cat /sys/class/zram-control/hot_add 2>/dev/null); then
		ZRAM=$z
		if echo 16M >"/sys/block/zram$z/disksize" &&
			mkswap "/dev/zram$z" >/dev/null 2>&1 &&
			swapon -p 32767 "/dev/zram$z" 2>/dev/null; then
			SWAP_DEV=/dev/zram$z
			return 0
		fi
	fi
	SWAP_FILE=/var/tmp/memcgfs-swap.$$.$BATS_TEST_NUMBER
	if fallocate -l 16M "$SWAP_FILE" 2>/dev/null && chmod 600 "$SWAP_FILE" &&
		mkswap "$SWAP_FILE" >/dev/null 2>&1 && swapon -p 32767 "$SWAP_FILE" 2>/dev/null; then
		SWAP_DEV=$SWAP_FILE
		return 0
	fi
	skip "swapon fails here (no zram device, no swap file)"
}

# swap_off: undo swap_on.  swapoff brings every page in the device back
# in, and fails (ENOMEM) while one belongs to a group at its limit: any
# process of the host may have been swapped there meanwhile, so it is
# tried for a minute, and a failure is reported.
swap_off() {
	local i status=0
	if [ -n "${SWAP_DEV:-}" ]; then
		for i in $(seq 1 60); do
			swapoff "$SWAP_DEV" 2>/dev/null && break
			sleep 1
		done
		if grep -q "^$SWAP_DEV " /proc/swaps; then
			echo "swapoff $SWAP_DEV failed for a minute: it is still on" >&2
			status=1
		fi
	fi
	[ -z "${ZRAM:-}" ] || echo "$ZRAM" >/sys/class/zram-control/hot_remove 2>/dev/null || true
	[ -z "${SWAP_FILE:-}" ] || rm -f "$SWAP_FILE"
	SWAP_DEV= ZRAM= SWAP_FILE=
	return $status
}

@test "swap: a page the host swaps out stays charged to memsw as swap" {
	need_kernel
	swap_on
	# More than 1024 pages: the sampler reads the mapping through
	# PAGEMAP_SCAN, which must find the pages in swap too.
	differ "anon 1100" "pageout" "swapin" "pageout" "free"
}

@test "swap: swapped anon shared with a forked child is charged once" {
	# As the fork test: the fork dirties a few pages of the tool's own.
	ANON_SLACK=16
	need_kernel
	swap_on
	differ "anon 40" "pageout" "fork" "unfork" "swapin" "pageout" "free"
}

@test "swap: a swapped page counts against the memsw limit" {
	local dir
	need_kernel
	swap_on
	for dir in "$KG" "$MNT/g"; do
		echo $((100 * PAGE)) >"$dir/memory.limit_in_bytes"
		echo $((100 * PAGE)) >"$dir/memory.memsw.limit_in_bytes"
	done
	# 60 pages in swap and 30 in memory fit in memsw; 20 more do not:
	# reclaim cannot swap to make room under memsw, the tool is killed.
	differ "anon 60" "pageout" "anon 30" "!anon 20"
	# memsw failed, not memory.  The kernel here (6.x) keeps no failcnt
	# for its memsw counter: memcgfs counts the refused charges there.
	value_is "$KG/memory.failcnt" 0
	value_is "$MNT/g/memory.failcnt" 0
	[ "$(cat "$MNT/g/memory.memsw.failcnt")" -gt 0 ]
}

# swap_mount: host swap on, and memcgfs mounted again with swap= room,
# so that reclaim in its group may swap.
swap_mount() {
	need_kernel
	swap_on
	unmount_memcgfs
	mount_memcgfs track=pages,pages_interval=20,swap=64M
	mkdir "$MNT/g"
}

# grow_past_limit DIR LIMIT MEMSW: the tool, in group DIR with a limit of
# LIMIT pages and a memsw limit of MEMSW, maps twice LIMIT pages of anon.
grow_past_limit() {
	echo $(($2 * PAGE)) >"$1/memory.limit_in_bytes"
	echo $(($3 * PAGE)) >"$1/memory.memsw.limit_in_bytes"
	pt_start "$1"
	pt_send "anon $((2 * $2))"
}

# figures DIR: "usage swap memsw limit oom_kill" of group DIR, in pages
# (usage and memsw as charged gives them).
figures() {
	local dir=$1 usage memsw
	read -r usage memsw < <(charged "$dir")
	echo "$usage $(pages "$dir" swap) $memsw" \
		"$(($(cat "$dir/memory.limit_in_bytes") / PAGE))" \
		"$(awk '$1 == "oom_kill" { print $2 }' "$dir/memory.oom_control")"
}

# swapped_within DIR: group DIR holds part of the tool's anon in swap,
# within its limit, memsw its memory and swap together, nothing killed.
swapped_within() {
	local usage swap memsw limit kills
	read -r usage swap memsw limit kills < <(figures "$1")
	[ "$swap" -gt 0 ] && [ "$usage" -le "$limit" ] &&
		[ "$memsw" -eq $((usage + swap)) ] && [ "$kills" -eq 0 ]
}

# survived_in DIR: the tool answered its anon, and stays alive with
# group DIR as swapped_within says.
survived_in() {
	local dir=$1
	read -r -t 60 REPLY <&8
	[ "${REPLY%% *}" = ok ]
	if [ "$dir" = "$KG" ]; then
		sleep 2.2	# the kernel's periodic stat flush
	fi
	eventually 10 swapped_within "$dir" || { figures "$dir" >&2; return 1; }
	echo "# $dir: usage swap memsw limit oom_kill: $(figures "$dir")" >&3
	! pt_gone
	swapped_within "$dir"
	pt_stop
}

# killed_in DIR: the tool was OOM-killed in group DIR.
killed_in() {
	eventually 20 pt_gone
	[ "$(awk '$1 == "oom_kill" { print $2 }' "$1/memory.oom_control")" -eq 1 ]
	pt_stop
}

@test "swap: a group over its limit swaps its real anon out, as the kernel" {
	swap_mount
	# 600 pages of anon under a limit of 300: half must go to swap.
	grow_past_limit "$KG" 300 1000
	survived_in "$KG"
	grow_past_limit "$MNT/g" 300 1000
	survived_in "$MNT/g"
}

@test "swap: a group over its limit with no memsw room OOM-kills, as the kernel" {
	swap_mount
	grow_past_limit "$KG" 300 300
	killed_in "$KG"
	grow_past_limit "$MNT/g" 300 300
	killed_in "$MNT/g"
}
