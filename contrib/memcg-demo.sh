#!/usr/bin/env bash
# memcgfs standing in for the cgroup v1 memory controller at its usual path.
#
# As root, in a private mount namespace (so nothing shows in the host's
# mount table): a tmpfs on /sys/fs/cgroup, memcgfs on /sys/fs/cgroup/memory,
# then memcg-run starts a program with -m 64M --memsw 128M that reads its
# limits back through the standard v1 paths.  The demo checks the values,
# takes everything down again and exits 0 if all went as expected.
#
#   memcg-demo.sh [--memcgfs PATH]
#
# The daemon is PATH, else `memcgfs` in $PATH, else ../build/memcgfs next
# to this script.
set -u

prog=memcg-demo
here=$(cd "$(dirname "$0")" && pwd)
cg=/sys/fs/cgroup
limit=64M limit_bytes=67108864
memsw=128M memsw_bytes=134217728
group=demo

say() {
	printf '==> %s\n' "$*"
}

die() {
	printf '%s: %s\n' "$prog" "$*" >&2
	exit 1
}

usage() {
	sed -n '2,/^set -u/{/^set -u/d;s/^# \{0,1\}//;p}' "$0"
}

# ---- outside the namespace -----------------------------------------------------

outer() {
	local memcgfs='' status
	while [ $# -gt 0 ]; do
		case $1 in
		--memcgfs)
			[ $# -ge 2 ] || die "--memcgfs needs a PATH"
			memcgfs=$2
			shift 2
			;;
		--memcgfs=*)
			memcgfs=${1#*=}
			shift
			;;
		-h | --help)
			usage
			exit 0
			;;
		*)
			die "unknown argument '$1' (see --help)"
			;;
		esac
	done
	if [ -z "$memcgfs" ]; then
		memcgfs=$(command -v memcgfs 2>/dev/null) || memcgfs=$here/../build/memcgfs
	fi
	# The daemon starts inside the namespace, from whatever directory.
	case $memcgfs in
	/*) ;;
	*) memcgfs=$PWD/$memcgfs ;;
	esac
	[ -x "$memcgfs" ] || die "no memcgfs binary at $memcgfs (use --memcgfs PATH)"
	[ -x "$here/memcg-run" ] || die "no memcg-run next to this script"
	[ "$(id -u)" -eq 0 ] || die "must run as root (it mounts in a private namespace)"
	command -v unshare >/dev/null 2>&1 || die "unshare (util-linux) is needed"

	WORKDIR=$(mktemp -d "${TMPDIR:-/tmp}/memcg-demo.XXXXXX") || die "mktemp failed"
	trap 'rm -rf "$WORKDIR"' EXIT

	MEMCG_DEMO_INNER=1 MEMCG_DEMO_WORKDIR=$WORKDIR MEMCG_DEMO_MEMCGFS=$memcgfs \
		unshare -m --propagation private -- "$BASH" "$0"
	status=$?

	# The namespace is gone with its last process; the host must show no
	# trace of it.
	if awk -v d="$cg/memory" '$2 == d && $3 == "fuse.memcgfs" { f = 1 } END { exit !f }' \
		/proc/self/mounts; then
		say "FAIL: a memcgfs mount leaked into the host's mount table"
		status=1
	fi
	if [ "$status" -eq 0 ]; then
		say "demo passed"
	else
		say "demo FAILED"
	fi
	exit "$status"
}

# ---- inside the namespace ------------------------------------------------------

DAEMON=

# shellcheck disable=SC2317 # the EXIT trap calls it
inner_cleanup() {
	if [ -n "$DAEMON" ]; then
		fusermount3 -u "$cg/memory" 2>/dev/null || umount -l "$cg/memory" 2>/dev/null
		wait "$DAEMON" 2>/dev/null
	fi
	umount "$cg" 2>/dev/null
}

# The program memcg-run starts.  /proc/self/cgroup cannot tell it its group
# (memcgfs is a filesystem; /proc is the kernel's), so it looks for its own
# pid in the groups' cgroup.procs, as any tool reading the tree can.
write_program() {
	cat >"$1" <<'EOF'
#!/bin/sh
root=/sys/fs/cgroup/memory
mine=
for procs in $(find "$root" -mindepth 2 -name cgroup.procs); do
	if grep -qx "$$" "$procs"; then
		mine=${procs%/cgroup.procs}
	fi
done
[ -n "$mine" ] || { echo "pid $$ is in no group under $root" >&2; exit 1; }
echo "group=${mine#$root}"
echo "memory.limit_in_bytes=$(cat "$mine/memory.limit_in_bytes")"
echo "memory.memsw.limit_in_bytes=$(cat "$mine/memory.memsw.limit_in_bytes")"
echo "--- /proc/self/cgroup (the kernel's view, not memcgfs's) ---"
cat /proc/self/cgroup
EOF
	chmod 0755 "$1"
}

# expect FILE KEY VALUE: FILE has the line KEY=VALUE.
expect() {
	if grep -qxF "$2=$3" "$1"; then
		say "ok: $2 is $3"
	else
		say "FAIL: expected $2=$3"
		return 1
	fi
}

inner() {
	local memcgfs=$MEMCG_DEMO_MEMCGFS workdir=$MEMCG_DEMO_WORKDIR rc ok=0
	trap inner_cleanup EXIT

	say "private mount namespace: tmpfs on $cg, memcgfs on $cg/memory"
	# A tmpfs over the host's cgroup mounts, in this namespace only.
	mount -t tmpfs -o mode=0755 memcg-demo "$cg" || die "cannot mount a tmpfs on $cg"
	mkdir "$cg/memory" || die "cannot create $cg/memory"
	"$memcgfs" -f "$cg/memory" 2>"$workdir/memcgfs.log" &
	DAEMON=$!
	for _ in $(seq 1 200); do
		[ -e "$cg/memory/memcgfs.workload" ] && break
		kill -0 "$DAEMON" 2>/dev/null || {
			cat "$workdir/memcgfs.log" >&2
			die "memcgfs exited before mounting"
		}
		sleep 0.05
	done
	[ -e "$cg/memory/memcgfs.workload" ] || die "memcgfs did not mount within 10 s"
	grep " $cg/memory " /proc/self/mounts

	write_program "$workdir/show-limits"
	say "memcg-run -g $group -m $limit --memsw $memsw -- show-limits"
	# No -M: $cg/memory is where memcg-run looks by default.
	MEMCGFS_MOUNT='' "$here/memcg-run" -g "$group" -m "$limit" --memsw "$memsw" \
		-- "$workdir/show-limits" >"$workdir/out"
	rc=$?
	sed 's/^/    /' "$workdir/out"
	cat <<EOF
    (/proc/self/cgroup is written by the kernel from the real cgroups, so
    it shows the host's memory cgroup, not /$group: memcgfs can serve the
    files under $cg/memory but cannot change /proc.)
EOF
	[ "$rc" -eq 0 ] || { say "FAIL: the program exited with status $rc"; ok=1; }
	expect "$workdir/out" group "/$group" || ok=1
	expect "$workdir/out" memory.limit_in_bytes "$limit_bytes" || ok=1
	expect "$workdir/out" memory.memsw.limit_in_bytes "$memsw_bytes" || ok=1
	if [ -e "$cg/memory/$group" ]; then
		say "FAIL: memcg-run left $cg/memory/$group behind"
		ok=1
	else
		say "ok: memcg-run removed the group when the program ended"
	fi
	return "$ok"
}

if [ "${MEMCG_DEMO_INNER:-}" = 1 ]; then
	inner
	exit $?
fi
outer "$@"
