#!/bin/sh
# The cost of memcg-run --kernel-view: kviewbench's system calls outside
# the view and inside it, in alternating rounds, and the median of each.
# Every open and statfs in the view is a round trip to the supervisor;
# stat and getpid are not stopped and should cost the same.
#
#   MEMCGFS, KVIEWBENCH, MEMCG_KVIEW   the programs (default: the build tree)
#   MEMCG_RUN                          contrib/memcg-run
#   KVIEWBENCH_ROUNDS (5), KVIEWBENCH_CALLS (20000)
set -u

bench=${KVIEWBENCH:-./tools/bench/kviewbench}
run=${MEMCG_RUN:-$(dirname "$0")/../../contrib/memcg-run}
rounds=${KVIEWBENCH_ROUNDS:-5}
calls=${KVIEWBENCH_CALLS:-20000}
MEMCG_KVIEW=${MEMCG_KVIEW:-./memcg-kview}
export MEMCG_KVIEW

# shellcheck source=tools/bench/procs.sh
. "$(dirname "$0")/procs.sh"
bench_mount kviewbench track=none

i=0
: >"$dir/out" && : >"$dir/in"
while [ "$i" -lt "$rounds" ]; do
	"$bench" "$calls" >>"$dir/out" || exit 1
	"$run" -M "$mnt" -g "round$i" --kernel-view -- "$bench" "$calls" >>"$dir/in" || exit 1
	i=$((i + 1))
done

# median FILE NAME: the median of NAME's figures in FILE.
median() {
	awk -v n="$2" '$1 == n { print $2 }' "$1" | sort -n |
		awk '{ v[NR] = $1 } END { print v[int((NR + 1) / 2)] }'
}
for name in open+close statfs stat getpid cgroup-read; do
	o=$(median "$dir/out" "$name")
	v=$(median "$dir/in" "$name")
	awk -v n="$name" -v o="$o" -v v="$v" -v r="$rounds" 'BEGIN {
		printf "kernel view: %-11s %8.2f us outside, %8.2f us inside (%.1fx; median of %d rounds)\n",
		       n, o / 1000, v / 1000, o ? v / o : 0, r
	}'
done
