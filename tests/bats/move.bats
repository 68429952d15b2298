#!/usr/bin/env bats
# Charge moving (memcgfs(8) CHARGE MOVING): a task
# written into a group whose move_charge_at_immigrate has bit 0 (anon and
# swap) or bit 1 (mapped page cache) set takes the charges of its pages that
# its old group owns along, all or nothing.  Page size is the default 4096.

load helpers

# set_move DIR BITS: write memory.move_charge_at_immigrate of DIR.
set_move() {
	want OK write "$1/memory.move_charge_at_immigrate" "$2"
}

# move_ok FILE PID: writing PID to FILE (a tasks or cgroup.procs) succeeds.
move_ok() {
	want OK write "$1" "$2"
}

# counters DIR: every counter file of DIR and its memory.stat, one
# `name value` a line, for before/after comparisons.
counters() {
	local f
	for f in usage_in_bytes memsw.usage_in_bytes max_usage_in_bytes \
		memsw.max_usage_in_bytes failcnt memsw.failcnt \
		kmem.usage_in_bytes kmem.max_usage_in_bytes kmem.failcnt; do
		echo "$f $(cat "$1/memory.$f")"
	done
	cat "$1/memory.oom_control" 2>/dev/null || true
	cat "$1/memory.stat"
}

# same_text NAME BEFORE AFTER: the two snapshots are identical.
same_text() {
	if [ "$2" != "$3" ]; then
		echo "$1 changed:" >&2
		diff <(echo "$2") <(echo "$3") >&2 || true
		return 1
	fi
}

# a_task_with DIR ANON MAPPED: a sleeper in DIR that faulted ANON of anon
# memory and mapped the first MAPPED of file f (pid in TASK).
a_task_with() {
	sleeper_in "$1"
	TASK=$SLEEPER
	wl "anon $TASK $2" "map $TASK f $3"
}

# half_swapped_in DIR: a sleeper in DIR (pid in TASK) with 2M of anon, half
# of it pushed to swap by lowering the group's limit to 1M (needs -o swap).
half_swapped_in() {
	sleeper_in "$1"
	TASK=$SLEEPER
	wl "anon $TASK 2M"
	want OK write "$1/memory.limit_in_bytes" 1M
}

# ---- what moves, by bit -----------------------------------------------------

@test "bit 0 moves the task's anon charges; the page cache it mapped stays" {
	mkdir "$MNT/a" "$MNT/b"
	a_task_with "$MNT/a" 1M 512K
	usage_is "$MNT/a" 1572864
	set_move "$MNT/b" 1
	move_ok "$MNT/b/tasks" "$TASK"
	listed "$MNT/b/tasks" "$TASK"
	! listed "$MNT/a/tasks" "$TASK"
	usage_is "$MNT/a" 524288
	usage_is "$MNT/b" 1048576
	stat_is "$MNT/b" rss 1048576 active_anon 1048576 inactive_anon 0 \
		cache 0 mapped_file 0 inactive_file 0 active_file 0 swap 0
	stat_is "$MNT/a" rss 0 active_anon 0 inactive_anon 0 \
		cache 524288 mapped_file 524288
	[ $(( $(stat_value "$MNT/a/memory.stat" inactive_file) +
	      $(stat_value "$MNT/a/memory.stat" active_file) )) -eq 524288 ]
	usage_is "$MNT" 1572864
	# the moved pages are B's now: a new fault adds to them
	wl "anon $TASK 4K"
	usage_is "$MNT/b" 1052672
	usage_is "$MNT/a" 524288
}

@test "bit 1 moves the page cache the task mapped; its anon stays" {
	mkdir "$MNT/a" "$MNT/b"
	a_task_with "$MNT/a" 1M 512K
	set_move "$MNT/b" 2
	move_ok "$MNT/b/tasks" "$TASK"
	listed "$MNT/b/tasks" "$TASK"
	usage_is "$MNT/a" 1048576
	usage_is "$MNT/b" 524288
	stat_is "$MNT/b" cache 524288 mapped_file 524288 rss 0 \
		active_anon 0 inactive_anon 0
	[ $(( $(stat_value "$MNT/b/memory.stat" inactive_file) +
	      $(stat_value "$MNT/b/memory.stat" active_file) )) -eq 524288 ]
	stat_is "$MNT/a" rss 1048576 active_anon 1048576 cache 0 \
		mapped_file 0 inactive_file 0 active_file 0
	usage_is "$MNT" 1572864
}

@test "bits 0 and 1 move anon and mapped page cache: the old group is left at 0" {
	mkdir "$MNT/a" "$MNT/b"
	a_task_with "$MNT/a" 1M 512K
	set_move "$MNT/b" 3
	move_ok "$MNT/b/tasks" "$TASK"
	usage_is "$MNT/a" 0
	usage_is "$MNT/b" 1572864
	stat_is "$MNT/a" rss 0 cache 0 mapped_file 0 active_anon 0 \
		inactive_anon 0 active_file 0 inactive_file 0
	stat_is "$MNT/b" rss 1048576 cache 524288 mapped_file 524288 \
		active_anon 1048576 inactive_anon 0
	usage_is "$MNT" 1572864
}

@test "with move_charge_at_immigrate 0 only membership changes" {
	mkdir "$MNT/a" "$MNT/b"
	a_task_with "$MNT/a" 1M 512K
	value_is "$MNT/b/memory.move_charge_at_immigrate" 0
	local before_a before_b
	before_a=$(counters "$MNT/a")
	before_b=$(counters "$MNT/b")
	move_ok "$MNT/b/tasks" "$TASK"
	listed "$MNT/b/tasks" "$TASK"
	! listed "$MNT/a/tasks" "$TASK"
	same_text "a" "$before_a" "$(counters "$MNT/a")"
	same_text "b" "$before_b" "$(counters "$MNT/b")"
	usage_is "$MNT/a" 1572864
	usage_is "$MNT/b" 0
	# new charges go to the new group, the old ones stay where they were
	wl "anon $TASK 64K"
	usage_is "$MNT/b" 65536
	usage_is "$MNT/a" 1572864
}

@test "moving back and forth: each move takes the charges of the group left" {
	mkdir "$MNT/a" "$MNT/b"
	a_task_with "$MNT/a" 1M 512K
	set_move "$MNT/a" 3
	set_move "$MNT/b" 3
	move_ok "$MNT/b/cgroup.procs" "$TASK"
	usage_is "$MNT/a" 0
	usage_is "$MNT/b" 1572864
	move_ok "$MNT/a/cgroup.procs" "$TASK"
	usage_is "$MNT/a" 1572864
	usage_is "$MNT/b" 0
	stat_is "$MNT/a" rss 1048576 cache 524288 mapped_file 524288
	stat_is "$MNT/b" rss 0 cache 0 mapped_file 0
	# into the group it is already in: nothing changes
	local before
	before=$(counters "$MNT/a")
	move_ok "$MNT/a/tasks" "$TASK"
	same_text "a" "$before" "$(counters "$MNT/a")"
}

# ---- swap -------------------------------------------------------------------

@test "bit 0 moves swapped anon too: memsw of the target takes it, memory does not" {
	remount swap=64M
	mkdir "$MNT/a" "$MNT/b"
	half_swapped_in "$MNT/a"
	usage_is "$MNT/a" 1048576 2097152
	stat_is "$MNT/a" rss 1048576 swap 1048576
	set_move "$MNT/b" 1
	move_ok "$MNT/b/tasks" "$TASK"
	usage_is "$MNT/a" 0 0
	usage_is "$MNT/b" 1048576 2097152
	stat_is "$MNT/b" rss 1048576 swap 1048576
	[ $(( $(stat_value "$MNT/b/memory.stat" inactive_anon) +
	      $(stat_value "$MNT/b/memory.stat" active_anon) )) -eq 1048576 ]
	stat_is "$MNT/a" rss 0 swap 0 active_anon 0 inactive_anon 0
	usage_is "$MNT" 1048576 2097152
	# freeing it all now gives B's charges back, swap included
	wl "free $TASK 2M"
	usage_is "$MNT/b" 0 0
	usage_is "$MNT" 0 0
}

@test "bit 1 alone leaves swapped anon behind" {
	remount swap=64M
	mkdir "$MNT/a" "$MNT/b"
	half_swapped_in "$MNT/a"
	set_move "$MNT/b" 2
	move_ok "$MNT/b/tasks" "$TASK"
	usage_is "$MNT/a" 1048576 2097152
	stat_is "$MNT/a" swap 1048576
	usage_is "$MNT/b" 0 0
}

# ---- all or nothing ---------------------------------------------------------

@test "a target without room: ENOMEM, the task stays, nothing changes but the target's failcnt" {
	mkdir "$MNT/a" "$MNT/b"
	a_task_with "$MNT/a" 1M 512K
	want OK write "$MNT/b/memory.limit_in_bytes" 512K
	set_move "$MNT/b" 3
	local before_a before_b before_root fail_b
	before_a=$(counters "$MNT/a")
	before_b=$(counters "$MNT/b" | grep -v '^failcnt ')
	before_root=$(counters "$MNT")
	fail_b=$(cat "$MNT/b/memory.failcnt")
	want ENOMEM write "$MNT/b/tasks" "$TASK"
	listed "$MNT/a/tasks" "$TASK"
	! listed "$MNT/b/tasks" "$TASK"
	listed "$MNT/a/cgroup.procs" "$TASK"
	! listed "$MNT/b/cgroup.procs" "$TASK"
	same_text "a" "$before_a" "$(counters "$MNT/a")"
	same_text "b" "$before_b" "$(counters "$MNT/b" | grep -v '^failcnt ')"
	same_text "root" "$before_root" "$(counters "$MNT")"
	[ "$(cat "$MNT/b/memory.failcnt")" -gt "$fail_b" ]
	# no OOM kill for a move: the task lives on
	kill -0 "$TASK"
	grep -qx 'oom_kill 0' "$MNT/b/memory.oom_control"
	grep -qx 'oom_kill 0' "$MNT/a/memory.oom_control"
	# cgroup.procs fails the same way
	want ENOMEM write "$MNT/b/cgroup.procs" "$TASK"
	listed "$MNT/a/tasks" "$TASK"
	same_text "a" "$before_a" "$(counters "$MNT/a")"
	# and the task's charges still belong to A: freeing uncharges A
	wl "free $TASK 1M"
	usage_is "$MNT/a" 524288
	usage_is "$MNT/b" 0
}

@test "a memsw limit of the target refuses a move of swapped anon: ENOMEM, no change" {
	remount swap=64M
	mkdir "$MNT/a" "$MNT/b"
	half_swapped_in "$MNT/a"
	# room for the resident 1M in memory, not for the 2M in memsw
	want OK write "$MNT/b/memory.limit_in_bytes" 1536K
	want OK write "$MNT/b/memory.memsw.limit_in_bytes" 1536K
	set_move "$MNT/b" 1
	local before_a before_b before_root
	before_a=$(counters "$MNT/a")
	before_b=$(counters "$MNT/b" | grep -v '^memsw.failcnt ')
	before_root=$(counters "$MNT")
	want ENOMEM write "$MNT/b/tasks" "$TASK"
	listed "$MNT/a/tasks" "$TASK"
	! listed "$MNT/b/tasks" "$TASK"
	same_text "a" "$before_a" "$(counters "$MNT/a")"
	same_text "b" "$before_b" "$(counters "$MNT/b" | grep -v '^memsw.failcnt ')"
	same_text "root" "$before_root" "$(counters "$MNT")"
	[ "$(cat "$MNT/b/memory.memsw.failcnt")" -gt 0 ]
}

@test "a move that fits once the target reclaims its own page cache succeeds" {
	mkdir "$MNT/a" "$MNT/b"
	want OK write "$MNT/b/memory.limit_in_bytes" 2M
	sleeper_in "$MNT/b"
	wl "read $SLEEPER g 1536K"
	usage_is "$MNT/b" 1572864
	sleeper_in "$MNT/a"
	TASK=$SLEEPER
	wl "anon $TASK 1M"
	set_move "$MNT/b" 1
	move_ok "$MNT/b/tasks" "$TASK"
	listed "$MNT/b/tasks" "$TASK"
	usage_is "$MNT/a" 0
	stat_is "$MNT/b" rss 1048576
	local cache usage
	cache=$(stat_value "$MNT/b/memory.stat" cache)
	usage=$(cat "$MNT/b/memory.usage_in_bytes")
	[ "$cache" -le 1048576 ]
	[ "$usage" -le 2097152 ]
	[ "$usage" -eq $(( 1048576 + cache )) ]
	value_is "$MNT/b/memory.memsw.usage_in_bytes" "$usage"
	grep -qx 'oom_kill 0' "$MNT/b/memory.oom_control"
	kill -0 "$TASK"
}

# ---- hierarchy --------------------------------------------------------------

@test "between siblings the common parent sees no change" {
	mkdir "$MNT/p" "$MNT/p/a" "$MNT/p/b"
	a_task_with "$MNT/p/a" 1M 512K
	set_move "$MNT/p/b" 3
	local before_p before_root
	before_p=$(counters "$MNT/p")
	before_root=$(counters "$MNT")
	move_ok "$MNT/p/b/tasks" "$TASK"
	usage_is "$MNT/p/a" 0
	usage_is "$MNT/p/b" 1572864
	usage_is "$MNT/p" 1572864
	stat_is "$MNT/p" total_rss 1048576 total_cache 524288 \
		total_mapped_file 524288
	# nothing of the parent changes: usage, peak, failcnt, totals
	same_text "p" "$before_p" "$(counters "$MNT/p")"
	same_text "root" "$before_root" "$(counters "$MNT")"
}

@test "between cousins the groups below the common ancestor change, the ancestor does not" {
	mkdir -p "$MNT/p/x/a" "$MNT/p/y/b"
	a_task_with "$MNT/p/x/a" 1M 512K
	set_move "$MNT/p/y/b" 1
	local before_p
	before_p=$(counters "$MNT/p")
	move_ok "$MNT/p/y/b/tasks" "$TASK"
	usage_is "$MNT/p/x/a" 524288
	usage_is "$MNT/p/x" 524288
	usage_is "$MNT/p/y/b" 1048576
	usage_is "$MNT/p/y" 1048576
	value_is "$MNT/p/y/memory.max_usage_in_bytes" 1048576
	stat_is "$MNT/p/y" total_rss 1048576
	stat_is "$MNT/p/x" total_rss 0 total_cache 524288
	same_text "p" "$before_p" "$(counters "$MNT/p")"
}

@test "from a parent into its child and back: the parent's usage does not change" {
	mkdir "$MNT/p"
	a_task_with "$MNT/p" 1M 512K
	mkdir "$MNT/p/c"
	set_move "$MNT/p/c" 3
	usage_is "$MNT/p" 1572864
	move_ok "$MNT/p/c/tasks" "$TASK"
	usage_is "$MNT/p" 1572864
	value_is "$MNT/p/memory.max_usage_in_bytes" 1572864
	usage_is "$MNT/p/c" 1572864
	stat_is "$MNT/p" rss 0 cache 0 total_rss 1048576 total_cache 524288
	stat_is "$MNT/p/c" rss 1048576 cache 524288 mapped_file 524288
	usage_is "$MNT" 1572864
	# and back up: the target is now the common ancestor
	set_move "$MNT/p" 3
	move_ok "$MNT/p/tasks" "$TASK"
	usage_is "$MNT/p" 1572864
	value_is "$MNT/p/memory.max_usage_in_bytes" 1572864
	usage_is "$MNT/p/c" 0
	stat_is "$MNT/p" rss 1048576 cache 524288 mapped_file 524288
	rmdir "$MNT/p/c"
}

@test "a move into a child whose parent is full needs no room in the parent" {
	mkdir "$MNT/p"
	want OK write "$MNT/p/memory.limit_in_bytes" 1M
	sleeper_in "$MNT/p"
	TASK=$SLEEPER
	wl "anon $TASK 1M"
	mkdir "$MNT/p/c"
	set_move "$MNT/p/c" 1
	move_ok "$MNT/p/c/tasks" "$TASK"
	usage_is "$MNT/p/c" 1048576
	usage_is "$MNT/p" 1048576
	value_is "$MNT/p/memory.failcnt" 0
}

# ---- whose pages move -------------------------------------------------------

@test "mapped page cache owned by another group does not move" {
	mkdir "$MNT/a" "$MNT/b" "$MNT/c"
	sleeper_in "$MNT/c"
	local reader=$SLEEPER
	wl "read $reader f 1M"
	sleeper_in "$MNT/a"
	TASK=$SLEEPER
	wl "map $TASK f 1M"
	usage_is "$MNT/c" 1048576
	usage_is "$MNT/a" 0
	set_move "$MNT/b" 3
	move_ok "$MNT/b/tasks" "$TASK"
	listed "$MNT/b/tasks" "$TASK"
	usage_is "$MNT/c" 1048576
	stat_is "$MNT/c" cache 1048576 mapped_file 1048576
	usage_is "$MNT/b" 0
	stat_is "$MNT/b" cache 0 mapped_file 0
	usage_is "$MNT/a" 0
}

@test "only the part of the mapping its old group owns moves" {
	mkdir "$MNT/a" "$MNT/b" "$MNT/c"
	sleeper_in "$MNT/c"
	wl "read $SLEEPER f 256K"
	sleeper_in "$MNT/a"
	TASK=$SLEEPER
	# the first 256K are C's, the next 768K are charged to A by the map
	wl "map $TASK f 1M"
	usage_is "$MNT/a" 786432
	set_move "$MNT/b" 2
	move_ok "$MNT/b/tasks" "$TASK"
	usage_is "$MNT/a" 0
	usage_is "$MNT/b" 786432
	stat_is "$MNT/b" cache 786432 mapped_file 786432
	usage_is "$MNT/c" 262144
}

@test "page cache the task only read, not mapped, does not move with bit 1" {
	mkdir "$MNT/a" "$MNT/b"
	sleeper_in "$MNT/a"
	TASK=$SLEEPER
	wl "read $TASK r 256K" "map $TASK m 128K"
	set_move "$MNT/b" 2
	move_ok "$MNT/b/tasks" "$TASK"
	usage_is "$MNT/a" 262144
	stat_is "$MNT/a" cache 262144 mapped_file 0
	usage_is "$MNT/b" 131072
	stat_is "$MNT/b" cache 131072 mapped_file 131072
}

@test "another task's anon in the old group stays there" {
	mkdir "$MNT/a" "$MNT/b"
	sleeper_in "$MNT/a"
	local other=$SLEEPER
	sleeper_in "$MNT/a"
	TASK=$SLEEPER
	wl "anon $other 256K" "anon $TASK 1M"
	set_move "$MNT/b" 1
	move_ok "$MNT/b/tasks" "$TASK"
	usage_is "$MNT/a" 262144
	usage_is "$MNT/b" 1048576
	listed "$MNT/a/tasks" "$other"
}

# ---- threads and processes --------------------------------------------------

@test "tasks: a non-leader thread moves no charges, the leader moves them" {
	spawn_threaded
	mkdir "$MNT/a" "$MNT/b"
	move_ok "$MNT/a/cgroup.procs" "$THREADED"
	wl "anon $THREADED 1M"
	usage_is "$MNT/a" 1048576
	set_move "$MNT/b" 3
	local tid
	tid=$(ls "/proc/$THREADED/task" | sort -n | grep -vx "$THREADED" | tail -n 1)
	[ -n "$tid" ]
	move_ok "$MNT/b/tasks" "$tid"
	listed "$MNT/b/tasks" "$tid"
	listed "$MNT/a/tasks" "$THREADED"
	usage_is "$MNT/a" 1048576
	usage_is "$MNT/b" 0
	stat_is "$MNT/a" rss 1048576
	move_ok "$MNT/b/tasks" "$THREADED"
	listed "$MNT/b/tasks" "$THREADED"
	usage_is "$MNT/a" 0
	usage_is "$MNT/b" 1048576
	stat_is "$MNT/b" rss 1048576
}

@test "cgroup.procs moves the process's charges, given its pid or a thread's" {
	spawn_threaded
	mkdir "$MNT/a" "$MNT/b"
	move_ok "$MNT/a/cgroup.procs" "$THREADED"
	wl "anon $THREADED 1M"
	set_move "$MNT/b" 1
	move_ok "$MNT/b/cgroup.procs" "$THREADED"
	[ "$(cat "$MNT/b/cgroup.procs")" = "$THREADED" ]
	[ "$(cat "$MNT/b/tasks")" = "$(ls "/proc/$THREADED/task" | sort -n)" ]
	[ -z "$(cat "$MNT/a/tasks")" ]
	usage_is "$MNT/a" 0
	usage_is "$MNT/b" 1048576
	# a thread id written to cgroup.procs moves the whole process too
	set_move "$MNT/a" 1
	local tid
	tid=$(ls "/proc/$THREADED/task" | sort -n | grep -vx "$THREADED" | tail -n 1)
	move_ok "$MNT/a/cgroup.procs" "$tid"
	[ "$(cat "$MNT/a/cgroup.procs")" = "$THREADED" ]
	usage_is "$MNT/a" 1048576
	usage_is "$MNT/b" 0
}

@test "a process that cannot move its charges keeps every thread in the old group" {
	spawn_threaded
	mkdir "$MNT/a" "$MNT/b"
	move_ok "$MNT/a/cgroup.procs" "$THREADED"
	wl "anon $THREADED 1M"
	want OK write "$MNT/b/memory.limit_in_bytes" 512K
	set_move "$MNT/b" 1
	want ENOMEM write "$MNT/b/cgroup.procs" "$THREADED"
	[ -z "$(cat "$MNT/b/tasks")" ]
	[ "$(cat "$MNT/a/tasks")" = "$(ls "/proc/$THREADED/task" | sort -n)" ]
	usage_is "$MNT/a" 1048576
	usage_is "$MNT/b" 0
}

# ---- after the move ---------------------------------------------------------

@test "after a move, free and exit uncharge the new group, and the old one can go" {
	mkdir "$MNT/a" "$MNT/b"
	a_task_with "$MNT/a" 2M 512K
	set_move "$MNT/b" 3
	move_ok "$MNT/b/tasks" "$TASK"
	wl "free $TASK 1M"
	usage_is "$MNT/b" 1572864
	usage_is "$MNT/a" 0
	stat_is "$MNT/b" rss 1048576 pgpgout 256
	stat_is "$MNT/a" pgpgout 0
	kill -9 "$TASK"
	wait "$TASK" 2>/dev/null || true
	local i
	for i in $(seq 1 100); do
		[ "$(stat_value "$MNT/b/memory.stat" rss)" = 0 ] && break
		sleep 0.05
	done
	# anon went with the exit, the page cache stays charged to B
	usage_is "$MNT/b" 524288
	stat_is "$MNT/b" rss 0 cache 524288
	usage_is "$MNT/a" 0
	rmdir "$MNT/a"
	[ ! -e "$MNT/a" ]
	usage_is "$MNT" 524288
}

@test "after a move between siblings the old group goes and the parent keeps the moved charges" {
	mkdir "$MNT/p" "$MNT/p/a" "$MNT/p/b"
	sleeper_in "$MNT/p/a"
	TASK=$SLEEPER
	wl "anon $TASK 1M"
	set_move "$MNT/p/b" 1
	move_ok "$MNT/p/b/tasks" "$TASK"
	rmdir "$MNT/p/a"
	usage_is "$MNT/p" 1048576
	usage_is "$MNT/p/b" 1048576
	wl "free $TASK 1M"
	usage_is "$MNT/p/b" 0
	usage_is "$MNT/p" 0
}

# ---- the setting ------------------------------------------------------------

@test "move_charge_at_immigrate takes 0 to 3 and is inherited by new children" {
	mkdir "$MNT/p"
	local v
	for v in 0 1 2 3; do
		set_move "$MNT/p" "$v"
		value_is "$MNT/p/memory.move_charge_at_immigrate" "$v"
	done
	want EINVAL write "$MNT/p/memory.move_charge_at_immigrate" 4
	value_is "$MNT/p/memory.move_charge_at_immigrate" 3
	set_move "$MNT/p" 2
	mkdir "$MNT/p/c" "$MNT/p/c/d"
	value_is "$MNT/p/c/memory.move_charge_at_immigrate" 2
	value_is "$MNT/p/c/d/memory.move_charge_at_immigrate" 2
	# a copy at creation: later changes of the parent do not reach it
	set_move "$MNT/p" 1
	value_is "$MNT/p/c/memory.move_charge_at_immigrate" 2
	mkdir "$MNT/p/e"
	value_is "$MNT/p/e/memory.move_charge_at_immigrate" 1
	value_is "$MNT/memory.move_charge_at_immigrate" 0
}

@test "an inherited move_charge_at_immigrate moves charges" {
	mkdir "$MNT/a" "$MNT/p"
	a_task_with "$MNT/a" 1M 512K
	set_move "$MNT/p" 1
	mkdir "$MNT/p/b"
	move_ok "$MNT/p/b/tasks" "$TASK"
	usage_is "$MNT/p/b" 1048576
	usage_is "$MNT/a" 524288
}
