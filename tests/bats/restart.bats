#!/usr/bin/env bats
# memcgfs(8) RESTART: the supervisor holds the mount while its server dies
# and comes back; clients never see ENOTCONN, and what they set is back.

load helpers

setup() {
	mount_memcgfs
	STOP="$BATS_TEST_TMPDIR/stop"
	CLIENTS=
}

teardown() {
	stop_clients
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
	local want=$(($(rounds "$1") + $2)) i
	for i in $(seq 1 400); do
		[ "$(rounds "$1")" -ge "$want" ] && return 0
		sleep 0.05
	done
	echo "client $1 made no progress" >&2
	return 1
}

# new_server SIG: send SIG to the server and wait until another one
# serves the same mount.
new_server() {
	local old i new
	old=$(server_pid)
	[ -n "$old" ]
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
	stop_clients
	no_client_broke read write workload list
	grep -c "server killed by signal 9" "$DAEMON_LOG" | grep -qx 3
	! grep "cannot resend" "$DAEMON_LOG"
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
	local i
	for i in $(seq 1 200); do
		kill -0 "$srv" 2>/dev/null || break
		sleep 0.05
	done
	! kill -0 "$srv" 2>/dev/null
	! grep -q " $MNT " /proc/mounts
}
