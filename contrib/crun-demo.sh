#!/bin/bash
# Run real OCI containers with crun whose memory cgroup is a memcgfs mount,
# and check from outside what crun wrote there and what memcgfs did.
#
#   contrib/crun-demo.sh [--memcgfs PATH] [--keep]
#
#   --memcgfs PATH  the daemon (default: `memcgfs` in PATH, else
#                   ../build/memcgfs next to this script)
#   --keep          keep the work directory (bundles, container and daemon
#                   logs) and print where it is
#
# Needs root, crun, busybox-static, jq and util-linux (unshare), and a host
# whose /proc/self/cgroup lists a cgroup v1 `memory` controller: crun only
# enters the v1 controllers named there.
#
# How it works.  crun (1.8.1 here) picks cgroup v1 when /sys/fs/cgroup is
# a tmpfs, and then uses /sys/fs/cgroup/<controller> for each controller
# named in /proc/self/cgroup without checking what is mounted there.  So, in a
# private mount namespace (nothing leaks into the host's mount table), this
# script replaces /sys/fs/cgroup with a fresh tmpfs, mounts memcgfs on
# /sys/fs/cgroup/memory, and runs two containers:
#
#   1. limits: linux.resources.memory limit, reservation, swap, swappiness
#      and disableOOMKiller; the group crun creates on memcgfs must read
#      them back, and list the container's process in cgroup.procs.
#   2. OOM (needs -o track=rss): a container that touches 200 MiB under a
#      64 MiB limit must be SIGKILLed by memcgfs: crun exits with 137 and
#      the group's memory.oom_control counts the kill.
#
# Output: "== " starts a step, "read: FILE = VALUE" is a value read back,
# "ok:", "FAIL:" and "skip:" are verdicts, the last line sums up.  Exit
# status 0 when every check passed (a skipped OOM step included), 1 when a
# check failed, 2 for a usage error or a missing prerequisite.
set -eu

# What the containers ask for.  Multiples of 4 KiB, so memcgfs's rounding
# to its page size keeps them exact.
LIMIT=$((64 << 20))
SOFT=$((32 << 20))
MEMSW=$((96 << 20))
SWAPPINESS=30
OOM_LIMIT=$((64 << 20))
HOG_MIB=200
# bs=200M makes busybox dd allocate and touch a 200 MiB buffer; repeating
# the read keeps it resident for seconds (track=rss samples every 100 ms),
# yet dd still ends by itself if nothing kills it.
HOG_COUNT=150

CG=/sys/fs/cgroup
self=$(cd "$(dirname "$0")" && pwd)/$(basename "$0")

say() { printf '%s\n' "$*"; }
step() { printf '\n== %s\n' "$*"; }
die() {
	printf 'FAIL: %s\n' "$*" >&2
	exit 1
}

# poll TRIES CMD...: run CMD every 50 ms until it succeeds, TRIES times.
poll() {
	local tries=$1
	shift
	until "$@"; do
		tries=$((tries - 1))
		[ "$tries" -gt 0 ] || return 1
		sleep 0.05
	done
}

# read_value FILE: the file's content on one line (newlines as spaces).
read_value() {
	tr '\n' ' ' <"$1" | sed 's/ *$//'
}

# ---------------------------------------------------------------------------
# Inside the private mount namespace.

# Its own state directory keeps the demo apart from /run/crun; the cgroupfs
# manager (crun's default) writes the cgroup files itself, where the
# systemd one would ask systemd, which knows nothing of memcgfs.
crun_() {
	crun --cgroup-manager=cgroupfs --root "$DEMO_WORK/state" "$@"
}

# start_memcgfs OPTS LOG: mount memcgfs on $CG/memory, daemon in DAEMON_PID.
# Returns 1 (log kept) if the daemon exits before the mount answers.
start_memcgfs() {
	local opts=$1 log=$2
	if [ -n "$opts" ]; then
		"$DEMO_MEMCGFS" -f -o "$opts" "$CG/memory" </dev/null >"$log" 2>&1 &
	else
		"$DEMO_MEMCGFS" -f "$CG/memory" </dev/null >"$log" 2>&1 &
	fi
	DAEMON_PID=$!
	echo "$DAEMON_PID" >"$DEMO_WORK/daemon.pid"
	poll 200 daemon_settled || true
	if daemon_gone; then
		wait "$DAEMON_PID" || true
		DAEMON_PID=
		rm -f "$DEMO_WORK/daemon.pid"
		return 1
	fi
	if ! daemon_answers; then
		say "memcgfs did not answer within 10 s"
		stop_memcgfs || true
		return 1
	fi
}

# Until the mount is up, $CG/memory is an empty tmpfs directory.
daemon_answers() {
	[ -e "$CG/memory/memory.limit_in_bytes" ]
}

daemon_settled() {
	daemon_answers || daemon_gone
}

daemon_gone() {
	! kill -0 "$DAEMON_PID" 2>/dev/null
}

# stop_memcgfs: unmount and wait for the daemon; its exit status must be 0
# (a sanitizer build exits non-zero on a leak or an error).
stop_memcgfs() {
	local status=0
	[ -n "${DAEMON_PID:-}" ] || return 0
	fusermount3 -u "$CG/memory" 2>/dev/null || umount -l "$CG/memory" 2>/dev/null || true
	if ! poll 100 daemon_gone; then
		say "memcgfs did not exit after the unmount; killing it"
		kill -KILL "$DAEMON_PID" 2>/dev/null || true
	fi
	wait "$DAEMON_PID" || status=$?
	DAEMON_PID=
	rm -f "$DEMO_WORK/daemon.pid"
	if [ "$status" -ne 0 ]; then
		say "memcgfs exited with status $status"
		return 1
	fi
}

inner_cleanup() {
	local status=$? c
	set +e
	trap - EXIT INT TERM
	# A crun held stopped by the OOM step must go first: it owns a container.
	if [ -n "${CRUN_PID:-}" ] && kill -0 "$CRUN_PID" 2>/dev/null; then
		kill -KILL "$CRUN_PID" 2>/dev/null
		kill -CONT "$CRUN_PID" 2>/dev/null
		wait "$CRUN_PID" 2>/dev/null
	fi
	# delete -f kills what is left and removes crun's groups, the freezer
	# one in the host's hierarchy included.
	for c in $(crun_ list -q 2>/dev/null); do
		crun_ delete -f "$c" >/dev/null 2>&1 || say "cleanup: crun delete -f $c failed"
	done
	if [ -n "${DAEMON_PID:-}" ]; then
		stop_memcgfs >/dev/null 2>&1
	fi
	exit "$status"
}

# expect_value GROUP FILE WANT: FILE of GROUP reads WANT.
expect_value() {
	local got
	got=$(read_value "$CG/memory/$1/$2")
	say "read: /$1/$2 = $got"
	if [ "$got" = "$3" ]; then
		say "ok: $2 reads back the configured $3"
	else
		die "$2 reads '$got', configured '$3'"
	fi
}

oom_line() {
	awk -v k="$2" '$1 == k { print $2 }' "$CG/memory/$1/memory.oom_control"
}

container_ready() {
	grep -q '^container: ready' "$1"
}

# memcgfs files have st_size 0 (as on cgroupfs), so `test -s` cannot tell:
# read them.
group_has_procs() {
	[ -n "$(cat "$CG/memory/$1/cgroup.procs" 2>/dev/null)" ]
}

group_charged() {
	[ "$(cat "$CG/memory/$1/memory.usage_in_bytes")" -gt 0 ]
}

group_empty() {
	[ -z "$(cat "$CG/memory/$1/cgroup.procs")" ]
}

setup_namespace() {
	local ctl
	step "private mount namespace: tmpfs on $CG, memcgfs on $CG/memory"
	# The host's cgroup mounts go first, not just get covered: memcgfs
	# refuses a mountpoint that /proc/self/mountinfo lists as mounted, and
	# a covered host mount at $CG/memory is still listed there.
	if mountpoint -q "$CG"; then
		umount -R "$CG" 2>/dev/null || umount -R -l "$CG" ||
			die "cannot unmount the host's cgroup mounts in the private namespace"
	fi
	# crun takes cgroup v1 only when statfs($CG) says tmpfs.
	mount -t tmpfs -o mode=0755,size=1m memcgfs-demo "$CG"
	mkdir "$CG/memory"
	if ! start_memcgfs "" "$DEMO_WORK/memcgfs-limits.log"; then
		cat "$DEMO_WORK/memcgfs-limits.log" >&2
		die "memcgfs ($DEMO_MEMCGFS) did not mount on $CG/memory"
	fi
	say "ok: memcgfs (pid $DAEMON_PID) answers on $CG/memory"

	# crun 1.8 asks the freezer (v1: freezer.state) whether a container is
	# paused; without one, `crun state` and `crun list` call a running
	# container "stopped".  Nothing else here needs it, so mount the
	# host's real freezer hierarchy when there is one, and go without
	# otherwise.  Every other controller in /proc/self/cgroup stays absent,
	# and crun skips it.
	ctl=$(awk -F: '{ n = split($2, c, ","); for (i = 1; i <= n; i++) if (c[i] == "freezer") print $2 }' /proc/self/cgroup)
	if [ -n "$ctl" ] && mkdir "$CG/$ctl" && mount -t cgroup -o "$ctl" cgroup "$CG/$ctl" 2>/dev/null; then
		say "note: $CG/$ctl is the host's real freezer hierarchy (for crun state)"
	else
		[ -z "$ctl" ] || rmdir "$CG/$ctl" 2>/dev/null || true
		say "note: no v1 freezer hierarchy: crun state will say \"stopped\" for running containers"
	fi
	say "mounts under $CG in this namespace (mountpoint, type, source, options):"
	awk '$5 ~ "^/sys/fs/cgroup" { fs = $0; sub(/.* - /, "", fs); print "  " $5 " " fs }' /proc/self/mountinfo
}

part_limits() {
	local id=$DEMO_ID-limits log=$DEMO_WORK/limits-container.log
	local state pid status path
	step "container 1 ($id): memory limits set by crun"
	say "config.json linux.resources: $(jq -c .linux.resources "$DEMO_WORK/bundle-limits/config.json")"
	if ! crun_ run -d --bundle "$DEMO_WORK/bundle-limits" "$id" </dev/null >"$log" 2>&1; then
		cat "$log" >&2
		die "crun run -d $id failed"
	fi
	poll 200 container_ready "$log" || {
		cat "$log" >&2
		die "container $id did not start within 10 s"
	}
	state=$(crun_ state "$id")
	pid=$(jq -r .pid <<<"$state")
	status=$(jq -r .status <<<"$state")
	path=$(jq -r '."cgroup-path"' "$DEMO_WORK/state/$id/status")
	say "crun state: status $status, pid $pid"
	say "crun list:"
	crun_ list | sed 's/^/  /'
	say "crun's cgroup path: $path (on memcgfs: $CG/memory$path)"
	[ "$path" = "/$id" ] || die "crun chose cgroup path $path, expected /$id"
	[ -d "$CG/memory/$id" ] || die "no group $id on memcgfs"
	say "ok: crun created the group /$id on memcgfs"

	expect_value "$id" memory.limit_in_bytes "$LIMIT"
	expect_value "$id" memory.soft_limit_in_bytes "$SOFT"
	expect_value "$id" memory.memsw.limit_in_bytes "$MEMSW"
	expect_value "$id" memory.swappiness "$SWAPPINESS"
	say "read: /$id/memory.oom_control = $(read_value "$CG/memory/$id/memory.oom_control")"
	[ "$(oom_line "$id" oom_kill_disable)" = 1 ] || die "disableOOMKiller did not reach memory.oom_control"
	say "ok: memory.oom_control has oom_kill_disable 1 (disableOOMKiller)"
	say "read: /$id/memory.kmem.limit_in_bytes = $(read_value "$CG/memory/$id/memory.kmem.limit_in_bytes")"
	say "read: /$id/cgroup.procs = $(read_value "$CG/memory/$id/cgroup.procs")"
	say "read: /$id/tasks = $(read_value "$CG/memory/$id/tasks")"
	if grep -qx "$pid" "$CG/memory/$id/cgroup.procs"; then
		say "ok: container pid $pid is listed in /$id/cgroup.procs"
	else
		die "container pid $pid is not in /$id/cgroup.procs"
	fi
	say "/proc/$pid/cgroup (the kernel's view; memcgfs cannot change it):"
	sed 's/^/  /' "/proc/$pid/cgroup"
	say "what the container saw:"
	sed -n 's/^container: /  /p' "$log"
	if grep -qx "container: limit $LIMIT in $CG/memory/$id/memory.limit_in_bytes" "$log"; then
		say "ok: the container reads its limit $LIMIT through its bind mount of memcgfs"
	else
		die "the container did not read its limit $LIMIT from $CG/memory/$id/memory.limit_in_bytes"
	fi

	# kill --all takes the pids from cgroup.procs of the memory group,
	# which is memcgfs's list here.
	crun_ kill --all "$id" KILL
	poll 100 group_empty "$id" || die "/$id/cgroup.procs still lists $(read_value "$CG/memory/$id/cgroup.procs") after crun kill --all"
	say "ok: crun kill --all emptied /$id/cgroup.procs"
	crun_ delete "$id"
	[ ! -e "$CG/memory/$id" ] || die "crun delete left /$id on memcgfs"
	say "ok: crun delete removed /$id from memcgfs"
}

part_oom() {
	local id=$DEMO_ID-oom log=$DEMO_WORK/oom-container.log
	local status=0 kills
	step "container 2 ($id): OOM kill through memcgfs -o track=rss"
	stop_memcgfs || die "memcgfs did not exit cleanly"
	if ! start_memcgfs track=rss "$DEMO_WORK/memcgfs-oom.log"; then
		sed 's/^/  memcgfs: /' "$DEMO_WORK/memcgfs-oom.log"
		die "memcgfs -o track=rss did not mount"
	fi
	say "ok: memcgfs -o track=rss answers (pid $DAEMON_PID)"
	say "config.json linux.resources: $(jq -c .linux.resources "$DEMO_WORK/bundle-oom/config.json")"
	say "container command: $(jq -r '.process.args[2]' "$DEMO_WORK/bundle-oom/config.json")"

	# Foreground crun, whose exit status is the container's.  It removes
	# the group as soon as the container dies, so it is held stopped
	# (SIGSTOP: it cannot reap) from before the hog starts until the group
	# has been read.
	crun --cgroup-manager=cgroupfs --root "$DEMO_WORK/state" \
		run --bundle "$DEMO_WORK/bundle-oom" "$id" </dev/null >"$log" 2>&1 &
	CRUN_PID=$!
	poll 200 group_has_procs "$id" || {
		cat "$log" >&2
		die "container $id did not start within 10 s"
	}
	expect_value "$id" memory.limit_in_bytes "$OOM_LIMIT"
	say "read: /$id/cgroup.procs = $(read_value "$CG/memory/$id/cgroup.procs")"
	# Start the hog only once the sampler has charged the waiting container:
	# that shows track=rss follows the process crun put in the group.
	poll 100 group_charged "$id" || die "track=rss charged nothing to /$id within 5 s"
	say "ok: track=rss charges the container: /$id/memory.usage_in_bytes = $(read_value "$CG/memory/$id/memory.usage_in_bytes")"
	kill -STOP "$CRUN_PID"
	: >"$DEMO_WORK/sync/go"
	say "container told to touch ${HOG_MIB} MiB under a $((OOM_LIMIT >> 20)) MiB limit"
	if ! poll 400 group_empty "$id"; then
		die "the hog still runs 20 s later: $(read_value "$CG/memory/$id/memory.usage_in_bytes") bytes charged"
	fi
	say "read: /$id/memory.oom_control = $(read_value "$CG/memory/$id/memory.oom_control")"
	say "read: /$id/memory.failcnt = $(read_value "$CG/memory/$id/memory.failcnt")"
	say "read: /$id/memory.max_usage_in_bytes = $(read_value "$CG/memory/$id/memory.max_usage_in_bytes")"
	kills=$(oom_line "$id" oom_kill)
	kill -CONT "$CRUN_PID"
	wait "$CRUN_PID" || status=$?
	CRUN_PID=
	say "crun run exited with status $status"
	grep -i 'oom' "$DEMO_WORK/memcgfs-oom.log" | sed 's/^/  memcgfs: /' || true
	if [ "$status" -ne 137 ]; then
		sed 's/^/  crun: /' "$log" >&2
		[ "$status" -ne 0 ] || [ "${kills:-0}" -ne 0 ] ||
			say "memcgfs did not OOM-kill the hog: it ran to its end (see memory.failcnt above for how often it hit the limit)"
		die "crun run exited with $status, expected 137 (SIGKILL)"
	fi
	say "ok: crun run exited with 137: the container was killed by SIGKILL"
	[ "${kills:-0}" -ge 1 ] || die "memory.oom_control counts oom_kill ${kills:-none}, expected >= 1"
	say "ok: /$id/memory.oom_control counts oom_kill $kills"
	[ ! -e "$CG/memory/$id" ] || die "crun left /$id on memcgfs"
	say "ok: crun removed /$id from memcgfs after the run"
}

in_namespace() {
	trap inner_cleanup EXIT
	trap 'exit 130' INT
	trap 'exit 143' TERM
	DAEMON_PID=
	CRUN_PID=
	setup_namespace
	part_limits
	part_oom
	if [ -n "$DAEMON_PID" ]; then
		step "cleanup"
		stop_memcgfs || die "memcgfs did not exit cleanly"
		say "ok: memcgfs unmounted and exited with status 0"
	fi
}

# ---------------------------------------------------------------------------
# On the host.

usage() {
	sed -n '2,/^set -eu/p' "$self" | sed '$d; s/^# \{0,1\}//'
}

need() {
	command -v "$1" >/dev/null 2>&1 || {
		printf 'crun-demo: %s not found (%s)\n' "$1" "$2" >&2
		exit 2
	}
}

# make_bundle NAME CMD JQ-FILTER: a bundle whose config.json runs sh -c CMD
# in the shared rootfs, edited further by JQ-FILTER.
make_bundle() {
	local dir=$DEMO_WORK/bundle-$1
	mkdir "$dir"
	crun spec -f "$dir/config.json.orig"
	# `crun spec` has a deny-all device rule, which makes crun open
	# $CG/devices/<path>: leave the device cgroup out (this namespace has
	# only memory and maybe freezer).  The container still sees no host
	# device nodes: crun makes its /dev.
	jq --arg cmd "$2" --arg rootfs "$DEMO_WORK/rootfs" \
		--arg sync "$DEMO_WORK/sync" --arg host "$DEMO_ID" \
		".process.terminal = false
		 | .process.args = [\"sh\", \"-c\", \$cmd]
		 | .root = {path: \$rootfs, readonly: true}
		 | .hostname = \$host
		 | .linux.resources = {}
		 | $3" <"$dir/config.json.orig" >"$dir/config.json"
}

make_bundles() {
	local rootfs=$DEMO_WORK/rootfs busybox cmd
	busybox=$(command -v busybox)
	mkdir -p "$rootfs/bin" "$rootfs/proc" "$rootfs/sys" "$rootfs/dev" \
		"$rootfs/tmp" "$rootfs/sync" "$DEMO_WORK/sync" "$DEMO_WORK/state"
	cp "$busybox" "$rootfs/bin/busybox"
	# Running it in the rootfs proves it is static.
	if ! chroot "$rootfs" /bin/busybox --install -s /bin 2>"$DEMO_WORK/busybox.err"; then
		cat "$DEMO_WORK/busybox.err" >&2
		printf 'crun-demo: %s does not run alone in a rootfs (install busybox-static)\n' "$busybox" >&2
		exit 2
	fi

	# Container 1 reports what it sees, then sleeps until killed.  It reads
	# with the shell's `read`: busybox cat uses sendfile(2), which on a
	# FUSE file goes through the page cache, bounded by the inode size the
	# kernel holds (0, or the length of the last write), so it reads
	# nothing or a truncated value from memcgfs.
	cmd=$(
		cat <<'EOF'
echo "container: pid $$ (its own pid namespace)"
echo "container: /proc/self/cgroup:"
sed 's/^/container:   /' /proc/self/cgroup
m=$(grep ' /sys/fs/cgroup/memory ' /proc/self/mountinfo)
echo "container: /sys/fs/cgroup/memory is ${m#* - }, mount root $(echo "$m" | cut -d' ' -f4), mount options $(echo "$m" | cut -d' ' -f6)"
g=/sys/fs/cgroup/memory/@GROUP@
read -r limit <$g/memory.limit_in_bytes
echo "container: limit $limit in $g/memory.limit_in_bytes"
echo "container: cgroup.procs there lists" $(while read -r p; do echo "$p"; done <$g/cgroup.procs)
echo "container: ready"
exec sleep 60
EOF
	)
	cmd=${cmd//@GROUP@/$DEMO_ID-limits}
	make_bundle limits "$cmd" ".linux.resources.memory = {
		limit: $LIMIT, reservation: $SOFT, swap: $MEMSW,
		swappiness: $SWAPPINESS, disableOOMKiller: true }"

	# Container 2 waits for the go (a file in a bind-mounted directory),
	# so that crun can be held stopped first, then becomes the hog as pid 1.
	cmd="while [ ! -e /sync/go ]; do sleep 0.05; done; exec dd if=/dev/zero of=/dev/null bs=${HOG_MIB}M count=$HOG_COUNT"
	make_bundle oom "$cmd" ".linux.resources.memory = { limit: $OOM_LIMIT, swap: $OOM_LIMIT }
		| .mounts += [{ destination: \"/sync\", type: \"bind\", source: \$sync, options: [\"rbind\", \"ro\"] }]"
}

# proc_start PID: the process's start time (field 22 of /proc/PID/stat).
proc_start() {
	sed 's/.*) //' "/proc/$1/stat" 2>/dev/null | cut -d' ' -f20
}

outer_cleanup() {
	local status=$? f pid start id dir
	set +e
	trap - EXIT INT TERM
	if [ -n "${CHILD:-}" ] && kill -0 "$CHILD" 2>/dev/null; then
		# The child's own trap deletes the containers and unmounts.
		kill -TERM "$CHILD" 2>/dev/null
		wait "$CHILD" 2>/dev/null
	fi
	# Safety net for a child that died without its trap (SIGKILL).
	if [ -s "$DEMO_WORK/daemon.pid" ]; then
		kill -KILL "$(cat "$DEMO_WORK/daemon.pid")" 2>/dev/null
	fi
	for f in "$DEMO_WORK"/state/*/status; do
		[ -f "$f" ] || continue
		pid=$(jq -r .pid "$f" 2>/dev/null)
		start=$(jq -r '."process-start-time"' "$f" 2>/dev/null)
		if [ -n "$pid" ] && [ "$pid" != 0 ] && [ "$(proc_start "$pid")" = "$start" ]; then
			kill -KILL "$pid" 2>/dev/null
		fi
	done
	if [ -n "${HOST_FREEZER:-}" ]; then
		for id in "$DEMO_ID-limits" "$DEMO_ID-oom"; do
			dir=$HOST_FREEZER/$id
			[ -d "$dir" ] && { poll 40 rmdir "$dir" 2>/dev/null || say "cleanup: could not remove $dir"; }
		done
	fi
	if [ "$KEEP" = 1 ]; then
		say "kept $DEMO_WORK"
	else
		rm -rf "$DEMO_WORK"
	fi
	exit "$status"
}

main() {
	local memcgfs="" status=0
	KEEP=0
	while [ $# -gt 0 ]; do
		case $1 in
		--memcgfs)
			[ $# -ge 2 ] || { usage >&2; exit 2; }
			memcgfs=$2
			shift 2
			;;
		--memcgfs=*)
			memcgfs=${1#*=}
			shift
			;;
		--keep)
			KEEP=1
			shift
			;;
		-h | --help)
			usage
			exit 0
			;;
		*)
			usage >&2
			exit 2
			;;
		esac
	done
	if [ -z "$memcgfs" ]; then
		memcgfs=$(command -v memcgfs || echo "$(dirname "$self")/../build/memcgfs")
	fi
	case $memcgfs in
	*/*) ;;
	*) memcgfs=$(command -v "$memcgfs" || echo "$memcgfs") ;;
	esac
	if [ ! -f "$memcgfs" ] || [ ! -x "$memcgfs" ]; then
		echo "crun-demo: no memcgfs binary at $memcgfs (build it, or give --memcgfs PATH)" >&2
		exit 2
	fi
	memcgfs=$(cd "$(dirname "$memcgfs")" && pwd)/$(basename "$memcgfs")

	[ "$(id -u)" = 0 ] || { echo "crun-demo: must run as root (mount namespaces, crun)" >&2; exit 2; }
	need crun "install the crun package"
	need busybox "install busybox-static"
	need jq "install jq"
	need unshare "install util-linux"
	need fusermount3 "install fuse3"
	need chroot "install coreutils"
	# crun enters the v1 controllers listed here and nothing else; without a
	# v1 memory line it never looks at $CG/memory.
	if ! cut -d: -f2 /proc/self/cgroup | tr ',' '\n' | grep -qx memory; then
		echo "crun-demo: /proc/self/cgroup lists no cgroup v1 memory controller, so crun would not use $CG/memory" >&2
		exit 2
	fi
	if ! unshare -m --propagation private true 2>/dev/null; then
		echo "crun-demo: cannot create a mount namespace (unshare -m)" >&2
		exit 2
	fi

	DEMO_MEMCGFS=$memcgfs
	DEMO_ID=memcgfs-demo-$$
	DEMO_WORK=$(mktemp -d "${TMPDIR:-/tmp}/memcgfs-crun.XXXXXX")
	HOST_FREEZER=
	local ctl
	ctl=$(awk -F: '{ n = split($2, c, ","); for (i = 1; i <= n; i++) if (c[i] == "freezer") print $2 }' /proc/self/cgroup)
	[ -z "$ctl" ] || [ ! -d "$CG/$ctl" ] || HOST_FREEZER=$CG/$ctl
	CHILD=
	trap outer_cleanup EXIT
	trap 'exit 130' INT
	trap 'exit 143' TERM
	export DEMO_MEMCGFS DEMO_ID DEMO_WORK

	say "memcgfs: $memcgfs"
	say "$(crun --version | head -n 1); busybox: $(command -v busybox)"
	say "host /proc/self/cgroup memory line: $(grep -E '^[0-9]+:([^:]*,)?memory(,[^:]*)?:' /proc/self/cgroup)"
	say "work directory: $DEMO_WORK"
	say "containers: $DEMO_ID-limits, $DEMO_ID-oom"
	make_bundles

	# The child is waited for in the background so that a signal here
	# reaches outer_cleanup, which stops it.
	unshare -m --propagation private bash "$self" --in-namespace &
	CHILD=$!
	wait "$CHILD" || status=$?
	CHILD=
	echo
	if [ "$status" -ne 0 ]; then
		say "crun-demo: FAILED"
		exit 1
	fi
	say "crun-demo: PASS (limits, cgroup.procs and OOM kill)"
}

if [ "${1:-}" = --in-namespace ]; then
	in_namespace
else
	main "$@"
fi
