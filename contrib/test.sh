#!/bin/sh
# The whole test suite from scratch: install what is missing, build in a
# fresh directory with warnings as errors, run `make check` (unit, Bats
# end-to-end, fuzz smoke), and end with the line "N passed, N failed,
# N skipped".  Exit status 0 only if nothing failed.
#
#   contrib/test.sh                  the README's test command
#   contrib/test.sh --sanitizers     the same under ASan+UBSan
#   contrib/test.sh --tsan           unit, stress, freshness, readers, events,
#                                    restart tests under TSan
#   contrib/test.sh --distcheck      `make distcheck`: the tarball builds
#                                    out of tree and its suites pass
#
# BUILD_DIR overrides where it builds (default build-test, build-asan,
# build-tsan or build-distcheck).
set -eu
top=$(cd "$(dirname "$0")/.." && pwd)
cd "$top"

flags="--enable-werror"
build=${BUILD_DIR:-$top/build-test}
target=check
case "${1:-}" in
--sanitizers)
	flags="$flags --enable-sanitizers=address,undefined"
	build=${BUILD_DIR:-$top/build-asan}
	;;
--tsan)
	flags="$flags --enable-sanitizers=thread"
	build=${BUILD_DIR:-$top/build-tsan}
	target=check-tsan
	;;
--distcheck)
	build=${BUILD_DIR:-$top/build-distcheck}
	target=distcheck
	;;
esac

# Say what failed, from the test logs under $1.
say_failures() {
	grep -h -E "^(not ok|# )" $(find "$1" -name '*.log' ! -name test-suite.log) \
		2>/dev/null | grep -v "^# ok" | grep -B1 -A6 "^not ok" | head -200 || true
}

"$top/contrib/deps.sh"
[ -x "$top/configure" ] || "$top/autogen.sh" >/dev/null 2>&1
rm -rf "$build"
mkdir -p "$build"
cd "$build"
# shellcheck disable=SC2086
"$top/configure" -q $flags
jobs=$(nproc 2>/dev/null || echo 2)
if ! make -s -j"$jobs" >build.log 2>&1; then
	cat build.log
	echo "0 passed, 1 failed, 0 skipped"
	exit 1
fi
if [ "$target" = distcheck ]; then
	# The tarball's build tree is gone once distcheck passes: count from
	# the summaries its make check printed.
	rc=0
	make -j"$jobs" distcheck DISTCHECK_CONFIGURE_FLAGS="$flags" \
		>distcheck.log 2>&1 || rc=$?
	sum() {
		sed -n "s/^# $1: *//p" distcheck.log | awk '{ n += $1 } END { print n + 0 }'
	}
	pass=$(sum PASS)
	fail=$(( $(sum FAIL) + $(sum ERROR) + $(sum XPASS) ))
	skip=$(sum SKIP)
	if [ "$rc" -ne 0 ] || [ "$pass" -eq 0 ]; then
		tail -n 40 distcheck.log
		# A failed distcheck leaves its tree behind.
		say_failures .
		[ "$fail" -eq 0 ] && fail=1
	fi
	echo "$pass passed, $fail failed, $skip skipped"
	[ "$fail" -eq 0 ]
	exit
fi
make -s -j"$jobs" "$target" >/dev/null 2>&1 || true

# Count TAP results over every test log (automake's .trs files).
count() {
	cat $(find . -name '*.trs') 2>/dev/null | grep -c "^:test-result: $1" || true
}
pass=$(count PASS)
fail=$(( $(count FAIL) + $(count ERROR) + $(count XPASS) ))
skip=$(count SKIP)
if [ "$fail" -ne 0 ] || [ "$pass" -eq 0 ]; then
	say_failures .
	[ "$pass" -eq 0 ] && fail=$((fail + 1))
fi
echo "$pass passed, $fail failed, $skip skipped"
[ "$fail" -eq 0 ]
