#!/usr/bin/env python3
"""Loopback upstream for the proxy tests: serves bodies from memory.

  GET  /bytes/N      N bytes of a fixed pattern, Content-Length
  GET  /chunked/N    N bytes, Transfer-Encoding: chunked (odd chunk sizes)
  GET  /close/N      N bytes, no length, connection closed after
  GET  /lenclose/N   N bytes, Content-Length and Connection: close
  POST /sha          sha256 of the request body (length or chunked)
  *    /headers      the request line and headers it received, as text
Writes its port to the file named by --port-file once listening.
"""
import argparse, hashlib, http.server, socket, socketserver, sys

PATTERN = bytes(range(256)) * 4096


def body(n):
    out = bytearray()
    while len(out) < n:
        out += PATTERN[: n - len(out)]
    return bytes(out)


class H(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_message(self, *a):
        pass

    def read_body(self):
        if self.headers.get("Transfer-Encoding", "").lower() == "chunked":
            data = bytearray()
            while True:
                line = self.rfile.readline()
                size = int(line.split(b";")[0], 16)
                if size == 0:
                    while self.rfile.readline() not in (b"\r\n", b""):
                        pass
                    return bytes(data)
                data += self.rfile.read(size)
                self.rfile.readline()
        n = int(self.headers.get("Content-Length", "0"))
        return self.rfile.read(n)

    def send_plain(self, data, code=200, ctype="application/octet-stream"):
        self.send_response(code)
        self.send_header("Content-Type", ctype)
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(data)

    def route(self):
        p = self.path.split("?")[0].split("/")
        if len(p) >= 2 and p[1] == "headers":
            self.read_body()
            text = self.requestline + "\n" + "".join(
                "%s: %s\n" % kv for kv in self.headers.items())
            return self.send_plain(text.encode(), ctype="text/plain")
        if len(p) >= 3 and p[1] == "bytes":
            return self.send_plain(body(int(p[2])))
        if len(p) >= 3 and p[1] == "chunked":
            data = body(int(p[2]))
            self.send_response(200)
            self.send_header("Transfer-Encoding", "chunked")
            self.end_headers()
            if self.command == "HEAD":
                return
            i, step = 0, 1
            while i < len(data):
                c = data[i:i + step]
                self.wfile.write(b"%x\r\n" % len(c) + c + b"\r\n")
                i += len(c)
                step = step * 3 + 7
            self.wfile.write(b"0\r\n\r\n")
            return
        if len(p) >= 3 and p[1] == "close":
            self.send_response(200)
            self.send_header("Connection", "close")
            self.end_headers()
            self.wfile.write(body(int(p[2])))
            self.close_connection = True
            return
        if len(p) >= 3 and p[1] == "lenclose":
            data = body(int(p[2]))
            self.send_response(200)
            self.send_header("Content-Length", str(len(data)))
            self.send_header("Connection", "close")
            self.end_headers()
            self.wfile.write(data)
            self.close_connection = True
            return
        if len(p) >= 2 and p[1] == "sha":
            data = self.read_body()
            return self.send_plain(hashlib.sha256(data).hexdigest().encode(),
                                   ctype="text/plain")
        self.send_plain(b"not found\n", 404, "text/plain")

    do_GET = do_POST = do_PUT = do_HEAD = route


class Server(socketserver.ThreadingMixIn, http.server.HTTPServer):
    daemon_threads = True
    allow_reuse_address = True


class Server6(Server):
    address_family = socket.AF_INET6


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--host", default="127.0.0.1")
    ap.add_argument("--port", type=int, default=0)
    ap.add_argument("--port-file")
    a = ap.parse_args()
    cls = Server6 if ":" in a.host else Server
    srv = cls((a.host, a.port), H)
    if a.port_file:
        with open(a.port_file + ".tmp", "w") as f:
            f.write("%d\n" % srv.server_address[1])
        import os
        os.rename(a.port_file + ".tmp", a.port_file)
    srv.serve_forever()


if __name__ == "__main__":
    main()
