#!/usr/bin/env bash
# Startup cost: median wall time of `srt-launch -- true` with the default
# policy against plain `true` and against the closest bubblewrap command
# (which does less: no Landlock, no seccomp, no mandatory denies), all
# measured in the same run, interleaved, and printed with ratios; also
# with a writable working directory (13 placeholders).
#
#   bench/startup.sh [RUNS]      (default 51)
set -u
top=$(cd "$(dirname "$0")/.." && pwd)
. "$top/bench/lib.sh"
build=${SRT_BUILD:-$top/build}
srt=$build/bin/srt-launch
runs=${1:-51}
[ -x "$srt" ] || { echo "startup: $srt not built" >&2; exit 1; }



names=(true srt-launch)
cmds=("/bin/true" "$srt -- true")
if command -v bwrap >/dev/null; then
	names+=(bwrap)
	cmds+=("bwrap --ro-bind / / --unshare-all --dev /dev --proc /proc true")
fi
tmp=$(mktemp -d /tmp/srt-bench.XXXXXX)
trap 'rm -rf "$tmp"' EXIT
# The common real case too: the working directory writable, every
# mandatory deny missing there, so each is a placeholder.
mkdir "$tmp/proj"
printf '{"filesystem":{"allowWrite":["%s"]}}\n' "$tmp/proj" >"$tmp/w.json"
names+=("srt-launch -s")
cmds+=("$srt -s $tmp/w.json -- /bin/true")
cd "$tmp/proj" || exit 1
# Warm up once, then interleave so drift hits every command alike.
for c in "${cmds[@]}"; do $c >/dev/null 2>&1; done
for ((r = 0; r < runs; r++)); do
	for i in "${!cmds[@]}"; do
		# shellcheck disable=SC2086
		bench_time_one ${cmds[$i]} >>"$tmp/$i"
	done
done
declare -A med
for i in "${!cmds[@]}"; do
	med[$i]=$(bench_median <"$tmp/$i")
done
[ -z "$(ls -A "$tmp/proj")" ] || echo "startup: placeholders left in $tmp/proj" >&2
printf 'startup, median of %d runs (wall, microseconds)\n' "$runs"
for i in "${!cmds[@]}"; do
	printf '  %-14s %8d us\n' "${names[$i]}" "${med[$i]}"
done
awk -v s="${med[1]}" -v t="${med[0]}" 'BEGIN { printf "  srt-launch / true  = %.1fx\n", s / (t ? t : 1) }'
bw=""
for i in "${!names[@]}"; do [ "${names[$i]}" = bwrap ] && bw=$i; done
if [ -n "$bw" ]; then
	awk -v s="${med[1]}" -v b="${med[$bw]}" 'BEGIN { printf "  srt-launch / bwrap = %.2fx%s\n", s / b, s <= b ? " (target met: no slower than bwrap)" : " (SLOWER than bwrap)" }'
	awk -v s="${med[$((${#cmds[@]} - 1))]}" -v b="${med[$bw]}" 'BEGIN { printf "  srt-launch -s / bwrap = %.2fx (writable cwd, 13 placeholders)\n", s / b }'
fi
