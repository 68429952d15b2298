#!/bin/sh
# Quick start: install what is missing, build, mount memcgfs on a temp dir
# and walk through a short demo.  The mount stays up afterwards; the last
# lines say how to take it down.
set -eu
top=$(cd "$(dirname "$0")/.." && pwd)
cd "$top"

"$top/contrib/deps.sh"
[ -x "$top/configure" ] || "$top/autogen.sh" >/dev/null 2>&1
mkdir -p build
cd build
[ -f Makefile ] || "$top/configure" -q
make -s -j"$(nproc 2>/dev/null || echo 2)" memcgfs >/dev/null

mnt=$(mktemp -d /tmp/memcgfs.XXXXXX)
./memcgfs "$mnt"		# daemonizes once mounted
echo "memcgfs mounted at $mnt"

demo() {
	printf '$ %s\n' "$*"
	bash -c "$*" || true
}
cd "$mnt"
demo "ls"
demo "mkdir demo"
demo "echo 64M > demo/memory.limit_in_bytes"
demo "cat demo/memory.limit_in_bytes"
sleep 600 </dev/null >/dev/null 2>&1 &
pid=$!
demo "echo $pid > demo/tasks        # a real process moves into the group"
demo "cat demo/tasks"
demo "printf 'anon $pid 8M\\nread $pid data 4M\\n' > memcgfs.workload   # charge it"
demo "cat demo/memory.usage_in_bytes"
demo "grep -E '^(cache|rss|pgfault) ' demo/memory.stat"
demo "echo 10M > demo/memory.limit_in_bytes   # below usage: cache is reclaimed"
demo "grep -E '^(cache|rss) ' demo/memory.stat"
demo "echo 1.5M > demo/memory.limit_in_bytes  # refused: not a size"
kill "$pid"
wait "$pid" 2>/dev/null || true
demo "cat demo/tasks                # an exit is noticed at once"
demo "cat demo/memory.usage_in_bytes   # its anon went with it; page cache stays"
demo "rmdir demo"
cd /
cat <<MSG

memcgfs is still mounted at $mnt: try it with mkdir, echo and cat.
Unmount it with:   fusermount3 -u $mnt
MSG
