#!/usr/bin/env bats
# Kernel memory (memcgfs(8) KERNEL MEMORY, and the kmalloc/kfree/shrink/reap/drop_caches
# commands of memcgfs(8) THE WORKLOAD FILE): slab pages charged to kmem, memory and memsw counters up
# the hierarchy, the kmem limit, shrinking, reclaim, memory.kmem.slabinfo,
# and what happens to a removed group's slab caches under the two lifecycle
# models, -o kmem=reparent and -o kmem=pin.
# Page size is the default 4096 unless a test says otherwise: a slab page
# holds 21 dentry (192 B), 64 kmalloc-64 or 1 task_struct (4096 B) objects.

load helpers

UNLIMITED=9223372036854771712

# ---- checks and scenarios ----------------------------------------------------

# wl_err ERRNO TEXT: one write of TEXT to the workload file fails with ERRNO.
wl_err() {
	want "$1" write "$MNT/memcgfs.workload" "$2"
}

# in_both_models FN [OPTS]: run FN on a fresh mount with -o kmem=reparent
# (plus OPTS), then on another with -o kmem=pin (plus OPTS).  MODEL says
# which runs; FN calls kmem_on for every group that allocates.
in_both_models() {
	for MODEL in reparent pin; do
		echo "-- with -o kmem=$MODEL${2:+,$2}"
		remount "kmem=$MODEL${2:+,$2}"
		"$1"
	done
}

# charged_is DIR BYTES: kmem usage, usage and memsw usage of DIR are BYTES.
charged_is() {
	value_is "$1/memory.kmem.usage_in_bytes" "$2" &&
		value_is "$1/memory.usage_in_bytes" "$2" &&
		value_is "$1/memory.memsw.usage_in_bytes" "$2"
}

# kmem_is DIR BYTES: memory.kmem.usage_in_bytes of DIR.
kmem_is() {
	value_is "$1/memory.kmem.usage_in_bytes" "$2"
}

# slab_row DIR CACHE: DIR's slabinfo row for its copy of CACHE, fields joined
# by single spaces (empty if none).
slab_row() {
	awk -v c="$2(" 'NR > 2 && index($1, c) == 1 { $1 = $1; print }' \
		"$1/memory.kmem.slabinfo"
}

# row_is DIR CACHE FIELDS: the fields after the name of that row.
row_is() {
	local got
	got=$(slab_row "$1" "$2")
	got=${got#* }
	if [ "$got" != "$3" ]; then
		printf '%s/memory.kmem.slabinfo row %s:\n  got      %s\n  expected %s\n' \
			"$1" "$2" "$got" "$3" >&2
		cat "$1/memory.kmem.slabinfo" >&2
		return 1
	fi
}

# slab_is DIR CACHE ACTIVE_OBJS NUM_OBJS ACTIVE_SLABS NUM_SLABS
slab_is() {
	local got
	got=$(slab_row "$1" "$2" | awk '{ print $2, $3, $14, $15 }')
	if [ "$got" != "$3 $4 $5 $6" ]; then
		printf '%s: %s active_objs num_objs active_slabs num_slabs: got "%s", expected "%s"\n' \
			"$1" "$2" "$got" "$3 $4 $5 $6" >&2
		cat "$1/memory.kmem.slabinfo" >&2
		return 1
	fi
}

# slab_rows_are DIR N: DIR's slabinfo has N rows after its two header lines.
slab_rows_are() {
	local got
	got=$(awk 'NR > 2' "$1/memory.kmem.slabinfo" | wc -l)
	if [ "$got" -ne "$2" ]; then
		echo "$1/memory.kmem.slabinfo has $got rows, expected $2" >&2
		cat "$1/memory.kmem.slabinfo" >&2
		return 1
	fi
}

# slab_id DIR CACHE: the ID in NAME(ID:GROUP) of that row.
slab_id() {
	slab_row "$1" "$2" | sed -n 's/^[^(]*(\([0-9]*\):.*/\1/p'
}

# dying_field PATH KEY: the value of KEY=... in memcgfs.dying's line for the
# removed group that had PATH (empty if no such line).
dying_field() {
	awk -v p="$1" -v k="$2=" '$2 == p {
		for (i = 3; i <= NF; i++)
			if (index($i, k) == 1) print substr($i, length(k) + 1)
	}' "$MNT/memcgfs.dying"
}

# dying_has PATH KEY VALUE: memcgfs.dying lists PATH with KEY=VALUE.
dying_has() {
	local got
	got=$(dying_field "$1" "$2")
	if [ "$got" != "$3" ]; then
		printf 'memcgfs.dying %s %s: got "%s", expected "%s"\n' "$1" "$2" "$got" "$3" >&2
		cat "$MNT/memcgfs.dying" >&2
		return 1
	fi
}

# dying_state_has PATH FLAG: the line for PATH has FLAG among its state flags.
dying_state_has() {
	local st
	st=$(dying_field "$1" state)
	case "$st" in
	*"$2"*) return 0 ;;
	esac
	echo "memcgfs.dying: state of $1 is '$st', lacks $2" >&2
	cat "$MNT/memcgfs.dying" >&2
	return 1
}

# oom_kills_are DIR N: the oom_kill count of DIR.
oom_kills_are() {
	grep -qx "oom_kill $2" "$1/memory.oom_control" || {
		echo "$1/memory.oom_control:" >&2
		cat "$1/memory.oom_control" >&2
		return 1
	}
}

# child_with_objects: group p/c whose task (SLEEPER, moved back to the root
# before returning) allocated 21 dentry objects tagged t: one full page.
child_with_objects() {
	mkdir -p "$MNT/p/c"
	sleeper_in "$MNT/p/c"
	kmem_on "$MNT/p/c"
	wl "kmalloc $SLEEPER dentry 21 t"
	charged_is "$MNT/p" 4096
	echo "$SLEEPER" >"$MNT/tasks"
}

# ---- charging ----------------------------------------------------------------

charges_pages() {
	mkdir -p "$MNT/p/g"
	sleeper_in "$MNT/p/g"
	kmem_on "$MNT/p/g"
	# 22 dentries: 2 pages
	wl "kmalloc $SLEEPER dentry 22 a"
	charged_is "$MNT/p/g" 8192
	charged_is "$MNT/p" 8192
	charged_is "$MNT" 8192
	stat_is "$MNT/p/g" rss 0 cache 0
	# 20 more fit in the free room of those 2 pages
	wl "kmalloc $SLEEPER dentry 20 b"
	charged_is "$MNT/p/g" 8192
	# the 43rd needs a third page
	wl "kmalloc $SLEEPER dentry 1 c"
	charged_is "$MNT/p/g" 12288
	# another cache has pages of its own: 65 kmalloc-64 take 2, 3 task_struct 3
	wl "kmalloc $SLEEPER kmalloc-64 65 d"
	charged_is "$MNT/p/g" 20480
	wl "kmalloc $SLEEPER task_struct 3 e"
	charged_is "$MNT/p/g" 32768
	charged_is "$MNT/p" 32768
	charged_is "$MNT" 32768
	value_is "$MNT/p/g/memory.kmem.max_usage_in_bytes" 32768
	value_is "$MNT/p/g/memory.kmem.failcnt" 0
}

@test "kmalloc charges ceil(COUNT / objects per slab page) new pages to kmem, usage and memsw of the group and its ancestors" {
	in_both_models charges_pages
}

frees_and_shrinks() {
	mkdir "$MNT/g"
	sleeper_in "$MNT/g"
	kmem_on "$MNT/g"
	wl "kmalloc $SLEEPER kmalloc-64 128 a" "kmalloc $SLEEPER kmalloc-64 64 b"
	charged_is "$MNT/g" 12288
	slab_is "$MNT/g" kmalloc-64 192 192 3 3
	# freeing objects leaves their (now empty) pages charged
	wl "kfree a"
	charged_is "$MNT/g" 12288
	charged_is "$MNT" 12288
	slab_is "$MNT/g" kmalloc-64 64 192 1 3
	# shrink frees the empty pages only
	wl shrink
	charged_is "$MNT/g" 4096
	charged_is "$MNT" 4096
	slab_is "$MNT/g" kmalloc-64 64 64 1 1
	value_is "$MNT/g/memory.kmem.max_usage_in_bytes" 12288
	wl "kfree b" shrink
	charged_is "$MNT/g" 0
	charged_is "$MNT" 0
}

@test "kfree leaves usage unchanged; shrink frees the empty slab pages" {
	in_both_models frees_and_shrinks
}

frees_newest_first() {
	mkdir "$MNT/a" "$MNT/b"
	sleeper_in "$MNT/a"
	local sa=$SLEEPER
	sleeper_in "$MNT/b"
	kmem_on "$MNT/a" "$MNT/b"
	# one tag, objects in two groups; kfree needs no pid
	wl "kmalloc $sa dentry 21 t" "kmalloc $SLEEPER dentry 21 t"
	charged_is "$MNT" 8192
	wl "kfree t 21" shrink
	charged_is "$MNT/a" 4096
	charged_is "$MNT/b" 0
	wl "kfree t" shrink
	charged_is "$MNT/a" 0
	charged_is "$MNT" 0
	# within a group: the newer cache's objects go first
	wl "kmalloc $sa dentry 21 u" "kmalloc $sa kmalloc-64 64 u"
	charged_is "$MNT/a" 8192
	wl "kfree u 64" shrink
	charged_is "$MNT/a" 4096
	slab_is "$MNT/a" dentry 21 21 1 1
	# and a COUNT within one allocation
	wl "kmalloc $sa task_struct 3 v" "kfree v 2" shrink
	charged_is "$MNT/a" 8192
}

@test "kfree TAG COUNT frees the newest objects first, wherever they are charged" {
	in_both_models frees_newest_first
}

shrinks_one_cache() {
	mkdir "$MNT/g"
	sleeper_in "$MNT/g"
	kmem_on "$MNT/g"
	wl "kmalloc $SLEEPER dentry 21 a" "kmalloc $SLEEPER kmalloc-64 64 b" \
		"kmalloc $SLEEPER task_struct 1 c" "kfree a" "kfree b"
	charged_is "$MNT/g" 12288
	wl "shrink dentry"
	charged_is "$MNT/g" 8192
	slab_is "$MNT/g" kmalloc-64 0 64 0 1
	wl "shrink kmalloc-64"
	charged_is "$MNT/g" 4096
	# a shrink leaves pages with live objects alone
	wl shrink
	charged_is "$MNT/g" 4096
	slab_is "$MNT/g" task_struct 1 1 1 1
}

@test "shrink CACHE frees the empty pages of that cache only" {
	in_both_models shrinks_one_cache
}

# ---- limits ------------------------------------------------------------------

kmem_limit_refuses() {
	mkdir "$MNT/g"
	sleeper_in "$MNT/g"
	want OK write "$MNT/g/memory.kmem.limit_in_bytes" 8K
	value_is "$MNT/g/memory.kmem.limit_in_bytes" 8192
	wl "kmalloc $SLEEPER dentry 22 a"
	charged_is "$MNT/g" 8192
	# 21 more need a third page: refused whole, even the 20 that would fit
	wl_err ENOMEM "kmalloc $SLEEPER dentry 21 b"
	value_is "$MNT/g/memory.kmem.failcnt" 1
	charged_is "$MNT/g" 8192
	charged_is "$MNT" 8192
	slab_is "$MNT/g" dentry 22 42 2 2
	value_is "$MNT/g/memory.failcnt" 0
	value_is "$MNT/g/memory.memsw.failcnt" 0
	oom_kills_are "$MNT/g" 0
	kill -0 "$SLEEPER"
	wl_err EINVAL "kfree b"
	# what fits in the free room needs no charge
	wl "kmalloc $SLEEPER dentry 20 c"
	slab_is "$MNT/g" dentry 42 42 2 2
	charged_is "$MNT/g" 8192
	value_is "$MNT/g/memory.kmem.failcnt" 1
	wl_err ENOMEM "kmalloc $SLEEPER task_struct 1 d"
	value_is "$MNT/g/memory.kmem.failcnt" 2
	want OK write "$MNT/g/memory.kmem.failcnt" 0
	value_is "$MNT/g/memory.kmem.failcnt" 0
	value_is "$MNT/g/memory.kmem.max_usage_in_bytes" 8192
}

@test "a kmalloc past memory.kmem.limit_in_bytes gives ENOMEM, counts kmem.failcnt, changes nothing and kills nothing" {
	in_both_models kmem_limit_refuses
}

parent_kmem_limit() {
	mkdir -p "$MNT/p/c"
	sleeper_in "$MNT/p/c"
	want OK write "$MNT/p/memory.kmem.limit_in_bytes" 8K
	kmem_on "$MNT/p/c"
	wl "kmalloc $SLEEPER task_struct 2 a"
	charged_is "$MNT/p/c" 8192
	wl_err ENOMEM "kmalloc $SLEEPER task_struct 1 b"
	value_is "$MNT/p/memory.kmem.failcnt" 1
	value_is "$MNT/p/c/memory.kmem.failcnt" 0
	charged_is "$MNT/p/c" 8192
	charged_is "$MNT/p" 8192
	oom_kills_are "$MNT/p" 0
}

@test "a parent's kmem limit binds its child's kmalloc; the failure counts in the parent's kmem.failcnt" {
	in_both_models parent_kmem_limit
}

memory_limit_refuses() {
	mkdir "$MNT/g"
	sleeper_in "$MNT/g"
	kmem_on "$MNT/g"
	echo 8K >"$MNT/g/memory.limit_in_bytes"
	echo 1 >"$MNT/g/memory.oom_control"
	wl_err ENOMEM "kmalloc $SLEEPER task_struct 3 a"
	# the kmem counter is not left charged by the refused memory charge
	charged_is "$MNT/g" 0
	charged_is "$MNT" 0
	value_is "$MNT/g/memory.failcnt" 1
	value_is "$MNT/g/memory.kmem.failcnt" 0
	slab_is "$MNT/g" task_struct 0 0 0 0 || slab_rows_are "$MNT/g" 0
	wl "kmalloc $SLEEPER task_struct 2 b"
	charged_is "$MNT/g" 8192
}

@test "a kmalloc past the memory limit with nothing to reclaim fails with ENOMEM and leaves kmem uncharged" {
	in_both_models memory_limit_refuses
}

reclaim_with_swap() {
	mkdir "$MNT/g"
	sleeper_in "$MNT/g"
	kmem_on "$MNT/g"
	echo 16K >"$MNT/g/memory.limit_in_bytes"
	# 2 empty slab pages and 2 pages of page cache fill the limit
	wl "kmalloc $SLEEPER task_struct 2 a" "kfree a" "read $SLEEPER f 8K"
	usage_is "$MNT/g" 16384
	kmem_is "$MNT/g" 8192
	# the page cache goes first
	wl "anon $SLEEPER 8K"
	usage_is "$MNT/g" 16384
	kmem_is "$MNT/g" 8192
	stat_is "$MNT/g" cache 0 rss 8192 swap 0
	# then the empty slab pages, before any anon goes to swap
	wl "anon $SLEEPER 8K"
	usage_is "$MNT/g" 16384
	kmem_is "$MNT/g" 0
	stat_is "$MNT/g" rss 16384 swap 0
	oom_kills_are "$MNT/g" 0
	kill -0 "$SLEEPER"
}

@test "limit reclaim takes page cache, then empty slab pages, before swapping anon" {
	in_both_models reclaim_with_swap swap=1M
}

reclaim_without_swap() {
	mkdir "$MNT/g"
	sleeper_in "$MNT/g"
	kmem_on "$MNT/g"
	echo 16K >"$MNT/g/memory.limit_in_bytes"
	wl "kmalloc $SLEEPER task_struct 2 a" "kfree a" "anon $SLEEPER 8K"
	usage_is "$MNT/g" 16384
	wl "anon $SLEEPER 8K"
	usage_is "$MNT/g" 16384
	kmem_is "$MNT/g" 0
	stat_is "$MNT/g" rss 16384
	oom_kills_are "$MNT/g" 0
	kill -0 "$SLEEPER"
	# pages with live objects are not reclaimable
	wl "free $SLEEPER 8K" "kmalloc $SLEEPER task_struct 2 b"
	echo 1 >"$MNT/g/memory.oom_control"
	wl_err ENOMEM "anon $SLEEPER 4K"
	kmem_is "$MNT/g" 8192
	usage_is "$MNT/g" 16384
	slab_is "$MNT/g" task_struct 2 2 2 2
}

@test "limit reclaim takes empty slab pages before OOM, never pages with live objects" {
	in_both_models reclaim_without_swap
}

drop_caches_shrinks() {
	mkdir "$MNT/g"
	sleeper_in "$MNT/g"
	kmem_on "$MNT/g"
	wl "kmalloc $SLEEPER dentry 42 a" "kfree a" "kmalloc $SLEEPER task_struct 1 b" \
		"read $SLEEPER f 8K" "anon $SLEEPER 4K"
	kmem_is "$MNT/g" 12288
	usage_is "$MNT/g" 24576
	wl drop_caches
	kmem_is "$MNT/g" 4096
	usage_is "$MNT/g" 8192
	stat_is "$MNT/g" cache 0 rss 4096
	slab_is "$MNT/g" task_struct 1 1 1 1
}

@test "drop_caches shrinks empty slab pages too, and keeps live ones" {
	in_both_models drop_caches_shrinks
}

# ---- caches ------------------------------------------------------------------

defines_caches() {
	mkdir "$MNT/g"
	sleeper_in "$MNT/g"
	kmem_on "$MNT/g"
	# 1000 B: 4 a page
	wl "kmalloc $SLEEPER obj:1000 5 a"
	charged_is "$MNT/g" 8192
	row_is "$MNT/g" obj "5 8 1000 4 1 : tunables 0 0 0 : slabdata 2 2 0"
	# once defined, the plain name and the same NAME:SIZE both work
	wl "kmalloc $SLEEPER obj 3 b"
	charged_is "$MNT/g" 8192
	wl "kmalloc $SLEEPER obj:1000 1 c"
	charged_is "$MNT/g" 12288
	slab_is "$MNT/g" obj 9 12 3 3
	# another size for an existing name is refused
	wl_err EINVAL "kmalloc $SLEEPER obj:2000 1 d"
	wl_err EINVAL "kmalloc $SLEEPER dentry:100 1 d"
	wl_err EINVAL "kmalloc $SLEEPER kmalloc-64:32 1 d"
	charged_is "$MNT/g" 12288
	# a predefined name with its own size is that cache
	wl "kmalloc $SLEEPER dentry:192 22 e"
	charged_is "$MNT/g" 20480
	slab_is "$MNT/g" dentry 22 42 2 2
	# the smallest and largest sizes
	wl "kmalloc $SLEEPER tiny:1 4097 f"
	charged_is "$MNT/g" 28672
	row_is "$MNT/g" tiny "4097 8192 1 4096 1 : tunables 0 0 0 : slabdata 2 2 0"
	wl "kmalloc $SLEEPER big:4096 2 g"
	charged_is "$MNT/g" 36864
	slab_is "$MNT/g" big 2 2 2 2
}

@test "NAME:SIZE defines a cache of SIZE-byte objects; another SIZE for an existing name gives EINVAL" {
	in_both_models defines_caches
}

large_pages() {
	mkdir "$MNT/g"
	sleeper_in "$MNT/g"
	kmem_on "$MNT/g"
	# 65536 / 192: 341 dentries a page
	wl "kmalloc $SLEEPER dentry 342 a"
	charged_is "$MNT/g" 131072
	row_is "$MNT/g" dentry "342 682 192 341 1 : tunables 0 0 0 : slabdata 2 2 0"
	wl "kmalloc $SLEEPER task_struct 17 b"
	charged_is "$MNT/g" 262144
	slab_is "$MNT/g" task_struct 17 32 2 2
	wl "kmalloc $SLEEPER big:65536 1 c"
	charged_is "$MNT/g" 327680
	wl_err EINVAL "kmalloc $SLEEPER huge:65537 1 d"
	charged_is "$MNT/g" 327680
}

@test "with -o page_size=65536 a slab page holds page_size / objsize objects" {
	in_both_models large_pages page_size=65536
}

kmalloc_errors() {
	mkdir "$MNT/g"
	sleeper_in "$MNT/g"
	kmem_on "$MNT/g"
	local bad
	# unknown caches and bad NAME:SIZE
	for bad in nosuch kmalloc-5 kmalloc-8192 c:0 c:4097 c:abc c:-5 c:1.5 \
		c: :100 c; do
		wl_err EINVAL "kmalloc $SLEEPER $bad 1 t"
	done
	# bad counts
	for bad in -1 abc 1.5 10x; do
		wl_err EINVAL "kmalloc $SLEEPER dentry $bad t"
	done
	# missing or extra arguments
	wl_err EINVAL "kmalloc $SLEEPER dentry 1"
	wl_err EINVAL "kmalloc $SLEEPER dentry"
	wl_err EINVAL "kmalloc $SLEEPER"
	wl_err EINVAL kmalloc
	wl_err EINVAL "kmalloc $SLEEPER dentry 1 t x"
	# bad pids
	wl_err EINVAL "kmalloc abc dentry 1 t"
	wl_err EINVAL "kmalloc -1 dentry 1 t"
	spawn_sleeper
	local dead=$SLEEPER
	kill -9 "$dead"
	wait "$dead" 2>/dev/null || true
	wl_err ESRCH "kmalloc $dead dentry 1 t"
	charged_is "$MNT/g" 0
	charged_is "$MNT" 0
	slab_rows_are "$MNT/g" 0
	# nothing got the tag
	wl_err EINVAL "kfree t"
}

@test "kmalloc: unknown cache, bad NAME:SIZE, bad COUNT, missing TAG give EINVAL; a dead pid ESRCH" {
	in_both_models kmalloc_errors
}

kfree_errors() {
	mkdir "$MNT/g"
	sleeper_in "$MNT/g"
	kmem_on "$MNT/g"
	wl_err EINVAL "kfree nosuch"
	wl_err EINVAL "kfree nosuch 1"
	wl "kmalloc $SLEEPER dentry 2 t"
	wl_err EINVAL "kfree t abc"
	wl_err EINVAL "kfree t 1.5"
	wl_err EINVAL "kfree t 1 x"
	wl_err EINVAL kfree
	wl_err EINVAL "shrink dentry x"
	wl_err EINVAL "reap now"
	slab_is "$MNT/g" dentry 2 21 1 1
	wl "kfree t"
	slab_is "$MNT/g" dentry 0 21 0 1
	# all its objects are gone: the tag is unknown now
	wl_err EINVAL "kfree t"
	charged_is "$MNT/g" 4096
}

@test "kfree of an unknown tag, or a tag whose objects are all freed, gives EINVAL" {
	in_both_models kfree_errors
}

# ---- slabinfo ----------------------------------------------------------------

slabinfo_rows() {
	mkdir "$MNT/g" "$MNT/h"
	sleeper_in "$MNT/g"
	local sg=$SLEEPER
	sleeper_in "$MNT/h"
	kmem_on "$MNT/g" "$MNT/h"
	[ "$(sed -n 1p "$MNT/g/memory.kmem.slabinfo")" = "slabinfo - version: 2.1" ]
	sed -n 2p "$MNT/g/memory.kmem.slabinfo" | grep -q '^# name '
	slab_rows_are "$MNT/g" 0
	wl "kmalloc $sg dentry 22 a" "kmalloc $sg kmalloc-64 1 b" \
		"kmalloc $SLEEPER dentry 1 c"
	[ "$(sed -n 1p "$MNT/g/memory.kmem.slabinfo")" = "slabinfo - version: 2.1" ]
	sed -n 2p "$MNT/g/memory.kmem.slabinfo" | grep -q '^# name '
	slab_rows_are "$MNT/g" 2
	slab_rows_are "$MNT/h" 1
	slab_row "$MNT/g" dentry | grep -Eq '^dentry\([0-9]+:g\) '
	slab_row "$MNT/g" kmalloc-64 | grep -Eq '^kmalloc-64\([0-9]+:g\) '
	slab_row "$MNT/h" dentry | grep -Eq '^dentry\([0-9]+:h\) '
	row_is "$MNT/g" dentry "22 42 192 21 1 : tunables 0 0 0 : slabdata 2 2 0"
	row_is "$MNT/g" kmalloc-64 "1 64 64 64 1 : tunables 0 0 0 : slabdata 1 1 0"
	row_is "$MNT/h" dentry "1 21 192 21 1 : tunables 0 0 0 : slabdata 1 1 0"
	# one ID per group
	[ "$(slab_id "$MNT/g" dentry)" = "$(slab_id "$MNT/g" kmalloc-64)" ]
	[ "$(slab_id "$MNT/g" dentry)" != "$(slab_id "$MNT/h" dentry)" ]
	# a group's rows are its own: not its parent's
	if grep -Eq ':[gh]\) ' "$MNT/memory.kmem.slabinfo"; then false; fi
	wl "kfree a 21"
	row_is "$MNT/g" dentry "1 42 192 21 1 : tunables 0 0 0 : slabdata 1 2 0"
	wl shrink
	row_is "$MNT/g" dentry "1 21 192 21 1 : tunables 0 0 0 : slabdata 1 1 0"
	row_is "$MNT/h" dentry "1 21 192 21 1 : tunables 0 0 0 : slabdata 1 1 0"
}

@test "memory.kmem.slabinfo: the 2.1 header, then one NAME(ID:GROUP) row per cache copy of the group" {
	in_both_models slabinfo_rows
}

# ---- removal -------------------------------------------------------------------

recreated_independent() {
	mkdir "$MNT/g"
	sleeper_in "$MNT/g"
	kmem_on "$MNT/g"
	wl "kmalloc $SLEEPER dentry 1 t"
	echo "$SLEEPER" >"$MNT/tasks"
	want OK rmdir "$MNT/g"
	if [ "$MODEL" = pin ]; then
		dying_has /g kmem 4096
	fi
	want OK mkdir "$MNT/g"
	charged_is "$MNT/g" 0
	slab_rows_are "$MNT/g" 0
	value_is "$MNT/g/memory.kmem.failcnt" 0
	value_is "$MNT/g/memory.kmem.max_usage_in_bytes" 0
	value_is "$MNT/g/memory.kmem.limit_in_bytes" "$UNLIMITED"
	sleeper_in "$MNT/g"
	kmem_on "$MNT/g"
	# a page of its own: the old copy's free room is not the new group's
	wl "kmalloc $SLEEPER dentry 1 u"
	charged_is "$MNT/g" 4096
	slab_is "$MNT/g" dentry 1 21 1 1
	charged_is "$MNT" 8192
	# freeing the old group's objects leaves the new group alone
	wl "kfree t" reap
	charged_is "$MNT/g" 4096
	charged_is "$MNT" 4096
	slab_is "$MNT/g" dentry 1 21 1 1
	eventually 2 not_dying /g
	wl "kfree u" shrink
	charged_is "$MNT/g" 0
	charged_is "$MNT" 0
}

@test "a group made with a removed group's name is independent of it" {
	in_both_models recreated_independent
}

shrunk_at_rmdir() {
	mkdir -p "$MNT/p/c"
	sleeper_in "$MNT/p/c"
	kmem_on "$MNT/p/c"
	wl "kmalloc $SLEEPER dentry 21 a" "kmalloc $SLEEPER kmalloc-64 64 b" "kfree a"
	charged_is "$MNT/p" 8192
	echo "$SLEEPER" >"$MNT/tasks"
	want OK rmdir "$MNT/p/c"
	[ ! -e "$MNT/p/c" ]
	# the empty dentry page goes at once, with no reaper pass
	charged_is "$MNT/p" 4096
	charged_is "$MNT" 4096
	if [ "$MODEL" = pin ]; then
		dying_has /p/c kmem 4096
		# both dead copies stay until the reaper destroys the empty one
		dying_has /p/c caches 2
		wl reap
		dying_has /p/c caches 1
		dying_has /p/c kmem 4096
	fi
	charged_is "$MNT/p" 4096
	wl "kfree b" reap
	charged_is "$MNT/p" 0
	charged_is "$MNT" 0
	eventually 2 not_dying /p/c
}

@test "rmdir shrinks the removed group's dead caches at once: empty slab pages are uncharged at removal" {
	in_both_models shrunk_at_rmdir
}

freed_until_reap() {
	child_with_objects
	want OK rmdir "$MNT/p/c"
	charged_is "$MNT/p" 4096
	wl "kfree t"
	# the freed page of the dead copy waits for the reaper
	sleep 1.2
	charged_is "$MNT/p" 4096
	charged_is "$MNT" 4096
	if [ "$MODEL" = pin ]; then
		dying_has /p/c kmem 4096
	fi
	wl reap
	charged_is "$MNT/p" 0
	charged_is "$MNT" 0
	eventually 2 not_dying /p/c
}

@test "freeing a removed group's last objects releases their pages at the reaper's next pass or on reap" {
	in_both_models freed_until_reap
}

reaped_on_interval() {
	child_with_objects
	want OK rmdir "$MNT/p/c"
	wl "kfree t"
	eventually 3 charged_is "$MNT/p" 0
	charged_is "$MNT" 0
	eventually 3 not_dying /p/c
}

@test "with -o reap_interval=1 the reaper releases a removed group's freed pages within seconds" {
	in_both_models reaped_on_interval reap_interval=1
}

shrink_dead() {
	child_with_objects
	want OK rmdir "$MNT/p/c"
	wl "kfree t"
	charged_is "$MNT/p" 4096
	wl shrink
	charged_is "$MNT/p" 0
	charged_is "$MNT" 0
	eventually 2 not_dying /p/c
}

@test "shrink also releases a removed group's freed slab pages" {
	in_both_models shrink_dead
}

# ---- kmem=reparent ---------------------------------------------------------------

@test "kmem=reparent is the default: a group accounts kmem with no kmem limit written" {
	mkdir -p "$MNT/p/c"
	sleeper_in "$MNT/p/c"
	wl "kmalloc $SLEEPER dentry 1 t"
	charged_is "$MNT/p/c" 4096
	charged_is "$MNT/p" 4096
	slab_rows_are "$MNT/p/c" 1
	value_is "$MNT/p/c/memory.kmem.limit_in_bytes" "$UNLIMITED"
}

@test "kmem=reparent: rmdir with live objects moves the charges to the parent, which keeps them until kfree and reap; the group leaves memcgfs.dying" {
	remount kmem=reparent
	mkdir -p "$MNT/p/c"
	sleeper_in "$MNT/p/c"
	wl "kmalloc $SLEEPER dentry 42 t" "read $SLEEPER f 8K"
	kmem_is "$MNT/p/c" 8192
	usage_is "$MNT/p/c" 16384
	echo "$SLEEPER" >"$MNT/tasks"
	want OK rmdir "$MNT/p/c"
	[ ! -e "$MNT/p/c" ]
	# no live counter changes at removal
	kmem_is "$MNT/p" 8192
	usage_is "$MNT/p" 16384
	kmem_is "$MNT" 8192
	usage_is "$MNT" 16384
	stat_is "$MNT/p" cache 8192
	# freed after a grace period although its objects live on
	eventually 2 not_dying /p/c
	kmem_is "$MNT/p" 8192
	usage_is "$MNT/p" 16384
	# the parent is uncharged as they are freed and reaped
	wl "kfree t 21"
	kmem_is "$MNT/p" 8192
	wl shrink
	kmem_is "$MNT/p" 4096
	usage_is "$MNT/p" 12288
	wl "kfree t" reap
	kmem_is "$MNT/p" 0
	usage_is "$MNT/p" 8192
	kmem_is "$MNT" 0
	wl "evict f"
	usage_is "$MNT/p" 0
	usage_is "$MNT" 0
}

# ---- kmem=pin ------------------------------------------------------------------

@test "kmem=pin: rmdir with live objects leaves the group in memcgfs.dying, KMEM_DEAD, until its last kmem charge goes" {
	remount kmem=pin,reap_interval=1
	mkdir -p "$MNT/p/c"
	sleeper_in "$MNT/p/c"
	want OK write "$MNT/p/c/memory.kmem.limit_in_bytes" -1
	wl "kmalloc $SLEEPER dentry 42 t"
	charged_is "$MNT/p/c" 8192
	local id
	id=$(slab_id "$MNT/p/c" dentry)
	[ -n "$id" ]
	content_is "$MNT/memcgfs.dying" ''
	echo "$SLEEPER" >"$MNT/tasks"
	want OK rmdir "$MNT/p/c"
	[ ! -e "$MNT/p/c" ]
	listed_dying /p/c
	[ "$(awk '$2 == "/p/c" { print $1 }' "$MNT/memcgfs.dying")" = "$id" ]
	dying_has /p/c kmem 8192
	dying_has /p/c caches 1
	dying_state_has /p/c KMEM_DEAD
	charged_is "$MNT/p" 8192
	charged_is "$MNT" 8192
	# reaper passes do not free it while its objects live
	sleep 1.5
	dying_has /p/c kmem 8192
	charged_is "$MNT/p" 8192
	# half freed: one page goes, the group stays
	wl "kfree t 21" shrink
	dying_has /p/c kmem 4096
	dying_state_has /p/c KMEM_DEAD
	charged_is "$MNT/p" 4096
	# the last charge goes: so does the group
	wl "kfree t" reap
	eventually 2 not_dying /p/c
	charged_is "$MNT/p" 0
	charged_is "$MNT" 0
	content_is "$MNT/memcgfs.dying" ''
}

@test "kmem=pin: before its kmem limit is written a group's kmalloc charges the nearest activated ancestor, or the root" {
	remount kmem=pin
	mkdir -p "$MNT/a/b/c"
	sleeper_in "$MNT/a/b/c"
	wl "kmalloc $SLEEPER dentry 1 t"
	charged_is "$MNT" 4096
	charged_is "$MNT/a" 0
	charged_is "$MNT/a/b" 0
	charged_is "$MNT/a/b/c" 0
	slab_rows_are "$MNT/a/b/c" 0
	want OK write "$MNT/a/memory.kmem.limit_in_bytes" -1
	wl "kmalloc $SLEEPER task_struct 1 u"
	charged_is "$MNT/a" 4096
	charged_is "$MNT/a/b" 0
	charged_is "$MNT/a/b/c" 0
	charged_is "$MNT" 8192
	want OK write "$MNT/a/b/c/memory.kmem.limit_in_bytes" -1
	wl "kmalloc $SLEEPER task_struct 1 v"
	charged_is "$MNT/a/b/c" 4096
	charged_is "$MNT/a/b" 4096
	charged_is "$MNT/a" 8192
	charged_is "$MNT" 12288
	slab_is "$MNT/a/b/c" task_struct 1 1 1 1
	wl "kfree t" shrink
	charged_is "$MNT" 8192
	charged_is "$MNT/a" 8192
}
