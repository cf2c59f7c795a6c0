#!/usr/bin/env bats
# The README's commands, run as written: each fenced block after
# "<!-- test: NAME [status=N] [needs=HOST] -->" is run with sh from a
# scratch copy of the source tree (contrib/ and build/bin), with HOME a
# scratch home holding a fake ~/.ssh/id_ed25519 and $SRT_BIN first on
# PATH; every line of the block after "<!-- expect: NAME -->" must be a
# line of its output (stdout and stderr, the home written as "~").
# srt-run-as: both

README="$SRT_TOP/README.md"

# All the test blocks the README has; a new one needs a test here.
NAMES="hello tests agent-repo agent-npm agent-ssh mcp-server build-no-home
    print-plan"

setup() {
	T=$(mktemp -d /tmp/srt-readme.XXXXXX)
	mkdir -p "$T/home/.ssh" "$T/src/build"
	echo "not a real key" >"$T/home/.ssh/id_ed25519"
	ln -s "$SRT_TOP/contrib" "$T/src/contrib"
	ln -s "$SRT_BIN" "$T/src/build/bin"
}

teardown() {
	chmod -R u+rwX "$T" 2>/dev/null
	rm -rf "$T"
}

# readme_block KIND NAME: the body of the fenced block after the marker.
readme_block() {
	awk -v kind="$1" -v name="$2" '
	index($0, "<!-- " kind ": " name " ") == 1 { armed = 1; next }
	armed && /^```/ { if (body) exit; body = 1; next }
	body { print }
	' "$README"
}

# readme_attr KEY NAME: the KEY=VALUE on the test marker of NAME.
readme_attr() {
	grep -F -- "<!-- test: $2 " "$README" | tr ' ' '\n' |
	    sed -n "s/^$1=//p" | head -1
}

# run_block NAME [PREFIX]: run the block (less PREFIX) as a user would.
run_block() {
	local script
	script=$(readme_block test "$1")
	[ -n "$script" ] || { echo "README has no test block $1"; return 1; }
	script=${script#"${2:-}"}
	cd "$T/src"
	run env HOME="$T/home" PATH="$SRT_BIN:$PATH" sh -c "$script"
	output=${output//"$T/home"/"~"}
}

# assert_block NAME: the status on the marker, every expected line.
# The monitor's denial lines and the command's own stderr share a file and
# may interleave mid-line ("c" "srt: denied ...\n" "url: (56) ...").  Lift
# every srt line out and put it after the rest, so both read whole.
untangle() {
	python3 -c 'import re, sys
s = sys.stdin.read()
pat = r"srt(?:-launch)?: [^\n]*\n?"
sys.stdout.write(re.sub(pat, "", s) + "\n" + "".join(re.findall(pat, s)))'
}

assert_block() {
	local want line missing=0 n=0
	want=$(readme_attr status "$1")
	output=$(untangle <<<"$output")
	while IFS= read -r line; do
		[ -n "$line" ] || continue
		n=$((n + 1))
		if ! grep -Fxq -- "$line" <<<"$output"; then
			echo "missing line: $line"
			missing=1
		fi
	done < <(readme_block expect "$1")
	[ "$n" -gt 0 ] || { echo "README has no expect block $1"; return 1; }
	if [ "$status" -ne "${want:-0}" ] || [ "$missing" -ne 0 ]; then
		echo "status $status, README says ${want:-0}; output:"
		echo "$output"
		return 1
	fi
}

@test "README: every test block has a test here, and no other" {
	got=$(sed -n 's/^<!-- test: \([^ ]*\) .*-->$/\1/p' "$README" | sort)
	want=$(tr ' ' '\n' <<<"$NAMES" | grep . | sort)
	[ "$got" = "$want" ]
}

@test "README: each contrib/settings policy appears in a test block" {
	for f in "$SRT_TOP"/contrib/settings/*.json; do
		b=$(basename "$f")
		for n in $NAMES; do
			readme_block test "$n"
		done | grep -q "contrib/settings/$b" ||
		    { echo "$b is not exercised by the README"; return 1; }
	done
}

@test "README hello: the default policy runs a command" {
	block=$(readme_block test hello)
	[[ "$block" == "make deps && make && ./build/bin/srt-launch -- "* ]]
	run_block hello "make deps && make && "
	assert_block hello
}

@test "README tests: the setup and test command is the one this runs under" {
	[ "$(readme_block test tests)" = "make deps && make test" ]
	[ -x "$SRT_TOP/contrib/install-deps.sh" ]
}

@test "README agent-repo: writes in the repo, no key, no hooks, no other hosts" {
	run_block agent-repo
	assert_block agent-repo
	[ -f "$T/src/demo/README" ]
	[ ! -e "$T/src/demo/.git/hooks/pre-commit" ]
	[ ! -e "$T/src/demo/.env" ]
}

@test "README agent-npm: the npm registry is reachable" {
	command -v npm >/dev/null || skip "npm is not installed"
	host=$(readme_attr needs agent-npm)
	[ "$host" = registry.npmjs.org ]
	curl -sS --max-time 5 -o /dev/null "https://$host/" 2>/dev/null ||
	    skip "this host cannot reach $host without the sandbox either"
	run_block agent-npm
	assert_block agent-npm
}

@test "README agent-ssh: git over ssh meets the policy's reason" {
	run_block agent-ssh
	assert_block agent-ssh
}

@test "README mcp-server: one writable folder, no network, reason given" {
	run_block mcp-server
	assert_block mcp-server
	[ "$(cat "$T/home/mcp-data/notes.json")" = "{}" ]
	[ ! -e "$T/home/elsewhere" ]
}

@test "README mcp-server: srt writes nothing on the command's stdout" {
	script=$(readme_block test mcp-server)
	cd "$T/src"
	run env HOME="$T/home" PATH="$SRT_BIN:$PATH" \
	    sh -c "exec 2>/dev/null; $script"
	[ "$status" -eq 56 ]
	[ "$output" = saved ]
}

@test "README build-no-home: the build runs, the home is empty" {
	run_block build-no-home
	assert_block build-no-home
	[ "$(cat "$T/home/src/hello/out.txt")" = built ]
	# Only what leads to the working directory is visible.
	[[ "$output" != *".ssh"$'\n'* ]]
}

# launch_options: every option srt-launch -h names, one a line.
launch_options() {
	"$SRT_BIN/srt-launch" -h 2>&1 |
	    grep -oE '\[-[A-Za-z]+\]|\[-[A-Za-z] |--[a-z][a-z-]*' |
	    while read -r o; do
		case $o in
		--*) echo "$o" ;;
		*) o=${o#[-}; o=${o%]}; o=${o% }
		   for ((i = 0; i < ${#o}; i++)); do echo "-${o:i:1}"; done ;;
		esac
	    done | sort -u
}

@test "contrib/completion: bash and zsh offer every option of srt-launch -h" {
	source "$SRT_TOP/contrib/completion/srt-launch.bash"
	COMP_WORDS=(srt-launch -)
	COMP_CWORD=1
	_srt_launch
	n=0
	for o in $(launch_options); do
		[[ " ${COMPREPLY[*]} " == *" $o "* ]] ||
		    { echo "bash completion lacks $o"; return 1; }
		grep -qF -- "$o" "$SRT_TOP/contrib/completion/_srt-launch" ||
		    { echo "zsh completion lacks $o"; return 1; }
		n=$((n + 1))
	done
	[ "$n" -ge 10 ]
}

@test "contrib/completion: bash completes the command after --" {
	source "$SRT_TOP/contrib/completion/srt-launch.bash"
	# _command_offset comes from bash-completion; stand in for it.
	_command_offset() { COMPREPLY=("offset $1"); }
	COMP_WORDS=(srt -s x.json -- ls)
	COMP_CWORD=4
	_srt_launch
	[ "${COMPREPLY[*]}" = "offset 4" ]
}

@test "README: the srt --check sample has the lines srt --check prints" {
	want=$(sed -n '/^    \$ srt --check$/,/^$/p' "$README" | sed 1d |
	    sed -n 's/^    \([a-z ]*\): .*/\1/p')
	[ -n "$want" ]
	got=$("$SRT_BIN/srt" --check | sed -n 's/^\([a-z ]*\): .*/\1/p')
	[ "$want" = "$got" ]
}

@test "README print-plan: the plan hides the home" {
	run_block print-plan
	assert_block print-plan
}
