#!/usr/bin/env bats
# Network from inside the sandbox, end to end: srt-launch starts srt-proxy
# and srt-monitor, pid 1 forks srt-bridge (each when first needed), and
# the command's clients go through the proxy variables to python3
# upstreams on the host loopback.
# The proxy variables name localhost and NO_PROXY names 127.0.0.1 (as the
# reference), so clients that honour NO_PROXY are told to ignore it here:
# the upstreams are loopback IP literals.
# srt-run-as: both

PY=/usr/bin/python3
bats_require_minimum_version 1.5.0

setup() {
	T=$(mktemp -d /tmp/srt-net-t.XXXXXX)
	chmod 0755 "$T"
	mkdir "$T/w"
	chmod 0777 "$T/w"
	S="$SRT_BIN/srt-launch"
	UP="$SRT_TESTS/net/upstream.py"
	TAG="4$RANDOM.$$"
	PIDS=()
	start_server http "$T/port"
	PORT=$(cat "$T/port")
	U="http://127.0.0.1:$PORT"
	printf '{"network":{"allowedDomains":["127.0.0.1"]},"filesystem":{"allowWrite":["%s"]}}\n' \
	    "$T/w" >"$T/allow.json"
	printf '{"network":{"allowedDomains":["example.com"]},"filesystem":{"allowWrite":["%s"]}}\n' \
	    "$T/w" >"$T/deny.json"
	printf '{"filesystem":{"allowWrite":["%s"]}}\n' "$T/w" >"$T/none.json"
	CURL='curl --noproxy "" -sS --max-time 10'
}

teardown() {
	local p
	if [ -n "${LPID:-}" ] && kill -0 "$LPID" 2>/dev/null; then
		kill -TERM "$LPID" 2>/dev/null || true
		wait "$LPID" 2>/dev/null || true
	fi
	exec 6>&- 2>/dev/null || true
	for p in "${PIDS[@]}"; do
		kill "$p" 2>/dev/null || true
		wait "$p" 2>/dev/null || true
	done
	pkill -KILL -f "^sleep $TAG" 2>/dev/null || true
	rm -rf "$T"
}

# wait_for CMD...: poll up to 10 s.
wait_for() {
	local i
	for i in $(seq 100); do
		"$@" && return 0
		sleep 0.1
	done
	return 1
}

# start_server MODE PORTFILE [ARG]: a python3 server from tests/net.
start_server() {
	$PY "$UP" "$@" &
	PIDS+=($!)
	wait_for test -s "$2"
}

gone() {
	! kill -0 "$1" 2>/dev/null
}

@test "the proxy environment matches the reference" {
	run "$S" -s "$T/allow.json" -- env
	[ "$status" -eq 0 ]
	for v in HTTP_PROXY HTTPS_PROXY http_proxy https_proxy ALL_PROXY \
	    all_proxy GRPC_PROXY grpc_proxy DOCKER_HTTP_PROXY \
	    DOCKER_HTTPS_PROXY; do
		[[ "$output" == *"$v=http://localhost:3128"* ]]
	done
	[[ "$output" == *"FTP_PROXY=socks5h://localhost:1080"* ]]
	[[ "$output" == *"ftp_proxy=socks5h://localhost:1080"* ]]
	[[ "$output" == *"RSYNC_PROXY=localhost:1080"* ]]
	[[ "$output" == *"CLOUDSDK_PROXY_TYPE=http"$'\n'* ]]
	[[ "$output" == *"CLOUDSDK_PROXY_ADDRESS=localhost"* ]]
	[[ "$output" == *"CLOUDSDK_PROXY_PORT=3128"* ]]
	[[ "$output" == *"NO_PROXY=localhost,127.0.0.1,::1,169.254.0.0/16,10.0.0.0/8,172.16.0.0/12,192.168.0.0/16"* ]]
	[[ "$output" == *"no_proxy=localhost,127.0.0.1,::1,"* ]]
	[[ "$output" == *"GIT_SSH_COMMAND=ssh -o ControlMaster=no -o ControlPath=none -o ProxyCommand='$SRT_BIN/srt-bridge -p 3128 connect %h %p'"* ]]
	[[ "$output" == *"SANDBOX_RUNTIME=1"* ]]
	# No credential in any proxy URL.
	[[ "$output" != *"@localhost"* ]]
}

@test "curl through HTTP_PROXY reaches an allowed upstream" {
	run "$S" -s "$T/allow.json" -- sh -c "$CURL -x \"\$HTTP_PROXY\" $U/hello"
	[ "$status" -eq 0 ]
	[ "$output" = "hello from upstream" ]
	# CONNECT through the same listener.
	run "$S" -s "$T/allow.json" -- sh -c "$CURL -p -x \"\$HTTPS_PROXY\" $U/hello"
	[ "$status" -eq 0 ]
	[ "$output" = "hello from upstream" ]
	# The variables alone, as clients use them.
	run "$S" -s "$T/allow.json" -- sh -c "$CURL $U/hello"
	[ "$output" = "hello from upstream" ]
	# The bridge listens on ::1 too (localhost may resolve to either).
	run "$S" -s "$T/allow.json" -- sh -c "$CURL -x 'http://[::1]:3128' $U/hello"
	[ "$output" = "hello from upstream" ]
	run "$S" -s "$T/allow.json" -- sh -c "$CURL --socks5-hostname '[::1]:1080' $U/hello"
	[ "$output" = "hello from upstream" ]
}

# The sandbox's namespace has only lo, where pacing (a host's bbr) only
# slows the proxy's leg to the command down (libcommon/tcpcc.c): pid 1
# makes cubic (or reno) its default.  Meaningful where the host paces.
@test "TCP in the sandbox is not paced, the proxy's leg included; the host's default is unchanged" {
	host=$(cat /proc/sys/net/ipv4/tcp_congestion_control)
	run "$S" -s "$T/allow.json" -- sh -c "
		$CURL -o /dev/null --limit-rate 20k -p -x \"\$HTTPS_PROXY\" \
		    $U/bytes/20000000 &
		for i in \$(seq 100); do
			ss -Htn state established '( sport = :3128 )' | grep -q . &&
			    break
			sleep 0.1
		done
		cat /proc/sys/net/ipv4/tcp_congestion_control
		ss -Htin state established '( sport = :3128 )' |
		    awk '/^[ \t]/ { print \$1; exit }'
		kill \$!"
	echo "host: $host; sandbox: ${lines[*]}"
	[ "${#lines[@]}" -eq 2 ]
	[[ "${lines[0]}" = cubic || "${lines[0]}" = reno ]]
	[[ "${lines[1]}" = cubic || "${lines[1]}" = reno ]]
	[ "$(cat /proc/sys/net/ipv4/tcp_congestion_control)" = "$host" ]
}

# The launcher says go before the proxy has confirmed the policy: a
# connection made the instant the command starts must wait for it and
# then meet it, allowed or denied, never a proxy with no policy.
@test "a connection at the command's first instant meets the real policy" {
	local i req
	req="printf 'GET $U/hello HTTP/1.0\r\nHost: 127.0.0.1:$PORT\r\n\r\n' >&3"
	for i in 1 2 3 4 5; do
		run "$S" -q -s "$T/allow.json" -- bash -c \
		    "exec 3<>/dev/tcp/127.0.0.1/3128; $req; cat <&3"
		[ "$status" -eq 0 ]
		[[ "$output" == *"hello from upstream"* ]]
		run "$S" -q -s "$T/deny.json" -- bash -c \
		    "exec 3<>/dev/tcp/127.0.0.1/3128; $req; cat <&3"
		[ "$status" -eq 0 ]
		[[ "$output" == *" 403 "* ]]
		[[ "$output" != *"hello from upstream"* ]]
	done
}

@test "a denied upstream gets 403 with X-Proxy-Error" {
	run "$S" -q -s "$T/deny.json" -- sh -c "$CURL -i $U/hello"
	[ "$status" -eq 0 ]
	[[ "$output" == *"HTTP/1.1 403"* ]]
	[[ "$output" == *"X-Proxy-Error: "* ]]
	[[ "$output" != *"hello from upstream"* ]]
	run "$S" -q -s "$T/deny.json" -- sh -c "$CURL -p -o /dev/null -w '%{http_code}' $U/hello"
	[[ "$output" == *403* ]]
}

@test "SOCKS5 with remote names: --socks5-hostname and ALL_PROXY=socks5h" {
	run "$S" -s "$T/allow.json" -- sh -c "$CURL --socks5-hostname localhost:1080 $U/hello"
	[ "$status" -eq 0 ]
	[ "$output" = "hello from upstream" ]
	run "$S" -s "$T/allow.json" -- sh -c "ALL_PROXY=socks5h://localhost:1080 HTTP_PROXY= http_proxy= $CURL $U/hello"
	[ "$output" = "hello from upstream" ]
	# Refused with the SOCKS reply 0x02 (not allowed by ruleset).
	run "$S" -q -s "$T/deny.json" -- sh -c "$CURL --socks5-hostname localhost:1080 $U/hello"
	[ "$status" -eq 97 ]
	[[ "$output" == *"(2)"* ]]
}

@test "python3 urllib honours the proxy variables" {
	cat >"$T/get.py" <<-'EOF'
	import sys, urllib.request, urllib.error
	try:
	    print(urllib.request.urlopen(sys.argv[1], timeout=10).read().decode().strip())
	except urllib.error.HTTPError as e:
	    print("HTTP", e.code, e.headers.get("X-Proxy-Error"))
	EOF
	run "$S" -s "$T/allow.json" -- env -u NO_PROXY -u no_proxy $PY "$T/get.py" "$U/hello"
	[ "$status" -eq 0 ]
	[ "$output" = "hello from upstream" ]
	run "$S" -q -s "$T/deny.json" -- env -u NO_PROXY -u no_proxy $PY "$T/get.py" "$U/hello"
	[[ "$output" == "HTTP 403 "* ]]
}

@test "no allowed domain: the variables are there and every request is refused" {
	run "$S" -q -s "$T/none.json" -- sh -c "echo \$HTTP_PROXY; $CURL -o /dev/null -w '%{http_code}\n' $U/hello; $CURL -o /dev/null -w '%{http_code}\n' http://example.com/; $CURL --socks5-hostname localhost:1080 http://example.com/; echo socks=\$?"
	[ "${lines[0]}" = "http://localhost:3128" ]
	[ "${lines[1]}" = "403" ]
	[ "${lines[2]}" = "403" ]
	[[ "$output" == *"socks=97"* ]]
}

@test "a direct connection to a host port fails" {
	run "$S" -s "$T/allow.json" -- sh -c "curl --noproxy '*' -sS --max-time 5 $U/hello; echo rc=\$?"
	[[ "$output" == *"rc=7"* ]]
	[[ "$output" != *"hello from upstream"* ]]
	run "$S" -s "$T/allow.json" -- $PY -c "import socket; socket.create_connection(('127.0.0.1', $PORT), 3)"
	[ "$status" -ne 0 ]
	[[ "$output" == *"ConnectionRefused"* ]]
}

@test "DNS inside fails cleanly and fast" {
	SECONDS=0
	run "$S" -s "$T/allow.json" -- $PY -c '
import socket
try:
    socket.getaddrinfo("example.com", 80)
    print("resolved")
except socket.gaierror as e:
    print("gaierror", e.errno)
'
	[ "$status" -eq 0 ]
	[[ "$output" == "gaierror "* ]]
	[ "$SECONDS" -lt 10 ]
}

@test "httpProxyPort and socksProxyPort send clients to the user's proxies" {
	start_server userproxy "$T/uport"
	start_server socks "$T/sport"
	printf '{"network":{"allowedDomains":[],"httpProxyPort":%s,"socksProxyPort":%s}}\n' \
	    "$(cat "$T/uport")" "$(cat "$T/sport")" >"$T/user.json"
	run "$S" -s "$T/user.json" -- sh -c "$CURL http://example.com/x; echo \$CLAUDE_CODE_HOST_HTTP_PROXY_PORT"
	[ "${lines[0]}" = "via user proxy http://example.com/x" ]
	[ "${lines[1]}" = "$(cat "$T/uport")" ]
	run "$S" -s "$T/user.json" -- sh -c "$CURL --socks5-hostname localhost:1080 http://example.com/"
	[ "$output" = "via user socks" ]
}

# make_repo: a bare repository T/repos/r.git with one commit on main.
make_repo() {
	mkdir -p "$T/repos"
	git init -q -b main --bare "$T/repos/r.git"
	git init -q -b main "$T/src"
	git -C "$T/src" -c user.name=t -c user.email=t@t commit -q --allow-empty -m first
	git -C "$T/src" push -q "$T/repos/r.git" HEAD:refs/heads/main
	chmod -R a+rX "$T/repos"
}

@test "git clone over http through the proxy" {
	command -v git >/dev/null || skip "git not installed"
	make_repo
	start_server git "$T/gport" "$T/repos"
	gport=$(cat "$T/gport")
	run "$S" -s "$T/allow.json" -- env -u NO_PROXY -u no_proxy \
	    git clone -q "http://127.0.0.1:$gport/r.git" "$T/w/clone"
	[ "$status" -eq 0 ]
	run git -C "$T/w/clone" log --format=%s
	[ "$output" = "first" ]
	# Refused when the host is not allowed, with the proxy's answer.
	run "$S" -q -s "$T/deny.json" -- env -u NO_PROXY -u no_proxy \
	    git clone -q "http://127.0.0.1:$gport/r.git" "$T/w/clone2"
	[ "$status" -ne 0 ]
	[[ "$output" == *403* ]]
}

@test "GIT_SSH_COMMAND reaches a local sshd through srt-bridge connect" {
	[ -x /usr/sbin/sshd ] || skip "openssh-server not installed"
	ssh-keygen -q -t ed25519 -N '' -f "$T/hostkey"
	ssh-keygen -q -t ed25519 -N '' -f "$T/w/id"
	cp "$T/w/id.pub" "$T/authorized_keys"
	chmod 0600 "$T/authorized_keys" "$T/w/id"
	sport=$($PY -c '
import random, socket
for _ in range(200):
    p = random.randint(27000, 28999); s = socket.socket()
    try:
        s.bind(("127.0.0.1", p)); print(p); break
    except OSError:
        pass')
	cat >"$T/sshd_config" <<-EOF
	Port $sport
	ListenAddress 127.0.0.1
	HostKey $T/hostkey
	AuthorizedKeysFile $T/authorized_keys
	StrictModes no
	UsePAM no
	PasswordAuthentication no
	KbdInteractiveAuthentication no
	PidFile $T/sshd.pid
	EOF
	mkdir -p /run/sshd 2>/dev/null || true
	/usr/sbin/sshd -D -e -f "$T/sshd_config" 2>"$T/sshd.log" &
	PIDS+=($!)
	wait_for grep -q "Server listening" "$T/sshd.log" ||
	    skip "sshd cannot run here: $(head -c 300 "$T/sshd.log")"
	printf '{"network":{"allowedDomains":["127.0.0.1:%s"]},"filesystem":{"allowWrite":["%s"]}}\n' \
	    "$sport" "$T/w" >"$T/ssh.json"
	opts="-i '$T/w/id' -o BatchMode=yes -o StrictHostKeyChecking=no -o UserKnownHostsFile=/dev/null -o LogLevel=ERROR"
	# GIT_SSH_COMMAND is shell text, as git runs it.
	run "$S" -s "$T/ssh.json" -- sh -c "eval \"\$GIT_SSH_COMMAND $opts -p $sport 127.0.0.1 echo hello-over-ssh\""
	[ "$status" -eq 0 ]
	[ "$output" = "hello-over-ssh" ]
	make_repo
	run "$S" -s "$T/ssh.json" -- sh -c "GIT_SSH_COMMAND=\"\$GIT_SSH_COMMAND $opts\" git clone -q ssh://$(id -un)@127.0.0.1:$sport$T/repos/r.git '$T/w/sclone'"
	[ "$status" -eq 0 ]
	[ "$(git -C "$T/w/sclone" log --format=%s)" = first ]
	# Not allowed: the proxy's refusal, from srt-bridge connect.
	run "$S" -q -s "$T/deny.json" -- sh -c "eval \"\$GIT_SSH_COMMAND $opts -p $sport 127.0.0.1 true\""
	[ "$status" -ne 0 ]
	[[ "$output" == *403* ]]
}

# run_bg SETTINGS ARGS...: the launcher in the background, output in T.
run_bg() {
	"$S" "$@" >"$T/out" 2>"$T/err" &
	LPID=$!
}

@test "--control-fd turns a denied domain into an allowed one and back" {
	mkfifo "$T/ctl"
	cat >"$T/loop.sh" <<-EOF
	while [ ! -e "$T/w/stop" ]; do
		$CURL -o /dev/null -w '%{http_code}' $U/hello >"$T/w/code.tmp"
		mv "$T/w/code.tmp" "$T/w/code"
		sleep 0.1
	done
	EOF
	"$S" -q -s "$T/deny.json" --control-fd 5 -- sh "$T/loop.sh" \
	    5<"$T/ctl" >"$T/out" 2>"$T/err" &
	LPID=$!
	exec 6>"$T/ctl"
	wait_for grep -qx 403 "$T/w/code"
	cat "$T/allow.json" >&6
	wait_for grep -qx 200 "$T/w/code"
	cat "$T/deny.json" >&6
	wait_for grep -qx 403 "$T/w/code"
	touch "$T/w/stop"
	exec 6>&-
	wait "$LPID"
	status=$?
	LPID=
	[ "$status" -eq 0 ]
	[ ! -s "$T/err" ]
}

@test "invalid control lines are reported and ignored, blank lines skipped" {
	mkfifo "$T/ctl"
	cat >"$T/loop.sh" <<-EOF
	while [ ! -e "$T/w/stop" ]; do
		$CURL -o /dev/null -w '%{http_code}' $U/hello >"$T/w/code.tmp"
		mv "$T/w/code.tmp" "$T/w/code"
		sleep 0.1
	done
	EOF
	"$S" -q -s "$T/allow.json" --control-fd 5 -- sh "$T/loop.sh" \
	    5<"$T/ctl" >"$T/out" 2>"$T/err" &
	LPID=$!
	exec 6>"$T/ctl"
	wait_for grep -qx 200 "$T/w/code"
	printf '\n   \n{"network":{"allowedDomains":[42]}}\nnot json\n' >&6
	wait_for grep -q "not json\|parse\|invalid" "$T/err"
	wait_for grep -q "control-fd: /network/allowedDomains/0" "$T/err"
	# The old policy stays.
	rm -f "$T/w/code"
	wait_for test -s "$T/w/code"
	grep -qx 200 "$T/w/code"
	# A valid line after the bad ones still applies.
	cat "$T/deny.json" >&6
	wait_for grep -qx 403 "$T/w/code"
	touch "$T/w/stop"
	exec 6>&-
	wait "$LPID"
	status=$?
	LPID=
	[ "$status" -eq 0 ]
}

@test "an over-long control line is discarded up to its newline" {
	mkfifo "$T/ctl"
	"$S" -q -s "$T/allow.json" --control-fd 5 -- sh -c "while [ ! -e '$T/w/stop' ]; do sleep 0.1; done" \
	    5<"$T/ctl" >"$T/out" 2>"$T/err" &
	LPID=$!
	exec 6>"$T/ctl"
	$PY -c 'import sys; sys.stdout.write("x" * (2 << 20) + "\n{}\n")' >&6
	wait_for grep -q "line longer than" "$T/err"
	touch "$T/w/stop"
	exec 6>&-
	wait "$LPID"
	status=$?
	LPID=
	[ "$status" -eq 0 ]
	[ "$(grep -c . "$T/err")" -eq 1 ]
}

@test "a burst of connections at the first instant: every one is answered" {
	# All wait in the listen backlog while pid 1 forks the bridge and the
	# launcher starts the proxy; none may be refused or lost.
	cat >"$T/burst.py" <<-EOF
	import socket, sys
	sys.path.insert(0, "$SRT_TESTS/proxy")
	from client import read_all
	n = 200
	cs = [socket.create_connection(("127.0.0.1", 3128), timeout=30)
	      for _ in range(n)]
	for c in cs:
	    c.sendall(b"GET $U/hello HTTP/1.0\\r\\nHost: x\\r\\n\\r\\n")
	ok = 0
	for c in cs:
	    out = read_all(c, 30)
	    ok += out.startswith(b"HTTP/1.") and b"hello from upstream" in out
	    c.close()
	print("answered", ok, "of", n)
	EOF
	run "$S" -q -s "$T/allow.json" -- $PY "$T/burst.py"
	echo "$output"
	[ "$status" -eq 0 ]
	[ "$output" = "answered 200 of 200" ]
}

@test "srt-bridge and srt-proxy start with the first connection, and not before" {
	run_bg -q -s "$T/allow.json" -- sh -c "echo ready >'$T/w/ready'; while [ ! -e '$T/w/go' ]; do sleep 0.05; done; $CURL -o '$T/w/body' -w '%{http_code}' $U/hello >'$T/w/code'; sleep $TAG"
	wait_for test -e "$T/w/ready"
	init=$(pgrep -P "$LPID" -x srt-launch)
	[ -n "$init" ]
	sleep 0.3
	! pgrep -P "$init" -x srt-bridge
	! pgrep -P "$LPID" -x srt-proxy
	! pgrep -P "$LPID" -x srt-monitor
	touch "$T/w/go"
	wait_for test -s "$T/w/code"
	[ "$(cat "$T/w/code")" = 200 ]
	grep -q hello "$T/w/body"
	pgrep -P "$init" -x srt-bridge
	pgrep -P "$LPID" -x srt-proxy
	kill -TERM "$LPID"
	wait "$LPID" || true
	LPID=
}

@test "a --control-fd line before the first connection is the policy it meets" {
	mkfifo "$T/ctl"
	"$S" -d -q -s "$T/deny.json" --control-fd 5 -- sh -c "while [ ! -e '$T/w/go' ]; do sleep 0.05; done; $CURL -o /dev/null -w '%{http_code}' $U/hello >'$T/w/code'" \
	    5<"$T/ctl" >"$T/out" 2>"$T/err" &
	LPID=$!
	exec 6>"$T/ctl"
	cat "$T/allow.json" >&6
	# The launcher took the line; no proxy runs yet to apply it.
	wait_for grep -q "control-fd: new policy sent" "$T/err"
	! pgrep -P "$LPID" -x srt-proxy
	touch "$T/w/go"
	exec 6>&-
	wait "$LPID"
	status=$?
	LPID=
	[ "$status" -eq 0 ]
	[ "$(cat "$T/w/code")" = 200 ]
	grep -q "srt-proxy pid" "$T/err"
	! grep -q "refused\|cannot" "$T/err"
}

@test "killing srt-proxy mid-run: requests fail fast, the launcher exits 125" {
	# The proxy starts with the first connection.
	run_bg -q -s "$T/allow.json" -- sh -c "$CURL -o /dev/null $U/hello; echo ready >'$T/w/ready'; sleep $TAG"
	wait_for test -e "$T/w/ready"
	ppid=$(pgrep -P "$LPID" -x srt-proxy)
	mpid=$(pgrep -P "$LPID" -x srt-monitor || true)
	[ -n "$ppid" ]
	kill -KILL "$ppid"
	SECONDS=0
	wait "$LPID" && status=0 || status=$?
	LPID=
	[ "$status" -eq 125 ]
	[ "$SECONDS" -lt 5 ]
	grep -q "srt-proxy exited unexpectedly (signal 9)" "$T/err"
	wait_for sh -c "! pgrep -f '^sleep $TAG'"
	[ -z "$mpid" ] || wait_for gone "$mpid"
	# A fresh request inside a sandbox whose proxy dies fails fast.
	run_bg -q -s "$T/allow.json" -- sh -c "$CURL -o /dev/null $U/hello; echo ready >'$T/w/ready2'; while [ ! -e '$T/w/go' ]; do sleep 0.05; done; $CURL $U/hello; echo rc=\$? >'$T/w/rc'; sleep $TAG"
	wait_for test -e "$T/w/ready2"
	kill -KILL "$(pgrep -P "$LPID" -x srt-proxy)"
	touch "$T/w/go"
	wait "$LPID" || true
	LPID=
	[ ! -e "$T/w/rc" ] || ! grep -qx "rc=0" "$T/w/rc"
}

@test "SIGKILL of the launcher leaves no helper behind" {
	# A denial first: the monitor starts with the first event.
	run_bg -s "$T/deny.json" -- sh -c "$CURL -o /dev/null $U/hello; echo ready >'$T/w/ready'; sleep $TAG"
	wait_for test -e "$T/w/ready"
	wait_for pgrep -P "$LPID" -x srt-monitor
	ppid=$(pgrep -P "$LPID" -x srt-proxy)
	mpid=$(pgrep -P "$LPID" -x srt-monitor)
	init=$(pgrep -P "$LPID" -x srt-launch)
	bpid=$(pgrep -P "$init" -x srt-bridge)
	[ -n "$ppid" ] && [ -n "$mpid" ] && [ -n "$bpid" ]
	kill -KILL "$LPID"
	wait "$LPID" 2>/dev/null || true
	LPID=
	wait_for gone "$ppid"
	wait_for gone "$mpid"
	wait_for gone "$bpid"
	wait_for gone "$init"
	wait_for sh -c "! pgrep -f '^sleep $TAG'"
}

@test "a denial is shown on stderr, recorded by --violations, silenced by -q" {
	run --separate-stderr "$S" -s "$T/deny.json" --violations "$T/w/v.jsonl" -- \
	    sh -c "$CURL -o /dev/null $U/hello"
	[ "$status" -eq 0 ]
	[[ "$stderr" == *"denied network"*"127.0.0.1:$PORT"* ]]
	[[ "$stderr" == *"the sandbox denied 1 operation"* ]]
	run $PY -c '
import json, sys
ev = [json.loads(l) for l in open(sys.argv[1])]
assert len(ev) == 1, ev
e = ev[0]
assert e["kind"] == "network" and e["decision"] == "deny", e
assert e["target"] == "127.0.0.1:" + sys.argv[2], e
print("ok")' "$T/w/v.jsonl" "$PORT"
	[ "$output" = "ok" ]
	run --separate-stderr "$S" -q -s "$T/deny.json" -- sh -c "$CURL -o /dev/null $U/hello"
	[ "$status" -eq 0 ]
	[ -z "$stderr" ]
	# JSON lines on stdout with -.
	run --separate-stderr "$S" -q -s "$T/deny.json" --violations - -- sh -c "$CURL -o /dev/null $U/hello"
	[[ "$output" == *'"kind":"network"'* ]]
}

@test "--monitor unix:PATH sends the proxy's events to a standalone monitor" {
	"$SRT_BIN/srt-monitor" -l "unix:$T/mon.sock" -o "$T/mon.jsonl" 2>"$T/mon.err" &
	PIDS+=($!)
	wait_for test -S "$T/mon.sock"
	run "$S" -q -s "$T/deny.json" --monitor "unix:$T/mon.sock" -- \
	    sh -c "$CURL -o /dev/null -w '%{http_code}' $U/hello"
	[ "$output" = 403 ]
	wait_for grep -q "\"target\":\"127.0.0.1:$PORT\"" "$T/mon.jsonl"
	run "$S" --monitor "tcp:x" -- true
	[ "$status" -eq 125 ]
}

@test "srt-monitor starts with the first denial and loses none of them" {
	run_bg -s "$T/deny.json" -- sh -c "echo ready >'$T/w/ready'; while [ ! -e '$T/w/go' ]; do sleep 0.05; done; for i in 1 2 3 4 5; do $CURL -o /dev/null $U/hello\$i; done; exit 3"
	wait_for test -e "$T/w/ready"
	[ -z "$(pgrep -P "$LPID" -x srt-monitor)" ]
	touch "$T/w/go"
	wait "$LPID" && status=0 || status=$?
	LPID=
	[ "$status" -eq 3 ]
	# One line for the five (same target), then the count, then the sum.
	[ "$(grep -c "^srt: denied network request 127.0.0.1:$PORT (host is not on the allow list)$" "$T/err")" -eq 1 ]
	grep -qx "srt: last denial repeated 4 times" "$T/err"
	grep -qx "srt-launch: the sandbox denied 5 operations; --violations FILE records them" "$T/err"
}

@test "a denial just before the command exits still has its line and sum" {
	local i
	for i in 1 2 3 4 5; do
		run --separate-stderr "$S" -s "$T/deny.json" -- sh -c "$CURL -o /dev/null $U/last$i"
		[ "$status" -eq 0 ]
		[ "${stderr_lines[0]}" = "srt: denied network request 127.0.0.1:$PORT (host is not on the allow list)" ]
		[ "${stderr_lines[1]}" = "srt-launch: the sandbox denied 1 operation; --violations FILE records them" ]
		[ "${#stderr_lines[@]}" -eq 2 ]
	done
	# No event: no line, no sum, and no monitor started (-d names it).
	run --separate-stderr "$S" -s "$T/deny.json" -- true
	[ "$status" -eq 0 ]
	[ -z "$stderr" ]
	run "$S" -d -s "$T/deny.json" -- true
	[ "$status" -eq 0 ]
	[[ "$output" == *"srt-monitor at the first event"* ]]
	[[ "$output" != *"srt-monitor pid"* ]]
	run "$S" -d -s "$T/deny.json" -- sh -c "$CURL -o /dev/null $U/hello"
	[[ "$output" == *"srt-monitor pid"* ]]
}

@test "a killed srt-monitor: one warning, the command goes on" {
	# The first denial starts the monitor; it is killed before the second.
	run_bg -s "$T/deny.json" -- sh -c "$CURL -o /dev/null $U/hello; echo ready >'$T/w/ready'; while [ ! -e '$T/w/go' ]; do sleep 0.05; done; $CURL -o /dev/null -w '%{http_code}' $U/hello; exit 7"
	wait_for test -e "$T/w/ready"
	wait_for pgrep -P "$LPID" -x srt-monitor
	mpid=$(pgrep -P "$LPID" -x srt-monitor)
	kill -KILL "$mpid"
	wait_for grep -q "srt-monitor" "$T/err"
	touch "$T/w/go"
	wait "$LPID" && status=0 || status=$?
	LPID=
	[ "$status" -eq 7 ]
	[ "$(cat "$T/out")" = 403 ]
	[ "$(grep -c "srt-launch: srt-monitor" "$T/err")" -eq 1 ]
}

@test "-d says when a control line tries to change the filesystem rules" {
	printf '{"filesystem":{"allowWrite":["/tmp"]}}\n' >"$T/lines"
	run "$S" -d -s "$T/none.json" --control-fd 5 -- sh -c 'sleep 0.5' 5<"$T/lines"
	[ "$status" -eq 0 ]
	[[ "$output" == *"control-fd: the filesystem rules cannot change"* ]]
	run "$S" -s "$T/none.json" --control-fd 5 -- sh -c 'sleep 0.5' 5<"$T/lines"
	[ -z "$output" ]
}

@test "signals for the command do not reach srt-bridge" {
	# A first connection starts the bridge.
	run_bg -q -s "$T/allow.json" -- sh -c "trap '$CURL $U/hello >\"$T/w/after\"; exit 0' USR1; trap '' INT HUP; $CURL -o /dev/null $U/hello; echo ready >'$T/w/ready'; while :; do sleep 0.1; done"
	wait_for test -e "$T/w/ready"
	init=$(pgrep -P "$LPID" -x srt-launch)
	bpid=$(pgrep -P "$init" -x srt-bridge)
	[ -n "$bpid" ]
	kill -INT "$LPID"
	kill -HUP "$LPID"
	kill -0 "$bpid"
	kill -USR1 "$LPID"
	wait "$LPID" && status=0 || status=$?
	LPID=
	[ "$status" -eq 0 ]
	[ "$(cat "$T/w/after")" = "hello from upstream" ]
}

@test "ignoreViolations by command applies to the proxy's denials" {
	printf '{"network":{"allowedDomains":["example.com"]},"ignoreViolations":{"curl":["127.0.0.1"]}}\n' >"$T/ig.json"
	printf '{"network":{"allowedDomains":["example.com"]},"ignoreViolations":{"wget":["127.0.0.1"]}}\n' >"$T/ig2.json"
	run --separate-stderr "$S" -s "$T/ig.json" --violations "$T/v1" -- \
	    sh -c "$CURL -o /dev/null $U/hello"
	[[ "$stderr" != *"denied network"* ]]
	[ ! -s "$T/v1" ]
	run --separate-stderr "$S" -s "$T/ig2.json" --violations "$T/v2" -- \
	    sh -c "$CURL -o /dev/null $U/hello"
	[[ "$stderr" == *"denied network"* ]]
	grep -q '"command":"sh -c curl' "$T/v2"
	grep -q "\"launcher_pid\":[1-9]" "$T/v2"
}
