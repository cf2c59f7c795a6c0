#!/usr/bin/env python3
"""One client exchange through srt-proxy, checked; exit 0 when right.

  session.py PROXY_PORT UPSTREAM_PORT KIND
  KIND: get | denied | malformed | post-chunked | connect | socks |
        socks-denied | keepalive | upstream-close
        parent-get | parent-connect | parent-socks: to far.parent.test,
          which the proxy's parentProxy (tests/proxy/parent_proxy.py)
          reaches for it
        reuse | reuse-post: UPSTREAM_PORT is tests/proxy/reuse_upstream.py,
          which closes a kept-alive connection when it is reused
Bodies come from tests/proxy/upstream.py and are compared byte for byte
(or by sha256 for uploads).
"""
import hashlib, socket, struct, sys

px, up, kind = int(sys.argv[1]), int(sys.argv[2]), sys.argv[3]
PATTERN = bytes(range(256)) * 4096


def pattern(n):
    return (PATTERN * (n // len(PATTERN) + 1))[:n]


def conn():
    return socket.create_connection(("127.0.0.1", px), timeout=60)


def read_response(s):
    """Status, body of one response (Content-Length or chunked)."""
    f = s.makefile("rb")
    status, hdr = read_head(f)
    code = int(status.split()[1])
    if "content-length" in hdr:
        body = f.read(int(hdr["content-length"]))
    elif hdr.get("transfer-encoding", "").lower() == "chunked":
        body = b""
        while True:
            n = int(f.readline().split(b";")[0], 16)
            if n == 0:
                f.readline()
                break
            body += f.read(n)
            f.readline()
    else:
        body = f.read()
    return code, body


def expect(cond, what):
    if not cond:
        print("FAIL: " + what)
        sys.exit(1)


def get(s, path, absolute=True, host=b"localhost"):
    t = b"http://%s:%d%s" % (host, up, path) if absolute else path
    s.sendall(b"GET %s HTTP/1.1\r\nHost: %s:%d\r\n\r\n" % (t, host, up))
    return read_response(s)


def read_head(f):
    status = f.readline()
    hdr = {}
    while True:
        line = f.readline()
        if line in (b"\r\n", b""):
            break
        k, _, v = line.decode().partition(":")
        hdr[k.strip().lower()] = v.strip()
    return status, hdr


def connect_tunnel(host, path, n):
    """CONNECT host:up, then a GET inside; True if the body is right."""
    s = conn()
    s.sendall(b"CONNECT %s:%d HTTP/1.1\r\nHost: %s\r\n\r\n" % (host, up, host))
    f = s.makefile("rb")
    status, _ = read_head(f)
    expect(b" 200" in status, "CONNECT: %r" % status)
    s.sendall(b"GET %s HTTP/1.1\r\nHost: %s\r\n\r\n" % (path, host))
    # The tunnel is opaque: parse the upstream's response ourselves.
    status, hdr = read_head(f)
    body = f.read(int(hdr.get("content-length", 0)))
    return b" 200" in status and body == pattern(n)


def socks_connect(host, port):
    s = conn()
    s.sendall(b"\x05\x01\x00")
    expect(s.recv(2) == b"\x05\x00", "socks method")
    s.sendall(b"\x05\x01\x00\x03" + bytes([len(host)]) + host +
              struct.pack(">H", port))
    rep = b""
    while len(rep) < 10:
        b = s.recv(10 - len(rep))
        if not b:
            break
        rep += b
    return s, rep


if kind == "get":
    code, body = get(conn(), b"/bytes/100000")
    expect(code == 200 and body == pattern(100000), "GET body")
elif kind == "keepalive":
    s = conn()
    for n in (1, 1000, 65536, 7):
        code, body = get(s, b"/chunked/%d" % n)
        expect(code == 200 and body == pattern(n), "keep-alive %d" % n)
elif kind == "denied":
    s = conn()
    s.sendall(b"GET http://denied.test/ HTTP/1.1\r\nHost: denied.test\r\n\r\n")
    code, _ = read_response(s)
    expect(code == 403, "denied: %d" % code)
elif kind == "malformed":
    s = conn()
    s.sendall(b"GET http://localhost/ HTTP/1.1\r\nX: a\r\n folded\r\n\r\n")
    code, _ = read_response(s)
    expect(code == 400, "malformed: %d" % code)
elif kind == "post-chunked":
    s = conn()
    data = pattern(300001)
    s.sendall(b"POST http://localhost:%d/sha HTTP/1.1\r\nHost: x\r\n"
              b"Transfer-Encoding: chunked\r\n\r\n" % up)
    for i in range(0, len(data), 65000):
        c = data[i:i + 65000]
        s.sendall(b"%x\r\n" % len(c) + c + b"\r\n")
    s.sendall(b"0\r\n\r\n")
    code, body = read_response(s)
    expect(code == 200 and body.strip().decode() ==
           hashlib.sha256(data).hexdigest(), "upload sha")
elif kind == "connect":
    expect(connect_tunnel(b"localhost", b"/bytes/250000", 250000),
           "tunnel body")
elif kind == "upstream-close":
    # Each answer ends its upstream connection (Connection: close); the
    # client's stays and is not told to close.
    s = conn()
    for n in (1, 200000, 7):
        s.sendall(b"GET http://localhost:%d/lenclose/%d HTTP/1.1\r\n"
                  b"Host: x\r\n\r\n" % (up, n))
        f = s.makefile("rb")
        status, hdr = read_head(f)
        body = f.read(int(hdr["content-length"]))
        expect(b" 200" in status and body == pattern(n) and
               "connection" not in hdr, "upstream-close %d" % n)
elif kind == "parent-get":
    s = conn()
    for n in (5000, 300000):
        code, body = get(s, b"/bytes/%d" % n, host=b"far.parent.test")
        expect(code == 200 and body == pattern(n), "parent GET %d" % n)
elif kind == "parent-connect":
    expect(connect_tunnel(b"far.parent.test", b"/bytes/250001", 250001),
           "parent tunnel body")
elif kind == "parent-socks":
    s, rep = socks_connect(b"far.parent.test", up)
    expect(rep[:2] == b"\x05\x00", "parent socks reply %r" % rep)
    code, body = get(s, b"/bytes/123", absolute=False)
    expect(code == 200 and body == pattern(123), "parent socks body")
elif kind in ("reuse", "reuse-post"):
    # Every reuse of the kept-alive upstream is met by a close; a GET is
    # replayed on a fresh connection, a POST whose body went is not.
    s = conn()
    t = b"http://127.0.0.1:%d/g" % up
    for i in range(3 if kind == "reuse" else 1):
        s.sendall(b"GET %s HTTP/1.1\r\nHost: x\r\n\r\n" % t)
        code, body = read_response(s)
        expect(code == 200 and body == b"hello /g", "reuse %d: %d %r"
               % (i, code, body))
    if kind == "reuse-post":
        s.sendall(b"POST %s HTTP/1.1\r\nHost: x\r\nContent-Length: 5"
                  b"\r\n\r\nhello" % t)
        code, _ = read_response(s)
        expect(code == 502, "reuse-post: %d" % code)
elif kind == "socks":
    s, rep = socks_connect(b"localhost", up)
    expect(rep[:2] == b"\x05\x00", "socks reply %r" % rep)
    code, body = get(s, b"/bytes/123457", absolute=False)
    expect(code == 200 and body == pattern(123457), "socks body")
elif kind == "socks-denied":
    s, rep = socks_connect(b"denied.test", 443)
    expect(rep[:2] == b"\x05\x02", "socks denied reply %r" % rep)
else:
    sys.exit("unknown kind " + kind)
print("ok " + kind)
