# The differential method of the track=pages suites (pages.bats,
# swap.bats): each scenario runs tests/tools/pagetool (a real program that
# maps anon, maps a file, attaches SysV shm, mlocks, forks, frees, grows
# past a limit, pages its anon out and back in) first in a child group of
# the kernel's /sys/fs/cgroup/memory, then in a memcgfs group, and after
# each step compares what the two groups show.  The tool is started in the
# root group and moved in once it waits for commands, so on both sides
# only what it faults in after the move is charged.
#
# Exact: rss, swap, total_swap, shmem, unevictable, oom_kill.  Within
# FILE_SLACK pages: cache, mapped_file, usage and memsw (the kernel's
# readahead and fault-around may cache a page no mapping shows; the
# kernel's usage_in_bytes also holds page tables, slab and a per-cpu charge
# stock of up to 64 pages, so the kernel's side of usage is its rss + cache,
# and of memsw that plus its memsw.usage_in_bytes - usage_in_bytes).
# failcnt: both count, not the same (the kernel once per try of its charge
# loop, a first try of 64 pages at a time included, memcgfs once per
# refused fault).  MADV_PAGEOUT is best effort: the pages each side saw go
# (pagemap) are compared too.
# The kernel refreshes memory.stat every 2 s: each kernel step waits that.

KROOT=/sys/fs/cgroup/memory
FILE_SLACK=4
: "${PAGETOOL:=$PWD/tests/tools/pagetool}"

pages_setup() {
	mount_memcgfs track=pages,pages_interval=20
	mkdir "$MNT/g"
	KG=
	if [ -w "$KROOT/cgroup.procs" ]; then
		KG="$KROOT/memcgfs-pages.$$.$BATS_TEST_NUMBER"
		mkdir "$KG" "$KG.drain"
	fi
	DATA="$BATS_TEST_TMPDIR/data"
	head -c $((100 * 4096)) /dev/urandom >"$DATA"
	PAGE=$(getconf PAGESIZE)
}

need_kernel() {
	[ -n "$KG" ] || skip "no kernel v1 memory controller at $KROOT"
}

pages_teardown() {
	local i
	pt_stop
	# A killed member can take a moment to leave the kernel's group.
	for i in $(seq 1 50); do
		[ -n "${KG:-}" ] && [ -d "$KG" -o -d "$KG.drain" ] || break
		rmdir "$KG" "$KG.drain" 2>/dev/null || sleep 0.1
	done
	unmount_memcgfs
}

# pt_start DIR: start pagetool in the root group, wait until it answers,
# then move it into group DIR.  PT is its pid.
pt_start() {
	local dir=$1
	PT_DIR=$(mktemp -d "$BATS_TEST_TMPDIR/pt.XXXXXX")
	mkfifo "$PT_DIR/in" "$PT_DIR/out"
	# No address randomisation: the same layout on both sides, so the
	# stack and data pages the tool happens to touch are the same.
	setarch "$(uname -m)" -R "$PAGETOOL" <"$PT_DIR/in" >"$PT_DIR/out" &
	PT=$!
	exec 7>"$PT_DIR/in" 8<"$PT_DIR/out"
	pt "evict $DATA"
	echo "$PT" >"$dir/cgroup.procs"
}

# pt CMD: send one command; it must answer ok (the answer is in REPLY).
pt() {
	echo "$1" >&7
	read -r -t 20 REPLY <&8 || { echo "pagetool: no answer to '$1'" >&2; return 1; }
	[ "${REPLY%% *}" = ok ] || { echo "pagetool: '$1' -> '$REPLY'" >&2; return 1; }
}

# pt_send CMD: send a command that may never be answered (a kill).
pt_send() {
	echo "$1" >&7
}

pt_gone() {
	! kill -0 "$PT" 2>/dev/null || [ "$(awk '$1 == "State:" { print $2 }' /proc/$PT/status)" = Z ]
}

waiting() {
	case $(awk '$1 == "State:" { print $2 }' "/proc/$PT/status") in
	D | T) return 0 ;;
	*) return 1 ;;
	esac
}

pt_stop() {
	[ -n "${PT:-}" ] || return 0
	exec 7>&- 8<&-
	kill -9 "$PT" 2>/dev/null || true
	wait "$PT" 2>/dev/null || true
	rm -rf "$PT_DIR"
	PT=
}

# pages DIR NAME: memory.stat's NAME of group DIR, in pages.
pages() {
	echo $(($(stat_value "$1/memory.stat" "$2") / PAGE))
}

# pages_are DIR NAME N: memory.stat's NAME of group DIR is N pages.
pages_are() {
	[ "$(pages "$1" "$2")" -eq "$3" ]
}

pages_at_least() {
	[ "$(pages "$1" "$2")" -ge "$3" ]
}

# charged DIR: "USAGE MEMSW" of group DIR, in pages.  On the kernel's
# side usage is the charged pages of memory.stat (rss + cache), and memsw
# that plus what its memsw counter holds beyond its usage counter, so
# that the kernel's per-CPU charge stock counts in neither; on memcgfs's
# the two counters.
charged() {
	local dir=$1 usage
	if [ "$dir" = "$KG" ]; then
		usage=$(($(pages "$dir" rss) + $(pages "$dir" cache)))
		echo "$usage $((usage + ($(cat "$dir/memory.memsw.usage_in_bytes") -
			$(cat "$dir/memory.usage_in_bytes")) / PAGE))"
	else
		echo "$(($(cat "$dir/memory.usage_in_bytes") / PAGE))" \
			"$(($(cat "$dir/memory.memsw.usage_in_bytes") / PAGE))"
	fi
}

# snapshot DIR: the compared values of group DIR, one "name value" line
# each: pages, then counts; usage and memsw as charged gives them.
snapshot() {
	local dir=$1 f usage memsw
	for f in rss cache mapped_file shmem unevictable swap total_swap; do
		echo "$f $(pages "$dir" "$f")"
	done
	read -r usage memsw < <(charged "$dir")
	echo "usage $usage"
	echo "memsw $memsw"
	echo "oom_kill $(awk '$1 == "oom_kill" { print $2 }' "$dir/memory.oom_control")"
}

# Both groups counted refused charges in failcnt.
both_failed() {
	[ "$(cat "$KG/memory.failcnt")" -gt 0 ]
	[ "$(cat "$MNT/g/memory.failcnt")" -gt 0 ]
}

# matches EXPECTED DIR: DIR's snapshot is EXPECTED (a snapshot), exactly
# or within FILE_SLACK for the file-backed values.
matches() {
	local expected=$1 dir=$2 name want got slack
	while read -r name got; do
		want=$(awk -v n="$name" '$1 == n { print $2 }' <<<"$expected")
		case $name in
		cache | mapped_file) slack=$FILE_SLACK ;;
		usage) slack=$((FILE_SLACK + ${ANON_SLACK:-0} + ${SWAP_SLACK:-0})) ;;
		memsw) slack=$((FILE_SLACK + ${ANON_SLACK:-0})) ;;
		rss) slack=$((${ANON_SLACK:-0} + ${SWAP_SLACK:-0})) ;;
		swap | total_swap) slack=${SWAP_SLACK:-0} ;;
		*) slack=0 ;;
		esac
		if [ $((got - want)) -gt "$slack" ] || [ $((want - got)) -gt "$slack" ]; then
			echo "$name: memcgfs $got, kernel $want (slack $slack)" >&2
			return 1
		fi
	done < <(snapshot "$dir")
}

# run_steps DIR STEP...: start pagetool in DIR and run each step; a step
# is a pagetool command, or "!CMD" for one that may go unanswered (the
# tool is then waited for to be gone).  After each, SNAP[i] is the
# snapshot (kernel) or is compared with KSNAP[i] (memcgfs).  A pageout's
# answer, the pages that went, is KOUT[i] (kernel); where memcgfs's tool
# saw another number go, SWAP_SLACK allows for the difference.
run_steps() {
	local dir=$1 i=0 step out diff
	shift
	pt_start "$dir"
	for step in "$@"; do
		if [ "${step:0:1}" = "!" ]; then
			pt_send "${step:1}"
			eventually 20 pt_gone
		else
			pt "$step"
		fi
		if [ "$step" = pageout ]; then
			out=${REPLY#ok }
			if [ "$dir" = "$KG" ]; then
				KOUT[i]=$out
			else
				diff=$((out - KOUT[i]))
				SWAP_SLACK=$((${SWAP_SLACK:-0} + ${diff#-}))
			fi
		fi
		if [ "$dir" = "$KG" ]; then
			# Pages the kernel freed or munlocked can wait in per-CPU
			# batches, still counted, until that CPU drains them:
			# force_empty of an empty group drains every CPU's
			# (lru_add_drain_all) and, unlike compaction, moves no
			# page of anyone (a member's pages moved to other frames
			# are seen at its next scan only, memcgfs(8)).
			echo 0 >"$KG.drain/memory.force_empty"
			sleep 2.2	# the kernel's periodic stat flush
			KSNAP[i]=$(snapshot "$dir")
			[ "$step" != pageout ] || kernel_swapped "${KOUT[i]}"
		elif ! eventually 10 matches "${KSNAP[i]}" "$dir"; then
			echo "after step $i '$step'" >&2
			return 1
		fi
		i=$((i + 1))
	done
	pt_stop
}

# kernel_swapped N: the kernel's group counts as swap the N pages the
# tool saw go; skips where the pages are still in the swap cache (an
# asynchronous swap device: the kernel charges them as memory until its
# reclaim frees them, memcgfs as swap at once).
kernel_swapped() {
	if [ "$(pages "$KG" swapcached)" -gt 0 ]; then
		skip "the host's swap device keeps paged-out pages in the swap cache"
	fi
	[ "$1" -gt 0 ]
	pages_are "$KG" swap "$1"
}

# differ STEP...: the steps on the kernel, then on memcgfs, compared.
differ() {
	need_kernel
	KSNAP=() KOUT=() SWAP_SLACK=0
	run_steps "$KG" "$@"
	KMAX=$(($(cat "$KG/memory.max_usage_in_bytes") / PAGE))
	run_steps "$MNT/g" "$@"
	max_usage_agrees
}

# memcgfs's max_usage is at least the most the kernel's charged pages
# were seen to be, and at most the kernel's max_usage (which holds more).
max_usage_agrees() {
	local seen=0 s u
	for s in "${KSNAP[@]}"; do
		u=$(awk '$1 == "usage" { print $2 }' <<<"$s")
		[ "$u" -le "$seen" ] || seen=$u
	done
	u=$(($(cat "$MNT/g/memory.max_usage_in_bytes") / PAGE))
	local slack=$((FILE_SLACK + ${ANON_SLACK:-0}))
	if [ "$u" -lt $((seen - slack)) ] || [ "$u" -gt $((KMAX + slack)) ]; then
		echo "max_usage: memcgfs $u pages, kernel saw $seen..$KMAX" >&2
		return 1
	fi
}
