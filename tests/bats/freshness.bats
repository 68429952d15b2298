#!/usr/bin/env bats
# A read that starts after a change completed sees it (memcgfs(8), FILES IN EACH GROUP), whatever
# made the change and however the file is read, also through a descriptor
# kept open and re-read with pread at 0; and concurrent readers never see a
# torn value or a value older than one they saw before.

load helpers

setup() {
	mount_memcgfs
	mkdir "$MNT/g"
}

teardown() {
	kill_sleepers
	unmount_memcgfs
}

# fresh SCRIPT ARGS...: run the Python SCRIPT (on stdin) with the mount and
# ARGS; it fails with a message on the first stale or torn read.
fresh() {
	python3 - "$MNT" "$@"
}

@test "a write through any descriptor is seen by every later read, kept descriptors too" {
	fresh <<'EOF'
import os, sys
m = sys.argv[1]
f = m + "/g/memory.limit_in_bytes"
kept = os.open(f, os.O_RDONLY)
w = os.open(f, os.O_WRONLY)
r, p = os.pipe()
for i, v in enumerate([4096, 1048576, 5242880, 40960, 4096 * 123457, 8192]):
    want = b"%d\n" % v
    if i % 2:
        os.pwrite(w, b"%d" % v, 0)          # a kept writer
    else:
        with open(f, "w") as o:             # a fresh one (O_TRUNC)
            o.write("%d\n" % v)
    got = {"pread": os.pread(kept, 4096, 0)}
    with open(f, "rb") as o:
        got["open+read"] = o.read()
    fd = os.open(f, os.O_RDONLY)
    n = os.sendfile(p, fd, 0, 4096)
    got["sendfile"] = os.read(r, n)
    os.close(fd)
    for how, g in got.items():
        assert g == want, "%s after writing %d: %r" % (how, v, g)
EOF
}

@test "a workload line's charge and free are seen at once, through kept descriptors" {
	spawn_sleeper
	echo "$SLEEPER" >"$MNT/g/tasks"
	fresh "$SLEEPER" <<'EOF'
import os, sys
m, pid = sys.argv[1], int(sys.argv[2])
usage = os.open(m + "/g/memory.usage_in_bytes", os.O_RDONLY)
root = os.open(m + "/memory.usage_in_bytes", os.O_RDONLY)
stat = os.open(m + "/g/memory.stat", os.O_RDONLY)
def rss():
    for line in os.pread(stat, 65536, 0).decode().splitlines():
        k, v = line.split()
        if k == "rss":
            return int(v)
total = 0
for step in [4096, 65536, -4096, 1048576, -65536, -1048576]:
    cmd = "anon %d %d\n" % (pid, step) if step > 0 else "free %d %d\n" % (pid, -step)
    with open(m + "/memcgfs.workload", "w") as w:
        w.write(cmd)
    total += step
    for name, fd in (("g", usage), ("root", root)):
        got = os.pread(fd, 4096, 0)
        assert got == b"%d\n" % total, "%s usage after %r: %r" % (name, cmd, got)
    assert rss() == total, "rss after %r: %r" % (cmd, rss())
EOF
}

@test "a pid joining or leaving is seen by the next open, every way" {
	spawn_sleeper
	local s=$SLEEPER
	echo "$s" >"$MNT/g/tasks"
	[ "$("$READPROBE" sendfile "$MNT/g/tasks")" = "$s" ]
	[ "$("$READPROBE" read "$MNT/g/cgroup.procs" 1)" = "$s" ]
	listed "$MNT/g/tasks" "$s"
	echo "$s" >"$MNT/tasks"
	[ -z "$("$READPROBE" splice "$MNT/g/tasks")" ]
	listed "$MNT/tasks" "$s"
	echo "$s" >"$MNT/g/cgroup.procs"
	kill -9 "$s"
	wait "$s" 2>/dev/null || true
	[ -z "$("$READPROBE" sendfile "$MNT/g/tasks")" ]
	[ -z "$(cat "$MNT/g/cgroup.procs")" ]
	! listed "$MNT/tasks" "$s"
}

@test "a tracked task's exit uncharges, and the next read sees it" {
	spawn_sleeper
	echo "$SLEEPER" >"$MNT/g/tasks"
	echo "anon $SLEEPER 1M" >"$MNT/memcgfs.workload"
	[ "$(cat "$MNT/g/memory.usage_in_bytes")" = 1048576 ]
	kill -9 "$SLEEPER"
	wait "$SLEEPER" 2>/dev/null || true
	# The exit is the daemon's own news (its pid watcher): passed on
	# within the watcher's wake-up, so allow that.
	eventually 5 value_is "$MNT/g/memory.usage_in_bytes" 0
	[ "$("$READPROBE" sendfile "$MNT/memory.usage_in_bytes")" = 0 ]
}

# The readers read what the writes change, not the written file itself,
# and each value in one read, and the values keep their length: while a
# write to a file is in flight the kernel's cached copy of that file holds
# the written bytes, a read loop with a small buffer that spans a change
# may go on in the new text, and a read racing a change of length may see
# the old text cut or padded to the new length (READPATH, "Limits");
# sendfile and splice, which do not revalidate, are checked after each
# change above, not during one.
@test "concurrent writers and readers: no torn, stale or backward value" {
	spawn_sleeper
	echo "$SLEEPER" >"$MNT/g/tasks"
	mkdir "$MNT/h"
	fresh "$SLEEPER" <<'EOF'
import os, sys, threading, time
m, pid = sys.argv[1], int(sys.argv[2])
N = 1500
LIMIT0 = 4096 * 24415                       # 9 digits, and so are the next N
USAGE0 = 245                                # pages: 7 digits, and the next N
limit = m + "/h/memory.limit_in_bytes"
hstat = m + "/h/memory.stat"
usage = m + "/g/memory.usage_in_bytes"
errors = []

def check(cond, msg):
    if not cond and not errors:
        errors.append(msg)

def value(b, what):
    if what.startswith(hstat):              # the limit, as memory.stat shows it
        lines = b.decode().splitlines()
        check(len(lines) == 42 and b.endswith(b"\n"), "%s: torn %r" % (what, b))
        for line in lines:
            if line.startswith("hierarchical_memory_limit "):
                return int(line.split()[1])
        return -1
    check(b.endswith(b"\n") and b[:-1].isdigit(), "%s: torn %r" % (what, b))
    return int(b) if b[:-1].isdigit() else -1

# A read racing another reader's revalidation may get the old pages
# until that reader has dropped them (the kernel marks the attributes
# valid first, then waits for the pages' READ in flight; READPATH,
# "Limits"): a stale read is read again for up to 0.2 s, and such second
# chances must stay rare.  Staleness that lasts is what fails.
second_chances = [0]

def settled(read, want, what):
    got = read()
    if got != want:
        second_chances[0] += 1
        for _ in range(40):
            time.sleep(0.005)
            got = read()
            if got == want:
                break
    check(got == want, "%s stale: %d, not %d" % (what, got, want))

def open_read(path):
    with open(path, "rb") as f:
        return value(f.read(), path)

def limit_writer():
    kept = os.open(limit, os.O_RDONLY)
    for i in range(1, N):
        v = LIMIT0 + 4096 * i
        with open(limit, "w") as w:
            w.write("%d\n" % v)
        settled(lambda: value(os.pread(kept, 4096, 0), "limit"), v, "kept limit")
        settled(lambda: open_read(hstat), v, "memory.stat's limit")

def workload_writer():
    kept = os.open(usage, os.O_RDONLY)
    for i in range(1, N):
        with open(m + "/memcgfs.workload", "w") as w:
            w.write("anon %d 4096\n" % pid)
        want = 4096 * (USAGE0 + i)
        settled(lambda: open_read(usage), want, "usage")
        settled(lambda: value(os.pread(kept, 4096, 0), "usage"), want, "kept usage")

def reader(path, how):
    last = -1
    kept = os.open(path, os.O_RDONLY)
    r, p = os.pipe()
    for _ in range(3 * N):
        if how == "pread":
            b = os.pread(kept, 4096, 0)
        elif how == "sendfile":
            fd = os.open(path, os.O_RDONLY)
            b = os.read(r, os.sendfile(p, fd, 0, 4096))
            os.close(fd)
        else:
            with open(path, "rb", buffering=0) as f:
                b = f.read(65536)
        v = value(b, path + " " + how)
        check(v >= last, "%s %s went back: %d after %d" % (path, how, v, last))
        last = v

with open(limit, "w") as w:
    w.write("%d" % LIMIT0)                  # below every value written
with open(m + "/memcgfs.workload", "w") as w:
    w.write("anon %d %d\n" % (pid, 4096 * USAGE0))
ts = [threading.Thread(target=limit_writer), threading.Thread(target=workload_writer)]
for path in (hstat, usage):
    for how in ("pread", "read"):
        ts.append(threading.Thread(target=reader, args=(path, how)))
for t in ts:
    t.start()
for t in ts:
    t.join()
assert not errors, errors[0]
assert second_chances[0] <= N // 20, "%d stale reads" % second_chances[0]
EOF
}
