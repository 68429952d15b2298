#!/usr/bin/env bats
# Directory and inode operations (memcgfs(8) DIRECTORIES, PERMISSIONS
# for ownership): mkdir, rmdir, rename, the refused file operations, xattrs,
# statfs, truncate, small reads, chmod/chown.

load helpers

UNLIMITED=9223372036854771712

# The files of every group in readdir order (memcgfs(8) FILES IN EACH GROUP).
GROUP_FILES="cgroup.clone_children
cgroup.event_control
cgroup.procs
memory.failcnt
memory.force_empty
memory.kmem.failcnt
memory.kmem.limit_in_bytes
memory.kmem.max_usage_in_bytes
memory.kmem.slabinfo
memory.kmem.tcp.failcnt
memory.kmem.tcp.limit_in_bytes
memory.kmem.tcp.max_usage_in_bytes
memory.kmem.tcp.usage_in_bytes
memory.kmem.usage_in_bytes
memory.limit_in_bytes
memory.max_usage_in_bytes
memory.memsw.failcnt
memory.memsw.limit_in_bytes
memory.memsw.max_usage_in_bytes
memory.memsw.usage_in_bytes
memory.move_charge_at_immigrate
memory.numa_stat
memory.oom_control
memory.pressure_level
memory.soft_limit_in_bytes
memory.stat
memory.swappiness
memory.usage_in_bytes
memory.use_hierarchy
notify_on_release
tasks"

# owner_is PATH UID:GID
owner_is() {
	local got
	got=$(stat -c %u:%g "$1") || return 1
	if [ "$got" != "$2" ]; then
		echo "$1 is owned by $got, expected $2" >&2
		return 1
	fi
}

@test "mkdir creates nested groups, each with the control files" {
	want OK mkdir "$MNT/a"
	want OK mkdir "$MNT/a/b"
	want OK mkdir "$MNT/a/b/c"
	[ -d "$MNT/a/b/c" ]
	[ "$(ls -U1 "$MNT/a/b/c")" = "$GROUP_FILES" ]
	value_is "$MNT/a/b/c/memory.limit_in_bytes" "$UNLIMITED"
	want OK write "$MNT/a/b/c/memory.limit_in_bytes" '1M'
	value_is "$MNT/a/b/c/memory.limit_in_bytes" 1048576
	value_is "$MNT/a/b/memory.limit_in_bytes" "$UNLIMITED"
}

@test "mkdir of an existing group gives EEXIST" {
	mkdir -p "$MNT/a/b"
	want EEXIST mkdir "$MNT/a"
	want EEXIST mkdir "$MNT/a/b"
}

@test "mkdir with the name of a control file in that directory gives EEXIST" {
	mkdir "$MNT/g"
	want EEXIST mkdir "$MNT/g/memory.limit_in_bytes"
	want EEXIST mkdir "$MNT/g/tasks"
	want EEXIST mkdir "$MNT/memory.stat"
	want EEXIST mkdir "$MNT/release_agent"
	want EEXIST mkdir "$MNT/memcgfs.workload"
	[ -f "$MNT/g/tasks" ]
}

@test "mkdir of a name containing a newline gives EINVAL" {
	mkdir "$MNT/g"
	want EINVAL mkdir "$MNT/a"$'\n'"b"
	want EINVAL mkdir "$MNT/g/x"$'\n'
	[ "$(ls -U1 "$MNT/g")" = "$GROUP_FILES" ]
}

@test "mkdir with the name of a root-only control file inside a child gives EINVAL" {
	mkdir "$MNT/g"
	local n
	for n in release_agent cgroup.sane_behavior memcgfs.workload memcgfs.dying; do
		want EINVAL mkdir "$MNT/g/$n"
		[ ! -e "$MNT/g/$n" ]
	done
}

@test "mkdir: a 255-byte name works, 256 bytes gives ENAMETOOLONG" {
	local n255 n256
	n255=$(printf 'n%.0s' $(seq 255))
	n256=${n255}x
	want ENAMETOOLONG mkdir "$MNT/$n256"
	want OK mkdir "$MNT/$n255"
	[ -f "$MNT/$n255/tasks" ]
	want OK rmdir "$MNT/$n255"
	[ ! -e "$MNT/$n255" ]
}

@test "rmdir of a group with a child group gives EBUSY" {
	mkdir -p "$MNT/a/b"
	want EBUSY rmdir "$MNT/a"
	[ -d "$MNT/a/b" ]
	want OK rmdir "$MNT/a/b"
	want OK rmdir "$MNT/a"
	[ ! -e "$MNT/a" ]
}

@test "rmdir of a group with a task gives EBUSY; once empty the name is free at once" {
	mkdir "$MNT/g"
	spawn_sleeper
	want OK write "$MNT/g/memory.limit_in_bytes" '1M'
	want OK write "$MNT/g/memory.swappiness" '10'
	want OK write "$MNT/g/tasks" "$SLEEPER"
	want EBUSY rmdir "$MNT/g"
	value_is "$MNT/g/tasks" "$SLEEPER"
	value_is "$MNT/g/memory.limit_in_bytes" 1048576
	want OK write "$MNT/tasks" "$SLEEPER"
	want OK rmdir "$MNT/g"
	[ ! -e "$MNT/g" ]
	[ -z "$(ls -U1 "$MNT" | grep -x g)" ]
	want OK mkdir "$MNT/g"
	value_is "$MNT/g/memory.limit_in_bytes" "$UNLIMITED"
	value_is "$MNT/g/memory.swappiness" 60
	run cat "$MNT/g/tasks"
	[ -z "$output" ]
}

@test "rename of a group within its parent keeps its values and children" {
	mkdir -p "$MNT/p/a/kid"
	want OK write "$MNT/p/a/memory.limit_in_bytes" '3M'
	want OK write "$MNT/p/a/kid/memory.swappiness" '11'
	want OK rename "$MNT/p/a" "$MNT/p/b"
	[ ! -e "$MNT/p/a" ]
	value_is "$MNT/p/b/memory.limit_in_bytes" 3145728
	value_is "$MNT/p/b/kid/memory.swappiness" 11
	[ "$(stat_value "$MNT/p/b/kid/memory.stat" hierarchical_memory_limit)" = 3145728 ]
	run ls -U1 "$MNT/p"
	[ "${lines[-1]}" = b ]
	# the old name is free again
	want OK mkdir "$MNT/p/a"
	value_is "$MNT/p/a/memory.limit_in_bytes" "$UNLIMITED"
}

@test "rename of a group to another parent gives EIO" {
	mkdir -p "$MNT/a" "$MNT/x/y"
	want OK write "$MNT/a/memory.limit_in_bytes" '2M'
	want EIO rename "$MNT/a" "$MNT/x/a"
	want EIO rename "$MNT/x/y" "$MNT/y"
	[ -d "$MNT/a" ]
	[ -d "$MNT/x/y" ]
	[ ! -e "$MNT/x/a" ]
	[ ! -e "$MNT/y" ]
	value_is "$MNT/a/memory.limit_in_bytes" 2097152
}

@test "rename of a group onto an existing sibling gives EEXIST and changes neither" {
	mkdir "$MNT/a" "$MNT/b"
	want OK write "$MNT/a/memory.limit_in_bytes" '1M'
	want OK write "$MNT/b/memory.limit_in_bytes" '2M'
	want EEXIST rename "$MNT/a" "$MNT/b"
	value_is "$MNT/a/memory.limit_in_bytes" 1048576
	value_is "$MNT/b/memory.limit_in_bytes" 2097152
}

@test "creating files, device nodes, symlinks and links gives EPERM" {
	mkdir "$MNT/g"
	local d
	for d in "$MNT" "$MNT/g"; do
		want EPERM create "$d/newfile"
		want EPERM mknod "$d/null"
		want EPERM symlink /etc/passwd "$d/link"
		want EPERM link "$d/memory.stat" "$d/hard"
			[ ! -e "$d/newfile" ]
		[ ! -e "$d/null" ]
		[ ! -e "$d/hard" ]
		[ ! -L "$d/link" ]
	done
}

@test "unlinking or renaming a control file gives EPERM" {
	mkdir "$MNT/g"
	want EPERM unlink "$MNT/g/memory.stat"
	want EPERM unlink "$MNT/g/tasks"
	want EPERM unlink "$MNT/memory.limit_in_bytes"
	want EPERM rename "$MNT/g/memory.stat" "$MNT/g/stat"
	want EPERM rename "$MNT/g/memory.swappiness" "$MNT/g/memory.stat"
	want EPERM rename "$MNT/release_agent" "$MNT/agent"
	local f
	for f in g/memory.stat g/tasks g/memory.swappiness release_agent; do
		[ -f "$MNT/$f" ]
	done
	[ ! -e "$MNT/g/stat" ]
	[ ! -e "$MNT/agent" ]
	[ "$(ls -U1 "$MNT/g")" = "$GROUP_FILES" ]
}

@test "extended attributes give ENOTSUP" {
	mkdir "$MNT/g"
	local p
	for p in "$MNT" "$MNT/g" "$MNT/g/memory.limit_in_bytes" "$MNT/tasks"; do
		want ENOTSUP setxattr "$p"
		want ENOTSUP getxattr "$p"
		want ENOTSUP listxattr "$p"
	done
}

@test "statfs answers on the root, a group and a file" {
	mkdir "$MNT/g"
	want OK statfs "$MNT"
	want OK statfs "$MNT/g"
	want OK statfs "$MNT/g/memory.stat"
	run stat -f -c %T "$MNT"
	[ "$status" -eq 0 ]
	[ "$output" = fuseblk ] || [ "$output" = fuse ]
}

@test "truncate to 0 and O_TRUNC on writable files are accepted and change nothing" {
	mkdir "$MNT/g"
	want OK write "$MNT/g/memory.limit_in_bytes" '1M'
	want OK write "$MNT/g/memory.swappiness" '33'
	want OK truncate "$MNT/g/memory.limit_in_bytes" 0
	want OK otrunc "$MNT/g/memory.limit_in_bytes"
	want OK truncate "$MNT/g/memory.swappiness" 0
	want OK otrunc "$MNT/g/memory.swappiness"
	want OK otrunc "$MNT/g/memory.failcnt"
	want OK otrunc "$MNT/release_agent"
	value_is "$MNT/g/memory.limit_in_bytes" 1048576
	value_is "$MNT/g/memory.swappiness" 33
	value_is "$MNT/g/memory.failcnt" 0
	# the shell's `echo >` opens with O_TRUNC and then writes
	echo 2M >"$MNT/g/memory.limit_in_bytes"
	value_is "$MNT/g/memory.limit_in_bytes" 2097152
}

@test "a read with a 1-byte buffer returns the whole value" {
	mkdir "$MNT/g"
	spawn_sleeper
	want OK write "$MNT/g/tasks" "$SLEEPER"
	want OK write "$MNT/g/memory.limit_in_bytes" '5M'
	local f small big
	for f in memory.stat memory.oom_control memory.limit_in_bytes \
		memory.numa_stat memory.kmem.slabinfo tasks cgroup.procs; do
		big=$(probe read "$MNT/g/$f")
		small=$(probe read "$MNT/g/$f" 1)
		[ "$small" = "$big" ]
		[ "${small%%$'\n'*}" = OK ]
	done
	[ "$(probe read "$MNT/g/memory.limit_in_bytes" 1)" = $'OK\n5242880' ]
	[ "$(probe read "$MNT/g/tasks" 3)" = "OK"$'\n'"$SLEEPER" ]
}

@test "a read through a descriptor opened before a change sees the change" {
	mkdir "$MNT/g"
	want OK write "$MNT/g/memory.limit_in_bytes" '1M'
	local fd
	exec {fd}<"$MNT/g/memory.limit_in_bytes"
	want OK write "$MNT/g/memory.limit_in_bytes" '2M'
	run cat <&"$fd"
	exec {fd}<&-
	[ "$output" = 2097152 ]	# as the kernel: values render at read
	value_is "$MNT/g/memory.limit_in_bytes" 2097152
}

@test "chmod and chown of a group and of its files are reflected in stat" {
	mkdir "$MNT/g"
	chmod 0700 "$MNT/g"
	[ "$(stat -c %a "$MNT/g")" = 700 ]
	chown 1000:1001 "$MNT/g"
	owner_is "$MNT/g" 1000:1001
	chmod 0664 "$MNT/g/tasks"
	chown 1002:1003 "$MNT/g/tasks"
	[ "$(probe mode "$MNT/g/tasks")" = $'OK\n664 0 1002 1003' ]
	chmod 0600 "$MNT/g/memory.limit_in_bytes"
	[ "$(stat -c %a "$MNT/g/memory.limit_in_bytes")" = 600 ]
	# the other files keep their own mode and owner
	[ "$(probe mode "$MNT/g/cgroup.procs")" = $'OK\n644 0 0 0' ]
	# and the values still work
	want OK write "$MNT/g/memory.limit_in_bytes" '1M'
	value_is "$MNT/g/memory.limit_in_bytes" 1048576
}

@test "chown of the root and its files works" {
	chown 1000:1000 "$MNT/memory.swappiness"
	owner_is "$MNT/memory.swappiness" 1000:1000
	chmod 0640 "$MNT/memory.swappiness"
	[ "$(stat -c %a "$MNT/memory.swappiness")" = 640 ]
}

@test "a new group is its creator's (fsuid and fsgid), not its parent's owner's" {
	mkdir "$MNT/p"
	chown 65534:65534 "$MNT/p"
	# root creates in a group root gave away: root's, as cgroup_kn_set_ugid
	mkdir "$MNT/p/c"
	owner_is "$MNT/p/c" 0:0
	local f
	for f in $GROUP_FILES; do
		owner_is "$MNT/p/c/$f" 0:0
	done
	# the owner creates: the creator's uid and gid
	(cd "$MNT/p" && setpriv --reuid=65534 --regid=65534 --clear-groups mkdir d)
	owner_is "$MNT/p/d" 65534:65534
	owner_is "$MNT/p/d/tasks" 65534:65534
	mkdir "$MNT/q"
	owner_is "$MNT/q" 0:0
	owner_is "$MNT/q/tasks" 0:0
}

@test "a directory with children lists them after the control files; nlink counts them" {
	mkdir -p "$MNT/p/c1" "$MNT/p/c2" "$MNT/p/c3"
	run ls -U1 "$MNT/p"
	[ "$status" -eq 0 ]
	local n
	n=$(echo "$GROUP_FILES" | wc -l)
	[ "${#lines[@]}" -eq $((n + 3)) ]
	[ "$(printf '%s\n' "${lines[@]:0:n}")" = "$GROUP_FILES" ]
	[ "$(printf '%s\n' "${lines[@]:n}" | sort)" = $'c1\nc2\nc3' ]
	[ "$(stat -c %h "$MNT/p")" -eq 5 ]
	[ "$(stat -c %h "$MNT/p/c1")" -eq 2 ]
	[ "$(stat -c %h "$MNT")" -eq 3 ]
	rmdir "$MNT/p/c2"
	[ "$(stat -c %h "$MNT/p")" -eq 4 ]
	run ls -U1 "$MNT"
	[ "${lines[-1]}" = p ]
}
