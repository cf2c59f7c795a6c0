#!/usr/bin/env bats
# Every error a user can trigger from the command line: the exact line
# (what is wrong and what to do), the exit status, and nothing left
# behind (no helper process, no srt.* mount point in TMPDIR).
# The messages are listed in the DIAGNOSTICS sections of the man pages.
# srt-run-as: both

bats_require_minimum_version 1.5.0

setup() {
	T=$(mktemp -d /tmp/srt-err-t.XXXXXX)
	chmod 0755 "$T"
	mkdir "$T/w" "$T/tmp"
	S="$SRT_BIN/srt-launch"
	printf '{"filesystem":{"allowWrite":["%s"]}}\n' "$T/w" >"$T/s.json"
	# The launcher's private TMPDIR mount point goes here, so a leftover
	# is this test's, not another suite's.
	export TMPDIR="$T/tmp"
	PROCS0=$(srt_procs)
	cd "$T"
}

teardown() {
	cd /
	[ -z "${hold:-}" ] || kill "$hold" 2>/dev/null || true
	rm -rf "$T"
}

# Processes run from this staged install: a helper or sandbox pid 1 left
# behind by this test is one that appeared since setup and lost its
# launcher (its parent is no srt-launch).  Other suites' processes run
# from other directories; one whose executable cannot be read (not
# dumpable, as user) is not counted.
srt_procs() {
	pgrep -x 'srt-(launch|proxy|monitor|bridge)|srt' | sort
}

orphans() {
	local p pp
	for p in $(comm -13 <(echo "$PROCS0") <(srt_procs)); do
		case $(readlink "/proc/$p/exe" 2>/dev/null) in
		"$SRT_BIN"/*) ;;
		*) continue ;;
		esac
		pp=$(ps -o ppid= -p "$p" 2>/dev/null) || continue
		case $(ps -o comm= -p "$pp" 2>/dev/null) in
		srt-launch|srt) ;;
		*) echo "$p" ;;
		esac
	done
}

# nothing_left: no process of this test's left, no mount point in TMPDIR.
nothing_left() {
	local i left
	for i in $(seq 50); do
		left=$(orphans)
		[ -z "$left" ] && break
		sleep 0.1
	done
	[ -z "$left" ] || { ps -o pid,ppid,args -p "$left"; return 1; }
	[ -z "$(ls -A "$T/tmp")" ]
}

# one_line WANT: stderr is exactly that one line.
one_line() {
	if [ "$stderr" != "$1" ]; then
		echo "want: $1"
		echo "got:  $stderr"
		return 1
	fi
}

@test "a bad option: the program's name, not its path, and the usage" {
	run -125 --separate-stderr "$S" --bogus
	[ "${stderr_lines[0]}" = "srt-launch: unrecognized option '--bogus'" ]
	[[ "${stderr_lines[1]}" == "usage: srt-launch "* ]]
	[ -z "$output" ]
	run -125 --separate-stderr "$SRT_BIN/srt-proxy" -Z
	[ "${stderr_lines[0]}" = "srt-proxy: invalid option -- 'Z'" ]
	run -125 --separate-stderr "$SRT_BIN/srt-bridge" -Z
	[ "${stderr_lines[0]}" = "srt-bridge: invalid option -- 'Z'" ]
	run -1 --separate-stderr "$SRT_BIN/srt-monitor" -Z
	[ "${stderr_lines[0]}" = "srt-monitor: invalid option -- 'Z'" ]
	run -125 --separate-stderr "$SRT_BIN/srt" --bogus
	[ "${stderr_lines[0]}" = "srt: unrecognized option '--bogus'" ]
	nothing_left
}

@test "no command, or -c with a command" {
	run -125 --separate-stderr "$S" -s "$T/s.json"
	one_line "srt-launch: no command given (usage: srt-launch [options] [--] command [arg ...], or -c string)"
	run -125 --separate-stderr "$S" -s "$T/s.json" -c true false
	one_line "srt-launch: -c and a command are exclusive (see srt-launch -h)"
	nothing_left
}

@test "a settings file that does not exist says to create it" {
	run -125 --separate-stderr "$S" -s "$T/absent.json" -- true
	one_line "$T/absent.json: does not exist (create it: {} holds the defaults)"
	nothing_left
}

@test "an empty settings file says what to write" {
	: >"$T/e.json"
	run -125 --separate-stderr "$S" -s "$T/e.json" -- true
	one_line "$T/e.json: file is empty (write {} for the defaults)"
	nothing_left
}

@test "a settings directory cannot be read" {
	run -125 --separate-stderr "$S" -s "$T/w" -- true
	one_line "$T/w: cannot be read: not a regular file"
	nothing_left
}

@test "a settings file too large for srt-proxy says so" {
	/usr/bin/python3 -c 'import json; print(json.dumps({"network": {"allowedDomains": ["d%06d.example.com" % i for i in range(60000)]}}))' >"$T/big.json"
	run -125 --separate-stderr "$S" -s "$T/big.json" -- true
	one_line "srt-launch: $T/big.json: larger than 1048560 bytes, the most srt-launch can pass to srt-proxy: make it smaller"
	nothing_left
}

@test "bad JSON names the line and column" {
	printf '{\n' >"$T/b.json"
	run -125 --separate-stderr "$S" -s "$T/b.json" -- true
	one_line "$T/b.json: invalid JSON at line 2, column 1: parse error: premature EOF"
	nothing_left
}

@test "an unknown key suggests the nearest one" {
	printf '{"filesystem":{"denyRaed":[]}}\n' >"$T/k.json"
	run -125 --separate-stderr "$S" -s "$T/k.json" -- true
	one_line "$T/k.json: /filesystem/denyRaed: unknown key (did you mean \"denyRead\"?)"
	printf '{"allowedDomains":[]}\n' >"$T/k.json"
	run -125 --separate-stderr "$S" -s "$T/k.json" -- true
	one_line "$T/k.json: /allowedDomains: unknown key (did you mean \"/network/allowedDomains\"?)"
	nothing_left
}

@test "a bad domain pattern is quoted with its pointer" {
	printf '{"network":{"allowedDomains":["ok.com","*."]}}\n' >"$T/d.json"
	run -125 --separate-stderr "$S" -s "$T/d.json" -- true
	one_line "$T/d.json: /network/allowedDomains/1: \"*.\": not a domain pattern"
	nothing_left
}

@test "a key of the reference that srt does not implement says to remove it" {
	printf '{"network":{"tlsTerminate":true}}\n' >"$T/u.json"
	run -125 --separate-stderr "$S" -s "$T/u.json" -- true
	one_line "$T/u.json: /network/tlsTerminate: not supported by this srt (only the reference sandbox-runtime has it): remove the key"
	printf '{"credentials":{"envVars":["X"]}}\n' >"$T/u.json"
	run -125 --separate-stderr "$S" -s "$T/u.json" -- true
	one_line "$T/u.json: /credentials/envVars: not supported by this srt (only the reference sandbox-runtime has it): remove the key or leave it empty"
	nothing_left
}

@test "a wrong type names what was expected" {
	printf '{"network":{"httpProxyPort":"80"}}\n' >"$T/t.json"
	run -125 --separate-stderr "$S" -s "$T/t.json" -- true
	one_line "$T/t.json: /network/httpProxyPort: expected an integer, got a string"
	printf '{"network":{"httpProxyPort":70000}}\n' >"$T/t.json"
	run -125 --separate-stderr "$S" -s "$T/t.json" -- true
	one_line "$T/t.json: /network/httpProxyPort: 70000: out of range (1-65535)"
	nothing_left
}

@test "exec of a directory: is a directory, 126" {
	run -126 --separate-stderr "$S" -s "$T/s.json" -- /etc
	one_line "srt-launch: /etc: is a directory"
	nothing_left
}

@test "exec of a non-executable file: is not executable, 126" {
	printf 'echo hi\n' >"$T/w/srtscript"
	chmod 0644 "$T/w/srtscript"
	run -126 --separate-stderr "$S" -s "$T/s.json" -- "$T/w/srtscript"
	one_line "srt-launch: $T/w/srtscript: is not executable (mode 0644; chmod +x it, or run it with its interpreter)"
	# Found through PATH: the path it was found at is named.
	run -126 --separate-stderr env PATH="$T/w:/usr/bin:/bin" "$S" \
	    -s "$T/s.json" -- srtscript
	one_line "srt-launch: srtscript: $T/w/srtscript is not executable (mode 0644; chmod +x it, or run it with its interpreter)"
	nothing_left
}

@test "exec of a missing command: not found in PATH, 127" {
	run -127 --separate-stderr env PATH=/usr/bin:/bin "$S" \
	    -s "$T/s.json" -- srt-no-such-command
	one_line "srt-launch: srt-no-such-command: command not found in PATH (PATH=/usr/bin:/bin)"
	run -127 --separate-stderr "$S" -s "$T/s.json" -- "$T/absent"
	one_line "srt-launch: $T/absent: command not found (no such file or directory)"
	nothing_left
}

@test "exec of a script with a bad #! line: 126" {
	printf '#!/srt-no-such-interpreter\n' >"$T/w/bad"
	chmod 0755 "$T/w/bad"
	run -126 --separate-stderr "$S" -s "$T/s.json" -- "$T/w/bad"
	one_line "srt-launch: $T/w/bad: bad interpreter or loader: no such file or directory (check its #! line)"
	nothing_left
}

@test "a device is not a regular file: 126" {
	run -126 --separate-stderr "$S" -s "$T/s.json" -- /dev/null
	one_line "srt-launch: /dev/null: is not a regular file"
	nothing_left
}

@test "a bad --control-fd" {
	run -125 --separate-stderr "$S" --control-fd 99 -s "$T/s.json" -- true
	one_line "srt-launch: --control-fd 99: not an open descriptor"
	run -125 --separate-stderr "$S" --control-fd x -s "$T/s.json" -- true
	one_line "srt-launch: --control-fd x: invalid (must be a descriptor >= 3)"
	run -125 --separate-stderr "$S" --control-fd 2 -s "$T/s.json" -- true
	one_line "srt-launch: --control-fd 2: too small (must be a descriptor >= 3)"
	nothing_left
}

@test "a bad --monitor address" {
	run -125 --separate-stderr "$S" --monitor /x -s "$T/s.json" -- true
	one_line "srt-launch: --monitor /x: expected unix:/path"
	nothing_left
}

@test "an open-file limit too low says which limit is needed" {
	run -125 --separate-stderr bash -c "ulimit -Sn 10 && exec '$S' -s '$T/s.json' -- true"
	one_line "srt-launch: the open-file limit is 10 and srt-launch needs at least 32: run ulimit -n 32 first"
	run -125 --separate-stderr bash -c "ulimit -n 6 && exec '$S' -s '$T/s.json' -- true"
	one_line "srt-launch: the open-file limit is 6 (hard limit 6) and srt-launch needs at least 32: start it from a shell or service whose hard limit allows ulimit -n 32"
	nothing_left
}

@test "a removed working directory says so" {
	mkdir "$T/gone"
	run -125 --separate-stderr bash -c "cd '$T/gone' && rmdir '$T/gone' && exec '$S' -s '$T/s.json' -- true"
	one_line "srt-launch: the working directory was removed: cd to one that exists (the command starts there, and \".\" in the settings means it)"
	nothing_left
}

@test "an unwritable --violations file stops the run before the command" {
	mkdir "$T/vdir"
	run -125 --separate-stderr "$S" -s "$T/s.json" \
	    --violations "$T/absent/v.jsonl" -- touch "$T/w/ran"
	one_line "srt-launch: --violations $T/absent/v.jsonl: No such file or directory"
	run -125 --separate-stderr "$S" -s "$T/s.json" \
	    --violations "$T/vdir" -- touch "$T/w/ran"
	one_line "srt-launch: --violations $T/vdir: Is a directory"
	if [ "$(id -u)" -ne 0 ]; then
		: >"$T/ro.jsonl"
		chmod 0444 "$T/ro.jsonl"
		run -125 --separate-stderr "$S" -s "$T/s.json" \
		    --violations "$T/ro.jsonl" -- touch "$T/w/ran"
		one_line "srt-launch: --violations $T/ro.jsonl: Permission denied"
		[ ! -s "$T/ro.jsonl" ]
	fi
	[ ! -e "$T/w/ran" ]
	[ ! -e "$T/absent" ]
	[ -z "$(ls -A "$T/vdir")" ]
	nothing_left
}

@test "srt-proxy: a bad -l address, a bad number, nothing to serve" {
	run -125 --separate-stderr "$SRT_BIN/srt-proxy" -l nonsense
	one_line "srt-proxy: cannot listen on nonsense: not host:port, [v6]:port or unix:/path"
	run -125 --separate-stderr "$SRT_BIN/srt-proxy" -c abc -l 127.0.0.1:0
	one_line "srt-proxy: -c abc: invalid (expected a number from 1 to 1048576)"
	run -125 --separate-stderr "$SRT_BIN/srt-proxy" -t 0 -l 127.0.0.1:0
	one_line "srt-proxy: -t 0: too small (expected a number from 1 to 3600)"
	run -125 --separate-stderr "$SRT_BIN/srt-proxy"
	one_line "srt-proxy: nothing to serve: give -l ADDR (or -P)"
	nothing_left
}

@test "srt-proxy: an address it cannot listen on is one line with the reason" {
	run -125 --separate-stderr "$SRT_BIN/srt-proxy" -l "unix:$T/absent/p.sock"
	one_line "srt-proxy: cannot listen on unix:$T/absent/p.sock: No such file or directory"
	# A port in use: held by a listener of the test's own.
	/usr/bin/python3 -c 'import socket, os, sys, time
s = socket.socket(); s.bind(("127.0.0.1", 0)); s.listen()
open(sys.argv[1] + ".tmp", "w").write(str(s.getsockname()[1]))
os.rename(sys.argv[1] + ".tmp", sys.argv[1]); time.sleep(60)' "$T/port" 3>&- &
	hold=$!
	for i in $(seq 100); do [ -s "$T/port" ] && break; sleep 0.1; done
	port=$(cat "$T/port")
	run -125 --separate-stderr "$SRT_BIN/srt-proxy" -l "127.0.0.1:$port"
	kill "$hold"
	wait "$hold" || true
	hold=
	one_line "srt-proxy: cannot listen on 127.0.0.1:$port: Address already in use"
	nothing_left
}

@test "srt-proxy: bad settings name the file and the key" {
	printf '{"network":{"allowedDomains":["*."]}}\n' >"$T/d.json"
	run -125 --separate-stderr "$SRT_BIN/srt-proxy" -s "$T/d.json" -l 127.0.0.1:0
	[ "${stderr_lines[0]}" = "$T/d.json: /network/allowedDomains/0: \"*.\": not a domain pattern" ]
	nothing_left
}

@test "srt-monitor: a bad -f, -l, --syslog, --syslog-remote, -o or --out-fd" {
	run -1 --separate-stderr "$SRT_BIN/srt-monitor" -f xml
	one_line "srt-monitor: -f: json or text, not xml"
	run -1 --separate-stderr "$SRT_BIN/srt-monitor" -l x
	one_line "srt-monitor: -l: expected unix:PATH"
	run -1 --separate-stderr "$SRT_BIN/srt-monitor" --syslog-remote nohost
	one_line "srt-monitor: --syslog-remote nohost: expected host:port"
	run -1 --separate-stderr "$SRT_BIN/srt-monitor" --syslog=bogus
	one_line "srt-monitor: --syslog: unknown facility bogus"
	run -1 --separate-stderr "$SRT_BIN/srt-monitor" -o "$T/absent/f" \
	    -l "unix:$T/m.sock"
	one_line "srt-monitor: cannot append to $T/absent/f: No such file or directory"
	[ ! -e "$T/m.sock" ]
	run -1 --separate-stderr "$SRT_BIN/srt-monitor" --out-fd 99 -o "$T/f" \
	    -l "unix:$T/m.sock"
	one_line "srt-monitor: --out-fd 99: not an open descriptor >= 3"
	run -1 --separate-stderr bash -c "exec '$SRT_BIN/srt-monitor' --out-fd 5 -l 'unix:$T/m.sock' 5>/dev/null"
	one_line "srt-monitor: --out-fd: give the file's name with -o"
	[ ! -e "$T/m.sock" ] && [ ! -e "$T/f" ]
	nothing_left
}

@test "srt-bridge: a bad port" {
	run -125 --separate-stderr "$SRT_BIN/srt-bridge" -H x
	one_line "srt-bridge: HTTP port \"x\" is invalid (expected a number from 1 to 65535)"
	run -125 --separate-stderr "$SRT_BIN/srt-bridge" -p 0 connect h 1
	one_line "srt-bridge: proxy port \"0\" is too small (expected a number from 1 to 65535)"
	nothing_left
}
