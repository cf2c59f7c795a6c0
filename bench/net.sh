#!/usr/bin/env bash
# Network path: a 200 MB download from a loopback upstream that serves
# from memory with 1 MiB writes (tests/helpers/bench_upstream, the server
# bench/proxy.sh uses), by curl inside the sandbox through
# srt-bridge and srt-proxy, against the same download outside, as a
# throughput ratio (target >= 0.9).  Both proxy forms are measured: an
# absolute-form GET (HTTP_PROXY) and a CONNECT tunnel (HTTPS_PROXY's
# path).  Then start-up (srt-launch -- true, and -q) against true and the
# bwrap command, and the cost of one first request, which starts the
# bridge and the proxy.
#
#   bench/net.sh [RUNS] [MB]      (default 5 runs of 200 MB, medians)
set -u
top=$(cd "$(dirname "$0")/.." && pwd)
. "$top/bench/lib.sh"
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
[ -x "$build/tests/helpers/bench_upstream" ] ||
    { echo "net: bench_upstream not built" >&2; exit 1; }
"$build/tests/helpers/bench_upstream" >"$tmp/port" &
upid=$!
for _ in $(seq 100); do [ -s "$tmp/port" ] && break; sleep 0.05; done
[ -s "$tmp/port" ] || { echo "net: upstream did not start" >&2; exit 1; }
port=$(cat "$tmp/port")
bytes=$((mb * 1024 * 1024))
url="http://127.0.0.1:$port/bytes/$bytes"
printf '{"network":{"allowedDomains":["127.0.0.1"]}}\n' >"$tmp/s.json"

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
out=$(bench_median <"$tmp/out")
abs=$(bench_median <"$tmp/abs")
tun=$(bench_median <"$tmp/tun")
printf 'network: %d MB download from a loopback upstream, median of %d interleaved runs [min-max]\n' \
    "$mb" "$runs"
printf '  %d CPUs, load %s: outside is 2 busy processes (curl, server), inside 3 (curl, srt-proxy, server)\n' \
    "$(bench_cpus)" "$(bench_load)"
line() {
	read -r lo hi < <(bench_spread <"$tmp/$2")
	awk -v n="$1" -v m="$3" -v o="$out" -v lo="$lo" -v hi="$hi" \
	    -v r="$4" 'BEGIN {
		printf "  %-24s %6.0f MB/s [%.0f-%.0f]", n, m / 1048576,
		    lo / 1048576, hi / 1048576
		t = (m / o >= 0.9) ? " (target met)" : " (below the 0.9 target)"
		if (r)
			printf "  ratio %.2f%s", m / o, t
		printf "\n"
	}'
}
line "outside the sandbox" out "$out" 0
line "inside, GET via proxy" abs "$abs" 1
line "inside, CONNECT tunnel" tun "$tun" 1

# Start-up: the bridge and the proxy start with the first connection, the
# monitor with the first denial, so `true` runs beside none of them; one
# small request through them shows what starting them costs.
small="http://127.0.0.1:$port/bytes/1"
names=(true "srt-launch" "srt-launch -q" "curl" "srt-launch curl")
cmds=("/bin/true" "$srt -- /bin/true" "$srt -q -- /bin/true"
    "curl --noproxy 127.0.0.1 -sS -o /dev/null $small"
    "$srt -q -s $tmp/s.json -- curl --noproxy none.invalid -sS -o /dev/null -x http://localhost:3128 $small")
if command -v bwrap >/dev/null; then
	names+=(bwrap)
	cmds+=("bwrap --ro-bind / / --unshare-all --dev /dev --proc /proc true")
fi
n=31
for c in "${cmds[@]}"; do $c >/dev/null 2>&1; done
for ((r = 0; r < n; r++)); do
	for i in "${!cmds[@]}"; do
		# shellcheck disable=SC2086
		bench_time_one ${cmds[$i]} >>"$tmp/start.$i"
	done
done
printf 'start-up (srt-bridge, srt-proxy and srt-monitor start when first needed), median of %d runs\n' "$n"
declare -A med
for i in "${!cmds[@]}"; do
	med[$i]=$(bench_median <"$tmp/start.$i")
	printf '  %-16s %8d us\n' "${names[$i]}" "${med[$i]}"
done
awk -v z="${med[0]}" -v t="${med[1]}" -v c="${med[3]}" -v s="${med[4]}" 'BEGIN {
	printf "  first request: (srt-launch curl - curl) - (srt-launch true - true) = %.1f ms (bridge and proxy start)\n",
	    ((s - c) - (t - z)) / 1000
}'
if [ "${#cmds[@]}" -gt 5 ]; then
	awk -v s="${med[1]}" -v q="${med[2]}" -v b="${med[5]}" 'BEGIN {
		printf "  srt-launch / bwrap    = %.2fx%s\n", s / b,
		    (s <= b) ? " (target met)" : " (slower than bwrap)"
		printf "  srt-launch -q / bwrap = %.2fx\n", q / b
	}'
fi
