#!/bin/sh
# Time to resume after the server's death (memcgfs(8) RESTART): mount
# memcgfs, make GROUPS groups with a limit each, then ROUNDS times kill -9
# the server and time until a mkdir on the mount returns (it waits for the
# new server, which first takes up the state).  The anchor is a fresh
# mount's time to its first answer, the same mkdir.  Everything is killed
# and unmounted on exit.
#
#   MEMCGFS                 the program (default: the build tree, from its top)
#   RESTARTBENCH_GROUPS     groups in the state (1000)
#   RESTARTBENCH_ROUNDS     restarts timed (10)
set -u

groups=${RESTARTBENCH_GROUPS:-1000}
rounds=${RESTARTBENCH_ROUNDS:-10}

now_us() {
	echo $(($(date +%s%N) / 1000))
}

# shellcheck source=tools/bench/procs.sh
. "$(dirname "$0")/procs.sh"

# The anchor: from starting memcgfs to its answer of a mkdir.
anchor_dir=$(mktemp -d /tmp/restartbench-anchor.XXXXXX)
t0=$(now_us)
"$memcgfs" -f "$anchor_dir" 2>/dev/null &
anchor=$!
until [ -e "$anchor_dir/memory.limit_in_bytes" ]; do :; done	# mounted
mkdir "$anchor_dir/probe" || exit 1
t1=$(now_us)
fresh=$((t1 - t0))
fusermount3 -u "$anchor_dir"
wait "$anchor"
rmdir "$anchor_dir"

bench_mount restartbench "mem=64G"
n=0
while [ "$n" -lt "$groups" ]; do
	mkdir "$mnt/g$n" && echo 64M >"$mnt/g$n/memory.limit_in_bytes" || exit 1
	n=$((n + 1))
done

server() {
	pgrep -o -P "$daemon"
}
r=0 times=
while [ "$r" -lt "$rounds" ]; do
	srv=$(server)
	t0=$(now_us)
	kill -9 "$srv"
	mkdir "$mnt/probe$r" || exit 1
	t1=$(now_us)
	times="$times $((t1 - t0))"
	r=$((r + 1))
done
# Every value came back: the last group's limit.
[ "$(cat "$mnt/g$((groups - 1))/memory.limit_in_bytes")" = 67108864 ] || {
	echo "restartbench: the state did not come back" >&2
	exit 1
}
median=$(echo "$times" | tr ' ' '\n' | sed '/^$/d' | sort -n |
	awk '{ v[NR] = $1 } END { print v[int((NR + 1) / 2)] }')
echo "restartbench: resume after kill -9 of the server, $groups groups:" \
	"median $((median / 1000)).$((median % 1000 / 100)) ms over $rounds" \
	"vs anchor: a fresh mount's first answer $((fresh / 1000)).$((fresh % 1000 / 100)) ms"
fusermount3 -u "$mnt"
wait "$daemon"
daemon=
grep -h "server restarts," "$dir/log" | sed 's/^[^:]*: /restartbench: /'
