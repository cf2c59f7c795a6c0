#!/usr/bin/env bats
# The violation observer (srt-launch --observe): the seccomp supervisor's
# unix-socket and filesystem events, ignoreViolations, and that the
# command can neither stop nor trace it.
# srt-run-as: both

bats_require_minimum_version 1.5.0
PY=/usr/bin/python3

setup() {
	T=$(mktemp -d /tmp/srt-viol-t.XXXXXX)
	chmod 0755 "$T"
	S="$SRT_BIN/srt-launch"
	mkdir -p "$T/w/repo/.git/hooks" "$T/ro"
	echo ref: refs/heads/main >"$T/w/repo/.git/HEAD"
	echo keep >"$T/ro/file"
	echo keep >"$T/w/locked"
	cat >"$T/s.json" <<-EOF
	{"filesystem": {"allowWrite": ["$T/w"], "denyWrite": ["$T/w/nothing", "$T/w/locked"]}}
	EOF
	V=$T/w/v.jsonl
	snapshot >"$T/before"
}

teardown() {
	local p
	for p in ${LPID:-}; do
		kill "$p" 2>/dev/null || true
		wait "$p" 2>/dev/null || true
	done
	rm -rf "$T"
}

# Everything outside w, with contents.
snapshot() {
	(cd "$T" && find . -path ./w -prune -o -path ./before -prune -o \
	    -print | sort && cat ro/file w/locked && ls -a w/repo/.git/hooks)
}

unchanged() {
	snapshot | diff "$T/before" -
}

# sb ARGS...: the command observed, events as JSON lines in $V.
sb() {
	"$S" --observe -q --violations "$V" -s "$T/s.json" -- "$@"
}

# ev KIND OP TARGET RULE: exactly one event with these fields.
ev() {
	$PY - "$V" "$@" <<-'EOF'
	import json, sys
	path, kind, op, target, rule = sys.argv[1:]
	evs = [json.loads(l) for l in open(path)]
	hits = [e for e in evs if e["kind"] == kind and
	    e["operation"] == op and e["target"] == target and
	    e["rule"] == rule and e["decision"] == "deny"]
	if len(hits) != 1:
	    sys.exit("want 1 %s %s %s %s, got: %r" % (kind, op, target,
	        rule, evs))
	e = hits[0]
	assert e["pid"] > 1 and e["comm"] and e["command"], e
	assert e["launcher_pid"] > 0 and e["reason"], e
	EOF
}

# targets: the events' targets, one a line.
targets() {
	$PY -c 'import json, sys
for l in open(sys.argv[1]): print(json.loads(l)["target"])' "$V"
}

# nev: how many events.
nev() {
	if [ -f "$V" ]; then wc -l <"$V"; else echo 0; fi
}

@test "python3 AF_UNIX socket: EPERM and a unix-socket event" {
	run sb $PY -c '
import socket
try:
	socket.socket(socket.AF_UNIX)
	print("created")
except PermissionError:
	print("EPERM")'
	[ "$status" -eq 0 ]
	[ "$output" = EPERM ]
	ev unix-socket socket AF_UNIX allowAllUnixSockets
	[ "$(nev)" -eq 1 ]
}

@test "glibc's nscd probe is refused and not reported" {
	run sb sh -c 'ls -l / >/dev/null && id >/dev/null && echo done'
	[ "$status" -eq 0 ]
	[ "$output" = done ]
	[ "$(nev)" -eq 0 ]
}

@test "a write to a read-only path: a filesystem create event" {
	run sb sh -c "echo x >/etc/srt-test"
	[ "$status" -ne 0 ]
	[ ! -e /etc/srt-test ]
	ev filesystem create /etc/srt-test "outside allowWrite"
}

@test "a write to an existing read-only file, a relative path" {
	run sb sh -c "cd $T/ro && echo x >>file"
	[ "$status" -ne 0 ]
	ev filesystem write "$T/ro/file" "outside allowWrite"
	unchanged
}

@test "a write to a mandatory-deny path: .git/hooks" {
	run sb sh -c "cd $T/w/repo && echo x >.git/hooks/x"
	[ "$status" -ne 0 ]
	[ ! -e "$T/w/repo/.git/hooks/x" ]
	ev filesystem create "$T/w/repo/.git/hooks/x" "mandatory-deny .git/hooks"
	unchanged
}

@test "a write to a denyWrite file names its entry" {
	run sb sh -c "echo x >$T/w/locked"
	[ "$status" -ne 0 ]
	ev filesystem write "$T/w/locked" "denyWrite[1]"
	unchanged
}

@test "mkdir outside allowWrite; mkdir -p meets existing parents silently" {
	run sb mkdir -p "$T/ro/new/deeper"
	[ "$status" -ne 0 ]
	[ ! -e "$T/ro/new" ]
	ev filesystem mkdir "$T/ro/new" "outside allowWrite"
	[ "$(nev)" -eq 1 ]
	unchanged
}

@test "rm of a read-only file: an unlink event" {
	run sb rm -f "$T/ro/file"
	[ "$status" -ne 0 ]
	ev filesystem unlink "$T/ro/file" "outside allowWrite"
	unchanged
}

@test "mv of a read-only file into allowWrite: a rename event" {
	run sb mv "$T/ro/file" "$T/w/moved"
	[ "$status" -ne 0 ]
	ev filesystem rename "$T/ro/file" "outside allowWrite"
	unchanged
}

@test "mv into a read-only directory names the destination" {
	echo m >"$T/w/mine"
	run sb mv "$T/w/mine" "$T/ro/mine"
	[ "$status" -ne 0 ]
	ev filesystem rename "$T/ro/mine" "outside allowWrite"
	[ -e "$T/w/mine" ]
	unchanged
}

@test "chmod, truncate, symlink and link outside allowWrite" {
	run sb sh -c "chmod 600 $T/ro/file; $PY -c \"import os; os.truncate('$T/ro/file', 0)\"; ln -s x $T/ro/sl; ln $T/w/locked $T/ro/hl; true"
	ev filesystem chmod "$T/ro/file" "outside allowWrite"
	ev filesystem truncate "$T/ro/file" "outside allowWrite"
	ev filesystem symlink "$T/ro/sl" "outside allowWrite"
	ev filesystem link "$T/ro/hl" "outside allowWrite"
	unchanged
}

@test "writes inside allowWrite, TMPDIR and /dev give no event" {
	run sb sh -c "cd $T/w && echo a >f && mkdir d && mv f d/g && ln -s g d/l && chmod 600 d/g && rm -r d && echo t >\$TMPDIR/t && echo n >/dev/null && cat /etc/hostname >/dev/null && echo ok"
	[ "$status" -eq 0 ]
	[ "$output" = ok ]
	[ "$(nev)" -eq 0 ]
}

@test "a symlink inside allowWrite to a read-only place is followed" {
	ln -s "$T/ro" "$T/w/toro"
	run sb sh -c "echo x >$T/w/toro/new"
	[ "$status" -ne 0 ]
	ev filesystem create "$T/ro/new" "outside allowWrite"
	unchanged
}

@test "ignoreViolations drops exactly the matching events" {
	cat >"$T/s.json" <<-EOF
	{"filesystem": {"allowWrite": ["$T/w"]},
	 "ignoreViolations": {"*": ["/etc/srt-ign"], "python3": ["AF_UNIX"], "nomatch": ["$T/ro"]}}
	EOF
	run sb sh -c "echo x >/etc/srt-ign; echo y >/etc/srt-kept; mkdir $T/ro/d; $PY -c 'import socket; socket.socket(socket.AF_UNIX)'; true"
	ev filesystem create /etc/srt-kept "outside allowWrite"
	ev filesystem mkdir "$T/ro/d" "outside allowWrite"
	[ "$(nev)" -eq 2 ]
	[ "$(targets)" = "$(printf '%s\n' /etc/srt-kept "$T/ro/d")" ]
}

@test "the terminal line names the denial; without --observe none" {
	run --separate-stderr "$S" --observe -s "$T/s.json" -- sh -c "echo x >/etc/srt-test; true"
	[ "$status" -eq 0 ]
	[[ "$stderr" == *"denied filesystem create /etc/srt-test (outside allowWrite)"* ]]
	run --separate-stderr "$S" -s "$T/s.json" -- sh -c "echo x >/etc/srt-test; true"
	[ "$status" -eq 0 ]
	[[ "$stderr" != *"denied filesystem"* ]]
}

@test "a monitor started by the first event applies ignoreViolations to it" {
	cat >"$T/s.json" <<-EOF
	{"filesystem": {"allowWrite": ["$T/w"]},
	 "ignoreViolations": {"*": ["/etc/srt-ign"]}}
	EOF
	run --separate-stderr "$S" --observe -s "$T/s.json" -- sh -c "echo x >/etc/srt-ign; echo y >/etc/srt-kept; true"
	[ "$status" -eq 0 ]
	[[ "$stderr" != *"denied filesystem create /etc/srt-ign"* ]]
	[ "$(grep -c '^srt: denied filesystem create /etc/srt-kept (outside allowWrite)$' <<<"$stderr")" -eq 1 ]
	[[ "$stderr" == *"srt-launch: the sandbox denied 1 operation (1 more ignored by ignoreViolations); --violations FILE records them"* ]]
}

@test "without --observe AF_UNIX is still EPERM and nothing is reported" {
	run "$S" -q --violations "$V" -s "$T/s.json" -- $PY -c '
import socket
try:
	socket.socket(socket.AF_UNIX); print("created")
except PermissionError:
	print("EPERM")'
	[ "$output" = EPERM ]
	[ "$(nev)" -eq 0 ]
}

# descendant PID DEPTH COMM: the process named COMM DEPTH generations
# below PID (the launcher's child is pid 1, whose child is the observer).
descendant() {
	$PY - "$@" <<-'EOF'
	import os, sys
	def kids(p):
	    out = []
	    for d in os.listdir("/proc"):
	        if not d.isdigit():
	            continue
	        try:
	            st = open("/proc/%s/stat" % d).read()
	        except OSError:
	            continue
	        if int(st[st.rindex(")") + 2:].split()[1]) == p:
	            out.append(int(d))
	    return out
	gen = [int(sys.argv[1])]
	for i in range(int(sys.argv[2])):
	    gen = [k for p in gen for k in kids(p)]
	for k in gen:
	    try:
	        if open("/proc/%d/comm" % k).read().strip() == sys.argv[3]:
	            print(k)
	    except OSError:
	        pass
	EOF
}

# The observer's pid as the command sees it.
OBS='for p in /proc/[0-9]*; do [ "$(cat $p/comm 2>/dev/null)" != srt-observer ] || echo ${p#/proc/}; done'

@test "the command cannot kill, ptrace or read the observer" {
	run sb sh -c "$OBS"
	[ "$status" -eq 0 ]
	[[ "$output" =~ ^[0-9]+$ ]]
	# It holds no capability (pid 1's are of no use to it).
	run sb sh -c 'grep -E "^Cap(Prm|Eff):" /proc/$('"$OBS"')/status'
	[ "${lines[0]}" = "CapPrm:	0000000000000000" ]
	[ "${lines[1]}" = "CapEff:	0000000000000000" ]
	run sb sh -c 'o=$('"$OBS"'); kill -9 $o && echo KILLED; kill -0 $o && echo SIGNALLED; cat /proc/$o/mem && echo READ; cat /proc/$o/environ && echo ENV; '"$PY"' -c "
import ctypes, sys
libc = ctypes.CDLL(None, use_errno=True)
r = libc.ptrace(16, int(sys.argv[1]), 0, 0)
print(\"ptrace\", r, ctypes.get_errno())
" $o; echo x >/etc/srt-after'
	[[ "$output" != *KILLED* ]]
	[[ "$output" != *SIGNALLED* ]]
	[[ "$output" != *READ* ]]
	[[ "$output" != *ENV* ]]
	[[ "$output" == *"ptrace -1 1"* ]]
	# Still there to report.
	ev filesystem create /etc/srt-after "outside allowWrite"
}

@test "killing the observer from outside leaves AF_UNIX refused" {
	# The result file is opened first: with no observer every write
	# fails too (ENOSYS).
	"$S" --observe -q --violations "$V" -s "$T/s.json" -- sh -c "
	    exec 3>$T/w/result
	    echo up >$T/w/ready
	    while [ ! -e $T/w/go ]; do sleep 0.05; done
	    $PY -c '
import socket
try:
	socket.socket(socket.AF_UNIX); print(\"created\")
except OSError as e:
	print(\"refused\", e.errno)' >&3 2>&1
	    echo x >$T/w/late || echo late-refused >&3" &
	LPID=$!
	for i in $(seq 200); do [ -e "$T/w/ready" ] && break; sleep 0.05; done
	[ -e "$T/w/ready" ]
	# The launcher's child is pid 1; its child named srt-observer.
	obs=$(descendant "$LPID" 2 srt-observer)
	[[ "$obs" =~ ^[0-9]+$ ]]
	kill -9 "$obs"
	touch "$T/w/go"
	wait "$LPID" || true
	LPID=
	# ENOSYS from the kernel once no one listens: a refusal all the same.
	[ "$(head -1 "$T/w/result")" = "refused 38" ]
	[ "$(tail -1 "$T/w/result")" = late-refused ]
	[ ! -e "$T/w/late" ]
}

@test "an observed sandbox inside an observed one runs, unobserved inside" {
	[ "$(id -u)" -ne 0 ] || skip "nested user namespaces map uid 0 only with CAP_SETFCAP"
	cat >"$T/n.json" <<-EOF
	{"allowNestedUserNamespaces": true, "filesystem": {"allowWrite": ["$T/w"]}}
	EOF
	run "$S" --observe -q --violations "$V" -s "$T/n.json" -- \
	    "$S" --observe -q -- sh -c 'echo inner $SANDBOX_RUNTIME'
	[ "$status" -eq 0 ]
	[ "$output" = "inner 1" ]
	# The inner sandbox's mounts are its own business: not reported.
	[ "$(nev)" -eq 0 ]
}

@test "openat2 is judged by the flags in its struct open_how" {
	run sb $PY -c '
import ctypes, os, struct, sys
libc = ctypes.CDLL(None, use_errno=True)
def openat2(path, flags):
	how = struct.pack("QQQ", flags, 0o644 if flags & os.O_CREAT else 0, 0)
	fd = libc.syscall(437, -100, path.encode(), how, len(how))
	if fd >= 0:
		os.close(fd)
	return fd, ctypes.get_errno()
print(openat2("/etc/hostname", os.O_RDONLY)[0] >= 0)
print(openat2("/etc/srt-oa2", os.O_WRONLY | os.O_CREAT))'
	[ "${lines[0]}" = True ]
	[ "${lines[1]}" = "(-1, 30)" ]
	ev filesystem create /etc/srt-oa2 "outside allowWrite"
	[ "$(nev)" -eq 1 ]
}

@test "a killed monitor does not hang an observed sandbox" {
	# The first denial starts the monitor; it is killed before the rest.
	"$S" --observe -s "$T/s.json" -- sh -c "
	    echo x >/etc/srt-gone-0 2>/dev/null
	    echo up >$T/w/ready
	    while [ ! -e $T/w/go ]; do sleep 0.05; done
	    for i in 1 2 3 4 5; do echo x >/etc/srt-gone-\$i; done 2>/dev/null
	    echo finished >$T/w/done" 2>"$T/err" &
	LPID=$!
	for i in $(seq 200); do [ -e "$T/w/ready" ] && break; sleep 0.05; done
	[ -e "$T/w/ready" ]
	for i in $(seq 200); do
		mon=$(descendant "$LPID" 1 srt-monitor)
		[[ "$mon" =~ ^[0-9]+$ ]] && break
		sleep 0.05
	done
	[[ "$mon" =~ ^[0-9]+$ ]]
	kill -9 "$mon"
	touch "$T/w/go"
	for i in $(seq 200); do kill -0 "$LPID" 2>/dev/null || break; sleep 0.05; done
	! kill -0 "$LPID" 2>/dev/null
	wait "$LPID"
	LPID=
	[ "$(cat "$T/w/done")" = finished ]
	[ ! -e /etc/srt-gone-1 ]
}
