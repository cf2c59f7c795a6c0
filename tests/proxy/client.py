#!/usr/bin/env python3
"""Raw clients for the proxy tests, where curl cannot say what we need.

  raw PORT HEXDATA|@FILE|-       send bytes, print what comes back (until
                                 close or 3 s of silence)
  rawhex PORT ...                the same, printing the answer in hex
  pipeline PORT URL...           send every GET at once, print each status
                                 and body length, in arrival order
  socks PORT HOST DPORT [opts]   SOCKS5 negotiation; print the reply code
        --auth                   offer only user/pass
        --cmd N --atyp N         request shape
  slowhead PORT                  send half a head, print what comes back
  tunnel-hold PORT HOST DPORT    CONNECT, then hold the tunnel, read a line
                                 from stdin to send a GET, print the status
"""
import socket, struct, sys, time


def connect(port, host="127.0.0.1"):
    fam = socket.AF_INET6 if ":" in host else socket.AF_INET
    s = socket.socket(fam, socket.SOCK_STREAM)
    s.settimeout(5)
    s.connect((host, int(port)))
    return s


def read_all(s, quiet=3.0):
    s.settimeout(quiet)
    out = b""
    try:
        while True:
            b = s.recv(65536)
            if not b:
                break
            out += b
    except (socket.timeout, ConnectionResetError):
        pass
    return out


def cmd_raw(port, data, as_hex=False):
    if data == "-":
        payload = sys.stdin.buffer.read()
    elif data.startswith("@"):
        payload = open(data[1:], "rb").read()
    else:
        payload = bytes.fromhex(data)
    s = connect(port)
    try:
        s.sendall(payload)
    except (BrokenPipeError, ConnectionResetError):
        pass
    out = read_all(s)
    if as_hex:
        print(out.hex())
    else:
        sys.stdout.buffer.write(out)


def read_response(f, head_only=False):
    line = f.readline()
    if not line:
        return None, b""
    status = int(line.split()[1])
    hdrs = {}
    while True:
        h = f.readline()
        if h in (b"\r\n", b""):
            break
        k, v = h.decode().split(":", 1)
        hdrs[k.strip().lower()] = v.strip()
    if head_only or status in (204, 304) or 100 <= status < 200:
        return status, b""
    if hdrs.get("transfer-encoding", "").lower() == "chunked":
        body = b""
        while True:
            n = int(f.readline().split(b";")[0], 16)
            if n == 0:
                while f.readline() not in (b"\r\n", b""):
                    pass
                return status, body
            body += f.read(n)
            f.readline()
    if "content-length" in hdrs:
        return status, f.read(int(hdrs["content-length"]))
    return status, f.read()


def cmd_pipeline(port, urls):
    s = connect(port)
    reqs = b""
    methods = []
    for u in urls:
        m = "GET"
        if u.startswith("HEAD:"):
            m, u = "HEAD", u[5:]
        methods.append(m)
        host = u.split("/")[2]
        reqs += ("%s %s HTTP/1.1\r\nHost: %s\r\n\r\n" % (m, u, host)).encode()
    s.sendall(reqs)
    f = s.makefile("rb")
    for m in methods:
        status, body = read_response(f, head_only=(m == "HEAD"))
        print(status, len(body))


def cmd_socks(port, host, dport, opts):
    s = connect(port)
    auth = "--auth" in opts
    cmd = int(opts[opts.index("--cmd") + 1]) if "--cmd" in opts else 1
    atyp = int(opts[opts.index("--atyp") + 1]) if "--atyp" in opts else None
    s.sendall(b"\x05\x01\x02" if auth else b"\x05\x01\x00")
    r = s.recv(2)
    if len(r) < 2 or r[1] == 0xFF:
        print("method", r.hex())
        return
    if auth:
        s.sendall(b"\x01\x04user\x04pass")
        a = s.recv(2)
        if a != b"\x01\x00":
            print("auth", a.hex())
            return
    if atyp is None:
        try:
            addr = b"\x01" + socket.inet_pton(socket.AF_INET, host)
        except OSError:
            try:
                addr = b"\x04" + socket.inet_pton(socket.AF_INET6, host)
            except OSError:
                addr = b"\x03" + bytes([len(host)]) + host.encode()
    else:
        addr = bytes([atyp]) + b"\x01\x02\x03\x04"
    s.sendall(b"\x05" + bytes([cmd]) + b"\x00" + addr +
              struct.pack(">H", int(dport)))
    rep = s.recv(262)
    if len(rep) < 2:
        print("closed")
        return
    print("reply", rep[1])
    if rep[1] == 0 and "--get" in opts:
        path = opts[opts.index("--get") + 1]
        s.sendall(("GET %s HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n"
                   % path).encode())
        status, body = read_response(s.makefile("rb"))
        print("status", status, len(body))


def cmd_slowhead(port):
    s = connect(port)
    s.sendall(b"GET http://127.0.0.1/ HTTP/1.1\r\nHost: a\r\n")
    t = time.time()
    out = read_all(s, quiet=10)
    print("after %.1fs:" % (time.time() - t), out.split(b"\r\n")[0].decode())


def cmd_tunnel_hold(port, host, dport):
    s = connect(port)
    s.sendall(("CONNECT %s:%s HTTP/1.1\r\nHost: x\r\n\r\n"
               % (host, dport)).encode())
    f = s.makefile("rb")
    print("connect", f.readline().split()[1].decode())
    while f.readline() not in (b"\r\n", b""):
        pass
    sys.stdout.flush()
    path = sys.stdin.readline().strip()
    s.sendall(("GET %s HTTP/1.1\r\nHost: x\r\n\r\n" % path).encode())
    status, body = read_response(f)
    print("status", status, len(body))


def main():
    a = sys.argv[1:]
    if a[0] in ("raw", "rawhex"):
        cmd_raw(a[1], a[2], a[0] == "rawhex")
    elif a[0] == "pipeline":
        cmd_pipeline(a[1], a[2:])
    elif a[0] == "socks":
        cmd_socks(a[1], a[2], a[3], a[4:])
    elif a[0] == "slowhead":
        cmd_slowhead(a[1])
    elif a[0] == "tunnel-hold":
        cmd_tunnel_hold(a[1], a[2], a[3])
    else:
        sys.exit("unknown command " + a[0])


if __name__ == "__main__":
    main()
