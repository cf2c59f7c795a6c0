# Shared setup for the proxy suites: python upstreams (IPv4, IPv6), a test
# hosts file, a settings file, and one srt-proxy on 127.0.0.1:0 and [::1]:0.
PY=$SRT_TESTS/proxy

# wait_for SECONDS CMD...: poll until CMD succeeds.
wait_for() {
	local t=$1 i
	shift
	for ((i = 0; i < t * 20; i++)); do
		"$@" 2>/dev/null && return 0
		sleep 0.05
	done
	return 1
}

hex() {
	printf "$1" | od -An -tx1 | tr -d ' \n'
}

sha() {
	sha256sum "$1" | cut -d' ' -f1
}

# The upstream's /bytes/N body is a fixed pattern.
expected_sha() {
	python3 -c 'import hashlib,sys; n=int(sys.argv[1]); p=bytes(range(256))*4096
b=(p*(n//len(p)+1))[:n]; print(hashlib.sha256(b).hexdigest())' "$1"
}

free_port() {
	python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'
}

start_upstream() {
	local host=$1 file=$2
	python3 "$PY/upstream.py" --host "$host" --port-file "$file" \
	    </dev/null >/dev/null 2>&1 &
	echo $! >"$file.pid"
	wait_for 10 test -s "$file"
}

write_settings() {
	cat >"$1" <<JSON
{"network": {
  "allowedDomains": ["*.example.com", "localhost", "127.0.0.1:$UP",
    "[::1]:$UP6", "lit.test.org", "meta.test.org", "listed.test.org",
    "denylit.test.org", "azure.test.org"],
  "deniedDomains": ["bad.example.com", "127.0.0.2"],
  "deniedDomainReasons": {"bad.example.com": "use good.example.com instead"},
  "deniedResolvedAddresses": ["10.0.0.0/8"]
}}
JSON
}

write_hosts() {
	cat >"$1" <<HOSTS
127.0.0.1 localhost up.example.com lit.test.org
169.254.169.254 meta.test.org
10.9.9.9 listed.test.org
127.0.0.2 denylit.test.org
168.63.129.16 azure.test.org
::ffff:127.0.0.1 mapped.example.com
HOSTS
}

# start_proxy LOG ARGS...: start srt-proxy; sets PROXY_PID, PORT, PORT6.
start_proxy() {
	local log=$1
	shift
	"$SRT_BIN/srt-proxy" -d "$@" 2>"$log" &
	PROXY_PID=$!
	wait_for 10 grep -q 'listening on 127.0.0.1:' "$log" || {
		cat "$log" >&2
		return 1
	}
	PORT=$(sed -n 's/.*listening on 127\.0\.0\.1:\([0-9]*\).*/\1/p' "$log" | head -1)
	PORT6=$(sed -n 's/.*listening on \[::1\]:\([0-9]*\).*/\1/p' "$log" | head -1)
}

stop_pid() {
	local pid=$1
	[ -n "$pid" ] || return 0
	kill "$pid" 2>/dev/null || return 0
	wait_for 5 sh -c "! kill -0 $pid" || kill -9 "$pid" 2>/dev/null
	wait "$pid" 2>/dev/null || true
}

proxy_setup_file() {
	export PY
	D=$BATS_FILE_TMPDIR
	start_upstream 127.0.0.1 "$D/up.port"
	start_upstream ::1 "$D/up6.port"
	UP=$(cat "$D/up.port") UP6=$(cat "$D/up6.port") CLOSED=$(free_port)
	write_settings "$D/settings.json"
	write_hosts "$D/hosts"
	start_proxy "$D/proxy.log" -s "$D/settings.json" -H "$D/hosts" \
	    -l 127.0.0.1:0 -l '[::1]:0'
	export D UP UP6 CLOSED PORT PORT6 PROXY_PID
}

proxy_teardown_file() {
	stop_pid "$PROXY_PID"
	stop_pid "$(cat "$D/up.port.pid" 2>/dev/null)"
	stop_pid "$(cat "$D/up6.port.pid" 2>/dev/null)"
}

still_serving() {
	run curl -sS -o /dev/null -w '%{http_code}' -x "http://127.0.0.1:$PORT" \
	    "http://127.0.0.1:$UP/bytes/10"
	[ "$output" = "200" ]
	kill -0 "$PROXY_PID"
}
