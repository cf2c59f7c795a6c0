#!/usr/bin/env bash
# Network path: a 200 MB download from a loopback upstream that serves
# from memory (tests/net/upstream.py), by curl inside the sandbox through
# srt-bridge and srt-proxy, against the same download outside, as a
# throughput ratio (target >= 0.9).  Both proxy forms are measured: an
# absolute-form GET (HTTP_PROXY) and a CONNECT tunnel (HTTPS_PROXY's
# path).  Then start-up with the proxy and the monitor up (srt-launch --
# true) and with the proxy only (-q), against true and the bwrap command.
#
#   bench/net.sh [RUNS] [MB]      (default 5 runs of 200 MB, medians)
set -u
top=$(cd "$(dirname "$0")/.." && pwd)
build=${SRT_BUILD:-$top/build}
srt=$build/bin/srt-launch
runs=${1:-5}
mb=${2:-200}
[ -x "$srt" ] || { echo "net: $srt not built" >&2; exit 1; }
command -v curl >/dev/null || { echo "net: curl not installed" >&2; exit 1; }

tmp=$(mktemp -d /tmp/srt-bench-net.XXXXXX)
upid=
cleanup() {
	[ -z "$upid" ] || { kill "$upid" 2>/dev/null; wait "$upid" 2>/dev/null; }
	rm -rf "$tmp"
}
trap cleanup EXIT
python3 "$top/tests/net/upstream.py" http "$tmp/port" &
upid=$!
for _ in $(seq 100); do [ -s "$tmp/port" ] && break; sleep 0.05; done
[ -s "$tmp/port" ] || { echo "net: upstream did not start" >&2; exit 1; }
port=$(cat "$tmp/port")
bytes=$((mb * 1024 * 1024))
url="http://127.0.0.1:$port/bytes/$bytes"
printf '{"network":{"allowedDomains":["127.0.0.1"]}}\n' >"$tmp/s.json"

median() {
	sort -g | awk '{ v[NR] = $1 } END { print v[int((NR + 1) / 2)] }'
}

# speed CMD...: bytes per second of one download, as curl reports it.
speed() {
	"$@" 2>/dev/null | tail -n 1
}

fmt='%{speed_download}\n'
curl_out=(curl --noproxy '*' --max-time 60 -sS -o /dev/null -w "$fmt" "$url")
curl_abs=("$srt" -q -s "$tmp/s.json" -- curl --noproxy '' --max-time 60 -sS -o /dev/null
    -w "$fmt" -x http://localhost:3128 "$url")
curl_tun=("$srt" -q -s "$tmp/s.json" -- curl --noproxy '' --max-time 60 -sS -o /dev/null
    -w "$fmt" -p -x http://localhost:3128 "$url")
for ((r = 0; r < runs; r++)); do
	speed "${curl_out[@]}" >>"$tmp/out"
	speed "${curl_abs[@]}" >>"$tmp/abs"
	speed "${curl_tun[@]}" >>"$tmp/tun"
done
out=$(median <"$tmp/out")
abs=$(median <"$tmp/abs")
tun=$(median <"$tmp/tun")
printf 'network: %d MB download from a loopback upstream, median of %d runs\n' \
    "$mb" "$runs"
awk -v o="$out" -v a="$abs" -v t="$tun" 'BEGIN {
	printf "  outside the sandbox      %8.0f MB/s\n", o / 1048576
	printf "  inside, GET via proxy    %8.0f MB/s  ratio %.2f%s\n", a / 1048576,
	    a / o, ((a / o) >= 0.9) ? " (target met)" : " (below the 0.9 target)"
	printf "  inside, CONNECT tunnel   %8.0f MB/s  ratio %.2f%s\n", t / 1048576,
	    t / o, ((t / o) >= 0.9) ? " (target met)" : " (below the 0.9 target)"
}'

# Start-up with the helpers up: the proxy always, the monitor unless -q.
time_one() {
	local t0 t1
	t0=$EPOCHREALTIME
	"$@" >/dev/null 2>&1
	t1=$EPOCHREALTIME
	echo $(( (${t1/./} - ${t0/./}) ))
}
names=(true "srt-launch" "srt-launch -q")
cmds=("/bin/true" "$srt -- /bin/true" "$srt -q -- /bin/true")
if command -v bwrap >/dev/null; then
	names+=(bwrap)
	cmds+=("bwrap --ro-bind / / --unshare-all --dev /dev --proc /proc true")
fi
n=31
for c in "${cmds[@]}"; do $c >/dev/null 2>&1; done
for ((r = 0; r < n; r++)); do
	for i in "${!cmds[@]}"; do
		# shellcheck disable=SC2086
		time_one ${cmds[$i]} >>"$tmp/start.$i"
	done
done
printf 'start-up with srt-proxy and srt-monitor, median of %d runs\n' "$n"
declare -A med
for i in "${!cmds[@]}"; do
	med[$i]=$(median <"$tmp/start.$i")
	printf '  %-14s %8d us\n' "${names[$i]}" "${med[$i]}"
done
if [ "${#cmds[@]}" -gt 3 ]; then
	awk -v s="${med[1]}" -v q="${med[2]}" -v b="${med[3]}" 'BEGIN {
		printf "  srt-launch / bwrap    = %.2fx%s\n", s / b,
		    (s <= b) ? " (target met)" : " (slower than bwrap)"
		printf "  srt-launch -q / bwrap = %.2fx\n", q / b
	}'
fi
