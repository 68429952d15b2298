#!/bin/sh
# Random writes into a mounted tree (fuzz_tree.c) under both kmem models and
# two page sizes: for each, mount memcgfs, replay FUZZ_TREE_ITERATIONS
# (default 2000) random operations, check the invariants and the clean-up,
# unmount, and require the daemon's exit status 0 (a sanitizer report makes
# it non-zero).  TAP on stdout.  Run from the top build directory;
# `make fuzz-tree FUZZ_TREE_ITERATIONS=100000` is the long run.
set -u
memcgfs=${MEMCGFS:-./memcgfs}
fuzz=${FUZZ_TREE:-./tests/fuzz/fuzz_tree}
iterations=${FUZZ_TREE_ITERATIONS:-2000}
seed=${FUZZ_TREE_SEED:-0x6d656d636766737a}
mnt=$(mktemp -d "${TMPDIR:-/tmp}/memcgfs-fuzz.XXXXXX")
log=$mnt.log
daemon=

finish() {
	if [ -n "$daemon" ]; then
		fusermount3 -u "$mnt" 2>/dev/null || umount -l "$mnt" 2>/dev/null
		kill "$daemon" 2>/dev/null
		wait "$daemon" 2>/dev/null
	fi
	rmdir "$mnt" 2>/dev/null
	rm -f "$log"
}
trap finish EXIT
trap 'exit 1' INT TERM

configs="kmem=reparent,page_size=4096 kmem=pin,page_size=4096
kmem=reparent,page_size=65536 kmem=pin,page_size=65536"
echo "1..4"
n=0
status=0
for config in $configs; do
	n=$((n + 1))
	# No reaper between checks (it changes counters), no real kills.
	"$memcgfs" -f -o "$config,mem=512M,swap=64M,oom=simulate,reap_interval=86400" \
		"$mnt" 2>"$log" &
	daemon=$!
	i=0
	while [ ! -e "$mnt/memory.limit_in_bytes" ] && [ $i -lt 200 ]; do
		sleep 0.05
		i=$((i + 1))
	done
	out=$("$fuzz" "$mnt" "$iterations" "$seed" 2>&1)
	rc=$?
	fusermount3 -u "$mnt" 2>/dev/null || umount -l "$mnt" 2>/dev/null
	wait "$daemon"
	drc=$?
	daemon=
	# A server that crashed (or ended on a sanitizer report) was
	# restarted by the supervisor: that is a failure here too.
	grep -q ': restarting it' "$log" && drc="$drc, restarted"
	if [ $rc -eq 0 ] && [ "$drc" = 0 ]; then
		echo "ok $n - $config: ${out##*- }"
		echo "$out" | grep '^#'

	else
		echo "not ok $n - $config: fuzz_tree status $rc, memcgfs status $drc"
		echo "$out" | sed 's/^/# /'
		sed 's/^/# memcgfs: /' "$log" | tail -40
		status=1
	fi
done
exit $status
