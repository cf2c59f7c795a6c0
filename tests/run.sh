#!/usr/bin/env bash
# Runs the C unit tests and the bats suites and prints one closing line,
# "N passed, N failed, N skipped".  As root, each bats suite runs twice:
# as root and as the unprivileged user srt-test (created here), since
# users run srt both ways.  A suite can narrow that with a line
# "# srt-run-as: root" or "# srt-run-as: user".
#
#   tests/run.sh                 everything
#   tests/run.sh --unit-only     only the C unit tests
#   tests/run.sh FILE.bats...    only these suites
#
# Suites get SRT_BIN, SRT_HELPERS, SRT_TESTS, SRT_TOP (a staged copy),
# SRT_AS, and SRT_SRC: the checkout itself, for the install and man page
# checks (which run as root only).
set -u
top=$(cd "$(dirname "$0")/.." && pwd)
build=${SRT_BUILD:-build}
case $build in /*) ;; *) build=$top/$build ;; esac
unit_only=0
suites=()
for a in "$@"; do
	case $a in
	--unit-only) unit_only=1 ;;
	*) suites+=("$a") ;;
	esac
done

passed=0 failed=0 skipped=0
failures=()
logdir=$(mktemp -d /tmp/srt-test-logs.XXXXXX)

# count_tap NAME LOG: add a TAP log's results to the totals.
count_tap() {
	local name=$1 log=$2 p f s
	p=$(grep -E '^ok ' "$log" | grep -vc '# skip' || true)
	s=$(grep -E '^ok .*# skip' -c "$log" || true)
	f=$(grep -Ec '^not ok ' "$log" || true)
	passed=$((passed + p)) failed=$((failed + f)) skipped=$((skipped + s))
	if [ "$f" -gt 0 ] || [ "${3:-0}" -ne 0 -a "$f" -eq 0 ]; then
		[ "$f" -gt 0 ] || failed=$((failed + 1))
		failures+=("$name")
		echo "---- $name (exit ${3:-0}) ----"
		grep -vE '^ok ' "$log" | head -200
	fi
	printf '%-44s %4d ok %3d failed %3d skipped\n' "$name" "$p" "$f" "$s"
}

run_unit() {
	local t log rc
	for t in "$build"/tests/test_*; do
		[ -x "$t" ] || continue
		log=$logdir/$(basename "$t").log
		timeout 300 "$t" >"$log" 2>&1
		rc=$?
		count_tap "unit/$(basename "$t")" "$log" $rc
	done
}

# Stage binaries and suites where an unprivileged user can read them:
# the checkout may sit under a private home.
stage() {
	stage=$(mktemp -d /tmp/srt-stage.XXXXXX)
	mkdir -p "$stage/bin" "$stage/helpers"
	cp -a "$build"/bin/. "$stage/bin/" 2>/dev/null
	ln -sf srt-launch "$stage/bin/srt"
	cp -a "$build"/tests/helpers/. "$stage/helpers/" 2>/dev/null
	cp -a "$top/tests" "$stage/tests"
	[ -d "$top/contrib" ] && cp -a "$top/contrib" "$stage/contrib"
	[ -f "$top/README.md" ] && cp "$top/README.md" "$stage/README.md"
	chmod -R a+rX "$stage"
}

ensure_user() {
	id srt-test >/dev/null 2>&1 && return 0
	useradd -m -s /bin/bash srt-test >/dev/null 2>&1 ||
	    { echo "cannot create user srt-test" >&2; return 1; }
}

run_bats_as() {
	local who=$1 file=$2 log rc name
	name="bats/$(basename "$file" .bats) ($who)"
	log=$logdir/$(basename "$file").$who.log
	local envs=(SRT_BIN="$stage/bin" SRT_HELPERS="$stage/helpers"
	    SRT_TESTS="$stage/tests" SRT_TOP="$stage" SRT_AS="$who"
	    SRT_SRC="$top"
	    PATH="$stage/bin:/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin")
	if [ "$who" = user ] && [ "$(id -u)" -eq 0 ]; then
		(cd /tmp && timeout 900 setpriv --reuid=srt-test --regid=srt-test \
		    --init-groups env -i HOME=/home/srt-test USER=srt-test \
		    LOGNAME=srt-test TERM=dumb "${envs[@]}" \
		    bats --tap "$stage/tests/bats/$(basename "$file")") \
		    >"$log" 2>&1
	else
		(cd /tmp && timeout 900 env "${envs[@]}" \
		    bats --tap "$stage/tests/bats/$(basename "$file")") \
		    >"$log" 2>&1
	fi
	rc=$?
	count_tap "$name" "$log" $rc
}

run_bats() {
	local f as
	command -v bats >/dev/null || { echo "bats not installed" >&2; failed=$((failed+1)); return; }
	stage
	[ "$(id -u)" -eq 0 ] && ensure_user
	if [ ${#suites[@]} -eq 0 ]; then
		suites=("$top"/tests/bats/*.bats)
	fi
	for f in "${suites[@]}"; do
		[ -f "$f" ] || continue
		as=$(sed -n 's/^# srt-run-as: *//p' "$f" | head -1)
		if [ "$(id -u)" -ne 0 ]; then
			run_bats_as self "$f"
			continue
		fi
		case ${as:-both} in
		root) run_bats_as root "$f" ;;
		user) run_bats_as user "$f" ;;
		*) run_bats_as root "$f"; run_bats_as user "$f" ;;
		esac
	done
	rm -rf "$stage"
}

[ ${#suites[@]} -eq 0 ] && run_unit
[ $unit_only -eq 1 ] || run_bats
rm -rf "$logdir"
[ ${#failures[@]} -eq 0 ] || echo "failed: ${failures[*]}"
echo "$passed passed, $failed failed, $skipped skipped"
[ "$failed" -eq 0 ]
