#!/bin/sh
# Install, with apt-get, the Debian packages memcgfs needs to build and test
# that are not installed yet.  Needs root on a machine without them.
set -eu

PACKAGES="gcc make autoconf automake pkg-config libfuse3-dev fuse3 \
liburcu-dev libcmocka-dev bats util-linux procps psmisc \
crun busybox-static jq"
# The kernel view's real v1 clients (tests/bats/kview.bats).
PACKAGES="$PACKAGES cgroup-tools openjdk-17-jre-headless nodejs"

missing=""
for p in $PACKAGES; do
	dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "ok installed" ||
		missing="$missing $p"
done
[ -z "$missing" ] && exit 0
if [ "$(id -u)" -ne 0 ]; then
	echo "memcgfs: missing packages:$missing (run as root to install them)" >&2
	exit 1
fi
echo "memcgfs: installing$missing"
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
# shellcheck disable=SC2086
apt-get install -y -qq --no-install-recommends $missing >/dev/null
