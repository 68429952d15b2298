#!/usr/bin/env bats
# track=pages against the kernel: each scenario runs tests/tools/pagetool
# (a real program that maps anon, maps a file, attaches SysV shm, mlocks,
# forks, frees and grows past a limit) first in a child group of the
# kernel's /sys/fs/cgroup/memory, then in a memcgfs group, and after each
# step compares what the two groups show.  The tool is started in the
# root group and moved in once it waits for commands, so on both sides
# only what it faults in after the move is charged.
#
# Exact: rss, swap, total_swap, shmem, unevictable, oom_kill.  Within
# FILE_SLACK pages: cache, mapped_file, usage and memsw (the kernel's
# readahead and fault-around may cache a page no mapping shows; the
# kernel's usage_in_bytes also holds page tables, slab and a per-cpu charge
# stock of up to 64 pages, so the kernel's side of usage is its rss + cache,
# and of memsw that plus its memsw.usage_in_bytes - usage_in_bytes).
# Swap tests swap on a fresh zram device (or a swap file where there is
# none) and have the tool page its anon out with MADV_PAGEOUT, which is
# best effort: the pages each side saw go (pagemap) are compared too.  failcnt: both count, not
# the same (the kernel once per try of its charge loop, a first try of 64
# pages at a time included, memcgfs once per refused fault).
# The kernel refreshes memory.stat every 2 s: each kernel step waits that.

load helpers

KROOT=/sys/fs/cgroup/memory
FILE_SLACK=4
: "${PAGETOOL:=$PWD/tests/tools/pagetool}"

setup() {
	mount_memcgfs track=pages,pages_interval=20
	mkdir "$MNT/g"
	KG=
	if [ -w "$KROOT/cgroup.procs" ]; then
		KG="$KROOT/memcgfs-pages.$$.$BATS_TEST_NUMBER"
		mkdir "$KG" "$KG.drain"
	fi
	DATA="$BATS_TEST_TMPDIR/data"
	head -c $((100 * 4096)) /dev/urandom >"$DATA"
	PAGE=$(getconf PAGESIZE)
}

need_kernel() {
	[ -n "$KG" ] || skip "no kernel v1 memory controller at $KROOT"
}

teardown() {
	pt_stop
	swap_off
	[ -z "${KG:-}" ] || rmdir "$KG" "$KG.drain" 2>/dev/null || true
	unmount_memcgfs
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
		if echo 256M >"/sys/block/zram$z/disksize" &&
			mkswap "/dev/zram$z" >/dev/null 2>&1 &&
			swapon -p 32767 "/dev/zram$z" 2>/dev/null; then
			SWAP_DEV=/dev/zram$z
			return 0
		fi
	fi
	SWAP_FILE=/var/tmp/memcgfs-swap.$$.$BATS_TEST_NUMBER
	if fallocate -l 256M "$SWAP_FILE" 2>/dev/null && chmod 600 "$SWAP_FILE" &&
		mkswap "$SWAP_FILE" >/dev/null 2>&1 && swapon -p 32767 "$SWAP_FILE" 2>/dev/null; then
		SWAP_DEV=$SWAP_FILE
		return 0
	fi
	skip "swapon fails here (no zram device, no swap file)"
}

# swap_off: undo swap_on (swapoff can fail while the host is short of
# memory for a moment: it is tried again).
swap_off() {
	local i
	if [ -n "${SWAP_DEV:-}" ]; then
		for i in 1 2 3 4 5 6 7 8 9 10; do
			swapoff "$SWAP_DEV" 2>/dev/null && break
			sleep 1
		done
	fi
	[ -z "${ZRAM:-}" ] || echo "$ZRAM" >/sys/class/zram-control/hot_remove 2>/dev/null || true
	[ -z "${SWAP_FILE:-}" ] || rm -f "$SWAP_FILE"
	SWAP_DEV= ZRAM= SWAP_FILE=
}

# pt_start DIR: start pagetool in the root group, wait until it answers,
# then move it into group DIR.  PT is its pid.
pt_start() {
	local dir=$1
	PT_DIR=$(mktemp -d "$BATS_TEST_TMPDIR/pt.XXXXXX")
	mkfifo "$PT_DIR/in" "$PT_DIR/out"
	# No address randomisation: the same layout on both sides, so the
	# stack and data pages the tool happens to touch are the same.
	setarch "$(uname -m)" -R "$PAGETOOL" <"$PT_DIR/in" >"$PT_DIR/out" &
	PT=$!
	exec 7>"$PT_DIR/in" 8<"$PT_DIR/out"
	pt "evict $DATA"
	echo "$PT" >"$dir/cgroup.procs"
}

# pt CMD: send one command; it must answer ok (the answer is in REPLY).
pt() {
	echo "$1" >&7
	read -r -t 20 REPLY <&8 || { echo "pagetool: no answer to '$1'" >&2; return 1; }
	[ "${REPLY%% *}" = ok ] || { echo "pagetool: '$1' -> '$REPLY'" >&2; return 1; }
}

# pt_send CMD: send a command that may never be answered (a kill).
pt_send() {
	echo "$1" >&7
}

pt_gone() {
	! kill -0 "$PT" 2>/dev/null || [ "$(awk '$1 == "State:" { print $2 }' /proc/$PT/status)" = Z ]
}

waiting() {
	case $(awk '$1 == "State:" { print $2 }' "/proc/$PT/status") in
	D | T) return 0 ;;
	*) return 1 ;;
	esac
}

pt_stop() {
	[ -n "${PT:-}" ] || return 0
	exec 7>&- 8<&-
	kill -9 "$PT" 2>/dev/null || true
	wait "$PT" 2>/dev/null || true
	rm -rf "$PT_DIR"
	PT=
}

# pages DIR NAME: memory.stat's NAME of group DIR, in pages.
pages() {
	echo $(($(stat_value "$1/memory.stat" "$2") / PAGE))
}

# pages_are DIR NAME N: memory.stat's NAME of group DIR is N pages.
pages_are() {
	[ "$(pages "$1" "$2")" -eq "$3" ]
}

pages_at_least() {
	[ "$(pages "$1" "$2")" -ge "$3" ]
}

# snapshot DIR: the compared values of group DIR, one "name value" line
# each: pages, then counts.  usage is the charged pages of memory.stat
# (rss + cache) on the kernel's side, usage_in_bytes on memcgfs's.
snapshot() {
	local dir=$1 f usage memsw
	for f in rss cache mapped_file shmem unevictable swap total_swap; do
		echo "$f $(pages "$dir" "$f")"
	done
	if [ "$dir" = "$KG" ]; then
		usage=$(($(pages "$dir" rss) + $(pages "$dir" cache)))
		memsw=$((usage + ($(cat "$dir/memory.memsw.usage_in_bytes") -
			$(cat "$dir/memory.usage_in_bytes")) / PAGE))
	else
		usage=$(($(cat "$dir/memory.usage_in_bytes") / PAGE))
		memsw=$(($(cat "$dir/memory.memsw.usage_in_bytes") / PAGE))
	fi
	echo "usage $usage"
	echo "memsw $memsw"
	echo "oom_kill $(awk '$1 == "oom_kill" { print $2 }' "$dir/memory.oom_control")"
}

# Both groups counted refused charges in failcnt.
both_failed() {
	[ "$(cat "$KG/memory.failcnt")" -gt 0 ]
	[ "$(cat "$MNT/g/memory.failcnt")" -gt 0 ]
}

# matches EXPECTED DIR: DIR's snapshot is EXPECTED (a snapshot), exactly
# or within FILE_SLACK for the file-backed values.
matches() {
	local expected=$1 dir=$2 name want got slack
	while read -r name got; do
		want=$(awk -v n="$name" '$1 == n { print $2 }' <<<"$expected")
		case $name in
		cache | mapped_file) slack=$FILE_SLACK ;;
		usage) slack=$((FILE_SLACK + ${ANON_SLACK:-0} + ${SWAP_SLACK:-0})) ;;
		memsw) slack=$((FILE_SLACK + ${ANON_SLACK:-0})) ;;
		rss) slack=$((${ANON_SLACK:-0} + ${SWAP_SLACK:-0})) ;;
		swap | total_swap) slack=${SWAP_SLACK:-0} ;;
		*) slack=0 ;;
		esac
		if [ $((got - want)) -gt "$slack" ] || [ $((want - got)) -gt "$slack" ]; then
			echo "$name: memcgfs $got, kernel $want (slack $slack)" >&2
			return 1
		fi
	done < <(snapshot "$dir")
}

# run_steps DIR STEP...: start pagetool in DIR and run each step; a step
# is a pagetool command, or "!CMD" for one that may go unanswered (the
# tool is then waited for to be gone).  After each, SNAP[i] is the
# snapshot (kernel) or is compared with KSNAP[i] (memcgfs).  A pageout's
# answer, the pages that went, is KOUT[i] (kernel); where memcgfs's tool
# saw another number go, SWAP_SLACK allows for the difference.
run_steps() {
	local dir=$1 i=0 step out diff
	shift
	pt_start "$dir"
	for step in "$@"; do
		if [ "${step:0:1}" = "!" ]; then
			pt_send "${step:1}"
			eventually 20 pt_gone
		else
			pt "$step"
		fi
		if [ "$step" = pageout ]; then
			out=${REPLY#ok }
			if [ "$dir" = "$KG" ]; then
				KOUT[i]=$out
			else
				diff=$((out - KOUT[i]))
				SWAP_SLACK=$((${SWAP_SLACK:-0} + ${diff#-}))
			fi
		fi
		if [ "$dir" = "$KG" ]; then
			# Pages the kernel freed or munlocked can wait in per-CPU
			# batches, still counted, until that CPU drains them:
			# force_empty of an empty group drains every CPU's
			# (lru_add_drain_all) and, unlike compaction, moves no
			# page of anyone (a member's pages moved to other frames
			# are seen at its next scan only, memcgfs(8)).
			echo 0 >"$KG.drain/memory.force_empty"
			sleep 2.2	# the kernel's periodic stat flush
			KSNAP[i]=$(snapshot "$dir")
			[ "$step" != pageout ] || kernel_swapped "${KOUT[i]}"
		elif ! eventually 10 matches "${KSNAP[i]}" "$dir"; then
			echo "after step $i '$step'" >&2
			return 1
		fi
		i=$((i + 1))
	done
	pt_stop
}

# kernel_swapped N: the kernel's group counts as swap the N pages the
# tool saw go; skips where the pages are still in the swap cache (an
# asynchronous swap device: the kernel charges them as memory until its
# reclaim frees them, memcgfs as swap at once).
kernel_swapped() {
	if [ "$(pages "$KG" swapcached)" -gt 0 ]; then
		skip "the host's swap device keeps paged-out pages in the swap cache"
	fi
	[ "$1" -gt 0 ]
	pages_are "$KG" swap "$1"
}

# differ STEP...: the steps on the kernel, then on memcgfs, compared.
differ() {
	need_kernel
	KSNAP=() KOUT=() SWAP_SLACK=0
	run_steps "$KG" "$@"
	KMAX=$(($(cat "$KG/memory.max_usage_in_bytes") / PAGE))
	run_steps "$MNT/g" "$@"
	max_usage_agrees
}

# memcgfs's max_usage is at least the most the kernel's charged pages
# were seen to be, and at most the kernel's max_usage (which holds more).
max_usage_agrees() {
	local seen=0 s u
	for s in "${KSNAP[@]}"; do
		u=$(awk '$1 == "usage" { print $2 }' <<<"$s")
		[ "$u" -le "$seen" ] || seen=$u
	done
	u=$(($(cat "$MNT/g/memory.max_usage_in_bytes") / PAGE))
	if [ "$u" -lt $((seen - FILE_SLACK)) ] || [ "$u" -gt $((KMAX + FILE_SLACK)) ]; then
		echo "max_usage: memcgfs $u pages, kernel saw $seen..$KMAX" >&2
		return 1
	fi
}

@test "anon: mapped pages are rss, unmapped ones uncharged at once" {
	differ "anon 65" "anon 7" "free" "free"
}

@test "file: a mapped file is cache and mapped_file, cache after unmap" {
	differ "file $DATA 100" "free"
}

@test "shm: SysV shm is cache, shmem and mapped_file until removed" {
	differ "shm 30" "anon 5" "free"
}

@test "mlock: mlocked anon is rss and unevictable" {
	differ "mlock 20" "anon 3" "free" "free"
}

@test "fork: a child's pages are its own, shared ones charged once" {
	# Forking and the child's start dirty a few pages of the tool's own
	# stack and data on each side (copy-on-write of what it had before
	# it joined, whichever process writes first): ANON_SLACK allows for
	# them; the child's own anon and its copy of the parent's anon are
	# counted on top of that.
	ANON_SLACK=16
	differ "anon 10" "fork" "child anon 10" "child write" "unfork"
}

@test "read: read(2) page cache is charged by the kernel only" {
	need_kernel
	# pagemap shows mapped pages only: a page brought in by read(2) and
	# never mapped is not seen (memcgfs(8), "What cannot be seen").
	pt_start "$MNT/g"
	pt "read $DATA"
	pt "anon 3"
	# once the 3 anon pages after the read are seen, so was the read
	eventually 10 pages_at_least "$MNT/g" rss 3
	[ "$(pages "$MNT/g" cache)" -eq 0 ]
	pt_stop
	pt_start "$KG"
	pt "read $DATA"
	sleep 2.2
	[ "$(pages "$KG" cache)" -ge $((100 - FILE_SLACK)) ]
}

@test "limit: growing past the limit OOM-kills the member" {
	need_kernel
	echo $((64 * PAGE)) >"$KG/memory.limit_in_bytes"
	echo $((64 * PAGE)) >"$MNT/g/memory.limit_in_bytes"
	differ "anon 40" "!anon 40"
	both_failed
}

@test "baseline: a limit below what the member had binds at its next fault" {
	# The tool had far more than one page before it joined: nothing of it
	# is charged, and its second page after the move is one too many.
	need_kernel
	echo "$PAGE" >"$KG/memory.limit_in_bytes"
	echo "$PAGE" >"$MNT/g/memory.limit_in_bytes"
	differ "anon 1" "!anon 1"
	both_failed
}

@test "oom_kill_disable: the member waits under OOM until the limit is raised" {
	local dir
	need_kernel
	for dir in "$KG" "$MNT/g"; do
		echo $((64 * PAGE)) >"$dir/memory.limit_in_bytes"
		echo 1 >"$dir/memory.oom_control"
		pt_start "$dir"
		pt "anon 40"
		pt_send "anon 40"
		eventually 20 grep -qx 'under_oom 1' "$dir/memory.oom_control"
		# The kernel holds it in the fault (D); memcgfs stops it (T).
		eventually 10 waiting
		echo $((256 * PAGE)) >"$dir/memory.limit_in_bytes"
		read -r -t 20 REPLY <&8
		[ "$REPLY" = ok ]
		pt "anon 1"	# it runs on
		[ "$dir" != "$KG" ] || sleep 2.2
		eventually 10 pages_are "$dir" rss 81
		grep -qx 'under_oom 0' "$dir/memory.oom_control"
		pt_stop
	done
}

# Kernels since 6.x no longer move charges (their move_charge_at_immigrate
# refuses every non-zero value), so these follow the v1 documentation of
# kernel 4.x on memcgfs alone.

# moved_in BITS: the tool, in group g with 20 anon pages and DATA mapped,
# is moved into a new group b whose move_charge_at_immigrate is BITS.
moved_in() {
	mkdir "$MNT/b"
	echo "$1" >"$MNT/b/memory.move_charge_at_immigrate"
	pt_start "$MNT/g"
	pt "anon 20"
	pt "file $DATA 100"
	eventually 10 pages_are "$MNT/g" mapped_file 100
	eventually 10 pages_at_least "$MNT/g" rss 20
	G_RSS=$(pages "$MNT/g" rss)
}

@test "move_charge 1: anon mapped only by the task moves with it" {
	moved_in 1
	echo "$PT" >"$MNT/b/cgroup.procs"
	pages_are "$MNT/b" rss "$G_RSS"
	pages_are "$MNT/g" rss 0
	pages_are "$MNT/g" cache 100	# file pages stay
	pages_are "$MNT/b" cache 0
	pt "anon 5"	# new faults charge b
	eventually 10 pages_at_least "$MNT/b" rss $((G_RSS + 5))
	pages_are "$MNT/g" rss 0
}

@test "move_charge 2: file pages in its mappings move, anon stays" {
	moved_in 2
	echo "$PT" >"$MNT/b/cgroup.procs"
	pages_are "$MNT/b" cache 100
	pages_are "$MNT/b" mapped_file 100
	pages_are "$MNT/g" cache 0
	pages_are "$MNT/g" rss "$G_RSS"
	value_is "$MNT/g/memory.usage_in_bytes" $((G_RSS * PAGE))
}

@test "move_charge 3: all or nothing against the target's limit" {
	moved_in 3
	echo $((50 * PAGE)) >"$MNT/b/memory.limit_in_bytes"
	want ENOMEM write "$MNT/b/cgroup.procs" "$PT"
	content_is "$MNT/b/cgroup.procs" ""
	pages_are "$MNT/g" rss "$G_RSS"
	pages_are "$MNT/g" cache 100
	value_is "$MNT/b/memory.usage_in_bytes" 0
	echo $((200 * PAGE)) >"$MNT/b/memory.limit_in_bytes"
	echo "$PT" >"$MNT/b/cgroup.procs"
	pages_are "$MNT/b" rss "$G_RSS"
	pages_are "$MNT/b" cache 100
	value_is "$MNT/g/memory.usage_in_bytes" 0
}

@test "move_charge 1: a page the task shares with a forked member stays" {
	moved_in 1
	pt "fork"
	CHILD=${REPLY#ok }
	eventually 10 grep -qx "$CHILD" "$MNT/g/cgroup.procs"
	# The move reads the host's map count of each page (the kernel's
	# page_mapcount() > 1): whether or not the child was scanned yet.
	echo "$PT" >"$MNT/b/cgroup.procs"
	# the 20 anon pages are the child's too: they stay in g
	pages_at_least "$MNT/g" rss 20
	[ "$(pages "$MNT/b" rss)" -lt "$G_RSS" ]
}

@test "swap: a page the host swaps out stays charged to memsw as swap" {
	need_kernel
	swap_on
	differ "anon 60" "pageout" "swapin" "pageout" "free"
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

# rss_seen DIR: group DIR/g's rss is its new pages, as DIR's total says.
rss_seen() {
	local rss
	rss=$(pages "$1/g" rss)
	[ "$rss" -ge 2000 ] && [ "$rss" -eq "$(pages "$1" total_rss)" ]
}

@test "first read: a group's memory.stat looked up while a scan charges it" {
	# The reply to a lookup used to give the file's attributes an hour;
	# when the invalidation of a change racing it reached the kernel
	# before the kernel had made the inode, it was lost, and the group
	# read as it was mid-scan for that hour (one try in forty or so on
	# an idle machine).
	local i
	pt_start "$MNT/g"
	for i in $(seq 100); do
		mkdir -p "$MNT/p$i/g"
		echo "$PT" >"$MNT/p$i/g/cgroup.procs"
		pt "anon 2000"
		sleep "0.0$((RANDOM % 2))$((RANDOM % 10))"
		pages "$MNT/p$i/g" rss >/dev/null	# its first lookup
		eventually 10 rss_seen "$MNT/p$i"
		pt "free"
	done
}

@test "reclaim: unmapped real cache is reclaimed before an OOM kill" {
	echo $((128 * PAGE)) >"$MNT/g/memory.limit_in_bytes"
	pt_start "$MNT/g"
	pt "file $DATA 100"
	pt "free"
	eventually 10 pages_are "$MNT/g" mapped_file 0
	pt "anon 80"
	eventually 10 pages_at_least "$MNT/g" rss 80
	kill -0 "$PT"
	grep -qx 'oom_kill 0' "$MNT/g/memory.oom_control"
	[ $(($(pages "$MNT/g" cache) + $(pages "$MNT/g" rss))) -le 128 ]
	[ "$(pages "$MNT/g" cache)" -lt 100 ]
}
