#!/usr/bin/env bash
# Every benchmark, one after the other (`make bench`).  Each prints its
# own summary; add a line per benchmark.
set -eu
here=$(cd "$(dirname "$0")" && pwd)
"$here/startup.sh" "$@"
"$here/net.sh"
"$here/observer.sh"
