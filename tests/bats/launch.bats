#!/usr/bin/env bats
# srt-launch behaviour: exit codes, stdio, argv, -c, cwd, environment,
# signals, a pty, and nothing left behind (processes, mounts, temp files)
# after a normal exit, a killed command or a SIGKILLed launcher.
# srt-run-as: both

PY=/usr/bin/python3
bats_require_minimum_version 1.5.0

setup() {
	T=$(mktemp -d /tmp/srt-launch-t.XXXXXX)
	chmod 0755 "$T"
	mkdir "$T/w"
	S="$SRT_BIN/srt-launch"
	printf '{"filesystem":{"allowWrite":["%s"]}}\n' "$T/w" >"$T/s.json"
	# A unique sleep length names this test's processes for pgrep.
	TAG="3$RANDOM.$$"
}

teardown() {
	# Only the command: killing pid 1 would skip its cleanup.
	pkill -KILL -f "^sleep $TAG" 2>/dev/null || true
	if [ -n "${pid:-}" ] && kill -0 "$pid" 2>/dev/null; then
		kill -CONT "$pid"
		kill -TERM "$pid"
		wait "$pid" 2>/dev/null || true
	fi
	rm -rf "$T"
}

# wait_for CMD...: poll up to 10 s.
wait_for() {
	local i
	for i in $(seq 100); do
		"$@" && return 0
		sleep 0.1
	done
	return 1
}

@test "exit status of the command is passed through" {
	run "$S" -- true
	[ "$status" -eq 0 ]
	run "$S" -- sh -c 'exit 3'
	[ "$status" -eq 3 ]
}

@test "signal death is 128+N" {
	run "$S" -- sh -c 'kill -9 $$'
	[ "$status" -eq 137 ]
	run "$S" -- sh -c 'kill -TERM $$'
	[ "$status" -eq 143 ]
}

@test "not found is 127, not executable is 126" {
	run -127 "$S" -- /nonexistent/cmd
	[[ "$output" == *"command not found"* ]]
	printf 'echo hi\n' >"$T/w/noexec"
	chmod 0644 "$T/w/noexec"
	run -126 "$S" -- "$T/w/noexec"
}

@test "launcher failures are 125 with one line" {
	run "$S"
	[ "$status" -eq 125 ]
	[[ "$output" == *"no command"* ]]
	run "$S" -s "$T/missing.json" -- true
	[ "$status" -eq 125 ]
	echo '{"filesystem":{"denyRaed":[]}}' >"$T/bad.json"
	run "$S" -s "$T/bad.json" -- true
	[ "$status" -eq 125 ]
	[[ "$output" == *"denyRaed"* ]]
	run "$S" --control-fd 2 -- true
	[ "$status" -eq 125 ]
	run "$S" --control-fd 99 -- true
	[ "$status" -eq 125 ]
	run "$S" -c 'true' extra
	[ "$status" -eq 125 ]
}

@test "argv is passed exactly: spaces, quotes, empty arguments" {
	run "$S" -- printf '[%s]' "a b" "" "'q'" '"d"' '$HOME' '*'
	[ "$status" -eq 0 ]
	[ "$output" = "[a b][]['q'][\"d\"][\$HOME][*]" ]
}

@test "options after the command belong to the command" {
	run "$S" -- echo -d -s x
	[ "$output" = "-d -s x" ]
}

@test "-c runs the string with /bin/sh" {
	run "$S" -c 'echo $((6*7)); exit 4'
	[ "$status" -eq 4 ]
	[ "$output" = "42" ]
}

@test "stdin, stdout, stderr and pipes" {
	run bash -c "echo hello | '$S' -- tr a-z A-Z"
	[ "$output" = "HELLO" ]
	run bash -c "'$S' -- sh -c 'echo out; echo err >&2' 2>/dev/null"
	[ "$output" = "out" ]
	run bash -c "'$S' -- sh -c 'echo out; echo err >&2' 2>&1 >/dev/null"
	[ "$output" = "err" ]
	run bash -c "seq 1000 | '$S' -- wc -l"
	[ "$output" = "1000" ]
}

@test "cwd is preserved" {
	cd "$T/w"
	run "$S" -- pwd
	[ "$output" = "$T/w" ]
}

@test "environment is passed, SANDBOX_RUNTIME and TMPDIR are set" {
	run env SRT_T_VAR='x y' "$S" -- sh -c 'echo "$SRT_T_VAR|$SANDBOX_RUNTIME"'
	[ "$output" = "x y|1" ]
	run "$S" -- sh -c 'echo "$TMPDIR"'
	[[ "$output" == /tmp/srt.* ]]
}

@test "TMPDIR is private, writable and gone after exit" {
	run "$S" -s "$T/s.json" -- sh -c \
	    'echo data >"$TMPDIR/f" && cat "$TMPDIR/f" && echo "$TMPDIR" >'"$T/w/tmpdir"
	[ "$status" -eq 0 ]
	[ "$output" = "data" ]
	d=$(cat "$T/w/tmpdir")
	[ -n "$d" ]
	[ ! -e "$d" ]
}

@test "a signal sent to the launcher reaches the command" {
	"$S" -s "$T/s.json" -- sh -c \
	    "trap 'echo got-term >$T/w/sig; exit 7' TERM; touch $T/w/ready; while :; do sleep 0.1; done; : $TAG" &
	pid=$!
	wait_for test -e "$T/w/ready"
	kill -TERM "$pid"
	st=0
	wait "$pid" || st=$?
	[ "$st" -eq 7 ]
	[ "$(cat "$T/w/sig")" = "got-term" ]
}

@test "SIGUSR1 and SIGHUP are forwarded too" {
	"$S" -s "$T/s.json" -- sh -c \
	    "trap 'echo usr1 >>$T/w/sig' USR1; trap 'exit 9' HUP; touch $T/w/ready; while :; do sleep 0.1; done; : $TAG" &
	pid=$!
	wait_for test -e "$T/w/ready"
	kill -USR1 "$pid"
	wait_for grep -q usr1 "$T/w/sig"
	kill -HUP "$pid"
	st=0
	wait "$pid" || st=$?
	[ "$st" -eq 9 ]
}

@test "interactive use under a pty: the terminal stays the command's" {
	command -v script >/dev/null || skip "script(1) not installed"
	run script -qec "'$S' -- sh -c 'tty -s && echo is-a-tty; stty size >/dev/null && echo stty-ok'" /dev/null
	[ "$status" -eq 0 ]
	[[ "$output" == *"is-a-tty"* ]]
	[[ "$output" == *"stty-ok"* ]]
}

@test "a private devpts: ptys can be opened inside" {
	run "$S" -- $PY -c 'import os; m, s = os.openpty(); print(os.ttyname(s))'
	[ "$status" -eq 0 ]
	[[ "$output" == /dev/pts/* ]]
}

@test "the /dev files work" {
	run "$S" -- sh -c 'echo x >/dev/null && head -c 4 /dev/zero | wc -c && head -c 4 /dev/urandom | wc -c && ! echo x 2>/dev/null >/dev/full'
	[ "$status" -eq 0 ]
	[ "${lines[0]}" = "4" ]
	[ "${lines[1]}" = "4" ]
}

@test "lo is up, nothing else" {
	run "$S" -- cat /proc/net/dev
	[[ "$output" == *"lo:"* ]]
	[ "$(echo "$output" | grep -c ':')" -eq 1 ]
	run "$S" -- cat /sys/class/net/lo/flags
	[ "$status" -eq 0 ]
}

@test "no processes left after the command exits" {
	run "$S" -- sh -c "sleep $TAG & sleep $TAG & echo started"
	[ "$output" = "started" ]
	! pgrep -f "^sleep $TAG"
}

@test "SIGKILL of the launcher kills the sandbox and cleans up" {
	cd "$T/w"
	"$S" -s "$T/s.json" -- sh -c "echo \$TMPDIR >$T/w/tmpdir; exec sleep $TAG" &
	pid=$!
	wait_for test -s "$T/w/tmpdir"
	wait_for pgrep -f "^sleep $TAG"
	# A missing protected file is held by a placeholder while it runs.
	[ -e "$T/w/.bashrc" ]
	kill -KILL "$pid"
	wait "$pid" || true
	wait_for sh -c "! pgrep -f '^sleep $TAG'"
	d=$(cat "$T/w/tmpdir")
	wait_for test ! -e "$d"
	wait_for test ! -e "$T/w/.bashrc"
	[ ! -e "$T/w/.git" ]
	[ ! -e "$T/w/.claude" ]
}

@test "killing the command cleans up too" {
	cd "$T/w"
	"$S" -s "$T/s.json" -- sh -c "echo \$TMPDIR >$T/w/tmpdir; exec sleep $TAG" &
	pid=$!
	wait_for test -s "$T/w/tmpdir"
	wait_for pgrep -f "^sleep $TAG"
	pkill -KILL -f "^sleep $TAG"
	st=0
	wait "$pid" || st=$?
	[ "$st" -eq 137 ]
	[ ! -e "$(cat "$T/w/tmpdir")" ]
	[ ! -e "$T/w/.bashrc" ]
}

@test "no placeholders or mounts left after a normal exit" {
	before=$(wc -l </proc/self/mountinfo)
	run "$S" -s "$T/s.json" -- sh -c "ls -a $T/w"
	[ "$status" -eq 0 ]
	[[ "$output" == *".bashrc"* ]]
	[ -z "$(ls -A "$T/w")" ]
	[ "$(wc -l </proc/self/mountinfo)" -eq "$before" ]
}

@test "the control descriptor's slot holds /dev/null for the command" {
	# The launcher reads fd 7 for updates: an empty file, at EOF at once.
	: >"$T/empty"
	run bash -c "'$S' --control-fd 7 -- sh -c 'readlink /proc/self/fd/7; ls /proc/self/fd | wc -l' 7<'$T/empty' 8</dev/zero"
	[ "$status" -eq 0 ]
	[ "${lines[0]}" = "/dev/null" ]
	# 0 1 2 7 and ls's own directory descriptor: fd 8 did not leak.
	[ "${lines[1]}" -eq 5 ]
}

@test "--print-plan prints the plan and the filters" {
	run "$S" -s "$T/s.json" --print-plan
	[ "$status" -eq 0 ]
	[[ "$output" == *"root       /"* ]]
	[[ "$output" == *"bind-rw    $T/w"* ]]
	[[ "$output" == *"seccomp EPERM socket(AF_UNIX)"* ]]
}

@test "--check reports what the kernel offers" {
	run "$S" --check
	[ "$status" -eq 0 ]
	[[ "$output" == *"user namespaces: yes"* ]]
	[[ "$output" == *"landlock:"* ]]
}

@test "runs as srt too" {
	run "$SRT_BIN/srt" -- sh -c 'echo $SANDBOX_RUNTIME'
	[ "$output" = "1" ]
	run "$SRT_BIN/srt" -h
	[[ "$output" == *"usage: srt "* ]]
}

@test "a sandbox inside the sandbox is refused with 125 and a reason" {
	run "$S" -- "$S" -- true
	[ "$status" -eq 125 ]
	[[ "$output" == *"cannot create the sandbox's namespaces"* ]]
}

@test "allowNestedUserNamespaces lets srt run inside srt" {
	# Mapping uid 0 in a nested namespace needs CAP_SETFCAP, which the
	# command does not have.
	[ "$(id -u)" -ne 0 ] || skip "nested user namespaces map uid 0 only with CAP_SETFCAP"
	echo '{"allowNestedUserNamespaces":true}' >"$T/n.json"
	run "$S" -s "$T/n.json" -- "$S" -- sh -c 'echo inner $SANDBOX_RUNTIME'
	[ "$status" -eq 0 ]
	[ "$output" = "inner 1" ]
}

# state PID: the one-letter state of a process (R S T ...).
state() {
	sed 's/.*) //' "/proc/$1/stat" 2>/dev/null | cut -c1
}

@test "SIGTSTP stops the launcher and the command, SIGCONT resumes both" {
	"$S" -- sh -c "while :; do sleep 0.1; done; : $TAG" &
	pid=$!
	wait_for pgrep -f "^sh -c while.*$TAG"
	cmd=$(pgrep -f "^sh -c while.*$TAG")
	kill -TSTP "$pid"
	wait_for sh -c "[ \"\$(sed 's/.*) //' /proc/$pid/stat | cut -c1)\" = T ]"
	wait_for sh -c "[ \"\$(sed 's/.*) //' /proc/$cmd/stat | cut -c1)\" = T ]"
	kill -CONT "$pid"
	wait_for sh -c "[ \"\$(sed 's/.*) //' /proc/$cmd/stat | cut -c1)\" != T ]"
	[ "$(state "$pid")" != T ]
	kill -TERM "$pid"
	st=0
	wait "$pid" || st=$?
	[ "$st" -eq 143 ]
}

@test "two sandboxes share placeholders: the last one out removes them" {
	cd "$T/w"
	mkdir "$T/ctl"
	chmod 0777 "$T/ctl"
	"$S" -s "$T/s.json" -- sh -c "touch $T/w/a-up; while [ ! -e $T/w/a-stop ]; do sleep 0.05; done" &
	a=$!
	wait_for test -e "$T/w/a-up"
	"$S" -s "$T/s.json" -- sh -c "touch $T/w/b-up; while [ ! -e $T/w/b-stop ]; do sleep 0.05; done; echo x >$T/w/.bashrc" &
	b=$!
	wait_for test -e "$T/w/b-up"
	touch "$T/w/a-stop"
	st=0
	wait "$a" || st=$?
	[ "$st" -eq 0 ]
	# A is gone, B still runs: its protection must hold.
	[ -e "$T/w/.bashrc" ]
	touch "$T/w/b-stop"
	st=0
	wait "$b" || st=$?
	[ "$st" -ne 0 ]
	[ ! -e "$T/w/.bashrc" ]
	[ ! -e "$T/w/.zshrc" ]
	[ ! -e "$T/w/.claude" ]
}

@test "a working directory hidden by denyRead is a launcher failure" {
	mkdir -p "$T/hid/sub"
	printf '{"filesystem":{"denyRead":["%s"]}}' "$T/hid" >"$T/h.json"
	cd "$T/hid/sub"
	run "$S" -s "$T/h.json" -- true
	[ "$status" -eq 125 ]
	[[ "$output" == *"cannot enter $T/hid/sub"* ]]
}

@test "-d says what was applied" {
	run "$S" -d -- true
	[ "$status" -eq 0 ]
	[[ "$output" == *"command confined"* ]]
	[[ "$output" == *"root /"* ]]
}

@test "SIGKILL of the sandbox's pid 1: the launcher still cleans up" {
	cd "$T/w"
	"$S" -s "$T/s.json" -- sh -c "echo \$TMPDIR >$T/w/tmpdir; exec sleep $TAG" &
	pid=$!
	wait_for test -s "$T/w/tmpdir"
	wait_for pgrep -f "^sleep $TAG"
	init=$(pgrep -P "$pid" -x srt-launch)	# not srt-proxy/srt-monitor
	[ -n "$init" ]
	kill -KILL "$init"
	st=0
	wait "$pid" || st=$?
	[ "$st" -eq 125 ]	# srt's own part died (faults.bats: the message)
	pid=
	wait_for sh -c "! pgrep -f '^sleep $TAG'"
	[ ! -e "$(cat "$T/w/tmpdir")" ]
	[ ! -e "$T/w/.bashrc" ]
	[ ! -e "$T/w/.git" ]
}

@test "allowWrite of a single file, denyWrite by glob" {
	echo one >"$T/f1"
	echo two >"$T/w/a.lock"
	echo three >"$T/w/b.txt"
	printf '{"filesystem":{"allowWrite":["%s","%s"],"denyWrite":["%s/*.lock"]}}' \
	    "$T/f1" "$T/w" "$T/w" >"$T/g.json"
	run "$S" -s "$T/g.json" -- sh -c "echo new >$T/f1 && echo new >$T/w/b.txt && echo ok; echo bad >$T/w/a.lock"
	[ "${lines[0]}" = ok ]
	[ "$(cat "$T/f1")" = new ]
	[ "$(cat "$T/w/b.txt")" = new ]
	[ "$(cat "$T/w/a.lock")" = two ]
	run "$S" -s "$T/g.json" -- sh -c "echo x >$T/f2"
	[ "$status" -ne 0 ]
	[ ! -e "$T/f2" ]
}

@test "--check names a missing helper program, how to fix it, and exits 1" {
	SRT_LIBEXEC=/nonexistent-srt-libexec run "$SRT_BIN/srt-launch" --check
	[ "$status" -eq 1 ]
	[[ "$output" == *"helper programs: MISSING (in /nonexistent-srt-libexec)"* ]]
	[[ "$output" == *"not found or not executable: srt-proxy srt-bridge srt-monitor"* ]]
	[[ "$output" == *"fix: install all four programs in one directory"* ]]
}

@test "--check explains each feature it found" {
	run "$SRT_BIN/srt-launch" --check
	[ "$status" -eq 0 ]
	[[ "$output" == *"user namespaces: yes"* ]]
	[[ "$output" == *"  - the sandbox gets its own user, mount, pid"* ]]
	[[ "$output" == *"helper programs: yes"* ]]
}

@test "-d names each settings key that is accepted but ignored on Linux" {
	d=$(mktemp -d /tmp/srt-ign.XXXXXX)
	printf '{"allowPty": true, "ripgrep": {"command": "rg"}}' >"$d/s.json"
	run "$SRT_BIN/srt-launch" -d -s "$d/s.json" -- true
	[ "$status" -eq 0 ]
	[[ "$output" == *"$d/s.json: /allowPty: ignored on Linux by srt"* ]]
	[[ "$output" == *"$d/s.json: /ripgrep: ignored on Linux by srt"* ]]
	run "$SRT_BIN/srt-launch" -s "$d/s.json" -- true
	[[ "$output" != *"ignored on Linux"* ]]
	rm -rf "$d"
}

@test "an allowWrite path that does not exist is named, not silently dropped" {
	d=$(mktemp -d /tmp/srt-aw.XXXXXX)
	printf '{"filesystem":{"allowWrite":["%s/absent"]}}' "$d" >"$d/s.json"
	run "$SRT_BIN/srt-launch" -s "$d/s.json" -- sh -c 'mkdir "$1/absent"' _ "$d"
	[ "$status" -ne 0 ]
	[[ "$output" == *"allowWrite $d/absent: does not exist, not granted (create it before the run)"* ]]
	[ ! -e "$d/absent" ]
	rm -rf "$d"
}

@test "an unknown option is named with the program's name, not its path, and exits 125" {
	run "$SRT_BIN/srt-launch" --bogus -- true
	[ "$status" -eq 125 ]
	[ "${lines[0]}" = "srt-launch: unrecognized option '--bogus'" ]
	run "$SRT_BIN/srt" --bogus -- true
	[ "${lines[0]}" = "srt: unrecognized option '--bogus'" ]
}
