#!/usr/bin/env python3
"""An HTTP/1.1 upstream that closes a kept-alive connection at the exact
moment it is reused: it answers the first request on a connection and,
when the next request's head arrives on it, closes (FIN, or RST with
--rst) without a byte of response.  A fresh connection is answered.
Each request head seen is logged as "METHOD PATH conn=N nth=K" to --log;
a request with a body is answered with the body's sha256."""
import argparse
import hashlib
import socket
import struct
import threading

ap = argparse.ArgumentParser()
ap.add_argument("--port-file", required=True)
ap.add_argument("--log", required=True)
ap.add_argument("--rst", action="store_true")
a = ap.parse_args()
lock = threading.Lock()
nconn = 0


def log(line):
    with lock:
        with open(a.log, "a") as f:
            f.write(line + "\n")


def read_head(f):
    line = f.readline()
    if not line:
        return None
    hdr = {}
    while True:
        h = f.readline()
        if h in (b"\r\n", b""):
            break
        k, _, v = h.decode().partition(":")
        hdr[k.strip().lower()] = v.strip()
    return line.decode().split(" "), hdr


def read_body(f, hdr):
    if "content-length" in hdr:
        return f.read(int(hdr["content-length"]))
    if hdr.get("transfer-encoding", "").lower() == "chunked":
        body = b""
        while True:
            n = int(f.readline().split(b";")[0], 16)
            if n == 0:
                f.readline()
                return body
            body += f.read(n)
            f.readline()
    return b""


def serve(s, cid):
    f = s.makefile("rb")
    nth = 0
    while True:
        req = read_head(f)
        if req is None:
            break
        (method, path, _), hdr = req
        nth += 1
        log("%s %s conn=%d nth=%d" % (method, path, cid, nth))
        if nth > 1:
            if a.rst:
                s.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER,
                             struct.pack("ii", 1, 0))
            break
        body = read_body(f, hdr)
        out = (hashlib.sha256(body).hexdigest() if body else "hello " +
               path).encode()
        s.sendall(b"HTTP/1.1 200 OK\r\nContent-Length: %d\r\n\r\n%s" %
                  (len(out), b"" if method == "HEAD" else out))
    s.close()


ls = socket.socket()
ls.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
ls.bind(("127.0.0.1", 0))
ls.listen(64)
with open(a.port_file + ".tmp", "w") as pf:
    pf.write(str(ls.getsockname()[1]))
import os
os.rename(a.port_file + ".tmp", a.port_file)
while True:
    c, _ = ls.accept()
    nconn += 1
    threading.Thread(target=serve, args=(c, nconn), daemon=True).start()
