#!/bin/sh
# Mount memcgfs and hellofs side by side in a temporary directory, make a
# group on each of memcgfs and (where it is mounted) the kernel's v1 memory
# controller, and run fsbench on the three.  Both mounts are unmounted, both
# daemons waited for and the kernel group removed, however the run ends.
#
#   MEMCGFS, HELLOFS, FSBENCH   the programs (default: the build tree, from
#                               its top directory)
#   FSBENCH_ARGS                passed to fsbench, e.g. "-r 20 -n 50000 -s"
#   FSBENCH_CPUS                CPUs (taskset list) for fsbench and both
#                               daemons; default none: the two-reader case
#                               needs two CPUs
#   FSBENCH_TIMEOUT             seconds before a hung fsbench is killed (600)
#   KERNEL_MEMCG                the kernel's v1 memory controller
#                               (/sys/fs/cgroup/memory; skipped if absent)
# shellcheck disable=SC2317 # functions run from the EXIT trap
set -u

memcgfs=${MEMCGFS:-./memcgfs}
hellofs=${HELLOFS:-./tools/bench/hellofs}
fsbench=${FSBENCH:-./tools/bench/fsbench}
file=memory.usage_in_bytes
kernel=${KERNEL_MEMCG:-/sys/fs/cgroup/memory}
kgroup=''

FSBENCH_CPUS=${FSBENCH_CPUS:-}
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
	wait "$watchdog" 2>/dev/null
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
	[ -z "$kgroup" ] || rmdir "$kgroup" 2>/dev/null || :
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
mkdir "$dir/memcgfs/g" || exit 1
sides="memcgfs=$dir/memcgfs/g hello=$dir/hello"
if [ -w "$kernel/memory.limit_in_bytes" ]; then
	kgroup=$kernel/fsbench.$$
	mkdir "$kgroup" || exit 1
	sides="$sides kernel=$kgroup"
else
	echo "fsbench: no kernel memory controller at $kernel: no kernel anchor"
fi
# In the background, so that a signal reaches our trap at once rather than
# after fsbench ends.
# shellcheck disable=SC2086 # $pin, FSBENCH_ARGS and $sides are word lists
timeout -s KILL "${FSBENCH_TIMEOUT:-600}" $pin "$fsbench" ${FSBENCH_ARGS-} \
	$sides &
bench=$!
wait "$bench"
status=$?
bench=''
exit "$status"
