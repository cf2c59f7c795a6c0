#!/usr/bin/env bats
# srt-proxy's upstream side: replaying a request when a kept-alive
# upstream closes at the moment of reuse, and parentProxy.
# srt-run-as: both

load proxy_helpers

# Trust comes only from the bundles a test names: some hosts set this.
unset NODE_EXTRA_CA_CERTS

setup_file() {
	export PY
	D=$BATS_FILE_TMPDIR
	for m in fin rst; do
		python3 "$PY/reuse_upstream.py" --port-file "$D/$m.port" \
		    --log "$D/$m.log" $([ $m = rst ] && echo --rst) \
		    </dev/null >/dev/null 2>&1 &
		echo $! >"$D/$m.pid"
		wait_for 10 test -s "$D/$m.port"
	done
	FIN=$(cat "$D/fin.port") RST=$(cat "$D/rst.port")
	cat >"$D/reuse.json" <<JSON
{"network": {"allowedDomains": ["127.0.0.1:$FIN", "127.0.0.1:$RST"]}}
JSON
	start_proxy "$D/proxy.log" -s "$D/reuse.json" -l 127.0.0.1:0
	PROXY_PID0=$PROXY_PID
	export D FIN RST PORT PROXY_PID PROXY_PID0
	parent_setup
}

# Parents: one that tunnels every name to this host ($PP), one that
# refuses every CONNECT ($PR); an upstream ($UP) for the bodies.
parent_setup() {
	start_upstream 127.0.0.1 "$D/up.port"
	UP=$(cat "$D/up.port") CLOSED=$(free_port)
	for m in pp pr; do
		python3 "$PY/parent_proxy.py" --port-file "$D/$m.port" \
		    --log "$D/$m.log" $([ $m = pr ] && echo --refuse) \
		    </dev/null >/dev/null 2>&1 &
		echo $! >"$D/$m.pid"
		wait_for 10 test -s "$D/$m.port"
	done
	PP=$(cat "$D/pp.port") PR=$(cat "$D/pr.port")
	echo "127.0.0.1 x.direct.example.com" >"$D/hosts"
	parent_settings "$D/parent.json" "http://user:p%40ss@127.0.0.1:$PP"
	parent_settings "$D/down.json" "http://127.0.0.1:$CLOSED"
	parent_settings "$D/refuse.json" "http://127.0.0.1:$PR"
	start_proxy "$D/px-parent.log" -s "$D/parent.json" -H "$D/hosts" \
	    -l 127.0.0.1:0
	PXP=$PORT PXP_PID=$PROXY_PID
	start_proxy "$D/px-down.log" -s "$D/down.json" -l 127.0.0.1:0
	PXD=$PORT PXD_PID=$PROXY_PID
	start_proxy "$D/px-refuse.log" -s "$D/refuse.json" -l 127.0.0.1:0
	PXR=$PORT PXR_PID=$PROXY_PID
	# No parentProxy in the file: the proxy's own environment.
	printf '{"network":{"allowedDomains":["*.example.com"]}}\n' \
	    >"$D/plain.json"
	HTTP_PROXY=http://127.0.0.1:$PP NO_PROXY=near.example.com \
	    start_proxy "$D/px-env.log" -s "$D/plain.json" -l 127.0.0.1:0
	PXE=$PORT PXE_PID=$PROXY_PID
	PORT=$(sed -n 's/.*listening on 127\.0\.0\.1:\([0-9]*\).*/\1/p' \
	    "$D/proxy.log" | head -1)
	PROXY_PID=$PROXY_PID0
	export UP CLOSED PP PR PXP PXP_PID PXD PXD_PID PXR PXR_PID PXE PXE_PID
	tls_parent_setup
}

# https:// parents: $PT has a certificate for localhost and 127.0.0.1,
# $PO one for "other"; each CA bundle holds what a proxy should trust.
# Proxies: $PXT trusts $PT's; $PXN trusts both, but dials $PO by the
# name localhost; $PXU trusts only "other" yet dials $PT.
tls_parent_setup() {
	local n
	for n in localhost other; do
		openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 \
		    -nodes -days 2 -subj "/CN=$n" -keyout "$D/$n.key" \
		    -out "$D/$n.crt" -addext "subjectAltName=DNS:$n$([ $n = \
		    localhost ] && echo ,IP:127.0.0.1)" 2>/dev/null
	done
	cat "$D/localhost.crt" "$D/other.crt" >"$D/both.crt"
	for n in pt po; do
		python3 "$PY/parent_proxy.py" --port-file "$D/$n.port" \
		    --log "$D/$n.log" --tls-key "$D/$([ $n = pt ] && echo \
		    localhost || echo other).key" --tls-cert "$D/$([ $n = pt ] &&
		    echo localhost || echo other).crt" </dev/null >/dev/null 2>&1 &
		echo $! >"$D/$n.pid"
		wait_for 10 test -s "$D/$n.port"
	done
	PT=$(cat "$D/pt.port") PO=$(cat "$D/po.port")
	tls_settings "$D/tls.json" "https://user:p%40ss@localhost:$PT"
	tls_settings "$D/tlsname.json" "https://localhost:$PO"
	SSL_CERT_FILE=$D/localhost.crt start_proxy "$D/px-tls.log" \
	    -s "$D/tls.json" -l 127.0.0.1:0
	PXT=$PORT PXT_PID=$PROXY_PID
	SSL_CERT_FILE=$D/both.crt start_proxy "$D/px-tlsname.log" \
	    -s "$D/tlsname.json" -H "$D/hosts" -l 127.0.0.1:0
	PXN=$PORT PXN_PID=$PROXY_PID
	SSL_CERT_FILE=$D/other.crt start_proxy "$D/px-tlsu.log" \
	    -s "$D/tls.json" -H "$D/hosts" -l 127.0.0.1:0
	PXU=$PORT PXU_PID=$PROXY_PID
	PORT=$(sed -n 's/.*listening on 127\.0\.0\.1:\([0-9]*\).*/\1/p' \
	    "$D/proxy.log" | head -1)
	PROXY_PID=$PROXY_PID0
	export PT PO PXT PXT_PID PXN PXN_PID PXU PXU_PID
}

# One https:// parent for both plain requests and tunnels.
tls_settings() {
	cat >"$1" <<JSON
{"network": {
  "allowedDomains": ["*.example.com"],
  "parentProxy": {"http": "$2", "https": "$2"}
}}
JSON
}

parent_settings() {
	cat >"$1" <<JSON
{"network": {
  "allowedDomains": ["*.example.com", "localhost", "127.0.0.1:$UP"],
  "deniedDomains": ["bad.example.com"],
  "parentProxy": {"http": "$2",
    "noProxy": " direct.example.com, 10.0.0.0/8 ,[::1]:99"}
}}
JSON
}

teardown() {
	[ -z "${RELOAD_DIR:-}" ] || rm -rf "$RELOAD_DIR"
	stop_pid "${HPX_PID:-}"
	stop_pid "${HUP_PID:-}"
}

teardown_file() {
	stop_pid "$PROXY_PID0"
	for p in "$PXP_PID" "$PXD_PID" "$PXR_PID" "$PXE_PID" "$PXT_PID" \
	    "$PXN_PID" "$PXU_PID"; do
		stop_pid "$p"
	done
	for f in fin rst pp pr pt po up.port; do
		stop_pid "$(cat "$D/$f.pid" 2>/dev/null)"
	done
}

# reuse PORT PATH METHOD...: requests on one client connection.
reuse() {
	local up=$1 path=$2
	shift 2
	: >"$D/$(mode "$up").log"
	run python3 "$PY/keepalive_client.py" "$PORT" \
	    "http://127.0.0.1:$up$path" "$@"
	echo "$output"
	cat "$D/$(mode "$up").log"
}

body_sha() {
	python3 -c 'import hashlib,sys; n=int(sys.argv[1])
print(hashlib.sha256((bytes(range(256))*(n//256+1))[:n]).hexdigest())' "$1"
}

mode() {
	[ "$1" = "$FIN" ] && echo fin || echo rst
}

seen() {
	grep -c "^$1 " "$D/$(mode "$2").log"
}

@test "reuse: a GET on an upstream that closes at reuse is replayed" {
	for up in "$FIN" "$RST"; do
		reuse "$up" /g GET GET GET
		[ "$status" -eq 0 ]
		[ "${lines[0]}" = "200 hello /g" ]
		[ "${lines[1]}" = "200 hello /g" ]
		[ "${lines[2]}" = "200 hello /g" ]
		# Each reuse was refused once and replayed on a new connection.
		[ "$(seen GET "$up")" -eq 5 ]
		grep -q 'GET /g conn=.* nth=2' "$D/$(mode "$up").log"
	done
	grep -q 'closed at reuse; retrying' "$D/proxy.log"
}

@test "reuse: HEAD, OPTIONS, DELETE and a body-less POST are replayed" {
	reuse "$FIN" /m GET HEAD OPTIONS DELETE POST
	[ "$status" -eq 0 ]
	[ "${lines[0]}" = "200 hello /m" ]
	[ "${lines[1]}" = "200 " ]
	[ "${lines[2]}" = "200 hello /m" ]
	[ "${lines[3]}" = "200 hello /m" ]
	[ "${lines[4]}" = "200 hello /m" ]
}

@test "reuse: a PUT's body is replayed whole (up to 64 KiB)" {
	reuse "$FIN" /p GET PUT:60000 PUT:70000
	[ "$status" -eq 0 ]
	[ "${lines[1]}" = "200 $(body_sha 60000)" ]
	# Over the bound the body is not kept once more than 64 KiB went
	# out, which depends on when the close arrives: either way, never a
	# short or mixed body.
	[ "${lines[2]}" = "502 Bad Gateway" ] ||
	    [ "${lines[2]}" = "200 $(body_sha 70000)" ]
	[ "$(seen PUT "$FIN")" -ge 3 ]
}

@test "reuse: a POST whose body was sent is not replayed: 502, seen once" {
	reuse "$FIN" /q GET POST:10
	[ "$status" -eq 0 ]
	[ "${lines[0]}" = "200 hello /q" ]
	[ "${lines[1]}" = "502 Bad Gateway" ]
	[ "$(seen POST "$FIN")" -eq 1 ]
}

@test "reuse: the proxy still serves afterwards" {
	reuse "$RST" /z GET
	[ "${lines[0]}" = "200 hello /z" ]
	kill -0 "$PROXY_PID"
}

# via PROXYPORT ARGS...: curl through that proxy; prints the status
# (of the CONNECT when that failed).
via() {
	local px=$1
	shift
	local r
	r=$(curl -s -o "$BATS_TEST_TMPDIR/body" \
	    -w '%{http_code} %{http_connect}' -x "http://127.0.0.1:$px" "$@")
	# A refused CONNECT leaves http_code 000; its answer is http_connect.
	[ "${r% *}" = 000 ] && echo "${r#* }" || echo "${r% *}"
}

plog() {
	cat "$D/pp.log" 2>/dev/null || true
}

@test "parent: a CONNECT tunnel goes through the parent, with Basic auth" {
	run via "$PXP" -p "http://far.example.com:$UP/bytes/5000"
	[ "$output" = "200" ]
	[ "$(sha "$BATS_TEST_TMPDIR/body")" = "$(expected_sha 5000)" ]
	plog
	plog | grep -qx "CONNECT far.example.com:$UP auth=Basic dXNlcjpwQHNz"
}

@test "parent: a plain request goes in absolute form, with Basic auth" {
	run via "$PXP" "http://far2.example.com:$UP/bytes/7000"
	[ "$output" = "200" ]
	[ "$(sha "$BATS_TEST_TMPDIR/body")" = "$(expected_sha 7000)" ]
	plog
	plog | grep -qx "GET http://far2.example.com:$UP/bytes/7000 auth=Basic dXNlcjpwQHNz"
}

@test "parent: a SOCKS5 connect goes through the parent" {
	run curl -sS -o "$BATS_TEST_TMPDIR/body" -w '%{http_code}' \
	    --socks5-hostname "127.0.0.1:$PXP" \
	    "http://far3.example.com:$UP/bytes/3000"
	[ "$output" = "200" ]
	[ "$(sha "$BATS_TEST_TMPDIR/body")" = "$(expected_sha 3000)" ]
	plog | grep -qx "CONNECT far3.example.com:$UP auth=Basic dXNlcjpwQHNz"
}

@test "parent: a denied request never reaches the parent" {
	run via "$PXP" -p "http://bad.example.com:$UP/"
	[ "$output" = "403" ]
	run via "$PXP" "http://bad.example.com:$UP/"
	[ "$output" = "403" ]
	run via "$PXP" "http://not.listed.org:$UP/"
	[ "$output" = "403" ]
	run python3 "$PY/client.py" socks "$PXP" bad.example.com "$UP"
	[ "$output" = "reply 2" ]
	! plog | grep -E 'bad\.example|not\.listed'
}

@test "parent: noProxy names and loopback are dialled directly" {
	run via "$PXP" "http://x.direct.example.com:$UP/bytes/100"
	[ "$output" = "200" ]
	run via "$PXP" -p "http://direct.example.com:$UP/bytes/100"
	# Not in the hosts file: resolved by us, so it fails here.
	[ "$output" != "200" ]
	run via "$PXP" "http://localhost:$UP/bytes/100"
	[ "$output" = "200" ]
	run via "$PXP" "http://127.0.0.1:$UP/bytes/100"
	[ "$output" = "200" ]
	plog
	! plog | grep -E 'direct\.example|localhost|127\.0\.0\.1'
}

@test "parent down: CONNECT and plain 502, SOCKS reply 5" {
	run via "$PXD" -p "http://far.example.com:$UP/"
	[ "$output" = "502" ]
	run via "$PXD" "http://far.example.com:$UP/"
	[ "$output" = "502" ]
	run python3 "$PY/client.py" socks "$PXD" far.example.com "$UP"
	[ "$output" = "reply 5" ]
	kill -0 "$PXD_PID"
}

@test "parent refuses CONNECT: the client gets 502, SOCKS reply 5" {
	run via "$PXR" -p "http://far.example.com:$UP/"
	[ "$output" = "502" ]
	run python3 "$PY/client.py" socks "$PXR" far.example.com "$UP"
	[ "$output" = "reply 5" ]
	grep -qx "CONNECT far.example.com:$UP auth=-" "$D/pr.log"
}

@test "parent hangs up on CONNECT: 502, SOCKS reply 4, no hang" {
	python3 "$PY/parent_proxy.py" --port-file "$BATS_TEST_TMPDIR/h.port" \
	    --log "$BATS_TEST_TMPDIR/h.log" --hangup </dev/null >/dev/null 2>&1 &
	HUP_PID=$!
	wait_for 10 test -s "$BATS_TEST_TMPDIR/h.port"
	parent_settings "$BATS_TEST_TMPDIR/h.json" \
	    "http://127.0.0.1:$(cat "$BATS_TEST_TMPDIR/h.port")"
	start_proxy "$BATS_TEST_TMPDIR/px.log" -s "$BATS_TEST_TMPDIR/h.json" \
	    -l 127.0.0.1:0
	HPX_PID=$PROXY_PID
	run timeout 10 python3 "$PY/client.py" raw "$PORT" \
	    "$(hex "CONNECT far.example.com:$UP HTTP/1.1\r\n\r\n")"
	echo "$output"
	[[ "${lines[0]}" == "HTTP/1.1 502 "* ]]
	run timeout 10 python3 "$PY/client.py" socks "$PORT" far.example.com "$UP"
	[ "$output" = "reply 4" ]
	grep -q "CONNECT far.example.com:$UP" "$BATS_TEST_TMPDIR/h.log"
}

@test "parent from the environment: HTTP_PROXY and NO_PROXY" {
	: >"$D/pp.log"
	run via "$PXE" -p "http://env.example.com:$UP/bytes/10"
	[ "$output" = "200" ]
	plog | grep -qx "CONNECT env.example.com:$UP auth=-"
	run via "$PXE" -p "http://near.example.com:$UP/bytes/10"
	[ "$output" != "200" ]
	! plog | grep -q near
}

@test "parent: an unusable parent URL or CA bundle is refused at load, naming why" {
	printf '{"network":{"parentProxy":{"https":"https://p.example:3128"}}}' \
	    >"$BATS_TEST_TMPDIR/s.json"
	SSL_CERT_FILE=$BATS_TEST_TMPDIR/none.crt run timeout 10 \
	    "$SRT_BIN/srt-proxy" -s "$BATS_TEST_TMPDIR/s.json" -l 127.0.0.1:0
	echo "$output"
	[ "$status" -eq 125 ]
	[[ "$output" == *"an https:// parent proxy: no CA bundle: $BATS_TEST_TMPDIR/none.crt: No such file or directory"* ]]
	: >"$BATS_TEST_TMPDIR/empty.crt"
	SSL_CERT_FILE=$BATS_TEST_TMPDIR/empty.crt run timeout 10 \
	    "$SRT_BIN/srt-proxy" -s "$BATS_TEST_TMPDIR/s.json" -l 127.0.0.1:0
	[ "$status" -eq 125 ]
	[[ "$output" == *"no certificate in the CA bundle $BATS_TEST_TMPDIR/empty.crt"* ]]
	printf '{"network":{"parentProxy":{"http":"socks5://p:1"}}}' \
	    >"$BATS_TEST_TMPDIR/s.json"
	run timeout 10 "$SRT_BIN/srt-proxy" -s "$BATS_TEST_TMPDIR/s.json" \
	    -l 127.0.0.1:0
	[ "$status" -eq 125 ]
	[[ "$output" == *"/network/parentProxy/http: only http:// and https://"* ]]
}

tlog() {
	cat "$D/pt.log" 2>/dev/null || true
}

@test "https parent: CONNECT, a plain request and SOCKS5 go over TLS, with SNI, Basic auth and resumption" {
	: >"$D/pt.log"
	run via "$PXT" -p "http://t1.example.com:$UP/bytes/3000000"
	[ "$output" = "200" ]
	[ "$(sha "$BATS_TEST_TMPDIR/body")" = "$(expected_sha 3000000)" ]
	run via "$PXT" "http://t2.example.com:$UP/chunked/200000"
	[ "$output" = "200" ]
	[ "$(sha "$BATS_TEST_TMPDIR/body")" = "$(expected_sha 200000)" ]
	run curl -sS -o "$BATS_TEST_TMPDIR/body" -w '%{http_code}' \
	    --socks5-hostname "127.0.0.1:$PXT" \
	    "http://t3.example.com:$UP/bytes/70000"
	[ "$output" = "200" ]
	[ "$(sha "$BATS_TEST_TMPDIR/body")" = "$(expected_sha 70000)" ]
	tlog
	[ "$(tlog | grep -Ec '^tls localhost( resumed)?$')" -eq 3 ]
	# The later connections resume the session of an earlier one.
	[ "$(tlog | grep -c '^tls localhost resumed$')" -ge 2 ]
	tlog | grep -qx "CONNECT t1.example.com:$UP auth=Basic dXNlcjpwQHNz"
	tlog | grep -qx "GET http://t2.example.com:$UP/chunked/200000 auth=Basic dXNlcjpwQHNz"
	tlog | grep -qx "CONNECT t3.example.com:$UP auth=Basic dXNlcjpwQHNz"
	# Nothing of it went in the clear: no request line outside TLS.
	[ "$(tlog | grep -vc '^tls ')" -eq 3 ]
}

@test "https parent: an upload through the tunnel arrives whole; keep-alive requests each reach it" {
	head -c 5000000 /dev/urandom >"$BATS_TEST_TMPDIR/up"
	run curl -sS -p -x "http://127.0.0.1:$PXT" --data-binary \
	    @"$BATS_TEST_TMPDIR/up" "http://t4.example.com:$UP/sha"
	echo "$output"
	[ "$output" = "$(sha "$BATS_TEST_TMPDIR/up")" ]
	: >"$D/pt.log"
	run curl -sS -x "http://127.0.0.1:$PXT" -w '%{num_connects}\n' \
	    -o /dev/null "http://t5.example.com:$UP/bytes/10" \
	    -o /dev/null "http://t5.example.com:$UP/bytes/20"
	echo "$output"
	[ "${lines[0]}" = 1 ] && [ "${lines[1]}" = 0 ]
	[ "$(tlog | grep -c "^GET http://t5.example.com:$UP/bytes/")" -eq 2 ]
}

@test "https parent: a wrong name or an untrusted certificate: 502, SOCKS reply 1, a warning, no request sent" {
	: >"$D/po.log"
	: >"$D/pt.log"
	run via "$PXN" -p "http://far.example.com:$UP/"
	[ "$output" = "502" ]
	run via "$PXN" "http://far.example.com:$UP/"
	[ "$output" = "502" ]
	run python3 "$PY/client.py" socks "$PXN" far.example.com "$UP"
	[ "$output" = "reply 1" ]
	grep -q "parent proxy localhost:$PO: TLS: hostname mismatch" \
	    "$D/px-tlsname.log"
	run via "$PXU" -p "http://far.example.com:$UP/"
	[ "$output" = "502" ]
	run python3 "$PY/client.py" socks "$PXU" far.example.com "$UP"
	[ "$output" = "reply 1" ]
	grep -q "parent proxy localhost:$PT: TLS: self-signed certificate" \
	    "$D/px-tlsu.log"
	# No way around the parent: a name these proxies could resolve
	# themselves (to loopback, which they would refuse: 403) gets the
	# parent's 502 too.
	run via "$PXU" -p "http://x.direct.example.com:$UP/"
	[ "$output" = "502" ]
	run via "$PXN" "http://x.direct.example.com:$UP/"
	[ "$output" = "502" ]
	! grep -E 'CONNECT|GET' "$D/po.log" "$D/pt.log"
	kill -0 "$PXN_PID"
	kill -0 "$PXU_PID"
}

@test "https parent: NODE_EXTRA_CA_CERTS adds to the bundle, as in the reference's Node" {
	: >"$D/pt.log"
	SSL_CERT_FILE=$D/other.crt NODE_EXTRA_CA_CERTS=$D/localhost.crt \
	    start_proxy "$BATS_TEST_TMPDIR/px.log" -s "$D/tls.json" \
	    -l 127.0.0.1:0
	HPX_PID=$PROXY_PID
	run via "$PORT" -p "http://n1.example.com:$UP/bytes/1000"
	[ "$output" = "200" ]
	tlog | grep -q "^CONNECT n1.example.com:$UP "
	stop_pid "$HPX_PID"
	# A file that is not there is ignored with a warning, as Node does.
	SSL_CERT_FILE=$D/localhost.crt NODE_EXTRA_CA_CERTS=$D/none.crt \
	    start_proxy "$BATS_TEST_TMPDIR/px2.log" -s "$D/tls.json" \
	    -l 127.0.0.1:0
	HPX_PID=$PROXY_PID
	grep -q "NODE_EXTRA_CA_CERTS: $D/none.crt: No such file or directory; ignored" \
	    "$BATS_TEST_TMPDIR/px2.log"
	run via "$PORT" -p "http://n2.example.com:$UP/bytes/1000"
	[ "$output" = "200" ]
	tlog | grep -q "^CONNECT n2.example.com:$UP "
}

# The bundle is read only when a policy first names an https:// parent:
# here after the proxy confined itself (seccomp, Landlock).
@test "https parent named by a SIGHUP reload: the confined proxy reads its CA bundle then" {
	: >"$D/pt.log"
	# Root drops to nobody, who must reach the file to reload it.
	RELOAD_DIR=$(mktemp -d /tmp/srt-tls-reload.XXXXXX)
	chmod 755 "$RELOAD_DIR"
	printf '{"network":{"allowedDomains":["*.example.com"]}}\n' \
	    >"$RELOAD_DIR/r.json"
	chmod 644 "$RELOAD_DIR/r.json"
	SSL_CERT_FILE=$D/localhost.crt start_proxy "$BATS_TEST_TMPDIR/px.log" \
	    -s "$RELOAD_DIR/r.json" -l 127.0.0.1:0
	HPX_PID=$PROXY_PID
	grep -q 'confined: .*seccomp applied' "$BATS_TEST_TMPDIR/px.log"
	tls_settings "$RELOAD_DIR/r.json" "https://localhost:$PT"
	kill -HUP "$HPX_PID"
	wait_for 10 grep -q 'reloaded' "$BATS_TEST_TMPDIR/px.log"
	run via "$PORT" -p "http://r1.example.com:$UP/bytes/1000"
	cat "$BATS_TEST_TMPDIR/px.log"
	[ "$output" = "200" ]
	grep -q 'TLS: 1 certificates from' "$BATS_TEST_TMPDIR/px.log"
	tlog | grep -qx "CONNECT r1.example.com:$UP auth=-"
	kill -0 "$HPX_PID"
}

@test "https parent: a denied request never reaches it; the tunnel closes when the client leaves" {
	: >"$D/pt.log"
	run via "$PXT" -p "http://not.listed.org:$UP/"
	[ "$output" = "403" ]
	! tlog | grep -q not.listed
	# A client that hangs up mid-download: the proxy frees the tunnel.
	timeout 10 curl -s -p -x "http://127.0.0.1:$PXT" --max-time 2 \
	    --limit-rate 100k -o /dev/null \
	    "http://t6.example.com:$UP/bytes/50000000" || true
	wait_for 10 sh -c "[ -z \"\$(ss -Htn state established \
	    '( dport = :$PT )')\" ]"
	run via "$PXT" -p "http://t7.example.com:$UP/bytes/100"
	[ "$output" = "200" ]
}

# launch_get SETTINGS [CURL ARGS...] URL: curl's status code for URL from
# inside srt-launch, in $output (curl's errors and srt's warnings too).
launch_get() {
	local s=$1
	shift
	run "$SRT_BIN/srt-launch" -s "$s" -- curl -sS --max-time 10 \
	    -o /dev/null -w '%{http_code}' "$@"
	echo "$output"
}

# End to end: srt-launch starts the proxy in service mode; the sandboxed
# curl reaches the proxy through the bridge, the proxy the parent.
@test "parent via srt-launch: from the settings, and from its environment" {
	: >"$D/pp.log"
	cat >"$BATS_TEST_TMPDIR/l.json" <<JSON
{"network": {"allowedDomains": ["*.example.com"],
  "parentProxy": {"http": "http://user:p%40ss@127.0.0.1:$PP"}}}
JSON
	chmod 644 "$BATS_TEST_TMPDIR/l.json"
	launch_get "$BATS_TEST_TMPDIR/l.json" \
	    "http://e2e.example.com:$UP/bytes/100"
	[ "$status" -eq 0 ]
	[ "$output" = "200" ]
	plog | grep -qx "GET http://e2e.example.com:$UP/bytes/100 auth=Basic dXNlcjpwQHNz"
	printf '{"network":{"allowedDomains":["*.example.com"]}}\n' \
	    >"$BATS_TEST_TMPDIR/p.json"
	chmod 644 "$BATS_TEST_TMPDIR/p.json"
	HTTPS_PROXY=http://127.0.0.1:$PP launch_get "$BATS_TEST_TMPDIR/p.json" \
	    -p "http://env2.example.com:$UP/bytes/100"
	[ "$output" = "200" ]
	plog | grep -qx "CONNECT env2.example.com:$UP auth=-"
}

@test "https parent via srt-launch: the proxy it starts trusts \$SSL_CERT_FILE" {
	: >"$D/pt.log"
	cat >"$BATS_TEST_TMPDIR/l.json" <<JSON
{"network": {"allowedDomains": ["*.example.com"],
  "parentProxy": {"https": "https://localhost:$PT"}}}
JSON
	chmod 644 "$BATS_TEST_TMPDIR/l.json"
	SSL_CERT_FILE=$D/localhost.crt launch_get "$BATS_TEST_TMPDIR/l.json" \
	    -p "http://e3.example.com:$UP/bytes/100"
	[ "$status" -eq 0 ]
	[ "$output" = "200" ]
	tlog | grep -qx "CONNECT e3.example.com:$UP auth=-"
	SSL_CERT_FILE=$D/other.crt launch_get "$BATS_TEST_TMPDIR/l.json" \
	    -p "http://e4.example.com:$UP/bytes/100"
	[[ "$output" == *"parent proxy localhost:$PT: TLS: self-signed certificate"* ]]
	[[ "$output" == *"response 502"* ]]
	! tlog | grep -q e4.example
}
