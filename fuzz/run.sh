#!/bin/sh
# Run every built fuzzer for FUZZ_SECONDS (default 60) on its corpus.
# Fails on the first crash, leak or timeout; prints executions per target.
set -u
build=${1:-build-fuzz}
secs=${FUZZ_SECONDS:-60}
status=0
for f in "$build"/fuzz/fuzz_*; do
	[ -x "$f" ] || continue
	name=${f##*/fuzz_}
	corpus=fuzz/corpus/$name
	work=$(mktemp -d /tmp/srt-fuzz.XXXXXX)
	mkdir -p "$corpus"
	log=$work/log
	if "$f" -max_total_time="$secs" -timeout=10 -rss_limit_mb=2048 \
	    -max_len=65536 -print_final_stats=1 "$work" "$corpus" \
	    >"$log" 2>&1; then
		execs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log")
		echo "ok - fuzz $name: ${execs:-?} executions in ${secs}s"
	else
		echo "not ok - fuzz $name"
		tail -40 "$log"
		status=1
	fi
	rm -rf "$work"
done
exit $status
