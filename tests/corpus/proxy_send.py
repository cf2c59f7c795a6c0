#!/usr/bin/env python3
"""Send every malformed request of tests/corpus/{http,socks} to a proxy.

  proxy_send.py --proxy PORT --upstream PORT [--write] [--only NAME] DIR...

For each DIR/NAME.req ("@PORT@" is the upstream port: decimal for http/,
two bytes for socks/) it connects, sends the bytes, reads until the proxy
closes or --wait seconds pass, and names the answer:
  "http NNN"  the status of the first response
  "close"     closed without a byte
  "timeout"   nothing, still open
  "bytes HEX close|open" anything else (SOCKS replies), first 32 bytes
and compares it with NAME.req.expect (--write writes it instead).
NAME.req.known-bug marks a case the proxy answers wrongly today: a
mismatch is a skip whose reason is the marker's first line, a match
says to remove the marker.  After
every 10 cases a good client must still be served: a GET through the
proxy of /bytes/4096 whose body is checked.  Prints TAP; exit 1 on any
mismatch.
"""
import argparse, glob, hashlib, os, socket, struct, sys, time

ap = argparse.ArgumentParser()
ap.add_argument("--proxy", type=int, required=True)
ap.add_argument("--upstream", type=int, required=True)
ap.add_argument("--wait", type=float, default=4.0)
ap.add_argument("--write", action="store_true")
ap.add_argument("--only")
ap.add_argument("dirs", nargs="+")
a = ap.parse_args()

PATTERN = bytes(range(256)) * 16


def answer(data):
    s = socket.create_connection(("127.0.0.1", a.proxy), timeout=a.wait)
    got, closed = b"", False
    try:
        s.sendall(data)
    except OSError:
        pass  # the proxy may close before reading everything
    deadline = time.monotonic() + a.wait
    try:
        while time.monotonic() < deadline:
            s.settimeout(max(0.05, deadline - time.monotonic()))
            try:
                b = s.recv(65536)
            except socket.timeout:
                break
            if not b:
                closed = True
                break
            got += b
            if got.startswith(b"HTTP/") and b"\r\n" in got:
                break
    except ConnectionResetError:
        closed = True
    finally:
        s.close()
    if got.startswith(b"HTTP/") and b"\r\n" in got:
        return "http " + got.split(b"\r\n", 1)[0].split(b" ")[1].decode()
    if got:
        return "bytes " + got[:32].hex() + (" close" if closed else " open")
    return "close" if closed else "timeout"


def good_client():
    s = socket.create_connection(("127.0.0.1", a.proxy), timeout=10)
    s.sendall(b"GET http://localhost:%d/bytes/4096 HTTP/1.1\r\n"
              b"Host: localhost:%d\r\nConnection: close\r\n\r\n"
              % (a.upstream, a.upstream))
    data = b""
    while True:
        b = s.recv(65536)
        if not b:
            break
        data += b
    s.close()
    head, _, body = data.partition(b"\r\n\r\n")
    return head.startswith(b"HTTP/1.1 200") and body == PATTERN


files = []
for d in a.dirs:
    files += sorted(glob.glob(os.path.join(d, "*.req")))
n = bad = 0
for i, f in enumerate(files):
    name = os.path.basename(os.path.dirname(f)) + "/" + os.path.basename(f)[:-4]
    if a.only and a.only not in name:
        continue
    port = (struct.pack(">H", a.upstream) if "/socks/" in f
            else str(a.upstream).encode())
    data = open(f, "rb").read().replace(b"@PORT@", port)
    got = answer(data)
    n += 1
    if a.write:
        open(f + ".expect", "w").write(got + "\n")
        print("ok %d - %s: %s" % (n, name, got))
    else:
        try:
            want = open(f + ".expect").read().strip()
        except OSError:
            want = "(no .expect)"
        try:
            bug = open(f + ".known-bug").readline().strip()
        except OSError:
            bug = None
        if bug and got != want:
            print("ok %d - %s: got %s # skip known bug: %s" % (n, name, got,
                                                          bug))
        elif bug:
            bad += 1
            print("not ok %d - %s: fixed, remove the .known-bug" % (n, name))
        elif got == want:
            print("ok %d - %s: %s" % (n, name, got))
        else:
            bad += 1
            print("not ok %d - %s: got %s, want %s" % (n, name, got, want))
    if n % 10 == 0:
        n += 1
        if good_client():
            print("ok %d - a good client is still served" % n)
        else:
            bad += 1
            print("not ok %d - a good client is still served" % n)
print("1..%d" % n)
sys.exit(1 if bad else 0)
