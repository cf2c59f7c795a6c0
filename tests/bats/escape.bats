#!/usr/bin/env bats
# Escape attempts from inside the sandbox.  Each asserts that the attempt
# failed and that the host is unchanged.
# srt-run-as: both

bats_require_minimum_version 1.5.0
PY=/usr/bin/python3

setup() {
	T=$(mktemp -d /tmp/srt-escape-t.XXXXXX)
	chmod 0755 "$T"
	S="$SRT_BIN/srt-launch"
	TRY="$SRT_HELPERS/try-syscall"
	mkdir -p "$T/w/sub" "$T/w/repo/.git/hooks" "$T/secret" "$T/open/pub"
	echo orig >"$T/outside"
	echo key >"$T/secret/key"
	echo tok >"$T/open/token"
	echo fs >"$T/filesecret"
	echo pub >"$T/open/pub/file"
	echo ro >"$T/w/locked"
	echo rc >"$T/w/sub/.bashrc"
	echo ref: refs/heads/main >"$T/w/repo/.git/HEAD"
	echo '[core]' >"$T/w/repo/.git/config"
	ln -s "$T/outside" "$T/w/pre-link"
	ln -s "$T/secret/key" "$T/keylink"
	ln -s "$T/secret" "$T/alias"
	cat >"$T/s.json" <<-EOF
	{"filesystem": {
	  "allowWrite": ["$T/w"],
	  "denyWrite": ["$T/w/locked"],
	  "denyRead": ["$T/alias", "$T/open", "$T/filesecret"],
	  "allowRead": ["$T/open/pub"]
	}}
	EOF
	snapshot >"$T/before"
}

teardown() {
	[ -z "${LPID:-}" ] || kill "$LPID" 2>/dev/null || true
	rm -rf "$T"
}

# Everything on the host outside w, with contents: must not change.
snapshot() {
	(cd "$T" && find . -path ./w -prune -o -path ./before -prune -o \
	    -print | sort && cat outside secret/key open/token filesecret w/locked \
	    w/sub/.bashrc w/repo/.git/config && ls -a w w/repo/.git/hooks)
}

unchanged() {
	snapshot | diff "$T/before" -
}

sb() {
	"$S" -s "$T/s.json" -- "$@"
}

@test "write outside allowWrite fails" {
	run sb sh -c "echo x >$T/outside"
	[ "$status" -ne 0 ]
	run sb sh -c "echo x >$T/newfile"
	[ "$status" -ne 0 ]
	run sb sh -c "echo x >$HOME/.srt-escape-$$"
	[ "$status" -ne 0 ]
	[ ! -e "$HOME/.srt-escape-$$" ]
	unchanged
}

@test "write through a symlink in the writable root fails" {
	run sb sh -c "echo x >$T/w/pre-link"
	[ "$status" -ne 0 ]
	run sb sh -c "ln -s $T/outside $T/w/new-link && echo x >$T/w/new-link"
	[ "$status" -ne 0 ]
	rm -f "$T/w/new-link"
	unchanged
}

@test "a hard link to an outside file cannot be made" {
	run sb ln "$T/outside" "$T/w/hard"
	[ "$status" -ne 0 ]
	[ ! -e "$T/w/hard" ]
	unchanged
}

@test "dot-dot and /proc/self/root change nothing" {
	run sb sh -c "echo x >$T/w/../outside"
	[ "$status" -ne 0 ]
	run sb sh -c "echo x >$T/w/sub/../../outside2"
	[ "$status" -ne 0 ]
	run sb sh -c "echo x >/proc/self/root$T/outside"
	[ "$status" -ne 0 ]
	run sb sh -c "echo x >/proc/1/root$T/outside"
	[ "$status" -ne 0 ]
	[ ! -e "$T/outside2" ]
	unchanged
}

@test "denyWrite inside allowWrite is read-only" {
	run sb sh -c "echo x >$T/w/locked"
	[ "$status" -ne 0 ]
	run sb rm -f "$T/w/locked"
	[ "$status" -ne 0 ]
	run sb mv "$T/w/locked" "$T/w/moved"
	[ "$status" -ne 0 ]
	unchanged
}

@test "mandatory denies: dotfiles, hooks and git config are read-only" {
	run sb sh -c "echo x >>$T/w/sub/.bashrc"
	[ "$status" -ne 0 ]
	run sb sh -c "echo x >$T/w/repo/.git/hooks/pre-commit"
	[ "$status" -ne 0 ]
	run sb sh -c "echo x >>$T/w/repo/.git/config"
	[ "$status" -ne 0 ]
	unchanged
}

@test "mandatory denies that do not exist cannot be created and leave nothing" {
	cd "$T/w"
	for f in .bashrc .zshrc .profile .gitconfig .mcp.json; do
		run sb sh -c "echo x >$T/w/$f"
		[ "$status" -ne 0 ]
	done
	run sb mkdir "$T/w/.vscode"
	[ "$status" -ne 0 ]
	run sb mkdir -p "$T/w/.claude/commands"
	[ "$status" -ne 0 ]
	run sb git init -q "$T/w"
	[ "$status" -ne 0 ]
	for f in .bashrc .zshrc .profile .gitconfig .mcp.json .vscode .claude .git; do
		[ ! -e "$T/w/$f" ]
	done
	unchanged
}

@test "a symlinked dotfile can be neither replaced nor written through" {
	mkdir "$T/w/dotfiles"
	echo mine >"$T/w/dotfiles/bashrc"
	ln -s "$T/w/dotfiles/bashrc" "$T/w/.bashrc"
	run sb sh -c "cd $T/w && rm .bashrc; mv .bashrc moved; echo evil >.bashrc; echo evil >dotfiles/bashrc; mv dotfiles df"
	[ "$status" -ne 0 ]
	[ -L "$T/w/.bashrc" ]
	[ "$(readlink "$T/w/.bashrc")" = "$T/w/dotfiles/bashrc" ]
	[ "$(cat "$T/w/dotfiles/bashrc")" = mine ]
	[ ! -e "$T/w/moved" ]
	[ ! -e "$T/w/df" ]
}

@test "renaming a pinned parent does not get around a deny" {
	run sb sh -c "cd $T/w/repo && mv .git .git2 && mkdir -p .git/hooks && echo x >.git/hooks/pre-commit"
	[ "$status" -ne 0 ]
	[[ "$output" == *"busy"* ]]
	run sb mv "$T/w/sub" "$T/w/sub2"
	[ "$status" -ne 0 ]
	run sb mv "$T/w/repo" "$T/w/repo2"
	[ "$status" -ne 0 ]
	[ -d "$T/w/repo/.git/hooks" ]
	[ ! -e "$T/w/repo/.git2" ]
	unchanged
}

@test "allowGitConfig leaves .git/config writable, hooks still denied" {
	printf '{"filesystem":{"allowWrite":["%s"],"allowGitConfig":true}}' \
	    "$T/w" >"$T/g.json"
	run "$S" -s "$T/g.json" -- sh -c "echo '# ok' >>$T/w/repo/.git/config"
	[ "$status" -eq 0 ]
	run "$S" -s "$T/g.json" -- sh -c "echo x >$T/w/repo/.git/hooks/post"
	[ "$status" -ne 0 ]
	[ ! -e "$T/w/repo/.git/hooks/post" ]
}

@test "denyRead hides directories and files, also through symlinks" {
	run sb cat "$T/secret/key"
	[ "$status" -ne 0 ]
	! grep -qx key <<<"$output"
	run sb cat "$T/keylink"
	[ "$status" -ne 0 ]
	run sb ls -A "$T/secret"
	[ "$status" -eq 0 ]
	[ -z "$output" ]
	run sb sh -c "cat $T/open/token"
	! grep -qx tok <<<"$output"
	run sb sh -c "cat \$(realpath $T/alias)/key"
	! grep -qx key <<<"$output"
	unchanged
}

@test "a denied file cannot be opened at all" {
	run sb cat "$T/filesecret"
	[ "$status" -ne 0 ]
	[[ "$output" == *"Permission denied"* ]]
	run sb sh -c "echo x >$T/filesecret"
	[ "$status" -ne 0 ]
	run sb $PY -c "import os; os.open('$T/filesecret', os.O_RDONLY | os.O_NOFOLLOW)"
	[ "$status" -ne 0 ]
	unchanged
}

@test "allowRead re-exposes inside a denied directory, read-only" {
	run sb cat "$T/open/pub/file"
	[ "$status" -eq 0 ]
	[ "$output" = "pub" ]
	run sb sh -c "echo x >$T/open/pub/file"
	[ "$status" -ne 0 ]
	unchanged
}

@test "every mount outside the writable places is read-only" {
	# The writable places: w, TMPDIR, /dev, /proc and the reference's
	# convenience directories under the home.
	run sb sh -c 'awk -v t="$TMPDIR" -v w="'"$T/w"'" -v h="$HOME" '\''{ split($6, o, ","); if ($5 !~ "^/(dev|proc)(/|$)" && index($5, t) != 1 && index($5, w) != 1 && $5 != h "/.npm/_logs" && $5 != h "/.claude/debug" && o[1] != "ro") print $5 }'\'' /proc/self/mountinfo'
	[ "$status" -eq 0 ]
	[ -z "$output" ]
}

@test "AF_UNIX sockets cannot be created" {
	run sb "$TRY" unix
	[ "$status" -eq 0 ]
	[ "$output" = "unix: EPERM" ]
	run sb "$TRY" unix-dgram
	[ "$output" = "unix-dgram: EPERM" ]
	run sb "$TRY" unix-high
	[ "$output" = "unix-high: EPERM" ]
	run sb $PY -c 'import socket; socket.socket(socket.AF_UNIX)'
	[ "$status" -ne 0 ]
	[[ "$output" == *PermissionError* ]]
}

@test "allowAllUnixSockets lifts the AF_UNIX rule" {
	echo '{"network":{"allowAllUnixSockets":true}}' >"$T/u.json"
	run -77 "$S" -s "$T/u.json" -- "$TRY" unix
	[ "$output" = "unix: ok" ]
}

@test "no user or mount namespace, no mount, no pivot_root" {
	run sb unshare -U true
	[ "$status" -ne 0 ]
	run sb unshare -m true
	[ "$status" -ne 0 ]
	for c in unshare-user unshare-mount unshare-net clone-userns mount \
	    remount-rw umount pivot_root setns open_tree fsopen io_uring; do
		run sb "$TRY" $c
		[ "$status" -eq 0 ]
		[ "$output" = "$c: EPERM" ]
	done
	run sb "$TRY" clone3
	[ "$output" = "clone3: ENOSYS" ]
	# A second lock, as the reference: no user namespaces to be had.
	run sb cat /proc/sys/user/max_user_namespaces
	[ "$output" = 0 ]
	[ "$(cat /proc/sys/user/max_user_namespaces)" -gt 0 ]
	unchanged
}

@test "TIOCSTI cannot push input into the terminal" {
	run sb "$TRY" tiocsti
	[ "$output" = "tiocsti: EPERM" ]
	run sb "$TRY" tiocsti-wide
	[ "$output" = "tiocsti-wide: EPERM" ]
	command -v script >/dev/null || skip "script(1) not installed"
	run script -qec "'$S' -- '$TRY' tiocsti" /dev/null
	[[ "$output" == *"tiocsti: EPERM"* ]]
}

@test "srt-bridge cannot be traced, not even in its first instant" {
	# The command's connect starts it: the command picks the moment.
	run sb "$TRY" ptrace-bridge
	[ "$output" = "ptrace-bridge: EPERM" ]
}

@test "host processes are invisible and cannot be signalled" {
	run sb "$TRY" kill $$
	[ "$output" = "kill: ESRCH" ]
	run sb sh -c "kill -0 $$"
	[ "$status" -ne 0 ]
	# pid 1, sh, ls and grep (srt-bridge starts with a connection)
	run sb sh -c 'ls /proc | grep -c "^[0-9]"'
	[ "$output" -le 5 ]
}

@test "pid 1 cannot be ptraced or signalled, its fds and root are closed" {
	run sb "$TRY" ptrace-1
	[ "$output" = "ptrace-1: EPERM" ]
	# pid 1 holds descriptors of host directories (placeholder parents).
	run sb sh -c "cd $T/w && for f in /proc/1/fd/*; do echo x >\$f/escape && echo ESCAPED; done; cat /proc/1/environ; ls /proc/1/root/; ls /proc/1/cwd/"
	[[ "$output" != *ESCAPED* ]]
	[[ "$output" != *SANDBOX* ]]
	[ "$status" -ne 0 ]
	run sb "$TRY" kill-1
	[ "$output" = "kill-1: EPERM" ]
}

@test "a host loopback TCP port is unreachable" {
	$PY -c '
import socket, sys
s = socket.socket(); s.bind(("127.0.0.1", 0)); s.listen(1)
open(sys.argv[1], "w").write(str(s.getsockname()[1]))
s.settimeout(20)
try:
	c, _ = s.accept(); open(sys.argv[1] + ".hit", "w").write("hit")
except Exception:
	pass
' "$T/port" &
	LPID=$!
	for i in $(seq 100); do [ -s "$T/port" ] && break; sleep 0.1; done
	port=$(cat "$T/port")
	run sb "$TRY" connect "$port"
	[ "$output" = "connect: ECONNREFUSED" ]
	run sb $PY -c "import socket; socket.create_connection(('127.0.0.1', $port), 2)"
	[ "$status" -ne 0 ]
	[ ! -e "$T/port.hit" ]
}

@test "capabilities are gone and no_new_privs is set" {
	run sb sh -c 'grep -E "^(CapEff|CapPrm|CapBnd|CapAmb|NoNewPrivs)" /proc/self/status'
	[[ "$output" == *"CapEff:	0000000000000000"* ]]
	[[ "$output" == *"CapBnd:	0000000000000000"* ]]
	[[ "$output" == *"CapAmb:	0000000000000000"* ]]
	[[ "$output" == *"NoNewPrivs:	1"* ]]
}

@test "host sysctls and /sys stay read-only (uid 0 is host root when run as root)" {
	f=/proc/sys/kernel/core_uses_pid
	[ -e "$f" ] || skip "no $f"
	v=$(cat "$f")
	run sb sh -c "echo $v >$f"
	[ "$status" -ne 0 ]
	run sb sh -c "echo 1 >/sys/kernel/uevent_helper"
	[ "$status" -ne 0 ]
	[ "$(cat "$f")" = "$v" ]
}

@test "the caller's session keyring stays outside" {
	# keyctl(KEYCTL_GET_KEYRING_ID, KEY_SPEC_SESSION_KEYRING, 0)
	get='import ctypes; print(ctypes.CDLL(None).syscall(250, 0, -3, 0))'
	[ "$(uname -m)" = x86_64 ] || skip "syscall number for x86-64"
	outside=$($PY -c "$get")
	[ "$outside" -gt 0 ] || skip "no session keyring"
	run sb $PY -c "$get"
	[ "$status" -eq 0 ]
	[ "$output" -gt 0 ]
	[ "$output" != "$outside" ]
}

@test "set-uid programs and device nodes give nothing" {
	# As a user, a set-uid su must not become root (no_new_privs, nosuid).
	if [ "$(id -u)" -ne 0 ] && [ -u /usr/bin/su ]; then
		run sb /usr/bin/su -c id root </dev/null
		[ "$status" -ne 0 ]
		[[ "$output" != *"uid=0"* ]]
	fi
	run sb sh -c "mknod $T/w/null c 1 3"
	[ "$status" -ne 0 ]
	[ ! -e "$T/w/null" ]
	run sb sh -c "mkfifo $T/w/fifo && echo fifo-ok"
	[ "$output" = fifo-ok ]
}

@test "/dev/shm is private to the sandbox" {
	n="srt-shm-$$-$RANDOM"
	run sb sh -c "echo x >/dev/shm/$n && cat /dev/shm/$n"
	[ "$status" -eq 0 ]
	[ "$output" = x ]
	[ ! -e "/dev/shm/$n" ]
}

@test "denyRead / with allowRead exceptions: an allow list for reads" {
	printf '{"filesystem":{"denyRead":["/"],"allowRead":["/usr","/lib","/lib64","/bin","/etc","%s"]}}' \
	    "$SRT_HELPERS" >"$T/r.json"
	run "$S" -s "$T/r.json" -- sh -c "cat $T/outside; ls -A /home /root; echo x >\$TMPDIR/y && echo tmp-ok"
	[[ "$output" != *orig* ]]
	[[ "$output" == *tmp-ok* ]]
	[[ "$(echo "$output" | grep -c .)" -le 4 ]]
	run "$S" -s "$T/r.json" -- "$TRY" unix
	[ "$output" = "unix: EPERM" ]
}
