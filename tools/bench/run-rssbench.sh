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
set -u

memhog=${MEMHOG:-./tests/tools/memhog}
procs=${RSSBENCH_PROCS:-100}
seconds=${RSSBENCH_SECONDS:-10}
interval=${RSSBENCH_INTERVAL:-100}

# shellcheck source=tools/bench/procs.sh
. "$(dirname "$0")/procs.sh"
bench_mount rssbench "track=rss,rss_interval=$interval"
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
	ticks "/proc/$server/stat"
}
t0=$(cpu_ticks)
sleep "$seconds"
t1=$(cpu_ticks)

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
