#!/usr/bin/env bats
# track=pages against the kernel, scenario by scenario: anon, file, shm,
# mlock, fork, read(2), limits and OOM, charge moving (the method is in
# pagetool.bash).  Host swap is swap.bats's.

load helpers
load pagetool

setup() {
	pages_setup
}

teardown() {
	pages_teardown
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

@test "limit: with swap= but no host swap, growing past the limit OOM-kills" {
	# Reclaim may swap (swap= room, memsw unlimited), but the host has no
	# swap to page real anon out to: OOM, as on the kernel.
	need_kernel
	[ -z "$(tail -n +2 /proc/swaps)" ] || skip "host swap is on"
	unmount_memcgfs
	mount_memcgfs track=pages,pages_interval=20,swap=64M
	mkdir "$MNT/g"
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
