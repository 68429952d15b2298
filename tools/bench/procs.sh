# Sourced by the benchmarks of real-process tracking (run-rssbench.sh,
# run-pagesbench.sh): a memcgfs mount in a temporary directory, the
# processes started against it, and their end on exit.
#
#   bench_mount NAME OPTS   mount memcgfs -o OPTS on $mnt; its pid in $daemon,
#                           its server's (the engine, the samplers) in $server
#   pids                    the processes cleanup kills
#   ticks FILE              utime+stime of a /proc stat file, in clock ticks
# shellcheck shell=sh disable=SC2317 # functions run from the EXIT trap

memcgfs=${MEMCGFS:-./memcgfs}
# shellcheck disable=SC2034 # used by the benchmark that sources this
hz=$(getconf CLK_TCK)
pids=
daemon=
server=

# cleanup_extra: a hook the benchmark may redefine (descriptors to close
# before its processes can end).
cleanup_extra() { :; }

cleanup() {
	cleanup_extra
	for p in $pids; do kill -9 "$p" 2>/dev/null; done
	for p in $pids; do wait "$p" 2>/dev/null; done
	fusermount3 -u "$mnt" 2>/dev/null || umount -l "$mnt" 2>/dev/null
	[ -n "$daemon" ] && wait "$daemon" 2>/dev/null
	rm -rf "$dir"
}

bench_mount() {
	dir=$(mktemp -d "/tmp/$1.XXXXXX")
	mnt=$dir/mnt
	trap cleanup EXIT
	trap 'exit 1' INT TERM
	mkdir "$mnt"
	"$memcgfs" -f -o "$2" "$mnt" 2>"$dir/log" &
	daemon=$!
	i=0
	while [ ! -e "$mnt/memory.stat" ]; do
		i=$((i + 1))
		if [ "$i" -gt 200 ]; then
			echo "$1: memcgfs did not mount" >&2
			cat "$dir/log" >&2
			exit 1
		fi
		sleep 0.05
	done
	# The supervisor's one child (memcgfs(8) RESTART): what costs CPU.
	# shellcheck disable=SC2034 # used by the benchmark that sources this
	server=$(pgrep -o -P "$daemon")
}

# Fields 14 and 15 of a /proc stat file, after the ')' ending the name.
ticks() {
	sed 's/.*) //' "$1" | awk '{ print $12 + $13 }'
}
