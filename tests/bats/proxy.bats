#!/usr/bin/env bats
# srt-proxy standalone: policy, protocols, the address guard, robustness.
# Upstreams are python servers on loopback; names map to addresses
# through a test hosts file (-H), so nothing leaves the host.
# srt-run-as: both

load proxy_helpers

setup_file() {
	proxy_setup_file
}

teardown_file() {
	proxy_teardown_file
}

@test "allowed IP literal: body intact through an absolute-form GET" {
	run curl -sS -x "http://127.0.0.1:$PORT" \
	    "http://127.0.0.1:$UP/bytes/3000000" -o "$BATS_TEST_TMPDIR/b"
	[ "$status" -eq 0 ]
	[ "$(sha "$BATS_TEST_TMPDIR/b")" = "$(expected_sha 3000000)" ]
}

@test "allowed: CONNECT tunnel carries the bytes intact" {
	run curl -sS -p -x "http://127.0.0.1:$PORT" \
	    "http://127.0.0.1:$UP/bytes/5000000" -o "$BATS_TEST_TMPDIR/b"
	[ "$status" -eq 0 ]
	[ "$(sha "$BATS_TEST_TMPDIR/b")" = "$(expected_sha 5000000)" ]
}

@test "allowed: SOCKS5 with a domain name (socks5h) and with an IP" {
	run curl -sS --socks5-hostname "127.0.0.1:$PORT" \
	    "http://localhost:$UP/bytes/1000000" -o "$BATS_TEST_TMPDIR/b"
	[ "$status" -eq 0 ]
	[ "$(sha "$BATS_TEST_TMPDIR/b")" = "$(expected_sha 1000000)" ]
	run curl -sS --socks5 "127.0.0.1:$PORT" \
	    "http://127.0.0.1:$UP/bytes/1000" -o "$BATS_TEST_TMPDIR/c"
	[ "$status" -eq 0 ]
	[ "$(sha "$BATS_TEST_TMPDIR/c")" = "$(expected_sha 1000)" ]
}

@test "SOCKS5 username/password is accepted" {
	run curl -sS -x "socks5h://user:secret@127.0.0.1:$PORT" \
	    "http://127.0.0.1:$UP/bytes/10"
	[ "$status" -eq 0 ]
	run python3 "$PY/client.py" socks "$PORT" 127.0.0.1 "$UP" --auth \
	    --get /bytes/7
	[ "${lines[0]}" = "reply 0" ]
	[ "${lines[1]}" = "status 200 7" ]
}

@test "denied domain, HTTP: the reference's 403, header and body" {
	run curl -si -x "http://127.0.0.1:$PORT" http://bad.example.com/x
	[ "$status" -eq 0 ]
	[[ "${lines[0]}" == "HTTP/1.1 403 Forbidden"* ]]
	[[ "$output" == *"X-Proxy-Error: blocked-by-allowlist"* ]]
	[[ "$output" == *"Connection blocked by network allowlist"* ]]
}

@test "denied domain, CONNECT: deniedDomainReasons is the status phrase" {
	run python3 "$PY/client.py" raw "$PORT" \
	    "$(hex 'CONNECT bad.example.com:443 HTTP/1.1\r\nHost: bad.example.com:443\r\n\r\n')"
	[[ "${lines[0]}" == "HTTP/1.1 403 use good.example.com instead"* ]]
	[[ "$output" == *"X-Proxy-Error: blocked-by-allowlist"* ]]
	[[ "$output" == *"Connection blocked by network allowlist"* ]]
}

@test "not on the allow list: CONNECT phrase and SOCKS reply 0x02" {
	run python3 "$PY/client.py" raw "$PORT" \
	    "$(hex 'CONNECT other.org:443 HTTP/1.1\r\n\r\n')"
	[[ "${lines[0]}" == "HTTP/1.1 403 host is not on the allow list"* ]]
	run python3 "$PY/client.py" socks "$PORT" other.org 443
	[ "$output" = "reply 2" ]
	run python3 "$PY/client.py" socks "$PORT" bad.example.com 443
	[ "$output" = "reply 2" ]
}

@test "denied IP literal in deniedDomains" {
	run python3 "$PY/client.py" raw "$PORT" \
	    "$(hex 'CONNECT 127.0.0.2:80 HTTP/1.1\r\n\r\n')"
	[[ "${lines[0]}" == "HTTP/1.1 403 host is on the deny list"* ]]
}

@test "wildcard matches subdomains, not the apex" {
	run python3 "$PY/client.py" raw "$PORT" \
	    "$(hex 'CONNECT example.com:443 HTTP/1.1\r\n\r\n')"
	[[ "${lines[0]}" == "HTTP/1.1 403 host is not on the allow list"* ]]
	# A subdomain passes the list and is stopped by the guard instead.
	run python3 "$PY/client.py" raw "$PORT" \
	    "$(hex "CONNECT up.example.com:$CLOSED HTTP/1.1\r\n\r\n")"
	[[ "${lines[0]}" == "HTTP/1.1 403 resolved to a loopback address"* ]]
}

@test "port-specific entry: other ports of that host are refused" {
	run python3 "$PY/client.py" raw "$PORT" \
	    "$(hex "CONNECT 127.0.0.1:$((UP + 1)) HTTP/1.1\r\n\r\n")"
	[[ "${lines[0]}" == "HTTP/1.1 403 host is not on the allow list"* ]]
	run python3 "$PY/client.py" socks "$PORT" 127.0.0.1 "$((UP + 1))"
	[ "$output" = "reply 2" ]
}

@test "IPv6: listener, bracketed literal entry and upstream" {
	run curl -sS -x "http://[::1]:$PORT6" "http://[::1]:$UP6/bytes/200000" \
	    -o "$BATS_TEST_TMPDIR/b"
	[ "$status" -eq 0 ]
	[ "$(sha "$BATS_TEST_TMPDIR/b")" = "$(expected_sha 200000)" ]
	run python3 "$PY/client.py" socks "$PORT" ::1 "$UP6" --get /bytes/5
	[ "${lines[0]}" = "reply 0" ]
	[ "${lines[1]}" = "status 200 5" ]
}

@test "guard: a name resolving to loopback is refused (HTTP, CONNECT, SOCKS)" {
	run curl -si -x "http://127.0.0.1:$PORT" "http://up.example.com/x"
	[[ "${lines[0]}" == "HTTP/1.1 403 Forbidden"* ]]
	[[ "$output" == *"X-Proxy-Error: blocked-by-sandbox-runtime"* ]]
	[[ "$output" == *"Connection to up.example.com blocked: resolved to a loopback address"* ]]
	run python3 "$PY/client.py" socks "$PORT" up.example.com 443
	[ "$output" = "reply 2" ]
}

@test "guard: link-local, listed, deny-listed and metadata classes" {
	for pair in "meta.test.org:a link-local address" \
	    "listed.test.org:a listed address" \
	    "denylit.test.org:a deny-listed address" \
	    "azure.test.org:a cloud metadata address"; do
		name=${pair%%:*} why=${pair#*:}
		run python3 "$PY/client.py" raw "$PORT" \
		    "$(hex "CONNECT $name:80 HTTP/1.1\r\n\r\n")"
		[[ "${lines[0]}" == "HTTP/1.1 403 resolved to $why"* ]]
	done
}

@test "guard: a name may resolve to an allowed IP literal (same port)" {
	run curl -sS -x "http://127.0.0.1:$PORT" "http://up.example.com:$UP/bytes/3" \
	    -o /dev/null -w '%{http_code}'
	[ "$output" = "200" ]
}

@test "guard: allowed localhost and a name on an allowed literal pass" {
	run curl -sS -x "http://127.0.0.1:$PORT" "http://localhost:$UP/bytes/10" \
	    -o /dev/null -w '%{http_code}'
	[ "$output" = "200" ]
	run curl -sS -x "http://127.0.0.1:$PORT" "http://lit.test.org:$UP/bytes/10" \
	    -o /dev/null -w '%{http_code}'
	[ "$output" = "200" ]
}

@test "guard: an IPv4-mapped IPv6 answer is judged by its IPv4" {
	run python3 "$PY/client.py" raw "$PORT" \
	    "$(hex "CONNECT mapped.example.com:80 HTTP/1.1\r\n\r\n")"
	[[ "${lines[0]}" == "HTTP/1.1 403 resolved to a loopback address"* ]]
}

@test "keep-alive: two requests share one connection, bodies intact" {
	run curl -sSv -x "http://127.0.0.1:$PORT" \
	    "http://127.0.0.1:$UP/bytes/100000" -o "$BATS_TEST_TMPDIR/a" \
	    "http://127.0.0.1:$UP/chunked/300000" -o "$BATS_TEST_TMPDIR/b"
	[ "$status" -eq 0 ]
	[[ "$output" == *"Re-using existing connection"* ]]
	[ "$(sha "$BATS_TEST_TMPDIR/a")" = "$(expected_sha 100000)" ]
	[ "$(sha "$BATS_TEST_TMPDIR/b")" = "$(expected_sha 300000)" ]
}

@test "keep-alive: an upstream's Connection: close ends its leg, not the client's" {
	# Connection is hop-by-hop: the client keeps its connection, the
	# proxy does not pass the close on, and the next request dials anew
	# (the first upstream connection is gone: no descriptor held).
	before=$(ls "/proc/$PROXY_PID/fd" | wc -l)
	run python3 - "$PORT" "$UP" "$PROXY_PID" <<'PY'
import os, socket, sys, time
px, up, pid = int(sys.argv[1]), int(sys.argv[2]), sys.argv[3]
pat = bytes(range(256)) * 4096
s = socket.create_connection(("127.0.0.1", px), timeout=20)
f = s.makefile("rb")
for n in (5000, 300000, 0, 7):
    s.sendall(b"GET http://127.0.0.1:%d/lenclose/%d HTTP/1.1\r\nHost: x\r\n\r\n"
              % (up, n))
    line = f.readline()
    hdr = {}
    while True:
        h = f.readline()
        if h in (b"\r\n", b""):
            break
        k, _, v = h.partition(b":")
        hdr[k.strip().lower()] = v.strip()
    assert line.startswith(b"HTTP/1.1 200"), line
    assert b"connection" not in hdr, hdr
    assert f.read(int(hdr[b"content-length"])) == (pat * 2)[:n]
    time.sleep(0.2)
    print("answered %d, proxy fds %d" % (n, len(os.listdir("/proc/%s/fd" % pid))))
print("ok")
PY
	echo "$output"
	[ "$status" -eq 0 ]
	[ "${lines[-1]}" = ok ]
	# The client's connection and nothing else: one descriptor more.
	[[ "${lines[3]}" == "answered 7, proxy fds $((before + 1))" ]]
}

@test "chunked and length request bodies arrive intact" {
	head -c 777777 /dev/urandom >"$BATS_TEST_TMPDIR/up"
	want=$(sha "$BATS_TEST_TMPDIR/up")
	run curl -sS -x "http://127.0.0.1:$PORT" -H 'Transfer-Encoding: chunked' \
	    --data-binary @"$BATS_TEST_TMPDIR/up" "http://127.0.0.1:$UP/sha"
	[ "$output" = "$want" ]
	run curl -sS -x "http://127.0.0.1:$PORT" \
	    --data-binary @"$BATS_TEST_TMPDIR/up" "http://127.0.0.1:$UP/sha"
	[ "$output" = "$want" ]
}

@test "Expect: 100-continue is relayed" {
	head -c 200000 /dev/urandom >"$BATS_TEST_TMPDIR/up"
	run curl -sSv -x "http://127.0.0.1:$PORT" -H 'Expect: 100-continue' \
	    --data-binary @"$BATS_TEST_TMPDIR/up" "http://127.0.0.1:$UP/sha"
	[ "$status" -eq 0 ]
	[[ "$output" == *"HTTP/1.1 100 Continue"* ]]
	[[ "$output" == *"$(sha "$BATS_TEST_TMPDIR/up")"* ]]
}

@test "HEAD has no body and the connection stays usable" {
	run python3 "$PY/client.py" pipeline "$PORT" \
	    "HEAD:http://127.0.0.1:$UP/bytes/5000" "http://127.0.0.1:$UP/bytes/3"
	[ "${lines[0]}" = "200 0" ]
	[ "${lines[1]}" = "200 3" ]
}

@test "pipelined requests are answered in order" {
	run python3 "$PY/client.py" pipeline "$PORT" \
	    "http://127.0.0.1:$UP/bytes/30000" "http://127.0.0.1:$UP/chunked/5" \
	    "http://127.0.0.1:$UP/bytes/1" "http://bad.example.com/"
	[ "${lines[0]}" = "200 30000" ]
	[ "${lines[1]}" = "200 5" ]
	[ "${lines[2]}" = "200 1" ]
	[ "${lines[3]}" = "403 40" ]
}

@test "hop-by-hop headers are not forwarded; Host is rebuilt" {
	run curl -sS -x "http://127.0.0.1:$PORT" -H 'Connection: x-private' \
	    -H 'X-Private: 1' -H 'Proxy-Authorization: Basic Zm9vOmJhcg==' \
	    -H 'Keep-Alive: 5' -H 'X-Kept: yes' "http://127.0.0.1:$UP/headers"
	[[ "$output" == *"X-Kept: yes"* ]]
	[[ "$output" == *"Host: 127.0.0.1:$UP"* ]]
	[[ "$output" != *"X-Private"* ]]
	[[ "$output" != *"Proxy-Authorization"* ]]
	[[ "$output" != *"Keep-Alive"* ]]
	[[ "$output" == "GET /headers HTTP/1.1"* ]]
}

@test "malformed: garbage gets 400, the proxy keeps serving" {
	run python3 "$PY/client.py" raw "$PORT" "$(hex 'GARBAGE\r\n\r\n')"
	[[ "${lines[0]}" == "HTTP/1.1 400 Bad Request"* ]]
	run python3 "$PY/client.py" raw "$PORT" "$(hex 'GET /local HTTP/1.1\r\n\r\n')"
	[[ "${lines[0]}" == "HTTP/1.1 400 Bad Request"* ]]
	run python3 "$PY/client.py" raw "$PORT" "$(hex 'GET http://a.b/ HTTP/1.1\n\n')"
	[[ "${lines[0]}" == "HTTP/1.1 400 Bad Request"* ]]
	still_serving
}

@test "malformed: a head over 64 KiB gets 431" {
	python3 -c 'import sys; sys.stdout.write("GET http://127.0.0.1/ HTTP/1.1\r\nX: " + "a" * 70000 + "\r\n\r\n")' \
	    >"$BATS_TEST_TMPDIR/big"
	run python3 "$PY/client.py" raw "$PORT" "@$BATS_TEST_TMPDIR/big"
	[[ "${lines[0]}" == "HTTP/1.1 431 Request Header Fields Too Large"* ]]
	still_serving
}

@test "malformed SOCKS: bad versions, commands, address types, truncation" {
	run python3 "$PY/client.py" socks "$PORT" 127.0.0.1 "$UP" --cmd 2
	[ "$output" = "reply 7" ]
	run python3 "$PY/client.py" socks "$PORT" 127.0.0.1 "$UP" --cmd 3
	[ "$output" = "reply 7" ]
	run python3 "$PY/client.py" socks "$PORT" 127.0.0.1 "$UP" --atyp 9
	[ "$output" = "reply 8" ]
	# SOCKS4 is refused with its own "rejected" code (0x5b).
	run python3 "$PY/client.py" rawhex "$PORT" 040100507f00000100
	[ "$output" = 005b000000000000 ]
	# A truncated request: the client closes; nothing breaks.
	run python3 "$PY/client.py" rawhex "$PORT" 050100050100
	[ "$output" = 0500 ]
	still_serving
}

@test "a refused upstream port: SOCKS 0x05, HTTP 502" {
	run python3 "$PY/client.py" socks "$PORT" localhost "$CLOSED"
	[ "$output" = "reply 5" ]
	run curl -s -o /dev/null -w '%{http_code}' -x "http://127.0.0.1:$PORT" \
	    "http://localhost:$CLOSED/"
	[ "$output" = "502" ]
}

@test "a bad client does not disturb an open tunnel" {
	coproc TUN { python3 "$PY/client.py" tunnel-hold "$PORT" 127.0.0.1 "$UP"; }
	read -r -t 5 line <&"${TUN[0]}"
	[ "$line" = "connect 200" ]
	python3 "$PY/client.py" raw "$PORT" "$(hex '\x16\x03\x01garbage\r\n\r\n')" >/dev/null
	python3 "$PY/client.py" raw "$PORT" 0501 >/dev/null
	echo /bytes/12345 >&"${TUN[1]}"
	read -r -t 5 line <&"${TUN[0]}"
	[ "$line" = "status 200 12345" ]
	wait "$TUN_PID" || true
}
