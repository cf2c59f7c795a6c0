#!/bin/sh
# Link build/tests/srt-proxy-unconfined: srt-proxy's objects with the
# do-nothing confine() of tests/load/noconfine.c, for valgrind (which
# cannot run seccomp(2) or Landlock).  Run `make` first.  Prints the path.
# valgrind_proxy.bats uses it through SRT_PROXY_VALGRIND=PATH.
set -eu
top=$(cd "$(dirname "$0")/../.." && pwd)
b=${SRT_BUILD:-build}
cd "$top"
pk="libseccomp yajl libbsd-overlay libevent libevent_openssl openssl"
out=$b/tests/srt-proxy-unconfined
mkdir -p "$b/tests"
# shellcheck disable=SC2046
${CC:-cc} -std=gnu11 -O1 -g -D_GNU_SOURCE -I. $(pkg-config --cflags $pk) \
    -o "$out" "$b"/srt-proxy/*.o tests/load/noconfine.c \
    "$b/libpolicy.a" "$b/libcommon.a" $(pkg-config --libs $pk)
echo "$top/$out"
