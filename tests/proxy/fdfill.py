# For proxy-splice.bats: drive an srt-proxy that runs under a hard
# descriptor limit of LIMIT to the point where no pipe can be made.
import os, socket, time

LIMIT = 48
PAT = bytes(range(256)) * 4096


def want(n):
    return (PAT * (n // len(PAT) + 1))[:n]


class Proxy:
    def __init__(self, port, up, pid):
        self.port, self.up, self.pid = port, up, pid

    # Descriptors the proxy may still open: numbers below the limit (it
    # may have inherited some above it).
    def fds(self):
        return sum(int(f) < LIMIT for f in os.listdir("/proc/%s/fd" % self.pid))

    def connect(self, wait=20):
        s = socket.create_connection(("127.0.0.1", self.port), timeout=wait)
        s.sendall(b"CONNECT 127.0.0.1:%d HTTP/1.1\r\nHost: x\r\n\r\n" % self.up)
        f = s.makefile("rb")
        try:
            line = f.readline()
        except socket.timeout:
            f.close()
            s.close()
            return None
        assert line.startswith(b"HTTP/1.1 200")
        while f.readline() not in (b"\r\n", b""):
            pass
        s.settimeout(20)
        return s, f

    # Tunnels until the proxy takes no more clients (it keeps room for
    # their upstreams and a few more), then downloads the client does not
    # read, each holding a pipe, until at most one descriptor is free.
    def fill(self):
        held = []
        while self.fds() <= LIMIT - 2:
            t = self.connect(2)
            if t is None:
                break
            held.append(t)
        for s, f in held[1:]:
            if self.fds() <= LIMIT - 2:
                n = self.fds()
                s.sendall(b"GET /bytes/30000000 HTTP/1.1\r\nHost: x\r\n\r\n")
                end = time.time() + 10
                while self.fds() < n + 2 and time.time() < end:
                    time.sleep(0.05)
        return held


def answer(f):
    line = f.readline()
    n = 0
    while True:
        h = f.readline()
        if h in (b"\r\n", b""):
            break
        if h.lower().startswith(b"content-length:"):
            n = int(h.split(b":")[1])
    return line, f.read(n)
