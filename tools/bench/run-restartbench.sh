#!/bin/sh
# Time to resume after the server's death (memcgfs(8) RESTART), and what
# the charges checkpoint costs a workload write.  Everything is killed and
# unmounted on exit.
#
# 1. GROUPS groups with a limit each: ROUNDS times kill -9 the server and
#    time until a mkdir on the mount returns (it waits for the new server,
#    which first takes up the state).  Anchor: a fresh mount's time to its
#    first answer, the same mkdir.
# 2. The same with CGROUPS groups that hold charges: a member each, and
#    together 1 GiB of anon, 256 MiB of page cache and 100,000 slab
#    objects (ANON, CACHE, OBJECTS).  Anchor: the same groups and members
#    with no charges.
# 3. Workload writes per second (an anon and a free of one page, in
#    turn, so the state keeps its size) on the two mounts of 2, with no
#    charges and with them.  Anchor: writes of memory.soft_limit_in_bytes
#    on the same mounts, which change no charge and take no checkpoint.
#
#   MEMCGFS                 the program (default: the build tree, from its top)
#   RESTARTBENCH_GROUPS     groups in the state of 1 (1000)
#   RESTARTBENCH_ROUNDS     restarts timed (10)
#   RESTARTBENCH_CGROUPS    charged groups in 2 (100)
#   RESTARTBENCH_ANON, _CACHE, _OBJECTS   their charges in all (1G, 256M, 100000)
#   RESTARTBENCH_WRITES     writes timed in 3 (2000)
set -u

groups=${RESTARTBENCH_GROUPS:-1000}
rounds=${RESTARTBENCH_ROUNDS:-10}
cgroups=${RESTARTBENCH_CGROUPS:-100}
anon=${RESTARTBENCH_ANON:-1G}
cache=${RESTARTBENCH_CACHE:-256M}
objects=${RESTARTBENCH_OBJECTS:-100000}
writes=${RESTARTBENCH_WRITES:-2000}

now_us() {
	echo $(($(date +%s%N) / 1000))
}

# ms US: microseconds as milliseconds with one decimal.
ms() {
	echo "$(($1 / 1000)).$(($1 % 1000 / 100))"
}

# bytes SIZE: a size with a K, M or G suffix in bytes.
bytes() {
	case $1 in
	*K) echo $((${1%K} << 10)) ;;
	*M) echo $((${1%M} << 20)) ;;
	*G) echo $((${1%G} << 30)) ;;
	*) echo "$1" ;;
	esac
}

# shellcheck source=tools/bench/procs.sh
. "$(dirname "$0")/procs.sh"
# Each mount's state file, to see its checkpoint's size.  Removed once
# the mount is gone (the server writes it at its end).
state=${TMPDIR:-/tmp}/restartbench-state.$$
cleanup_extra() {
	if [ -n "$daemon" ]; then
		fusermount3 -u "$mnt" 2>/dev/null
		wait "$daemon" 2>/dev/null
		daemon=
	fi
	rm -f "$state" "$state".*
}

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

server() {
	pgrep -o -P "$daemon"
}

# resume: the median, in us, of ROUNDS times from a kill -9 of the server
# to the answer of a mkdir.
resume() {
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
	echo "$times" | tr ' ' '\n' | sed '/^$/d' | sort -n |
		awk '{ v[NR] = $1 } END { print v[int((NR + 1) / 2)] }'
}

# unmount: end this mount, its members and its log (the restarts and
# requests resent, as the supervisor counted them, are printed).
unmount() {
	fusermount3 -u "$mnt"
	wait "$daemon"
	daemon=
	for p in $pids; do kill -9 "$p" 2>/dev/null; done
	for p in $pids; do wait "$p" 2>/dev/null; done
	pids=
	grep -h "server restarts," "$dir/log" | sed "s/^[^:]*: /restartbench: $1: /"
	rm -rf "$dir"
	cleanup_extra
}

# member DIR: a sleeping process moved into group DIR; its pid in $member.
member() {
	sleep 100000 >/dev/null 2>&1 &
	member=$!
	pids="$pids $member"
	echo "$member" >"$1/tasks" || exit 1
}

# wl LINE: one workload write that must succeed.
wl() {
	echo "$1" >"$mnt/memcgfs.workload" || {
		echo "restartbench: workload '$1' failed" >&2
		exit 1
	}
}

# charged_groups CHARGE: CGROUPS groups with a member each; with CHARGE
# 1 they share ANON, CACHE and OBJECTS among them.  The last member's pid
# in $member.
charged_groups() {
	n=0
	a=$(($(bytes "$anon") / cgroups))
	c=$(($(bytes "$cache") / cgroups))
	o=$((objects / cgroups))
	while [ "$n" -lt "$cgroups" ]; do
		mkdir "$mnt/c$n" || exit 1
		member "$mnt/c$n"
		if [ "$1" = 1 ]; then
			wl "anon $member $a"
			wl "read $member file$n $c"
			wl "kmalloc $member dentry $o t$n"
		fi
		n=$((n + 1))
	done
}

# rate CMD...: CMD run WRITES times, in runs per second.
rate() {
	i=0
	t0=$(now_us)
	while [ "$i" -lt "$writes" ]; do
		"$@" || exit 1
		i=$((i + 1))
	done
	t1=$(now_us)
	echo $((writes * 1000000 / (t1 - t0 + 1)))
}

anon_free() {
	if [ $((i % 2)) -eq 0 ]; then
		echo "anon $member 4K" >"$mnt/memcgfs.workload"
	else
		echo "free $member 4K" >"$mnt/memcgfs.workload"
	fi
}

soft_limit() {
	echo "$(((i % 2 + 1) * 64))M" >"$mnt/c0/memory.soft_limit_in_bytes"
}

# rates: workload and soft limit writes per second on this mount, in
# $wrate and $srate.
rates() {
	wrate=$(rate anon_free)
	srate=$(rate soft_limit)
}

# 1. a state of groups with a limit each
bench_mount restartbench "mem=64G,state=$state"
n=0
while [ "$n" -lt "$groups" ]; do
	mkdir "$mnt/g$n" && echo 64M >"$mnt/g$n/memory.limit_in_bytes" || exit 1
	n=$((n + 1))
done
median=$(resume)
# Every value came back: the last group's limit.
[ "$(cat "$mnt/g$((groups - 1))/memory.limit_in_bytes")" = 67108864 ] || {
	echo "restartbench: the state did not come back" >&2
	exit 1
}
echo "restartbench: resume after kill -9 of the server, $groups groups:" \
	"median $(ms "$median") ms over $rounds" \
	"vs anchor: a fresh mount's first answer $(ms "$fresh") ms"
unmount "$groups groups"

# 2, 3. the same groups and members with no charges, then with charges
bench_mount restartbench "mem=64G,state=$state"
charged_groups 0
median=$(resume)
rates
unmount "no charges"
empty=$median small_w=$wrate small_s=$srate

bench_mount restartbench "mem=64G,state=$state"
charged_groups 1
before=$(cat "$mnt/memory.usage_in_bytes")
median=$(resume)
# The charges came back, and the writes of 3 leave them as they were.
rates
after=$(cat "$mnt/memory.usage_in_bytes")
if [ "$before" != "$after" ] || [ "$before" -lt "$(bytes "$anon")" ]; then
	echo "restartbench: the charges did not come back ($before, then $after)" >&2
	exit 1
fi
echo "restartbench: resume after kill -9, $cgroups groups holding $anon anon," \
	"$cache page cache, $objects slab objects: median $(ms "$median") ms" \
	"over $rounds vs anchor: the same with no charges $(ms "$empty") ms," \
	"a fresh mount's first answer $(ms "$fresh") ms"
echo "restartbench: workload writes/s (anon, free of 4K in turn), $cgroups" \
	"groups with no charges / with those charges: $small_w / $wrate" \
	"vs anchor: memory.soft_limit_in_bytes writes/s $small_s / $srate"
[ ! -e "$state.charges" ] || stat -c %s "$state.charges" |
	awk '{ printf "restartbench: its checkpoint STATE.charges: %.1f MiB\n", $1 / 1048576 }'
unmount "large state"
