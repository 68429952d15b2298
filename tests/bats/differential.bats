#!/usr/bin/env bats
# Differential tests: the same probes run against the kernel's cgroup v1
# memory controller (in a throw-away child group of /sys/fs/cgroup/memory)
# and against a memcgfs group, and the answers must be the same, except for
# the deliberate deviations listed in DEVIATION below.
#
# Each side has a group pair: TOP (the kernel's $KTOP, memcgfs's $MNT/top)
# and probes name files relative to it, so every path reads the same on
# both sides.

load helpers

KROOT=/sys/fs/cgroup/memory

# Known differences, each checked to be exact: for a listed probe memcgfs
# must answer exactly the value given here and the kernel must answer
# something else, so an entry that stops differing fails the test that owns
# it.  Keys are "TABLE: PROBE" as the probe tables below spell them; values
# are memcgfs's answer in the form the tables print (write status, " / ",
# then the read-back with lines joined by '|').  Reference kernel: 6.18.
SLABINFO_HEADER='slabinfo - version: 2.1|# name            <active_objs> <num_objs> <objsize> <objperslab> <pagesperslab> : tunables <limit> <batchcount> <sharedfactor> : slabdata <active_slabs> <num_slabs> <sharedavail>'
LONG256=$(printf 'y%.0s' $(seq 256))
declare -gA DEVIATION=(
	# memcgfs(8) FILES IN EACH GROUP prints the slabinfo header and one row per cache charged to
	# the group; kernels since 5.9 print nothing in v1's kmem.slabinfo.
	["defaults: r|memory.kmem.slabinfo"]="OK|$SLABINFO_HEADER"
	["access: w|memory.kmem.slabinfo|0"]="EINVAL / OK|$SLABINFO_HEADER"

	# The kernel's memparse silently wraps a value past 2^64 (2^64 -> 0,
	# 10^20 -> 10^20 mod 2^64, 16E -> 0); memcgfs(8) VALUES refuses it with EINVAL.
	["limits: w|memory.limit_in_bytes|18446744073709551616"]="EINVAL / OK|12582912"
	["limits: w|memory.limit_in_bytes|99999999999999999999"]="EINVAL / OK|12582912"
	["limits: w|memory.limit_in_bytes|16E"]="EINVAL / OK|12582912"
	["limits: w|memory.limit_in_bytes|17179869184G"]="EINVAL / OK|12582912"
	["limits: w|memory.soft_limit_in_bytes|18446744073709551616"]="EINVAL / OK|12582912"

	# A whitespace-only write parses as 0 on the kernel (the limit becomes
	# 0); memcgfs(8) VALUES makes "empty after trimming" a no-op success.
	["limits: w|memory.limit_in_bytes| "]="OK / OK|12582912"
	["limits: w|memory.limit_in_bytes|\n"]="OK / OK|12582912"
	["limits: w|memory.soft_limit_in_bytes| "]="OK / OK|12582912"

	# memparse takes a bare suffix as 0 ("M" sets the limit to 0); memcgfs(8) VALUES
	# wants a number before the suffix, anything else EINVAL.
	["limits: w|memory.limit_in_bytes|M"]="EINVAL / OK|12582912"

	# The tcp limit parses as the others, with the same two deviations.
	["tcp: w|memory.kmem.tcp.limit_in_bytes|18446744073709551616"]="EINVAL / OK|12582912"
	["tcp: w|memory.kmem.tcp.limit_in_bytes|16E"]="EINVAL / OK|12582912"
	["tcp: w|memory.kmem.tcp.limit_in_bytes| "]="OK / OK|12582912"
	["tcp: w|memory.kmem.tcp.limit_in_bytes|\n"]="OK / OK|12582912"

	# Kernels since 6.x accept and ignore kmem.limit_in_bytes writes;
	# memcgfs(8) FILES IN EACH GROUP, KERNEL MEMORY keeps the limit on the kmem counter.
	["memsw: w|memory.kmem.limit_in_bytes|1M"]="OK / OK|1048576"

	# kstrtoull reports a value past 2^64 as ERANGE; memcgfs refuses every
	# out-of-range integer with EINVAL (memcgfs(8) FILES IN EACH GROUP: "else EINVAL").
	["settings: w|memory.swappiness|18446744073709551616"]="EINVAL / OK|30"
	["settings: w|memory.oom_control|18446744073709551616"]="EINVAL / OK|oom_kill_disable 1|under_oom 0|oom_kill 0"
	["settings: w|memory.use_hierarchy|18446744073709551616"]="EINVAL / OK|1"
	["settings: w|cgroup.clone_children|18446744073709551616"]="EINVAL / OK|0"
	["settings: w|notify_on_release|18446744073709551616"]="EINVAL / OK|0"

	# New kernels refuse every non-zero move_charge_at_immigrate (the
	# feature is gone); memcgfs(8) FILES IN EACH GROUP keeps it: 0..3.
	["settings: w|memory.move_charge_at_immigrate|1"]="OK / OK|1"
	["settings: w|memory.move_charge_at_immigrate|3"]="OK / OK|3"

	# A child group has no release_agent or cgroup.sane_behavior, so the
	# kernel lets a group take those names; memcgfs(8) DIRECTORIES refuses a name that
	# collides with a control file with EINVAL (an existing name is EEXIST
	# on both).
	["dirops: mkdir|release_agent"]=EINVAL
	["dirops: mkdir|cgroup.sane_behavior"]=EINVAL

	# kernfs takes names of any length; memcgfs(8) DIRECTORIES: ENAMETOOLONG past 255.
	["dirops: mkdir|$LONG256"]=ENAMETOOLONG
	["dirops: rmdir|$LONG256"]=ENAMETOOLONG

	# Creating a file in a cgroup directory is EACCES on the kernel, and
	# renaming a file ENOTDIR; memcgfs(8) DIRECTORIES says EPERM for both.
	["fileops: create|newfile"]=EPERM
	["fileops: rename|tasks|tasks2"]=EPERM
	["fileops: rename|memory.stat|memory.limit_in_bytes"]=EPERM

	# The kernel's cgroupfs keeps user extended attributes; memcgfs(8) DIRECTORIES:
	# ENOTSUP.
	["xattrs: getxattr|."]=ENOTSUP
	["xattrs: listxattr|."]=ENOTSUP
	["xattrs: setxattr|."]=ENOTSUP
	["xattrs: setxattr|tasks"]=ENOTSUP

	# The kernel copies oom_kill_disable and clone_children into a new
	# child; memcgfs(8) DIRECTORIES inherits only swappiness, move_charge_at_immigrate and
	# notify_on_release, everything else starts at 0.
	["inherit: r|child/cgroup.clone_children"]="OK|0"
	["inherit: r|child/memory.oom_control"]="OK|oom_kill_disable 0|under_oom 0|oom_kill 0"
)

# ---- the kernel side ------------------------------------------------------

kernel_memcg_v1() {
	[ -d "$KROOT" ] || return 1
	awk -v d="$KROOT" '
		$2 == d && $3 == "cgroup" {
			n = split($4, o, ",")
			for (i = 1; i <= n; i++)
				if (o[i] == "memory")
					found = 1
		}
		END { exit !found }' /proc/mounts
}

# kernel_cleanup: move every process in our kernel groups back to the
# kernel's root group, kill what the test started, and remove the groups,
# deepest first.  Only ever touches $KTOP and below.
kernel_cleanup() {
	[ -n "${KTOP:-}" ] && [ -d "$KTOP" ] || return 0
	local d p i status=0
	for d in $(find "$KTOP" -depth -type d); do
		for p in $(cat "$d/cgroup.procs" 2>/dev/null); do
			echo "$p" >"$KROOT/cgroup.procs" 2>/dev/null || true
		done
	done
	kill_sleepers
	for d in $(find "$KTOP" -depth -type d); do
		for i in $(seq 1 40); do
			rmdir "$d" 2>/dev/null && break
			sleep 0.05
		done
		if [ -d "$d" ]; then
			echo "could not remove kernel group $d" >&2
			status=1
		fi
	done
	return $status
}

setup() {
	KTOP=
	kernel_memcg_v1 ||
		skip "no cgroup v1 memory controller mounted at $KROOT"
	[ "$(id -u)" = 0 ] || skip "creating kernel cgroups needs root"
	KTOP=$KROOT/memcgfs-diff.$$.$BATS_TEST_NUMBER
	if ! mkdir "$KTOP"; then
		KTOP=
		skip "cannot create a group under $KROOT"
	fi
	mount_memcgfs
	MTOP=$MNT/top
	mkdir "$MTOP"
}

teardown() {
	local status=0
	kernel_cleanup || status=1
	kill_sleepers
	unmount_memcgfs || status=1
	return $status
}

# ---- probes ---------------------------------------------------------------

# The probe language, one probe a line, fields separated by '|':
#   w|FILE|DATA        one write() of DATA (fsprobe escapes), then FILE is
#                      read back if its mode lets its owner read it
#   r|FILE             read FILE
#   m|PATH             mode, size and owner of PATH
#   OP|PATH[|PATH2]    any other fsprobe operation (mkdir, rmdir, rename,
#                      create, otrunc, truncate|PATH|0, setxattr, ...)
#   base|FILE|TARGET|VALUE
#                      from here on, before each `w` of FILE, write VALUE to
#                      TARGET (a reset, so that one probe's effect does not
#                      leak into the next); not a probe itself
# In DATA and VALUE, @PID@ stands for $SLEEPER, @HEXPID@ for it in hex and
# @DEAD@ for a pid no process has.

expand() {
	local s=$1
	s=${s//@PID@/${SLEEPER:-}}
	s=${s//@HEXPID@/$(printf '0x%x' "${SLEEPER:-0}")}
	s=${s//@DEAD@/${DEAD:-}}
	printf '%s' "$s"
}

joined() {
	"$FSPROBE" "$@" | paste -sd'|'
}

owner_readable() {
	[ -f "$1" ] && [ $(( 0$(stat -c %a "$1") & 0400 )) -ne 0 ]
}

# run_probes DIR: run the table on stdin against DIR, print one line per
# probe: "PROBE<TAB>RESULT".
run_probes() {
	local dir=$1 op a b c res pre
	local -A base_target=() base_value=()
	while IFS='|' read -r op a b c; do
		[ -n "$op" ] || continue
		case $op in
		'#'*)
			continue ;;
		base)
			base_target[$a]=$b
			base_value[$a]=$c
			continue ;;
		w)
			pre=
			if [ -n "${base_target[$a]:-}" ]; then
				pre=$(joined write "$dir/${base_target[$a]}" \
					"$(expand "${base_value[$a]}")")
				[ "$pre" = OK ] && pre= || pre="[reset: $pre] "
			fi
			res="$pre$(joined write "$dir/$a" "$(expand "$b")")"
			if owner_readable "$dir/$a"; then
				res="$res / $(joined read "$dir/$a")"
			fi ;;
		r)
			res=$(joined read "$dir/$a") ;;
		m)	# st_size differs on purpose: memcgfs gives the text's
			# length, the kernel 0 (files.bats checks memcgfs's).
			res=$(joined mode "$dir/$a" | sed 's/|\([0-7]*\) [0-9]* /|\1 /') ;;
		*)
			if [ -n "$b" ]; then
				case $b in
				[0-9]*) res=$(joined "$op" "$dir/$a" "$b") ;;
				*) res=$(joined "$op" "$dir/$a" "$dir/$b") ;;
				esac
			else
				res=$(joined "$op" "$dir/$a")
			fi ;;
		esac
		printf '%s\t%s\n' "$op|$a${b:+|$b}${c:+|$c}" "$res"
	done
}

# compare TABLE: run the probes on stdin on both sides and compare, with
# TABLE's deviations.  Reports every mismatch, then fails if any.
compare() {
	local table=$1 probes kres mres
	probes=$(cat)
	kres=$BATS_TEST_TMPDIR/$table.kernel
	mres=$BATS_TEST_TMPDIR/$table.memcgfs
	run_probes "$KTOP" <<<"$probes" >"$kres"
	run_probes "$MTOP" <<<"$probes" >"$mres"
	local label label2 kr mr key bad=0 n=0
	local -A seen=()
	while IFS=$'\t' read -r label kr <&5 && IFS=$'\t' read -r label2 mr <&6; do
		n=$((n + 1))
		key="$table: $label"
		if [ "$label" != "$label2" ]; then
			echo "probe lists out of step: '$label' / '$label2'"
			return 1
		fi
		if [ -n "${DEVIATION[$key]+set}" ]; then
			seen[$key]=1
			if [ "$mr" != "${DEVIATION[$key]}" ]; then
				echo "DEVIATION '$key': memcgfs '$mr', listed '${DEVIATION[$key]}'"
				bad=1
			elif [ "$kr" = "$mr" ]; then
				echo "STALE deviation '$key': kernel now agrees ('$kr')"
				bad=1
			fi
		elif [ "$kr" != "$mr" ]; then
			echo "DIFF '$key'"
			echo "    kernel:  $kr"
			echo "    memcgfs: $mr"
			bad=1
		fi
	done 5<"$kres" 6<"$mres"
	[ "$n" -gt 0 ] && [ "$n" -eq "$(wc -l <"$kres")" ] &&
		[ "$n" -eq "$(wc -l <"$mres")" ] || { echo "result counts differ"; bad=1; }
	for key in "${!DEVIATION[@]}"; do
		if [ "${key%%: *}" = "$table" ] && [ -z "${seen[$key]:-}" ]; then
			echo "deviation '$key' names no probe of this table"
			bad=1
		fi
	done
	return $bad
}

# common_files: the files of a fresh group that both sides have.
common_files() {
	comm -12 <(find "$KTOP" -mindepth 1 -maxdepth 1 -type f -printf '%f\n' | sort) \
		 <(find "$MTOP" -mindepth 1 -maxdepth 1 -type f -printf '%f\n' | sort)
}

# The files of a non-root group, in readdir order (memcgfs(8) FILES IN EACH GROUP).
MAN_FILES="cgroup.clone_children cgroup.event_control cgroup.procs
memory.failcnt memory.force_empty memory.kmem.failcnt
memory.kmem.limit_in_bytes memory.kmem.max_usage_in_bytes
memory.kmem.slabinfo memory.kmem.tcp.failcnt memory.kmem.tcp.limit_in_bytes
memory.kmem.tcp.max_usage_in_bytes memory.kmem.tcp.usage_in_bytes
memory.kmem.usage_in_bytes memory.limit_in_bytes
memory.max_usage_in_bytes memory.memsw.failcnt memory.memsw.limit_in_bytes
memory.memsw.max_usage_in_bytes memory.memsw.usage_in_bytes
memory.move_charge_at_immigrate memory.numa_stat memory.oom_control
memory.pressure_level memory.soft_limit_in_bytes memory.stat memory.swappiness
memory.usage_in_bytes memory.use_hierarchy notify_on_release tasks"

# ---- tests ----------------------------------------------------------------

@test "diff: a group's files: memcgfs has the manual's list, all of them the kernel's" {
	local spec kernel mine
	spec=$(printf '%s\n' $MAN_FILES)
	kernel=$(find "$KTOP" -mindepth 1 -maxdepth 1 -type f -printf '%f\n' | sort)
	mine=$(ls -f "$MTOP" | grep -vx '\.\|\.\.')
	# memcgfs: exactly the manual's files, in its readdir order.
	[ "$mine" = "$spec" ] || { diff <(echo "$spec") <(echo "$mine"); false; }
	# Every one of them is a kernel file too; the kernel may have more
	# (vendor files).
	local missing
	missing=$(comm -23 <(echo "$spec" | sort) <(echo "$kernel"))
	[ -z "$missing" ] || { echo "not on the kernel: $missing"; false; }
	[ "$(common_files | wc -l)" -eq 31 ]
}

@test "diff: modes and owners of the common files and the group" {
	{
		echo "m|."
		common_files | sed 's/^/m|/'
	} | compare modes
}

@test "diff: every common file of a fresh group reads the same" {
	common_files | sed 's/^/r|/' | compare defaults
}

@test "diff: memory.stat and memory.numa_stat keys and zero values" {
	local k m
	k=$(cut -d' ' -f1 "$KTOP/memory.stat")
	m=$(cut -d' ' -f1 "$MTOP/memory.stat")
	[ "$k" = "$m" ] || { diff <(echo "$k") <(echo "$m"); false; }
	[ "$(wc -l <<<"$m")" -eq 42 ]
	k=$(sed 's/=.*//' "$KTOP/memory.numa_stat")
	m=$(sed 's/=.*//' "$MTOP/memory.numa_stat")
	[ "$k" = "$m" ]
	# All zero but the hierarchical limits, which are unlimited.
	! grep -v '^hierarchical_' "$MTOP/memory.stat" | grep -qv ' 0$'
	[ "$(grep '^hierarchical_' "$MTOP/memory.stat")" = "$(grep '^hierarchical_' "$KTOP/memory.stat")" ]
	printf 'r|memory.stat\nr|memory.numa_stat\n' | compare stats
}

@test "diff: memory.limit_in_bytes and soft_limit_in_bytes writes" {
	compare limits <<-'EOF'
	base|memory.limit_in_bytes|memory.limit_in_bytes|12M
	w|memory.limit_in_bytes|1M
	w|memory.limit_in_bytes|1m
	w|memory.limit_in_bytes|2k
	w|memory.limit_in_bytes|2K
	w|memory.limit_in_bytes|1g
	w|memory.limit_in_bytes|1G
	w|memory.limit_in_bytes|1t
	w|memory.limit_in_bytes|1T
	w|memory.limit_in_bytes|1p
	w|memory.limit_in_bytes|1P
	w|memory.limit_in_bytes|1e
	w|memory.limit_in_bytes|7E
	w|memory.limit_in_bytes|8E
	w|memory.limit_in_bytes|4097
	w|memory.limit_in_bytes|4095
	w|memory.limit_in_bytes|0
	w|memory.limit_in_bytes|0x100000
	w|memory.limit_in_bytes|0X100000
	w|memory.limit_in_bytes|0x10k
	w|memory.limit_in_bytes|010000000
	w|memory.limit_in_bytes|-1
	w|memory.limit_in_bytes|-1\n
	w|memory.limit_in_bytes|9223372036854771712
	w|memory.limit_in_bytes|9223372036854775807
	w|memory.limit_in_bytes|18446744073709551615
	w|memory.limit_in_bytes|18446744073709551616
	w|memory.limit_in_bytes|99999999999999999999
	w|memory.limit_in_bytes|16E
	w|memory.limit_in_bytes|17179869184G
	w|memory.limit_in_bytes|
	w|memory.limit_in_bytes| 
	w|memory.limit_in_bytes|\n
	w|memory.limit_in_bytes|  2M  \n
	w|memory.limit_in_bytes|\t3M\n
	w|memory.limit_in_bytes|3M\n\n
	w|memory.limit_in_bytes|1.5M
	w|memory.limit_in_bytes|-2
	w|memory.limit_in_bytes|--1
	w|memory.limit_in_bytes|abc
	w|memory.limit_in_bytes|1M2
	w|memory.limit_in_bytes|1MB
	w|memory.limit_in_bytes|1 M
	w|memory.limit_in_bytes|M
	w|memory.limit_in_bytes|+1M
	w|memory.limit_in_bytes|0x
	w|memory.limit_in_bytes|08
	w|memory.limit_in_bytes|1M\0
	base|memory.soft_limit_in_bytes|memory.soft_limit_in_bytes|12M
	w|memory.soft_limit_in_bytes|1M
	w|memory.soft_limit_in_bytes|4097
	w|memory.soft_limit_in_bytes|0x100000
	w|memory.soft_limit_in_bytes|-1
	w|memory.soft_limit_in_bytes|0
	w|memory.soft_limit_in_bytes|abc
	w|memory.soft_limit_in_bytes|-2
	w|memory.soft_limit_in_bytes|
	w|memory.soft_limit_in_bytes| 
	w|memory.soft_limit_in_bytes|18446744073709551616
	w|memory.soft_limit_in_bytes|8E
	EOF
}

@test "diff: memsw and kmem limit writes" {
	compare memsw <<-'EOF'
	w|memory.limit_in_bytes|1M
	base|memory.memsw.limit_in_bytes|memory.memsw.limit_in_bytes|20M
	w|memory.memsw.limit_in_bytes|2M
	w|memory.memsw.limit_in_bytes|1M
	w|memory.memsw.limit_in_bytes|1048577
	w|memory.memsw.limit_in_bytes|512K
	w|memory.memsw.limit_in_bytes|0
	w|memory.memsw.limit_in_bytes|-1
	w|memory.memsw.limit_in_bytes|abc
	w|memory.memsw.limit_in_bytes|
	w|memory.memsw.limit_in_bytes|18446744073709551616
	w|memory.memsw.limit_in_bytes|8E
	base|memory.limit_in_bytes|memory.limit_in_bytes|1M
	w|memory.limit_in_bytes|8M
	w|memory.limit_in_bytes|20M
	w|memory.limit_in_bytes|21M
	w|memory.limit_in_bytes|-1
	r|memory.memsw.limit_in_bytes
	w|memory.memsw.limit_in_bytes|-1
	w|memory.limit_in_bytes|-1
	w|memory.kmem.limit_in_bytes|abc
	w|memory.kmem.limit_in_bytes|-2
	w|memory.kmem.limit_in_bytes|-1
	w|memory.kmem.limit_in_bytes|
	w|memory.kmem.limit_in_bytes|1M
	EOF
}

@test "diff: memory.kmem.tcp.limit_in_bytes writes" {
	compare tcp <<-'EOF'
	base|memory.kmem.tcp.limit_in_bytes|memory.kmem.tcp.limit_in_bytes|12M
	w|memory.kmem.tcp.limit_in_bytes|1M
	w|memory.kmem.tcp.limit_in_bytes|2k
	w|memory.kmem.tcp.limit_in_bytes|1G
	w|memory.kmem.tcp.limit_in_bytes|1T
	w|memory.kmem.tcp.limit_in_bytes|7E
	w|memory.kmem.tcp.limit_in_bytes|8E
	w|memory.kmem.tcp.limit_in_bytes|4097
	w|memory.kmem.tcp.limit_in_bytes|4095
	w|memory.kmem.tcp.limit_in_bytes|0
	w|memory.kmem.tcp.limit_in_bytes|0x100000
	w|memory.kmem.tcp.limit_in_bytes|010000000
	w|memory.kmem.tcp.limit_in_bytes|-1
	w|memory.kmem.tcp.limit_in_bytes|9223372036854775807
	w|memory.kmem.tcp.limit_in_bytes|18446744073709551615
	w|memory.kmem.tcp.limit_in_bytes|18446744073709551616
	w|memory.kmem.tcp.limit_in_bytes|16E
	w|memory.kmem.tcp.limit_in_bytes|
	w|memory.kmem.tcp.limit_in_bytes| 
	w|memory.kmem.tcp.limit_in_bytes|\n
	w|memory.kmem.tcp.limit_in_bytes|  2M  \n
	w|memory.kmem.tcp.limit_in_bytes|1.5M
	w|memory.kmem.tcp.limit_in_bytes|-2
	w|memory.kmem.tcp.limit_in_bytes|abc
	w|memory.kmem.tcp.limit_in_bytes|1M2
	w|memory.kmem.tcp.limit_in_bytes|1M\0
	EOF
}

@test "diff: integer settings: swappiness, oom_control, use_hierarchy, flags" {
	compare settings <<-'EOF'
	base|memory.swappiness|memory.swappiness|30
	w|memory.swappiness|0
	w|memory.swappiness|100
	w|memory.swappiness|200
	w|memory.swappiness|201
	w|memory.swappiness|-1
	w|memory.swappiness|abc
	w|memory.swappiness|
	w|memory.swappiness| 
	w|memory.swappiness|\n
	w|memory.swappiness|60\n
	w|memory.swappiness|60\n\n
	w|memory.swappiness| 60
	w|memory.swappiness|60 
	w|memory.swappiness|+60
	w|memory.swappiness|0x10
	w|memory.swappiness|010
	w|memory.swappiness|09
	w|memory.swappiness|1k
	w|memory.swappiness|4294967296
	w|memory.swappiness|18446744073709551615
	w|memory.swappiness|18446744073709551616
	base|memory.oom_control|memory.oom_control|1
	w|memory.oom_control|0
	w|memory.oom_control|1
	w|memory.oom_control|2
	w|memory.oom_control|-1
	w|memory.oom_control|abc
	w|memory.oom_control|
	w|memory.oom_control| 
	w|memory.oom_control|0\n
	w|memory.oom_control|0x0
	w|memory.oom_control|4294967296
	w|memory.oom_control|18446744073709551616
	w|memory.use_hierarchy|1
	w|memory.use_hierarchy|0
	w|memory.use_hierarchy|2
	w|memory.use_hierarchy|-1
	w|memory.use_hierarchy|abc
	w|memory.use_hierarchy|
	w|memory.use_hierarchy|1\n
	w|memory.use_hierarchy|18446744073709551616
	base|cgroup.clone_children|cgroup.clone_children|0
	w|cgroup.clone_children|1
	w|cgroup.clone_children|2
	w|cgroup.clone_children|0
	w|cgroup.clone_children|4294967296
	w|cgroup.clone_children|-1
	w|cgroup.clone_children|abc
	w|cgroup.clone_children|
	w|cgroup.clone_children| 
	w|cgroup.clone_children|18446744073709551616
	base|notify_on_release|notify_on_release|0
	w|notify_on_release|1
	w|notify_on_release|7
	w|notify_on_release|0x10
	w|notify_on_release|4294967296
	w|notify_on_release|-1
	w|notify_on_release|abc
	w|notify_on_release|
	w|notify_on_release| 
	w|notify_on_release|18446744073709551616
	w|memory.move_charge_at_immigrate|0
	w|memory.move_charge_at_immigrate|4
	w|memory.move_charge_at_immigrate|-1
	w|memory.move_charge_at_immigrate|abc
	w|memory.move_charge_at_immigrate|
	w|memory.move_charge_at_immigrate|1
	w|memory.move_charge_at_immigrate|3
	EOF
}

@test "diff: counter resets and force_empty" {
	compare resets <<-'EOF'
	w|memory.failcnt|0
	w|memory.failcnt|5
	w|memory.failcnt|abc
	w|memory.failcnt|
	w|memory.kmem.failcnt|7
	w|memory.memsw.failcnt|x
	w|memory.max_usage_in_bytes|0
	w|memory.max_usage_in_bytes|junk
	w|memory.kmem.max_usage_in_bytes|1
	w|memory.memsw.max_usage_in_bytes|-1
	w|memory.kmem.tcp.failcnt|3
	w|memory.kmem.tcp.failcnt|
	w|memory.kmem.tcp.max_usage_in_bytes|0
	w|memory.kmem.tcp.max_usage_in_bytes|junk
	w|memory.force_empty|0
	w|memory.force_empty|1
	w|memory.force_empty|abc
	w|memory.force_empty|
	w|memory.force_empty| 
	EOF
}

@test "diff: tasks and cgroup.procs writes" {
	spawn_sleeper
	# No process ever has pid_max as its pid: a pid that cannot be reused
	# by a stranger between the probes (which would move it on the kernel).
	DEAD=$(cat /proc/sys/kernel/pid_max)
	[ ! -e "/proc/$DEAD" ]
	mkdir "$KTOP/t" "$MTOP/t"
	# The sleeper goes back to TOP before each move into t.
	compare pids <<-'EOF'
	base|t/tasks|cgroup.procs|@PID@
	base|t/cgroup.procs|cgroup.procs|@PID@
	r|t/tasks
	w|t/tasks|abc
	w|t/tasks|-1
	w|t/tasks|
	w|t/tasks| 
	w|t/tasks|\n
	w|t/tasks|1 2
	w|t/tasks|1.0
	w|t/tasks|18446744073709551616
	w|t/tasks|@DEAD@
	w|t/tasks|@HEXPID@
	w|t/tasks|+@PID@
	w|t/tasks|@PID@x
	w|t/tasks|@PID@
	w|t/tasks|@PID@\n
	w|t/tasks| @PID@ \n
	w|t/cgroup.procs|abc
	w|t/cgroup.procs|-1
	w|t/cgroup.procs| 
	w|t/cgroup.procs|@DEAD@
	w|t/cgroup.procs|@HEXPID@
	w|t/cgroup.procs|@PID@
	w|t/cgroup.procs|@PID@\n
	r|tasks
	rmdir|t
	w|cgroup.procs|@PID@
	r|t/cgroup.procs
	rmdir|t
	EOF
}

@test "diff: reading write-only files, writing read-only files" {
	compare access <<-'EOF'
	r|memory.force_empty
	r|cgroup.event_control
	w|cgroup.event_control|1 2 3
	w|memory.usage_in_bytes|0
	w|memory.memsw.usage_in_bytes|0
	w|memory.kmem.usage_in_bytes|0
	w|memory.kmem.tcp.usage_in_bytes|0
	w|memory.stat|0
	w|memory.numa_stat|0
	w|memory.kmem.slabinfo|0
	otrunc|memory.limit_in_bytes
	truncate|memory.limit_in_bytes|0
	otrunc|tasks
	truncate|notify_on_release|0
	r|memory.limit_in_bytes
	EOF
}

@test "diff: mkdir, rmdir and rename" {
	local long255 long256
	long255=$(printf 'x%.0s' $(seq 255))
	long256=$(printf 'y%.0s' $(seq 256))
	compare dirops <<-EOF
	mkdir|a
	mkdir|a
	mkdir|b
	mkdir|a/c
	mkdir|tasks
	mkdir|memory.stat
	mkdir|memory.foo
	rmdir|memory.foo
	mkdir|release_agent
	mkdir|cgroup.sane_behavior
	mkdir|$long255
	rmdir|$long255
	mkdir|$long256
	rmdir|$long256
	mkdir|no/such
	rmdir|a
	rmdir|a/c
	rmdir|a/c
	rmdir|zz
	rmdir|tasks
	unlink|a
	rename|a|d
	rename|d|a
	rename|a|b
	rename|a|b/a
	rename|b|.
	r|tasks
	rmdir|a
	rmdir|b
	EOF
}

@test "diff: creating, removing and renaming files" {
	compare fileops <<-'EOF'
	create|newfile
	create|tasks
	unlink|tasks
	unlink|memory.stat
	mknod|node
	symlink|tasks|link
	link|tasks|tasks2
	rename|tasks|tasks2
	rename|memory.stat|memory.limit_in_bytes
	m|tasks
	EOF
}

@test "diff: extended attributes and statfs" {
	compare xattrs <<-'EOF'
	getxattr|.
	listxattr|.
	setxattr|.
	setxattr|tasks
	statfs|.
	EOF
}

@test "diff: settings a new group inherits from its parent" {
	local f
	for f in "memory.swappiness 30" "notify_on_release 1" \
		"cgroup.clone_children 1" "memory.oom_control 1" \
		"memory.limit_in_bytes 1M" "memory.soft_limit_in_bytes 2M"; do
		set -- $f
		echo "$2" >"$KTOP/$1"
		echo "$2" >"$MTOP/$1"
	done
	mkdir "$KTOP/child" "$MTOP/child"
	# (slabinfo's difference is the defaults table's.)
	common_files | grep -vx 'memory.kmem.slabinfo' | sed 's,^,r|child/,' |
		compare inherit
}
