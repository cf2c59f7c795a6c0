#!/usr/bin/env python3
"""Send requests through an HTTP proxy on one client connection:
keepalive_client.py PROXYPORT URL METHOD[:BODYSIZE]...  Each request,
head and body, goes out in one write, so the proxy has the body when it
forwards the head.  Prints one line per request: the status and the body
(the server answers a body with its sha256)."""
import http.client
import socket
import sys

port, url = int(sys.argv[1]), sys.argv[2]
host = url.split("/")[2]
s = None
for spec in sys.argv[3:]:
    method, _, size = spec.partition(":")
    body = (bytes(range(256)) * (int(size or 0) // 256 + 1))[:int(size or 0)]
    head = "%s %s HTTP/1.1\r\nHost: %s\r\n" % (method, url, host)
    if size:
        head += "Content-Length: %d\r\n" % len(body)
    req = (head + "\r\n").encode() + body
    try:
        if s is None:
            s = socket.create_connection(("127.0.0.1", port), timeout=20)
        s.sendall(req)
        r = http.client.HTTPResponse(s, method=method)
        r.begin()
        print(r.status, r.read().decode(errors="replace"))
        if r.getheader("connection", "").lower() == "close":
            s.close()
            s = None
    except (OSError, http.client.HTTPException) as e:
        print("error", type(e).__name__)
        if s is not None:
            s.close()
        s = None
