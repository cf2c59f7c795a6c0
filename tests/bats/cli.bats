#!/usr/bin/env bats
# Command-line basics shared by all four programs.
# srt-run-as: both

@test "every program answers -V with its version" {
	for p in srt-launch srt-proxy srt-bridge srt-monitor; do
		run "$SRT_BIN/$p" -V
		[ "$status" -eq 0 ]
		[[ "$output" == "$p "* ]]
	done
}

@test "every program answers -h with a usage line" {
	for p in srt-launch srt-proxy srt-bridge srt-monitor; do
		run "$SRT_BIN/$p" -h
		[ "$status" -eq 0 ]
		[[ "$output" == *"usage: $p"* ]]
	done
}
