#!/usr/bin/env python3
# Writes tests/corpus/http/NAME.req and tests/corpus/socks/NAME.req:
# malformed proxy requests.  "@PORT@" stands for the loopback upstream's
# port.  NAME.req.expect holds the answer tests/corpus/proxy_send.py must
# see ("http 400", "close", "bytes 05ff"...); written once with --write
# and then reviewed by hand.  Allowed: localhost, 127.0.0.1; denied:
# denied.test (see tests/bats/badinput_proxy.bats).
import os, struct, sys

top = os.path.dirname(os.path.abspath(__file__))
http, socks = {}, {}
CRLF = b"\r\n"
UP = b"localhost:@PORT@"


def h(name, data):
    assert name not in http, name
    http[name] = data if isinstance(data, bytes) else data.encode()


def get(name, head=b"", target=b"http://" + UP + b"/bytes/10",
        method=b"GET", version=b"HTTP/1.1", body=b""):
    h(name, method + b" " + target + b" " + version + CRLF + b"Host: " + UP +
      CRLF + head + CRLF + body)


# Request lines.
h("garbage", b"\x16\x03\x01\x02\x00\x01\x00\x01\xfc\x03\x03" + b"\xaa" * 40)
h("binary-zeros", b"\x00" * 64)
h("only-crlf", b"\r\n\r\n")
h("bare-lf-request", b"GET http://localhost:@PORT@/ HTTP/1.1\nHost: x\n\n")
h("cr-without-lf", b"GET http://localhost:@PORT@/ HTTP/1.1\rHost: x\r\r\n\r\n")
h("lf-in-headers", b"GET http://localhost:@PORT@/ HTTP/1.1\r\nHost: x\nX: y\r\n\r\n")
h("no-version", b"GET http://localhost:@PORT@/\r\n\r\n")
h("no-target", b"GET HTTP/1.1\r\n\r\n")
h("two-spaces", b"GET  http://localhost:@PORT@/ HTTP/1.1\r\n\r\n")
h("tab-separator", b"GET\thttp://localhost:@PORT@/\tHTTP/1.1\r\n\r\n")
h("leading-space", b" GET http://localhost:@PORT@/ HTTP/1.1\r\n\r\n")
h("trailing-space", b"GET http://localhost:@PORT@/ HTTP/1.1 \r\n\r\n")
h("lowercase-version", b"GET http://localhost:@PORT@/ http/1.1\r\n\r\n")
h("version-2", b"GET http://localhost:@PORT@/ HTTP/2.0\r\n\r\n")
h("version-0-9", b"GET http://localhost:@PORT@/ HTTP/0.9\r\n\r\n")
h("version-1-10", b"GET http://localhost:@PORT@/ HTTP/1.10\r\n\r\n")
h("version-letters", b"GET http://localhost:@PORT@/ HTTP/a.b\r\n\r\n")
h("version-missing-minor", b"GET http://localhost:@PORT@/ HTTP/1\r\n\r\n")
h("http09-simple", b"GET /\r\n\r\n")
h("method-bad-char", b"G(T http://localhost:@PORT@/ HTTP/1.1\r\n\r\n")
h("method-nul", b"G\x00T http://localhost:@PORT@/ HTTP/1.1\r\n\r\n")
h("method-utf8", "GÉT http://localhost:@PORT@/ HTTP/1.1\r\n\r\n")
h("target-nul", b"GET http://localhost:@PORT@/\x00 HTTP/1.1\r\n\r\n")
h("target-control", b"GET http://localhost:@PORT@/\x01 HTTP/1.1\r\n\r\n")
h("target-del", b"GET http://localhost:@PORT@/\x7f HTTP/1.1\r\n\r\n")
h("request-line-huge", b"GET http://localhost:@PORT@/" + b"a" * 70000 + b" HTTP/1.1\r\n\r\n")

# Targets.
get("origin-form", target=b"/bytes/10")
get("asterisk-form", target=b"*", method=b"OPTIONS")
get("https-scheme", target=b"https://" + UP + b"/")
get("ftp-scheme", target=b"ftp://" + UP + b"/")
get("no-host", target=b"http:///x")
get("userinfo", target=b"http://localhost@denied.test/")
get("userinfo-allowed-looking", target=b"http://denied.test@localhost:@PORT@/")
get("port-zero", target=b"http://localhost:0/")
get("port-huge", target=b"http://localhost:65536/")
get("port-absurd", target=b"http://localhost:99999999999999999999/")
get("port-negative", target=b"http://localhost:-1/")
get("port-letters", target=b"http://localhost:http/")
get("port-empty", target=b"http://localhost:/")
get("port-plus", target=b"http://localhost:+80/")
get("host-space", target=b"http://local host/")
get("host-percent", target=b"http://local%68ost:@PORT@/")
get("host-backslash", target=b"http://localhost\\@denied.test/")
get("host-bad-brackets", target=b"http://[::1/")
get("host-v6-zone", target=b"http://[fe80::1%25eth0]:80/")
get("host-long", target=b"http://" + b"a" * 300 + b".test/")
get("host-denied", target=b"http://denied.test/")
get("host-not-allowed", target=b"http://example.invalid/")
get("host-metadata-ip", target=b"http://169.254.169.254/latest/")
get("host-trailing-dot-denied", target=b"http://denied.test./")

# CONNECT.
h("connect-no-port", b"CONNECT localhost HTTP/1.1\r\n\r\n")
h("connect-port-zero", b"CONNECT localhost:0 HTTP/1.1\r\n\r\n")
h("connect-port-huge", b"CONNECT localhost:70000 HTTP/1.1\r\n\r\n")
h("connect-absolute", b"CONNECT http://localhost:@PORT@/ HTTP/1.1\r\n\r\n")
h("connect-path", b"CONNECT localhost:@PORT@/x HTTP/1.1\r\n\r\n")
h("connect-empty-host", b"CONNECT :443 HTTP/1.1\r\n\r\n")
h("connect-denied", b"CONNECT denied.test:443 HTTP/1.1\r\n\r\n")
h("connect-userinfo", b"CONNECT a@localhost:@PORT@ HTTP/1.1\r\n\r\n")

# Headers.
get("header-folding", head=b"X-A: 1\r\n  continued\r\n")
get("header-folding-tab", head=b"X-A: 1\r\n\tcontinued\r\n")
get("header-no-colon", head=b"NoColonHere\r\n")
get("header-empty-name", head=b": value\r\n")
get("header-space-before-colon", head=b"Content-Length : 0\r\n")
get("header-name-bad-char", head=b"X(A): 1\r\n")
get("header-nul-value", head=b"X-A: a\x00b\r\n")
get("header-nul-name", head=b"X\x00A: 1\r\n")
get("header-cr-in-value", head=b"X-A: a\rb\r\n")
get("header-64k", head=b"X-A: " + b"a" * 66000 + b"\r\n")
get("headers-many", head=b"".join(b"X-%d: %d\r\n" % (i, i) for i in range(200)))
get("headers-many-small-64k", head=b"".join(b"X-%05d: %s\r\n" % (i, b"v" * 40) for i in range(1400)))
get("host-duplicate", head=b"Host: other.test\r\n")

# Framing and bodies.
get("cl-negative", head=b"Content-Length: -1\r\n", method=b"POST", target=b"http://" + UP + b"/sha")
get("cl-letters", head=b"Content-Length: abc\r\n", method=b"POST", target=b"http://" + UP + b"/sha")
get("cl-hex", head=b"Content-Length: 0x10\r\n", method=b"POST", target=b"http://" + UP + b"/sha")
get("cl-huge", head=b"Content-Length: 99999999999999999999999\r\n", method=b"POST", target=b"http://" + UP + b"/sha")
get("cl-conflicting", head=b"Content-Length: 3\r\nContent-Length: 4\r\n", method=b"POST", target=b"http://" + UP + b"/sha", body=b"abcd")
get("cl-list-conflicting", head=b"Content-Length: 3, 4\r\n", method=b"POST", target=b"http://" + UP + b"/sha", body=b"abcd")
get("cl-empty", head=b"Content-Length: \r\n", method=b"POST", target=b"http://" + UP + b"/sha")
get("cl-plus", head=b"Content-Length: +3\r\n", method=b"POST", target=b"http://" + UP + b"/sha", body=b"abc")
get("cl-and-chunked", head=b"Content-Length: 3\r\nTransfer-Encoding: chunked\r\n", method=b"POST", target=b"http://" + UP + b"/sha", body=b"0\r\n\r\n")
get("chunked-and-cl", head=b"Transfer-Encoding: chunked\r\nContent-Length: 3\r\n", method=b"POST", target=b"http://" + UP + b"/sha", body=b"0\r\n\r\n")
get("te-gzip", head=b"Transfer-Encoding: gzip\r\n", method=b"POST", target=b"http://" + UP + b"/sha")
get("te-chunked-not-last", head=b"Transfer-Encoding: chunked, gzip\r\n", method=b"POST", target=b"http://" + UP + b"/sha")
get("te-identity", head=b"Transfer-Encoding: identity\r\n", method=b"POST", target=b"http://" + UP + b"/sha")
get("te-space-obfuscated", head=b"Transfer-Encoding: chunked\r\nTransfer-Encoding : x\r\n", method=b"POST", target=b"http://" + UP + b"/sha")
get("te-in-http10", head=b"Transfer-Encoding: chunked\r\n", method=b"POST", target=b"http://" + UP + b"/sha", version=b"HTTP/1.0", body=b"0\r\n\r\n")
get("chunk-size-letters", head=b"Transfer-Encoding: chunked\r\n", method=b"POST", target=b"http://" + UP + b"/sha", body=b"zz\r\nabc\r\n0\r\n\r\n")
get("chunk-size-huge", head=b"Transfer-Encoding: chunked\r\n", method=b"POST", target=b"http://" + UP + b"/sha", body=b"ffffffffffffffffffff\r\nabc\r\n")
get("chunk-size-negative", head=b"Transfer-Encoding: chunked\r\n", method=b"POST", target=b"http://" + UP + b"/sha", body=b"-3\r\nabc\r\n0\r\n\r\n")
get("chunk-size-empty", head=b"Transfer-Encoding: chunked\r\n", method=b"POST", target=b"http://" + UP + b"/sha", body=b"\r\nabc\r\n0\r\n\r\n")
get("chunk-size-space", head=b"Transfer-Encoding: chunked\r\n", method=b"POST", target=b"http://" + UP + b"/sha", body=b"3 4\r\nabc\r\n0\r\n\r\n")
# Known bugs: anything between the hex digits and CR passes as an
# extension, so "0x10" is a last chunk here and 16 bytes to strtol.
get("chunk-size-0x", head=b"Transfer-Encoding: chunked\r\n", method=b"POST", target=b"http://" + UP + b"/sha", body=b"0x10\r\n\r\n")
get("chunk-size-nul", head=b"Transfer-Encoding: chunked\r\n", method=b"POST", target=b"http://" + UP + b"/sha", body=b"3\x00\r\nabc\r\n0\r\n\r\n")
get("chunk-bare-lf", head=b"Transfer-Encoding: chunked\r\n", method=b"POST", target=b"http://" + UP + b"/sha", body=b"3\nabc\n0\n\n")
get("chunk-data-overrun", head=b"Transfer-Encoding: chunked\r\n", method=b"POST", target=b"http://" + UP + b"/sha", body=b"3\r\nabcdef\r\n0\r\n\r\n")

# Sizes and timing.
h("truncated-request-line", b"GET http://localhost:@PORT@/ HT")
h("truncated-head", b"GET http://localhost:@PORT@/ HTTP/1.1\r\nHost: localhost\r\n")
h("head-65k-no-end", b"GET http://localhost:@PORT@/ HTTP/1.1\r\nX: " + b"b" * 70000)
h("socks4", b"\x04\x01\x00\x50\x7f\x00\x00\x01user\x00")
h("socks4a", b"\x04\x01\x00\x50\x00\x00\x00\x01\x00denied.test\x00")

# SOCKS5.
def s(name, data):
    assert name not in socks, name
    socks[name] = data


G = b"\x05\x01\x00"


def req(cmd=1, atyp=3, addr=b"\x09localhost", port=b"@PORT@"):
    return b"\x05" + bytes([cmd]) + b"\x00" + bytes([atyp]) + addr + port


s("greeting-truncated-1", b"\x05")
s("greeting-truncated-2", b"\x05\x03\x00")
s("greeting-zero-methods", b"\x05\x00")
s("greeting-no-acceptable", b"\x05\x02\x01\x03")
s("greeting-gssapi-only", b"\x05\x01\x01")
s("greeting-255-methods", b"\x05\xff" + b"\x80" * 255)
s("request-bad-version", G + b"\x04\x01\x00\x01\x7f\x00\x00\x01\x00\x50")
s("request-bad-command", G + req(cmd=9))
s("request-bind", G + req(cmd=2))
s("request-udp", G + req(cmd=3))
s("request-bad-atyp", G + b"\x05\x01\x00\x02\x7f\x00\x00\x01\x00\x50")
s("request-atyp-zero", G + b"\x05\x01\x00\x00\x7f\x00\x00\x01\x00\x50")
s("request-zero-length-domain", G + b"\x05\x01\x00\x03\x00\x00\x50")
s("request-domain-nul", G + b"\x05\x01\x00\x03\x05ab\x00cd\x00\x50")
s("request-domain-space", G + b"\x05\x01\x00\x03\x05ab cd\x00\x50")
s("request-domain-denied", G + req(addr=b"\x0bdenied.test", port=b"\x01\xbb"))
s("request-domain-not-allowed", G + req(addr=b"\x0fexample.invalid", port=b"\x00\x50"))
s("request-port-zero", G + req(port=b"\x00\x00"))
s("request-v4-metadata", G + req(atyp=1, addr=b"\xa9\xfe\xa9\xfe", port=b"\x00\x50"))
s("request-v4-zero", G + req(atyp=1, addr=b"\x00\x00\x00\x00", port=b"\x00\x50"))
s("request-v6-truncated", G + b"\x05\x01\x00\x04\x00\x00")
s("request-truncated-port", G + b"\x05\x01\x00\x03\x09localhost\x00")
s("request-reserved-nonzero", G + b"\x05\x01\x07\x03\x09localhost@PORT@")
s("userpass-bad-version", b"\x05\x01\x02" + b"\x02\x01u\x01p")
s("userpass-zero-user", b"\x05\x01\x02" + b"\x01\x00\x01p" +
  req(addr=b"\x0bdenied.test", port=b"\x00\x50"))
s("userpass-truncated", b"\x05\x01\x02" + b"\x01\x05ab")
s("request-before-greeting", req())
s("http-after-greeting", G + b"GET / HTTP/1.1\r\n\r\n")

for sub, cases in (("http", http), ("socks", socks)):
    d = os.path.join(top, sub)
    os.makedirs(d, exist_ok=True)
    for name, data in cases.items():
        with open(os.path.join(d, name + ".req"), "wb") as f:
            f.write(data)
print(len(http), "http,", len(socks), "socks", file=sys.stderr)
