#!/usr/bin/env bash
# make bench: every bench/*.sh except this one and lib.sh, in one invocation.
set -u
dir=$(cd "$(dirname "$0")" && pwd)
rc=0
for b in "$dir"/*.sh; do
	case $(basename "$b") in run.sh | lib.sh) continue ;; esac
	echo "== $(basename "$b" .sh)"
	"$b" || rc=1
done
exit $rc
