#!/usr/bin/env bats
# Every malformed settings file of tests/corpus/settings stops srt-launch
# before anything runs: exit 125, and on stderr exactly the lines of its
# .expect (the loader's FILE: POINTER: MESSAGE), nothing else.

setup_file() {
	export T="$BATS_FILE_TMPDIR"
}

@test "srt-launch refuses every malformed settings file with its errors" {
	local f name n=0 bad=0 rc
	cd "$SRT_TESTS/corpus/settings"
	for f in *.json; do
		[ -e "$f.known-bug" ] && continue
		n=$((n + 1))
		rc=0
		timeout 20 srt-launch -s "$f" -- touch "$T/ran" >"$T/out" \
		    2>"$T/err" ||
		    rc=$?
		if [ "$rc" -ne 125 ] || ! cmp -s "$T/err" "$f.expect" ||
		    [ -s "$T/out" ] || [ -e "$T/ran" ]; then
			bad=$((bad + 1))
			echo "--- $f: exit $rc"
			diff "$f.expect" "$T/err" | head -5
		fi
	done
	echo "$n files, $bad wrong"
	[ "$n" -ge 100 ]
	[ "$bad" -eq 0 ]
}

@test "srt-launch refuses a settings file over 4 MiB, a FIFO and a directory" {
	truncate -s $((4 * 1024 * 1024 + 1)) "$T/big.json"
	mkfifo "$T/fifo.json"
	for f in big.json fifo.json .; do
		run timeout 20 srt-launch -s "$T/$f" -- touch "$T/ran"
		echo "$f: $status $output"
		[ "$status" -eq 125 ]
		[[ "$output" == *"cannot be read: "* ]]
		[ ! -e "$T/ran" ]
	done
}
