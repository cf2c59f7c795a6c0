#!/usr/bin/env bats
# srt-proxy under valgrind memcheck for one short session: allowed,
# denied, malformed, keep-alive, chunked upload, CONNECT and SOCKS
# tunnels with data, then SIGTERM; no invalid access, no leak.
#
# valgrind implements neither seccomp(2) nor Landlock, so the proxy's
# confine() fails under it.  Until srt-proxy has a documented debug
# switch for that, point SRT_PROXY_VALGRIND at an unconfined build
# (tests/load/build-unconfined.sh); without one the suite skips.
# srt-run-as: root

setup_file() {
	export T=$(mktemp -d /tmp/srt-valgrind.XXXXXX)
	chmod 755 "$T"
	export VG_SKIP=
	if ! command -v valgrind >/dev/null; then
		export VG_SKIP="valgrind is not installed"
		return 0
	fi
	export VG_BIN=${SRT_PROXY_VALGRIND:-$SRT_BIN/srt-proxy}
	. "$SRT_TESTS/load/lib.sh"
	px_settings "$T/s.json"
	upstream_start "$T" || return 1
	export UP_PID UP_PORT
	mkdir -p "$T/bin"
	ln -sf "$VG_BIN" "$T/bin/srt-proxy"
	# The tests run in other shells: keep valgrind's pid and status.
	cat >"$T/rc.sh" <<'SH'
#!/bin/sh
d=$1
shift
"$@" &
echo $! >"$d/vg.pid"
wait $!
echo $? >"$d/vg.rc"
SH
	chmod +x "$T/rc.sh"
	SRT_BIN="$T/bin" proxy_start "$T" "$T/s.json" "$T/rc.sh" "$T" valgrind \
	    --log-file="$T/vg.log" --vgdb=no --leak-check=full \
	    --suppressions="$SRT_TESTS/load/valgrind-exit.supp" \
	    --error-exitcode=99 -- -t 5 -i 30 ||
	    { cat "$T/px.log"; return 1; }
	export PX_PID PX_PORT
	# A proxy that exits at once could not confine itself.
	sleep 0.5
	if [ -s "$T/vg.rc" ] &&
	    grep -q 'cannot confine' "$T/px.log"; then
		export VG_SKIP="srt-proxy cannot confine itself under valgrind (no seccomp/Landlock there); set SRT_PROXY_VALGRIND to tests/load/build-unconfined.sh's build"
	fi
}

teardown_file() {
	. "$SRT_TESTS/load/lib.sh"
	stop "${PX_PID:-}" "${UP_PID:-}"
	rm -rf "$T"
}

reloads_at_least() {
	[ "$(grep -c reloaded "$T/px.log")" -ge "$1" ]
}

session() {
	[ -z "$VG_SKIP" ] || skip "$VG_SKIP"
	run timeout 120 python3 "$SRT_TESTS/load/session.py" "$PX_PORT" \
	    "$UP_PORT" "$1"
	echo "$output"
	[ "$status" -eq 0 ]
	[ "$output" = "ok $1" ]
}

@test "valgrind: an allowed GET" { session get; }
@test "valgrind: keep-alive with chunked responses" { session keepalive; }
@test "valgrind: a denied host gets 403" { session denied; }
@test "valgrind: a malformed head gets 400" { session malformed; }
@test "valgrind: a chunked upload arrives whole" { session post-chunked; }
@test "valgrind: a CONNECT tunnel carries data" { session connect; }
@test "valgrind: a SOCKS5 tunnel carries data" { session socks; }
@test "valgrind: a denied SOCKS5 request gets reply 2" { session socks-denied; }

@test "valgrind: three reloads (SIGHUP) keep serving" {
	[ -z "$VG_SKIP" ] || skip "$VG_SKIP"
	. "$SRT_TESTS/load/lib.sh"
	for i in 1 2 3; do
		kill -HUP "$(cat "$T/vg.pid")"
		wait_for 30 reloads_at_least "$i"
	done
	session get
}

@test "valgrind: SIGTERM, then no errors and no leaks" {
	[ -z "$VG_SKIP" ] || skip "$VG_SKIP"
	. "$SRT_TESTS/load/lib.sh"
	kill -TERM "$(cat "$T/vg.pid")"
	wait_for 120 test -s "$T/vg.rc"
	rc=$(cat "$T/vg.rc")
	cat "$T/px.log" "$T/vg.log"
	[ "$rc" -ne 99 ]
	[ "$rc" -eq 0 ]
	grep -q 'ERROR SUMMARY: 0 errors' "$T/vg.log"
	! grep -E '^==[0-9]+== +(Invalid|Conditional|Syscall param|Use of uninit|Mismatched|Source and destination)' "$T/vg.log"
	grep -Eq 'definitely lost: 0 bytes|All heap blocks were freed' "$T/vg.log"
}

# What valgrind-exit.supp hides must be one policy's worth, not one per
# reload: with three reloads behind, the suppressed leak stays small.
@test "valgrind: state left at exit did not grow with reloads (known bug)" {
	[ -z "$VG_SKIP" ] || skip "$VG_SKIP"
	[ -s "$T/vg.rc" ]
	line=$(grep -E 'suppressed: [0-9,]+ bytes' "$T/vg.log" | tail -1)
	echo "$line"
	bytes=$(echo "$line" | sed 's/.*suppressed: \([0-9,]*\) bytes.*/\1/' | tr -d ,)
	[ "$bytes" -lt 4096 ]
	[ "$bytes" -eq 0 ] || skip "known bug: srt-proxy exits with its policy, ifaddrs and evdns base allocated ($bytes bytes suppressed)"
}
