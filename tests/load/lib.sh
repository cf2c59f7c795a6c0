# Shell helpers for the suites that drive a standalone srt-proxy
# (badinput_proxy.bats, valgrind_proxy.bats, tests/load/run.sh).
# Needs SRT_BIN and SRT_TESTS (or SRT_TOP for tests/load/run.sh).

# wait_for SECONDS CMD...: poll CMD every 0.1 s until it succeeds.
wait_for() {
	local n=$(($1 * 10))
	shift
	while [ "$n" -gt 0 ]; do
		"$@" 2>/dev/null && return 0
		sleep 0.1
		n=$((n - 1))
	done
	return 1
}

# px_settings FILE: allow the loopback upstream, deny denied.test.
px_settings() {
	cat >"$1" <<'JSON'
{
 "network": {
  "allowedDomains": ["localhost", "127.0.0.1"],
  "deniedDomains": ["denied.test"]
 }
}
JSON
}

# upstream_start DIR: tests/proxy/upstream.py on loopback; sets UP_PID
# and UP_PORT.
upstream_start() {
	local d=$1
	rm -f "$d/up.port"
	python3 "$SRT_TESTS/proxy/upstream.py" --host 127.0.0.1 --port 0 \
	    --port-file "$d/up.port" >"$d/up.log" 2>&1 &
	UP_PID=$!
	wait_for 10 test -s "$d/up.port" || return 1
	UP_PORT=$(cat "$d/up.port")
}

_px_port() {
	PX_PORT=$(sed -n 's/.*listening on 127\.0\.0\.1:\([0-9]*\).*/\1/p' \
	    "$1" | head -1)
	[ -n "$PX_PORT" ]
}

# proxy_start DIR SETTINGS [WRAPPER...] -- [PROXY ARGS...]: srt-proxy on
# an ephemeral loopback port, its stderr in DIR/px.log; sets PX_PID (the
# wrapper's, e.g. valgrind's, which is the proxy's) and PX_PORT.
proxy_start() {
	local d=$1 s=$2 wrap=()
	shift 2
	while [ $# -gt 0 ] && [ "$1" != -- ]; do
		wrap+=("$1")
		shift
	done
	[ "${1:-}" = -- ] && shift
	"${wrap[@]}" "$SRT_BIN/srt-proxy" -s "$s" -l 127.0.0.1:0 "$@" \
	    2>"$d/px.log" &
	PX_PID=$!
	wait_for 60 _px_port "$d/px.log"
}

# stop PID...: SIGTERM, then SIGKILL after 10 s; reaps.
stop() {
	local p
	for p in "$@"; do
		[ -n "$p" ] || continue
		kill -TERM "$p" 2>/dev/null || continue
		wait_for 10 sh -c "! kill -0 $p" || kill -KILL "$p" 2>/dev/null
		wait "$p" 2>/dev/null || true
	done
}
