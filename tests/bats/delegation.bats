#!/usr/bin/env bats
# Permissions and delegation (memcgfs(8) PERMISSIONS): modes and owners are enforced by the
# kernel (default_permissions), chown/chmod let root hand a subtree to a
# user, moving a pid needs write access and the target's uid, and the
# root-only files stay root's.

load helpers

NOBODY=65534

# as_nobody CMD...: run CMD as uid/gid 65534 with no supplementary groups,
# from the mount's root so that relative paths need no search permission
# on the directories above the mount point.
as_nobody() {
	(cd "$MNT" && LC_ALL=C setpriv --reuid=$NOBODY --regid=$NOBODY \
		--clear-groups "$@")
}

# spawn_nobody_sleeper: like spawn_sleeper, but the sleep runs as nobody.
spawn_nobody_sleeper() {
	setpriv --reuid=$NOBODY --regid=$NOBODY --clear-groups \
		sleep 1000 </dev/null >/dev/null 2>&1 &
	SLEEPER=$!
	SLEEPERS="${SLEEPERS:-} $SLEEPER"
	local i
	for i in $(seq 1 100); do
		[ "$(stat -c %u "/proc/$SLEEPER")" = $NOBODY ] &&
			grep -q '^Name:.*sleep' "/proc/$SLEEPER/status" && return 0
		sleep 0.05
	done
	return 1
}

# mode_of PATH: "MODE UID GID" as fsprobe reports them.
mode_of() {
	probe mode "$1" | sed -n '2{s/^\([0-7]*\) [0-9]* /\1 /;p}'
}

# delegate G: hand group G and its tasks/cgroup.procs to nobody, leaving
# the directory's group root's, as an administrator would.
delegate() {
	chown $NOBODY:0 "$MNT/$1"
	chown $NOBODY:$NOBODY "$MNT/$1/tasks" "$MNT/$1/cgroup.procs"
}

@test "a non-root user cannot write a root-owned 0644 file" {
	mkdir "$MNT/g"
	run as_nobody "$FSPROBE" write g/memory.limit_in_bytes 1M
	[ "$output" = EACCES ]
	run as_nobody "$FSPROBE" write g/tasks 1
	[ "$output" = EACCES ]
	[ "$(cat "$MNT/g/memory.limit_in_bytes")" = 9223372036854771712 ]
	# Reading a 0644 file is allowed.
	run as_nobody "$FSPROBE" read g/memory.limit_in_bytes
	[ "$output" = "$(printf 'OK\n9223372036854771712')" ]
}

@test "a non-root user cannot mkdir or rmdir in a root-owned group" {
	mkdir "$MNT/g" "$MNT/g/sub"
	run as_nobody "$FSPROBE" mkdir g/x
	[ "$output" = EACCES ]
	run as_nobody "$FSPROBE" mkdir x
	[ "$output" = EACCES ]
	run as_nobody "$FSPROBE" rmdir g/sub
	[ "$output" = EACCES ]
	[ -d "$MNT/g/sub" ]
	[ ! -e "$MNT/g/x" ]
}

@test "chown of a group and its files shows in stat" {
	mkdir "$MNT/g"
	delegate g
	[ "$(mode_of "$MNT/g")" = "755 $NOBODY 0" ]
	[ "$(mode_of "$MNT/g/tasks")" = "644 $NOBODY $NOBODY" ]
	[ "$(mode_of "$MNT/g/cgroup.procs")" = "644 $NOBODY $NOBODY" ]
	# Files not handed over stay root's.
	[ "$(mode_of "$MNT/g/memory.limit_in_bytes")" = "644 0 0" ]
}

@test "the owner of a delegated group can mkdir; the subgroup is the creator's" {
	mkdir "$MNT/g"
	delegate g
	run as_nobody "$FSPROBE" mkdir g/sub
	[ "$output" = OK ]
	# The creator's fsuid and fsgid, as cgroup_kn_set_ugid().
	[ "$(mode_of "$MNT/g/sub")" = "755 $NOBODY $NOBODY" ]
	local f
	for f in tasks cgroup.procs memory.limit_in_bytes memory.stat \
		notify_on_release memory.force_empty; do
		[ "$(mode_of "$MNT/g/sub/$f" | cut -d' ' -f2-)" = "$NOBODY $NOBODY" ] ||
			{ echo "$f: $(mode_of "$MNT/g/sub/$f")"; false; }
	done
	# A group root creates inside the delegated one is root's.
	mkdir "$MNT/g/byroot"
	[ "$(mode_of "$MNT/g/byroot")" = "755 0 0" ]
	[ "$(mode_of "$MNT/g/byroot/memory.swappiness")" = "644 0 0" ]
	# The owner can remove its subgroups again.
	run as_nobody "$FSPROBE" rmdir g/sub
	[ "$output" = OK ]
	[ ! -e "$MNT/g/sub" ]
}

@test "the owner can write limits into files it owns" {
	mkdir "$MNT/g"
	delegate g
	run as_nobody "$FSPROBE" mkdir g/sub
	[ "$output" = OK ]
	run as_nobody "$FSPROBE" write g/sub/memory.limit_in_bytes 4M
	[ "$output" = OK ]
	[ "$(cat "$MNT/g/sub/memory.limit_in_bytes")" = 4194304 ]
	run as_nobody "$FSPROBE" write g/sub/memory.swappiness 10
	[ "$output" = OK ]
	[ "$(cat "$MNT/g/sub/memory.swappiness")" = 10 ]
	# But not into the delegated group's own root-owned limit file.
	run as_nobody "$FSPROBE" write g/memory.limit_in_bytes 4M
	[ "$output" = EACCES ]
}

@test "the owner can move its own process into its group" {
	mkdir "$MNT/g"
	delegate g
	spawn_nobody_sleeper
	run as_nobody "$FSPROBE" write g/tasks "$SLEEPER"
	[ "$output" = OK ]
	[ "$(cat "$MNT/g/tasks")" = "$SLEEPER" ]
	! grep -qx "$SLEEPER" "$MNT/tasks"
	# and through cgroup.procs into a subgroup it made.
	run as_nobody "$FSPROBE" mkdir g/sub
	[ "$output" = OK ]
	run as_nobody "$FSPROBE" write g/sub/cgroup.procs "$SLEEPER"
	[ "$output" = OK ]
	[ "$(cat "$MNT/g/sub/cgroup.procs")" = "$SLEEPER" ]
	[ -z "$(cat "$MNT/g/tasks")" ]
}

@test "moving a process of another uid gives EACCES even with write access" {
	mkdir "$MNT/g"
	delegate g
	spawn_sleeper
	run as_nobody "$FSPROBE" write g/tasks "$SLEEPER"
	[ "$output" = EACCES ]
	run as_nobody "$FSPROBE" write g/cgroup.procs "$SLEEPER"
	[ "$output" = EACCES ]
	[ -z "$(cat "$MNT/g/tasks")" ]
	grep -qx "$SLEEPER" "$MNT/tasks"
	# Root may move anyone's process into the delegated group.
	echo "$SLEEPER" >"$MNT/g/tasks"
	[ "$(cat "$MNT/g/tasks")" = "$SLEEPER" ]
}

@test "moving needs write access to the target's tasks file" {
	mkdir "$MNT/g"
	spawn_nobody_sleeper
	run as_nobody "$FSPROBE" write g/tasks "$SLEEPER"
	[ "$output" = EACCES ]
	run as_nobody "$FSPROBE" write g/cgroup.procs "$SLEEPER"
	[ "$output" = EACCES ]
	grep -qx "$SLEEPER" "$MNT/tasks"
}

@test "a non-owner cannot chmod or chown (EPERM)" {
	mkdir "$MNT/g"
	run as_nobody chmod 0666 g/memory.stat
	[ "$status" -ne 0 ]
	[[ "$output" == *"Operation not permitted"* ]]
	run as_nobody chmod 0777 g
	[ "$status" -ne 0 ]
	[[ "$output" == *"Operation not permitted"* ]]
	run as_nobody chown $NOBODY g/memory.limit_in_bytes
	[ "$status" -ne 0 ]
	[[ "$output" == *"Operation not permitted"* ]]
	[ "$(mode_of "$MNT/g/memory.stat")" = "444 0 0" ]
	[ "$(mode_of "$MNT/g")" = "755 0 0" ]
	[ "$(mode_of "$MNT/g/memory.limit_in_bytes")" = "644 0 0" ]
}

@test "the owner can chmod its files but not give them away" {
	mkdir "$MNT/g"
	delegate g
	run as_nobody chmod 0664 g/tasks
	[ "$status" -eq 0 ]
	[ "$(mode_of "$MNT/g/tasks")" = "664 $NOBODY $NOBODY" ]
	run as_nobody chown 0 g/tasks
	[ "$status" -ne 0 ]
	[[ "$output" == *"Operation not permitted"* ]]
	[ "$(mode_of "$MNT/g/tasks")" = "664 $NOBODY $NOBODY" ]
}

@test "root can chmod a file and a group and the mode shows" {
	mkdir "$MNT/g"
	chmod 0600 "$MNT/g/memory.limit_in_bytes"
	[ "$(mode_of "$MNT/g/memory.limit_in_bytes")" = "600 0 0" ]
	chmod 0700 "$MNT/g"
	[ "$(mode_of "$MNT/g")" = "700 0 0" ]
	# Modes survive a lookup from a fresh process and stay per-group.
	mkdir "$MNT/h"
	[ "$(mode_of "$MNT/h/memory.limit_in_bytes")" = "644 0 0" ]
	[ "$(stat -c %a "$MNT/g/memory.limit_in_bytes")" = 600 ]
	# The file still works for root.
	echo 8M >"$MNT/g/memory.limit_in_bytes"
	[ "$(cat "$MNT/g/memory.limit_in_bytes")" = 8388608 ]
}

@test "a group chmod 0700 keeps a non-root user out of it" {
	mkdir "$MNT/g"
	chmod 0700 "$MNT/g"
	run as_nobody "$FSPROBE" read g/memory.stat
	[ "$output" = EACCES ]
}

@test "chmod 0600 on memory.stat makes it unreadable for others" {
	mkdir "$MNT/g"
	run as_nobody "$FSPROBE" read g/memory.stat
	[ "${lines[0]}" = OK ]
	chmod 0600 "$MNT/g/memory.stat"
	run as_nobody "$FSPROBE" read g/memory.stat
	[ "$output" = EACCES ]
	# Root still reads it.
	run probe read "$MNT/g/memory.stat"
	[ "${lines[0]}" = OK ]
}

@test "release_agent refuses a non-root writer even when its mode allows" {
	echo /bin/true >"$MNT/release_agent"
	run as_nobody "$FSPROBE" write release_agent /tmp/evil
	[ "$output" = EACCES ]
	chmod 0666 "$MNT/release_agent"
	[ "$(mode_of "$MNT/release_agent")" = "666 0 0" ]
	run as_nobody "$FSPROBE" write release_agent /tmp/evil
	[ "$output" = EPERM ]
	[ "$(cat "$MNT/release_agent")" = /bin/true ]
}

@test "memcgfs.workload refuses a non-root writer even when its mode allows" {
	spawn_nobody_sleeper
	run as_nobody "$FSPROBE" write memcgfs.workload "anon $SLEEPER 4096"
	[ "$output" = EACCES ]
	chmod 0666 "$MNT/memcgfs.workload"
	run as_nobody "$FSPROBE" write memcgfs.workload "anon $SLEEPER 4096"
	[ "$output" = EPERM ]
	[ "$(cat "$MNT/memory.usage_in_bytes")" = 0 ]
}

@test "the mount is reachable by other users (allow_other)" {
	run as_nobody "$FSPROBE" read memory.limit_in_bytes
	[ "${lines[0]}" = OK ]
	run as_nobody "$FSPROBE" read tasks
	[ "${lines[0]}" = OK ]
	run as_nobody "$FSPROBE" statfs .
	[ "$output" = OK ]
}

# ---- the opener's credentials (a descriptor handed to another process) ----

# fdpass UID PATH DATA: PATH (relative to the mount) opened by UID, DATA
# written by us through that descriptor.
fdpass() {
	(cd "$MNT" && "$FDPASS" "$@")
}

@test "a pid move through a tasks fd nobody opened is judged by nobody" {
	mkdir "$MNT/g"
	delegate g
	spawn_nobody_sleeper
	local f
	for f in tasks cgroup.procs; do
		# root's own pid, written by root through nobody's descriptor
		run fdpass $NOBODY "g/$f" "$$"
		[ "$output" = EACCES ] || { echo "$f: $output" >&2; false; }
		! grep -qx "$$" "$MNT/g/tasks"
	done
	# nobody's own process moves through it, written by root
	run fdpass $NOBODY g/tasks "$SLEEPER"
	[ "$output" = OK ]
	grep -qx "$SLEEPER" "$MNT/g/tasks"
	# and root's own descriptor still moves root's pid
	echo "$$" >"$MNT/g/tasks"
	grep -qx "$$" "$MNT/g/tasks"
	echo "$$" >"$MNT/tasks"
}

@test "kernel: a pid move through a tasks fd nobody opened is EACCES" {
	local k=/sys/fs/cgroup/memory
	[ -w "$k/tasks" ] || skip "no kernel v1 memory controller"
	local g=$k/memcgfs-fdpass.$$
	mkdir "$g"
	chown $NOBODY "$g/tasks"
	run "$FDPASS" $NOBODY "$g/tasks" "$$"
	rmdir "$g"
	[ "$output" = EACCES ]
}

@test "release_agent and memcgfs.workload opened by nobody stay refused when root writes" {
	echo /bin/true >"$MNT/release_agent"
	chmod 0666 "$MNT/release_agent" "$MNT/memcgfs.workload"
	run fdpass $NOBODY release_agent /tmp/evil
	[ "$output" = EPERM ]
	[ "$(cat "$MNT/release_agent")" = /bin/true ]
	run fdpass $NOBODY memcgfs.workload "anon $$ 4096"
	[ "$output" = EPERM ]
	[ "$(cat "$MNT/memory.usage_in_bytes")" = 0 ]
	run fdpass 0 release_agent /bin/false
	[ "$output" = OK ]
	[ "$(cat "$MNT/release_agent")" = /bin/false ]
}
