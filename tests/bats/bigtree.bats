#!/usr/bin/env bats
# Trees as large as a delegated user can make them: a chain of 200,000
# nested groups and 100,000 siblings.  The daemon must answer every user
# throughout (every walk of the tree is iterative, lookups are hashed),
# show the charges made at the bottom in the totals at the top, remove it
# all and unmount cleanly (status 0: no sanitizer report, no leak).

load helpers

: "${TREEBUILD:=$PWD/tests/tools/treebuild}"
NOBODY=65534
DEPTH=200000
WIDTH=100000

# as_nobody CMD...: run CMD as uid/gid 65534 from the mount's root.
as_nobody() {
	(cd "$MNT" && LC_ALL=C setpriv --reuid=$NOBODY --regid=$NOBODY \
		--clear-groups "$@")
}

# stat_of GROUP KEY: KEY's value in the memory.stat of GROUP (relative to
# the mount), read as nobody: the file is world-readable.
stat_of() {
	as_nobody awk -v k="$2" '$1 == k { print $2 }' "$1/memory.stat"
}

teardown() {
	[ -n "${GO:-}" ] && touch "$GO/go"
	[ -n "${BUILDER:-}" ] && wait "$BUILDER" 2>/dev/null
	unmount_memcgfs
	[ -n "${GO:-}" ] && rm -rf "$GO"
	return 0
}

@test "a delegated user's 200,000-level chain: charged at the bottom, read at the top, removed, unmounted" {
	mkdir "$MNT/g"
	chown $NOBODY:0 "$MNT/g"
	GO=$(mktemp -d)
	chmod 755 "$GO"
	out="$BATS_TEST_TMPDIR/treebuild.out"
	# At the bottom: a shell moves itself into the deepest group and
	# waits until the checks below are done.
	as_nobody "$TREEBUILD" chain g $DEPTH sh -c \
		"echo \$\$ > tasks && echo moved \$\$ && while [ ! -e $GO/go ]; do sleep 0.1; done" \
		>"$out" 2>&1 &
	BUILDER=$!
	eventually 600 grep -q '^moved' "$out"
	[ "$(head -n 1 "$out")" = "built $DEPTH" ]
	pid=$(awk '$1 == "moved" { print $2 }' "$out")
	echo "anon $pid 4M" >"$MNT/memcgfs.workload"
	# The subtree totals at the top hold the charge 200,000 levels down.
	[ "$(stat_of g total_rss)" = 4194304 ]
	[ "$(stat_of g rss)" = 0 ]
	[ "$(cat "$MNT/g/memory.usage_in_bytes")" = 4194304 ]
	[ "$(stat_of . total_rss)" = 4194304 ]
	[ "$(cat "$MNT/g/cgroup.procs")" = "" ]
	touch "$GO/go"
	wait "$BUILDER"
	BUILDER=
	[ "$(tail -n 1 "$out")" = "removed $DEPTH" ]
	# All of it gone, the charge with the shell that held it.
	[ ! -e "$MNT/g/d" ]
	[ "$(stat_of g total_rss)" = 0 ]
	[ "$(cat "$MNT/g/memory.usage_in_bytes")" = 0 ]
	content_is "$MNT/memcgfs.dying" ''
	kill -0 "$DAEMON_PID"
}

@test "100,000 sibling groups: made, found, listed, renamed and removed" {
	mkdir "$MNT/g"
	chown $NOBODY:0 "$MNT/g"
	run as_nobody "$TREEBUILD" wide g $WIDTH
	[ "$status" -eq 0 ]
	[ "$output" = $WIDTH ]
	# The listing resumes where each readdir call stopped: every group
	# once, in creation order.
	[ "$(find "$MNT/g" -mindepth 1 -maxdepth 1 -type d | wc -l)" = $WIDTH ]
	[ "$(ls -U "$MNT/g" | grep '^g' | head -n 3 | tr '\n' ' ')" = "g1 g2 g3 " ]
	[ "$(stat -c %h "$MNT/g")" = $((WIDTH + 2)) ]
	want EEXIST mkdir "$MNT/g/g50000"
	mv "$MNT/g/g77777" "$MNT/g/renamed"
	[ ! -e "$MNT/g/g77777" ]
	[ -d "$MNT/g/renamed" ]
	mv "$MNT/g/renamed" "$MNT/g/g77777"
	[ "$(stat_of g/g99999 total_rss)" = 0 ]
	run as_nobody "$TREEBUILD" unwide g $WIDTH
	[ "$status" -eq 0 ]
	[ "$(find "$MNT/g" -mindepth 1 -maxdepth 1 -type d | wc -l)" = 0 ]
	[ "$(stat -c %h "$MNT/g")" = 2 ]
	kill -0 "$DAEMON_PID"
}
