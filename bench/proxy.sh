#!/usr/bin/env bash
# srt-proxy speed on loopback against an upstream serving from memory:
# bulk download direct / CONNECT / SOCKS5, added latency of small
# keep-alive requests, and 10,000 idle tunnels.  Prints ratios.
#   bench/proxy.sh [BUILD_DIR]
set -u
top=$(cd "$(dirname "$0")/.." && pwd)
build=${1:-$top/build}
size=${SRT_BENCH_BYTES:-1073741824}
tunnels=${SRT_BENCH_TUNNELS:-10000}
# Each tunnel holds two sockets in the proxy; a hard descriptor limit we
# may not raise (no CAP_SYS_RESOURCE in a container) caps the count.
maxfd=$(ulimit -Hn)
if [ "$maxfd" != unlimited ] && [ $((tunnels * 2 + 200)) -gt "$maxfd" ]; then
	echo "note: hard RLIMIT_NOFILE $maxfd allows $(((maxfd - 200) / 2)) tunnels, not $tunnels"
	tunnels=$(((maxfd - 200) / 2))
fi
tmp=$(mktemp -d /tmp/srt-bench-proxy.XXXXXX)
pids=()
cleanup() {
	for p in "${pids[@]}"; do kill "$p" 2>/dev/null; done
	wait 2>/dev/null
	rm -rf "$tmp"
}
trap cleanup EXIT

"$build/tests/helpers/bench_upstream" >"$tmp/up.port" &
pids+=($!)
for _ in $(seq 100); do [ -s "$tmp/up.port" ] && break; sleep 0.05; done
up=$(cat "$tmp/up.port")
printf '{"network":{"allowedDomains":["127.0.0.1"]}}\n' >"$tmp/s.json"
"$build/bin/srt-proxy" -s "$tmp/s.json" -l 127.0.0.1:0 2>"$tmp/px.log" &
pxpid=$!
pids+=($pxpid)
for _ in $(seq 100); do grep -q listening "$tmp/px.log" && break; sleep 0.05; done
px=$(sed -n 's/.*listening on 127\.0\.0\.1:\([0-9]*\).*/\1/p' "$tmp/px.log")

speed() {
	curl -s -o /dev/null -w '%{speed_download}' "$@" \
	    "http://127.0.0.1:$up/bytes/$size"
}
best() {
	local b=0 s i
	for i in 1 2 3; do
		s=$(speed "$@")
		s=${s%.*}
		[ "$s" -gt "$b" ] && b=$s
	done
	echo "$b"
}
direct=$(best)
connect=$(best -p -x "http://127.0.0.1:$px")
socks=$(best --socks5 "127.0.0.1:$px")
absolute=$(best -x "http://127.0.0.1:$px")
gb() { awk -v b="$1" 'BEGIN { printf "%.2f GB/s", b / 1e9 }'; }
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.2fx", a / b }'; }
echo "bulk $((size >> 20)) MiB, best of 3 (target >= 0.90x direct):"
echo "  direct        $(gb "$direct")"
echo "  CONNECT       $(gb "$connect")  $(ratio "$connect" "$direct")"
echo "  SOCKS5        $(gb "$socks")  $(ratio "$socks" "$direct")"
echo "  absolute GET  $(gb "$absolute")  $(ratio "$absolute" "$direct")  (user-space copy)"
python3 "$top/bench/proxy_bench.py" latency "$up" "$px" 5000
python3 "$top/bench/proxy_bench.py" idle "$up" "$px" "$pxpid" "$tunnels"
