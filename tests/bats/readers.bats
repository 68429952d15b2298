#!/usr/bin/env bats
# Every way of reading gives what read(2) gives (memcgfs(8), FILES IN EACH GROUP): read with any
# buffer, pread at an offset, sendfile, splice, copy_file_range, cp,
# Python's shutil, dd bs=1, on each kind of file (a value, a list, a
# table), in a group and at the root.  The same probes run on the kernel's
# v1 memory controller where it is mounted, in a throw-away group.

load helpers

KROOT=/sys/fs/cgroup/memory

setup() {
	mount_memcgfs
	KG=
}

teardown() {
	kill_sleepers
	if [ -n "$KG" ]; then
		local p
		for p in $(cat "$KG/tasks" 2>/dev/null); do
			echo "$p" >"$KROOT/tasks" 2>/dev/null || true
		done
		rmdir "$KG" 2>/dev/null || true
	fi
	unmount_memcgfs
}

# prepare DIR: a group with a 5M limit and two sleepers in it.
prepare() {
	echo 5M >"$1/memory.limit_in_bytes"
	local i
	for i in 1 2; do
		spawn_sleeper
		echo "$SLEEPER" >"$1/tasks"
	done
}

# kernel_group: a throw-away group on the kernel's controller, or skip.
kernel_group() {
	[ -w "$KROOT/memory.limit_in_bytes" ] || skip "no kernel v1 memory controller"
	KG=$KROOT/memcgfs-readers.$$
	mkdir "$KG"
}

# same FILE REF WHAT: FILE's content equals REF's; say what differed.
same() {
	cmp -s "$1" "$2" && return 0
	echo "$3: differs from read(2):" >&2
	diff <(od -c "$2") <(od -c "$1") | head -10 >&2
	return 1
}

# way FILE WHAT CMD...: CMD's output is what one read(2) of FILE with a
# large buffer gives (not empty, no error).  Tries TRIES times with a new
# reference each: the kernel's own statistics may move between two reads
# of its group (its stat flush, the sleepers' last faults after their
# move), which says nothing of the reader; memcgfs's test group is still,
# and gets one try.
way() {
	local f=$1 what=$2 t=$BATS_TEST_TMPDIR try
	shift 2
	for try in $(seq 1 "${TRIES:-1}"); do
		"$READPROBE" read "$f" 65536 >"$t/ref"
		[ -s "$t/ref" ] || { echo "$f: read(2) gave nothing" >&2; return 1; }
		! grep -q '^ERR ' "$t/ref" || { cat "$t/ref" >&2; return 1; }
		"$@" >"$t/got"
		cmp -s "$t/got" "$t/ref" && return 0
	done
	echo "$f $what: differs from read(2):" >&2
	diff <(od -c "$t/ref") <(od -c "$t/got") | head -10 >&2
	return 1
}

# each_way FILE: every way of reading FILE gives the bytes one read(2)
# with a large buffer gives.
each_way() {
	local f=$1 bs
	for bs in 1 3 7 4096; do
		way "$f" "read with $bs-byte buffers" "$READPROBE" read "$f" "$bs" || return 1
	done
	way "$f" "pread at 0" "$READPROBE" pread "$f" 0 || return 1
	way "$f" "pread at 3" sh -c 'head -c 3 "$2" && "$1" pread "$2" 3' sh \
		"$READPROBE" "$f" || return 1
	way "$f" "read, then pread at 0 on the same fd" "$READPROBE" reread "$f" 3 || return 1
	way "$f" "sendfile" "$READPROBE" sendfile "$f" || return 1
	way "$f" "splice" "$READPROBE" splice "$f" || return 1
	way "$f" "dd bs=1" dd if="$f" bs=1 status=none || return 1
	way "$f" "cp" sh -c 'cp "$1" "$2/cp" && cat "$2/cp"' sh "$f" "$BATS_TEST_TMPDIR" || return 1
	way "$f" "shutil.copyfile (sendfile)" python3 -c \
		'import shutil, sys; shutil.copyfile(sys.argv[1], "/dev/stdout")' "$f" || return 1
	if command -v busybox >/dev/null; then
		way "$f" "busybox cat" busybox cat "$f" || return 1
	fi
	# copy_file_range to another file system: the kernel's EXDEV, or
	# the bytes.
	"$READPROBE" copy "$f" >"$BATS_TEST_TMPDIR/copy"
	if [ "$(cat "$BATS_TEST_TMPDIR/copy")" != "ERR EXDEV" ]; then
		way "$f" "copy_file_range" "$READPROBE" copy "$f" || return 1
	fi
}

# kinds DIR: each_way on a value, a list and two tables of group DIR.
kinds() {
	each_way "$1/memory.limit_in_bytes"
	each_way "$1/tasks"
	each_way "$1/cgroup.procs"
	each_way "$1/memory.stat"
	each_way "$1/memory.oom_control"
}

@test "memcgfs: every way of reading a group's value, list and tables gives read(2)'s bytes" {
	mkdir "$MNT/g"
	prepare "$MNT/g"
	kinds "$MNT/g"
}

@test "kernel: every way of reading a group's value, list and tables gives read(2)'s bytes" {
	kernel_group
	prepare "$KG"
	TRIES=3 kinds "$KG"
}

@test "memcgfs: the root's files read the same every way" {
	each_way "$MNT/memory.limit_in_bytes"
	each_way "$MNT/memory.stat"
	each_way "$MNT/memory.use_hierarchy"
	each_way "$MNT/cgroup.sane_behavior"
	echo /bin/true >"$MNT/release_agent"
	each_way "$MNT/release_agent"
}

@test "kernel: the root's constant files read the same every way" {
	[ -r "$KROOT/memory.limit_in_bytes" ] || skip "no kernel v1 memory controller"
	each_way "$KROOT/memory.limit_in_bytes"
	each_way "$KROOT/memory.use_hierarchy"
	each_way "$KROOT/cgroup.sane_behavior"
}

# read_errs FILE...: each read way of each file fails with EINVAL.
read_errs() {
	local f how
	for f in "$@"; do
		for how in "read $f 4096" "pread $f 0" "sendfile $f" "splice $f"; do
			# shellcheck disable=SC2086
			run "$READPROBE" $how
			[ "$output" = "ERR EINVAL" ] ||
				{ echo "$how: '$output'" >&2; return 1; }
		done
	done
}

@test "memcgfs: write-only files refuse every way of reading with EINVAL" {
	mkdir "$MNT/g"
	read_errs "$MNT/g/cgroup.event_control" "$MNT/g/memory.force_empty"
}

@test "kernel: write-only files refuse every way of reading with EINVAL" {
	kernel_group
	read_errs "$KG/cgroup.event_control" "$KG/memory.force_empty"
}

@test "mmap: the kernel refuses with ENODEV, memcgfs maps read(2)'s bytes" {
	mkdir "$MNT/g"
	"$READPROBE" mmap "$MNT/g/memory.limit_in_bytes" >"$BATS_TEST_TMPDIR/got"
	"$READPROBE" read "$MNT/g/memory.limit_in_bytes" 4096 >"$BATS_TEST_TMPDIR/ref"
	same "$BATS_TEST_TMPDIR/got" "$BATS_TEST_TMPDIR/ref" "mmap"
	[ -r "$KROOT/memory.limit_in_bytes" ] || skip "no kernel v1 memory controller"
	run "$READPROBE" mmap "$KROOT/memory.limit_in_bytes"
	[ "$output" = "ERR ENODEV" ]
}

# ---- what open descriptors cost the daemon --------------------------------

# rss_kb PID: its resident set, in kB.
rss_kb() {
	sed -n 's/^VmRSS:[[:space:]]*\([0-9]*\) kB/\1/p' "/proc/$1/status"
}

@test "descriptors held open cost the daemon no memory (root's tasks, 2,000 fds by nobody)" {
	# A sanitizer's allocator keeps freed memory in quarantine, and
	# TSan's shadow grows with every request served.
	! ldd "$MEMCGFS" | grep -qE "libasan|libtsan" ||
		skip "sanitizer build: RSS is the sanitizer's"
	cat "$MNT/tasks" >/dev/null
	local before after
	before=$(rss_kb "$(server_pid)")
	# nobody opens root's tasks 2,000 times, reads each once and holds
	# them all, then reports the daemon's size while holding them.
	after=$(cd "$MNT" && setpriv --reuid=65534 --regid=65534 --clear-groups \
		bash -c '
ulimit -n 4096 || exit 1
for i in $(seq 2000); do
	exec {fd}<tasks || exit 1
	[ "$i" -gt 50 ] || read -r -u "$fd" _
done
sed -n "s/^VmRSS:[[:space:]]*\([0-9]*\) kB/\1/p" "/proc/$1/status"
' _ "$(server_pid)")
	echo "daemon RSS $before kB before, $after kB with 2,000 fds held" >&2
	[ "$after" -lt $((before + 4096)) ]
}

@test "SIGTERM with control files open (and a workload line kept) exits 0, nothing leaked" {
	local r w
	exec {r}<"$MNT/memory.stat"
	read -r -u "$r" _
	exec {w}>"$MNT/memcgfs.workload"
	printf 'anon %s 4' "$$" >&"$w"	# an unterminated line, kept
	kill -TERM "$DAEMON_PID"
	local status=0
	wait "$DAEMON_PID" || status=$?
	exec {r}<&- {w}>&- 2>/dev/null || true
	DAEMON_PID=
	umount -l "$MNT" 2>/dev/null || true
	[ "$status" -eq 0 ] || { cat "$DAEMON_LOG" >&2; false; }
}
