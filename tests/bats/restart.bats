#!/usr/bin/env bats
# memcgfs(8) RESTART: the supervisor holds the mount while its server dies
# and comes back; clients never see ENOTCONN, and what they set is back.

load helpers

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
	sleeper_in "$MNT/c"
	MOVER=$SLEEPER
}

@test "kill -9 under load: groups, ids, owners, modes, limits, settings and members come back" {
	make_tree
	# nobody's lookups make an opener index of their own
	(cd "$MNT" && setpriv --reuid=65534 --regid=65534 --clear-groups \
		cat c/tasks >/dev/null)
	local before after i
	client read 'cat "$MNT/a/memory.stat" "$MNT/c/tasks" >/dev/null'
	client write 'echo 50M >"$MNT/a/b/memory.soft_limit_in_bytes"'
	client move "echo $MOVER >\"\$MNT/a/tasks\"; echo $MOVER >\"\$MNT/c/tasks\""
	client workload 'echo "anon 0 4K" >"$MNT/memcgfs.workload"'
	client tree 'mkdir "$MNT/t" && rmdir "$MNT/t"'
	wait_rounds move 3
	for i in 1 2 3; do
		new_server KILL
		wait_rounds move 3
		wait_rounds tree 3
	done
	stop_clients
	no_client_broke read write move workload tree
	before=$(dump)
	new_server KILL
	after=$(dump)
	diff <(echo "$before") <(echo "$after")
	# what was set is there, not only the same as before
	value_is "$MNT/a/memory.limit_in_bytes" 104857600
	value_is "$MNT/a/b/memory.soft_limit_in_bytes" 52428800
	listed "$MNT/c/tasks" "$MOVER"
	[ "$(stat -c %U "$MNT/c")" = nobody ]
	[ "$(stat -c %a "$MNT/space 2")" = 700 ]
	[ ! -e "$MNT/t" ] && [ ! -e "$MNT/gone" ]
	invariants . a a/b c
}

@test "SIGTERM of the server: the state comes back the same" {
	make_tree
	local before after
	before=$(dump)
	new_server TERM
	after=$(dump)
	diff <(echo "$before") <(echo "$after")
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
