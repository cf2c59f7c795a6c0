#!/usr/bin/env python3
"""Loopback test servers for the network suites and the benchmark.

upstream.py MODE PORTFILE [ROOT]

Binds 127.0.0.1 on a free port in 27000-28999, writes the port to
PORTFILE (atomically) and serves until killed:

  http       GET /hello -> "hello from upstream"; GET /bytes/N -> N bytes
             from memory (benchmarks); anything else 404
  userproxy  a stand-in for the user's own proxy (httpProxyPort): answers
             every request, absolute-form or CONNECT, "via user proxy"
  socks      a stand-in SOCKS5 proxy (socksProxyPort): accepts the
             greeting and any CONNECT, then sends "via user socks"
  git        git http-backend for the repositories under ROOT, as CGI
"""
import http.server
import os
import random
import socket
import socketserver
import subprocess
import sys

CHUNK = b"x" * (1 << 20)


def bind_free():
    s = socket.socket()
    s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    for _ in range(200):
        port = random.randint(27000, 28999)
        try:
            s.bind(("127.0.0.1", port))
            return s, port
        except OSError:
            continue
    raise SystemExit("no free port in 27000-28999")


class Upstream(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_message(self, *args):
        pass

    def send_body(self, code, body):
        self.send_response(code)
        self.send_header("Content-Type", "text/plain")
        self.send_header("Content-Length", str(len(body)))
        self.send_header("X-Upstream", "yes")
        self.end_headers()
        self.wfile.write(body)

    def do_GET(self):
        if self.path == "/hello":
            self.send_body(200, b"hello from upstream\n")
        elif self.path.startswith("/bytes/"):
            n = int(self.path[7:])
            self.send_response(200)
            self.send_header("Content-Length", str(n))
            self.end_headers()
            mv = memoryview(CHUNK)
            while n > 0:
                k = min(n, len(CHUNK))
                self.wfile.write(mv[:k])
                n -= k
        else:
            self.send_body(404, b"not here\n")


class UserProxy(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_message(self, *args):
        pass

    def do_GET(self):
        body = b"via user proxy " + self.path.encode() + b"\n"
        self.send_response(200)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def do_CONNECT(self):
        self.send_response(200, "tunnel to nowhere")
        self.end_headers()
        self.wfile.write(b"via user proxy CONNECT " + self.path.encode() +
                         b"\n")
        self.close_connection = True


class Socks(socketserver.BaseRequestHandler):
    def handle(self):
        c = self.request
        greet = c.recv(2)
        c.recv(greet[1])
        c.sendall(b"\x05\x00")
        req = c.recv(4)
        atyp = req[3]
        if atyp == 1:
            c.recv(6)
        elif atyp == 3:
            c.recv(c.recv(1)[0] + 2)
        else:
            c.recv(18)
        c.sendall(b"\x05\x00\x00\x01\x7f\x00\x00\x01\x00\x00")
        c.sendall(b"HTTP/1.0 200 OK\r\nContent-Length: 15\r\n\r\n"
                  b"via user socks\n")


class Git(http.server.BaseHTTPRequestHandler):
    """Just enough CGI for git http-backend (smart HTTP)."""
    protocol_version = "HTTP/1.0"
    root = "/nonexistent"

    def log_message(self, *args):
        pass

    def run_backend(self):
        path, _, query = self.path.partition("?")
        env = {
            "GIT_PROJECT_ROOT": self.root,
            "GIT_HTTP_EXPORT_ALL": "1",
            "PATH_INFO": path,
            "QUERY_STRING": query,
            "REQUEST_METHOD": self.command,
            "CONTENT_TYPE": self.headers.get("Content-Type", ""),
            "REMOTE_ADDR": "127.0.0.1",
            "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
        }
        n = int(self.headers.get("Content-Length", "0") or 0)
        body = self.rfile.read(n) if n else b""
        if self.headers.get("Content-Encoding") == "gzip":
            env["HTTP_CONTENT_ENCODING"] = "gzip"
        out = subprocess.run(["git", "http-backend"], input=body, env=env,
                             stdout=subprocess.PIPE).stdout
        head, _, rest = out.partition(b"\r\n\r\n")
        status = 200
        headers = []
        for line in head.split(b"\r\n"):
            k, _, v = line.decode().partition(":")
            if k.lower() == "status":
                status = int(v.split()[0])
            elif k:
                headers.append((k, v.strip()))
        self.send_response(status)
        for k, v in headers:
            self.send_header(k, v)
        self.send_header("Content-Length", str(len(rest)))
        self.end_headers()
        self.wfile.write(rest)

    do_GET = run_backend
    do_POST = run_backend


class Server(socketserver.ThreadingMixIn, socketserver.TCPServer):
    daemon_threads = True
    allow_reuse_address = True

    def __init__(self, sock, handler):
        socketserver.TCPServer.__init__(self, None, handler,
                                        bind_and_activate=False)
        self.socket = sock
        self.server_address = sock.getsockname()
        sock.listen(128)


def main():
    mode, portfile = sys.argv[1], sys.argv[2]
    handler = {"http": Upstream, "userproxy": UserProxy, "socks": Socks,
               "git": Git}[mode]
    if mode == "git":
        Git.root = sys.argv[3]
    sock, port = bind_free()
    srv = Server(sock, handler)
    with open(portfile + ".tmp", "w") as f:
        f.write(str(port))
    os.rename(portfile + ".tmp", portfile)
    srv.serve_forever()


if __name__ == "__main__":
    main()
