#!/usr/bin/env python3
"""A parent proxy for srt-proxy's parentProxy tests: answers CONNECT
host:port by tunnelling to 127.0.0.1:port (every name is this host), and
absolute-form requests by forwarding them there.  Each request head is
logged to --log as "METHOD TARGET auth=<Proxy-Authorization or ->".
--refuse answers every CONNECT with 403, --hangup closes without an
answer.  With --tls-cert and --tls-key it is an https:// parent: each
client speaks TLS to it first, and "tls SNI-or-none [resumed]" is
logged."""
import argparse
import os
import select
import socket
import ssl
import threading

ap = argparse.ArgumentParser()
ap.add_argument("--port-file", required=True)
ap.add_argument("--log", required=True)
ap.add_argument("--refuse", action="store_true")
ap.add_argument("--hangup", action="store_true")
ap.add_argument("--tls-cert")
ap.add_argument("--tls-key")
a = ap.parse_args()
tls = None
if a.tls_cert:
    tls = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    tls.load_cert_chain(a.tls_cert, a.tls_key)
    tls.sni_callback = lambda so, name, ctx: setattr(so, "srt_sni", name)
lock = threading.Lock()


def log(line):
    with lock:
        with open(a.log, "a") as f:
            f.write(line + "\n")


def pump(x, y):
    socks = [x, y]
    while True:
        # A TLS socket may hold decrypted bytes select cannot see.
        r = [s for s in socks if isinstance(s, ssl.SSLSocket) and s.pending()]
        if not r:
            r, _, _ = select.select(socks, [], [], 30)
        if not r:
            return
        for s in r:
            d = s.recv(65536)
            if not d:
                return
            (y if s is x else x).sendall(d)


def read_head(s):
    buf = b""
    while b"\r\n\r\n" not in buf:
        d = s.recv(4096)
        if not d:
            return None, b""
        buf += d
    head, _, rest = buf.partition(b"\r\n\r\n")
    return head.decode("latin1").split("\r\n"), rest


def serve(c):
    try:
        if tls:
            c = tls.wrap_socket(c, server_side=True)
            log("tls %s%s" % (getattr(c, "srt_sni", None) or "none",
                              " resumed" if c.session_reused else ""))
        lines, rest = read_head(c)
        if lines is None:
            return
        method, target, _ = lines[0].split(" ")
        auth = "-"
        for h in lines[1:]:
            k, _, v = h.partition(":")
            if k.strip().lower() == "proxy-authorization":
                auth = v.strip()
        log("%s %s auth=%s" % (method, target, auth))
        if method == "CONNECT":
            if a.hangup:
                return
            if a.refuse:
                c.sendall(b"HTTP/1.1 403 Forbidden\r\n\r\n")
                return
            port = int(target.rsplit(":", 1)[1])
            u = socket.create_connection(("127.0.0.1", port))
            c.sendall(b"HTTP/1.1 200 Connection established\r\n\r\n")
            if rest:
                u.sendall(rest)
            pump(c, u)
            u.close()
            return
        # Absolute form: http://host:port/path -> 127.0.0.1:port.
        hostport = target.split("/")[2]
        port = int(hostport.rsplit(":", 1)[1]) if ":" in hostport else 80
        path = "/" + target.split("/", 3)[3] if target.count("/") >= 3 else "/"
        u = socket.create_connection(("127.0.0.1", port))
        hdrs = [h for h in lines[1:] if not
                h.lower().startswith(("proxy-authorization:", "connection:"))]
        u.sendall(("%s %s HTTP/1.1\r\n%s\r\nConnection: close\r\n\r\n" %
                   (method, path, "\r\n".join(hdrs))).encode("latin1") + rest)
        pump(c, u)
        u.close()
    except OSError:
        pass
    finally:
        c.close()


ls = socket.socket()
ls.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
ls.bind(("127.0.0.1", 0))
ls.listen(64)
with open(a.port_file + ".tmp", "w") as pf:
    pf.write(str(ls.getsockname()[1]))
os.rename(a.port_file + ".tmp", a.port_file)
while True:
    c, _ = ls.accept()
    threading.Thread(target=serve, args=(c,), daemon=True).start()
