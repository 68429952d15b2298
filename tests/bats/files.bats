#!/usr/bin/env bats
# The control files of every group (memcgfs(8) FILES IN EACH GROUP): names, readdir order,
# modes, default values, valid and invalid writes, statistics formats.

load helpers

# Default of every limit with the default 4096-byte page.
UNLIMITED=9223372036854771712

# name and mode of every file of a group, in the order of memcgfs(8) FILES IN EACH GROUP (= readdir order).
GROUP_FILES=(
	"cgroup.clone_children 644"
	"cgroup.event_control 200"
	"cgroup.procs 644"
	"memory.failcnt 644"
	"memory.force_empty 200"
	"memory.kmem.failcnt 644"
	"memory.kmem.limit_in_bytes 644"
	"memory.kmem.max_usage_in_bytes 644"
	"memory.kmem.slabinfo 444"
	"memory.kmem.tcp.failcnt 644"
	"memory.kmem.tcp.limit_in_bytes 644"
	"memory.kmem.tcp.max_usage_in_bytes 644"
	"memory.kmem.tcp.usage_in_bytes 444"
	"memory.kmem.usage_in_bytes 444"
	"memory.limit_in_bytes 644"
	"memory.max_usage_in_bytes 644"
	"memory.memsw.failcnt 644"
	"memory.memsw.limit_in_bytes 644"
	"memory.memsw.max_usage_in_bytes 644"
	"memory.memsw.usage_in_bytes 444"
	"memory.move_charge_at_immigrate 644"
	"memory.numa_stat 444"
	"memory.oom_control 644"
	"memory.pressure_level 444"
	"memory.soft_limit_in_bytes 644"
	"memory.stat 444"
	"memory.swappiness 644"
	"memory.usage_in_bytes 444"
	"memory.use_hierarchy 644"
	"notify_on_release 644"
	"tasks 644"
)

# The root group's list: the group files with the root-only ones merged in
# where its readdir shows them (both lists are in byte order).
ROOT_ONLY_FILES=(
	"cgroup.sane_behavior 444"
	"memcgfs.dying 444"
	"memcgfs.workload 200"
	"release_agent 644"
)
mapfile -t ROOT_FILES < <(printf '%s\n' "${GROUP_FILES[@]}" "${ROOT_ONLY_FILES[@]}" | LC_ALL=C sort)

ROOT_ONLY=("${ROOT_ONLY_FILES[@]%% *}")

STAT_NAMES=(cache rss rss_huge shmem mapped_file dirty writeback
	workingset_refault_anon workingset_refault_file swap swapcached
	pgpgin pgpgout pgfault pgmajfault inactive_anon active_anon
	inactive_file active_file unevictable)

SLABINFO_HEADER='slabinfo - version: 2.1
# name            <active_objs> <num_objs> <objsize> <objperslab> <pagesperslab> : tunables <limit> <batchcount> <sharedfactor> : slabdata <active_slabs> <num_slabs> <sharedavail>
'

NUMA_ZERO='total=0 N0=0
file=0 N0=0
anon=0 N0=0
unevictable=0 N0=0
hierarchical_total=0 N0=0
hierarchical_file=0 N0=0
hierarchical_anon=0 N0=0
hierarchical_unevictable=0 N0=0
'

# stat_zero LIMIT MEMSW_LIMIT: memory.stat of a group without charges.
stat_zero() {
	local n
	for n in "${STAT_NAMES[@]}"; do
		printf '%s 0\n' "$n"
	done
	printf 'hierarchical_memory_limit %s\nhierarchical_memsw_limit %s\n' "$1" "$2"
	for n in "${STAT_NAMES[@]}"; do
		printf 'total_%s 0\n' "$n"
	done
}

# check_modes DIR ENTRY...: each "name mode" has that mode, owner root and
# st_size the length of what a read returns (1 for a file whose reads fail,
# so that the kernel asks rather than serve an empty file).
check_modes() {
	local dir=$1 e out size
	shift
	for e in "$@"; do
		set -- $e
		size=$(cat "$dir/$1" 2>/dev/null | wc -c)
		cat "$dir/$1" >/dev/null 2>&1 || size=1
		out=$(probe mode "$dir/$1")
		# Root's task lists change with every process on the host.
		if [ "$dir" = "$MNT" ] && [[ $1 = tasks || $1 = cgroup.procs ]]; then
			size=$(echo "$out" | sed -n '2s/^[0-7]* \([0-9]*\) .*/\1/p')
		fi
		if [ "$out" != "OK"$'\n'"$2 $size 0 0" ]; then
			echo "$dir/$1: got '$out', expected mode $2 size $size owner 0:0" >&2
			return 1
		fi
	done
}

# check_listing DIR ENTRY...: readdir of DIR gives exactly these names.
check_listing() {
	local dir=$1 e expect got
	shift
	expect=$(for e in "$@"; do echo "${e%% *}"; done)
	got=$(ls -U1 "$dir")
	if [ "$got" != "$expect" ]; then
		diff <(echo "$expect") <(echo "$got") >&2 || true
		return 1
	fi
}

@test "a group lists exactly the manual's files in its order" {
	mkdir "$MNT/g"
	check_listing "$MNT/g" "${GROUP_FILES[@]}"
}

@test "the root lists the group files plus its own, in sorted order" {
	check_listing "$MNT" "${ROOT_FILES[@]}"
}

@test "root-only files are absent from a child group" {
	mkdir "$MNT/g"
	local f
	for f in "${ROOT_ONLY[@]}"; do
		want ENOENT mode "$MNT/g/$f"
		[ ! -e "$MNT/g/$f" ]
	done
}

@test "every file of a child group has its mode, its text's st_size and owner root" {
	mkdir "$MNT/g"
	check_modes "$MNT/g" "${GROUP_FILES[@]}"
}

@test "every file of the root group has its mode, its text's st_size and owner root" {
	check_modes "$MNT" "${ROOT_FILES[@]}"
}

@test "a new child group reads its default values" {
	mkdir "$MNT/g"
	local g=$MNT/g f
	content_is "$g/cgroup.clone_children" $'0\n'
	content_is "$g/cgroup.procs" ''
	content_is "$g/tasks" ''
	for f in memory.failcnt memory.kmem.failcnt memory.memsw.failcnt \
		memory.max_usage_in_bytes memory.kmem.max_usage_in_bytes \
		memory.memsw.max_usage_in_bytes memory.usage_in_bytes \
		memory.kmem.usage_in_bytes memory.memsw.usage_in_bytes \
		memory.move_charge_at_immigrate notify_on_release; do
		content_is "$g/$f" $'0\n'
	done
	for f in memory.limit_in_bytes memory.memsw.limit_in_bytes \
		memory.kmem.limit_in_bytes memory.soft_limit_in_bytes; do
		content_is "$g/$f" "$UNLIMITED"$'\n'
	done
	content_is "$g/memory.swappiness" $'60\n'
	content_is "$g/memory.use_hierarchy" $'1\n'
	content_is "$g/memory.oom_control" $'oom_kill_disable 0\nunder_oom 0\noom_kill 0\n'
	content_is "$g/memory.kmem.slabinfo" "$SLABINFO_HEADER"
	content_is "$g/memory.numa_stat" "$NUMA_ZERO"
	content_is "$g/memory.stat" "$(stat_zero $UNLIMITED $UNLIMITED)"$'\n'
}

@test "the root group reads its default values" {
	local f
	for f in memory.limit_in_bytes memory.memsw.limit_in_bytes \
		memory.kmem.limit_in_bytes memory.soft_limit_in_bytes; do
		content_is "$MNT/$f" "$UNLIMITED"$'\n'
	done
	content_is "$MNT/memory.swappiness" $'60\n'
	content_is "$MNT/memory.use_hierarchy" $'1\n'
	content_is "$MNT/memory.move_charge_at_immigrate" $'0\n'
	content_is "$MNT/notify_on_release" $'0\n'
	content_is "$MNT/cgroup.clone_children" $'0\n'
	content_is "$MNT/memory.oom_control" $'oom_kill_disable 0\nunder_oom 0\noom_kill 0\n'
	content_is "$MNT/cgroup.sane_behavior" $'0\n'
	content_is "$MNT/release_agent" $'\n'
	content_is "$MNT/memcgfs.dying" ''
	content_is "$MNT/memory.kmem.slabinfo" "$SLABINFO_HEADER"
}

@test "the root's memory.stat has the manual's field list and unlimited hierarchical limits" {
	local expect
	expect=$(stat_zero $UNLIMITED $UNLIMITED | awk '{ print $1 }')
	run awk '{ print $1 }' "$MNT/memory.stat"
	[ "$status" -eq 0 ]
	[ "$output" = "$expect" ]
	[ "$(stat_value "$MNT/memory.stat" hierarchical_memory_limit)" = "$UNLIMITED" ]
	[ "$(stat_value "$MNT/memory.stat" hierarchical_memsw_limit)" = "$UNLIMITED" ]
	# every value is a non-negative integer
	run awk 'NF != 2 || $2 !~ /^[0-9]+$/' "$MNT/memory.stat"
	[ -z "$output" ]
}

@test "the root's memory.numa_stat has the single-node format" {
	run sed -E 's/=[0-9]+ N0=[0-9]+$/=V N0=V/' "$MNT/memory.numa_stat"
	[ "$status" -eq 0 ]
	[ "$output" = "$(echo "$NUMA_ZERO" | sed 's/=0/=V/g')" ]
}

@test "reading a write-only (0200) file gives EINVAL" {
	mkdir "$MNT/g"
	want EINVAL read "$MNT/g/cgroup.event_control"
	want EINVAL read "$MNT/g/memory.force_empty"
	want EINVAL read "$MNT/cgroup.event_control"
	want EINVAL read "$MNT/memory.force_empty"
	want EINVAL read "$MNT/memcgfs.workload"
}

@test "writing a read-only (0444) file as root gives EINVAL and changes nothing" {
	mkdir "$MNT/g"
	local f
	for f in memory.kmem.slabinfo memory.kmem.usage_in_bytes \
		memory.memsw.usage_in_bytes memory.numa_stat memory.stat \
		memory.usage_in_bytes; do
		want EINVAL write "$MNT/g/$f" '0\n'
		want EINVAL write "$MNT/$f" '0\n'
	done
	want EINVAL write "$MNT/cgroup.sane_behavior" '1\n'
	want EINVAL write "$MNT/memcgfs.dying" '1\n'
	content_is "$MNT/g/memory.usage_in_bytes" $'0\n'
	content_is "$MNT/cgroup.sane_behavior" $'0\n'
}

@test "limit files of a child accept a size and read it back" {
	mkdir "$MNT/g"
	want OK write "$MNT/g/memory.limit_in_bytes" '1M\n'
	content_is "$MNT/g/memory.limit_in_bytes" $'1048576\n'
	want OK write "$MNT/g/memory.memsw.limit_in_bytes" '2M\n'
	content_is "$MNT/g/memory.memsw.limit_in_bytes" $'2097152\n'
	want OK write "$MNT/g/memory.kmem.limit_in_bytes" '512K\n'
	content_is "$MNT/g/memory.kmem.limit_in_bytes" $'524288\n'
	want OK write "$MNT/g/memory.soft_limit_in_bytes" '768K\n'
	content_is "$MNT/g/memory.soft_limit_in_bytes" $'786432\n'
}

@test "root's limit files give EINVAL on write and stay unlimited" {
	local f
	for f in memory.limit_in_bytes memory.memsw.limit_in_bytes \
		memory.kmem.limit_in_bytes; do
		want EINVAL write "$MNT/$f" '1G\n'
		want EINVAL write "$MNT/$f" '-1\n'
		content_is "$MNT/$f" "$UNLIMITED"$'\n'
	done
}

@test "oom_control takes 0 or 1 in a child and EINVAL otherwise" {
	mkdir "$MNT/g"
	want OK write "$MNT/g/memory.oom_control" '1\n'
	content_is "$MNT/g/memory.oom_control" $'oom_kill_disable 1\nunder_oom 0\noom_kill 0\n'
	want EINVAL write "$MNT/g/memory.oom_control" '2\n'
	want EINVAL write "$MNT/g/memory.oom_control" '-1\n'
	want EINVAL write "$MNT/g/memory.oom_control" 'abc\n'
	content_is "$MNT/g/memory.oom_control" $'oom_kill_disable 1\nunder_oom 0\noom_kill 0\n'
	want OK write "$MNT/g/memory.oom_control" '0\n'
	content_is "$MNT/g/memory.oom_control" $'oom_kill_disable 0\nunder_oom 0\noom_kill 0\n'
}

@test "oom_control and force_empty give EINVAL on the root" {
	want EINVAL write "$MNT/memory.oom_control" '1\n'
	want EINVAL write "$MNT/memory.oom_control" '0\n'
	want EINVAL write "$MNT/memory.force_empty" '0\n'
	content_is "$MNT/memory.oom_control" $'oom_kill_disable 0\nunder_oom 0\noom_kill 0\n'
}

@test "force_empty accepts any content in a child" {
	mkdir "$MNT/g"
	want OK write "$MNT/g/memory.force_empty" '0\n'
	want OK write "$MNT/g/memory.force_empty" 'anything'
	content_is "$MNT/g/memory.usage_in_bytes" $'0\n'
}

@test "swappiness takes 0..200 and refuses 201 and negatives" {
	mkdir "$MNT/g"
	want OK write "$MNT/g/memory.swappiness" '0\n'
	content_is "$MNT/g/memory.swappiness" $'0\n'
	want OK write "$MNT/g/memory.swappiness" '200\n'
	content_is "$MNT/g/memory.swappiness" $'200\n'
	want OK write "$MNT/g/memory.swappiness" '37'
	content_is "$MNT/g/memory.swappiness" $'37\n'
	want EINVAL write "$MNT/g/memory.swappiness" '201\n'
	want EINVAL write "$MNT/g/memory.swappiness" '-1\n'
	want EINVAL write "$MNT/g/memory.swappiness" 'abc\n'
	want EINVAL write "$MNT/g/memory.swappiness" '4294967356\n'
	content_is "$MNT/g/memory.swappiness" $'37\n'
}

@test "move_charge_at_immigrate takes 0..3 and refuses 4" {
	mkdir "$MNT/g"
	local v
	for v in 1 2 3 0; do
		want OK write "$MNT/g/memory.move_charge_at_immigrate" "$v\\n"
		content_is "$MNT/g/memory.move_charge_at_immigrate" "$v"$'\n'
	done
	want OK write "$MNT/g/memory.move_charge_at_immigrate" '3\n'
	want EINVAL write "$MNT/g/memory.move_charge_at_immigrate" '4\n'
	want EINVAL write "$MNT/g/memory.move_charge_at_immigrate" '-1\n'
	want EINVAL write "$MNT/g/memory.move_charge_at_immigrate" 'x\n'
	content_is "$MNT/g/memory.move_charge_at_immigrate" $'3\n'
}

@test "use_hierarchy accepts 1 and refuses 0" {
	mkdir "$MNT/g"
	want OK write "$MNT/g/memory.use_hierarchy" '1\n'
	want EINVAL write "$MNT/g/memory.use_hierarchy" '0\n'
	want OK write "$MNT/memory.use_hierarchy" '1\n'
	want EINVAL write "$MNT/memory.use_hierarchy" '0\n'
	content_is "$MNT/g/memory.use_hierarchy" $'1\n'
	content_is "$MNT/memory.use_hierarchy" $'1\n'
}

@test "clone_children and notify_on_release store non-zero as 1" {
	mkdir "$MNT/g"
	local f
	for f in cgroup.clone_children notify_on_release; do
		want OK write "$MNT/g/$f" '1\n'
		content_is "$MNT/g/$f" $'1\n'
		want OK write "$MNT/g/$f" '0\n'
		content_is "$MNT/g/$f" $'0\n'
		want OK write "$MNT/g/$f" '7\n'
		content_is "$MNT/g/$f" $'1\n'
		want OK write "$MNT/g/$f" '0\n'
		want OK write "$MNT/g/$f" '4294967296\n'
		content_is "$MNT/g/$f" $'1\n'
		want EINVAL write "$MNT/g/$f" 'abc\n'
		want EINVAL write "$MNT/g/$f" '-1\n'
		content_is "$MNT/g/$f" $'1\n'
	done
}

@test "failcnt and max_usage files accept any content and read 0 in an idle group" {
	mkdir "$MNT/g"
	local f
	for f in memory.failcnt memory.kmem.failcnt memory.memsw.failcnt \
		memory.max_usage_in_bytes memory.kmem.max_usage_in_bytes \
		memory.memsw.max_usage_in_bytes; do
		want OK write "$MNT/g/$f" '0\n'
		want OK write "$MNT/g/$f" 'whatever it is'
		want OK write "$MNT/g/$f" '\n'
		content_is "$MNT/g/$f" $'0\n'
	done
}

@test "failcnt resets to 0 and max_usage to the current usage" {
	mkdir "$MNT/g"
	spawn_sleeper
	want OK write "$MNT/g/memory.limit_in_bytes" '1M\n'
	want OK write "$MNT/g/memory.oom_control" '1\n'
	want OK write "$MNT/g/tasks" "$SLEEPER"
	want OK write "$MNT/memcgfs.workload" "anon $SLEEPER 512K\\n"
	want ENOMEM write "$MNT/memcgfs.workload" "anon $SLEEPER 1M\\n"
	content_is "$MNT/g/memory.usage_in_bytes" $'524288\n'
	[ "$(cat "$MNT/g/memory.failcnt")" -ge 1 ]
	want OK write "$MNT/g/memory.failcnt" 'reset please'
	content_is "$MNT/g/memory.failcnt" $'0\n'
	want OK write "$MNT/memcgfs.workload" "free $SLEEPER 256K\\n"
	content_is "$MNT/g/memory.usage_in_bytes" $'262144\n'
	# The refused 1M faulted in up to the limit before it gave its pages
	# back: the peak shows it, as the kernel's would.
	content_is "$MNT/g/memory.max_usage_in_bytes" $'1048576\n'
	want OK write "$MNT/g/memory.max_usage_in_bytes" 'x'
	content_is "$MNT/g/memory.max_usage_in_bytes" $'262144\n'
	content_is "$MNT/g/memory.memsw.max_usage_in_bytes" $'1048576\n'
	want OK write "$MNT/g/memory.memsw.max_usage_in_bytes" '0\n'
	content_is "$MNT/g/memory.memsw.max_usage_in_bytes" $'262144\n'
}

@test "cgroup.procs and tasks take a live pid and list it" {
	mkdir "$MNT/g" "$MNT/h"
	spawn_sleeper
	want OK write "$MNT/g/cgroup.procs" "$SLEEPER\\n"
	content_is "$MNT/g/cgroup.procs" "$SLEEPER"$'\n'
	content_is "$MNT/g/tasks" "$SLEEPER"$'\n'
	want OK write "$MNT/h/tasks" "$SLEEPER\\n"
	content_is "$MNT/h/tasks" "$SLEEPER"$'\n'
	content_is "$MNT/g/tasks" ''
	run grep -qx "$SLEEPER" "$MNT/tasks"
	[ "$status" -eq 1 ]
	want OK write "$MNT/cgroup.procs" "$SLEEPER\\n"
	content_is "$MNT/h/cgroup.procs" ''
	grep -qx "$SLEEPER" "$MNT/cgroup.procs"
}

@test "cgroup.event_control refuses a malformed request" {
	mkdir "$MNT/g"
	want EINVAL write "$MNT/g/cgroup.event_control" 'garbage\n'
	want EINVAL write "$MNT/g/cgroup.event_control" '\n'
}

@test "swappiness, move_charge and notify_on_release are inherited; the rest starts at 0" {
	mkdir "$MNT/p"
	local p=$MNT/p
	want OK write "$p/memory.swappiness" '17\n'
	want OK write "$p/memory.move_charge_at_immigrate" '3\n'
	want OK write "$p/notify_on_release" '1\n'
	want OK write "$p/cgroup.clone_children" '1\n'
	want OK write "$p/memory.oom_control" '1\n'
	want OK write "$p/memory.limit_in_bytes" '8M\n'
	want OK write "$p/memory.soft_limit_in_bytes" '4M\n'
	want OK write "$p/memory.kmem.limit_in_bytes" '2M\n'
	mkdir "$p/c"
	content_is "$p/c/memory.swappiness" $'17\n'
	content_is "$p/c/memory.move_charge_at_immigrate" $'3\n'
	content_is "$p/c/notify_on_release" $'1\n'
	content_is "$p/c/cgroup.clone_children" $'0\n'
	content_is "$p/c/memory.oom_control" $'oom_kill_disable 0\nunder_oom 0\noom_kill 0\n'
	content_is "$p/c/memory.limit_in_bytes" "$UNLIMITED"$'\n'
	content_is "$p/c/memory.soft_limit_in_bytes" "$UNLIMITED"$'\n'
	content_is "$p/c/memory.kmem.limit_in_bytes" "$UNLIMITED"$'\n'
	# the root's values reach a first-level child the same way
	want OK write "$MNT/memory.swappiness" '42\n'
	mkdir "$MNT/q"
	content_is "$MNT/q/memory.swappiness" $'42\n'
	content_is "$p/memory.swappiness" $'17\n'
}

@test "a changed setting of the parent does not change an existing child" {
	mkdir -p "$MNT/p/c"
	want OK write "$MNT/p/memory.swappiness" '5\n'
	want OK write "$MNT/p/notify_on_release" '1\n'
	content_is "$MNT/p/c/memory.swappiness" $'60\n'
	content_is "$MNT/p/c/notify_on_release" $'0\n'
}

@test "memory.stat hierarchical limits are the minimum over the group and its ancestors" {
	mkdir -p "$MNT/a/b/c"
	local a=$MNT/a b=$MNT/a/b c=$MNT/a/b/c
	want OK write "$a/memory.limit_in_bytes" '8M\n'
	content_is "$a/memory.stat" "$(stat_zero 8388608 $UNLIMITED)"$'\n'
	content_is "$c/memory.stat" "$(stat_zero 8388608 $UNLIMITED)"$'\n'
	want OK write "$a/memory.memsw.limit_in_bytes" '16M\n'
	want OK write "$c/memory.limit_in_bytes" '12M\n'
	[ "$(stat_value "$c/memory.stat" hierarchical_memory_limit)" = 8388608 ]
	[ "$(stat_value "$c/memory.stat" hierarchical_memsw_limit)" = 16777216 ]
	want OK write "$b/memory.limit_in_bytes" '2M\n'
	[ "$(stat_value "$c/memory.stat" hierarchical_memory_limit)" = 2097152 ]
	[ "$(stat_value "$b/memory.stat" hierarchical_memory_limit)" = 2097152 ]
	[ "$(stat_value "$a/memory.stat" hierarchical_memory_limit)" = 8388608 ]
	want OK write "$b/memory.limit_in_bytes" '-1\n'
	want OK write "$a/memory.memsw.limit_in_bytes" '-1\n'
	want OK write "$a/memory.limit_in_bytes" '-1\n'
	[ "$(stat_value "$c/memory.stat" hierarchical_memory_limit)" = 12582912 ]
	[ "$(stat_value "$c/memory.stat" hierarchical_memsw_limit)" = "$UNLIMITED" ]
	[ "$(stat_value "$b/memory.stat" hierarchical_memory_limit)" = "$UNLIMITED" ]
}

@test "memory.numa_stat of a fresh group is the single-node format, all zero" {
	mkdir "$MNT/g"
	content_is "$MNT/g/memory.numa_stat" "$NUMA_ZERO"
	mkdir "$MNT/g/h"
	content_is "$MNT/g/h/memory.numa_stat" "$NUMA_ZERO"
}

@test "memory.kmem.slabinfo starts with the version 2.1 header" {
	mkdir "$MNT/g"
	run head -n 2 "$MNT/g/memory.kmem.slabinfo"
	[ "$status" -eq 0 ]
	[ "$output" = "${SLABINFO_HEADER%$'\n'}" ]
	run head -n 2 "$MNT/memory.kmem.slabinfo"
	[ "$output" = "${SLABINFO_HEADER%$'\n'}" ]
}

@test "memcgfs.dying is empty when no removed group lingers" {
	mkdir "$MNT/g"
	rmdir "$MNT/g"
	content_is "$MNT/memcgfs.dying" ''
}

@test "release_agent takes a path and reads it back" {
	want OK write "$MNT/release_agent" '/usr/local/bin/agent\n'
	content_is "$MNT/release_agent" $'/usr/local/bin/agent\n'
	want OK write "$MNT/release_agent" '/bin/true'
	content_is "$MNT/release_agent" $'/bin/true\n'
	local long
	long=/$(printf 'a%.0s' $(seq 4094))
	want OK write "$MNT/release_agent" "$long"
	content_is "$MNT/release_agent" "$long"$'\n'
	want EINVAL write "$MNT/release_agent" "${long}b"
	content_is "$MNT/release_agent" "$long"$'\n'
}

@test "cgroup.sane_behavior reads 0 and refuses writes" {
	content_is "$MNT/cgroup.sane_behavior" $'0\n'
	want EINVAL write "$MNT/cgroup.sane_behavior" '1\n'
	content_is "$MNT/cgroup.sane_behavior" $'0\n'
}

@test "memcgfs.workload takes a known command and refuses an unknown one" {
	want EINVAL write "$MNT/memcgfs.workload" 'no_such_command\n'
	want OK write "$MNT/memcgfs.workload" 'drop_caches\n'
}
