#!/usr/bin/env bats
# srt-proxy operations: SIGHUP reload, SIGTERM, timeouts, privilege drop,
# confinement, service mode over fds 3/4/5.
# srt-run-as: both

load proxy_helpers

setup() {
	export PY
	D=$BATS_TEST_TMPDIR
	chmod 755 "$D"
	start_upstream 127.0.0.1 "$D/up.port"
	UP=$(cat "$D/up.port")
	UPPID=$(cat "$D/up.port.pid")
	printf '{"network":{"allowedDomains":["127.0.0.1:%s"]}}\n' "$UP" \
	    >"$D/settings.json"
	chmod 644 "$D/settings.json"
	PROXY_PID= EXTRA_PID= SLOW_PIDS=()
}

teardown() {
	local p
	for p in "${SLOW_PIDS[@]}"; do stop_pid "$p"; done
	stop_pid "$EXTRA_PID"
	stop_pid "$PROXY_PID"
	stop_pid "$UPPID"
}

code() {
	curl -s -o /dev/null -w '%{http_code}' -x "http://127.0.0.1:$PORT" "$1"
}

@test "SIGHUP: a good file replaces the policy, a bad one keeps it" {
	# The dropped-to user must reach the file: a world-readable directory.
	R=$(mktemp -d /tmp/srt-proxy-reload.XXXXXX)
	chmod 755 "$R"
	mv "$D/settings.json" "$R/settings.json"
	D=$R
	start_proxy "$D/log" -s "$D/settings.json" -l 127.0.0.1:0
	[ "$(code "http://127.0.0.1:$UP/bytes/1")" = 200 ]
	printf '{"network":{"allowedDomains":["only.example.org"]}}\n' \
	    >"$D/settings.json.new"
	mv "$D/settings.json.new" "$D/settings.json"
	kill -HUP "$PROXY_PID"
	wait_for 5 grep -q 'reloaded' "$D/log"
	[ "$(code "http://127.0.0.1:$UP/bytes/1")" = 403 ]
	printf '{"network":{"allowedDomains":["127.0.0.1:%s"]}}\n' "$UP" \
	    >"$D/settings.json"
	kill -HUP "$PROXY_PID"
	wait_for 5 sh -c "[ \$(grep -c reloaded '$D/log') -ge 2 ]"
	[ "$(code "http://127.0.0.1:$UP/bytes/1")" = 200 ]
	echo '{"network": {"allowedDomains": [' >"$D/settings.json"
	kill -HUP "$PROXY_PID"
	wait_for 5 grep -q 'keeping the old policy' "$D/log"
	[ "$(code "http://127.0.0.1:$UP/bytes/1")" = 200 ]
	kill -0 "$PROXY_PID"
	stop_pid "$PROXY_PID"
	PROXY_PID=
	rm -rf "$R"
}

@test "an invalid settings file at start is an error (125)" {
	echo '{"network": {"allowedDomains": "x"}}' >"$D/bad.json"
	run "$SRT_BIN/srt-proxy" -s "$D/bad.json" -l 127.0.0.1:0
	[ "$status" -eq 125 ]
	[[ "$output" == *"bad.json"* ]]
}

@test "no -l and no -P: usage error" {
	run "$SRT_BIN/srt-proxy"
	[ "$status" -eq 125 ]
}

@test "SIGTERM: the proxy exits" {
	start_proxy "$D/log" -s "$D/settings.json" -l 127.0.0.1:0
	kill -TERM "$PROXY_PID"
	wait_for 12 sh -c "! kill -0 $PROXY_PID"
	wait "$PROXY_PID"
	PROXY_PID=
}

@test "a slow client is timed out (-t), others are served meanwhile" {
	start_proxy "$D/log" -s "$D/settings.json" -t 1 -l 127.0.0.1:0
	python3 "$PY/client.py" slowhead "$PORT" >"$D/slow" &
	slow=$!
	[ "$(code "http://127.0.0.1:$UP/bytes/1")" = 200 ]
	wait "$slow"
	run cat "$D/slow"
	[[ "$output" == *"HTTP/1.1 408 Request Timeout"* ]]
	secs=$(echo "$output" | sed -n 's/after \([0-9]*\)\..*/\1/p')
	[ "$secs" -lt 4 ]
}

@test "connection limit (-c): excess clients are refused, not queued" {
	start_proxy "$D/log" -s "$D/settings.json" -c 2 -l 127.0.0.1:0
	python3 "$PY/client.py" slowhead "$PORT" >/dev/null &
	a=$!
	python3 "$PY/client.py" slowhead "$PORT" >/dev/null &
	b=$!
	# Both slow clients hold their slots before the third comes: on a
	# loaded machine python may start after the third connected.
	wait_for 20 sh -c "[ \$(ss -Htn state established '( sport = :$PORT )' | wc -l) -ge 2 ]"
	run python3 "$PY/client.py" raw "$PORT" 47
	wait_for 5 grep -q 'connection limit' "$D/log"
	[ "$(ss -Htn state established "( sport = :$PORT )" | wc -l)" -eq 2 ]
	kill "$a" "$b" 2>/dev/null || true
	wait "$a" "$b" 2>/dev/null || true
}

@test "as root: the proxy runs as nobody afterwards and is confined" {
	[ "$(id -u)" -eq 0 ] || skip "needs root"
	start_proxy "$D/log" -s "$D/settings.json" -l 127.0.0.1:0
	uid=$(awk '/^Uid:/ { print $2 $3 $4 $5 }' "/proc/$PROXY_PID/status")
	n=$(id -u nobody)
	[ "$uid" = "$n$n$n$n" ]
	grep -q '^Seccomp:[[:space:]]*2' "/proc/$PROXY_PID/status"
	grep -q '^NoNewPrivs:[[:space:]]*1' "/proc/$PROXY_PID/status"
	[ "$(code "http://127.0.0.1:$UP/bytes/1")" = 200 ]
}

@test "-u names the user to drop to" {
	[ "$(id -u)" -eq 0 ] || skip "needs root"
	start_proxy "$D/log" -s "$D/settings.json" -u srt-test -l 127.0.0.1:0
	uid=$(awk '/^Uid:/ { print $2 }' "/proc/$PROXY_PID/status")
	[ "$uid" = "$(id -u srt-test)" ]
}

@test "unprivileged: still confined with seccomp" {
	[ "$(id -u)" -ne 0 ] || skip "runs as the unprivileged user"
	start_proxy "$D/log" -s "$D/settings.json" -l 127.0.0.1:0
	grep -q '^Seccomp:[[:space:]]*2' "/proc/$PROXY_PID/status"
	[ "$(code "http://127.0.0.1:$UP/bytes/1")" = 200 ]
}

# unix_get SOCKET: the status line of one forwarded GET over a unix listener.
unix_get() {
	python3 -c 'import socket, sys
s = socket.socket(socket.AF_UNIX)
s.connect(sys.argv[1])
s.sendall(("GET http://127.0.0.1:%s/bytes/1 HTTP/1.1\r\nHost: x\r\n\r\n" % sys.argv[2]).encode())
print(s.recv(100).split(b"\r\n")[0].decode())' "$1" "$UP"
}

# cc_of FILTER: the congestion control of the first established TCP
# socket ss shows for FILTER (the first word of its -i line).
cc_of() {
	ss -Htin state established "$1" | awk '/^[ \t]/ { print $1; exit }'
}

has_cc() {
	[ -n "$(cc_of "$1")" ]
}

# slow_get ADDR:PORT: a long download through the proxy there, held open.
slow_get() {
	curl -s -o /dev/null --limit-rate 20k -p -x "http://$1" \
	    "http://127.0.0.1:$UP/bytes/100000000" &
	SLOW_PIDS+=($!)
}

# Meaningful where the host's default paces (bbr, as on the CI machine);
# elsewhere every line holds trivially.
@test "loopback legs are not paced; a client on another address gets the host's congestion control" {
	host_cc=$(cat /proc/sys/net/ipv4/tcp_congestion_control)
	other=$(ip -o -4 addr show scope global |
	    awk '{ sub("/.*", "", $4); print $4; exit }')
	args=(-l 127.0.0.1:0)
	[ -z "$other" ] || args+=(-l "$other:0")
	start_proxy "$D/log" -s "$D/settings.json" "${args[@]}"
	slow_get "127.0.0.1:$PORT"
	wait_for 10 has_cc "( sport = :$PORT )"
	wait_for 10 has_cc "( dport = :$UP )"
	run cc_of "( sport = :$PORT )"
	echo "client leg: $output (host: $host_cc)"
	[[ "$output" = cubic || "$output" = reno ]]
	run cc_of "( dport = :$UP )"
	echo "upstream leg: $output"
	[[ "$output" = cubic || "$output" = reno ]]
	[ -n "$other" ] || skip "no global IPv4 address for the other listener"
	oport=$(sed -n "s/.*listening on $other:\([0-9]*\).*/\1/p" "$D/log")
	slow_get "$other:$oport"
	wait_for 10 has_cc "( sport = :$oport )"
	run cc_of "( sport = :$oport )"
	echo "client on $other: $output"
	[ "$output" = "$host_cc" ]
}

@test "unix listener" {
	start_proxy "$D/log" -s "$D/settings.json" -l 127.0.0.1:0 \
	    -l "unix:$D/px.sock"
	run unix_get "$D/px.sock"
	[ "$output" = "HTTP/1.1 200 OK" ]
}

@test "unix listener: a setup that fails after bind leaves no socket file, nor removes another's" {
	# A later -l that cannot listen, and a monitor that is not there.
	run "$SRT_BIN/srt-proxy" -s "$D/settings.json" -l "unix:$D/px.sock" \
	    -l 256.1.1.1:5
	[ "$status" -eq 125 ]
	[[ "$output" == *"listening on unix:$D/px.sock"* ]]
	[ ! -e "$D/px.sock" ]
	run "$SRT_BIN/srt-proxy" -s "$D/settings.json" -l "unix:$D/px.sock" \
	    -m "$D/no-monitor.sock"
	[ "$status" -eq 125 ]
	[[ "$output" == *"cannot reach the monitor"* ]]
	[ ! -e "$D/px.sock" ]
	# A serving proxy's socket survives another's failed start that
	# never got to it.
	start_proxy "$D/log" -s "$D/settings.json" -l 127.0.0.1:0 \
	    -l "unix:$D/px.sock"
	run "$SRT_BIN/srt-proxy" -s "$D/settings.json" -l 256.1.1.1:5 \
	    -l "unix:$D/px.sock"
	[ "$status" -eq 125 ]
	[ -S "$D/px.sock" ]
	run unix_get "$D/px.sock"
	[ "$output" = "HTTP/1.1 200 OK" ]
}

@test "service mode: launcher, bridge and monitor channels" {
	run timeout 60 python3 "$PY/service.py" "$SRT_BIN/srt-proxy" "$UP"
	echo "$output"
	[[ "$output" == *"ctl hello 1 1"* ]]
	[[ "$output" == *"policy ok"* ]]
	[[ "$output" == *"bridge hello 1"* ]]
	[[ "$output" == *"http HTTP/1.1 200 OK"* ]]
	[[ "$output" == *"monitor silent before an event"* ]]
	[[ "$output" == *"monitor hello 1"* ]]
	[[ "$output" == *"denied HTTP/1.1 403 Forbidden"* ]]
	[[ "$output" == *"event 6 42 deny other.org"* ]]
	[[ "$output" == *"socks reply 0"* ]]
	[[ "$output" == *"bad policy refused True"* ]]
	[[ "$output" == *"after bad HTTP/1.1 200 OK"* ]]
	[[ "$output" == *"after update 3 HTTP/1.1 403 Forbidden"* ]]
	[[ "$output" == *"alive after bad bridge True"* ]]
	[[ "$output" == *"exit on EOF 0"* ]]
}

# The kernel closes a passed descriptor the proxy has no room for: the
# proxy must leave the rest queued in the channel until clients finish.
@test "service mode at the descriptor limit: every passed client is answered, none lost" {
	run timeout 120 python3 "$PY/service_fdlimit.py" "$SRT_BIN/srt-proxy" \
	    "$UP" 40 60 "$D/log"
	echo "$output"
	cat "$D/log"
	[[ "$output" == *"proxy limit 40"* ]] || skip "prlimit not applied"
	[[ "$output" == *"policy ok"* ]]
	[[ "$output" == *"answered 60 lost 0"* ]]
	[[ "$output" == *"after HTTP/1.1 200 OK"* ]]
	[[ "$output" == *"alive True"* ]]
	grep -q 'descriptor limit 40 reached at .* new clients wait' "$D/log"
	! grep -q 'bridge channel' "$D/log"
}

@test "listeners at the descriptor limit: more slow clients than descriptors, all answered" {
	prlimit --nofile=40:40 "$SRT_BIN/srt-proxy" -d -s "$D/settings.json" \
	    -l 127.0.0.1:0 2>"$D/log" &
	PROXY_PID=$!
	wait_for 10 grep -q 'listening on 127.0.0.1:' "$D/log"
	PORT=$(sed -n 's/.*listening on 127\.0\.0\.1:\([0-9]*\).*/\1/p' "$D/log")
	grep -q 'Max open files *40 ' "/proc/$PROXY_PID/limits" ||
	    skip "prlimit not applied"
	run timeout 120 python3 - "$PORT" "$UP" "$SRT_TESTS/proxy" <<'PY'
import socket, sys, time
sys.path.insert(0, sys.argv[3])
from client import read_all
px, up = int(sys.argv[1]), int(sys.argv[2])
n = 80
# All connect at once and say nothing yet; the kernel completes the
# handshakes into the listen backlog.
cs = [socket.create_connection(("127.0.0.1", px), timeout=30)
      for _ in range(n)]
time.sleep(1)
req = (b"GET http://127.0.0.1:%d/bytes/5 HTTP/1.1\r\nHost: x\r\n"
       b"Connection: close\r\n\r\n" % up)
for c in cs:
    c.sendall(req)
ok = 0
for c in cs:
    out = read_all(c, 30)
    ok += out.startswith(b"HTTP/1.1 200") and out.endswith(b"\0\1\2\3\4")
    c.close()
print("answered", ok, "of", n)
PY
	echo "$output"
	[ "$output" = "answered 80 of 80" ]
	[ "$(code "http://127.0.0.1:$UP/bytes/1")" = 200 ]
	grep -q 'descriptor limit 40 reached' "$D/log"
	kill -0 "$PROXY_PID"
}

@test "httpProxyPort: clients are handed to the user's own proxy" {
	start_proxy "$D/log0" -s "$D/settings.json" -l 127.0.0.1:0
	inner=$PORT EXTRA_PID=$PROXY_PID
	printf '{"network":{"allowedDomains":[],"httpProxyPort":%s}}\n' "$inner" \
	    >"$D/fwd.json"
	start_proxy "$D/log" -s "$D/fwd.json" -l 127.0.0.1:0
	[ "$(code "http://127.0.0.1:$UP/bytes/1")" = 200 ]
}

@test "mitmProxy: matching domains go through its unix socket" {
	# The "MITM" is a second srt-proxy on a unix socket that may reach
	# the upstream; the outer proxy never resolves the name itself.
	# Somewhere the dropped-to user (nobody, as root) can reach.
	R=$(mktemp -d /tmp/srt-proxy-mitm.XXXXXX)
	chmod 755 "$R"
	printf '127.0.0.1 a.mitm.test\n' >"$D/hosts"
	printf '{"network":{"allowedDomains":["127.0.0.1","*.mitm.test"]}}\n' \
	    >"$D/inner.json"
	start_proxy "$D/log0" -s "$D/inner.json" -H "$D/hosts" \
	    -l 127.0.0.1:0 -l "unix:$R/mitm.sock"
	EXTRA_PID=$PROXY_PID
	chmod 666 "$R/mitm.sock"
	printf '{"network":{"allowedDomains":["*.mitm.test"],"mitmProxy":{"socketPath":"%s","domains":["*.mitm.test"]}}}\n' \
	    "$R/mitm.sock" >"$D/outer.json"
	start_proxy "$D/log" -s "$D/outer.json" -l 127.0.0.1:0
	[ "$(code "http://a.mitm.test:$UP/bytes/4")" = 200 ]
	run curl -sS -p -x "http://127.0.0.1:$PORT" -o /dev/null \
	    -w '%{http_code}' "http://a.mitm.test:$UP/bytes/4"
	[ "$output" = 200 ]
	run python3 "$PY/client.py" socks "$PORT" a.mitm.test "$UP" --get /bytes/6
	[ "${lines[0]}" = "reply 0" ]
	[ "${lines[1]}" = "status 200 6" ]
	# Without the MITM route the guard would refuse the loopback answer.
	[ "$(code "http://127.0.0.1:$UP/bytes/1")" = 403 ]
	rm -rf "$R"
}

# Landlock (ABI 7 here) does not govern connect(2) to a unix socket and
# the seccomp filter allows it, so a MITM socket named only by a reload,
# and made after the proxy confined itself, is reachable.
@test "mitmProxy first named by a reload (SIGHUP) is used at once" {
	R=$(mktemp -d /tmp/srt-proxy-mitm.XXXXXX)
	chmod 755 "$R"
	printf '{"network":{"allowedDomains":["*.mitm.test"]}}\n' \
	    >"$R/outer.json"
	chmod 644 "$R/outer.json"
	start_proxy "$R/log" -s "$R/outer.json" -l 127.0.0.1:0
	OUTER_PID=$PROXY_PID
	# Before: the name does not resolve (no hosts entry): refused.
	[ "$(code "http://a.mitm.test:$UP/bytes/4")" != 200 ]
	printf '127.0.0.1 a.mitm.test\n' >"$D/hosts"
	printf '{"network":{"allowedDomains":["127.0.0.1","*.mitm.test"]}}\n' \
	    >"$D/inner.json"
	start_proxy "$D/log0" -s "$D/inner.json" -H "$D/hosts" \
	    -l 127.0.0.1:0 -l "unix:$R/mitm.sock"
	EXTRA_PID=$PROXY_PID
	chmod 666 "$R/mitm.sock"
	PROXY_PID=$OUTER_PID
	PORT=$(sed -n 's/.*listening on 127\.0\.0\.1:\([0-9]*\).*/\1/p' \
	    "$R/log" | head -1)
	printf '{"network":{"allowedDomains":["*.mitm.test"],"mitmProxy":{"socketPath":"%s","domains":["*.mitm.test"]}}}\n' \
	    "$R/mitm.sock" >"$R/outer.json"
	kill -HUP "$PROXY_PID"
	wait_for 10 grep -q reloaded "$R/log"
	[ "$(code "http://a.mitm.test:$UP/bytes/4")" = 200 ]
	run python3 "$PY/client.py" socks "$PORT" a.mitm.test "$UP" --get /bytes/6
	[ "${lines[0]}" = "reply 0" ]
	[ "${lines[1]}" = "status 200 6" ]
	rm -rf "$R"
}

@test "-m: denials reach a monitor's unix socket as IMSG_EVENT" {
	R=$(mktemp -d /tmp/srt-proxy-mon.XXXXXX)
	chmod 755 "$R"
	python3 -c 'import socket, struct, sys, os
s = socket.socket(socket.AF_UNIX)
s.bind(sys.argv[1]); os.chmod(sys.argv[1], 0o666); s.listen(1)
open(sys.argv[2], "w").close()
c, _ = s.accept(); c.settimeout(10)
def msg():
    h = b""
    while len(h) < 16: h += c.recv(16 - len(h))
    t, n, _, _ = struct.unpack("=IIII", h)
    d = b""
    while len(d) < n - 16: d += c.recv(n - 16 - len(d))
    return t, d
print(msg()[0]); t, d = msg(); print(t, d.decode())' \
	    "$R/mon.sock" "$R/ready" >"$R/out" &
	EXTRA_PID=$!
	wait_for 5 test -e "$R/ready"
	start_proxy "$D/log" -s "$D/settings.json" -m "unix:$R/mon.sock" \
	    -l 127.0.0.1:0
	[ "$(code "http://denied.example.net/")" = 403 ]
	wait_for 5 grep -q denied.example.net "$R/out"
	run cat "$R/out"
	[ "${lines[0]}" = 1 ]
	# An srt-events(5) record: a network connect denied, target host:port.
	[[ "${lines[1]}" == "6 {"* ]]
	[[ "${lines[1]}" == *'"kind":"network"'* ]]
	[[ "${lines[1]}" == *'"decision":"deny"'* ]]
	[[ "${lines[1]}" == *'"target":"denied.example.net:80"'* ]]
	rm -rf "$R"
}
