# Sourced by bench/*.sh (bench/run.sh skips it): the statistics and the
# timer every benchmark shares, so each reports its runs the same way.

# bench_median: the median of the numbers on stdin, one a line.
bench_median() {
	sort -g | awk '{ v[NR] = $1 } END { print v[int((NR + 1) / 2)] }'
}

# bench_spread: "min max" of the numbers on stdin.
bench_spread() {
	sort -g | awk 'NR == 1 { lo = $1 } { hi = $1 } END { print lo, hi }'
}

# bench_time_one CMD...: wall time of one run in microseconds, no fork
# to time.
bench_time_one() {
	local t0 t1
	t0=$EPOCHREALTIME
	"$@" >/dev/null 2>&1
	t1=$EPOCHREALTIME
	echo $(( (${t1/./} - ${t0/./}) ))
}

# bench_load: the load average, so a reader can judge a noisy run.
bench_load() {
	cut -d' ' -f1-3 /proc/loadavg
}

# bench_cpus: the CPUs this benchmark may run on.
bench_cpus() {
	nproc
}
