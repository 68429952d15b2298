#!/bin/bash
# The cost of track=pages, at the default period (pages_interval=200):
#  1. N real processes (memhog) of MIB MiB each in a group, idle once
#     grown: the daemon's CPU time (utime+stime of /proc/PID/stat) over
#     SECONDS as a share of one core (anchor: < 2 %), and how long the
#     first scan of all of them took to charge everything;
#  2. one process of BIG MiB (tests/tools/pagetool): the daemon CPU time
#     of one rescan of all its pages, forced by one new page each time
#     (anchor: well under the 200 ms period).
# Everything is killed and unmounted on exit.
#
#   MEMCGFS, MEMHOG, PAGETOOL  the programs (default: the build tree)
#   PAGESBENCH_PROCS (100)  PAGESBENCH_MIB (100)  PAGESBENCH_SECONDS (10)
#   PAGESBENCH_BIG_MIB (4096)  PAGESBENCH_RESCANS (5)
set -u

memhog=${MEMHOG:-./tests/tools/memhog}
pagetool=${PAGETOOL:-./tests/tools/pagetool}
procs=${PAGESBENCH_PROCS:-100}
mib=${PAGESBENCH_MIB:-100}
seconds=${PAGESBENCH_SECONDS:-10}
big=${PAGESBENCH_BIG_MIB:-4096}
rescans=${PAGESBENCH_RESCANS:-5}
page=$(getconf PAGESIZE)

# shellcheck source=tools/bench/procs.sh
. "$(dirname "$0")/procs.sh"
cleanup_extra() {
	exec 7>&- 8<&- 2>/dev/null
}
bench_mount pagesbench track=pages

# The daemon's, and its sampler thread's (named pagetrack).
cpu_ticks() {
	ticks "/proc/$server/stat"
}

sampler_ticks() {
	local t
	for t in /proc/"$server"/task/*; do
		if [ "$(cat "$t/comm")" = pagetrack ]; then
			ticks "$t/stat"
			return
		fi
	done
	echo 0
}

now_ms() {
	date +%s%3N
}

rss_pages() {
	echo $(($(awk '$1 == "rss" { print $2 }' "$1/memory.stat") / page))
}

# until_rss DIR PAGES: wait (60 s at most) until DIR's rss reaches PAGES.
until_rss() {
	local i
	for i in $(seq 1 6000); do
		[ "$(rss_pages "$1")" -ge "$2" ] && return 0
		sleep 0.01
	done
	echo "pagesbench: $1 never reached $2 pages of rss" >&2
	exit 1
}

# 1. Many idle processes.
mkdir "$mnt/many"
t0=$(now_ms)
c0=$(cpu_ticks)
n=0
while [ "$n" -lt "$procs" ]; do
	sh -c 'echo $$ >"$1" && exec "$2" "$3" 1' sh "$mnt/many/cgroup.procs" \
		"$memhog" "$mib" >/dev/null 2>&1 </dev/null &
	pids="$pids $!"
	n=$((n + 1))
done
# 99.9 %: a page or so per process may be shared with another (map
# count above one when first seen: not charged), see below.
until_rss "$mnt/many" $((procs * mib * 1048576 / page * 999 / 1000))
t1=$(now_ms)
c1=$(cpu_ticks)
sleep 1	# settled: every counter seen once more
c2=$(cpu_ticks)
s2=$(sampler_ticks)
sleep "$seconds"
c3=$(cpu_ticks)
s3=$(sampler_ticks)
awk -v n="$procs" -v m="$mib" -v s="$seconds" -v d=$((c3 - c2)) -v hz="$hz" \
    -v r="$(rss_pages "$mnt/many")" -v want=$((procs * mib * 1048576 / page)) -v sd=$((s3 - s2)) -v grow=$((t1 - t0)) -v gc=$((c1 - c0)) 'BEGIN {
	printf "track=pages: %d processes of %d MiB charged within %d ms of their start (daemon CPU %.2f s)\n",
	       n, m, grow, gc / hz
	printf "track=pages: rss %d pages of the %d the processes wrote (%.4f %%)\n",
	       r, want, 100 * r / want
	printf "track=pages: %d idle processes of %d MiB every 200 ms: sampler CPU %.2f %% of one core over %d s (anchor: < 2 %%); whole daemon %.2f %%\n",
	       n, m, 100 * sd / hz / s, s, 100 * d / hz / s
}'
for p in $pids; do kill -9 "$p" 2>/dev/null; done
for p in $pids; do wait "$p" 2>/dev/null; done
pids=

# 2. One big process, rescanned.
mkdir "$mnt/big"
mkfifo "$dir/in" "$dir/out"
"$pagetool" <"$dir/in" >"$dir/out" &
pids=$!
exec 7>"$dir/in" 8<"$dir/out"
tool() {
	echo "$1" >&7
	read -r reply <&8
	[ "$reply" = ok ] || { echo "pagesbench: pagetool: $1 -> $reply" >&2; exit 1; }
}
tool "anon 1"
echo "$pids" >"$mnt/big/cgroup.procs"
big_pages=$((big * 1048576 / page))
tool "anon $big_pages"
until_rss "$mnt/big" "$big_pages"
sleep 1
want=$(rss_pages "$mnt/big")
total=0
i=0
while [ "$i" -lt "$rescans" ]; do
	sleep 0.5	# a quiet period first: idle cost is in part 1
	c0=$(sampler_ticks)
	tool "anon 1"	# one new page: the next period rescans it all
	want=$((want + 1))
	until_rss "$mnt/big" "$want"
	c1=$(sampler_ticks)
	total=$((total + c1 - c0))
	i=$((i + 1))
done
awk -v m="$big" -v r="$rescans" -v d="$total" -v hz="$hz" 'BEGIN {
	printf "track=pages: one rescan of a %d MiB process: sampler CPU %.0f ms (mean of %d; anchor: well under the 200 ms period)\n",
	       m, 1000 * d / hz / r, r
}'
