#!/usr/bin/env python3
"""Plays srt-launch (fd 3), srt-bridge (fd 5) and srt-monitor (fd 4) for
srt-proxy -P, and prints one line per observation for the bats suite.

usage: service.py PROXY UPSTREAM_PORT
"""
import json, os, socket, struct, subprocess, sys, time

HELLO, POLICY, POLICY_OK, POLICY_BAD, CLIENT, EVENT = 1, 2, 3, 4, 5, 6
SHUTDOWN = 9
HASFD = 0x80000000


def send(sock, typ, payload=b"", peerid=0, fd=None):
    hdr = struct.pack("=IIII", typ, (16 + len(payload)) | (HASFD if fd is not None else 0),
                      peerid, os.getpid())
    if fd is None:
        sock.sendall(hdr + payload)
    else:
        socket.send_fds(sock, [hdr + payload], [fd])


def recv(sock, timeout=5):
    sock.settimeout(timeout)
    hdr = b""
    while len(hdr) < 16:
        b = sock.recv(16 - len(hdr))
        if not b:
            return None, None, None
        hdr += b
    typ, ln, peerid, _ = struct.unpack("=IIII", hdr)
    ln &= ~HASFD
    data = b""
    while len(data) < ln - 16:
        data += sock.recv(ln - 16 - len(data))
    return typ, data, peerid


def http_get(sock, url):
    sock.settimeout(5)
    sock.sendall(("GET %s HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n"
                  % url).encode())
    out = b""
    while True:
        b = sock.recv(65536)
        if not b:
            break
        out += b
    return out


def client(bridge, listener, peerid):
    ours, theirs = socket.socketpair()
    send(bridge, CLIENT, struct.pack("=II", listener, socket.AF_INET),
         peerid=peerid, fd=theirs.fileno())
    theirs.close()
    return ours


def main():
    proxy, up = sys.argv[1], int(sys.argv[2])
    ctl, ctl_c = socket.socketpair()
    br, br_c = socket.socketpair()
    mon, mon_c = socket.socketpair()
    # Move the child ends above 9 so the shell's redirections cannot
    # collide with the targets 3, 4 and 5.
    fds = tuple(__import__("fcntl").fcntl(s.fileno(), 0, 20 + i)
                for i, s in enumerate((ctl_c, mon_c, br_c)))
    cmd = "exec %s -P 3<&%d 4<&%d 5<&%d %d<&- %d<&- %d<&-" % (
        (proxy,) + fds + fds)
    p = subprocess.Popen(["bash", "-c", cmd], pass_fds=fds)
    for s in (ctl_c, br_c, mon_c):
        s.close()
    for fd in fds:
        os.close(fd)

    typ, data, _ = recv(ctl)
    print("ctl hello", typ, struct.unpack("=II", data)[0])
    send(ctl, HELLO, struct.pack("=II", 1, 1))
    pol = {"network": {"allowedDomains": ["127.0.0.1:%d" % up]}}
    send(ctl, POLICY, json.dumps(pol).encode())
    typ, data, _ = recv(ctl)
    print("policy", "ok" if typ == POLICY_OK else "bad %r" % data)

    typ, _, _ = recv(br)
    print("bridge hello", typ)
    send(br, HELLO, struct.pack("=II", 1, 3))

    c = client(br, 1, 42)
    print("http", http_get(c, "http://127.0.0.1:%d/bytes/5" % up).split(b"\r\n")[0].decode())
    # The launcher starts its monitor when the first byte arrives: the
    # channel stays silent until there is an event, the hello before it.
    mon.setblocking(False)
    try:
        print("monitor early", mon.recv(1))
    except BlockingIOError:
        print("monitor silent before an event")
    c = client(br, 1, 42)
    print("denied", http_get(c, "http://other.org/").split(b"\r\n")[0].decode())
    typ, _, _ = recv(mon)
    print("monitor hello", typ)
    typ, data, peerid = recv(mon)
    ev = json.loads(data)
    # srt-events(5): decision, target "host:port"
    print("event", typ, peerid, ev.get("decision"),
          ev.get("target", "").rsplit(":", 1)[0])

    c = client(br, 2, 7)
    c.sendall(b"\x05\x01\x00")
    c.recv(2)
    c.sendall(b"\x05\x01\x00\x01\x7f\x00\x00\x01" + struct.pack(">H", up))
    print("socks reply", c.recv(10)[1])

    send(ctl, POLICY, b"{not json")
    typ, data, _ = recv(ctl)
    print("bad policy", "refused" if typ == POLICY_BAD else "accepted", bool(data))
    c = client(br, 1, 42)
    print("after bad", http_get(c, "http://127.0.0.1:%d/bytes/1" % up).split(b"\r\n")[0].decode())

    send(ctl, POLICY, json.dumps({"network": {"allowedDomains": []}}).encode())
    typ, _, _ = recv(ctl)
    c = client(br, 1, 42)
    print("after update", typ, http_get(c, "http://127.0.0.1:%d/bytes/1" % up).split(b"\r\n")[0].decode())

    # A client message without a descriptor: the bridge channel is dropped,
    # the proxy lives on.
    send(br, CLIENT, struct.pack("=II", 1, 2), peerid=1)
    time.sleep(0.3)
    print("alive after bad bridge", p.poll() is None)

    ctl.close()
    try:
        rc = p.wait(timeout=5)
    except subprocess.TimeoutExpired:
        p.kill()
        rc = "hung"
    print("exit on EOF", rc)


if __name__ == "__main__":
    main()
