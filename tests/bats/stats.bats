#!/usr/bin/env bats
# memory.stat and memory.numa_stat with charges in them (memcgfs(8) FILES IN EACH GROUP): subtree
# totals, hierarchical limits, numa_stat in pages against memory.stat in
# bytes, and bytes for sizes versus counts for events.
# Page size is the default 4096 unless a test says otherwise.

load helpers

UNLIMITED=9223372036854771712

# The twenty per-group fields that also have a total_ form.
STAT_NAMES=(cache rss rss_huge shmem mapped_file dirty writeback
	workingset_refault_anon workingset_refault_file swap swapcached
	pgpgin pgpgout pgfault pgmajfault inactive_anon active_anon
	inactive_file active_file unevictable)

# stat_of DIR NAME: one memory.stat value of group DIR.
stat_of() {
	stat_value "$1/memory.stat" "$2"
}

# numa_of DIR NAME: the total of one memory.numa_stat line, checking that
# its N0 value is the same.
numa_of() {
	awk -v n="$2" '{ split($1, t, "="); split($2, u, "=") }
		t[1] == n { if (u[1] != "N0" || u[2] != t[2]) print "bad"; else print t[2] }' \
		"$1/memory.numa_stat"
}

# numa_is DIR NAME PAGES [NAME PAGES...]
numa_is() {
	local dir=$1 got
	shift
	while [ $# -ge 2 ]; do
		got=$(numa_of "$dir" "$1")
		if [ "$got" != "$2" ]; then
			echo "$dir/memory.numa_stat $1: got '$got', expected '$2'" >&2
			return 1
		fi
		shift 2
	done
}

# charge_tree: group p with its own charges and two children a and b:
#   p: anon 8K, read fp 16K            (2 anon, 4 inactive file pages)
#   a: anon 32K, free 8K, fa 4K twice  (6 anon, 1 active file page)
#   b: anon 12K, map fb 8K             (3 anon, 2 mapped inactive file pages)
charge_tree() {
	mkdir -p "$MNT/p/a" "$MNT/p/b"
	sleeper_in "$MNT/p"
	wl "anon $SLEEPER 8K" "read $SLEEPER fp 16K"
	sleeper_in "$MNT/p/a"
	wl "anon $SLEEPER 32K" "free $SLEEPER 8K" \
		"read $SLEEPER fa 4K" "read $SLEEPER fa 4K"
	sleeper_in "$MNT/p/b"
	wl "anon $SLEEPER 12K" "map $SLEEPER fb 8K"
}

@test "total_* of a parent are its own values plus its children's" {
	charge_tree
	stat_is "$MNT/p" rss 8192 cache 16384 total_rss 45056 total_cache 28672 \
		total_mapped_file 8192 total_active_anon 45056 \
		total_inactive_file 24576 total_active_file 4096 \
		total_pgpgin 20 total_pgpgout 2 total_pgfault 15 \
		total_pgmajfault 2 total_swap 0
	local n own sum
	for n in "${STAT_NAMES[@]}"; do
		sum=$(( $(stat_of "$MNT/p" "$n") + $(stat_of "$MNT/p/a" "$n") +
			$(stat_of "$MNT/p/b" "$n") ))
		[ "$(stat_of "$MNT/p" "total_$n")" = "$sum" ] ||
			{ echo "p total_$n: $(stat_of "$MNT/p" "total_$n"), sum $sum" >&2; false; }
		# the root's own values are 0 here: its totals are p's
		[ "$(stat_of "$MNT" "total_$n")" = "$sum" ] ||
			{ echo "root total_$n differs from p's" >&2; false; }
		# a leaf's total is its own value
		own=$(stat_of "$MNT/p/a" "$n")
		[ "$(stat_of "$MNT/p/a" "total_$n")" = "$own" ] ||
			{ echo "a total_$n differs from its own $n" >&2; false; }
	done
}

@test "usage of a parent equals the sum of its own charges and its children's" {
	charge_tree
	# p: 2+4 pages, a: 6+1, b: 3+2
	value_is "$MNT/p/memory.usage_in_bytes" 73728
	value_is "$MNT/p/a/memory.usage_in_bytes" 28672
	value_is "$MNT/p/b/memory.usage_in_bytes" 20480
	value_is "$MNT/memory.usage_in_bytes" 73728
	stat_is "$MNT/p" total_rss 45056 total_cache 28672
}

@test "the root's total_* include what pids in no group charged to it" {
	mkdir "$MNT/g"
	spawn_sleeper
	wl "anon $SLEEPER 8K"
	sleeper_in "$MNT/g"
	wl "anon $SLEEPER 4K"
	stat_is "$MNT" rss 8192 total_rss 12288 active_anon 8192 \
		total_active_anon 12288 pgpgin 2 total_pgpgin 3
	stat_is "$MNT/g" rss 4096 total_rss 4096
}

@test "hierarchical_memory_limit and hierarchical_memsw_limit are the minimum along the path" {
	mkdir -p "$MNT/p/c/d"
	echo 1M >"$MNT/p/memory.limit_in_bytes"
	echo 4M >"$MNT/p/memory.memsw.limit_in_bytes"
	echo 2M >"$MNT/p/c/memory.limit_in_bytes"
	echo 3M >"$MNT/p/c/memory.memsw.limit_in_bytes"
	stat_is "$MNT/p/c/d" hierarchical_memory_limit 1048576 \
		hierarchical_memsw_limit 3145728
	stat_is "$MNT/p/c" hierarchical_memory_limit 1048576 \
		hierarchical_memsw_limit 3145728
	stat_is "$MNT/p" hierarchical_memory_limit 1048576 \
		hierarchical_memsw_limit 4194304
	stat_is "$MNT" hierarchical_memory_limit "$UNLIMITED" \
		hierarchical_memsw_limit "$UNLIMITED"
	# a later change of an ancestor shows in every descendant
	echo 512K >"$MNT/p/memory.limit_in_bytes"
	echo 2M >"$MNT/p/memory.memsw.limit_in_bytes"
	stat_is "$MNT/p/c/d" hierarchical_memory_limit 524288 \
		hierarchical_memsw_limit 2097152
	# and so does a limit of the group itself
	echo 256K >"$MNT/p/c/d/memory.limit_in_bytes"
	stat_is "$MNT/p/c/d" hierarchical_memory_limit 262144
	stat_is "$MNT/p/c" hierarchical_memory_limit 524288
}

@test "memory.numa_stat counts pages that match memory.stat bytes / 4096" {
	charge_tree
	numa_is "$MNT/p" file 4 anon 2 unevictable 0 total 6 \
		hierarchical_file 7 hierarchical_anon 11 \
		hierarchical_unevictable 0 hierarchical_total 18
	numa_is "$MNT/p/b" file 2 anon 3 total 5 hierarchical_total 5
	local d file anon hfile hanon
	for d in "$MNT" "$MNT/p" "$MNT/p/a" "$MNT/p/b"; do
		file=$(( ($(stat_of "$d" inactive_file) + $(stat_of "$d" active_file)) / 4096 ))
		anon=$(( ($(stat_of "$d" inactive_anon) + $(stat_of "$d" active_anon)) / 4096 ))
		hfile=$(( ($(stat_of "$d" total_inactive_file) + $(stat_of "$d" total_active_file)) / 4096 ))
		hanon=$(( ($(stat_of "$d" total_inactive_anon) + $(stat_of "$d" total_active_anon)) / 4096 ))
		numa_is "$d" file "$file" anon "$anon" total $((file + anon)) \
			hierarchical_file "$hfile" hierarchical_anon "$hanon" \
			hierarchical_total $((hfile + hanon))
	done
}

@test "memory.stat gives sizes in bytes and events as counts" {
	mkdir "$MNT/g"
	sleeper_in "$MNT/g"
	wl "anon $SLEEPER 12K" "map $SLEEPER f 8K" "free $SLEEPER 4K"
	stat_is "$MNT/g" rss 8192 active_anon 8192 cache 8192 mapped_file 8192 \
		inactive_file 8192 pgpgin 5 pgpgout 1 pgfault 5 pgmajfault 2
}

@test "with -o page_size=65536 sizes are bytes of 64K pages and events count those pages" {
	remount page_size=65536
	mkdir "$MNT/g"
	sleeper_in "$MNT/g"
	wl "anon $SLEEPER 100K" "map $SLEEPER f 64K"
	value_is "$MNT/g/memory.usage_in_bytes" 196608
	stat_is "$MNT/g" rss 131072 active_anon 131072 cache 65536 \
		mapped_file 65536 pgpgin 3 pgfault 3 pgmajfault 1
	numa_is "$MNT/g" anon 2 file 1 total 3
}
