#!/usr/bin/env bats
# contrib/: the systemd units' command lines work as written (with the
# install and state paths moved to a scratch directory), the rsyslog
# snippet passes rsyslogd's own check, and the Vector and Fluent Bit
# snippets parse and use fields srt-monitor writes (contrib-logging.py;
# neither program is packaged in Debian, so neither has loaded them).
# srt-run-as: both

C="$SRT_TOP/contrib"

setup() {
	T=$(mktemp -d /tmp/srt-contrib.XXXXXX)
	chmod 755 "$T"
	mkdir -p "$T/run/srt-monitor" "$T/log/srt" "$T/etc/srt"
	chmod 777 "$T/run/srt-monitor" "$T/log/srt"
	pids=()
}

teardown() {
	for p in "${pids[@]}"; do
		kill "$p" 2>/dev/null
		wait "$p" 2>/dev/null
	done
	rm -rf "$T"
}

wait_for() {
	local i
	for ((i = 0; i < 100; i++)); do
		"$@" && return 0
		sleep 0.05
	done
	return 1
}

# execstart UNIT: its ExecStart command, moved into $T.
execstart() {
	sed -n 's/^ExecStart=//p' "$C/systemd/$1" |
	    sed -e "s|/usr/local/bin/|$SRT_BIN/|" -e "s|/run/|$T/run/|g" \
	        -e "s|/var/log/|$T/log/|g" -e "s|/etc/srt/|$T/etc/srt/|g"
}

@test "systemd units: monitor and proxy start as written and log a denial" {
	cp "$C/settings/agent-repo.json" "$T/etc/srt/proxy-settings.json"
	chmod 644 "$T/etc/srt/proxy-settings.json"
	mon=$(execstart srt-monitor.service)
	[[ "$mon" == "$SRT_BIN/srt-monitor "* ]]
	# systemd starts it with UMask=0000 (see the unit).
	(umask 0; exec $mon) 2>"$T/mon.err" &
	pids+=($!)
	wait_for test -S "$T/run/srt-monitor/events.sock"
	px=$(execstart srt-proxy.service)
	port=$((20000 + RANDOM % 20000))
	px=${px/127.0.0.1:3128/127.0.0.1:$port}
	$px 2>"$T/px.err" &
	pids+=($!)
	wait_for grep -q "listening on 127.0.0.1:$port" "$T/px.err" ||
	    { cat "$T/px.err"; return 1; }
	run curl -sS --max-time 10 -x "http://127.0.0.1:$port" \
	    https://example.com/
	[ "$status" -ne 0 ]
	[[ "$output" == *403* ]]
	wait_for grep -q '"target":"example.com:443"' \
	    "$T/log/srt/events.jsonl" || { cat "$T"/*.err; return 1; }
	grep -q '"decision":"deny"' "$T/log/srt/events.jsonl"
}

@test "systemd units: every Exec line names an installed program" {
	for u in "$C"/systemd/*.service; do
		for p in $(sed -n 's/^Exec[A-Za-z]*=\([^ ]*\).*/\1/p' "$u"); do
			case $p in
			/usr/local/bin/*) [ -x "$SRT_BIN/${p##*/}" ] ;;
			/bin/kill) ;;
			*) echo "$u: unexpected $p"; return 1 ;;
			esac
		done
	done
}

@test "rsyslog snippet passes rsyslogd -N1" {
	command -v rsyslogd >/dev/null || skip "rsyslog is not installed"
	printf 'global(workDirectory="%s")\n$IncludeConfig %s\n' "$T" \
	    "$C/logging/rsyslog-srt.conf" >"$T/rsyslog.conf"
	run rsyslogd -N1 -f "$T/rsyslog.conf"
	[ "$status" -eq 0 ] || { echo "$output"; return 1; }
}

@test "the Vector and Fluent Bit snippets read the monitor's log path" {
	# Neither tool is packaged here; check that they read the file the
	# monitor unit writes, and that Vector keys on a real event member.
	log=$(sed -n 's/.*-o \([^ ]*\).*/\1/p' "$C/systemd/srt-monitor.service")
	[ -n "$log" ]
	grep -qF "\"$log\"" "$C/logging/vector-srt.toml"
	grep -qE "^ *Path +$log\$" "$C/logging/fluent-bit-srt.conf"
	grep -qF "$log" "$C/logging/rsyslog-srt.conf"
	grep -q '"decision"' "$C/srt-events.schema.json"
}

@test "the Vector and Fluent Bit snippets parse and use fields srt-monitor writes" {
	# A real denial, written by srt-monitor, to hold the snippets'
	# field names against (besides the schema).
	printf '{}\n' >"$T/s.json"
	run "$SRT_BIN/srt-launch" -q -s "$T/s.json" --observe \
	    --violations "$T/ev.jsonl" -- sh -c 'echo x >/etc/srt-contrib-$$'
	[ "$status" -ne 0 ]
	grep -q '"decision":"deny"' "$T/ev.jsonl"
	log=$(sed -n 's/.*-o \([^ ]*\).*/\1/p' "$C/systemd/srt-monitor.service")
	run /usr/bin/python3 "$SRT_TESTS/bats/contrib-logging.py" "$C" "$log" \
	    "$T/ev.jsonl"
	echo "$output"
	[ "$status" -eq 0 ]
}
