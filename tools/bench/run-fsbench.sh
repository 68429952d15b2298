#!/bin/sh
# Mount memcgfs and hellofs side by side in a temporary directory and run
# fsbench on their memory.usage_in_bytes.  Both are unmounted, and both
# daemons waited for, however the run ends.
#
#   MEMCGFS, HELLOFS, FSBENCH   the programs (default: the build tree, from
#                               its top directory)
#   FSBENCH_ARGS                passed to fsbench, e.g. "-r 20 -n 50000 -s"
#   FSBENCH_CPUS                CPUs (taskset list) for fsbench and both
#                               daemons; default the first CPU we may use,
#                               empty for no pinning
#   FSBENCH_TIMEOUT             seconds before a hung fsbench is killed (600)
#
# On one CPU a round trip costs what the client, the kernel and the daemon
# spend on it, so the ratio shows memcgfs's own work and barely moves from
# run to run.  Unpinned, where a request wakes a daemon thread on another
# CPU, scheduling adds +-10% of noise to each side.
# shellcheck disable=SC2317 # functions run from the EXIT trap
set -u

memcgfs=${MEMCGFS:-./memcgfs}
hellofs=${HELLOFS:-./tools/bench/hellofs}
fsbench=${FSBENCH:-./tools/bench/fsbench}
file=memory.usage_in_bytes

if [ -z "${FSBENCH_CPUS+set}" ]; then
	FSBENCH_CPUS=$(sed -n 's/^Cpus_allowed_list:[[:space:]]*\([0-9]*\).*/\1/p' \
		/proc/self/status)
fi
pin=
if [ -n "$FSBENCH_CPUS" ] && command -v taskset >/dev/null 2>&1; then
	pin="taskset -c $FSBENCH_CPUS"
	echo "fsbench: pinned to CPU $FSBENCH_CPUS"
else
	echo "fsbench: not pinned"
fi

dir=$(mktemp -d "${TMPDIR:-/tmp}/fsbench.XXXXXX") || exit 1
pids='' bench='' failed=''

unmount() {
	fusermount3 -u "$1" 2>/dev/null || umount -l "$1" 2>/dev/null || :
}

# Wait for a daemon to end; one that is still there 5 s after its unmount
# gets SIGTERM, and 5 s later SIGKILL.  The pid cannot be reused while we
# have not reaped it.  A daemon that does not end cleanly fails the run.
reap() {
	(sleep 5; kill -TERM "$1"; sleep 5; kill -KILL "$1") >/dev/null 2>&1 &
	watchdog=$!
	wait "$1"
	status=$?
	kill "$watchdog" 2>/dev/null
	if [ "$status" -ne 0 ]; then
		echo "run-fsbench: daemon $1 ended with status $status" >&2
		failed=1
	fi
}

cleanup() {
	# fsbench first, or its open files keep the mounts busy; timeout
	# relays the signal to it.
	if [ -n "$bench" ]; then
		kill -TERM "$bench" 2>/dev/null
		wait "$bench"
	fi
	unmount "$dir/memcgfs"
	unmount "$dir/hello"
	for pid in $pids; do
		reap "$pid"
	done
	rm -rf "$dir"
	[ -z "$failed" ] || exit 1
}
trap cleanup EXIT
trap 'exit 129' HUP
trap 'exit 130' INT
trap 'exit 143' TERM

# Start a daemon in the foreground of a background job and wait until its
# file is there; fail at once if it exits first or does not answer (a
# lookup on a hung FUSE daemon would block us for good).
start() {
	name=$1 prog=$2 mnt=$dir/$1
	mkdir "$mnt" || exit 1
	$pin "$prog" -f "$mnt" &
	pid=$!
	pids="$pids $pid"
	tries=100
	while :; do
		timeout -s KILL 5 test -e "$mnt/$file"
		case $? in
		0)	break ;;
		137)	echo "run-fsbench: $name does not answer on $mnt" >&2
			exit 1 ;;
		esac
		if ! kill -0 "$pid" 2>/dev/null || [ "$tries" -eq 0 ]; then
			echo "run-fsbench: $name did not mount on $mnt" >&2
			exit 1
		fi
		sleep 0.1
		tries=$((tries - 1))
	done
}

start memcgfs "$memcgfs"
start hello "$hellofs"
# In the background, so that a signal reaches our trap at once rather than
# after fsbench ends.
# shellcheck disable=SC2086 # $pin and FSBENCH_ARGS are lists of words
timeout -s KILL "${FSBENCH_TIMEOUT:-600}" $pin "$fsbench" ${FSBENCH_ARGS-} \
	"$dir/memcgfs/$file" "$dir/hello/$file" memcgfs hello &
bench=$!
wait "$bench"
status=$?
bench=''
exit "$status"
