#!/bin/sh
# Install the Debian packages srt needs to build, test and benchmark, if
# missing.
# Says what it runs; needs root (or sudo) only when something is missing.
set -eu
BUILD="gcc make pkg-config libseccomp-dev libyajl-dev libbsd-dev libevent-dev libssl-dev"
TEST="bats curl python3 mandoc iproute2 util-linux procps psmisc openssl git rsyslog"
FUZZ="clang libclang-rt-14-dev valgrind"
# The baseline `make bench` measures srt's start-up against; srt itself
# never runs it.
BENCH="bubblewrap"
want=""
for p in $BUILD $TEST $FUZZ $BENCH ${SRT_EXTRA_DEPS:-}; do
	dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'ok installed' ||
	    want="$want $p"
done
if [ -z "$want" ]; then
	echo "install-deps: all packages present"
	exit 0
fi
sudo=""
[ "$(id -u)" -eq 0 ] || sudo="sudo"
echo "install-deps: $sudo apt-get update"
$sudo apt-get update -qq
echo "install-deps: $sudo apt-get install -y$want"
DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends $want
