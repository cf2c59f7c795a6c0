#!/usr/bin/env bats
# make install, the man pages and each program's -h, checked against one
# another in the checkout ($SRT_SRC).
# srt-run-as: root

PROGRAMS="srt-launch srt-proxy srt-bridge srt-monitor"

setup() {
	[ -n "${SRT_SRC:-}" ] && [ -f "$SRT_SRC/GNUmakefile" ] ||
	    skip "SRT_SRC does not name the checkout (tests/run.sh sets it)"
	T=$(mktemp -d /tmp/srt-install.XXXXXX)
}

teardown() {
	[ -z "${T:-}" ] || rm -rf "$T"
}

# page PROGRAM: its man page in the checkout, or nothing.
page() {
	ls "$SRT_SRC"/man/"$1".[1-8] 2>/dev/null | head -1
}

# options: the option names in a usage text or SYNOPSIS, one a line.
options() {
	grep -oE '\[-[A-Za-z]+\]|\[-[A-Za-z] |--[a-z][a-z-]*' |
	    while read -r o; do
		case $o in
		--*) echo "$o" ;;
		*) o=${o#[-}; o=${o%]}; o=${o% }
		   for ((i = 0; i < ${#o}; i++)); do echo "-${o:i:1}"; done ;;
		esac
	    done | sort -u
}

@test "make install DESTDIR PREFIX=/usr: programs, the srt link, every man page" {
	run make -s -C "$SRT_SRC" install DESTDIR="$T" PREFIX=/usr
	[ "$status" -eq 0 ] || { echo "$output"; return 1; }
	for p in $PROGRAMS; do
		[ -x "$T/usr/bin/$p" ]
	done
	[ "$(readlink "$T/usr/bin/srt")" = srt-launch ]
	n=0
	for m in "$SRT_SRC"/man/*.[1-8]; do
		s=${m##*.}
		cmp "$m" "$T/usr/share/man/man$s/$(basename "$m")"
		n=$((n + 1))
	done
	[ "$n" -ge 5 ]
	[ "$(readlink "$T/usr/share/man/man1/srt.1")" = srt-launch.1 ]
	# Nothing lands outside DESTDIR's PREFIX.
	[ "$(ls "$T")" = usr ]
}

@test "the installed srt link runs srt-launch" {
	make -s -C "$SRT_SRC" install DESTDIR="$T" PREFIX=/usr
	run "$T/usr/bin/srt" -V
	[ "$status" -eq 0 ]
	[[ "$output" == "srt "[0-9]* ]]
}

@test "every man page is clean under mandoc -Tlint -W warning" {
	command -v mandoc >/dev/null || skip "mandoc is not installed"
	for m in "$SRT_SRC"/man/*.[1-8]; do
		run mandoc -Tlint -W warning "$m"
		[ "$status" -eq 0 ] || { echo "$m: $output"; return 1; }
	done
}

@test "every program has a man page" {
	for p in $PROGRAMS; do
		[ -n "$(page "$p")" ] ||
		    skip "man/$p.[1-8] is not written yet"
	done
}

@test "every option in each program's -h is in its man page's SYNOPSIS" {
	command -v mandoc >/dev/null || skip "mandoc is not installed"
	checked=0
	for p in $PROGRAMS; do
		m=$(page "$p")
		[ -n "$m" ] || continue
		usage=$("$SRT_BIN/$p" -h 2>&1 | options)
		[ -n "$usage" ]
		syn=$(mandoc -Tascii "$m" | col -b |
		    sed -n '/^SYNOPSIS/,/^DESCRIPTION/p' | options)
		missing=$(comm -23 <(echo "$usage") <(echo "$syn"))
		[ -z "$missing" ] ||
		    { echo "$m SYNOPSIS lacks:" $missing; return 1; }
		extra=$(comm -13 <(echo "$usage") <(echo "$syn"))
		[ -z "$extra" ] ||
		    { echo "$m SYNOPSIS has, -h has not:" $extra; return 1; }
		checked=$((checked + 1))
	done
	[ "$checked" -ge 3 ]
}

@test "every option in each SYNOPSIS is described in the page" {
	command -v mandoc >/dev/null || skip "mandoc is not installed"
	for p in $PROGRAMS; do
		m=$(page "$p")
		[ -n "$m" ] || continue
		text=$(mandoc -Tascii "$m" | col -b)
		for o in $(sed -n '/^SYNOPSIS/,/^DESCRIPTION/p' <<<"$text" |
		    options); do
			grep -qE "^ +$o([[:space:]]|$)" <<<"$text" ||
			    { echo "$m: $o has no entry"; return 1; }
		done
	done
}
