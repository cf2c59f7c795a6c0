#!/usr/bin/env bats
# srt-bridge on the host loopback: a fake srt-proxy (Python) holds the
# other end of fd 3 and checks every frame; a small CONNECT proxy stands
# in for srt-proxy's HTTP port in the "connect" cases.
# srt-run-as: both

setup_file() {
	export T="$BATS_FILE_TMPDIR"
	export B="$SRT_BIN/srt-bridge"
	cat >"$T/fake.py" <<'PY'
# Fake srt-proxy for bridge.bats: starts srt-bridge with its channel on
# fd 3, checks the frames it sends and answers clients through the
# descriptors it passes.  Prints "key=value" lines for the test to check.
import os, select, signal, socket, struct, sys, time

HDR = struct.Struct("<IIII")
IMSG_HELLO, IMSG_CLIENT, IMSG_SHUTDOWN = 1, 5, 9
HASFD = 0x80000000

def out(k, v):
    print("%s=%s" % (k, v), flush=True)

def start(bridge, http, socks, sid, as_nobody=False, extra=(), nofile=None):
    import fcntl
    a, b = socket.socketpair()
    # Keep both ends clear of fd 3, which the child end must become.
    parent = socket.socket(fileno=fcntl.fcntl(a.fileno(), fcntl.F_DUPFD_CLOEXEC, 10))
    cfd = fcntl.fcntl(b.fileno(), fcntl.F_DUPFD_CLOEXEC, 10)
    a.close()
    b.close()
    os.dup2(cfd, 3, inheritable=True)
    os.close(cfd)
    r, w = os.pipe()
    os.set_inheritable(w, True)
    def pre():
        if nofile:
            import resource
            resource.setrlimit(resource.RLIMIT_NOFILE, (nofile, nofile))
        if as_nobody:
            os.setgroups([])
            os.setresgid(65534, 65534, 65534)
            os.setresuid(65534, 65534, 65534)
    import subprocess
    p = subprocess.Popen([bridge, "-i", str(sid), "-H", str(http),
                          "-S", str(socks), "-r", str(w)] + list(extra),
                         pass_fds=(3, w), preexec_fn=pre)
    os.close(3)
    os.close(w)
    return p, parent, r

def wait_ready(r, timeout=5.0):
    import select
    rl, _, _ = select.select([r], [], [], timeout)
    if not rl:
        return b""
    return os.read(r, 16)

def recv_msg(sock, timeout=5.0):
    sock.settimeout(timeout)
    hdr = b""
    fds = []
    while len(hdr) < HDR.size:
        data, f, _, _ = socket.recv_fds(sock, HDR.size - len(hdr), 4)
        if not data:
            return None
        hdr += data
        fds += f
    typ, ln, peer, pid = HDR.unpack(hdr)
    plen = (ln & ~HASFD) - HDR.size
    payload = b""
    while len(payload) < plen:
        data, f, _, _ = socket.recv_fds(sock, plen - len(payload), 4)
        if not data:
            return None
        payload += data
        fds += f
    return typ, ln, peer, pid, payload, fds

def wait_exit(p, timeout=5.0):
    end = time.time() + timeout
    while time.time() < end:
        rc = p.poll()
        if rc is not None:
            return rc
        time.sleep(0.02)
    p.kill()
    p.wait()
    return "timeout"

def hello(chan, p):
    m = recv_msg(chan)
    typ, ln, peer, pid, payload, fds = m
    ver, role = struct.unpack("<II", payload)
    out("hello_type", typ)
    out("hello_len", ln)
    out("hello_peerid", peer)
    out("hello_pid_match", 1 if pid == p.pid else 0)
    out("hello_version", ver)
    out("hello_role", role)

def client(family, port, kind, chan, sid, p=None):
    addr = "127.0.0.1" if family == socket.AF_INET else "::1"
    c = socket.socket(family, socket.SOCK_STREAM)
    c.settimeout(5)
    c.connect((addr, port))
    c.sendall(b"PING " + kind.encode() + b"\r\n")
    if p is not None:
        hello(chan, p)
    m = recv_msg(chan)
    if m is None:
        out(kind + "_msg", "eof")
        return
    typ, ln, peer, pid, payload, fds = m
    listener, fam = struct.unpack("<II", payload)
    out(kind + "_type", typ)
    out(kind + "_hasfd", 1 if ln & HASFD else 0)
    out(kind + "_nfds", len(fds))
    out(kind + "_peerid", peer)
    out(kind + "_listener", listener)
    out(kind + "_family", "inet6" if fam == socket.AF_INET6 else
        "inet" if fam == socket.AF_INET else fam)
    s = socket.socket(fileno=fds[0])
    out(kind + "_nonblock", 1 if (os.get_blocking(s.fileno()) is False)
        else 0)
    s.setblocking(True)
    s.settimeout(5)
    got = b""
    while not got.endswith(b"\r\n"):
        d = s.recv(100)
        if not d:
            break
        got += d
    out(kind + "_proxy_read", got.decode().strip())
    s.sendall(b"PONG from fake proxy\n")
    s.close()
    reply = c.recv(100)
    out(kind + "_client_read", reply.decode().strip())
    c.close()

def session(bridge, http, socks):
    p, chan, r = start(bridge, http, socks, 42)
    ready = wait_ready(r)
    out("ready", ready.decode() if ready else "none")
    out("ready_len", len(ready))
    # The command starts on this byte: the bridge must be confined now.
    with open("/proc/%d/status" % p.pid) as f:
        for line in f:
            if line.startswith("Seccomp:"):
                out("seccomp_at_ready", line.split()[1])
    # After the byte the ready fd is closed: EOF follows.
    out("ready_closed", 1 if os.read(r, 1) == b"" else 0)
    # Nothing on the channel before the first client: srt-launch starts
    # the proxy on its first byte.
    rd, _, _ = select.select([chan], [], [], 0.3)
    out("quiet_before_client", 0 if rd else 1)
    client(socket.AF_INET, http, "http", chan, 42, p)
    client(socket.AF_INET, socks, "socks", chan, 42)
    if socket.has_ipv6:
        try:
            client(socket.AF_INET6, http, "http6", chan, 42)
        except OSError as e:
            out("http6_error", e.errno)
    # Proxy goes away: the bridge must exit on its own.
    chan.close()
    out("exit_after_eof", wait_exit(p))

def sigterm(bridge, http, socks):
    p, chan, r = start(bridge, http, socks, 7)
    wait_ready(r)
    with open("/proc/%d/stat" % p.pid) as f:
        fields = f.read().rsplit(")", 1)[1].split()
    out("own_session", 1 if int(fields[3]) == p.pid else 0)
    # Keyboard and hangup signals belong to the command, not the bridge.
    for sig in (signal.SIGINT, signal.SIGQUIT, signal.SIGHUP,
                signal.SIGTSTP):
        p.send_signal(sig)
    time.sleep(0.2)
    out("alive_after_keyboard_signals", 1 if p.poll() is None else 0)
    with open("/proc/%d/stat" % p.pid) as f:
        out("state", f.read().rsplit(")", 1)[1].split()[0])
    p.send_signal(signal.SIGTERM)
    out("exit_after_sigterm", wait_exit(p))
    chan.close()

def dumpable(bridge, http, socks):
    as_nobody = os.geteuid() == 0
    p, chan, r = start(bridge, http, socks, 1, as_nobody=as_nobody)
    wait_ready(r)
    uid = None
    with open("/proc/%d/status" % p.pid) as f:
        for line in f:
            if line.startswith("Uid:"):
                uid = int(line.split()[1])
    out("bridge_uid_nonzero", 1 if uid != 0 else 0)
    # A non-dumpable process's /proc files belong to root.
    out("proc_owner", os.stat("/proc/%d/environ" % p.pid).st_uid)
    with open("/proc/%d/status" % p.pid) as f:
        for line in f:
            if line.startswith(("Seccomp:", "NoNewPrivs:", "CapEff:")):
                k, v = line.split(":")
                out(k.lower(), v.strip())
    out("ptrace_bridge", ptrace_attach(p.pid))
    import subprocess
    ctl = subprocess.Popen(["sleep", "30"])
    out("ptrace_control", ptrace_attach(ctl.pid))
    ctl.kill()
    ctl.wait()
    chan.close()
    out("exit", wait_exit(p))

def ptrace_attach(pid):
    # "ok" or the errno name of PTRACE_ATTACH; detaches after success.
    import ctypes, errno
    libc = ctypes.CDLL(None, use_errno=True)
    libc.ptrace.argtypes = [ctypes.c_long, ctypes.c_long, ctypes.c_void_p,
                            ctypes.c_void_p]
    if libc.ptrace(16, pid, None, None) == -1:
        return errno.errorcode[ctypes.get_errno()]
    os.waitpid(pid, 0x40000000)  # __WALL
    libc.ptrace(17, pid, None, None)
    return "ok"

def shutdown(bridge, http, socks):
    p, chan, r = start(bridge, http, socks, 3)
    wait_ready(r)
    chan.sendall(HDR.pack(IMSG_SHUTDOWN, HDR.size, 0, os.getpid()))
    out("exit_after_shutdown", wait_exit(p))
    chan.close()

def badmsg(bridge, http, socks):
    p, chan, r = start(bridge, http, socks, 3)
    wait_ready(r)
    chan.sendall(HDR.pack(77, HDR.size, 0, os.getpid()))
    out("exit_after_badmsg", wait_exit(p))
    chan.close()

def nfds(pid):
    try:
        return len(os.listdir("/proc/%d/fd" % pid))
    except OSError:
        return -1

def flood_lowfd(bridge, http, socks):
    # With 64 descriptors the bridge runs out (EMFILE) and hits the
    # kernel's in-flight cap (ETOOMANYREFS): it must wait, not die.
    flood(bridge, http, socks, n=300, nofile=64)

def flood(bridge, http, socks, n=1500, nofile=None):
    # Clients faster than the proxy reads: the bridge must hold at most
    # its bound, stay up, and deliver every client once the proxy reads.
    import resource
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))
    p, chan, r = start(bridge, http, socks, 9, nofile=nofile)
    wait_ready(r)
    clients = []
    for i in range(n):
        c = socket.socket()
        c.connect(("127.0.0.1", http))
        clients.append(c)
    peak, last, stable = 0, -1, 0
    end = time.time() + 10
    while time.time() < end and stable < 10:
        k = nfds(p.pid)
        peak = max(peak, k)
        stable = stable + 1 if k == last else 0
        last = k
        time.sleep(0.05)
    out("alive_while_flooded", 1 if p.poll() is None else 0)
    out("bridge_fds_peak", peak)
    out("bridge_fds_bounded", 1 if peak <= 1024 + 16 else 0)
    got = 0
    while got < n:
        m = recv_msg(chan, timeout=10)
        if m is None:
            break
        for fd in m[5]:
            os.close(fd)
        if m[0] == IMSG_CLIENT:
            got += 1
    out("clients_delivered", got)
    chan.close()
    out("exit", wait_exit(p))

mode, bridge, http, socks = sys.argv[1], sys.argv[2], int(sys.argv[3]), int(sys.argv[4])
globals()[mode](bridge, http, socks)
PY
	cat >"$T/cproxy.py" <<'PY'
# A tiny HTTP CONNECT proxy for bridge.bats: "allowed.test" tunnels to
# an uppercasing echo, anything else gets a 403 like srt-proxy's.
# Writes every request head to LOG.  Serves until killed.
import socket, sys, threading

port, log = int(sys.argv[1]), sys.argv[2]

def handle(c):
    head = b""
    while b"\r\n\r\n" not in head:
        d = c.recv(1)
        if not d:
            return
        head += d
    with open(log, "ab") as f:
        f.write(head)
    target = head.split(b" ")[1]
    if target.startswith(b"sshbanner.test:"):
        # Enough of an ssh server for the client to print our version.
        c.sendall(b"HTTP/1.1 200 Connection established\r\n\r\n"
                  b"SSH-2.0-srtfake\r\n")
        got = b""
        while b"\n" not in got:
            d = c.recv(256)
            if not d:
                break
            got += d
        with open(log, "ab") as f:
            f.write(b"client banner: " + got.split(b"\r\n")[0] + b"\n")
        c.close()
        return
    if target.startswith(b"allowed.test:") or target.startswith(b"[::1]:"):
        c.sendall(b"HTTP/1.1 200 Connection established\r\n\r\nearly:")
        while True:
            d = c.recv(4096)
            if not d:
                break
            c.sendall(d.upper())
        c.sendall(b":bye")
        c.close()
        return
    body = b"Connection to " + target + b" blocked by network policy\n"
    c.sendall(b"HTTP/1.1 403 Forbidden by sandbox policy\r\n"
              b"X-Proxy-Error: blocked-by-sandbox-runtime\r\n"
              b"Content-Length: " + str(len(body)).encode() + b"\r\n\r\n" + body)
    c.close()

s = socket.socket()
s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
s.bind(("127.0.0.1", port))
s.listen(16)
while True:
    c, _ = s.accept()
    threading.Thread(target=handle, args=(c,), daemon=True).start()
PY
	CPORT=$(free_port)
	export CPORT
	python3 "$T/cproxy.py" "$CPORT" "$T/cproxy.log" 3>&- &
	echo $! >"$T/cproxy.pid"
	wait_port "$CPORT"
}

teardown_file() {
	[ -f "$T/cproxy.pid" ] && kill "$(cat "$T/cproxy.pid")" 2>/dev/null
	return 0
}

# A port in 25000-26999 nobody listens on right now.
free_port() {
	python3 - <<'PY'
import random, socket
for _ in range(200):
    p = random.randint(25000, 26999)
    s = socket.socket()
    try:
        s.bind(("127.0.0.1", p))
    except OSError:
        continue
    finally:
        s.close()
    print(p)
    break
PY
}

wait_port() {
	local i
	for i in $(seq 100); do
		(exec 9<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null && return 0
		sleep 0.05
	done
	echo "nothing listens on $1" >&2
	return 1
}

# fake MODE: run the fake proxy scenario, output in $output.
fake() {
	run timeout 60 python3 "$T/fake.py" "$1" "$B" "$(free_port)" "$(free_port)"
	echo "$output"
	[ "$status" -eq 0 ]
}

# has KEY=VALUE: the scenario printed exactly that line.
has() {
	grep -qxF -- "$1" <<<"$output"
}

@test "ready fd gets one byte once the listeners are up, then is closed" {
	fake session
	has "ready=1"
	has "ready_len=1"
	has "ready_closed=1"
	has "seccomp_at_ready=2"
}

@test "nothing on the channel until the first client, then HELLO first" {
	fake session
	has "quiet_before_client=1"
	has "hello_type=1"
	has "hello_len=24"
	has "hello_version=1"
	has "hello_role=3"
	has "hello_peerid=42"
	has "hello_pid_match=1"
}

@test "an HTTP-port client talks to the fake proxy through the passed socket" {
	fake session
	has "http_proxy_read=PING http"
	has "http_client_read=PONG from fake proxy"
}

@test "IMSG_CLIENT carries one fd, the sandbox id and the HTTP listener" {
	fake session
	has "http_type=5"
	has "http_hasfd=1"
	has "http_nfds=1"
	has "http_peerid=42"
	has "http_listener=1"
	has "http_family=inet"
}

@test "a SOCKS-port client is tagged with the SOCKS listener" {
	fake session
	has "socks_type=5"
	has "socks_listener=2"
	has "socks_peerid=42"
	has "socks_proxy_read=PING socks"
	has "socks_client_read=PONG from fake proxy"
}

@test "passed sockets arrive non-blocking" {
	fake session
	has "http_nonblock=1"
	has "socks_nonblock=1"
}

@test "the bridge also listens on ::1 when IPv6 is there" {
	[ -e /proc/net/if_inet6 ] || skip "no IPv6 in this kernel"
	fake session
	if grep -q '^http6_error=' <<<"$output"; then
		skip "no ::1 here ($output)"
	fi
	has "http6_listener=1"
	has "http6_family=inet6"
	has "http6_client_read=PONG from fake proxy"
}

@test "the bridge exits 0 when the proxy closes fd 3" {
	fake session
	has "exit_after_eof=0"
}

@test "the bridge exits 0 on SIGTERM" {
	fake sigterm
	has "exit_after_sigterm=0"
}

@test "the bridge has its own session and ignores ^C, ^\\, ^Z and SIGHUP" {
	fake sigterm
	has "own_session=1"
	has "alive_after_keyboard_signals=1"
	has "state=S"
}

@test "the bridge exits 0 on IMSG_SHUTDOWN and 1 on an unknown message" {
	fake shutdown
	has "exit_after_shutdown=0"
	fake badmsg
	has "exit_after_badmsg=1"
}

@test "the bridge is non-dumpable and confined" {
	fake dumpable
	has "bridge_uid_nonzero=1"
	has "proc_owner=0"
	has "nonewprivs=1"
	has "seccomp=2"
	has "capeff=0000000000000000"
	has "exit=0"
}

@test "a process of the same user cannot ptrace the bridge" {
	[ "$(id -u)" -ne 0 ] || skip "root may trace anything (CAP_SYS_PTRACE)"
	fake dumpable
	has "ptrace_control=ok"
	has "ptrace_bridge=EPERM"
}

@test "a flood of clients is held to the queue bound and all delivered" {
	fake flood
	has "alive_while_flooded=1"
	has "bridge_fds_bounded=1"
	has "clients_delivered=1500"
	has "exit=0"
}

@test "out of descriptors, the bridge waits and still delivers every client" {
	fake flood_lowfd
	has "alive_while_flooded=1"
	has "clients_delivered=300"
	has "exit=0"
}

@test "without a socket on fd 3 the bridge refuses to start" {
	run "$B" -H "$(free_port)" -S "$(free_port)" 3</dev/null
	echo "$output"
	[ "$status" -eq 125 ]
	[[ "$output" == *"fd 3 is not the proxy channel"* ]]
}

@test "bad options are usage errors" {
	run "$B" -H 0
	[ "$status" -eq 125 ]
	[[ "$output" == *"HTTP port"* ]]
	run "$B" -H 2000 -S 2000
	[ "$status" -eq 125 ]
	[[ "$output" == *"must differ"* ]]
	run "$B" -r 3
	[ "$status" -eq 125 ]
	run "$B" connect onlyhost
	[ "$status" -eq 125 ]
	[[ "$output" == *"usage: srt-bridge"* ]]
}

@test "-h documents both modes" {
	run "$B" -h
	[ "$status" -eq 0 ]
	[[ "$output" == *"usage: srt-bridge"* ]]
	[[ "$output" == *"connect host port"* ]]
}

@test "connect relays both ways and half-closes on stdin EOF" {
	run bash -c 'printf abc | "$B" -p "$CPORT" connect allowed.test 22'
	echo "$output"
	[ "$status" -eq 0 ]
	[ "$output" = "early:ABC:bye" ]
	grep -q '^CONNECT allowed.test:22 HTTP/1.1' "$T/cproxy.log"
	grep -q '^Host: allowed.test:22' "$T/cproxy.log"
}

@test "connect takes the proxy port from HTTP_PROXY and brackets IPv6 literals" {
	run env HTTP_PROXY="http://localhost:$CPORT" bash -c \
	    'printf x | "$B" connect ::1 2222'
	echo "$output"
	[ "$status" -eq 0 ]
	[ "$output" = "early:X:bye" ]
	grep -q '^CONNECT \[::1\]:2222 HTTP/1.1' "$T/cproxy.log"
	run env -u HTTP_PROXY http_proxy="http://127.0.0.1:$CPORT/" bash -c \
	    'printf y | "$B" connect allowed.test 2223'
	[ "$status" -eq 0 ]
	[ "$output" = "early:Y:bye" ]
}

@test "connect moves megabytes intact" {
	run bash -c 'head -c 3000000 /dev/zero | "$B" -p "$CPORT" connect allowed.test 22 | wc -c'
	echo "$output"
	[ "$status" -eq 0 ]
	[ "$output" -eq 3000010 ]
}

@test "connect prints the proxy's reason on a 403 and exits 1" {
	run "$B" -p "$CPORT" connect denied.test 22 </dev/null
	echo "$output"
	[ "$status" -eq 1 ]
	[[ "$output" == "srt-bridge: proxy refused denied.test:22: Forbidden by sandbox policy (HTTP 403)" ]]
}

@test "connect says so when the proxy port is closed" {
	local p
	p=$(free_port)
	run "$B" -p "$p" connect allowed.test 22 </dev/null
	echo "$output"
	[ "$status" -eq 1 ]
	[[ "$output" == *"cannot reach the sandbox proxy at 127.0.0.1:$p"* ]]
}

@test "connect refuses a host with spaces or line breaks" {
	run "$B" -p "$CPORT" connect "a b" 22 </dev/null
	[ "$status" -eq 1 ]
	[[ "$output" == *"not a host name"* ]]
	run "$B" -p "$CPORT" connect $'evil\r\nX-Injected: 1' 22 </dev/null
	[ "$status" -eq 1 ]
	run "$B" -p "$CPORT" connect allowed.test 99999 </dev/null
	[ "$status" -eq 1 ]
	! grep -q 'X-Injected' "$T/cproxy.log"
}

@test "ssh runs through connect as its ProxyCommand" {
	command -v ssh >/dev/null || skip "no ssh client"
	local opts=(-F /dev/null -o BatchMode=yes -o StrictHostKeyChecking=no
	    -o UserKnownHostsFile=/dev/null -o ConnectTimeout=10
	    -o "ProxyCommand=$B -p $CPORT connect %h %p")
	run timeout 30 ssh -v "${opts[@]}" sshbanner.test true </dev/null
	echo "$output"
	[[ "$output" == *"remote software version srtfake"* ]]
	grep -q '^client banner: SSH-2.0-' "$T/cproxy.log"
	run timeout 30 ssh "${opts[@]}" denied.test true </dev/null
	echo "$output"
	[ "$status" -eq 255 ]
	[[ "$output" == *"srt-bridge: proxy refused denied.test:22: Forbidden by sandbox policy"* ]]
}
