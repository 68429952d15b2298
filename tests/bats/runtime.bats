#!/usr/bin/env bats
# contrib/memcg-run and contrib/memcg-demo.sh: run a command in a new group
# of a memcgfs mount with limits (options or an OCI config.json), pass on
# its exit status and signals, and leave no group behind.

load helpers

bats_require_minimum_version 1.5.0

: "${CONTRIB:=$BATS_TEST_DIRNAME/../../contrib}"
RUN=$CONTRIB/memcg-run
UNLIMITED=9223372036854771712

setup() {
	mount_memcgfs
	BG=
	MEMBER=
}

teardown() {
	local p
	for p in $MEMBER $BG; do
		kill -9 "$p" 2>/dev/null || true
	done
	for p in $BG; do
		wait "$p" 2>/dev/null || true
	done
	unmount_memcgfs
}

# mrun ARG...: memcg-run on this test's mount.
mrun() {
	"$RUN" -M "$MNT" "$@"
}

# status_is N: the last `run` exited N.
status_is() {
	if [ "$status" -ne "$1" ]; then
		printf 'status %s, expected %s; output:\n%s\n' "$status" "$1" "$output" >&2
		return 1
	fi
}

# output_has TEXT: the last `run` printed TEXT somewhere.
output_has() {
	case $output in
	*"$1"*) ;;
	*)
		printf "output lacks '%s':\n%s\n" "$1" "$output" >&2
		return 1
		;;
	esac
}

# no_groups: the mount has no group left at all.
no_groups() {
	local left
	left=$(find "$MNT" -mindepth 1 -maxdepth 1 -type d)
	if [ -n "$left" ]; then
		printf 'groups left behind:\n%s\n' "$left" >&2
		return 1
	fi
}

# bg_run ARG...: memcg-run in the background, output in $BATS_TEST_TMPDIR/bg.out,
# pid in BG.  INT is reset to default: a background job of a non-interactive
# shell has it ignored, which a user's memcg-run would not.
bg_run() {
	env --default-signal=INT "$RUN" -M "$MNT" "$@" \
		</dev/null >"$BATS_TEST_TMPDIR/bg.out" 2>&1 &
	BG=$!
}

# wait_member GROUP: poll up to 5 s for a process in GROUP; its pid in MEMBER.
wait_member() {
	local i
	for i in $(seq 1 100); do
		MEMBER=$(head -n 1 "$MNT/$1/cgroup.procs" 2>/dev/null) || true
		[ -n "$MEMBER" ] && return 0
		sleep 0.05
	done
	echo "no process joined $1" >&2
	return 1
}

# wait_bg: wait for BG; its status in BG_STATUS.
wait_bg() {
	BG_STATUS=0
	wait "$BG" || BG_STATUS=$?
	BG=
}

# write_config FILE: an OCI runtime config whose command prints its
# group's limits and oom_kill_disable, one a line, then its arguments.
write_config() {
	cat >"$1" <<'EOF'
{
  "ociVersion": "1.0.2",
  "process": {
    "args": ["sh", "-c",
      "d=$MEMCG_RUN_DIR; cat $d/memory.limit_in_bytes $d/memory.soft_limit_in_bytes $d/memory.memsw.limit_in_bytes; head -n 1 $d/memory.oom_control; echo \"args: $1\"",
      "sh", "two words"]
  },
  "linux": {
    "resources": {
      "memory": {
        "limit": 67108864,
        "reservation": 33554432,
        "swap": 134217728,
        "disableOOMKiller": true
      }
    }
  }
}
EOF
}

# A command that prints its group's three limits and oom_kill_disable.
SHOW_LIMITS='d=$MEMCG_RUN_DIR; cat $d/memory.limit_in_bytes $d/memory.memsw.limit_in_bytes $d/memory.soft_limit_in_bytes; head -n 1 $d/memory.oom_control'

@test "--help prints the usage and exits 0" {
	run "$RUN" --help
	status_is 0
	output_has "Usage: memcg-run"
	output_has "--memsw SIZE"
	output_has "--oom-kill-disable"
}

@test "memcg-run exits with the command's status, 0 or 3" {
	run mrun -- true
	status_is 0
	run mrun -- sh -c 'exit 3'
	status_is 3
	no_groups
}

@test "a command killed by SIGKILL gives 128+9" {
	run mrun -- sh -c 'kill -9 $$'
	status_is 137
	no_groups
}

@test "the command runs in the new group memcg-run.PID, not in root" {
	# $PPID of the command is memcg-run itself, whose pid names the group.
	run mrun -- sh -c '
		g=$1/memcg-run.$PPID
		grep -qx $$ "$g/cgroup.procs" || exit 1
		grep -qx $$ "$1/cgroup.procs" && exit 2
		[ "$MEMCG_RUN_DIR" = "$g" ] || exit 4
		echo inside' sh "$MNT"
	status_is 0
	[ "$output" = inside ]
}

@test "processes the command starts are in its group too" {
	# memcgfs learns of forks asynchronously: allow it 2 s.
	run mrun -g fam -- sh -c '
		sleep 5 & p=$!
		r=1
		for i in $(seq 1 40); do
			grep -qx "$p" "$1/fam/cgroup.procs" && { r=0; break; }
			sleep 0.05
		done
		kill "$p"
		exit $r' sh "$MNT"
	status_is 0
}

@test "stdin, stdout and the working directory reach the command" {
	cd "$BATS_TEST_TMPDIR"
	run bash -c 'echo hello | "$0" -M "$1" -- sh -c "cat; pwd"' "$RUN" "$MNT"
	status_is 0
	[ "$output" = "hello"$'\n'"$BATS_TEST_TMPDIR" ]
}

@test "limits are set as asked and the command reads them back" {
	run mrun -m 64M --memsw 128M --soft 32M -- sh -c "$SHOW_LIMITS"
	status_is 0
	[ "$output" = "67108864
134217728
33554432
oom_kill_disable 0" ]
}

@test "the group is removed when the command ends" {
	run mrun -g gone -m 64M -- sh -c '[ -d "$1/gone" ]' sh "$MNT"
	status_is 0
	[ ! -e "$MNT/gone" ]
	no_groups
}

@test "--keep leaves the group, with its limits, once the command ended" {
	run mrun -g kept --keep -m 64M --memsw 128M -- true
	status_is 0
	[ -d "$MNT/kept" ]
	value_is "$MNT/kept/memory.limit_in_bytes" 67108864
	value_is "$MNT/kept/memory.memsw.limit_in_bytes" 134217728
	content_is "$MNT/kept/cgroup.procs" ""
	rmdir "$MNT/kept"
}

@test "a group that outlives its command is left in place, with a warning" {
	run mrun -g orphan -- sh -c 'sleep 30 </dev/null >/dev/null 2>&1 & echo $!'
	status_is 0
	output_has "still in use, left in place"
	[ -d "$MNT/orphan" ]
	MEMBER=${lines[0]}
	listed "$MNT/orphan/cgroup.procs" "$MEMBER"
	kill "$MEMBER"
	while ! rmdir "$MNT/orphan" 2>/dev/null; do sleep 0.05; done
	MEMBER=
}

@test "a bad size exits 125 with memcgfs's EINVAL and leaves no group" {
	local size opt
	for opt in -m --memsw --soft; do
		for size in 1.5M abc -2; do
			run mrun -g bad "$opt" "$size" -- touch "$BATS_TEST_TMPDIR/ran"
			status_is 125
			output_has "'$size': Invalid argument"
			[ ! -e "$BATS_TEST_TMPDIR/ran" ]
			no_groups
		done
	done
	run mrun -m "" -- true
	status_is 125
	no_groups
}

@test "a missing or non-memcgfs mount exits 125 and runs nothing" {
	run "$RUN" -M "$BATS_TEST_TMPDIR/nowhere" -- touch "$BATS_TEST_TMPDIR/ran"
	status_is 125
	output_has "No such file or directory"
	run "$RUN" -M "$BATS_TEST_TMPDIR" -- touch "$BATS_TEST_TMPDIR/ran"
	status_is 125
	output_has "not a memcgfs mount"
	MEMCGFS_MOUNT=$BATS_TEST_TMPDIR/nowhere run "$RUN" -- touch "$BATS_TEST_TMPDIR/ran"
	status_is 125
	[ ! -e "$BATS_TEST_TMPDIR/ran" ]
	# And $MEMCGFS_MOUNT is what is used without -M.
	MEMCGFS_MOUNT=$MNT run "$RUN" -g env -- sh -c 'grep -qx $$ "$1/env/cgroup.procs"' sh "$MNT"
	status_is 0
}

@test "an existing group is refused with 125 and left as it was" {
	mkdir "$MNT/taken"
	echo 64M >"$MNT/taken/memory.limit_in_bytes"
	run mrun -g taken -m 32M -- touch "$BATS_TEST_TMPDIR/ran"
	status_is 125
	output_has "already exists"
	[ ! -e "$BATS_TEST_TMPDIR/ran" ]
	value_is "$MNT/taken/memory.limit_in_bytes" 67108864
	rmdir "$MNT/taken"
}

@test "a nested -g creates missing parents and removes only those" {
	mkdir "$MNT/pre"
	run mrun -g pre/a/b -- sh -c 'grep -qx $$ "$1/pre/a/b/cgroup.procs"' sh "$MNT"
	status_is 0
	[ -d "$MNT/pre" ]
	[ ! -e "$MNT/pre/a" ]
	# A cgroup-style path, as /proc/PID/cgroup shows one, is the same.
	run mrun -g /pre/c -- sh -c '[ "$MEMCG_RUN_DIR" = "$1/pre/c" ]' sh "$MNT"
	status_is 0
	[ ! -e "$MNT/pre/c" ]
	rmdir "$MNT/pre"
	for name in .. a/../b a//b /; do
		run mrun -g "$name" -- true
		status_is 125
	done
	no_groups
}

@test "memsw and limit are set whichever is given first; memsw < limit is 125" {
	run mrun -m 64M --memsw 128M -- sh -c "$SHOW_LIMITS"
	status_is 0
	[ "${lines[0]} ${lines[1]}" = "67108864 134217728" ]
	run mrun --memsw 128M -m 64M -- sh -c "$SHOW_LIMITS"
	status_is 0
	[ "${lines[0]} ${lines[1]}" = "67108864 134217728" ]
	run mrun -m 64M --memsw 64M -- sh -c "$SHOW_LIMITS"
	status_is 0
	[ "${lines[0]} ${lines[1]}" = "67108864 67108864" ]
	run mrun -m -1 --memsw -1 -- sh -c "$SHOW_LIMITS"
	status_is 0
	[ "${lines[0]} ${lines[1]}" = "$UNLIMITED $UNLIMITED" ]
	run mrun -m 128M --memsw 64M -- touch "$BATS_TEST_TMPDIR/ran"
	status_is 125
	output_has "memory.memsw.limit_in_bytes to '64M': Invalid argument"
	[ ! -e "$BATS_TEST_TMPDIR/ran" ]
	# Alone, memsw must still be >= the (unlimited) memory limit.
	run mrun --memsw 64M -- true
	status_is 125
	no_groups
}

@test "--oom-kill-disable writes 1 to memory.oom_control" {
	run mrun --oom-kill-disable -- sh -c "$SHOW_LIMITS"
	status_is 0
	[ "${lines[3]}" = "oom_kill_disable 1" ]
}

@test "an OCI config.json sets limit, reservation, swap, disableOOMKiller, args" {
	write_config "$BATS_TEST_TMPDIR/config.json"
	run mrun -c "$BATS_TEST_TMPDIR/config.json"
	status_is 0
	[ "$output" = "67108864
33554432
134217728
oom_kill_disable 1
args: two words" ]
	no_groups
}

@test "options override the config, and a CMD replaces process.args" {
	write_config "$BATS_TEST_TMPDIR/config.json"
	run mrun -c "$BATS_TEST_TMPDIR/config.json" -m 32M --memsw 256M
	status_is 0
	[ "${lines[0]} ${lines[1]} ${lines[2]}" = "33554432 33554432 268435456" ]
	run mrun --soft 16M -c "$BATS_TEST_TMPDIR/config.json" -- sh -c "$SHOW_LIMITS"
	status_is 0
	[ "$output" = "67108864
134217728
16777216
oom_kill_disable 1" ]
}

@test "a bad config exits 125 without a group" {
	local cfg=$BATS_TEST_TMPDIR/config.json
	echo '{"linux":' >"$cfg"
	run mrun -c "$cfg"
	status_is 125
	output_has "not valid JSON"
	echo '{"linux":{"resources":{"memory":{"limit":"64M"}}},"process":{"args":["true"]}}' >"$cfg"
	run mrun -c "$cfg"
	status_is 125
	output_has "linux.resources.memory.limit"
	echo '{"linux":{"resources":{"memory":{"limit":-5}}},"process":{"args":["true"]}}' >"$cfg"
	run mrun -c "$cfg"
	status_is 125
	output_has "Invalid argument"
	echo '{"process":{"args":[]}}' >"$cfg"
	run mrun -c "$cfg"
	status_is 125
	output_has "no command"
	run mrun -c "$BATS_TEST_TMPDIR/missing.json"
	status_is 125
	no_groups
}

@test "TERM to memcg-run is forwarded: the command dies of it, status 143" {
	bg_run -g sig -- sleep 30
	wait_member sig
	kill -TERM "$BG"
	wait_bg
	[ "$BG_STATUS" -eq 143 ] || { cat "$BATS_TEST_TMPDIR/bg.out"; false; }
	if kill -0 "$MEMBER" 2>/dev/null; then
		echo "the command outlived memcg-run" >&2
		false
	fi
	MEMBER=
	no_groups
}

@test "INT is forwarded too, and a command that handles TERM sets the status" {
	bg_run -g sig -- sleep 30
	wait_member sig
	kill -INT "$BG"
	wait_bg
	[ "$BG_STATUS" -eq 130 ]
	MEMBER=
	# memcg-run does not die of TERM itself: it waits for the command.
	bg_run -g sig2 -- sh -c 'trap "echo caught; exit 7" TERM; while :; do sleep 0.05; done'
	wait_member sig2
	kill -TERM "$BG"
	wait_bg
	[ "$BG_STATUS" -eq 7 ]
	grep -qx caught "$BATS_TEST_TMPDIR/bg.out"
	MEMBER=
	no_groups
}

@test "a command not found exits 127, one not executable 126, no group left" {
	run -127 mrun -- memcg-run-no-such-command
	status_is 127
	output_has "command not found"
	: >"$BATS_TEST_TMPDIR/plain"
	run -126 mrun -- "$BATS_TEST_TMPDIR/plain"
	status_is 126
	output_has "Permission denied"
	no_groups
}

@test "memcg-demo.sh runs in a private namespace and exits 0" {
	[ "$(id -u)" -eq 0 ] || skip "the demo mounts, which needs root"
	unshare -m --propagation private true 2>/dev/null ||
		skip "unshare -m is not available here"
	run "$CONTRIB/memcg-demo.sh" --memcgfs "$MEMCGFS"
	status_is 0
	output_has "memory.limit_in_bytes=67108864"
	output_has "memory.memsw.limit_in_bytes=134217728"
	output_has "demo passed"
	if grep -q ' /sys/fs/cgroup/memory fuse.memcgfs ' /proc/mounts; then
		echo "the demo's mount leaked into this namespace" >&2
		false
	fi
}
