#!/usr/bin/env python3
"""srt-proxy -P under a descriptor limit: more clients passed over the
bridge than the proxy has descriptors for.  The proxy must stop reading
the channel while it is short (the kernel would close a passed
descriptor it cannot install) and read on as clients finish: every
client is answered, none is lost, the channel and the proxy live on.

usage: service_fdlimit.py PROXY UPSTREAM_PORT LIMIT CLIENTS LOG
Prints one line per observation for proxy-ops.bats.
"""
import json, os, socket, struct, subprocess, sys, time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from service import HELLO, POLICY, POLICY_OK, recv, send, client  # noqa
from client import read_all  # noqa


def main():
    proxy, up, limit, n, log = (sys.argv[1], int(sys.argv[2]),
                                int(sys.argv[3]), int(sys.argv[4]),
                                sys.argv[5])
    ctl, ctl_c = socket.socketpair()
    br, br_c = socket.socketpair()
    fds = tuple(__import__("fcntl").fcntl(s.fileno(), 0, 20 + i)
                for i, s in enumerate((ctl_c, br_c)))
    cmd = ("exec prlimit --nofile=%d:%d %s -d -P 3<&%d 5<&%d %d<&- %d<&- "
           "2>%s" % ((limit, limit, proxy) + fds + fds + (log,)))
    p = subprocess.Popen(["bash", "-c", cmd], pass_fds=fds)
    for s in (ctl_c, br_c):
        s.close()
    for fd in fds:
        os.close(fd)
    recv(ctl)
    send(ctl, HELLO, struct.pack("=II", 1, 1))
    pol = {"network": {"allowedDomains": ["127.0.0.1:%d" % up]}}
    send(ctl, POLICY, json.dumps(pol).encode())
    typ, _, _ = recv(ctl)
    print("policy", "ok" if typ == POLICY_OK else "bad")
    recv(br)
    send(br, HELLO, struct.pack("=II", 1, 3))
    with open("/proc/%d/limits" % p.pid) as f:
        soft = [l.split()[3] for l in f if l.startswith("Max open files")][0]
    print("proxy limit", soft)

    # Every client connects at once and says nothing yet: more than
    # the proxy can hold.
    br.settimeout(20)
    clients = [client(br, 1, 42) for _ in range(n)]
    time.sleep(1)
    held = sum(int(f) < limit for f in os.listdir("/proc/%d/fd" % p.pid))
    print("proxy fds", held, "of", limit, "with", n, "clients waiting")
    # Now each asks; the answered ones close and make room for the rest.
    req = ("GET http://127.0.0.1:%d/bytes/5 HTTP/1.1\r\nHost: x\r\n"
           "Connection: close\r\n\r\n" % up).encode()
    for c in clients:
        c.sendall(req)
    ok = lost = 0
    for c in clients:
        out = read_all(c, 30)
        if out.startswith(b"HTTP/1.1 200") and out.endswith(b"\r\n\r\n" +
                                                           b"\x00\x01\x02\x03\x04"):
            ok += 1
        else:
            lost += 1
        c.close()
    print("answered", ok, "lost", lost)
    c = client(br, 1, 42)
    c.sendall(req)
    c.settimeout(10)
    try:
        line = c.recv(100).split(b"\r\n")[0].decode()
    except socket.timeout:
        line = "no answer"
    print("after", line)
    print("alive", p.poll() is None)
    ctl.close()
    try:
        p.wait(timeout=5)
    except subprocess.TimeoutExpired:
        p.kill()


if __name__ == "__main__":
    main()
