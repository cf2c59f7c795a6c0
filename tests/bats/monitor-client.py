#!/usr/bin/env python3
"""Speak srt's imsg framing to srt-monitor, for tests/bats/monitor.bats.

Header: four little-endian uint32 (type, total length including the
16-byte header, peerid, pid); types from libcommon/proto.h.

  monitor-client.py send SOCKET [options]      standalone client(s)
  monitor-client.py service MONITOR [options] -- [monitor args]
                                               run srt-monitor in service
                                               mode on fds 3 and 4
Prints the monitor's summary as JSON when asked (--summary).
"""
import argparse
import json
import os
import signal
import socket
import struct
import subprocess
import sys
import threading
import time

IMSG_HELLO, IMSG_POLICY, IMSG_POLICY_OK, IMSG_POLICY_BAD, IMSG_CLIENT, \
    IMSG_EVENT, IMSG_SUMMARY_REQ, IMSG_SUMMARY, IMSG_SHUTDOWN = range(1, 10)
ROLE_LAUNCH, ROLE_PROXY, ROLE_BRIDGE, ROLE_MONITOR = 1, 2, 3, 4
PROTO_VERSION = 1
HDR = struct.Struct("<IIII")


def frame(mtype, payload=b"", peerid=0):
    return HDR.pack(mtype, HDR.size + len(payload), peerid,
                    os.getpid()) + payload


def hello(role, version=PROTO_VERSION):
    return frame(IMSG_HELLO, struct.pack("<II", version, role))


def event(args, client, i):
    ev = {
        "version": 1,
        "time": time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime()) +
        ".%06dZ" % (i % 1000000),
        "sandbox_id": client + 1,
        "launcher_pid": os.getpid(),
        "command": args.command,
        "pid": 100 + i,
        "comm": "curl",
        "kind": args.kind,
        "operation": args.operation,
        "target": args.target.format(c=client, i=i),
        "decision": args.decision,
        "reason": args.reason,
        "rule": args.rule,
    }
    return frame(IMSG_EVENT, json.dumps(ev).encode(), peerid=client + 1)


def recv_msg(sock, timeout=10):
    sock.settimeout(timeout)
    buf = b""
    while len(buf) < HDR.size:
        chunk = sock.recv(HDR.size - len(buf))
        if not chunk:
            return None, None
        buf += chunk
    mtype, length, _, _ = HDR.unpack(buf)
    payload = b""
    while len(payload) < length - HDR.size:
        chunk = sock.recv(length - HDR.size - len(payload))
        if not chunk:
            return None, None
        payload += chunk
    return mtype, payload


def wait_summary(sock):
    sock.sendall(frame(IMSG_SUMMARY_REQ))
    while True:
        mtype, payload = recv_msg(sock)
        if mtype is None:
            raise SystemExit("monitor closed before IMSG_SUMMARY")
        if mtype == IMSG_SUMMARY:
            ev, den, ign, drop = struct.unpack("<QQQQ", payload)
            return {"events": ev, "denials": den, "ignored": ign,
                    "dropped": drop}


GARBAGE = {
    "hello": lambda: b"this is not an imsg header at all",
    "version": lambda: hello(ROLE_LAUNCH, version=99),
    "type": lambda: hello(ROLE_LAUNCH) + frame(200, b"x"),
    "json": lambda: hello(ROLE_LAUNCH) + frame(IMSG_EVENT, b"{not json"),
    "length": lambda: hello(ROLE_LAUNCH) + HDR.pack(IMSG_EVENT, 3, 0, 0),
    "huge": lambda: hello(ROLE_LAUNCH) + HDR.pack(IMSG_EVENT,
                                                   0x7fffffff, 0, 0),
}


def one_client(args, client, errors):
    try:
        s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        s.connect(args.socket)
        if args.garbage:
            s.sendall(GARBAGE[args.garbage]())
            # The monitor must hang up on us.
            s.settimeout(10)
            while s.recv(4096):
                pass
            s.close()
            return
        role = ROLE_PROXY if args.role == "proxy" else ROLE_LAUNCH
        out = [hello(role)]
        if args.policy:
            with open(args.policy, "rb") as f:
                out.append(frame(IMSG_POLICY, f.read()))
        for i in range(args.events):
            out.append(event(args, client, i))
        s.sendall(b"".join(out))
        if args.linger:
            time.sleep(args.linger)
        if args.after:
            s.sendall(b"".join(event(args, client, args.events + i)
                               for i in range(args.after)))
        if args.summary:
            print(json.dumps(wait_summary(s)), flush=True)
        s.close()
    except Exception as e:  # reported, and the exit status says so
        errors.append("client %d: %r" % (client, e))


def cmd_send(args):
    errors = []
    threads = [threading.Thread(target=one_client, args=(args, c, errors))
               for c in range(args.clients)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    for e in errors:
        print(e, file=sys.stderr)
    return 1 if errors else 0


def cmd_service(args, monitor_args):
    ctl_mine, ctl_theirs = socket.socketpair()
    px_mine, px_theirs = socket.socketpair()

    def child_fds():
        os.dup2(ctl_theirs.fileno(), 3)
        os.dup2(px_theirs.fileno(), 4)

    proc = subprocess.Popen([args.socket] + monitor_args,
                            preexec_fn=child_fds, close_fds=False)
    ctl_theirs.close()
    px_theirs.close()
    # As srt-launch does, always send the settings, "{}" at least.
    policy = b"{}"
    if args.policy:
        with open(args.policy, "rb") as f:
            policy = f.read()
    out = [hello(ROLE_LAUNCH), frame(IMSG_POLICY, policy)]
    # Proxy events first: the monitor must hold them until the policy.
    px_mine.sendall(hello(ROLE_PROXY) +
                    b"".join(event(args, 0, i) for i in range(args.events)))
    time.sleep(0.2)
    ctl_mine.sendall(b"".join(out))
    mtype, _ = recv_msg(ctl_mine)
    if mtype != IMSG_HELLO:
        raise SystemExit("monitor did not answer IMSG_HELLO")
    if args.sigint:
        proc.send_signal(signal.SIGINT)
        time.sleep(0.3)
    ctl_mine.sendall(b"".join(event(args, 1, i)
                              for i in range(args.events)))
    px_mine.close()
    if args.summary:
        # Proxy bytes may still be in flight: ask until all arrived.
        deadline = time.time() + 10
        while True:
            summ = wait_summary(ctl_mine)
            if summ["events"] >= 2 * args.events or time.time() > deadline:
                break
            time.sleep(0.05)
        print(json.dumps(summ), flush=True)
    if args.shutdown:
        ctl_mine.sendall(frame(IMSG_SHUTDOWN))
    else:
        ctl_mine.close()
    try:
        return proc.wait(timeout=10)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait()
        print("monitor did not exit", file=sys.stderr)
        return 99


def main():
    argv = sys.argv[1:]
    monitor_args = []
    if "--" in argv:
        monitor_args = argv[argv.index("--") + 1:]
        argv = argv[:argv.index("--")]
    ap = argparse.ArgumentParser()
    ap.add_argument("mode", choices=["send", "service"])
    ap.add_argument("socket", help="socket path, or monitor binary")
    ap.add_argument("--clients", type=int, default=1)
    ap.add_argument("--events", type=int, default=1)
    ap.add_argument("--role", choices=["launch", "proxy"], default="launch")
    ap.add_argument("--policy")
    ap.add_argument("--garbage", choices=sorted(GARBAGE))
    ap.add_argument("--summary", action="store_true")
    ap.add_argument("--shutdown", action="store_true")
    ap.add_argument("--sigint", action="store_true",
                    help="service: send the monitor SIGINT (a ^C)")
    ap.add_argument("--linger", type=float, default=0,
                    help="seconds to wait before --after events")
    ap.add_argument("--after", type=int, default=0)
    ap.add_argument("--kind", default="network")
    ap.add_argument("--operation", default="connect")
    ap.add_argument("--target", default="host-{c}-{i}.example:443")
    ap.add_argument("--decision", default="deny")
    ap.add_argument("--command", default="curl https://example/")
    ap.add_argument("--reason", default="not in allowedDomains")
    ap.add_argument("--rule", default="allowedDomains")
    args = ap.parse_args(argv)
    if args.mode == "send":
        return cmd_send(args)
    return cmd_service(args, monitor_args)


if __name__ == "__main__":
    sys.exit(main())
