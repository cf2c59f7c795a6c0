#!/usr/bin/env bats
# Faults (issue 7): kill each part of a run mid-way, starve the launcher of
# fds, fill TMPDIR, and simulate a kernel without Landlock.  Every wait is
# bounded; after each run no process, mount or temp file of it is left.
# SRT_FAULT_RUNS sets the kill-loop iterations (default 10).
# srt-run-as: both

bats_require_minimum_version 1.5.0

setup() {
	T=$(mktemp -d /tmp/srt-faults-t.XXXXXX)
	chmod 0755 "$T"
	mkdir "$T/w" "$T/c" "$T/tmp"
	chmod 0777 "$T/w" "$T/c" "$T/tmp"
	# The launcher's srt.* dirs go here, out of reach of concurrent runs.
	export TMPDIR="$T/tmp"
	S="$SRT_BIN/srt-launch"
	RUNS=${SRT_FAULT_RUNS:-10}
	printf '{"network":{"allowedDomains":[]},"filesystem":{"allowWrite":["%s"]}}\n' \
	    "$T/w" >"$T/s.json"
	LPID=
}

teardown() {
	if [ -n "${LPID:-}" ] && kill -0 "$LPID" 2>/dev/null; then
		kill -KILL "$LPID" 2>/dev/null || true
		wait "$LPID" 2>/dev/null || true
	fi
	pkill -KILL -f "srtfault$$" 2>/dev/null || true
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

gone() {
	! kill -0 "$1" 2>/dev/null
}

# The host's view: mounts (without the ids, which are not reused) and the
# launcher's temp dirs.
host_state() {
	awk '{ $1 = $2 = ""; print }' /proc/self/mountinfo | sort
	ls -a "$T/tmp"
	ls -a "$T/c"
}

# one_kill N TARGET DENY: one run, TARGET killed with SIGKILL mid-run.
# The bridge, the proxy and the monitor start with the first connection
# and event: with DENY=1 the command is refused a connection first, so
# that all run; with 0 none ever does.
one_kill() {
	local n=$1 target=$2 deny=$3 tag="srtfault$$.$1" pids p ppid mpid init bpid
	local cmd status=0 first=""

	rm -f "$T/w/ready" "$T/w/stop"
	[ "$deny" -eq 0 ] ||
	    first="curl --noproxy '' -s -o /dev/null --max-time 5 http://srt-fault.invalid/; "
	cmd=": $tag; ${first}echo r >'$T/w/ready'; while [ ! -e '$T/w/stop' ]; do sleep 0.05; done; exit 7"
	(cd "$T/c" && exec "$S" -s "$T/s.json" -- sh -c "$cmd") \
	    >"$T/out" 2>"$T/err" &
	LPID=$!
	wait_for test -e "$T/w/ready" || { cat "$T/err"; return 1; }
	if [ "$deny" -eq 1 ]; then
		ppid=$(pgrep -P "$LPID" -x srt-proxy)
		wait_for pgrep -P "$LPID" -x srt-monitor >/dev/null ||
		    { echo "run $n: no monitor after a denial"; cat "$T/err"; return 1; }
		mpid=$(pgrep -P "$LPID" -x srt-monitor)
		[ -n "$ppid" ] || { echo "run $n: no proxy after a connection"; return 1; }
	else
		# Both start with the first connection or event: none here.
		ppid=$(pgrep -P "$LPID" -x srt-proxy || true)
		mpid=$(pgrep -P "$LPID" -x srt-monitor || true)
		[ -z "$mpid" ] || { echo "run $n: a monitor without an event"; return 1; }
		[ -z "$ppid" ] || { echo "run $n: a proxy without a connection"; return 1; }
	fi
	init=$(pgrep -P "$LPID" -x srt-launch)
	bpid=$(pgrep -P "$init" -x srt-bridge || true)
	if [ "$deny" -eq 1 ] && [ -z "$bpid" ]; then
		echo "run $n: no bridge after a connection"; return 1
	fi
	if [ "$deny" -eq 0 ] && [ -n "$bpid" ]; then
		echo "run $n: a bridge without a connection"; return 1
	fi
	[ -n "$init" ] ||
	    { echo "run $n: missing helper p=$ppid m=$mpid i=$init b=$bpid"; return 1; }
	pids="$LPID $ppid $mpid $init $bpid"
	case $target in
	proxy)	kill -KILL "$ppid" ;;
	monitor) kill -KILL "$mpid" ;;
	bridge)	kill -KILL "$bpid" ;;
	init)	kill -KILL "$init" ;;
	launcher) kill -KILL "$LPID" ;;
	esac
	# Helpers that only watch (monitor) or serve the network (bridge):
	# the command goes on, and its own status is the launcher's.
	case $target in
	monitor|bridge)
		sleep 0.3
		kill -0 "$LPID" || { echo "run $n: launcher died"; return 1; }
		touch "$T/w/stop" ;;
	esac
	SECONDS=0
	wait_for gone "$LPID" || { echo "run $n ($target): launcher hangs"; return 1; }
	wait "$LPID" || status=$?
	LPID=
	[ "$SECONDS" -lt 10 ]
	case $target in
	proxy)
		[ "$status" -eq 125 ] || { echo "run $n: status $status"; return 1; }
		grep -q "srt-proxy exited unexpectedly" "$T/err" ||
		    { cat "$T/err"; return 1; } ;;
	monitor)
		[ "$status" -eq 7 ] || { echo "run $n: status $status"; return 1; }
		grep -q "srt-monitor" "$T/err" || { cat "$T/err"; return 1; } ;;
	bridge)
		[ "$status" -eq 7 ] || { echo "run $n: status $status"; return 1; }
		[ "$(grep -c "srt-launch: the sandbox's network bridge died (signal 9); the command's network is gone" "$T/err")" -eq 1 ] ||
		    { cat "$T/err"; return 1; } ;;
	init)
		# pid 1 is srt's own part: a launcher failure, said once.
		[ "$status" -eq 125 ] || { echo "run $n: status $status"; return 1; }
		[ "$(grep -c "srt-launch: the sandbox's init (pid 1) was killed by signal 9; the command was killed with it" "$T/err")" -eq 1 ] ||
		    { cat "$T/err"; return 1; } ;;
	launcher)
		[ "$status" -eq 137 ] ;;
	esac
	for p in $pids; do
		wait_for gone "$p" || { echo "run $n ($target): pid $p left"; return 1; }
	done
	# Anchored, so that the polling shell (its own argv names the tag)
	# does not match itself.
	wait_for sh -c "! pgrep -f '^sh -c : $tag' >/dev/null" ||
	    { echo "run $n ($target): command left"; pgrep -af "$tag"; return 1; }
}

@test "SIGKILL of any part mid-run: bounded exit, nothing left behind" {
	local i targets=(proxy monitor bridge init launcher) before after deny
	local -A count
	before=$(host_state)
	for i in $(seq 0 $((RUNS - 1))); do
		t=${targets[$((i % 5))]}
		# Every other round of targets with the bridge, proxy and
		# monitor running and without (they start with the first
		# connection); killing one needs it.
		deny=$(( (i / 5) % 2 == 0 ))
		case $t in monitor|proxy|bridge) deny=1 ;; esac
		one_kill "$i" "$t" "$deny"
		after=$(host_state)
		[ "$before" = "$after" ] || {
			echo "run $i ($t): host changed"
			diff <(echo "$before") <(echo "$after")
			return 1
		}
		count[$t]=$(( ${count[$t]:-0} + 1 ))
	done
	for t in "${!count[@]}"; do
		echo "# $t: ${count[$t]} runs" >&3
	done
}

@test "a caller ignoring SIGCHLD: the run still ends with the command's status" {
	# SIG_IGN is inherited across exec; the kernel would reap pid 1 and
	# the command unseen, and the launcher would wait forever.
	run --separate-stderr timeout 20 python3 -c '
import os, signal, sys
signal.signal(signal.SIGCHLD, signal.SIG_IGN)
os.execv(sys.argv[1], sys.argv[1:])' "$S" -s "$T/s.json" -- sh -c 'echo ran; exit 5'
	[ "$status" -eq 5 ]
	[ "$output" = ran ]
	[ -z "$(ls -A "$T/tmp")" ]
}

@test "an exhausted fd limit: a clear error and 125, or a sandboxed run" {
	local n ran=0 refused=0
	for n in 6 8 10 12 16 20 24 32 48 64; do
		run --separate-stderr bash -c "ulimit -n $n && cd '$T/c' && exec '$S' -s '$T/s.json' -- sh -c 'echo x >/etc/srt-fault-$$ && echo ESCAPED; echo ok >\"$T/w/ok\" && echo RAN'"
		[[ "$output" != *ESCAPED* ]]
		[ ! -e "/etc/srt-fault-$$" ]
		if [[ "$output" == *RAN* ]]; then
			[ "$status" -eq 0 ]
			ran=$((ran + 1))
		else
			[ "$status" -eq 125 ]
			[ -n "$stderr" ]
			[[ "$stderr" == srt-launch:* ]]
			refused=$((refused + 1))
		fi
		rm -f "$T/w/ok"
	done
	echo "# fd limits: $ran ran sandboxed, $refused refused" >&3
	[ "$ran" -ge 1 ]
	[ "$refused" -ge 1 ]
}

@test "a full TMPDIR: ENOSPC in the command, its status, the host unchanged" {
	local before after kb
	before=$(host_state)
	# Bounded by default (a quarter of RAM, at most 4 GiB), never the
	# kernel's half of RAM.
	kb=$("$S" -s "$T/s.json" -- sh -c 'df -k "$TMPDIR" | tail -1' |
	    awk '{ print $2 }')
	[ -n "$kb" ] && [ "$kb" -le 4194304 ]
	run --separate-stderr bash -c "cd '$T/c' && SRT_TMPDIR_SIZE=2m exec '$S' -s '$T/s.json' -- sh -c 'df -k \"\$TMPDIR\" | tail -1; dd if=/dev/zero of=\"\$TMPDIR/fill\" bs=64k 2>&1; echo x >\"\$TMPDIR/more\" || exit 3'"
	[[ "$output" == *" 2048 "* ]]
	[[ "$output" == *"No space left on device"* ]]
	[ "$status" -eq 3 ]
	after=$(host_state)
	[ "$before" = "$after" ]
}

@test "SRT_TMPDIR_SIZE: only a size; anything else is refused before the command" {
	local v
	run "$S" -s "$T/s.json" -- sh -c 'df -k "$TMPDIR" | tail -1'
	[ "$status" -eq 0 ]
	for v in 1m,mode=0777 '10%x' abc -1 ' 5m' 99999999999999999; do
		run --separate-stderr env SRT_TMPDIR_SIZE="$v" "$S" -s "$T/s.json" -- \
		    sh -c "echo RAN >'$T/w/ran'"
		[ "$status" -eq 125 ]
		[[ "$stderr" == *"SRT_TMPDIR_SIZE=$v: expected a size"* ]]
		[ ! -e "$T/w/ran" ]
	done
	run env SRT_TMPDIR_SIZE=10% "$S" -s "$T/s.json" -- true
	[ "$status" -eq 0 ]
	[ -z "$(ls -A "$T/tmp")" ]
}

@test "no Landlock (simulated): stated once, the mount layer still refuses writes" {
	run --separate-stderr env SRT_TEST_NO_LANDLOCK=1 "$S" -s "$T/s.json" -- \
	    sh -c "echo ok >'$T/w/f' && echo WROTE; echo x >'$T/c/f' && echo ESCAPED; echo x >/etc/srt-fault-$$ && echo ESCAPED; exit 0"
	[ "$status" -eq 0 ]
	[[ "$output" == *WROTE* ]]
	[[ "$output" != *ESCAPED* ]]
	[ ! -e "$T/c/f" ]
	[ ! -e "/etc/srt-fault-$$" ]
	[ "$(grep -c 'Landlock unavailable' <<<"$stderr")" -eq 1 ]
	[[ "$stderr" == *"only the mount layer"* ]]
	run --separate-stderr "$S" -s "$T/s.json" -- true
	[ "$status" -eq 0 ]
	[[ "$stderr" != *"Landlock unavailable"* ]]
	run env SRT_TEST_NO_LANDLOCK=1 "$S" --check
	[[ "$output" == *"landlock: no (ABI 0)"* ]]
	[[ "$output" == *"only the mount layer keeps writes out"* ]]
	run "$S" --check
	[[ "$output" == *"landlock: yes"* ]]
}

# Where srt-launch keeps its run records (sweep.c).
record_dir() {
	if [ -n "${XDG_RUNTIME_DIR:-}" ] && [ -d "$XDG_RUNTIME_DIR" ] &&
	    [ "$(stat -c %u "$XDG_RUNTIME_DIR")" = "$(id -u)" ]; then
		echo "$XDG_RUNTIME_DIR/srt"
	else
		echo "/tmp/srt-runs.$(id -u)"
	fi
}

# This test's run records (other suites' runs share the directory).
my_records() {
	grep -l "^tmpdir $T/tmp/" "$(record_dir)"/run.* 2>/dev/null || true
}

# start_waiting: a run in the background, its command waiting for
# $T/w/stop; LPID and INIT are the launcher and pid 1.
start_waiting() {
	rm -f "$T/w/ready" "$T/w/stop"
	(cd "$T/c" && exec "$S" -s "$T/s.json" -- sh -c ": srtfault$$; echo \$TMPDIR >'$T/w/ready'; while [ ! -e '$T/w/stop' ]; do sleep 0.05; done; echo kept >\"\$TMPDIR/f\" && cat \"\$TMPDIR/f\" >'$T/w/tmpok'; exit 7") \
	    >"$T/out" 2>"$T/err" &
	LPID=$!
	wait_for test -s "$T/w/ready" || { cat "$T/err"; return 1; }
	INIT=$(pgrep -P "$LPID" -x srt-launch)
	[ -n "$INIT" ]
}

@test "SIGKILL of the launcher and pid 1 together: the next run sweeps what they left, and only that" {
	# Things of the user's that look alike but are no run's leftovers.
	echo mine >"$T/w/.profile"
	: >"$T/w/notes"
	chmod 0400 "$T/w/notes"
	mkdir -m 0700 "$T/tmp/srt.AAAAAAAAAA"
	start_waiting
	[ -n "$(my_records)" ]
	kill -KILL "$LPID" "$INIT"
	wait_for gone "$LPID"
	wait_for gone "$INIT"
	wait "$LPID" || true
	LPID=
	wait_for sh -c "! pgrep -f '^sh -c : srtfault$$' >/dev/null"
	# What a run killed outright leaves: its mount point, placeholders.
	[ "$(ls "$T/tmp" | grep -vc '^srt.AAAAAAAAAA$')" -eq 1 ]
	[ -f "$T/w/.bashrc" ] && [ ! -s "$T/w/.bashrc" ]
	[ -d "$T/w/.git" ]
	[ -n "$(my_records)" ]
	# The next run, from anywhere, removes them.
	run --separate-stderr "$S" -s "$T/s.json" -- true
	[ "$status" -eq 0 ]
	[ -z "$stderr" ]
	[ "$(ls -A "$T/tmp")" = srt.AAAAAAAAAA ]
	[ "$(ls -A "$T/w" | sort | tr '\n' ' ')" = ".profile notes ready " ]
	[ "$(cat "$T/w/.profile")" = mine ]
	[ -z "$(my_records)" ]
}

@test "a live run's record is not swept: its TMPDIR and placeholders stay while it runs" {
	start_waiting
	run --separate-stderr "$S" -s "$T/s.json" -- true
	[ "$status" -eq 0 ]
	[ -f "$T/w/.bashrc" ]
	[ "$(ls -A "$T/tmp" | wc -l)" -eq 1 ]
	[ -n "$(my_records)" ]
	touch "$T/w/stop"
	wait "$LPID" || status=$?
	LPID=
	[ "$status" -eq 7 ]
	[ "$(cat "$T/w/tmpok")" = kept ]
	[ -z "$(ls -A "$T/tmp")" ]
	[ ! -e "$T/w/.bashrc" ]
	[ -z "$(my_records)" ]
}

@test "a forged run record removes nothing but empty placeholders and srt.* dirs" {
	local d r
	d=$(record_dir)
	mkdir -p -m 0700 "$d"
	echo data >"$T/w/data"
	chmod 0400 "$T/w/data"
	: >"$T/c/mark"
	chmod 0400 "$T/c/mark"
	ln -s "$T/c/mark" "$T/w/link"
	mkdir -m 0700 "$T/tmp/notsrt" "$T/tmp/srt.BBBBBBBBBB" "$T/w/srt.CCCCCCCCCC"
	touch "$T/tmp/srt.BBBBBBBBBB/f"
	mkfifo "$T/w/fifo"
	r="$d/run.forged$$"
	printf 'srt-run 1\ntmpdir %s\ntmpdir %s\nhold %s\nhold %s\nhold %s\nhold %s\nhold relative\nbogus line\nhold %s\n' \
	    "$T/tmp/notsrt" "$T/tmp/srt.BBBBBBBBBB" "$T/w/data" "$T/w/link" \
	    "$T/w/fifo" "$T/c" "$T/w/srt.CCCCCCCCCC" >"$r"
	run --separate-stderr "$S" -s "$T/s.json" -- true
	[ "$status" -eq 0 ]
	[ ! -e "$r" ]
	[ -d "$T/tmp/notsrt" ] && [ -e "$T/tmp/srt.BBBBBBBBBB/f" ]
	[ "$(cat "$T/w/data")" = data ]
	[ -L "$T/w/link" ] && [ -f "$T/c/mark" ]
	[ -p "$T/w/fifo" ] && [ -d "$T/w/srt.CCCCCCCCCC" ]
	rmdir "$T/tmp/notsrt"
	rm -r "$T/tmp/srt.BBBBBBBBBB"
}
