#!/usr/bin/env bash
# make bench: every bench/*.sh except this one, in one invocation.
set -u
dir=$(cd "$(dirname "$0")" && pwd)
rc=0
for b in "$dir"/*.sh; do
	[ "$(basename "$b")" = run.sh ] && continue
	echo "== $(basename "$b" .sh)"
	"$b" || rc=1
done
exit $rc
