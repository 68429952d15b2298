#!/bin/sh
# The cost of track=rss: mount memcgfs with track=rss, put N real
# processes (memhog, each holding a few MiB) in a group, and measure the
# daemon's CPU time (utime+stime from /proc/PID/stat) over SECONDS, as a
# share of one core.  Also prints how close the group's charge is to the
# members' summed VmRSS.  Everything is killed and unmounted on exit.
#
#   MEMCGFS, MEMHOG   the programs (default: the build tree, from its top)
#   RSSBENCH_PROCS    processes (100)     RSSBENCH_SECONDS  seconds (10)
#   RSSBENCH_INTERVAL rss_interval in ms (100, the default)
# shellcheck disable=SC2317 # functions run from the EXIT trap
set -u

memcgfs=${MEMCGFS:-./memcgfs}
memhog=${MEMHOG:-./tests/tools/memhog}
procs=${RSSBENCH_PROCS:-100}
seconds=${RSSBENCH_SECONDS:-10}
interval=${RSSBENCH_INTERVAL:-100}

dir=$(mktemp -d /tmp/rssbench.XXXXXX)
mnt=$dir/mnt
pids=
daemon=
cleanup() {
	for p in $pids; do kill -9 "$p" 2>/dev/null; done
	for p in $pids; do wait "$p" 2>/dev/null; done
	fusermount3 -u "$mnt" 2>/dev/null || umount -l "$mnt" 2>/dev/null
	[ -n "$daemon" ] && wait "$daemon" 2>/dev/null
	rm -rf "$dir"
}
trap cleanup EXIT
trap 'exit 1' INT TERM

mkdir "$mnt"
"$memcgfs" -f -o "track=rss,rss_interval=$interval" "$mnt" 2>"$dir/log" &
daemon=$!
i=0
while [ ! -e "$mnt/memory.stat" ]; do
	i=$((i + 1))
	[ "$i" -gt 200 ] && { echo "rssbench: memcgfs did not mount" >&2; cat "$dir/log" >&2; exit 1; }
	sleep 0.05
done
mkdir "$mnt/bench"
n=0
while [ "$n" -lt "$procs" ]; do
	sh -c 'echo $$ >"$1" && exec "$2" 2 1' sh "$mnt/bench/cgroup.procs" \
		"$memhog" >/dev/null 2>&1 </dev/null &
	pids="$pids $!"
	n=$((n + 1))
done
sleep 2	# every process joined and grew; the sampler caught up

cpu_ticks() {
	# Fields 14 and 15 of /proc/PID/stat, after the ')' ending the name.
	sed 's/.*) //' "/proc/$daemon/stat" | awk '{ print $12 + $13 }'
}
t0=$(cpu_ticks)
sleep "$seconds"
t1=$(cpu_ticks)
hz=$(getconf CLK_TCK)

rss_kib=0
for p in $pids; do
	k=$(awk '$1 == "VmRSS:" { print $2 }' "/proc/$p/status" 2>/dev/null)
	rss_kib=$((rss_kib + ${k:-0}))
done
usage=$(cat "$mnt/bench/memory.usage_in_bytes")
awk -v d=$((t1 - t0)) -v hz="$hz" -v s="$seconds" -v n="$procs" \
    -v iv="$interval" -v u="$usage" -v r=$((rss_kib * 1024)) 'BEGIN {
	printf "track=rss: %d processes sampled every %d ms: daemon CPU %.2f %% of one core over %d s\n",
	       n, iv, 100 * d / hz / s, s
	printf "track=rss: group charge %.1f MiB, members VmRSS %.1f MiB (%.1f %%)\n",
	       u / 1048576, r / 1048576, r ? 100 * u / r : 0
}'
