#!/usr/bin/env bats
# srt-monitor: standalone socket, service channels, outputs, ignoreViolations.
# srt-run-as: both

setup() {
	T=$BATS_TEST_TMPDIR
	M=$SRT_BIN/srt-monitor
	CLIENT=$SRT_TESTS/bats/monitor-client.py
	SCHEMA=$SRT_TOP/contrib/srt-events.schema.json
	SOCK=$T/m.sock
}

teardown() {
	local f
	for f in "$T"/*.pid; do
		[ -f "$f" ] || continue
		kill "$(cat "$f")" 2>/dev/null || true
	done
	for f in "$T"/*.pid; do
		[ -f "$f" ] || continue
		wait_gone "$(cat "$f")" || kill -9 "$(cat "$f")" 2>/dev/null || true
	done
	if [ -f "$T/logs.dir" ]; then
		rm -rf "$(cat "$T/logs.dir")"
	fi
}

# wait_for SECONDS CMD...: poll until CMD succeeds.
wait_for() {
	local i n=$(($1 * 20))
	shift
	for ((i = 0; i < n; i++)); do
		"$@" && return 0
		sleep 0.05
	done
	return 1
}

wait_gone() {
	wait_for 5 eval "! kill -0 $1 2>/dev/null"
}

client() {
	python3 "$CLIENT" "$@"
}

nlines() {
	[ -f "$1" ] && [ "$(wc -l <"$1")" -eq "$2" ]
}

# start_monitor ARGS...: standalone on $SOCK, stderr in $T/m.err.
start_monitor() {
	"$M" -d -l "unix:$SOCK" "$@" 2>"$T/m.err" 3>&- &
	echo $! >"$T/m.pid"
	wait_for 5 can_connect "$SOCK"
}

can_connect() {
	python3 -c 'import socket, sys; socket.socket(socket.AF_UNIX).connect(sys.argv[1])' "$1" 2>/dev/null
}

summary_field() {	# summary_field JSON NAME
	python3 -c 'import json,sys; print(json.loads(sys.argv[1])[sys.argv[2]])' "$1" "$2"
}

# fifo_reader FIFO LINES: opens FIFO at once (so the monitor can open it
# without blocking), then reads LINES lines and exits, or never reads
# when LINES is 0.
fifo_reader() {
	python3 -c '
import os, sys, time
fd = os.open(sys.argv[1], os.O_RDONLY | os.O_NONBLOCK)
open(sys.argv[1] + ".ready", "w").close()
n = int(sys.argv[2])
if n == 0:
    time.sleep(120)
f = os.fdopen(fd, "rb")
got = b""
while got.count(b"\n") < n:
    chunk = f.read(1)
    if not chunk:
        time.sleep(0.02)
    got += chunk or b""
' "$1" "$2" 3>&- &
	echo $! >"$T/reader.pid"
	wait_for 5 test -f "$1.ready"
}

@test "JSON lines parse and match the schema" {
	start_monitor -o "$T/out.jsonl"
	run client send "$SOCK" --events 5 --summary
	[ "$status" -eq 0 ]
	[ "$(summary_field "$output" events)" -eq 5 ]
	[ "$(summary_field "$output" denials)" -eq 5 ]
	nlines "$T/out.jsonl" 5
	python3 -m json.tool --json-lines "$T/out.jsonl" >/dev/null
	run python3 "$SRT_TESTS/bats/monitor-schema.py" "$SCHEMA" "$T/out.jsonl"
	[ "$status" -eq 0 ]
	[ "$output" = 5 ]
	grep -q '"target":"host-0-4.example:443"' "$T/out.jsonl"
}

@test "hostile targets stay one valid JSON line each" {
	start_monitor -o "$T/out.jsonl"
	run client send "$SOCK" --events 2 --summary \
	    --target $'a\nb\x1b[31m"q\\{i}'
	[ "$status" -eq 0 ]
	nlines "$T/out.jsonl" 2
	run python3 -c '
import json, sys
for line in open(sys.argv[1]):
    print(repr(json.loads(line)["target"]))' "$T/out.jsonl"
	[ "${lines[0]}" = "'a\\nb\\x1b[31m\"q\\\\0'" ]
	[ "${lines[1]}" = "'a\\nb\\x1b[31m\"q\\\\1'" ]
}

@test "ignoreViolations from -s drops exactly the matching events" {
	cat >"$T/settings.json" <<-'EOF'
	{ "network": { "allowedDomains": [] },
	  "ignoreViolations": { "*": ["/tmp/ignored"], "npm": ["/.npm/"] } }
	EOF
	start_monitor -o "$T/out.jsonl" -s "$T/settings.json"
	fs="--kind filesystem --operation write"
	client send "$SOCK" $fs --command "ls" --target /tmp/ignored/x
	client send "$SOCK" $fs --command "ls" --target /tmp/kept/x
	client send "$SOCK" $fs --command "npm install" --target /h/.npm/_logs/1
	client send "$SOCK" $fs --command "curl npm" --target /h/.npmrc
	client send "$SOCK" $fs --command "curl x" --target /h/.npm/_logs/2
	client send "$SOCK" $fs --command "" --target /h/.npm/_logs/3
	run client send "$SOCK" --events 0 --summary
	[ "$(summary_field "$output" events)" -eq 6 ]
	[ "$(summary_field "$output" ignored)" -eq 2 ]
	[ "$(summary_field "$output" denials)" -eq 4 ]
	run python3 -c '
import json, sys
for line in open(sys.argv[1]):
    print(json.loads(line)["target"])' "$T/out.jsonl"
	[ "${#lines[@]}" -eq 4 ]
	[ "${lines[0]}" = /tmp/kept/x ]
	[ "${lines[1]}" = /h/.npmrc ]
	[ "${lines[2]}" = /h/.npm/_logs/2 ]
	[ "${lines[3]}" = /h/.npm/_logs/3 ]
}

@test "a launcher's own policy applies to its events only" {
	echo '{"ignoreViolations": {"*": ["secret"]}}' >"$T/policy.json"
	start_monitor -o "$T/out.jsonl"
	run client send "$SOCK" --policy "$T/policy.json" --target "secret-{i}" \
	    --events 3 --summary
	[ "$status" -eq 0 ]
	[ "$(summary_field "$output" ignored)" -eq 3 ]
	run client send "$SOCK" --target "secret-{i}" --events 2 --summary
	[ "$(summary_field "$output" ignored)" -eq 3 ]
	nlines "$T/out.jsonl" 2
}

@test "invalid settings are refused at start" {
	echo '{"ignoreViolations": ["x"]}' >"$T/bad.json"
	run "$M" -l "unix:$SOCK" -s "$T/bad.json"
	[ "$status" -ne 0 ]
	[[ "$output" == *"/ignoreViolations: expected an object"* ]]
	echo '{"ignoreViolations": {"*": "x"}}' >"$T/bad.json"
	run "$M" -l "unix:$SOCK" -s "$T/bad.json"
	[ "$status" -ne 0 ]
	[[ "$output" == *"/ignoreViolations/*: expected an array"* ]]
	echo '{"ignoreViolations": ' >"$T/bad.json"
	run "$M" -l "unix:$SOCK" -s "$T/bad.json"
	[ "$status" -ne 0 ]
	run "$M" -l "unix:$SOCK" -s "$T/missing.json"
	[ "$status" -ne 0 ]
	[[ "$output" == *"missing.json"* ]]
	[ ! -e "$SOCK" ]
}

@test "text format has every field on one line" {
	start_monitor -o "$T/out.txt" -f text
	run client send "$SOCK" --kind filesystem --operation write \
	    --target /etc/x --rule "outside allowWrite" --reason "read-only" \
	    --command "sh -c 'echo > /etc/x'" --summary
	[ "$status" -eq 0 ]
	nlines "$T/out.txt" 1
	grep -Eq '^[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9:]{8}\.[0-9]{6}Z deny filesystem write /etc/x rule="outside allowWrite" reason="read-only" sandbox=1 launcher=[0-9]+ pid=100 comm="curl" command="sh -c .echo > /etc/x."$' "$T/out.txt"
}

@test "SIGHUP reopens the output file (logrotate)" {
	# As root the monitor reopens as nobody, who cannot reach $T.
	L=$(mktemp -d /tmp/srt-monitor-logs.XXXXXX)
	echo "$L" >"$T/logs.dir"
	chmod 1777 "$L"
	start_monitor -o "$L/out.jsonl"
	client send "$SOCK" --events 2 --summary >/dev/null
	nlines "$L/out.jsonl" 2
	mv "$L/out.jsonl" "$L/out.jsonl.1"
	kill -HUP "$(cat "$T/m.pid")"
	wait_for 5 test -f "$L/out.jsonl"
	client send "$SOCK" --events 3 --summary >/dev/null
	nlines "$L/out.jsonl.1" 2
	nlines "$L/out.jsonl" 3
	kill -0 "$(cat "$T/m.pid")"
}

@test "many concurrent clients lose nothing" {
	start_monitor -o "$T/out.jsonl"
	run client send "$SOCK" --clients 16 --events 250
	[ "$status" -eq 0 ]
	run client send "$SOCK" --events 0 --summary
	[ "$(summary_field "$output" events)" -eq 4000 ]
	[ "$(summary_field "$output" dropped)" -eq 0 ]
	nlines "$T/out.jsonl" 4000
	[ "$(grep -o '"target":"[^"]*"' "$T/out.jsonl" | sort -u | wc -l)" -eq 4000 ]
}

@test "a garbage client is dropped while others go on" {
	start_monitor -o "$T/out.jsonl"
	client send "$SOCK" --events 3 --linger 2 --after 4 --summary \
	    >"$T/a.out" 3>&- &
	echo $! >"$T/a.pid"
	wait_for 5 nlines "$T/out.jsonl" 3
	for g in hello version type json length huge; do
		run timeout 10 python3 "$CLIENT" send "$SOCK" --garbage "$g"
		[ "$status" -eq 0 ]
	done
	wait "$(cat "$T/a.pid")"
	[ "$(summary_field "$(cat "$T/a.out")" events)" -eq 7 ]
	nlines "$T/out.jsonl" 7
	kill -0 "$(cat "$T/m.pid")"
	[ "$(grep -c 'client .*: ' "$T/m.err")" -ge 6 ]
	grep -q 'protocol version mismatch' "$T/m.err"
	grep -q 'unexpected message type' "$T/m.err"
	grep -q 'malformed IMSG_EVENT' "$T/m.err"
	grep -q 'bad message framing' "$T/m.err"
}

@test "a stalled output does not block senders; drops are counted" {
	mkfifo "$T/fifo"
	fifo_reader "$T/fifo" 0
	start_monitor -o "$T/fifo"
	SECONDS=0
	run timeout 60 python3 "$CLIENT" send "$SOCK" --clients 3 \
	    --events 4000 --summary
	[ "$status" -eq 0 ]
	[ "$SECONDS" -lt 30 ]
	run client send "$SOCK" --events 0 --summary
	[ "$(summary_field "$output" events)" -eq 12000 ]
	[ "$(summary_field "$output" dropped)" -gt 0 ]
	kill -0 "$(cat "$T/m.pid")"
}

@test "a dead output does not block senders" {
	mkfifo "$T/fifo"
	fifo_reader "$T/fifo" 2
	start_monitor -o "$T/fifo"
	run client send "$SOCK" --events 2 --summary
	[ "$(summary_field "$output" dropped)" -eq 0 ]
	wait_gone "$(cat "$T/reader.pid")"
	run timeout 30 python3 "$CLIENT" send "$SOCK" --events 100 --summary
	[ "$status" -eq 0 ]
	[ "$(summary_field "$output" events)" -eq 102 ]
	[ "$(summary_field "$output" dropped)" -ge 99 ]
	kill -0 "$(cat "$T/m.pid")"
}

@test "an unreachable syslog collector does not block senders" {
	port=$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
	start_monitor -o "$T/out.jsonl" --syslog-remote "127.0.0.1:$port/tcp"
	run timeout 30 python3 "$CLIENT" send "$SOCK" --events 50 --summary
	[ "$status" -eq 0 ]
	nlines "$T/out.jsonl" 50
	kill -0 "$(cat "$T/m.pid")"
}

@test "a syslog collector that stops reading does not block senders" {
	python3 -c '
import socket, sys, time
s = socket.socket()
s.bind(("127.0.0.1", 0))
s.listen(1)
open(sys.argv[1], "w").write(str(s.getsockname()[1]))
c, _ = s.accept()
c.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
time.sleep(120)' "$T/port" 3>&- &
	echo $! >"$T/collector.pid"
	wait_for 5 test -s "$T/port"
	start_monitor -o "$T/out.jsonl" \
	    --syslog-remote "127.0.0.1:$(cat "$T/port")/tcp"
	SECONDS=0
	run timeout 60 python3 "$CLIENT" send "$SOCK" --clients 4 \
	    --events 5000 --summary
	[ "$status" -eq 0 ]
	[ "$SECONDS" -lt 30 ]
	run client send "$SOCK" --events 0 --summary
	[ "$(summary_field "$output" events)" -eq 20000 ]
	[ "$(summary_field "$output" dropped)" -gt 0 ]
	nlines "$T/out.jsonl" 20000
}

start_rsyslog() {
	command -v rsyslogd >/dev/null || skip "rsyslogd not installed"
	PORT=$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
	mkdir -p "$T/rs"
	cat >"$T/rs.conf" <<-EOF
	global(workDirectory="$T/rs")
	module(load="imuxsock" SysSock.Use="off")
	input(type="imuxsock" Socket="$T/log.sock" UseSpecialParser="off" ParseHostname="on")
	module(load="imtcp")
	input(type="imtcp" port="$PORT" address="127.0.0.1")
	module(load="imudp")
	input(type="imudp" port="$PORT" address="127.0.0.1")
	template(name="srt" type="string" string="%inputname% %syslogfacility-text%.%syslogseverity-text% %app-name% %msgid% %structured-data% %msg%\n")
	*.* action(type="omfile" file="$T/syslog.out" template="srt")
	EOF
	rsyslogd -n -f "$T/rs.conf" -i "$T/rsyslogd.pid" >"$T/rs.err" 2>&1 3>&- &
	echo $! >"$T/rs.pid"
	wait_for 10 test -S "$T/log.sock" ||
	    skip "rsyslogd did not start: $(head -c 300 "$T/rs.err")"
	# imtcp is up when it accepts.
	wait_for 10 python3 -c 'import socket, sys; socket.create_connection(("127.0.0.1", int(sys.argv[1])), 1).close()' "$PORT" ||
	    skip "rsyslogd imtcp did not listen"
}

@test "syslog: RFC 5424 with structured data reaches rsyslogd (unix, TCP, UDP)" {
	start_rsyslog
	start_monitor -o /dev/null --syslog local3 --syslog-socket "$T/log.sock" \
	    --syslog-remote "127.0.0.1:$PORT/tcp"
	run client send "$SOCK" --events 2 --target 'a"b]c{i}' --summary
	[ "$status" -eq 0 ]
	kill "$(cat "$T/m.pid")"
	wait_gone "$(cat "$T/m.pid")"
	SOCK=$T/m2.sock
	"$M" -l "unix:$SOCK" -o /dev/null --syslog-remote "127.0.0.1:$PORT" \
	    2>"$T/m2.err" 3>&- &
	echo $! >"$T/m2.pid"
	wait_for 5 can_connect "$SOCK"
	client send "$SOCK" --events 2 --kind filesystem --operation write \
	    --target /etc/passwd --rule "outside allowWrite" --summary >/dev/null
	wait_for 10 nlines "$T/syslog.out" 6
	cat "$T/syslog.out"
	for i in 0 1; do
		for input in imuxsock imtcp; do
			grep -Fq "$input local3.warning srt-monitor network [srt@32473 kind=\"network\" operation=\"connect\" target=\"a\\\"b\\]c$i\" decision=\"deny\" rule=\"allowedDomains\"" "$T/syslog.out"
		done
	done
	[ "$(grep -c '^imudp daemon.warning srt-monitor filesystem \[srt@32473 kind="filesystem" operation="write" target="/etc/passwd" decision="deny" rule="outside allowWrite" .* command="curl https://example/"\] srt: denied filesystem write /etc/passwd (outside allowWrite)$' "$T/syslog.out")" -eq 2 ]
}

@test "service mode: proxy events wait for the policy; summary; exit on EOF" {
	echo '{"ignoreViolations": {"*": ["host-0-3."]}}' >"$T/policy.json"
	run client service "$M" --events 5 --policy "$T/policy.json" --summary \
	    -- -o "$T/out.jsonl"
	[ "$status" -eq 0 ]
	summ=$(grep '^{' <<<"$output")
	[ "$(summary_field "$summ" events)" -eq 10 ]
	[ "$(summary_field "$summ" ignored)" -eq 1 ]
	[ "$(summary_field "$summ" denials)" -eq 9 ]
	nlines "$T/out.jsonl" 9
	! grep -q host-0-3 "$T/out.jsonl"
}

@test "service mode: IMSG_SHUTDOWN drains and exits" {
	run client service "$M" --events 3 --shutdown -- -o "$T/out.jsonl"
	[ "$status" -eq 0 ]
	nlines "$T/out.jsonl" 6
}

@test "service mode: a ^C does not end the monitor before the launcher" {
	run client service "$M" --events 3 --sigint --summary -- -o "$T/out.jsonl"
	[ "$status" -eq 0 ]
	summ=$(grep '^{' <<<"$output")
	[ "$(summary_field "$summ" events)" -eq 6 ]
	nlines "$T/out.jsonl" 6
}

@test "service mode needs the launcher channel" {
	run "$M" 3>&-
	[ "$status" -ne 0 ]
	[[ "$output" == *"no -l and no launcher channel on fd 3"* ]]
}

@test "terminal: repeated denials collapse into one line and a count" {
	run client service "$M" --events 30 --target evil.com:443 \
	    --rule "deniedDomains[0]" --summary -- -t
	[ "$status" -eq 0 ]
	[ "$(grep -c '^srt: denied network connect evil.com:443 (deniedDomains\[0\])$' <<<"$output")" -eq 1 ]
	grep -q '^srt: last denial repeated 59 times$' <<<"$output"
}

@test "terminal: a flood of distinct denials is rate-limited and counted" {
	run client service "$M" --events 40 --summary -- -t
	[ "$status" -eq 0 ]
	shown=$(grep -c '^srt: denied network connect host-' <<<"$output")
	hidden=$(sed -n 's/^srt: \([0-9]*\) more denials not shown$/\1/p' <<<"$output" | awk '{ s += $1 } END { print s + 0 }')
	echo "shown $shown hidden $hidden"
	[ "$shown" -ge 10 ]
	[ "$shown" -lt 40 ]
	[ $((shown + hidden)) -eq 80 ]
}

@test "-l refuses a live socket and replaces a stale one" {
	start_monitor -o /dev/null
	run "$M" -l "unix:$SOCK" -o /dev/null
	[ "$status" -ne 0 ]
	[[ "$output" == *"another monitor is listening"* ]]
	kill -9 "$(cat "$T/m.pid")"
	wait_gone "$(cat "$T/m.pid")"
	[ -S "$SOCK" ]
	start_monitor -o "$T/out.jsonl"
	client send "$SOCK" --events 1 --summary >/dev/null
	nlines "$T/out.jsonl" 1
	touch "$T/plain"
	run "$M" -l "unix:$T/plain"
	[ "$status" -ne 0 ]
	[[ "$output" == *"not a socket"* ]]
}

@test "bad options are refused with usage" {
	run "$M" -f xml -l "unix:$SOCK"
	[ "$status" -ne 0 ]
	run "$M" -l "tcp:1.2.3.4"
	[ "$status" -ne 0 ]
	[[ "$output" == *"unix:PATH"* ]]
	run "$M" --syslog bogus -l "unix:$SOCK"
	[ "$status" -ne 0 ]
	run "$M" --syslog-remote "nohost" -l "unix:$SOCK"
	[ "$status" -ne 0 ]
	[[ "$output" == *"host:port"* ]]
	run "$M" -h
	[ "$status" -eq 0 ]
	[[ "$output" == "usage: srt-monitor"* ]]
}
