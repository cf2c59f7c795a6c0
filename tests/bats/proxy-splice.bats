#!/usr/bin/env bats
# srt-proxy: forwarded (absolute-form) response bodies that move by
# splice (relay.c) and hand the connection back to the HTTP code after:
# checksums, keep-alive, pipelining, until-close and truncated bodies, a
# byte past the framed length, a slow and a vanishing client, and the
# copy path (SRT_PROXY_NOSPLICE) for comparison.
# srt-run-as: both

load proxy_helpers

setup_file() {
	proxy_setup_file
}

teardown_file() {
	proxy_teardown_file
}

teardown() {
	stop_pid "${OWN_PID:-}"
	stop_pid "$(cat "$D/odd.pid" 2>/dev/null)"
	rm -f "$D/odd.pid"
}

# own_proxy [ENV=VALUE...] [WRAPPER ARGS...]: one more proxy, any
# 127.0.0.1 port allowed, run by env (so a wrapper such as prlimit may
# follow the variables); sets OWN.
own_proxy() {
	printf '{"network":{"allowedDomains":["127.0.0.1"]}}\n' >"$D/any.json"
	chmod 644 "$D/any.json"
	env "$@" "$SRT_BIN/srt-proxy" -d -s "$D/any.json" -l 127.0.0.1:0 \
	    2>"$BATS_TEST_TMPDIR/log" &
	OWN_PID=$!
	wait_for 10 grep -q 'listening on 127.0.0.1:' "$BATS_TEST_TMPDIR/log"
	OWN=$(sed -n 's/.*listening on 127\.0\.0\.1:\([0-9]*\).*/\1/p' \
	    "$BATS_TEST_TMPDIR/log" | head -1)
}

get_sha() {
	curl -sS -x "http://127.0.0.1:${2:-$PORT}" "http://127.0.0.1:$UP/$1" |
	    sha256sum | cut -d' ' -f1
}

fds() {
	ls "/proc/$PROXY_PID/fd" | wc -l
}

# A raw upstream for shapes the python server will not send: each
# request gets its answer from PLAN (one per connection, in order).
start_odd() {
	cat >"$D/odd.py" <<'PY'
import socket, sys, threading
plans = sys.argv[2:]
s = socket.socket()
s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
s.bind(("127.0.0.1", 0))
s.listen(16)
with open(sys.argv[1] + ".tmp", "w") as f:
    f.write("%d\n" % s.getsockname()[1])
import os
os.rename(sys.argv[1] + ".tmp", sys.argv[1])
body = bytes(range(256)) * 4096
def serve(c, plan):
    buf = b""
    while b"\r\n\r\n" not in buf:
        d = c.recv(4096)
        if not d:
            return
        buf += d
    if plan == "extra":
        # A 300000-byte body and, in the same write, bytes no request
        # asked for: they must not reach the client as body.
        c.sendall(b"HTTP/1.1 200 OK\r\nContent-Length: 300000\r\n\r\n" +
                  body[:300000] + b"HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\nevil!")
        c.recv(4096)
    elif plan == "short":
        c.sendall(b"HTTP/1.1 200 OK\r\nContent-Length: 1000000\r\n\r\n" +
                  body[:400000])
    c.close()
i = 0
while True:
    c, _ = s.accept()
    threading.Thread(target=serve, args=(c, plans[min(i, len(plans) - 1)]),
                     daemon=True).start()
    i += 1
PY
	rm -f "$D/odd.port"
	python3 "$D/odd.py" "$D/odd.port" "$@" </dev/null >/dev/null 2>&1 &
	echo $! >"$D/odd.pid"
	wait_for 10 test -s "$D/odd.port"
	ODD=$(cat "$D/odd.port")
}

@test "splice: large Content-Length bodies arrive intact" {
	for n in 16384 65537 1048576 4194305; do
		[ "$(get_sha "bytes/$n")" = "$(expected_sha "$n")" ]
	done
}

@test "splice: one client connection carries spliced and small bodies in turn" {
	run curl -sS -x "http://127.0.0.1:$PORT" -w '%{num_connects} %{size_download}\n' \
	    -o /dev/null "http://127.0.0.1:$UP/bytes/2000000" \
	    -o /dev/null "http://127.0.0.1:$UP/bytes/7" \
	    -o /dev/null "http://127.0.0.1:$UP/bytes/300000" \
	    -o "$BATS_TEST_TMPDIR/c" "http://127.0.0.1:$UP/chunked/900000"
	[ "$status" -eq 0 ]
	[ "${lines[0]}" = "1 2000000" ]
	[ "${lines[1]}" = "0 7" ]
	[ "${lines[2]}" = "0 300000" ]
	[ "${lines[3]}" = "0 900000" ]
	[ "$(sha "$BATS_TEST_TMPDIR/c")" = "$(expected_sha 900000)" ]
}

@test "splice: pipelined requests are answered in order, each body whole" {
	run python3 - "$PORT" "$UP" <<'PY'
import hashlib, socket, sys
px, up = int(sys.argv[1]), int(sys.argv[2])
sizes = [500000, 3, 1200000, 0, 70000]
s = socket.create_connection(("127.0.0.1", px))
s.sendall(b"".join(b"GET http://127.0.0.1:%d/bytes/%d HTTP/1.1\r\nHost: x\r\n\r\n"
                   % (up, n) for n in sizes))
f = s.makefile("rb")
pat = bytes(range(256)) * 4096
for n in sizes:
    line = f.readline()
    assert line.startswith(b"HTTP/1.1 200"), line
    length = None
    while True:
        h = f.readline()
        if h == b"\r\n":
            break
        k, v = h.split(b":", 1)
        if k.lower() == b"content-length":
            length = int(v)
    assert length == n, (length, n)
    assert f.read(n) == (pat * 4)[:n]
print("ok", len(sizes))
PY
	echo "$output"
	[ "$output" = "ok 5" ]
}

@test "splice: an until-close body arrives whole and the client sees the close" {
	[ "$(get_sha close/3000001)" = "$(expected_sha 3000001)" ]
}

@test "splice: bytes past the Content-Length never reach the client as body" {
	start_odd extra extra
	own_proxy
	run curl -sS -x "http://127.0.0.1:$OWN" -w '%{http_code} %{size_download}\n' \
	    -o "$BATS_TEST_TMPDIR/b" "http://127.0.0.1:$ODD/one" \
	    -o /dev/null "http://127.0.0.1:$ODD/two"
	echo "$output"
	[ "${lines[0]}" = "200 300000" ]
	[ "$(sha "$BATS_TEST_TMPDIR/b")" = "$(expected_sha 300000)" ]
	# The unasked-for answer is not served as the reply to the next
	# request: that one gets a fresh upstream and a 300000-byte body.
	[ "${lines[1]}" = "200 300000" ]
	! grep -q evil "$BATS_TEST_TMPDIR/b"
}

@test "splice: a body cut short upstream is cut short to the client, proxy serves on" {
	start_odd short
	own_proxy
	run curl -sS -x "http://127.0.0.1:$OWN" -o /dev/null \
	    "http://127.0.0.1:$ODD/short"
	[ "$status" -eq 18 ]
	run curl -sS -o /dev/null -w '%{http_code}' -x "http://127.0.0.1:$OWN" \
	    "http://127.0.0.1:$UP/bytes/100000"
	[ "$output" = 200 ]
}

@test "splice: a client that pauses mid-body gets every byte" {
	run python3 - "$PORT" "$UP" <<'PY'
import hashlib, socket, sys, time
px, up = int(sys.argv[1]), int(sys.argv[2])
n = 6000000
s = socket.create_connection(("127.0.0.1", px))
s.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 65536)
s.sendall(b"GET http://127.0.0.1:%d/bytes/%d HTTP/1.1\r\nHost: x\r\n\r\n" % (up, n))
f = s.makefile("rb")
while f.readline() != b"\r\n":
    pass
got = f.read(100000)
time.sleep(1)
got += f.read(n - len(got))
pat = (bytes(range(256)) * 4096)
want = (pat * (n // len(pat) + 1))[:n]
print("ok" if got == want else "bad %d" % len(got))
PY
	[ "$output" = "ok" ]
}

@test "splice: clients leaving mid-body cost the proxy no descriptor" {
	before=$(fds)
	for i in 1 2 3 4 5; do
		timeout 5 python3 - "$PORT" "$UP" <<'PY'
import socket, sys
px, up = int(sys.argv[1]), int(sys.argv[2])
s = socket.create_connection(("127.0.0.1", px))
s.sendall(b"GET http://127.0.0.1:%d/bytes/50000000 HTTP/1.1\r\nHost: x\r\n\r\n" % up)
s.recv(200000)
s.close()
PY
	done
	still_serving
	wait_for 10 test "$(fds)" -le "$before"
}

@test "splice: the copy path (SRT_PROXY_NOSPLICE) gives the same bytes" {
	own_proxy SRT_PROXY_NOSPLICE=1
	[ "$(get_sha bytes/2000001 "$OWN")" = "$(expected_sha 2000001)" ]
	[ "$(get_sha close/700000 "$OWN")" = "$(expected_sha 700000)" ]
}

@test "splice: with no descriptor left for a pipe, tunnels and bodies copy every byte" {
	# A hard limit the proxy cannot raise, as in a container.
	own_proxy prlimit --nofile=48:48
	run timeout 60 python3 - "$OWN" "$UP" "$OWN_PID" "$PY" <<'PY'
import socket, sys
sys.path.insert(0, sys.argv[4])
from fdfill import LIMIT as limit, Proxy, answer, want
px = Proxy(int(sys.argv[1]), int(sys.argv[2]), sys.argv[3])
up, fds = px.up, px.fds
get = lambda t: b"GET %s HTTP/1.1\r\nHost: x\r\n\r\n" % t
# A kept-alive forwarded connection, then tunnels until at most one
# descriptor is free: no pipe can be made.
k = socket.create_connection(("127.0.0.1", px.port), timeout=20)
kf = k.makefile("rb")
k.sendall(get(b"http://127.0.0.1:%d/bytes/10" % up))
assert answer(kf)[1] == want(10)
held = px.fill()
print("held", len(held), "tunnels, proxy fds", fds(), "of", limit)
assert fds() >= limit - 1
s, f = held[0]
s.sendall(get(b"/bytes/3000001"))
line, body = answer(f)
assert line.startswith(b"HTTP/1.1 200") and body == want(3000001), "tunnel"
k.sendall(get(b"http://127.0.0.1:%d/bytes/2000003" % up))
line, body = answer(kf)
assert line.startswith(b"HTTP/1.1 200") and body == want(2000003), "body"
print("ok")
PY
	echo "$output"
	[ "$status" -eq 0 ]
	[ "${lines[-1]}" = ok ]
	grep -q 'no descriptor for a pipe, copying' "$BATS_TEST_TMPDIR/log"
	grep -q 'no splice here (Too many open files), copying instead' \
	    "$BATS_TEST_TMPDIR/log"
	kill -0 "$OWN_PID"
}

@test "splice: a body that fell back to copying does not stop the next one on that connection splicing" {
	own_proxy prlimit --nofile=48:48
	run timeout 60 python3 - "$OWN" "$UP" "$OWN_PID" "$PY" \
	    "$BATS_TEST_TMPDIR/log" <<'PY'
import hashlib, socket, sys, time
sys.path.insert(0, sys.argv[4])
from fdfill import LIMIT as limit, Proxy, answer, want
px = Proxy(int(sys.argv[1]), int(sys.argv[2]), sys.argv[3])
up, fds, log = px.up, px.fds, sys.argv[5]
count = lambda s: open(log).read().count(s)
FELL = "no splice here (Too many open files), copying instead"
SPLICED = "response body by splice"

get = lambda n: (b"GET http://127.0.0.1:%d/bytes/%d HTTP/1.1\r\nHost: x\r\n\r\n"
                 % (up, n))
k = socket.create_connection(("127.0.0.1", px.port), timeout=20)
kf = k.makefile("rb")
k.sendall(get(10))
assert answer(kf)[1] == want(10)
held = px.fill()
# First body: no descriptor for a pipe, so it is copied.
k.sendall(get(2000003))
line, body = answer(kf)
assert line.startswith(b"HTTP/1.1 200") and body == want(2000003), "first"
assert count(FELL) == 1, "the first body did not fall back"
for s, f in held:
    f.close()
    s.close()
deadline = time.time() + 10
while fds() > limit - 10 and time.time() < deadline:
    time.sleep(0.05)
# Second body on the same client connection, descriptors to spare now.
n0 = count(SPLICED)
k.sendall(get(3000007))
line, body = answer(kf)
assert line.startswith(b"HTTP/1.1 200"), line
assert hashlib.sha256(body).hexdigest() == \
    hashlib.sha256(want(3000007)).hexdigest(), "second body corrupt"
assert count(SPLICED) == n0 + 1, "the second body was not spliced"
assert count(FELL) == 1, "the second body fell back too"
print("ok")
PY
	echo "$output"
	[ "$status" -eq 0 ]
	[ "${lines[-1]}" = ok ]
	kill -0 "$OWN_PID"
}
