#!/usr/bin/env bats
# Real host processes in the tree (memcgfs(8) REAL PROCESSES, VALUES pids): tasks and cgroup.procs
# list live threads and processes, writes move them between groups.

load helpers

# track PID: let teardown kill PID too.
track() {
	SLEEPERS="${SLEEPERS:-} $1"
}

# wait_listed FILE PID: poll up to 5 s for PID to show in FILE.
wait_listed() {
	local i
	for i in $(seq 1 100); do
		listed "$1" "$2" && return 0
		sleep 0.05
	done
	return 1
}

# running PID TID: thread TID of PID exists and is not a zombie.
running() {
	local st
	st=$(cat "/proc/$1/task/$2/stat" 2>/dev/null) || return 1
	st=${st##*) }
	case ${st%% *} in
	Z|X|x|'') return 1 ;;
	esac
}

# numeric_ascending FILE: one decimal number a line, strictly ascending.
numeric_ascending() {
	local f=$1
	[ -s "$f" ]
	! grep -qvx '[0-9][0-9]*' "$f"
	sort -n -c -u "$f"
}

@test "root lists the test shell and pid 1 in tasks and cgroup.procs" {
	listed "$MNT/tasks" "$$"
	listed "$MNT/cgroup.procs" "$$"
	listed "$MNT/tasks" 1
	listed "$MNT/cgroup.procs" 1
}

@test "root lists are ascending decimal ids, one per line" {
	cat "$MNT/tasks" >"$BATS_TEST_TMPDIR/tasks"
	cat "$MNT/cgroup.procs" >"$BATS_TEST_TMPDIR/procs"
	numeric_ascending "$BATS_TEST_TMPDIR/tasks"
	numeric_ascending "$BATS_TEST_TMPDIR/procs"
}

@test "root lists every live process and thread" {
	local before=$BATS_TEST_TMPDIR/before p t missing=
	# Threads alive (not zombies) before and after the read must all be
	# listed.
	for p in /proc/[0-9]*; do
		for t in "$p"/task/[0-9]*; do
			[ -e "$t" ] && echo "${p#/proc/} ${t##*/}"
		done
	done >"$before"
	cat "$MNT/tasks" >"$BATS_TEST_TMPDIR/tasks"
	cat "$MNT/cgroup.procs" >"$BATS_TEST_TMPDIR/procs"
	while read -r p t; do
		running "$p" "$t" || continue
		grep -qx "$t" "$BATS_TEST_TMPDIR/tasks" || missing="$missing tid:$t"
		if [ "$p" = "$t" ]; then
			grep -qx "$p" "$BATS_TEST_TMPDIR/procs" || missing="$missing tgid:$p"
		fi
	done <"$before"
	[ -z "$missing" ] || { echo "not listed:$missing"; false; }
}

@test "cgroup.procs lists thread-group ids only, tasks lists every thread" {
	spawn_threaded
	local tid
	for tid in $(ls "/proc/$THREADED/task"); do
		listed "$MNT/tasks" "$tid"
		[ "$tid" = "$THREADED" ] || ! listed "$MNT/cgroup.procs" "$tid"
	done
	listed "$MNT/cgroup.procs" "$THREADED"
}

@test "writing a pid to a child's tasks moves it out of root" {
	spawn_sleeper
	mkdir "$MNT/g"
	[ -z "$(cat "$MNT/g/tasks")" ]
	run probe write "$MNT/g/tasks" "$SLEEPER"
	[ "$output" = OK ]
	[ "$(cat "$MNT/g/tasks")" = "$SLEEPER" ]
	[ "$(cat "$MNT/g/cgroup.procs")" = "$SLEEPER" ]
	! listed "$MNT/tasks" "$SLEEPER"
	! listed "$MNT/cgroup.procs" "$SLEEPER"
	listed "$MNT/tasks" "$$"
}

@test "writing a pid to a child's cgroup.procs moves it" {
	spawn_sleeper
	mkdir "$MNT/g"
	run probe write "$MNT/g/cgroup.procs" "$SLEEPER\n"
	[ "$output" = OK ]
	[ "$(cat "$MNT/g/cgroup.procs")" = "$SLEEPER" ]
	[ "$(cat "$MNT/g/tasks")" = "$SLEEPER" ]
	! listed "$MNT/tasks" "$SLEEPER"
}

@test "a group's lists are ascending" {
	local pids= i
	mkdir "$MNT/g"
	for i in 1 2 3 4 5; do
		spawn_sleeper
		pids="$pids $SLEEPER"
	done
	# Move them in descending order: the listing must still ascend.
	for i in $(printf '%s\n' $pids | sort -rn); do
		echo "$i" >"$MNT/g/tasks"
	done
	[ "$(cat "$MNT/g/tasks")" = "$(printf '%s\n' $pids | sort -n)" ]
	[ "$(cat "$MNT/g/cgroup.procs")" = "$(printf '%s\n' $pids | sort -n)" ]
}

@test "cgroup.procs moves every thread of a multi-threaded process" {
	spawn_threaded
	mkdir "$MNT/g"
	run probe write "$MNT/g/cgroup.procs" "$THREADED"
	[ "$output" = OK ]
	local tids tid
	tids=$(ls "/proc/$THREADED/task" | sort -n)
	[ "$(cat "$MNT/g/tasks")" = "$tids" ]
	[ "$(cat "$MNT/g/cgroup.procs")" = "$THREADED" ]
	for tid in $tids; do
		! listed "$MNT/tasks" "$tid"
	done
	! listed "$MNT/cgroup.procs" "$THREADED"
}

@test "tasks moves one non-leader thread; cgroup.procs then lists its tgid" {
	spawn_threaded
	mkdir "$MNT/g"
	local tid
	tid=$(ls "/proc/$THREADED/task" | sort -n | grep -vx "$THREADED" | tail -n 1)
	[ -n "$tid" ]
	run probe write "$MNT/g/tasks" "$tid"
	[ "$output" = OK ]
	[ "$(cat "$MNT/g/tasks")" = "$tid" ]
	[ "$(cat "$MNT/g/cgroup.procs")" = "$THREADED" ]
	# The rest of the process stays in root.
	! listed "$MNT/tasks" "$tid"
	listed "$MNT/tasks" "$THREADED"
	listed "$MNT/cgroup.procs" "$THREADED"
}

@test "cgroup.procs given a non-leader thread id moves its whole process" {
	spawn_threaded
	mkdir "$MNT/g"
	local tid
	tid=$(ls "/proc/$THREADED/task" | sort -n | grep -vx "$THREADED" | tail -n 1)
	run probe write "$MNT/g/cgroup.procs" "$tid"
	[ "$output" = OK ]
	[ "$(cat "$MNT/g/cgroup.procs")" = "$THREADED" ]
	[ "$(cat "$MNT/g/tasks")" = "$(ls "/proc/$THREADED/task" | sort -n)" ]
	! listed "$MNT/cgroup.procs" "$THREADED"
}

@test "a pid is in exactly one group: moving a to b removes it from a" {
	spawn_sleeper
	mkdir "$MNT/a" "$MNT/b" "$MNT/a/c"
	echo "$SLEEPER" >"$MNT/a/tasks"
	listed "$MNT/a/tasks" "$SLEEPER"
	echo "$SLEEPER" >"$MNT/b/cgroup.procs"
	[ "$(cat "$MNT/b/tasks")" = "$SLEEPER" ]
	[ -z "$(cat "$MNT/a/tasks")" ]
	[ -z "$(cat "$MNT/a/cgroup.procs")" ]
	! listed "$MNT/tasks" "$SLEEPER"
	# Into a nested group, and the parent does not list it.
	echo "$SLEEPER" >"$MNT/a/c/tasks"
	[ "$(cat "$MNT/a/c/tasks")" = "$SLEEPER" ]
	[ -z "$(cat "$MNT/a/tasks")" ]
	[ -z "$(cat "$MNT/b/tasks")" ]
}

@test "moving back to root" {
	spawn_sleeper
	mkdir "$MNT/g"
	echo "$SLEEPER" >"$MNT/g/tasks"
	! listed "$MNT/tasks" "$SLEEPER"
	run probe write "$MNT/tasks" "$SLEEPER"
	[ "$output" = OK ]
	listed "$MNT/tasks" "$SLEEPER"
	listed "$MNT/cgroup.procs" "$SLEEPER"
	[ -z "$(cat "$MNT/g/tasks")" ]
	echo "$SLEEPER" >"$MNT/g/cgroup.procs"
	run probe write "$MNT/cgroup.procs" "$SLEEPER"
	[ "$output" = OK ]
	listed "$MNT/cgroup.procs" "$SLEEPER"
	[ -z "$(cat "$MNT/g/cgroup.procs")" ]
}

@test "moving a pid into the group it is in succeeds and changes nothing" {
	spawn_sleeper
	mkdir "$MNT/g"
	echo "$SLEEPER" >"$MNT/g/tasks"
	run probe write "$MNT/g/tasks" "$SLEEPER"
	[ "$output" = OK ]
	[ "$(cat "$MNT/g/tasks")" = "$SLEEPER" ]
}

@test "0 written to cgroup.procs moves the writing process" {
	mkdir "$MNT/g"
	sh -c 'echo 0 >"$1/g/cgroup.procs" && exec sleep 1000' sh "$MNT" \
		</dev/null >/dev/null 2>&1 &
	local pid=$!
	track "$pid"
	wait_listed "$MNT/g/cgroup.procs" "$pid"
	[ "$(cat "$MNT/g/cgroup.procs")" = "$pid" ]
	[ "$(cat "$MNT/g/tasks")" = "$pid" ]
	! listed "$MNT/cgroup.procs" "$pid"
	# The test shell, which only started it, stays in root.
	listed "$MNT/cgroup.procs" "$$"
}

@test "0 written to tasks moves the writing thread" {
	mkdir "$MNT/g"
	sh -c 'echo 0 >"$1/g/tasks" && exec sleep 1000' sh "$MNT" \
		</dev/null >/dev/null 2>&1 &
	local pid=$!
	track "$pid"
	wait_listed "$MNT/g/tasks" "$pid"
	[ "$(cat "$MNT/g/tasks")" = "$pid" ]
	! listed "$MNT/tasks" "$pid"
}

@test "a process forked by a member joins its parent's group" {
	mkdir "$MNT/g"
	local pidfile=$BATS_TEST_TMPDIR/child.pid
	sh -c 'echo 0 >"$1/g/cgroup.procs" || exit 1
	       sleep 1000 </dev/null >/dev/null 2>&1 &
	       echo $! >"$2"
	       wait' sh "$MNT" "$pidfile" </dev/null >/dev/null 2>&1 &
	local parent=$! child i
	track "$parent"
	for i in $(seq 1 100); do
		[ -s "$pidfile" ] && break
		sleep 0.05
	done
	child=$(cat "$pidfile")
	[ -n "$child" ]
	track "$child"
	listed "$MNT/g/cgroup.procs" "$parent"
	listed "$MNT/g/cgroup.procs" "$child"
	listed "$MNT/g/tasks" "$child"
	! listed "$MNT/cgroup.procs" "$child"
	! listed "$MNT/tasks" "$child"
}

@test "a pid with no live process gives ESRCH" {
	mkdir "$MNT/g"
	sleep 1000 &
	local dead=$!
	kill -9 "$dead"
	wait "$dead" || true
	run probe write "$MNT/g/tasks" "$dead"
	[ "$output" = ESRCH ]
	run probe write "$MNT/g/cgroup.procs" "$dead"
	[ "$output" = ESRCH ]
	run probe write "$MNT/g/tasks" 999999999
	[ "$output" = ESRCH ]
	[ -z "$(cat "$MNT/g/tasks")" ]
}

@test "a zombie cannot be moved (ESRCH) and is not listed in a group" {
	mkdir "$MNT/g"
	# The zombie's parent execs a program that never reaps it.
	local pidfile=$BATS_TEST_TMPDIR/z.pid
	sh -c 'sleep 1000 </dev/null >/dev/null 2>&1 & echo $! >"$1"; exec sleep 1000' \
		sh "$pidfile" </dev/null >/dev/null 2>&1 &
	local parent=$! z i
	track "$parent"
	for i in $(seq 1 100); do
		[ -s "$pidfile" ] && break
		sleep 0.05
	done
	z=$(cat "$pidfile")
	[ -n "$z" ]
	track "$z"
	echo "$z" >"$MNT/g/tasks"
	listed "$MNT/g/tasks" "$z"
	kill -9 "$z"
	for i in $(seq 1 100); do
		grep -q '^State:.*Z' "/proc/$z/status" 2>/dev/null && break
		sleep 0.05
	done
	grep -q '^State:.*Z' "/proc/$z/status"
	! listed "$MNT/g/tasks" "$z"
	! listed "$MNT/g/cgroup.procs" "$z"
	! listed "$MNT/tasks" "$z"
	run probe write "$MNT/tasks" "$z"
	[ "$output" = ESRCH ]
}

@test "non-numbers, negatives and empty lines give EINVAL" {
	spawn_sleeper
	mkdir "$MNT/g"
	local f v
	for f in tasks cgroup.procs; do
		for v in abc -1 '\n' ' ' "${SLEEPER}x" "$SLEEPER $SLEEPER" 1.0 \
			99999999999999999999; do
			run probe write "$MNT/g/$f" "$v"
			[ "$output" = EINVAL ] || { echo "$f '$v': $output"; false; }
		done
	done
	[ -z "$(cat "$MNT/g/tasks")" ]
	listed "$MNT/tasks" "$SLEEPER"
}

@test "a pid with surrounding whitespace and a newline is accepted" {
	spawn_sleeper
	mkdir "$MNT/g"
	run probe write "$MNT/g/tasks" " $SLEEPER \n"
	[ "$output" = OK ]
	[ "$(cat "$MNT/g/tasks")" = "$SLEEPER" ]
}

@test "an exited process leaves its group's lists at once (20 rounds)" {
	mkdir "$MNT/g"
	local i pid
	for i in $(seq 1 20); do
		sleep 1000 </dev/null >/dev/null 2>&1 &
		pid=$!
		track "$pid"
		echo "$pid" >"$MNT/g/cgroup.procs"
		listed "$MNT/g/tasks" "$pid"
		kill -9 "$pid"
		wait "$pid" || true
		if listed "$MNT/g/tasks" "$pid" ||
		   listed "$MNT/g/cgroup.procs" "$pid"; then
			echo "round $i: exited pid $pid still listed"
			false
		fi
		! listed "$MNT/tasks" "$pid"
	done
	[ -z "$(cat "$MNT/g/tasks")" ]
}

@test "a reaped member's memory is uncharged before any read or write sees it (20 rounds)" {
	# Python, not the shell: the race is with the daemon's own handling
	# of the exit, and a shell's wait and write leave it time to finish.
	run python3 - "$MNT" <<'EOF'
import os, signal, sys, time
mnt = sys.argv[1]
os.mkdir(mnt + "/g")
def put(path, text):
    with open(mnt + path, "w") as f:
        f.write(text)
for i in range(20):
    pid = os.fork()
    if pid == 0:
        time.sleep(1000)
        os._exit(0)
    put("/g/cgroup.procs", str(pid))
    put("/memcgfs.workload", "anon %d 256M\nmap %d file%d 128M\n" % (pid, pid, i))
    os.kill(pid, signal.SIGKILL)
    os.waitpid(pid, 0)
    # The write comes first: pages still mapped would survive it.
    put("/memcgfs.workload", "drop_caches\n")
    usage = open(mnt + "/g/memory.usage_in_bytes").read().strip()
    if usage != "0":
        print("round %d: usage %s after the exit and drop_caches" % (i, usage))
        sys.exit(1)
print("OK")
EOF
	echo "$output"
	[ "$output" = OK ]
	stat_is "$MNT/g" rss 0 cache 0 mapped_file 0
}

@test "an exited root member leaves root's lists at once" {
	local i pid
	for i in $(seq 1 5); do
		sleep 1000 </dev/null >/dev/null 2>&1 &
		pid=$!
		track "$pid"
		listed "$MNT/tasks" "$pid"
		kill -9 "$pid"
		wait "$pid" || true
		! listed "$MNT/tasks" "$pid"
		! listed "$MNT/cgroup.procs" "$pid"
	done
}

@test "a group whose task exited is listed empty" {
	spawn_sleeper
	mkdir "$MNT/g"
	echo "$SLEEPER" >"$MNT/g/tasks"
	kill -9 "$SLEEPER"
	wait "$SLEEPER" || true
	run probe read "$MNT/g/tasks"
	[ "$output" = OK ]
	run probe read "$MNT/g/cgroup.procs"
	[ "$output" = OK ]
}

@test "rmdir of a group with tasks gives EBUSY until the task exits" {
	spawn_sleeper
	mkdir "$MNT/g"
	echo "$SLEEPER" >"$MNT/g/tasks"
	run probe rmdir "$MNT/g"
	[ "$output" = EBUSY ]
	[ -d "$MNT/g" ]
	[ "$(cat "$MNT/g/tasks")" = "$SLEEPER" ]
	kill -9 "$SLEEPER"
	wait "$SLEEPER" || true
	run probe rmdir "$MNT/g"
	[ "$output" = OK ]
	[ ! -e "$MNT/g" ]
}

@test "rmdir succeeds after the last task moved out" {
	spawn_sleeper
	mkdir "$MNT/g"
	echo "$SLEEPER" >"$MNT/g/cgroup.procs"
	run probe rmdir "$MNT/g"
	[ "$output" = EBUSY ]
	echo "$SLEEPER" >"$MNT/cgroup.procs"
	run probe rmdir "$MNT/g"
	[ "$output" = OK ]
	listed "$MNT/tasks" "$SLEEPER"
}

@test "moving into a removed group fails and the task stays put" {
	spawn_sleeper
	mkdir "$MNT/g"
	exec 8>"$MNT/g/tasks"
	rmdir "$MNT/g"
	run probe write "$MNT/g/tasks" "$SLEEPER"
	[ "$output" = ENOENT ]
	# Through a descriptor opened before the rmdir.
	local rc=0
	(echo "$SLEEPER" >&8) 2>"$BATS_TEST_TMPDIR/err" || rc=$?
	exec 8>&-
	cat "$BATS_TEST_TMPDIR/err"
	[ "$rc" -ne 0 ]
	grep -Eq 'No such device|No such file or directory' "$BATS_TEST_TMPDIR/err"
	listed "$MNT/tasks" "$SLEEPER"
}
