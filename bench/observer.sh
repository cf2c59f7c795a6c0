#!/usr/bin/env bash
# Cost of the write observer (srt-launch/notify.c) on a build-like
# workload: create, write and delete 10,000 small files in an allowWrite
# directory, with --observe and without (the default), interleaved; the
# median wall time of each and their ratio.  Every create and unlink
# notifies the supervisor (no event: they are inside the policy); reads
# never do, measured as well with 10,000 opens for reading.
#
#   bench/observer.sh [RUNS] [FILES]     (default 7 runs, 10000 files)
set -u
top=$(cd "$(dirname "$0")/.." && pwd)
. "$top/bench/lib.sh"
build=${SRT_BUILD:-$top/build}
srt=$build/bin/srt-launch
runs=${1:-7}
files=${2:-10000}
[ -x "$srt" ] || { echo "observer: $srt not built" >&2; exit 1; }
command -v python3 >/dev/null || { echo "observer: no python3" >&2; exit 1; }

tmp=$(mktemp -d /tmp/srt-bench-obs.XXXXXX)
trap 'rm -rf "$tmp"' EXIT
mkdir "$tmp/proj"
printf '{"filesystem":{"allowWrite":["%s"]}}\n' "$tmp/proj" >"$tmp/w.json"
cat >"$tmp/work.py" <<'PY'
import os, sys
d, n, mode = sys.argv[1], int(sys.argv[2]), sys.argv[3]
os.chdir(d)
if mode == "write":
    for i in range(n):
        name = "f%d.o" % i
        with open(name, "w") as f:
            f.write("int x%d;\n" % i)
        os.unlink(name)
else:
    with open("src.c", "w") as f:
        f.write("int x;\n")
    for i in range(n):
        with open("src.c") as f:
            f.read()
PY



# Both keep a monitor (-q --violations /dev/null): only the observer
# differs.
on=("$srt" -q --violations /dev/null --observe -s "$tmp/w.json" --)
off=("$srt" -q --violations /dev/null -s "$tmp/w.json" --)
for mode in write read; do
	: >"$tmp/on"
	: >"$tmp/off"
	for ((i = 0; i < runs; i++)); do
		bench_time_one "${off[@]}" python3 "$tmp/work.py" "$tmp/proj" \
		    "$files" "$mode" >>"$tmp/off"
		bench_time_one "${on[@]}" python3 "$tmp/work.py" "$tmp/proj" \
		    "$files" "$mode" >>"$tmp/on"
	done
	a=$(bench_median <"$tmp/off")
	b=$(bench_median <"$tmp/on")
	awk -v m="$mode" -v n="$files" -v a="$a" -v b="$b" 'BEGIN {
		printf "observer %-5s %d files: default %.1f ms, " \
		    "--observe %.1f ms, ratio %.2f", m, n, a / 1000, b / 1000,
		    b / a
		if (m == "write")
			printf ", %.1f us per notified call", (b - a) / (2 * n)
		printf "\n"
	}'
done
