#!/usr/bin/env python3
"""Load and soak client for srt-proxy (asyncio, loopback only).

  load.py serve --port-file F
      the upstream: "GET /bytes/N" (HTTP, keep-alive), "GET /close/N"
      (Content-Length, then Connection: close), "POST /sha"
      (Content-Length body, answers its sha256), or a first line
      "ECHO" (then every byte is echoed: the tunnel payloads)
  load.py hold --proxy P --upstream U --pid PID [--n 10000] [--kind K]
      N connections open at once, then a checked exchange on each:
      K=tunnel (default) CONNECT and SOCKS tunnels, an echo through each
        (2 proxy fds each: the sockets; a pipe only while bytes move);
      K=http keep-alive HTTP, a second GET on each (2 fds: the client
        and the kept-alive upstream);
      K=client keep-alive HTTP whose upstream answers with Connection:
        close, so the proxy holds the client connection only (1 fd),
        then a second GET on each through a fresh upstream
  load.py soak --proxy P --upstream U --pid PID [--seconds 600]
      [--clients 8]: mixed allowed/denied/malformed HTTP, CONNECT and
      SOCKS traffic, every answer checked, the proxy's fds and RSS
      sampled from /proc/PID and printed over time

Exit 0 only when every client was answered and every byte arrived.
"""
import argparse, asyncio, hashlib, os, random, resource, struct, sys, time

PATTERN = bytes(range(256)) * 1024


def pattern(n):
    return (PATTERN * (n // len(PATTERN) + 1))[:n]


# ---- upstream -------------------------------------------------------

async def up_client(r, w):
    try:
        line = await r.readline()
        if line.startswith(b"ECHO"):
            while True:
                b = await r.read(65536)
                if not b:
                    break
                w.write(b)
                await w.drain()
            return
        while line:
            parts = line.split()
            hdr = {}
            while True:
                h = await r.readline()
                if h in (b"\r\n", b""):
                    break
                k, _, v = h.partition(b":")
                hdr[k.strip().lower()] = v.strip()
            if len(parts) < 2:
                return
            close = parts[1].split(b"/")[-2:-1] == [b"close"]
            if parts[0] == b"POST":
                body = await r.readexactly(int(hdr.get(b"content-length", 0)))
                out = hashlib.sha256(body).hexdigest().encode()
            else:
                out = pattern(int(parts[1].split(b"/")[-1]))
            w.write(b"HTTP/1.1 200 OK\r\nContent-Length: %d\r\n%s\r\n"
                    % (len(out), b"Connection: close\r\n" if close else b"")
                    + out)
            await w.drain()
            if close:
                return
            line = await r.readline()
    except (ConnectionError, asyncio.IncompleteReadError, ValueError):
        pass
    finally:
        w.close()


async def serve(a):
    srv = await asyncio.start_server(up_client, "127.0.0.1", 0, backlog=4096,
                                     limit=1 << 20)
    port = srv.sockets[0].getsockname()[1]
    with open(a.port_file + ".tmp", "w") as f:
        f.write(str(port))
    os.rename(a.port_file + ".tmp", a.port_file)
    async with srv:
        await srv.serve_forever()


# ---- proxy process ----------------------------------------------------

def sample(pid):
    try:
        fds = len(os.listdir("/proc/%d/fd" % pid))
        rss = 0
        with open("/proc/%d/status" % pid) as f:
            for line in f:
                if line.startswith("VmRSS:"):
                    rss = int(line.split()[1])
        return fds, rss
    except OSError:
        return -1, -1


# The proxy keeps at most this many spare splice pipes (relay.c), two
# descriptors each, between bursts.
SPARE_PIPES = 64


def fd_kinds(pid):
    """The proxy's descriptors: (sockets, pipes, others)."""
    n = [0, 0, 0]
    d = "/proc/%d/fd" % pid
    for f in os.listdir(d):
        try:
            t = os.readlink(os.path.join(d, f))
        except OSError:
            continue
        n[0 if t.startswith("socket:") else 1 if t.startswith("pipe:")
          else 2] += 1
    return tuple(n)


def nofile(pid):
    with open("/proc/%d/limits" % pid) as f:
        for line in f:
            if line.startswith("Max open files"):
                return int(line.split()[3])
    return 0


# ---- client pieces ------------------------------------------------------

class Fail(Exception):
    pass


async def open_px(a):
    return await asyncio.open_connection("127.0.0.1", a.proxy, limit=1 << 20)


async def read_head(r):
    status = await r.readline()
    hdr = {}
    while True:
        h = await r.readline()
        if h in (b"\r\n", b""):
            break
        k, _, v = h.partition(b":")
        hdr[k.strip().lower()] = v.strip()
    if not status:
        raise Fail("no answer")
    return int(status.split()[1]), hdr


async def tunnel(a, socks):
    r, w = await open_px(a)
    if socks:
        w.write(b"\x05\x01\x00\x05\x01\x00\x03\x09localhost" +
                struct.pack(">H", a.upstream))
        rep = await r.readexactly(12)
        if rep[:4] != b"\x05\x00\x05\x00":
            raise Fail("socks reply %r" % rep)
    else:
        w.write(b"CONNECT localhost:%d HTTP/1.1\r\nHost: localhost\r\n\r\n"
                % a.upstream)
        code, _ = await read_head(r)
        if code != 200:
            raise Fail("CONNECT %d" % code)
    w.write(b"ECHO\n")
    return r, w


async def http_keepalive(a):
    r, w = await open_px(a)
    await http_get_on(a, r, w, 1024)
    return r, w


async def http_client_only(a):
    r, w = await open_px(a)
    await http_get_on(a, r, w, 1024, b"close/")
    return r, w


async def http_get_on(a, r, w, n, path=b"bytes/"):
    w.write(b"GET http://localhost:%d/%s%d HTTP/1.1\r\nHost: x\r\n\r\n"
            % (a.upstream, path, n))
    code, hdr = await read_head(r)
    body = await r.readexactly(int(hdr[b"content-length"]))
    if code != 200 or body != pattern(n):
        raise Fail("GET body")
    # Connection is hop-by-hop: the upstream's close is not ours.
    if b"connection" in hdr:
        raise Fail("Connection: %r passed to the client" % hdr[b"connection"])
    return n


async def echo(r, w, n):
    data = os.urandom(n)
    w.write(data)
    await w.drain()
    got = await r.readexactly(n)
    if hashlib.sha256(got).digest() != hashlib.sha256(data).digest():
        raise Fail("echo checksum")
    return n


async def k_get(a):
    n = random.choice((0, 1, 100, 4096, 65536, 262144))
    r, w = await open_px(a)
    try:
        w.write(b"GET http://localhost:%d/bytes/%d HTTP/1.1\r\nHost: x\r\n\r\n"
                % (a.upstream, n))
        code, hdr = await read_head(r)
        body = await r.readexactly(int(hdr[b"content-length"]))
        if code != 200 or body != pattern(n):
            raise Fail("GET body")
        return n
    finally:
        w.close()


async def k_post(a):
    data = os.urandom(random.choice((1, 1000, 100000)))
    r, w = await open_px(a)
    try:
        w.write(b"POST http://localhost:%d/sha HTTP/1.1\r\nHost: x\r\n"
                b"Content-Length: %d\r\n\r\n" % (a.upstream, len(data)) + data)
        code, hdr = await read_head(r)
        body = await r.readexactly(int(hdr[b"content-length"]))
        if code != 200 or body.decode() != hashlib.sha256(data).hexdigest():
            raise Fail("POST sha")
        return len(data)
    finally:
        w.close()


async def k_tunnel(a, socks):
    r, w = await tunnel(a, socks)
    try:
        return await echo(r, w, random.choice((1, 1024, 65536, 200000)))
    finally:
        w.close()


async def k_denied(a):
    r, w = await open_px(a)
    try:
        w.write(b"GET http://denied.test/ HTTP/1.1\r\nHost: denied.test\r\n\r\n")
        code, _ = await read_head(r)
        if code != 403:
            raise Fail("denied got %d" % code)
        return 0
    finally:
        w.close()


async def k_socks_denied(a):
    r, w = await open_px(a)
    try:
        w.write(b"\x05\x01\x00\x05\x01\x00\x03\x0bdenied.test\x01\xbb")
        rep = await r.readexactly(12)
        if rep[:4] != b"\x05\x00\x05\x02":
            raise Fail("socks denied reply %r" % rep)
        return 0
    finally:
        w.close()


async def k_malformed(a):
    r, w = await open_px(a)
    try:
        w.write(random.choice((
            b"GET http://localhost/ HTTP/1.1\r\nX: a\r\n folded\r\n\r\n",
            b"GET http://localhost:0/ HTTP/1.1\r\n\r\n",
            b"POST http://localhost/ HTTP/1.1\r\nContent-Length: 1\r\n"
            b"Content-Length: 2\r\n\r\n",
            b"\x7fELF garbage\r\n\r\n")))
        code, _ = await read_head(r)
        if code != 400:
            raise Fail("malformed got %d" % code)
        return 0
    finally:
        w.close()


KINDS = {
    "get": k_get, "post": k_post,
    "connect": lambda a: k_tunnel(a, False),
    "socks": lambda a: k_tunnel(a, True),
    "denied": k_denied, "socks-denied": k_socks_denied,
    "malformed": k_malformed,
}


# ---- hold ---------------------------------------------------------------

# Proxy descriptors per held connection (see the module doc).
PER = {"tunnel": 2, "http": 2, "client": 1}


async def hold(a):
    limit = nofile(a.pid)
    base = sample(a.pid)
    kinds0 = fd_kinds(a.pid)
    print("proxy pid %d: RLIMIT_NOFILE %d, idle fds %d (%d sockets, %d "
          "pipes), RSS %d KiB" % (a.pid, limit, base[0], kinds0[0],
                                  kinds0[1], base[1]))
    n = a.n
    per = PER[a.kind]
    # A little room for dials in progress; the proxy drops its spare
    # pipes near the limit, so they need none.
    if per * n + base[0] + 16 > limit:
        print("NOTE: %d %s connections need about %d descriptors in the "
              "proxy (%d each); its limit is %d" % (n, a.kind,
                                                   per * n + base[0], per,
                                                   limit))
        if a.fit:
            n = (limit - base[0] - 16) // per
            print("LIMITED: holding %d instead (--fit); the hard limit "
                  "cannot be raised here" % n)
    conns, fails = [], 0
    sem = asyncio.Semaphore(256)
    t0 = time.monotonic()
    opener = {"http": http_keepalive, "client": http_client_only}

    async def one(i):
        nonlocal fails
        async with sem:
            try:
                if a.kind == "tunnel":
                    c = await asyncio.wait_for(tunnel(a, i % 2 == 1), 60)
                else:
                    c = await asyncio.wait_for(opener[a.kind](a), 60)
                conns.append(c)
            except (OSError, Fail, asyncio.TimeoutError,
                    asyncio.IncompleteReadError) as e:
                fails += 1
                if fails <= 5:
                    print("open %d failed: %r" % (i, e))
    await asyncio.gather(*(one(i) for i in range(n)))
    t1 = time.monotonic()
    await asyncio.sleep(1)
    peak = sample(a.pid)
    kinds = fd_kinds(a.pid)
    print("held %d of %d %s connections at once (%d failed to open) in "
          "%.1fs; proxy fds %d (%d sockets, %d pipes), %.2f per "
          "connection, RSS %d KiB" % (
              len(conns), n, a.kind, fails, t1 - t0, peak[0], kinds[0],
              kinds[1], (peak[0] - base[0]) / max(1, len(conns)), peak[1]))
    ok, bad = 0, 0

    async def check(rw):
        nonlocal ok, bad
        try:
            if a.kind == "tunnel":
                await asyncio.wait_for(echo(rw[0], rw[1], 1024), 120)
            else:
                await asyncio.wait_for(
                    http_get_on(a, rw[0], rw[1], 4096,
                                b"close/" if a.kind == "client"
                                else b"bytes/"), 120)
            ok += 1
        except (OSError, Fail, asyncio.TimeoutError,
                asyncio.IncompleteReadError) as e:
            bad += 1
            if bad <= 5:
                print("exchange failed: %r" % e)
    # Every connection is used again while all are still open.
    await asyncio.gather(*(check(c) for c in conns))
    again = sample(a.pid)
    print("checked exchange on every held connection: %d ok, %d lost; "
          "proxy fds %d, RSS %d KiB" % (ok, bad, again[0], again[1]))
    for r, w in conns:
        w.close()
    # Sockets go back to where they were; spare pipes stay, bounded.
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline and fd_kinds(a.pid)[0] > kinds0[0]:
        await asyncio.sleep(0.2)
    end = sample(a.pid)
    kinds1 = fd_kinds(a.pid)
    print("after close: proxy fds %d (idle %d): %d sockets (idle %d), %d "
          "pipe fds (idle %d, spares at most %d more), RSS %d KiB"
          % (end[0], base[0], kinds1[0], kinds0[0], kinds1[1], kinds0[1],
             2 * SPARE_PIPES, end[1]))
    good = (fails == 0 and bad == 0 and len(conns) == n and
            kinds1[0] <= kinds0[0] and
            kinds1[1] <= kinds0[1] + 2 * SPARE_PIPES and
            kinds1[2] <= kinds0[2])
    print("hold: %s" % ("PASS" if good else "FAIL"))
    return 0 if good else 1


# ---- soak ---------------------------------------------------------------

async def soak(a):
    stats = {k: [0, 0, 0] for k in KINDS}    # ok, fail, bytes
    stop = time.monotonic() + a.seconds
    samples = []
    errors = []

    async def worker(i):
        rnd = random.Random(i)
        names = sorted(KINDS)
        while time.monotonic() < stop:
            k = rnd.choice(names)
            try:
                n = await asyncio.wait_for(KINDS[k](a), 60)
                stats[k][0] += 1
                stats[k][2] += n
            except (OSError, Fail, asyncio.TimeoutError,
                    asyncio.IncompleteReadError, KeyError, ValueError) as e:
                stats[k][1] += 1
                if len(errors) < 10:
                    errors.append("%s: %r" % (k, e))

    async def sampler():
        t0 = time.monotonic()
        every = max(1, min(30, a.seconds // 20))
        while time.monotonic() < stop:
            fds, rss = sample(a.pid)
            t = time.monotonic() - t0
            samples.append((t, fds, rss))
            done = sum(s[0] + s[1] for s in stats.values())
            print("t=%5.0fs proxy fds %5d RSS %7d KiB  requests %d"
                  % (t, fds, rss, done), flush=True)
            await asyncio.sleep(every)

    base = sample(a.pid)
    base_k = fd_kinds(a.pid)
    print("soak %ds, %d clients; proxy idle fds %d RSS %d KiB"
          % (a.seconds, a.clients, base[0], base[1]))
    await asyncio.gather(sampler(), *(worker(i) for i in range(a.clients)))
    await asyncio.sleep(2)
    end = sample(a.pid)
    for k, (ok, bad, nb) in sorted(stats.items()):
        print("  %-13s %7d answered %4d failed %12d bytes checked"
              % (k, ok, bad, nb))
    for e in errors:
        print("  error: " + e)
    warm = [s for s in samples if s[0] >= a.seconds * 0.2] or samples
    rss_warm = min(s[2] for s in warm)
    rss_max = max(s[2] for s in samples)
    fds_max = max(s[1] for s in samples)
    print("fds: idle %d, max %d, idle after %d; RSS KiB: start %d, after "
          "warm-up %d, max %d, end %d"
          % (base[0], fds_max, end[0], base[1], rss_warm, rss_max, end[1]))
    failed = sum(s[1] for s in stats.values())
    # Sockets must all be back; spare splice pipes may stay, bounded.
    end_k = fd_kinds(a.pid)
    print("after: %d sockets (idle %d), %d pipe fds (idle %d, spares at "
          "most %d more)" % (end_k[0], base_k[0], end_k[1], base_k[1],
                             2 * SPARE_PIPES))
    grew = (end_k[0] > base_k[0] or end_k[1] > base_k[1] + 2 * SPARE_PIPES or
            end_k[2] > base_k[2] or end[1] > rss_warm + 16384)
    print("soak: %s" % ("PASS" if failed == 0 and not grew else "FAIL"))
    return 0 if failed == 0 and not grew else 1


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("mode", choices=("serve", "hold", "soak"))
    ap.add_argument("--port-file")
    ap.add_argument("--proxy", type=int)
    ap.add_argument("--upstream", type=int)
    ap.add_argument("--pid", type=int)
    ap.add_argument("--n", type=int, default=10000)
    ap.add_argument("--seconds", type=int, default=600)
    ap.add_argument("--clients", type=int, default=8)
    ap.add_argument("--kind", choices=("tunnel", "http", "client"),
                    default="tunnel")
    ap.add_argument("--fit", action="store_true",
                    help="hold only as many as the proxy's fd limit allows")
    a = ap.parse_args()
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))
    f = {"serve": serve, "hold": hold, "soak": soak}[a.mode]
    sys.exit(asyncio.run(f(a)) or 0)


main()
