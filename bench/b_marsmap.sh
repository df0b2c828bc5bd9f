#!/bin/sh
# marsmap check speed and memory, each figure beside its baseline
# measured in this run:
#   speed   marsmap -r (every rule checked) against marsdump -r (the
#           one-line decode) of the same capture: BENCH_N (default
#           1,000,000) messages of a busy redundant cluster written by
#           bench/mapgen into build/bench/ (lab traffic, LINKTYPE_RAW:
#           1000 members joining and leaving 100 groups, maps, a
#           failover every 250,000 messages).  Best wall time of
#           BENCH_RUNS (default 3) runs, with hyperfine when installed.
#   memory  marsmap's peak RSS (bench/peakrss, getrusage) checking the
#           same cluster for BENCH_N / 5 and for BENCH_N messages: the
#           population is the same, so what the checker keeps must not
#           grow with the capture.
# Targets: marsmap -r within 3x of marsdump -r; peak RSS flat (the larger
# capture within 1.1x of the smaller).  This script reports; it exits
# non-zero only when a program fails.
: "${O:=build/rel}"
: "${BENCH_N:=1000000}"
: "${BENCH_RUNS:=3}"

GEN=$O/bench/mapgen
RSS=$O/bench/peakrss
DUMP=$O/bin/marsdump
MAP=$O/bin/marsmap
DIR=build/bench
SMALL_N=$((BENCH_N / 5))
BIG=$DIR/map-$BENCH_N.pcap
SMALL=$DIR/map-$SMALL_N.pcap
status=0

for p in "$GEN" "$RSS" "$DUMP" "$MAP"; do
	if [ ! -x "$p" ]; then
		echo "b_marsmap: $p is not built" >&2
		exit 1
	fi
done
mkdir -p "$DIR" || exit 1
gen() {
	if [ ! -s "$2" ] || [ "$GEN" -nt "$2" ]; then
		"$GEN" "$1" "$2" || { echo "b_marsmap: mapgen failed" >&2; exit 1; }
	fi
}
gen "$BENCH_N" "$BIG"
gen "$SMALL_N" "$SMALL"

if command -v hyperfine >/dev/null 2>&1; then
	timer=hyperfine
else
	timer=date
fi

# best_time CMDLINE: the best wall time in seconds; fails if CMDLINE does.
# marsmap exits 1 when a rule is broken, which is no failure here.
best_time() {
	if [ "$timer" = hyperfine ]; then
		json=$DIR/hyperfine.json
		hyperfine --runs "$BENCH_RUNS" --style none -i --export-json \
		    "$json" "$1" >/dev/null 2>&1 || return 1
		sed -n 's/.*"min": *\([0-9.eE+-]*\).*/\1/p' "$json" | head -n 1
		rm -f "$json"
		return 0
	fi
	best=
	i=0
	while [ "$i" -lt "$BENCH_RUNS" ]; do
		t0=$(date +%s.%N)
		sh -c "$1" >/dev/null 2>&1
		[ $? -le 1 ] || return 1
		t1=$(date +%s.%N)
		best=$(awk -v a="$t0" -v b="$t1" -v best="$best" \
		    'BEGIN { d = b - a; if (best == "" || d < best + 0) printf "%.6f", d; else print best }')
		i=$((i + 1))
	done
	echo "$best"
}
measure() {
	if t=$(best_time "$2") && [ -n "$t" ]; then
		eval "$1=\$t"
	else
		echo "b_marsmap: FAILED: $2" >&2
		eval "$1="
		status=1
	fi
}
# peak FILE: marsmap's peak RSS in KiB checking FILE.
peak() {
	"$RSS" "$MAP" -r "$1" 2>&1 >/dev/null | sed -n 's/^peakrss: \([0-9]*\) KiB$/\1/p'
}

measure t_dump "$DUMP -r $BIG > /dev/null"
measure t_map "$MAP -r $BIG > /dev/null"
rss_small=$(peak "$SMALL")
rss_big=$(peak "$BIG")
msgs=$("$MAP" --json -r "$BIG" 2>/dev/null |
    sed -n 's/.*"stats":{"messages":\([0-9]*\),.*/\1/p')

size=$(wc -c < "$BIG" | tr -d ' ')
echo
echo "marsmap check speed: $BENCH_N messages ($size octets, lab traffic, LINKTYPE_RAW)"
echo "best of $BENCH_RUNS runs, timed with $timer; wall time per whole run"
echo
printf '%-24s %10s %12s  %-26s %8s  %s\n' measurement seconds messages/s \
    baseline ratio target
awk -v n="$BENCH_N" -v dump="${t_dump:-}" -v map="${t_map:-}" '
function rate(t) { return t > 0 ? sprintf("%.0f", n / t) : "-" }
BEGIN {
	printf "%-24s %10s %12s  %-26s %8s  %s\n", "marsdump -r (one line)",
	    dump == "" ? "FAILED" : sprintf("%.3f", dump), rate(dump), "-",
	    "-", ""
	if (map == "" || dump == "") {
		printf "%-24s %10s\n", "marsmap -r", "FAILED"
		exit
	}
	r = map / dump
	printf "%-24s %10.3f %12s  %-26s %7.2fx  %s: %s\n", "marsmap -r", map,
	    rate(map), sprintf("marsdump -r %.3f s", dump), r,
	    "time <= 3x marsdump -r", r <= 3 ? "met" : "MISSED"
}'
echo
echo "marsmap peak memory (getrusage ru_maxrss), the same cluster:"
awk -v a="${rss_small:-}" -v b="${rss_big:-}" -v na="$SMALL_N" -v nb="$BENCH_N" 'BEGIN {
	if (a == "" || b == "") { print "  FAILED"; exit }
	printf "  %8d messages: %8d KiB\n", na, a
	printf "  %8d messages: %8d KiB   %.2fx the smaller  target: flat (<= 1.10x): %s\n",
	    nb, b, b / a, b / a <= 1.10 ? "met" : "MISSED"
}'
if [ "${msgs:-0}" != "$BENCH_N" ]; then
	echo "note: marsmap counted ${msgs:-no} messages of $BENCH_N."
fi
exit $status
