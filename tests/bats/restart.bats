#!/usr/bin/env bats
# memcgfs(8) RESTART: the supervisor holds the mount while its server dies
# and comes back; clients never see ENOTCONN, and what they set, charged
# and counted is back.

load helpers
load pagetool

# Every test here kills servers on purpose.
RESTARTS_EXPECTED=1

setup() {
	mount_memcgfs
	STOP="$BATS_TEST_TMPDIR/stop"
	CLIENTS=
	LISTENERS=
}

teardown() {
	local p
	stop_clients
	pt_stop
	for p in ${LISTENERS:-}; do
		kill "$p" 2>/dev/null || true
		wait "$p" 2>/dev/null || true
	done
	kill_sleepers
	unmount_memcgfs
}

# client NAME CMD: run the shell command CMD in a loop until stop_clients;
# whatever it prints on stderr goes to $BATS_TEST_TMPDIR/NAME.err, and each
# round adds a line to NAME.rounds.
client() {
	local name=$1 cmd=$2
	STOP="$STOP" MNT="$MNT" bash -c '
		while [ ! -e "$STOP" ]; do
			eval "$1" || true
			echo >>"$2.rounds"
		done' _ "$cmd" "$BATS_TEST_TMPDIR/$name" \
		2>>"$BATS_TEST_TMPDIR/$name.err" &
	CLIENTS="$CLIENTS $!"
}

stop_clients() {
	local p
	touch "$STOP"
	for p in ${CLIENTS:-}; do
		wait "$p" 2>/dev/null || true
	done
	CLIENTS=
}

# rounds NAME: how many rounds client NAME has done.
rounds() {
	cat "$BATS_TEST_TMPDIR/$1.rounds" 2>/dev/null | wc -l
}

# wait_rounds NAME N: until client NAME has done N more rounds than now
# (it is alive and served); fails if the server is not serving.
wait_rounds() {
	local want=$(($(rounds "$1") + $2))
	eventually 20 rounds_reach "$1" "$want" || {
		echo "client $1 made no progress" >&2
		return 1
	}
}

rounds_reach() {
	[ "$(rounds "$1")" -ge "$2" ]
}

# gone PID: the process is no more.
gone() {
	! kill -0 "$1" 2>/dev/null
}

# new_server SIG: send SIG to the server and wait until another one
# serves the same mount.
new_server() {
	local old i new
	old=$(server_pid)
	if [ -z "$old" ]; then
		echo "no server is running; the log:" >&2
		cat "$DAEMON_LOG" >&2
		return 1
	fi
	kill "-$1" "$old"
	for i in $(seq 1 400); do
		new=$(server_pid)
		if [ -n "$new" ] && [ "$new" != "$old" ] &&
		   [ -e "$MNT/memory.limit_in_bytes" ]; then
			return 0
		fi
		kill -0 "$DAEMON_PID" || break
		sleep 0.05
	done
	echo "no new server after SIG$1 (old $old); the log:" >&2
	cat "$DAEMON_LOG" >&2
	return 1
}

# resent_any: the supervisor has logged a resent request.
resent_any() {
	grep -q "([1-9][0-9]* requests resent so far)" "$DAEMON_LOG"
}

# no_client_broke NAME...: no client saw the mount gone or an I/O error.
no_client_broke() {
	local n
	for n in "$@"; do
		if grep -E "not connected|Input/output error|Software caused" \
			"$BATS_TEST_TMPDIR/$n.err"; then
			echo "client $n saw the server's death" >&2
			return 1
		fi
	done
}

@test "kill -9 of the server under load: the mount stays, no client sees ENOTCONN" {
	client read 'cat "$MNT/memory.stat" "$MNT/memory.usage_in_bytes" >/dev/null'
	client write 'echo 60 >"$MNT/memory.swappiness"'
	client workload 'echo "anon 0 4K" >"$MNT/memcgfs.workload"'
	client list 'ls "$MNT" >/dev/null'
	wait_rounds read 5
	local i
	for i in 1 2 3; do
		new_server KILL
		wait_rounds read 5
		wait_rounds write 5
		wait_rounds workload 5
	done
	# More, until the kernel has resent a request a dead server had read
	# (the count is of those before each death).
	for i in $(seq 1 30); do
		resent_any && break
		new_server KILL
		wait_rounds read 2
	done
	new_server KILL
	stop_clients
	no_client_broke read write workload list
	[ "$(grep -c "server killed by signal 9" "$DAEMON_LOG")" -ge 4 ]
	! grep "cannot resend" "$DAEMON_LOG"
	resent_any
}

@test "SIGTERM of the server restarts it; SIGTERM of the daemon ends all" {
	client read 'cat "$MNT/memory.stat" >/dev/null'
	wait_rounds read 3
	new_server TERM
	wait_rounds read 3
	stop_clients
	no_client_broke read
	grep -q "server exited with status 0: restarting it" "$DAEMON_LOG"
	kill -TERM "$DAEMON_PID"
	local status=0
	wait "$DAEMON_PID" || status=$?
	DAEMON_PID=
	[ "$status" -eq 0 ]
	! grep -q " $MNT " /proc/mounts
}

@test "an unmount ends the server and the supervisor with status 0" {
	local srv
	srv=$(server_pid)
	unmount_memcgfs
	! kill -0 "$srv" 2>/dev/null
}

@test "kill -9 of the supervisor: the server serves on, and unmounts at its end" {
	local srv status=0
	srv=$(server_pid)
	kill -KILL "$DAEMON_PID"
	wait "$DAEMON_PID" || status=$?
	DAEMON_PID=
	[ "$status" -eq 137 ]
	value_is "$MNT/memory.swappiness" 60
	kill -TERM "$srv"
	eventually 10 gone "$srv"
	! grep -q " $MNT " /proc/mounts
}

# dump: every group's inode numbers, modes, owners, settings and members,
# one line each, in a stable order.
dump() {
	local d f
	(cd "$MNT" && find . -mindepth 1 -type d | sort) | while read -r d; do
		stat -c '%i %a %u %g %n' "$MNT/$d"
		for f in memory.limit_in_bytes memory.memsw.limit_in_bytes \
			memory.kmem.limit_in_bytes memory.kmem.tcp.limit_in_bytes \
			memory.soft_limit_in_bytes memory.swappiness \
			memory.move_charge_at_immigrate memory.oom_control \
			memory.use_hierarchy notify_on_release cgroup.clone_children \
			tasks; do
			stat -c '%i %a %u %g %n' "$MNT/$d/$f"
			echo "$d/$f: $(sort -n "$MNT/$d/$f" | tr '\n' ' ')"
		done
	done
	stat -c '%i %a %u %g %n' "$MNT" "$MNT/release_agent"
	echo "release_agent: $(cat "$MNT/release_agent")"
}

# dump_charges: every group's counters (usage, max_usage and failcnt of
# memory, memsw, kmem and kmem.tcp), every line of its memory.stat,
# memory.oom_control, memory.numa_stat and memory.kmem.slabinfo, and
# memcgfs.dying, one line each, in a stable order.
dump_charges() {
	local d f c
	(cd "$MNT" && find . -type d | sort) | while read -r d; do
		for c in memory memory.memsw memory.kmem memory.kmem.tcp; do
			for f in usage_in_bytes max_usage_in_bytes failcnt; do
				echo "$d/$c.$f: $(cat "$MNT/$d/$c.$f")"
			done
		done
		for f in memory.stat memory.oom_control memory.numa_stat \
			memory.kmem.slabinfo; do
			sed "s|^|$d/$f: |" "$MNT/$d/$f"
		done
	done
	sed 's|^|memcgfs.dying: |' "$MNT/memcgfs.dying"
}

# no_negative DUMP: no value in the dump is below zero.
no_negative() {
	if grep -E '(^| |=)-[0-9]' <<<"$1"; then
		echo "a counter is negative" >&2
		return 1
	fi
}

# invariants DIR...: usage = rss + cache + kmem in each group.
invariants() {
	local d u r c k
	for d in "$@"; do
		u=$(cat "$MNT/$d/memory.usage_in_bytes")
		r=$(stat_value "$MNT/$d/memory.stat" total_rss)
		c=$(stat_value "$MNT/$d/memory.stat" total_cache)
		k=$(cat "$MNT/$d/memory.kmem.usage_in_bytes")
		if [ "$u" -ne $((r + c + k)) ]; then
			echo "$d: usage $u != rss $r + cache $c + kmem $k" >&2
			return 1
		fi
	done
}

# a tree with something set in every kind of file, and members.
make_tree() {
	mkdir -p "$MNT/a/b" "$MNT/c" "$MNT/sp ace"
	echo 100M >"$MNT/a/memory.limit_in_bytes"
	echo 200M >"$MNT/a/memory.memsw.limit_in_bytes"
	echo 64M >"$MNT/a/memory.kmem.limit_in_bytes"
	echo 50M >"$MNT/a/b/memory.soft_limit_in_bytes"
	echo 30 >"$MNT/a/memory.swappiness"
	echo 3 >"$MNT/c/memory.move_charge_at_immigrate"
	echo 1 >"$MNT/c/memory.oom_control"
	echo 1 >"$MNT/a/b/notify_on_release"
	echo /bin/true >"$MNT/release_agent"
	chown 65534:65534 "$MNT/c" "$MNT/c/tasks"
	chmod 0700 "$MNT/sp ace"
	chmod 0600 "$MNT/a/memory.limit_in_bytes"
	mkdir "$MNT/gone" && rmdir "$MNT/gone"
	mv "$MNT/sp ace" "$MNT/space 2"
	sleeper_in "$MNT/a/b"
	INB=$SLEEPER
	sleeper_in "$MNT/c"
	MOVER=$SLEEPER
	wl "anon $INB 1M" "read $INB f 64K" "kmalloc $INB dentry 30 t" \
		"tcp $INB 8K" "map $MOVER m 16K"
}

@test "kill -9 under load: groups, ids, owners, modes, limits, settings, members, charges and counters come back" {
	make_tree
	# nobody's lookups make an opener index of their own
	(cd "$MNT" && setpriv --reuid=65534 --regid=65534 --clear-groups \
		cat c/tasks >/dev/null)
	local before after i
	client read 'cat "$MNT/a/memory.stat" "$MNT/c/tasks" >/dev/null'
	client write 'echo 50M >"$MNT/a/b/memory.soft_limit_in_bytes"'
	client move "echo $MOVER >\"\$MNT/a/tasks\"; echo $MOVER >\"\$MNT/c/tasks\""
	client workload "echo 'anon $INB 4K' >\"\$MNT/memcgfs.workload\"
		echo 'anon $MOVER 4K' >\"\$MNT/memcgfs.workload\"
		echo 'read $INB f\$RANDOM 4K' >\"\$MNT/memcgfs.workload\""
	client tree 'mkdir "$MNT/t" && rmdir "$MNT/t"'
	wait_rounds move 3
	wait_rounds workload 3
	for i in 1 2 3; do
		new_server KILL
		wait_rounds move 3
		wait_rounds tree 3
	done
	stop_clients
	no_client_broke read write move workload tree
	# a resent mkdir or rmdir that the dead server had done succeeds
	! grep -E "File exists|No such file" "$BATS_TEST_TMPDIR/tree.err"
	before=$(dump; dump_charges)
	new_server KILL
	after=$(dump; dump_charges)
	diff <(echo "$before") <(echo "$after")
	no_negative "$after"
	# what was set is there, not only the same as before
	value_is "$MNT/a/memory.limit_in_bytes" 104857600
	value_is "$MNT/a/b/memory.soft_limit_in_bytes" 52428800
	listed "$MNT/c/tasks" "$MOVER"
	[ "$(stat -c %U "$MNT/c")" = nobody ]
	[ "$(stat -c %a "$MNT/space 2")" = 700 ]
	[ ! -e "$MNT/t" ] && [ ! -e "$MNT/gone" ]
	invariants . a a/b c
}

@test "SIGTERM of the server: the state and the charges come back the same" {
	make_tree
	local before after
	before=$(dump; dump_charges)
	new_server TERM
	after=$(dump; dump_charges)
	diff <(echo "$before") <(echo "$after")
	# what was charged is there, not only the same as before
	stat_is "$MNT/a/b" rss 1048576 cache 65536
	value_is "$MNT/a/b/memory.kmem.usage_in_bytes" 8192
	value_is "$MNT/a/b/memory.kmem.tcp.usage_in_bytes" 8192
	stat_is "$MNT/c" mapped_file 16384
	invariants . a a/b c
}

@test "a member that died while no server ran is gone, the others are back" {
	mkdir "$MNT/g"
	sleeper_in "$MNT/g"
	local dead=$SLEEPER
	sleeper_in "$MNT/g"
	kill -STOP "$(server_pid)"	# nobody sees the exit
	kill -9 "$dead"
	wait "$dead" 2>/dev/null || true
	new_server KILL
	[ "$(cat "$MNT/g/tasks")" = "$SLEEPER" ]
}

@test "a member's child that joined by fork is back in the group after a restart" {
	STATE="$BATS_TEST_TMPDIR/state"
	remount "state=$STATE"
	mkdir "$MNT/g"
	local kid="$BATS_TEST_TMPDIR/kid" child
	bash -c 'echo $BASHPID >"$1/tasks"; sleep 1000 & echo $! >"$2"; wait' \
		_ "$MNT/g" "$kid" </dev/null >/dev/null 2>&1 &
	SLEEPERS="$SLEEPERS $!"
	# The watcher records the child within a second.
	eventually 10 recorded_in_group "$kid" || true
	child=$(cat "$kid")
	SLEEPERS="$SLEEPERS $child"
	listed "$MNT/g/tasks" "$child"
	new_server KILL
	listed "$MNT/g/tasks" "$child"
}

@test "cgroup.event_control: a registration survives; one whose eventfd closed does not" {
	: "${EVLISTEN:=$PWD/tests/tools/evlisten}"
	mkdir "$MNT/g"
	sleeper_in "$MNT/g"
	local out="$BATS_TEST_TMPDIR/ev" closed="$BATS_TEST_TMPDIR/ev2"
	"$EVLISTEN" "$MNT/g" memory.usage_in_bytes 1M </dev/null >"$out" 2>&1 &
	LISTENERS="$LISTENERS $!"
	"$EVLISTEN" "$MNT/g" memory.usage_in_bytes 1M </dev/null >"$closed" 2>&1 &
	local closer=$!
	LISTENERS="$LISTENERS $closer"
	eventually 5 grep -qx registered "$out"
	eventually 5 grep -qx registered "$closed"
	kill -USR1 "$closer"	# closes its eventfd: the registration ends
	eventually 5 grep -qx closed "$closed"
	new_server KILL
	wl "anon $SLEEPER 2M"	# crosses 1M
	eventually 5 grep -q "^event" "$out"
	! grep -q "^event" "$closed"
}

# recorded_in_group PIDFILE: the state has the pid in PIDFILE in a group.
recorded_in_group() {
	[ -s "$1" ] && grep -q " T $(cat "$1") [0-9]* [1-9]" "$STATE"
}

# fnv32 TEXT: the checksum of a state record's body.
fnv32() {
	local s=$1 h=2166136261 i c
	for ((i = 0; i < ${#s}; i++)); do
		printf -v c '%d' "'${s:i:1}"
		h=$(( ((h ^ c) * 16777619) & 0xffffffff ))
	done
	printf '%08x' "$h"
}

@test "a reused pid is not taken for the member it was (start times differ)" {
	STATE="$BATS_TEST_TMPDIR/state"
	remount "state=$STATE"
	mkdir "$MNT/g"
	sleeper_in "$MNT/g"
	kill -STOP "$(server_pid)"
	# The same pid, started at another time: what a reused pid looks like.
	local rec body
	rec=$(grep " T $SLEEPER " "$STATE")
	body=$(echo "$rec" | cut -d' ' -f2- | awk '{ $3 = $3 + 1; print }')
	sed -i "s/^$rec\$/$(fnv32 "$body") $body/" "$STATE"
	grep -q " $body\$" "$STATE"
	new_server KILL
	[ -z "$(cat "$MNT/g/tasks")" ]
	listed "$MNT/tasks" "$SLEEPER"
}

# state_of_last_mount: a state file written by a mount that ended cleanly.
state_of_last_mount() {
	STATE="$BATS_TEST_TMPDIR/state"
	remount "state=$STATE"
	mkdir -p "$MNT/a/b"
	echo 100M >"$MNT/a/memory.limit_in_bytes"
	unmount_memcgfs
	[ -s "$STATE" ]
}

@test "state=: a state survives an unmount and a new mount" {
	state_of_last_mount
	mount_memcgfs "state=$STATE"
	value_is "$MNT/a/memory.limit_in_bytes" 104857600
	[ -d "$MNT/a/b" ]
}

@test "a corrupted state file is refused with a message; memcgfs starts empty" {
	state_of_last_mount
	# one byte changed in a record that is not the last one
	sed -i '3s/G /G  /' "$STATE"
	mount_memcgfs "state=$STATE"
	[ ! -e "$MNT/a" ]
	grep -q "state file $STATE: line 3 is corrupt: starting empty" "$DAEMON_LOG"
	[ -s "$STATE.bad" ]
	mkdir "$MNT/new"	# and it journals again
	new_server KILL
	[ -d "$MNT/new" ]
}

@test "bad_state=refuse: a corrupted state file keeps memcgfs from mounting" {
	state_of_last_mount
	printf 'memcgfs-state 1\n00000000 N 5\n00000000 N 6\n' >"$STATE"
	MNT=$(mktemp -d "$BATS_TEST_TMPDIR/mnt.XXXXXX")
	run "$MEMCGFS" -f -o "state=$STATE,bad_state=refuse" "$MNT"
	[ "$status" -eq 1 ]
	[[ "$output" == *"state file $STATE: line 2 is corrupt: refusing to start"* ]]
	! grep -q " $MNT " /proc/mounts
}

@test "a last record cut short is dropped: the state before it comes back" {
	state_of_last_mount
	printf '1234abcd G 9 0 755 0 0 :half' >>"$STATE"
	mount_memcgfs "state=$STATE"
	value_is "$MNT/a/memory.limit_in_bytes" 104857600
	[ ! -e "$MNT/half" ]
	grep -q "a last one cut short dropped" "$DAEMON_LOG"
}

@test "mount.fuse3 (mount -t fuse.memcgfs, an fstab line) mounts; the server restarts" {
	command -v mount.fuse3 >/dev/null || skip "no mount.fuse3"
	unmount_memcgfs
	MNT=$(mktemp -d "$BATS_TEST_TMPDIR/mnt.XXXXXX")
	local state="$BATS_TEST_TMPDIR/new/state" sup
	# What mount(8) runs for the type fuse.memcgfs, with the build's
	# memcgfs first in PATH (mount(8) itself resets PATH).
	PATH="$(dirname "$MEMCGFS"):$PATH" \
		mount.fuse3 memcgfs "$MNT" -t fuse.memcgfs -o "state=$state"
	mkdir "$MNT/g"
	sup=$(pgrep -o -f -- "memcgfs.* $MNT" || true)	# the supervisor: the oldest
	[ -n "$sup" ]
	DAEMON_PID=$sup new_server KILL
	[ -d "$MNT/g" ]
	[ -s "$state" ]
	umount "$MNT"
	eventually 10 gone "$sup"
	rmdir "$MNT"
	MNT=
}

# ---- charges and counters ---------------------------------------------------

# counter DIR FILE NAME: NAME's value in a "name value" file of group DIR.
counter() {
	stat_value "$MNT/$1/$2" "$3"
}

# charges_of_every_kind: groups that hold every kind of charge and a count
# in every counter (mounted with swap= and kmem=$MODEL): anon, swap, page
# cache read, mapped and read again, slab objects in two caches with some
# freed, socket buffers, a refault, a failure of each limit, an OOM kill,
# and a group removed with live objects.  Q is the member of p/q, S of p/s.
charges_of_every_kind() {
	mkdir -p "$MNT/p/q" "$MNT/p/s" "$MNT/k" "$MNT/o" "$MNT/d"
	kmem_on "$MNT/p/q" "$MNT/d"
	sleeper_in "$MNT/p/q"
	Q=$SLEEPER
	wl "anon $Q 1M" "read $Q fa 256K" "map $Q fm 128K" "read $Q fa 64K" \
		"kmalloc $Q dentry 100 qd" "kmalloc $Q kmalloc-64 70 qk" \
		"kfree qk 40" "tcp $Q 96K" "tcpfree $Q 32K" "free $Q 128K"
	# removed with live objects: dying under kmem=pin
	sleeper_in "$MNT/d"
	wl "kmalloc $SLEEPER dentry 42 dt" "kmalloc $SLEEPER kmalloc-64 10 dk"
	echo "$SLEEPER" >"$MNT/tasks"
	rmdir "$MNT/d"
	if [ "$MODEL" = pin ]; then
		listed_dying /d
	else
		eventually 5 not_dying /d
	fi
	# 1M of memory, 8M with swap: the cache goes, then anon to swap, and
	# the cache read again refaults
	echo 1M >"$MNT/p/s/memory.limit_in_bytes"
	echo 8M >"$MNT/p/s/memory.memsw.limit_in_bytes"
	sleeper_in "$MNT/p/s"
	S=$SLEEPER
	wl "read $S fs 512K" "anon $S 1M" "read $S fs 64K"
	# each limit refuses once
	sleeper_in "$MNT/k"
	echo 8K >"$MNT/k/memory.kmem.limit_in_bytes"
	echo 8K >"$MNT/k/memory.kmem.tcp.limit_in_bytes"
	echo 256K >"$MNT/k/memory.limit_in_bytes"
	echo 256K >"$MNT/k/memory.memsw.limit_in_bytes"
	echo 1 >"$MNT/k/memory.oom_control"
	want ENOMEM write "$MNT/memcgfs.workload" "kmalloc $SLEEPER task_struct 3 kt"
	want ENOMEM write "$MNT/memcgfs.workload" "tcp $SLEEPER 16K"
	wl "anon $SLEEPER 128K"
	want ENOMEM write "$MNT/memcgfs.workload" "anon $SLEEPER 512K"
	[ "$(counter k memory.oom_control under_oom)" -eq 1 ]
	# out of OOM again: the refused charge would fit now (a group that
	# stays under OOM has a test of its own)
	echo 1M >"$MNT/k/memory.memsw.limit_in_bytes"
	echo 1M >"$MNT/k/memory.limit_in_bytes"
	# an OOM kill in o (which does not swap)
	echo 512K >"$MNT/o/memory.limit_in_bytes"
	echo 0 >"$MNT/o/memory.swappiness"
	sleeper_in "$MNT/o"
	local victim=$SLEEPER
	wl "anon $victim 384K"
	sleeper_in "$MNT/o"
	wl "anon $SLEEPER 256K"
	eventually 5 killed "$victim"
	wait "$victim" 2>/dev/null || true
	eventually 5 not_listed "$MNT/o/tasks" "$victim"
	# what is compared is there to compare
	[ "$(counter p/s memory.stat swap)" -gt 0 ]
	[ "$(counter p/s memory.stat workingset_refault_file)" -gt 0 ]
	[ "$(counter p/q memory.stat active_file)" -gt 0 ]
	[ "$(counter p/q memory.stat mapped_file)" -eq 131072 ]
	[ "$(counter p/q memory.stat pgmajfault)" -gt 0 ]
	[ "$(counter o memory.oom_control oom_kill)" -eq 1 ]
	[ "$(cat "$MNT/o/memory.failcnt")" -gt 0 ]
	[ "$(counter k memory.oom_control under_oom)" -eq 0 ]
	local f
	for f in memory.memsw memory.kmem memory.kmem.tcp; do
		[ "$(cat "$MNT/k/$f.failcnt")" -gt 0 ]
	done
	[ "$(cat "$MNT/p/q/memory.kmem.tcp.usage_in_bytes")" -eq 65536 ]
	[ "$(awk 'NR > 2' "$MNT/p/q/memory.kmem.slabinfo" | wc -l)" -eq 2 ]
}

not_listed() {
	! listed "$1" "$2"
}

# killed PID: PID, a child of this shell, has died (it may be a zombie).
killed() {
	gone "$1" || [ "$(awk '{ print $3 }' "/proc/$1/stat" 2>/dev/null)" = Z ]
}

# after_charges: what charges_of_every_kind left, used: objects freed by
# tag (the removed group's last ones too) and the empty pages shrunk and
# reaped, anon freed (swapped pages too) and socket buffers, a limit
# lowered so that reclaim takes page cache and swaps anon, a charge, a
# failcnt reset, and Q's exit.
after_charges() {
	wl "kfree qd" "kfree qk 10" "kfree dt" "kfree dk" shrink reap \
		"free $S 768K" "tcpfree $Q 16K"
	eventually 5 not_dying /d
	echo 768K >"$MNT/p/q/memory.limit_in_bytes"
	wl "anon $Q 64K"
	echo 0 >"$MNT/k/memory.failcnt"
	kill -9 "$Q"
	eventually 5 not_listed "$MNT/p/q/tasks" "$Q"
	eventually 5 stat_is "$MNT/p/q" rss 0 swap 0
}

# charges_come_back: in model MODEL, the charges and counts come back the
# same after a kill -9 and after a SIGTERM of the server, the invariants
# hold, and what is done with them afterwards ends as it ends on a mount
# whose server never died.
charges_come_back() {
	local before after restarted
	remount "kmem=$MODEL,swap=64M"
	charges_of_every_kind
	before=$(dump_charges)
	new_server KILL
	after=$(dump_charges)
	diff <(echo "$before") <(echo "$after")
	new_server TERM
	after=$(dump_charges)
	diff <(echo "$before") <(echo "$after")
	no_negative "$after"
	invariants . p p/q p/s k o
	after_charges
	restarted=$(dump_charges)
	no_negative "$restarted"
	invariants . p p/q p/s k o
	remount "kmem=$MODEL,swap=64M"
	charges_of_every_kind
	after_charges
	diff <(echo "$restarted") <(dump_charges)
}

@test "kmem=reparent: every charge, counter and statistic comes back; later frees, reclaim and exits act on them as without a restart" {
	MODEL=reparent charges_come_back
}

@test "kmem=pin: the same, and a dying group stays dying until its last object is freed after the restart" {
	MODEL=pin charges_come_back
}

@test "a removed group's event counts stay in its ancestors' total_ counts after a restart" {
	remount kmem=pin
	mkdir -p "$MNT/p/c"
	sleeper_in "$MNT/p/c"
	want OK write "$MNT/p/c/memory.kmem.limit_in_bytes" -1
	wl "kmalloc $SLEEPER dentry 21 t" "anon $SLEEPER 64K" "free $SLEEPER 64K"
	echo "$SLEEPER" >"$MNT/tasks"
	want OK rmdir "$MNT/p/c"
	wl "kfree t" reap	# its slab page goes: a pgpgout of c
	not_dying /p/c
	local before
	before=$(dump_charges)
	[ "$(counter p memory.stat total_pgpgout)" -eq 17 ]
	new_server KILL
	diff <(echo "$before") <(dump_charges)
}

@test "a group under OOM (oom_kill_disable 1) is still under OOM after a restart, until the refused charge fits" {
	mkdir "$MNT/k"
	sleeper_in "$MNT/k"
	echo 256K >"$MNT/k/memory.limit_in_bytes"
	echo 1 >"$MNT/k/memory.oom_control"
	wl "anon $SLEEPER 192K"
	want ENOMEM write "$MNT/memcgfs.workload" "anon $SLEEPER 128K"
	[ "$(counter k memory.oom_control under_oom)" -eq 1 ]
	new_server KILL
	[ "$(counter k memory.oom_control under_oom)" -eq 1 ]
	wl "free $SLEEPER 32K"
	[ "$(counter k memory.oom_control under_oom)" -eq 1 ]
	wl "free $SLEEPER 32K"	# now the 128K would fit
	[ "$(counter k memory.oom_control under_oom)" -eq 0 ]
}

# evicts DIR LINE...: in a new group DIR with a member, the workload
# LINEs (PID stands for the member, FILEname for DIR.name), a restart if
# RESTART is set, then a limit of 64K.  EVICTED is the files of
# 'zeta alpha' that reclaim took: those that a member of group h (H)
# reading them then has charged to h.
evicts() {
	local dir=$1 l f c0
	shift
	mkdir "$MNT/$dir"
	sleeper_in "$MNT/$dir"
	for l in "$@"; do
		l=${l//PID/$SLEEPER}
		wl "${l//FILE/$dir.}"
	done
	[ -z "${RESTART:-}" ] || new_server KILL
	echo 64K >"$MNT/$dir/memory.limit_in_bytes"
	EVICTED=
	for f in zeta alpha; do
		c0=$(counter h memory.stat cache)
		wl "read $H $dir.$f 64K"
		[ "$(counter h memory.stat cache)" -eq "$c0" ] ||
			EVICTED="$EVICTED $f"
	done
	EVICTED=${EVICTED# }
	echo "$dir: evicted: $EVICTED" >&2
}

@test "the LRU order comes back: reclaim after a restart takes the pages it would have taken" {
	mkdir "$MNT/h"
	sleeper_in "$MNT/h"
	H=$SLEEPER
	# the older file goes first (it is also the later by name)
	local old=("read PID FILEzeta 64K" "read PID FILEalpha 64K")
	evicts n1 "${old[@]}"
	[ "$EVICTED" = zeta ]
	RESTART=1 evicts r1 "${old[@]}"
	[ "$EVICTED" = zeta ]
	# inactive before active: zeta read twice stays
	local hot=("read PID FILEzeta 64K" "read PID FILEalpha 64K" "read PID FILEzeta 64K")
	evicts n2 "${hot[@]}"
	[ "$EVICTED" = alpha ]
	RESTART=1 evicts r2 "${hot[@]}"
	[ "$EVICTED" = alpha ]
}

# anon_writer NAME PID: a client that writes 'anon PID 4K' to the
# workload file in a loop, and adds a line to NAME.ok for each write that
# succeeded.
anon_writer() {
	client "$1" "echo 'anon $2 4K' >\"\$MNT/memcgfs.workload\" &&
		echo >>'$BATS_TEST_TMPDIR/$1.ok'"
}

# resent_count: the requests resent before the last death, as logged.
resent_count() {
	local n
	n=$(grep -o '([0-9]* requests resent so far)' "$DAEMON_LOG" |
		tail -n 1 | tr -dc 0-9)
	echo "${n:-0}"
}

# successes NAME: how many of anon_writer NAME's writes succeeded.
successes() {
	cat "$BATS_TEST_TMPDIR/$1.ok" 2>/dev/null | wc -l
}

@test "a workload write resent after a kill -9 is applied exactly once: anon is 4K times the writes that succeeded" {
	local w n i
	for w in w1 w2; do
		mkdir "$MNT/$w"
		sleeper_in "$MNT/$w"
		anon_writer "$w" "$SLEEPER"
	done
	wait_rounds w1 5
	for i in $(seq 1 10); do
		new_server KILL
		wait_rounds w1 3
		wait_rounds w2 3
	done
	# More, until the kernel has resent several requests of the dead
	# servers (most of them are these writes or their opens).
	for i in $(seq 1 40); do
		[ "$(resent_count)" -ge 5 ] && break
		new_server KILL
		wait_rounds w1 2
	done
	stop_clients
	no_client_broke w1 w2
	resent_any
	for w in w1 w2; do
		n=$(successes "$w")
		[ "$n" -gt 0 ]
		stat_is "$MNT/$w" rss $((n * 4096)) pgfault "$n"
		usage_is "$MNT/$w" $((n * 4096))
	done
	invariants . w1 w2
}

@test "a member that died while no server ran: its anon and sockets are uncharged, its page cache stays" {
	mkdir "$MNT/g"
	sleeper_in "$MNT/g"
	local dead=$SLEEPER
	sleeper_in "$MNT/g"
	wl "anon $dead 1M" "read $dead f 64K" "tcp $dead 8K" "anon $SLEEPER 256K"
	kill -STOP "$(server_pid)"	# nobody sees the exit
	kill -9 "$dead"
	wait "$dead" 2>/dev/null || true
	new_server KILL
	eventually 5 stat_is "$MNT/g" rss 262144 cache 65536
	usage_is "$MNT/g" 327680
	value_is "$MNT/g/memory.kmem.tcp.usage_in_bytes" 0
	value_is "$MNT/g/memory.max_usage_in_bytes" 1376256
	[ "$(cat "$MNT/g/tasks")" = "$SLEEPER" ]
	invariants . g
}

# charges_sum: a checksum of the charges checkpoint STATE.charges.
charges_sum() {
	md5sum <"$STATE.charges" 2>/dev/null || echo none
}

# charges_changed SUM: the checkpoint is no longer the one of SUM.
charges_changed() {
	[ "$(charges_sum)" != "$1" ]
}

@test "changes made with no request (an exit, the reaper) are checkpointed: a restart does not undo them" {
	STATE="$BATS_TEST_TMPDIR/state"
	remount "kmem=pin,reap_interval=1,state=$STATE"
	mkdir -p "$MNT/p/c" "$MNT/p/e"
	sleeper_in "$MNT/p/c"
	want OK write "$MNT/p/c/memory.kmem.limit_in_bytes" -1
	wl "kmalloc $SLEEPER dentry 21 t"
	echo "$SLEEPER" >"$MNT/tasks"
	want OK rmdir "$MNT/p/c"
	listed_dying /p/c
	sleeper_in "$MNT/p/e"
	wl "anon $SLEEPER 1M" "read $SLEEPER f 64K"
	local sum before
	# the object freed leaves its page to the reaper's next pass; the
	# member's exit uncharges its anon: neither is a request's doing
	wl "kfree t"
	kill -9 "$SLEEPER"
	eventually 5 not_dying /p/c
	eventually 5 stat_is "$MNT/p/e" rss 0 cache 65536
	value_is "$MNT/p/memory.kmem.usage_in_bytes" 0
	# a checkpoint after both were seen (none comes if the last one
	# before SUM was taken had them already)
	sum=$(charges_sum)
	eventually 3 charges_changed "$sum" || true
	before=$(dump_charges)
	new_server KILL
	# read at once: the new server's reaper would release the page again
	not_dying /p/c
	after=$(dump_charges)
	diff <(echo "$before") <(echo "$after")
	invariants . p p/e
}

# pt_start_in DIR: pagetool as pt_start starts it, but a member of group
# DIR from its exec on, so that every page it has is charged to DIR: a
# restarted server charges a member's host pages to the group it is in
# then, those it had before it joined too (memcgfs(8) RESTART).
pt_start_in() {
	local wrapper="$BATS_TEST_TMPDIR/pagetool-in"
	printf '#!/bin/sh\necho $$ >"%s/cgroup.procs" && exec "%s" "$@"\n' \
		"$1" "$PAGETOOL" >"$wrapper"
	chmod +x "$wrapper"
	PAGETOOL=$wrapper pt_start "$1"
}

@test "an rmdir that leaves a group dying is checkpointed before its reply: a kill -9 right after it keeps the group dying" {
	remount kmem=pin
	mkdir -p "$MNT/p/d"
	sleeper_in "$MNT/p/d"
	want OK write "$MNT/p/d/memory.kmem.limit_in_bytes" -1
	wl "kmalloc $SLEEPER dentry 42 t"
	echo "$SLEEPER" >"$MNT/tasks"
	local before
	want OK rmdir "$MNT/p/d"
	listed_dying /p/d
	before=$(dump_charges)
	new_server KILL
	diff <(echo "$before") <(dump_charges)
	listed_dying /p/d
	wl "kfree t" reap
	eventually 5 not_dying /p/d
	value_is "$MNT/p/memory.kmem.usage_in_bytes" 0
}

# settled_snapshot DIR: pagetool.bash's snapshot of DIR once two taken a
# few scans apart agree (at most 10 s).
settled_snapshot() {
	local a b i
	b=$(snapshot "$1")
	for i in $(seq 1 50); do
		a=$b
		sleep 0.2
		b=$(snapshot "$1")
		[ "$a" != "$b" ] || break
	done
	echo "$b"
}

@test "track=pages: a member's real pages are charged again after a restart, once" {
	remount track=pages,pages_interval=20
	PAGE=$(getconf PAGESIZE)
	DATA="$BATS_TEST_TMPDIR/data"
	head -c $((100 * PAGE)) /dev/urandom >"$DATA"
	mkdir "$MNT/g"
	pt_start_in "$MNT/g"
	pt "anon 256"
	pt "file $DATA 100"
	eventually 10 pages_at_least "$MNT/g" rss 256
	eventually 10 pages_at_least "$MNT/g" mapped_file $((100 - FILE_SLACK))
	local before
	before=$(settled_snapshot "$MNT/g")
	new_server KILL
	# A few pages of the tool's start that the first server's first scan
	# found shared (so not charged) can be the new server's to charge.
	ANON_SLACK=4 eventually 10 matches "$before" "$MNT/g"
	invariants . g
}

@test "track=pages: after a restart a member's host pages are charged to the group it is in then" {
	remount track=pages,pages_interval=20
	PAGE=$(getconf PAGESIZE)
	DATA="$BATS_TEST_TMPDIR/data"
	: >"$DATA"
	mkdir "$MNT/g1" "$MNT/g2"
	pt_start_in "$MNT/g1"
	pt "anon 200"
	eventually 10 pages_at_least "$MNT/g1" rss 200
	# moved without move_charge_at_immigrate: its pages stay in g1
	echo "$PT" >"$MNT/g2/cgroup.procs"
	pt "anon 1"
	eventually 10 pages_at_least "$MNT/g2" rss 1
	pages_at_least "$MNT/g1" rss 200
	[ "$(pages "$MNT/g2" rss)" -lt 100 ]
	new_server KILL
	# the owner of a host page is not kept: g2 has them all now
	eventually 10 pages_at_least "$MNT/g2" rss 201
	eventually 10 pages_are "$MNT/g1" rss 0
	invariants . g1 g2
}

# charges_of_last_mount: a state file, and its charges checkpoint, left by
# a mount that ended cleanly while a group held charges.
charges_of_last_mount() {
	STATE="$BATS_TEST_TMPDIR/state"
	remount "state=$STATE"
	mkdir -p "$MNT/a/b"
	sleeper_in "$MNT/a/b"
	wl "anon $SLEEPER 1M" "read $SLEEPER f 64K" "kmalloc $SLEEPER dentry 30 t"
	unmount_memcgfs
	[ -s "$STATE" ] && [ -s "$STATE.charges" ]
}

# flip_middle FILE: the byte in the middle of FILE changed (one bit).
flip_middle() {
	local off byte
	off=$(($(stat -c %s "$1") / 2))
	byte=$(od -An -tu1 -j "$off" -N1 "$1" | tr -dc 0-9)
	printf '%b' "\\0$(printf %o $((byte ^ 1)))" |
		dd of="$1" bs=1 seek="$off" conv=notrunc status=none
}

@test "a corrupted charges checkpoint makes the state bad: memcgfs starts empty, with a message" {
	charges_of_last_mount
	local copy="$BATS_TEST_TMPDIR/charges.copy"
	cp "$STATE.charges" "$copy"
	flip_middle "$STATE.charges"
	! cmp -s "$STATE.charges" "$copy"
	mount_memcgfs "state=$STATE"
	[ ! -e "$MNT/a" ]
	usage_is "$MNT" 0
	grep -F "state file $STATE: the charges file" "$DAEMON_LOG" |
		grep -q "starting empty"
	[ -s "$STATE.bad" ]
	mkdir "$MNT/new"	# and it records again
	new_server KILL
	[ -d "$MNT/new" ]
}

@test "bad_state=refuse: a corrupted charges checkpoint keeps memcgfs from mounting" {
	charges_of_last_mount
	flip_middle "$STATE.charges"
	MNT=$(mktemp -d "$BATS_TEST_TMPDIR/mnt.XXXXXX")
	run "$MEMCGFS" -f -o "state=$STATE,bad_state=refuse" "$MNT"
	[ "$status" -eq 1 ]
	[[ "$output" == *"state file $STATE: the charges file"*"refusing to start"* ]]
	! grep -q " $MNT " /proc/mounts
}
