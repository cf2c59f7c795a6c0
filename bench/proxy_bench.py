#!/usr/bin/env python3
"""Latency and idle-tunnel halves of bench/proxy.sh.

  latency UPPORT PROXYPORT N    N small keep-alive GETs direct and through
                                the proxy; prints p50/p99 of each and the
                                difference, in microseconds
  idle UPPORT PROXYPORT PROXYPID N
                                open N CONNECT tunnels (fewer if the proxy's
                                descriptor limit cannot hold N) and hold
                                them; prints errors, fds per tunnel and the
                                proxy's RSS before/after
"""
import os, resource, socket, sys, time


def rss_kib(pid):
    for line in open("/proc/%s/status" % pid):
        if line.startswith("VmRSS:"):
            return int(line.split()[1])
    return -1


def timed_requests(sock, req, n):
    out = []
    f = sock.makefile("rb")
    for _ in range(n):
        t = time.perf_counter_ns()
        sock.sendall(req)
        line = f.readline()
        while f.readline() not in (b"\r\n", b""):
            pass
        f.read(2)
        out.append(time.perf_counter_ns() - t)
        if not line.startswith(b"HTTP/1.1 200"):
            raise SystemExit("bad answer %r" % line)
    out.sort()
    return out[len(out) // 2] / 1000, out[len(out) * 99 // 100] / 1000


def latency(up, px, n):
    s = socket.create_connection(("127.0.0.1", up))
    s.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
    timed_requests(s, b"GET /s HTTP/1.1\r\nHost: x\r\n\r\n", 200)
    d50, d99 = timed_requests(s, b"GET /s HTTP/1.1\r\nHost: x\r\n\r\n", n)
    p = socket.create_connection(("127.0.0.1", px))
    p.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
    req = ("GET http://127.0.0.1:%d/s HTTP/1.1\r\nHost: x\r\n\r\n" % up).encode()
    timed_requests(p, req, 200)
    p50, p99 = timed_requests(p, req, n)
    print("latency direct   p50 %7.1f us  p99 %7.1f us" % (d50, d99))
    print("latency proxied  p50 %7.1f us  p99 %7.1f us" % (p50, p99))
    print("latency added    p50 %7.1f us  p99 %7.1f us  (target p50 < 100)"
          % (p50 - d50, p99 - d99))


def fds(pid):
    return len(os.listdir("/proc/%s/fd" % pid))


def nofile(pid):
    for line in open("/proc/%s/limits" % pid):
        if line.startswith("Max open files"):
            v = line.split()[3]
            return 1 << 30 if v == "unlimited" else int(v)
    return 1 << 30


def idle(up, px, pid, n):
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))
    before = rss_kib(pid)
    base = fds(pid)
    # Two descriptors a tunnel in the proxy (its sockets; a pipe only
    # while bytes move), a few spare for dials; ours and the upstream's
    # limits count one a tunnel.
    fit = min((nofile(pid) - base - 16) // 2, hard - 64)
    if fit < n:
        print("note: the proxy's RLIMIT_NOFILE %d (%d fds idle) holds %d "
              "tunnels, not %d" % (nofile(pid), base, fit, n))
        n = fit
    socks, errors = [], 0
    req = ("CONNECT 127.0.0.1:%d HTTP/1.1\r\nHost: x\r\n\r\n" % up).encode()
    t = time.time()
    for i in range(n):
        try:
            s = socket.create_connection(("127.0.0.1", px), timeout=10)
            s.sendall(req)
            if not s.recv(64).startswith(b"HTTP/1.1 200"):
                errors += 1
            socks.append(s)
        except OSError as e:
            errors += 1
            if errors == 1:
                print("first error at %d: %s" % (i, e))
    setup = time.time() - t
    time.sleep(1)
    after = rss_kib(pid)
    held = fds(pid)
    # Every tunnel must still carry bytes.
    bad = 0
    for s in socks[:: max(1, len(socks) // 200)]:
        try:
            s.sendall(b"GET /s HTTP/1.1\r\nHost: x\r\n\r\n")
            if not s.recv(64).startswith(b"HTTP/1.1 200"):
                bad += 1
        except OSError:
            bad += 1
    print("idle tunnels %d opened in %.1fs, errors %d, sampled dead %d"
          % (len(socks), setup, errors, bad))
    print("idle proxy fds %d before, %d with %d tunnels: %.2f per tunnel"
          % (base, held, len(socks), (held - base) / max(1, len(socks))))
    print("idle proxy RSS %.1f MiB before, %.1f MiB with %d tunnels "
          "(target < 64 MiB)" % (before / 1024, after / 1024, len(socks)))
    for s in socks:
        s.close()


if __name__ == "__main__":
    a = sys.argv[1:]
    if a[0] == "latency":
        latency(int(a[1]), int(a[2]), int(a[3]))
    else:
        idle(int(a[1]), int(a[2]), a[3], int(a[4]))
