#!/usr/bin/env bats
# crun runs real containers whose memory cgroup is memcgfs:
# contrib/crun-demo.sh does it in a private mount namespace; these tests run
# it once and check what it read back, then its failure and cleanup paths.

load helpers

: "${CONTRIB:=$BATS_TEST_DIRNAME/../../contrib}"
DEMO=$CONTRIB/crun-demo.sh

# What crun-demo.sh's containers ask for (its LIMIT, SOFT, MEMSW,
# SWAPPINESS and OOM_LIMIT), restated so that a change there shows here.
LIMIT=67108864
SOFT=33554432
MEMSW=100663296
SWAPPINESS=30
OOM_LIMIT=67108864

# missing_prereq: say why the demo cannot run here, or fail when it can.
missing_prereq() {
	[ "$(id -u)" = 0 ] || { echo "needs root (mount namespaces, crun)"; return; }
	command -v crun >/dev/null || { echo "crun not installed"; return; }
	command -v jq >/dev/null || { echo "jq not installed"; return; }
	command -v busybox >/dev/null || { echo "busybox-static not installed"; return; }
	if ldd "$(command -v busybox)" >/dev/null 2>&1; then
		echo "busybox is not static (install busybox-static)"
		return
	fi
	command -v fusermount3 >/dev/null || { echo "fusermount3 not installed"; return; }
	[ -c /dev/fuse ] || { echo "/dev/fuse not available"; return; }
	unshare -m --propagation private true 2>/dev/null ||
		{ echo "mount namespaces not available (unshare -m)"; return; }
	cut -d: -f2 /proc/self/cgroup | tr ',' '\n' | grep -qx memory ||
		{ echo "no cgroup v1 memory controller in /proc/self/cgroup: crun would not use /sys/fs/cgroup/memory"; return; }
	return 1
}

# The demo takes a few seconds: run it once for the whole file.  Its work
# directory goes under this file's temp dir, so bats removes whatever it
# might leave.  (bats 1.8 cannot skip from setup_file: the reason is kept
# for setup.)
setup_file() {
	local status=0
	if missing_prereq >"$BATS_FILE_TMPDIR/skip"; then
		return 0
	fi
	rm -f "$BATS_FILE_TMPDIR/skip"
	TMPDIR=$BATS_FILE_TMPDIR "$DEMO" --memcgfs "$MEMCGFS" \
		>"$BATS_FILE_TMPDIR/demo.out" 2>&1 || status=$?
	echo "$status" >"$BATS_FILE_TMPDIR/demo.status"
}

# Each test reads the saved run; the demo mounts memcgfs itself, so the
# helpers' per-test mount is not wanted.
setup() {
	if [ -f "$BATS_FILE_TMPDIR/skip" ]; then
		skip "$(cat "$BATS_FILE_TMPDIR/skip")"
	fi
	out=$BATS_FILE_TMPDIR/demo.out
	demo_status=$(cat "$BATS_FILE_TMPDIR/demo.status")
}

teardown() {
	# Printed only for a failed test: the whole demo run, to see why.
	if [ -z "${BATS_TEST_COMPLETED:-}" ] && [ -f "${out:-}" ]; then
		echo "--- contrib/crun-demo.sh exited $demo_status; its output:"
		cat "$out"
	fi
}

# has TEXT: the demo printed a line that is exactly TEXT.
has() {
	grep -qxF -- "$1" "$out" || {
		echo "demo output lacks the line: $1" >&2
		return 1
	}
}

# read_back NAME FILE: the value the demo read from FILE of its group NAME
# (limits or oom) on memcgfs.
read_back() {
	sed -n "s|^read: /memcgfs-demo-[0-9]*-$1/$2 = ||p" "$out"
}

# no_leftovers WORKDIR DEMO_ID: no mount, process, directory or host
# freezer group of that run remains.
no_leftovers() {
	local work=$1 id=$2
	[ -n "$work" ] || return 1
	[ -n "$id" ] || return 1
	if [ -e "$work" ]; then
		echo "work directory $work is still there" >&2
		return 1
	fi
	# The demo's mounts live in its own namespace: none may show here.
	if awk '$5 ~ "^/sys/fs/cgroup/" && / - fuse\.memcgfs /' /proc/self/mountinfo | grep -q .; then
		echo "a memcgfs mount under /sys/fs/cgroup leaked into the host:" >&2
		grep ' - fuse.memcgfs ' /proc/self/mountinfo >&2
		return 1
	fi
	if pgrep -af -- "$work" >&2; then
		echo "processes of the demo are still running" >&2
		return 1
	fi
	if ls -d /sys/fs/cgroup/*/"$id"-* 2>/dev/null; then
		echo "crun groups of the demo remain in the host's hierarchies" >&2
		return 1
	fi
}

work_of() {
	sed -n 's/^work directory: //p' "$1"
}

id_of() {
	sed -n 's/^containers: \(memcgfs-demo-[0-9]*\)-limits, .*/\1/p' "$1"
}

@test "crun creates its group on memcgfs and sets the configured memory limits" {
	has "ok: crun created the group /$(id_of "$out")-limits on memcgfs"
	[ "$(read_back limits memory.limit_in_bytes)" = "$LIMIT" ]
	[ "$(read_back limits memory.soft_limit_in_bytes)" = "$SOFT" ]
	[ "$(read_back limits memory.memsw.limit_in_bytes)" = "$MEMSW" ]
	[ "$(read_back limits memory.swappiness)" = "$SWAPPINESS" ]
	[[ "$(read_back limits memory.oom_control)" == "oom_kill_disable 1 "* ]]
	has "crun's cgroup path: /$(id_of "$out")-limits (on memcgfs: /sys/fs/cgroup/memory/$(id_of "$out")-limits)"
}

@test "the container's process is listed in its memcgfs group while it runs" {
	local pid procs
	pid=$(sed -n 's/^crun state: status [a-z]*, pid \([0-9]*\)$/\1/p' "$out")
	[ -n "$pid" ]
	[ "$pid" -gt 0 ]
	procs=$(read_back limits cgroup.procs)
	[[ " $procs " == *" $pid "* ]] || {
		echo "pid $pid not in cgroup.procs '$procs'" >&2
		return 1
	}
	has "ok: container pid $pid is listed in /$(id_of "$out")-limits/cgroup.procs"
}

@test "the container reads its own limit through crun's bind mount of memcgfs" {
	local id
	id=$(id_of "$out")
	has "  limit $LIMIT in /sys/fs/cgroup/memory/$id-limits/memory.limit_in_bytes"
	has "ok: the container reads its limit $LIMIT through its bind mount of memcgfs"
}

@test "crun kill --all empties the group and crun delete removes it" {
	local id
	id=$(id_of "$out")
	has "ok: crun kill --all emptied /$id-limits/cgroup.procs"
	has "ok: crun delete removed /$id-limits from memcgfs"
}

@test "a container over its limit is OOM-killed through memcgfs (track=rss)" {
	local kills
	[ "$(read_back oom memory.limit_in_bytes)" = "$OOM_LIMIT" ]
	has "crun run exited with status 137"
	kills=$(read_back oom memory.oom_control | sed -n 's/.*oom_kill \([0-9]*\)$/\1/p')
	[ -n "$kills" ]
	[ "$kills" -ge 1 ]
	has "crun-demo: PASS (limits, cgroup.procs and OOM kill)"
	[ "$demo_status" -eq 0 ]
}

@test "the whole demo passes and memcgfs exits cleanly" {
	has "ok: memcgfs unmounted and exited with status 0"
	[ "$(tail -n 1 "$out" | cut -d' ' -f1-2)" = "crun-demo: PASS" ]
	[ "$demo_status" -eq 0 ]
}

@test "the demo leaves no mount, process, directory or group behind" {
	no_leftovers "$(work_of "$out")" "$(id_of "$out")"
}

@test "a memcgfs that cannot mount fails the demo cleanly" {
	local fail_out=$BATS_TEST_TMPDIR/fail.out
	run env TMPDIR="$BATS_TEST_TMPDIR" "$DEMO" --memcgfs /bin/false
	echo "$output" >"$fail_out"
	[ "$status" -eq 1 ]
	[[ "$output" == *"FAIL: memcgfs (/bin/false) did not mount on /sys/fs/cgroup/memory"* ]]
	[[ "$output" == *"crun-demo: FAILED"* ]]
	no_leftovers "$(work_of "$fail_out")" "$(id_of "$fail_out")"
}

@test "a missing memcgfs binary is a usage error" {
	run "$DEMO" --memcgfs "$BATS_TEST_TMPDIR/no-such-memcgfs"
	[ "$status" -eq 2 ]
	[[ "$output" == *"no memcgfs binary at $BATS_TEST_TMPDIR/no-such-memcgfs"* ]]
}
