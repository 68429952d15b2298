#!/usr/bin/env bats
# The workload file and the accounting engine behind it (memcgfs(8) THE WORKLOAD FILE): every
# command's effect on usage counters and memory.stat, multi-line writes,
# errors, and what a task's exit or a group's removal leaves charged.
# Page size is the default 4096 unless a test says otherwise.

load helpers

# wl_err ERRNO TEXT: one write of TEXT to the workload file fails with ERRNO.
wl_err() {
	want "$1" write "$MNT/memcgfs.workload" "$2"
}

# kill_and_reap PID: SIGKILL PID and wait for it (it is a child of ours).
kill_and_reap() {
	kill -9 "$1"
	wait "$1" 2>/dev/null || true
}

# ---- anon / free ------------------------------------------------------------

@test "anon charges rss, active_anon, usage and memsw usage, and counts pgfault and pgpgin in pages" {
	mkdir "$MNT/g"
	sleeper_in "$MNT/g"
	wl "anon $SLEEPER 1M"
	usage_is "$MNT/g" 1048576
	stat_is "$MNT/g" rss 1048576 active_anon 1048576 inactive_anon 0 \
		cache 0 swap 0 pgfault 256 pgpgin 256 pgpgout 0 pgmajfault 0
	usage_is "$MNT" 1048576
	stat_is "$MNT" rss 0 total_rss 1048576 total_pgfault 256
}

@test "a pid in no group charges the root group" {
	spawn_sleeper
	wl "anon $SLEEPER 64K"
	usage_is "$MNT" 65536
	stat_is "$MNT" rss 65536 active_anon 65536 pgpgin 16 pgfault 16
}

@test "SIZE rounds up to whole pages" {
	mkdir "$MNT/g"
	sleeper_in "$MNT/g"
	wl "anon $SLEEPER 1"
	usage_is "$MNT/g" 4096
	wl "anon $SLEEPER 4097"
	usage_is "$MNT/g" 12288
	wl "anon $SLEEPER 4096"
	usage_is "$MNT/g" 16384
	stat_is "$MNT/g" rss 16384 pgpgin 4 pgfault 4
}

@test "SIZE rounds up to the page size given with -o page_size" {
	remount page_size=65536
	mkdir "$MNT/g"
	sleeper_in "$MNT/g"
	wl "anon $SLEEPER 1"
	usage_is "$MNT/g" 65536
	stat_is "$MNT/g" rss 65536 pgpgin 1 pgfault 1
}

@test "free uncharges the freed pages and counts pgpgout" {
	mkdir "$MNT/g"
	sleeper_in "$MNT/g"
	wl "anon $SLEEPER 64K" "free $SLEEPER 16K"
	usage_is "$MNT/g" 49152
	stat_is "$MNT/g" rss 49152 active_anon 49152 pgpgin 16 pgpgout 4
	usage_is "$MNT" 49152
}

@test "free of more than the task owns frees all of it" {
	mkdir "$MNT/g"
	sleeper_in "$MNT/g"
	wl "anon $SLEEPER 8K" "free $SLEEPER 1M"
	usage_is "$MNT/g" 0
	stat_is "$MNT/g" rss 0 active_anon 0 pgpgin 2 pgpgout 2
	# and nothing is left to free
	wl "free $SLEEPER 4K"
	stat_is "$MNT/g" pgpgout 2
}

@test "free frees only the named task's pages, not another task's in the same group" {
	mkdir "$MNT/g"
	sleeper_in "$MNT/g"
	local a=$SLEEPER
	sleeper_in "$MNT/g"
	wl "anon $a 16K" "anon $SLEEPER 8K" "free $SLEEPER 1M"
	usage_is "$MNT/g" 16384
	stat_is "$MNT/g" rss 16384
}

@test "free takes the newest pages first" {
	remount swap=1M
	mkdir "$MNT/g"
	sleeper_in "$MNT/g"
	# 8 old pages, all pushed to swap by a zero limit, then 4 new ones
	wl "anon $SLEEPER 32K"
	want OK write "$MNT/g/memory.limit_in_bytes" 0
	stat_is "$MNT/g" swap 32768 rss 0
	want OK write "$MNT/g/memory.limit_in_bytes" -1
	wl "anon $SLEEPER 16K"
	stat_is "$MNT/g" swap 32768 rss 16384
	wl "free $SLEEPER 16K"
	# the 4 newest (resident) went, the old swapped ones stay
	stat_is "$MNT/g" rss 0 swap 32768
	usage_is "$MNT/g" 0 32768
}

@test "free also frees swapped pages: the swap stat and memsw usage drop" {
	remount swap=1M
	mkdir "$MNT/g"
	sleeper_in "$MNT/g"
	wl "anon $SLEEPER 32K"
	want OK write "$MNT/g/memory.limit_in_bytes" 0
	want OK write "$MNT/g/memory.limit_in_bytes" -1
	usage_is "$MNT/g" 0 32768
	stat_is "$MNT/g" swap 32768 rss 0
	wl "free $SLEEPER 16K"
	usage_is "$MNT/g" 0 16384
	stat_is "$MNT/g" swap 16384
	wl "free $SLEEPER 1M"
	usage_is "$MNT/g" 0 0
	stat_is "$MNT/g" swap 0 total_swap 0
	usage_is "$MNT" 0 0
}

# ---- read / map / evict / drop_caches ---------------------------------------

@test "read charges uncached pages to the reader's group as inactive page cache" {
	mkdir "$MNT/g"
	sleeper_in "$MNT/g"
	wl "read $SLEEPER /data/file1 64K"
	usage_is "$MNT/g" 65536
	stat_is "$MNT/g" cache 65536 inactive_file 65536 active_file 0 \
		rss 0 mapped_file 0 pgpgin 16 pgfault 0 pgmajfault 0
	usage_is "$MNT" 65536
}

@test "a second read of the same pages charges nothing and makes them active" {
	mkdir "$MNT/g"
	sleeper_in "$MNT/g"
	wl "read $SLEEPER f 64K" "read $SLEEPER f 64K"
	usage_is "$MNT/g" 65536
	stat_is "$MNT/g" cache 65536 inactive_file 0 active_file 65536 pgpgin 16
}

@test "a longer read charges only the pages not yet cached" {
	mkdir "$MNT/g"
	sleeper_in "$MNT/g"
	wl "read $SLEEPER f 32K" "read $SLEEPER f 48K"
	usage_is "$MNT/g" 49152
	stat_is "$MNT/g" cache 49152 active_file 32768 inactive_file 16384 \
		pgpgin 12
}

@test "shared page cache is charged once: a file read by A, then by B, stays charged to A only" {
	mkdir "$MNT/a" "$MNT/b"
	sleeper_in "$MNT/a"
	local sa=$SLEEPER
	sleeper_in "$MNT/b"
	wl "read $sa f 64K" "read $SLEEPER f 64K"
	usage_is "$MNT/a" 65536
	usage_is "$MNT/b" 0
	stat_is "$MNT/a" cache 65536 active_file 65536 inactive_file 0
	stat_is "$MNT/b" cache 0 active_file 0 inactive_file 0 pgpgin 0
	usage_is "$MNT" 65536
	stat_is "$MNT" total_cache 65536
}

@test "different files are cached separately" {
	mkdir "$MNT/g"
	sleeper_in "$MNT/g"
	wl "read $SLEEPER f1 16K" "read $SLEEPER f2 16K"
	usage_is "$MNT/g" 32768
	stat_is "$MNT/g" cache 32768 inactive_file 32768
}

@test "map charges mapped_file; pgfault counts the mapped pages, pgmajfault the uncached ones" {
	mkdir "$MNT/g"
	sleeper_in "$MNT/g"
	wl "read $SLEEPER f 16K"
	wl "map $SLEEPER f 32K"
	usage_is "$MNT/g" 32768
	stat_is "$MNT/g" cache 32768 mapped_file 32768 pgfault 8 \
		pgmajfault 4 pgpgin 8
}

@test "map of pages cached by another group counts faults in the mapper's group but no charge" {
	mkdir "$MNT/a" "$MNT/b"
	sleeper_in "$MNT/a"
	local sa=$SLEEPER
	sleeper_in "$MNT/b"
	wl "read $sa f 32K" "map $SLEEPER f 32K"
	usage_is "$MNT/b" 0
	stat_is "$MNT/b" pgfault 8 pgmajfault 0 cache 0
	usage_is "$MNT/a" 32768
	stat_is "$MNT/a" mapped_file 32768 pgfault 0
}

@test "evict FILE drops all its cached pages, mapped ones too, and uncharges them" {
	mkdir "$MNT/g"
	sleeper_in "$MNT/g"
	wl "map $SLEEPER f 16K" "read $SLEEPER f 32K" "read $SLEEPER other 8K"
	usage_is "$MNT/g" 40960
	stat_is "$MNT/g" mapped_file 16384
	wl "evict f"
	usage_is "$MNT/g" 8192
	stat_is "$MNT/g" cache 8192 mapped_file 0 pgpgout 8 \
		active_file 0 inactive_file 8192
}

@test "evict of a file never read succeeds and changes nothing" {
	mkdir "$MNT/g"
	sleeper_in "$MNT/g"
	wl "read $SLEEPER f 8K" "evict never-read"
	usage_is "$MNT/g" 8192
}

@test "a file read after evict is charged again" {
	mkdir "$MNT/g"
	sleeper_in "$MNT/g"
	wl "read $SLEEPER f 16K" "evict f" "read $SLEEPER f 16K"
	usage_is "$MNT/g" 16384
	stat_is "$MNT/g" inactive_file 16384 active_file 0 pgpgin 8 pgpgout 4
}

@test "drop_caches drops unmapped page cache only" {
	mkdir "$MNT/g"
	sleeper_in "$MNT/g"
	wl "map $SLEEPER m 16K" "read $SLEEPER r 32K" "anon $SLEEPER 8K"
	usage_is "$MNT/g" 57344
	wl drop_caches
	usage_is "$MNT/g" 24576
	stat_is "$MNT/g" cache 16384 mapped_file 16384 rss 8192 pgpgout 8
}

# ---- multi-line writes ------------------------------------------------------

@test "a write of several lines applies them in order" {
	mkdir "$MNT/g"
	sleeper_in "$MNT/g"
	# free before anon would leave 4K charged
	wl "anon $SLEEPER 4K\\nfree $SLEEPER 4K\\nread $SLEEPER f 8K\\n"
	usage_is "$MNT/g" 8192
	stat_is "$MNT/g" rss 0 cache 8192 pgpgin 3 pgpgout 1
}

@test "a bad line stops a multi-line write with EINVAL; earlier lines stay applied" {
	mkdir "$MNT/g"
	sleeper_in "$MNT/g"
	wl_err EINVAL "anon $SLEEPER 4K\\nbogus 1 2\\nanon $SLEEPER 8K\\n"
	usage_is "$MNT/g" 4096
	stat_is "$MNT/g" rss 4096 pgpgin 1
}

@test "a dead pid stops a multi-line write with ESRCH; earlier lines stay applied" {
	mkdir "$MNT/g"
	sleeper_in "$MNT/g"
	local live=$SLEEPER
	spawn_sleeper
	local dead=$SLEEPER
	kill_and_reap "$dead"
	wl_err ESRCH "anon $live 4K\\nanon $dead 4K\\nanon $live 8K\\n"
	usage_is "$MNT/g" 4096
	usage_is "$MNT" 4096
}

@test "a refused charge stops a multi-line write with ENOMEM; earlier lines stay applied" {
	mkdir "$MNT/g"
	sleeper_in "$MNT/g"
	echo 8K >"$MNT/g/memory.limit_in_bytes"
	echo 1 >"$MNT/g/memory.oom_control"
	wl_err ENOMEM "anon $SLEEPER 4K\\nanon $SLEEPER 8K\\nanon $SLEEPER 4K\\n"
	usage_is "$MNT/g" 4096
	# The refused line faulted in the one page that fitted, as faults
	# would, and gave it back when the next found no room.
	stat_is "$MNT/g" rss 4096 pgpgin 2 pgpgout 1
}

@test "blank lines in a write are skipped" {
	mkdir "$MNT/g"
	sleeper_in "$MNT/g"
	wl "\\nanon $SLEEPER 4K\\n\\n\\nanon $SLEEPER 4K\\n\\n"
	usage_is "$MNT/g" 8192
}

# ---- errors -----------------------------------------------------------------

@test "an unknown command gives EINVAL" {
	spawn_sleeper
	wl_err EINVAL "alloc $SLEEPER 4K\\n"
	wl_err EINVAL "ANON $SLEEPER 4K\\n"
	wl_err EINVAL 'no_such_command\n'
	usage_is "$MNT" 0
}

@test "a missing argument gives EINVAL" {
	spawn_sleeper
	wl_err EINVAL 'anon\n'
	wl_err EINVAL "anon $SLEEPER\\n"
	wl_err EINVAL "free $SLEEPER\\n"
	wl_err EINVAL "read $SLEEPER f\\n"
	wl_err EINVAL "map $SLEEPER f\\n"
	wl_err EINVAL 'evict\n'
	usage_is "$MNT" 0
}

@test "an extra argument gives EINVAL" {
	spawn_sleeper
	wl_err EINVAL "anon $SLEEPER 4K 4K\\n"
	wl_err EINVAL "free $SLEEPER 4K x\\n"
	wl_err EINVAL "read $SLEEPER f 4K x\\n"
	wl_err EINVAL "map $SLEEPER f 4K x\\n"
	wl_err EINVAL 'evict f g\n'
	wl_err EINVAL 'drop_caches now\n'
	usage_is "$MNT" 0
	stat_is "$MNT" mapped_file 0 cache 0
}

@test "a bad SIZE (1.5M, -1, abc) gives EINVAL" {
	spawn_sleeper
	local s
	for s in 1.5M -1 abc 1M2 -4096 18446744073709551616; do
		wl_err EINVAL "anon $SLEEPER $s\\n"
		wl_err EINVAL "read $SLEEPER f $s\\n"
		wl_err EINVAL "map $SLEEPER f $s\\n"
	done
	wl_err EINVAL "free $SLEEPER 1.5M\\n"
	usage_is "$MNT" 0
	stat_is "$MNT" pgfault 0 pgpgin 0
}

@test "a bad PID (not a number, negative) gives EINVAL" {
	local p
	for p in abc -1 -5 1.5 12x; do
		wl_err EINVAL "anon $p 4K\\n"
		wl_err EINVAL "read $p f 4K\\n"
	done
	usage_is "$MNT" 0
}

@test "a pid with no live process gives ESRCH" {
	spawn_sleeper
	local dead=$SLEEPER
	kill_and_reap "$dead"
	wl_err ESRCH "anon $dead 4K\\n"
	wl_err ESRCH "free $dead 4K\\n"
	wl_err ESRCH "read $dead f 4K\\n"
	wl_err ESRCH "map $dead f 4K\\n"
	usage_is "$MNT" 0
	stat_is "$MNT" cache 0
}

@test "PID 0 means the writing process" {
	mkdir "$MNT/g"
	# A subshell joins g, writes the line itself, then becomes a sleep with
	# the same pid.
	( echo "$BASHPID" >"$MNT/g/tasks" &&
		echo "anon 0 64K" >"$MNT/memcgfs.workload" &&
		exec sleep 1000 ) </dev/null >/dev/null 2>&1 &
	local w=$!
	SLEEPERS="${SLEEPERS:-} $w"
	local i
	for i in $(seq 1 100); do
		[ "$(cat "/proc/$w/comm" 2>/dev/null)" = sleep ] && break
		sleep 0.05
	done
	[ "$(cat "/proc/$w/comm")" = sleep ]
	value_is "$MNT/g/tasks" "$w"
	usage_is "$MNT/g" 65536
	stat_is "$MNT/g" rss 65536
	# the charge is that process's: it goes when the process does
	kill_and_reap "$w"
	usage_is "$MNT/g" 0
}

@test "kernel-memory commands charge and free slab pages" {
	spawn_sleeper
	wl "kmalloc $SLEEPER dentry 22 t1"
	value_is "$MNT/memory.kmem.usage_in_bytes" 8192	# 21 dentries a page
	usage_is "$MNT" 8192
	wl "kfree t1"
	value_is "$MNT/memory.kmem.usage_in_bytes" 8192	# empty pages stay
	wl "shrink dentry" "reap"
	value_is "$MNT/memory.kmem.usage_in_bytes" 0
	usage_is "$MNT" 0
	wl_err EINVAL 'kfree t1\n'
	wl_err EINVAL "kmalloc $SLEEPER nosuchcache 1 t2\\n"
}

@test "a non-root writer is refused with EPERM or EACCES" {
	spawn_sleeper
	run bash -c 'cd "$1" && setpriv --reuid=65534 --regid=65534 --clear-groups \
		"$2" write memcgfs.workload "anon $3 4096"' _ "$MNT" "$FSPROBE" "$SLEEPER"
	[ "$output" = EACCES ] || [ "$output" = EPERM ]
	chmod 0666 "$MNT/memcgfs.workload"
	run bash -c 'cd "$1" && setpriv --reuid=65534 --regid=65534 --clear-groups \
		"$2" write memcgfs.workload "anon $3 4096"' _ "$MNT" "$FSPROBE" "$SLEEPER"
	[ "$output" = EACCES ] || [ "$output" = EPERM ]
	usage_is "$MNT" 0
}

# ---- task exit and group removal --------------------------------------------

@test "a task's exit uncharges its anon and swapped pages; its page cache stays" {
	remount swap=1M
	mkdir "$MNT/g"
	sleeper_in "$MNT/g"
	wl "anon $SLEEPER 64K"
	# half of it to swap
	want OK write "$MNT/g/memory.limit_in_bytes" 32K
	want OK write "$MNT/g/memory.limit_in_bytes" -1
	wl "read $SLEEPER f 16K"
	stat_is "$MNT/g" rss 32768 swap 32768 cache 16384
	usage_is "$MNT/g" 49152 81920
	kill_and_reap "$SLEEPER"
	# The exit reaches cached values with the daemon's notifier pass
	# (src/fs/READPATH), a wake-up after the pid watcher saw it.
	eventually 5 usage_is "$MNT/g" 16384 16384
	stat_is "$MNT/g" rss 0 swap 0 cache 16384 inactive_file 16384
	usage_is "$MNT" 16384 16384
}

@test "a task's exit unmaps its pages: mapped_file drops, the cache stays charged" {
	mkdir "$MNT/g"
	sleeper_in "$MNT/g"
	wl "map $SLEEPER f 32K"
	stat_is "$MNT/g" mapped_file 32768
	kill_and_reap "$SLEEPER"
	eventually 5 stat_is "$MNT/g" mapped_file 0 cache 32768
	usage_is "$MNT/g" 32768
	# no longer mapped: drop_caches takes it now
	wl drop_caches
	usage_is "$MNT/g" 0
}

# charged_child_removed HOW: group p/c holds 32K of page cache read by a task
# that then left (HOW=move) or exited (HOW=exit); c is then removed.
charged_child_removed() {
	mkdir -p "$MNT/p/c"
	sleeper_in "$MNT/p/c"
	wl "read $SLEEPER f 32K"
	stat_is "$MNT/p" cache 0 total_cache 32768
	if [ "$1" = move ]; then
		echo "$SLEEPER" >"$MNT/tasks"
	else
		kill_and_reap "$SLEEPER"
	fi
	usage_is "$MNT/p/c" 32768
	want OK rmdir "$MNT/p/c"
	[ ! -e "$MNT/p/c" ]
}

@test "rmdir of a group whose task moved out leaves its page cache charged to the parent" {
	charged_child_removed move
	usage_is "$MNT/p" 32768
	stat_is "$MNT/p" cache 32768 total_cache 32768 inactive_file 32768
	usage_is "$MNT" 32768
	# the charge is the parent's now: evicting the file uncharges it
	wl "evict f"
	usage_is "$MNT/p" 0
}

@test "rmdir of a group whose task exited leaves its page cache charged to the parent" {
	charged_child_removed exit
	usage_is "$MNT/p" 32768
	stat_is "$MNT/p" cache 32768 total_cache 32768
	usage_is "$MNT" 32768
	# the name is free and the new group starts empty
	mkdir "$MNT/p/c"
	usage_is "$MNT/p/c" 0
	stat_is "$MNT/p/c" cache 0
}

@test "a removed group whose page cache moved to its parent leaves memcgfs.dying" {
	charged_child_removed exit
	local i
	for i in $(seq 1 100); do
		[ -z "$(cat "$MNT/memcgfs.dying")" ] && break
		sleep 0.05
	done
	content_is "$MNT/memcgfs.dying" ''
	usage_is "$MNT/p" 32768
}
