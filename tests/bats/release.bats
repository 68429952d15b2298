#!/usr/bin/env bats
# notify_on_release and release_agent (memcgfs(8) PERMISSIONS): when a group with
# notify_on_release 1 becomes empty (no tasks, no child groups), the root's
# release_agent runs with the group's path relative to the mount.

load helpers

setup() {
	mount_memcgfs
	RELEASE_LOG=$BATS_TEST_TMPDIR/release.log
	AGENT=$BATS_TEST_TMPDIR/agent.sh
	: >"$RELEASE_LOG"
	cat >"$AGENT" <<-EOF
	#!/bin/sh
	echo "\$1" >>'$RELEASE_LOG'
	EOF
	chmod 0755 "$AGENT"
	echo "$AGENT" >"$MNT/release_agent"
}

# wait_logged LINE: poll the agent's log up to 5 s for LINE.
wait_logged() {
	local i
	for i in $(seq 1 100); do
		grep -qxF "$1" "$RELEASE_LOG" && return 0
		sleep 0.05
	done
	echo "release agent did not log '$1'; log:"
	cat "$RELEASE_LOG"
	return 1
}

# settle: give an agent that should not run the time to run anyway.
settle() {
	sleep 0.5
}

# log_is TEXT: the log holds exactly TEXT.
log_is() {
	[ "$(cat "$RELEASE_LOG")" = "$1" ] ||
		{ echo "log: $(cat "$RELEASE_LOG")"; false; }
}

@test "release_agent reads back the path written" {
	[ "$(cat "$MNT/release_agent")" = "$AGENT" ]
}

@test "the last task moving out runs the agent with /g" {
	mkdir "$MNT/g"
	echo 1 >"$MNT/g/notify_on_release"
	spawn_sleeper
	echo "$SLEEPER" >"$MNT/g/tasks"
	settle
	log_is ""
	echo "$SLEEPER" >"$MNT/tasks"
	wait_logged /g
	settle
	log_is /g
}

@test "the agent runs only when the last of several tasks leaves" {
	mkdir "$MNT/g"
	echo 1 >"$MNT/g/notify_on_release"
	spawn_sleeper
	local first=$SLEEPER
	spawn_sleeper
	echo "$first" >"$MNT/g/tasks"
	echo "$SLEEPER" >"$MNT/g/tasks"
	echo "$first" >"$MNT/tasks"
	settle
	log_is ""
	echo "$SLEEPER" >"$MNT/tasks"
	wait_logged /g
}

@test "the last task exiting runs the agent" {
	mkdir "$MNT/g"
	echo 1 >"$MNT/g/notify_on_release"
	spawn_sleeper
	echo "$SLEEPER" >"$MNT/g/cgroup.procs"
	kill -9 "$SLEEPER"
	wait "$SLEEPER" || true
	wait_logged /g
	settle
	log_is /g
}

@test "moving the last task to a sibling runs the agent for the group left" {
	mkdir "$MNT/g" "$MNT/h"
	echo 1 >"$MNT/g/notify_on_release"
	echo 1 >"$MNT/h/notify_on_release"
	spawn_sleeper
	echo "$SLEEPER" >"$MNT/g/tasks"
	echo "$SLEEPER" >"$MNT/h/tasks"
	wait_logged /g
	settle
	log_is /g
}

@test "removing the last child group runs the agent for the parent" {
	mkdir "$MNT/a"
	echo 1 >"$MNT/a/notify_on_release"
	mkdir "$MNT/a/b"
	rmdir "$MNT/a/b"
	wait_logged /a
	settle
	log_is /a
}

@test "a group that still has a child group is not empty" {
	mkdir "$MNT/a" "$MNT/a/b" "$MNT/a/c"
	echo 1 >"$MNT/a/notify_on_release"
	spawn_sleeper
	echo "$SLEEPER" >"$MNT/a/tasks"
	echo "$SLEEPER" >"$MNT/tasks"
	rmdir "$MNT/a/b"
	settle
	log_is ""
	rmdir "$MNT/a/c"
	wait_logged /a
}

@test "nested groups are reported by their full path" {
	mkdir -p "$MNT/a/b/c"
	echo 1 >"$MNT/a/b/c/notify_on_release"
	spawn_sleeper
	echo "$SLEEPER" >"$MNT/a/b/c/tasks"
	echo "$SLEEPER" >"$MNT/tasks"
	wait_logged /a/b/c
	echo 1 >"$MNT/a/b/notify_on_release"
	rmdir "$MNT/a/b/c"
	wait_logged /a/b
	settle
	[ "$(sort "$RELEASE_LOG")" = "$(printf '/a/b\n/a/b/c')" ]
}

@test "with notify_on_release 0 nothing runs" {
	mkdir "$MNT/quiet" "$MNT/loud" "$MNT/quiet/child"
	[ "$(cat "$MNT/quiet/notify_on_release")" = 0 ]
	spawn_sleeper
	echo "$SLEEPER" >"$MNT/quiet/tasks"
	echo "$SLEEPER" >"$MNT/tasks"
	rmdir "$MNT/quiet/child"
	# A group with notify_on_release 1 proves the agent works meanwhile.
	echo 1 >"$MNT/loud/notify_on_release"
	echo "$SLEEPER" >"$MNT/loud/tasks"
	echo "$SLEEPER" >"$MNT/tasks"
	wait_logged /loud
	settle
	log_is /loud
}

@test "switching notify_on_release back to 0 stops the notifications" {
	mkdir "$MNT/g"
	echo 1 >"$MNT/g/notify_on_release"
	echo 0 >"$MNT/g/notify_on_release"
	mkdir "$MNT/h"
	echo 5 >"$MNT/h/notify_on_release"
	[ "$(cat "$MNT/h/notify_on_release")" = 1 ]
	spawn_sleeper
	echo "$SLEEPER" >"$MNT/g/tasks"
	echo "$SLEEPER" >"$MNT/h/tasks"
	echo "$SLEEPER" >"$MNT/tasks"
	wait_logged /h
	settle
	log_is /h
}

@test "notify_on_release is inherited by new children" {
	mkdir "$MNT/a" "$MNT/z"
	echo 1 >"$MNT/a/notify_on_release"
	mkdir "$MNT/a/b" "$MNT/z/y"
	[ "$(cat "$MNT/a/b/notify_on_release")" = 1 ]
	[ "$(cat "$MNT/z/y/notify_on_release")" = 0 ]
	mkdir "$MNT/a/b/c"
	[ "$(cat "$MNT/a/b/c/notify_on_release")" = 1 ]
	# Existing children keep their value when the parent changes.
	echo 0 >"$MNT/a/notify_on_release"
	[ "$(cat "$MNT/a/b/notify_on_release")" = 1 ]
	# The inherited flag takes effect.
	spawn_sleeper
	echo "$SLEEPER" >"$MNT/a/b/c/tasks"
	echo "$SLEEPER" >"$MNT/tasks"
	wait_logged /a/b/c
}

@test "notify_on_release set in root is inherited by top-level groups" {
	echo 1 >"$MNT/notify_on_release"
	mkdir "$MNT/g"
	[ "$(cat "$MNT/g/notify_on_release")" = 1 ]
	spawn_sleeper
	echo "$SLEEPER" >"$MNT/g/tasks"
	echo "$SLEEPER" >"$MNT/tasks"
	wait_logged /g
}

@test "an agent that does not exist does not hurt the daemon" {
	echo "$BATS_TEST_TMPDIR/no/such/agent" >"$MNT/release_agent"
	mkdir "$MNT/g"
	echo 1 >"$MNT/g/notify_on_release"
	spawn_sleeper
	echo "$SLEEPER" >"$MNT/g/tasks"
	echo "$SLEEPER" >"$MNT/tasks"
	settle
	kill -0 "$DAEMON_PID"
	grep -qx "$SLEEPER" "$MNT/tasks"
	log_is ""
	# A good agent works again afterwards.
	echo "$AGENT" >"$MNT/release_agent"
	echo "$SLEEPER" >"$MNT/g/tasks"
	echo "$SLEEPER" >"$MNT/tasks"
	wait_logged /g
}

@test "an empty release_agent runs nothing and hurts nothing" {
	run probe write "$MNT/release_agent" '\n'
	[ "$output" = OK ]
	[ "$(cat "$MNT/release_agent")" = "" ]
	mkdir "$MNT/g"
	echo 1 >"$MNT/g/notify_on_release"
	rmdir "$MNT/g"
	mkdir "$MNT/g"
	echo 1 >"$MNT/g/notify_on_release"
	spawn_sleeper
	echo "$SLEEPER" >"$MNT/g/tasks"
	echo "$SLEEPER" >"$MNT/tasks"
	settle
	kill -0 "$DAEMON_PID"
	log_is ""
}
