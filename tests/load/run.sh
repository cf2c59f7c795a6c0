#!/usr/bin/env bash
# Load and soak of a standalone srt-proxy on loopback (make load):
#   tests/load/run.sh [hold|soak|all]
# LOAD_CONNS (10000) connections held at once, LOAD_KIND any of client
# (keep-alive clients whose upstream answered Connection: close: 1 proxy
# fd each, so 10,000 fit a 20,000 limit), http (keep-alive both legs, 2
# fds) and tunnel (CONNECT and SOCKS, 2 fds: a splice pipe only while
# bytes move), all three by default; a soak of SOAK_SECONDS (600;
# LOAD_SHORT=1 makes it 30) with LOAD_CLIENTS (8) clients.  Prints the
# proxy's fds and RSS over time; exits non-zero on a lost byte, an
# unanswered client or growth.
set -u
top=$(cd "$(dirname "$0")/../.." && pwd)
SRT_BIN=${SRT_BIN:-$top/${SRT_BUILD:-build}/bin}
SRT_TESTS=${SRT_TESTS:-$top/tests}
export SRT_BIN SRT_TESTS
. "$SRT_TESTS/load/lib.sh"
what=${1:-all}
secs=${SOAK_SECONDS:-600}
[ "${LOAD_SHORT:-0}" = 1 ] && secs=${SOAK_SECONDS:-30}
d=$(mktemp -d /tmp/srt-load.XXXXXX)
chmod 755 "$d"
UPID= PX_PID=
cleanup() {
	stop "$PX_PID" "$UPID"
	rm -rf "$d"
}
trap cleanup EXIT INT TERM
px_settings "$d/s.json"
python3 "$SRT_TESTS/load/load.py" serve --port-file "$d/up.port" \
    >"$d/up.log" 2>&1 &
UPID=$!
wait_for 10 test -s "$d/up.port" || { echo "upstream did not start"; exit 1; }
up=$(cat "$d/up.port")
# -t is also how long a kept-alive client may wait between requests:
# opening 10,000 of them takes longer than 10 s on a slow machine.
proxy_start "$d" "$d/s.json" -- -t 60 -i 120 ||
    { cat "$d/px.log"; exit 1; }
echo "srt-proxy pid $PX_PID on 127.0.0.1:$PX_PORT, upstream :$up"
rc=0
# Where the proxy's descriptor limit cannot hold LOAD_CONNS (a container
# whose hard RLIMIT_NOFILE root cannot raise), hold what fits and say so;
# LOAD_STRICT=1 makes that a failure instead.
fit=--fit
[ "${LOAD_STRICT:-0}" = 1 ] && fit=
case $what in hold|all)
	for kind in ${LOAD_KIND:-client http tunnel}; do
		python3 "$SRT_TESTS/load/load.py" hold --proxy "$PX_PORT" \
		    --upstream "$up" --pid "$PX_PID" \
		    --n "${LOAD_CONNS:-10000}" --kind "$kind" $fit || rc=1
	done
esac
case $what in soak|all)
	python3 "$SRT_TESTS/load/load.py" soak --proxy "$PX_PORT" \
	    --upstream "$up" --pid "$PX_PID" --seconds "$secs" \
	    --clients "${LOAD_CLIENTS:-8}" || rc=1
esac
kill -0 "$PX_PID" 2>/dev/null || { echo "srt-proxy died"; rc=1; }
grep -Ei 'fatal|sanitizer' "$d/px.log" && rc=1
exit $rc
