#!/usr/bin/env bats
# memcg-run --kernel-view: CMD and everything it starts, whatever it is
# linked with, find memcgfs as the kernel's v1 memory hierarchy at
# /sys/fs/cgroup/memory (/proc/*/cgroup, mountinfo, mounts, /proc/cgroups,
# statfs); real v1 clients read and set their group's limit there, and
# report what they report in a child group of the kernel's own controller.

load helpers

bats_require_minimum_version 1.5.0

: "${CONTRIB:=$BATS_TEST_DIRNAME/../../contrib}"
: "${MEMCG_KVIEW:=$PWD/memcg-kview}"
export MEMCG_KVIEW
RUN=$CONTRIB/memcg-run
KROOT=/sys/fs/cgroup/memory
BUSYBOX=/bin/busybox
CGROUP_SUPER_MAGIC=27e0eb
FUSE_SUPER_MAGIC=65735546

setup() {
	if [ ! -x "$MEMCG_KVIEW" ]; then
		echo "memcg-kview not built ($MEMCG_KVIEW)" >&2
		return 1
	fi
	mount_memcgfs
	BG=
	VIEWPID=
	KGROUP=
}

teardown() {
	local p
	for p in $VIEWPID; do
		kill -9 "$p" 2>/dev/null || true
	done
	for p in $BG; do
		kill -TERM "$p" 2>/dev/null || true
		wait "$p" 2>/dev/null || true
	done
	local left=
	if [ -n "$KGROUP" ] && [ -d "$KGROUP" ]; then
		for p in $(cat "$KGROUP/cgroup.procs"); do
			kill -9 "$p" 2>/dev/null || true
		done
		for _ in $(seq 1 60); do
			rmdir "$KGROUP" 2>/dev/null && break
			sleep 0.05
		done
		[ ! -d "$KGROUP" ] || left=$KGROUP
	fi
	unmount_memcgfs
	if [ -n "$left" ]; then
		echo "kernel group $left left behind" >&2
		return 1
	fi
}

# view ARG... -- CMD...: memcg-run --kernel-view on this test's mount, in
# group job.
view() {
	"$RUN" -M "$MNT" -g job --kernel-view "$@"
}

# kernel_group LIMIT: a new child group of the kernel's v1 memory
# controller with that limit, in KGROUP (removed in teardown).  Called in
# the test's own shell, not under `run`, so that teardown knows it.
kernel_group() {
	kernel_memcg_v1 || skip "no kernel v1 memory controller at $KROOT"
	KGROUP=$KROOT/kview-$$-$BATS_TEST_NUMBER
	mkdir "$KGROUP"
	echo "$1" >"$KGROUP/memory.limit_in_bytes"
}

# kernel_run CMD...: CMD in kernel_group's group.
kernel_run() {
	sh -c 'echo $$ >"$0/cgroup.procs" && exec "$@"' "$KGROUP" "$@"
}

kernel_memcg_v1() {
	awk -v d="$KROOT" '$2 == d && $3 == "cgroup" && $4 ~ /(^|,)memory(,|$)/ { f = 1 }
		END { exit !f }' /proc/mounts
}

# A raw openat2(2) of /proc/self/cgroup, its text to stdout.
OPENAT2='
import ctypes, os
how = (ctypes.c_uint64 * 3)(os.O_RDONLY | os.O_CLOEXEC, 0, 0)
libc = ctypes.CDLL(None, use_errno=True)
fd = libc.syscall(437, -100, b"/proc/self/cgroup", ctypes.byref(how), 24)
if fd < 0:
    raise OSError(ctypes.get_errno(), "openat2")
os.write(1, os.read(fd, 65536))
'

# memory_line: the memory line of a /proc/PID/cgroup text on stdin.
memory_line() {
	grep -E '^[0-9]+:([^:]*,)?memory(,[^:]*)?:'
}

# expect WANT GOT [WHAT]: equal, or say both.
expect() {
	if [ "$1" != "$2" ]; then
		printf '%s: expected\n%s\ngot\n%s\n' "${3:-value}" "$1" "$2" >&2
		return 1
	fi
}

# in_view_bg CMD...: start CMD in the view in the background; its pid (the
# command itself, inside the view) in VIEWPID once it runs.
in_view_bg() {
	local f=$BATS_TEST_TMPDIR/viewpid
	rm -f "$f"
	view -- sh -c 'echo $$ >"$0"; exec "$@"' "$f" "$@" </dev/null >/dev/null 2>&1 &
	BG=$!
	eventually 10 test -s "$f"
	VIEWPID=$(cat "$f")
}

@test "a static busybox reads its memcgfs group in /proc/self/cgroup; other lines are the host's" {
	host=$("$BUSYBOX" cat /proc/self/cgroup)
	run -0 view -- "$BUSYBOX" cat /proc/self/cgroup
	id=$(printf '%s\n' "$host" | memory_line | cut -d: -f1)
	[ -n "$id" ] || id=$(printf '%s\n' "$output" | memory_line | cut -d: -f1)
	expect "$id:memory:/job" "$(printf '%s\n' "$output" | memory_line)" "memory line"
	expect "$(printf '%s\n' "$host" | grep -v ':memory:')" \
		"$(printf '%s\n' "$output" | grep -v ':memory:')" "other lines"
}

@test "/proc/thread-self/cgroup, /proc/PID/cgroup and a relative open through a /proc descriptor agree" {
	run -0 view -- sh -c '
		cat /proc/thread-self/cgroup
		cat /proc/$$/cgroup
		cat /proc/$$/task/$$/cgroup
		cd /proc/self && cat ./cgroup
		python3 -c "$0"' "$OPENAT2"
	[ "$(printf '%s\n' "$output" | memory_line | sort -u | wc -l)" -eq 1 ]
	[ "$(printf '%s\n' "$output" | memory_line | wc -l)" -eq 5 ]
	printf '%s\n' "$output" | memory_line | grep -q ':memory:/job$'
}

@test "a 32-bit program with no libc, opening through int 0x80, sees the same line" {
	[ "$(uname -m)" = x86_64 ] || skip "not an x86-64 host"
	prog=$BATS_TEST_TMPDIR/i386cgroup
	${CC:-cc} -m32 -nostdlib -static -fno-pie -no-pie -O1 -o "$prog" \
		"$BATS_TEST_DIRNAME/../tools/i386cgroup.c" 2>"$BATS_TEST_TMPDIR/cc.log" ||
		skip "the compiler cannot make i386 code: $(head -1 "$BATS_TEST_TMPDIR/cc.log")"
	"$prog" >/dev/null 2>&1 || skip "this kernel runs no i386 programs"
	run -0 view -- "$prog"
	expect memory:/job "$(printf '%s\n' "$output" | memory_line | cut -d: -f2-)"
}

@test "a forked grandchild and an orphan the command leaves see the same group" {
	run -0 view -- sh -c '
		sh -c "sh -c \"cat /proc/self/cgroup\"" | grep :memory:
		( sleep 0.3; grep :memory: /proc/self/cgroup >"$0" ) &' \
		"$BATS_TEST_TMPDIR/orphan"
	expect "$(printf '%s\n' "$output" | memory_line | cut -d: -f2-)" "memory:/job" grandchild
	# memcg-run returns once the orphan is gone too: the supervisor waits.
	expect "memory:/job" "$(cut -d: -f2- "$BATS_TEST_TMPDIR/orphan")" orphan
}

@test "the memory line follows a move, whoever makes it" {
	mkdir "$MNT/other" "$MNT/third"
	run -0 view -- sh -c '
		echo $$ >/sys/fs/cgroup/memory/other/cgroup.procs
		grep :memory: /proc/self/cgroup
		'"$BUSYBOX"' sleep 30 &
		p=$!
		echo $p >/sys/fs/cgroup/memory/third/tasks
		grep :memory: /proc/$p/cgroup
		kill $p'
	expect "memory:/other
memory:/third" "$(printf '%s\n' "$output" | cut -d: -f2-)"
	# A move made outside the view, seen from inside.
	d=$BATS_TEST_TMPDIR
	view -- sh -c '"$0" sleep 1000 & echo $! >"$1"
		while [ ! -e "$2" ]; do sleep 0.05; done
		grep :memory: /proc/$!/cgroup; kill $!' \
		"$BUSYBOX" "$d/pid" "$d/moved" >"$d/out" 2>&1 &
	BG=$!
	eventually 10 test -s "$d/pid"
	VIEWPID=$(cat "$d/pid")
	echo "$VIEWPID" >"$MNT/other/cgroup.procs"
	touch "$d/moved"
	wait "$BG"
	BG=
	expect memory:/other "$(cut -d: -f2- "$d/out")" "moved from outside"
}

@test "mountinfo and mounts list the mount as the kernel's v1 memory hierarchy" {
	kernel_memcg_v1 || skip "no kernel v1 memory controller at $KROOT"
	host=$(awk '$5 == "/sys/fs/cgroup/memory"' /proc/self/mountinfo)
	run -0 view -- "$BUSYBOX" awk '$5 == "/sys/fs/cgroup/memory"' /proc/self/mountinfo
	[ "$(printf '%s\n' "$output" | wc -l)" -eq 1 ]
	expect "${host#* - }" "${output#* - }" "type, source and super options"
	run -0 view -- "$BUSYBOX" awk '$2 == "/sys/fs/cgroup/memory"' /proc/mounts /proc/self/mounts
	[ "$(printf '%s\n' "$output" | wc -l)" -eq 2 ]
	host=$(awk '$2 == "/sys/fs/cgroup/memory" { print $1, $3 }' /proc/mounts)
	expect "$host" "$(printf '%s\n' "$output" | awk 'NR == 1 { print $1, $3 }')" "source, type"
	printf '%s\n' "$output" | awk '{ exit !($4 ~ /,memory$/) }'
	# No fuse.memcgfs left at that point, and the kernel's one not listed.
	run -0 view -- grep -c ' /sys/fs/cgroup/memory ' /proc/self/mountinfo
	expect 1 "$output"
}

@test "/proc/cgroups lists memory with the memory line's hierarchy id and memcgfs's groups" {
	mkdir -p "$MNT/a/b"
	run -0 view -- sh -c 'grep "^memory" /proc/cgroups; grep :memory: /proc/self/cgroup'
	read -r name hier num enabled <<<"$(printf '%s\n' "$output" | head -1)"
	expect memory "$name"
	expect 1 "$enabled"
	expect 4 "$num" "groups (root, a, a/b, job)"
	expect "$hier" "$(printf '%s\n' "$output" | sed -n 2p | cut -d: -f1)" "hierarchy id"
	# The other controllers are as the host has them.
	expect "$(grep -v '^memory' /proc/cgroups)" \
		"$(view -- grep -v '^memory' /proc/cgroups)" "other controllers"
}

@test "statfs, fstatfs and busybox stat -f report CGROUP_SUPER_MAGIC on memcgfs, nothing else changes" {
	f=/sys/fs/cgroup/memory/job/memory.limit_in_bytes
	for how in statfs fstatfs fstatfs-path; do
		run -0 view -- "$FSPROBE" fstype "$f" "$how"
		want=$("$FSPROBE" fstype "$KROOT/memory.limit_in_bytes" "$how")
		expect "$want" "$output" "$how"
		run -0 view -- "$FSPROBE" fstype /tmp "$how"
		expect "$("$FSPROBE" fstype /tmp "$how")" "$output" "$how of /tmp"
	done
	run -0 view -- "$BUSYBOX" stat -f -c %t /sys/fs/cgroup/memory
	expect "$CGROUP_SUPER_MAGIC" "$output" "busybox stat -f"
	run -0 view -- "$BUSYBOX" stat -f -c %t /sys/fs/cgroup
	expect "$(stat -f -c %t /sys/fs/cgroup)" "$output" "the tmpfs"
	run -0 view -- "$FSPROBE" fstype /no/such/file statfs
	expect ENOENT "$output"
	expect "$FUSE_SUPER_MAGIC" "$(stat -f -c %t "$MNT")" "outside the view"
}

@test "outside the view nothing changed while it runs" {
	# Others' mounts come and go meanwhile: compare cgroup ones and ours.
	mine() { grep -e ' /sys/fs/cgroup' -e " $MNT " /proc/self/mountinfo; }
	before=$(mine)
	in_view_bg "$BUSYBOX" sleep 1000
	# The view's own process, read from outside: the kernel's text.
	expect "$(grep :memory: /proc/self/cgroup | cut -d: -f1,2)" \
		"$(grep :memory: "/proc/$VIEWPID/cgroup" | cut -d: -f1,2)"
	run ! grep -q ':memory:/job$' "/proc/$VIEWPID/cgroup"
	expect "$before" "$(mine)" mountinfo
	expect "$FUSE_SUPER_MAGIC" "$(stat -f -c %t "$MNT/job")"
	listed "$MNT/job/cgroup.procs" "$VIEWPID"
}

@test "--v2-host: no host v1 hierarchy; memory and read-only stand-ins for OpenJDK's others" {
	run -0 view --v2-host -- "$BUSYBOX" cat /proc/self/cgroup
	expect "5:pids:/
4:blkio:/
3:cpuset:/
2:cpu,cpuacct:/
1:memory:/job
$(grep '^0::' /proc/self/cgroup)" "$output"
	run -0 view --v2-host -- "$BUSYBOX" awk '$9 == "cgroup" || $8 == "cgroup" { print $5, $NF }' \
		/proc/self/mountinfo
	expect "/sys/fs/cgroup/blkio rw,blkio
/sys/fs/cgroup/cpu,cpuacct rw,cpu,cpuacct
/sys/fs/cgroup/cpuset rw,cpuset
/sys/fs/cgroup/memory rw,memory
/sys/fs/cgroup/pids rw,pids" "$(printf '%s\n' "$output" | sort)" "v1 mounts"
	run -0 view --v2-host -- "$BUSYBOX" awk '$2 != 0 { print $1, $2, $4 }' /proc/cgroups
	expect "#subsys_name hierarchy enabled
cpuset 3 1
cpu 2 1
cpuacct 2 1
blkio 4 1
memory 1 1
pids 5 1" "$output" "controllers on a v1 hierarchy"
	run -0 view --v2-host -- "$BUSYBOX" stat -f -c %t /sys/fs/cgroup/unified /sys/fs/cgroup
	expect "63677270
1021994" "$output" "the v2 hierarchy at unified, a tmpfs at /sys/fs/cgroup"
	run -0 view --v2-host -- sh -c '
		"$0" stat -f -c %t /sys/fs/cgroup/cpu/cpu.shares
		cat /sys/fs/cgroup/cpu,cpuacct/cpu.cfs_quota_us /sys/fs/cgroup/cpuset/cpuset.cpus
		if (echo 2 >/sys/fs/cgroup/cpu/cpu.shares) 2>/dev/null; then
			echo written
		else
			echo refused
		fi' "$BUSYBOX"
	[[ $output == *refused ]]
	expect "$CGROUP_SUPER_MAGIC
-1
$(cat /sys/devices/system/cpu/online)" "$(printf '%s\n' "$output" | head -3)" "stand-ins"
	run -0 view --v2-host -- cat /sys/fs/cgroup/memory/job/tasks
	[ -n "$output" ]
}

@test "--v2-host --memory-only: crun runs a container whose group and limit are memcgfs's" {
	command -v crun >/dev/null || skip "crun not installed"
	command -v jq >/dev/null || skip "jq not installed"
	d=$BATS_TEST_TMPDIR
	mkdir -p "$d/rootfs/bin" "$d/rootfs/proc" "$d/rootfs/sys" "$d/rootfs/dev" \
		"$d/rootfs/tmp" "$d/bundle" "$d/state"
	cp "$BUSYBOX" "$d/rootfs/bin/busybox"
	chroot "$d/rootfs" /bin/busybox --install -s /bin
	crun spec -b "$d/bundle"
	# No device rule: crun would open the devices hierarchy, which a
	# memory-only view has not.
	jq --arg rootfs "$d/rootfs" '.process.terminal = false
		| .process.args = ["sh", "-c",
			"grep :memory: /proc/self/cgroup; read l </sys/fs/cgroup/memory/memory.limit_in_bytes; echo limit=$l"]
		| .root = {path: $rootfs, readonly: true}
		| .linux.resources = {memory: {limit: 67108864}}' \
		"$d/bundle/config.json" >"$d/bundle/c" && mv "$d/bundle/c" "$d/bundle/config.json"
	id=kview-$$
	run -0 view --v2-host --memory-only -- sh -c '
		grep -c " - cgroup" /proc/self/mountinfo
		crun --cgroup-manager=cgroupfs --root "$0" run --bundle "$1" "$2" </dev/null' \
		"$d/state" "$d/bundle" "$id"
	expect "1
1:memory:/$id
limit=67108864" "$output"
	[ ! -d "$MNT/$id" ]
}

@test "memcg-run --kernel-view passes on the status, and refuses --v2-host alone" {
	run -3 view -- sh -c 'exit 3'
	run -137 view -- sh -c 'kill -9 $$'
	run -125 "$RUN" -M "$MNT" --v2-host -- true
	[[ $output == *"--v2-host needs --kernel-view"* ]]
	run -125 "$RUN" -M "$MNT" --memory-only -- true
	[[ $output == *"--memory-only needs --kernel-view"* ]]
	run -125 env MEMCG_KVIEW=/nonexistent "$RUN" -M "$MNT" --kernel-view -- true
	[ ! -e "$MNT/job" ]
}

@test "cgget and cgset read and set the group's memory.limit_in_bytes as on the kernel" {
	command -v cgget >/dev/null || skip "cgget not installed (cgroup-tools)"
	run -0 view --keep -m 64M -- sh -c 'cgget -n -v -r memory.limit_in_bytes /job &&
		cgset -r memory.limit_in_bytes=32M /job &&
		cgget -n -v -r memory.limit_in_bytes /job'
	expect "67108864
33554432" "$output"
	expect 33554432 "$(cat "$MNT/job/memory.limit_in_bytes")"
	rmdir "$MNT/job"
	run -0 view --v2-host -m 64M -- cgget -n -v -r memory.limit_in_bytes /job
	expect 67108864 "$output" "--v2-host"
	kernel_group 64M
	g=${KGROUP#"$KROOT"/}
	run -0 kernel_run sh -c 'cgget -n -v -r memory.limit_in_bytes "/$0" &&
		cgset -r memory.limit_in_bytes=32M "/$0" &&
		cgget -n -v -r memory.limit_in_bytes "/$0"' "$g"
	expect "67108864
33554432" "$output" kernel
}

@test "OpenJDK reports the memcgfs limit and sizes its heap by it, as on the kernel" {
	command -v java >/dev/null || skip "java not installed (openjdk-17-jre-headless)"
	limit=$((256 * 1048576))
	jdk='java -XshowSettings:system -version 2>&1 | grep -e "Memory Limit" -e Provider
		java -XX:+PrintFlagsFinal -version 2>/dev/null |
		awk "\$2 == \"MaxHeapSize\" { print \$4 }"'
	run -0 view -m "$limit" -- sh -c "$jdk"
	got=$output
	[[ $got == *"Provider: cgroupv1"*"Memory Limit: 256.00M"* ]]
	run -0 view --v2-host -m "$limit" -- sh -c "$jdk"
	expect "$got" "$output" "--v2-host"
	kernel_group "$limit"
	run -0 kernel_run sh -c "$jdk"
	expect "$output" "$got" "kernel vs view"
}

@test "Node.js process.constrainedMemory() is the memcgfs limit, as on the kernel" {
	command -v node >/dev/null || skip "node not installed (nodejs)"
	limit=$((192 * 1048576))
	js='console.log(process.constrainedMemory && process.constrainedMemory())'
	if kernel_memcg_v1; then
		kernel_group "$limit"
		run -0 kernel_run node -e "$js"
		case $output in
		0 | undefined) skip "this Node.js does not read cgroup limits ($output)" ;;
		esac
		expect "$limit" "$output" kernel
	fi
	run -0 view -m "$limit" -- node -e "$js"
	expect "$limit" "$output" view
	run -0 view --v2-host -m "$limit" -- node -e "$js"
	expect "$limit" "$output" "view, --v2-host"
}
