#!/bin/sh
# marsdump read speed, each figure beside its baseline measured in this run:
#   the floor   bench/pcaploop (bare libpcap read loop over the same file)
#   the peers   tshark -r / tshark -T json -r (and tcpdump -r), when installed
# on a capture of BENCH_N (default 1,000,000) MARS_JOIN messages written by
# mkpcaps --joins into build/bench/.  Every measurement is the best wall time
# of BENCH_RUNS (default 3) runs, with hyperfine when it is installed.
# tshark is slow, so it reads a BENCH_TSHARK_N-record prefix (the generator
# is deterministic: the small file is the start of the big one) and its time
# is scaled: startup (a 1-record file) + per-record time x BENCH_N.
#
# Targets: marsdump -r within 3x of the pcap loop and >= 10x faster than
# tshark -r; marsdump --json >= 20x faster than tshark -T json.  This script
# reports; it exits non-zero only when a program fails.
: "${O:=build/rel}"
: "${BENCH_N:=1000000}"
: "${BENCH_TSHARK_N:=100000}"
: "${BENCH_RUNS:=3}"

MK=$O/tests/gen/mkpcaps
LOOP=$O/bench/pcaploop
DUMP=$O/bin/marsdump
DIR=build/bench
BIG=$DIR/joins-$BENCH_N.pcap
SMALL=$DIR/joins-$BENCH_TSHARK_N.pcap
ONE=$DIR/joins-1.pcap
status=0

for p in "$MK" "$LOOP" "$DUMP"; do
	if [ ! -x "$p" ]; then
		echo "b_marsdump: $p is not built" >&2
		exit 1
	fi
done
mkdir -p "$DIR" || exit 1

gen() {
	if [ ! -s "$2" ] || [ "$MK" -nt "$2" ]; then
		"$MK" --joins "$1" "$2" || { echo "b_marsdump: mkpcaps failed" >&2; exit 1; }
	fi
}
gen "$BENCH_N" "$BIG"
gen "$BENCH_TSHARK_N" "$SMALL"
gen 1 "$ONE"

if command -v hyperfine >/dev/null 2>&1; then
	timer=hyperfine
else
	timer=date
fi

# best_time CMDLINE: print the best wall time in seconds; fail if CMDLINE does.
best_time() {
	if [ "$timer" = hyperfine ]; then
		json=$DIR/hyperfine.json
		hyperfine --runs "$BENCH_RUNS" --style none --export-json "$json" \
		    "$1" >/dev/null 2>&1 || return 1
		sed -n 's/.*"min": *\([0-9.eE+-]*\).*/\1/p' "$json" | head -n 1
		rm -f "$json"
		return 0
	fi
	best=
	i=0
	while [ "$i" -lt "$BENCH_RUNS" ]; do
		t0=$(date +%s.%N)
		sh -c "$1" >/dev/null 2>&1 || return 1
		t1=$(date +%s.%N)
		best=$(awk -v a="$t0" -v b="$t1" -v best="$best" \
		    'BEGIN { d = b - a; if (best == "" || d < best + 0) printf "%.6f", d; else print best }')
		i=$((i + 1))
	done
	echo "$best"
}

# measure NAME CMDLINE: sets variable NAME to the time, or "" on failure.
measure() {
	if t=$(best_time "$2") && [ -n "$t" ]; then
		eval "$1=\$t"
	else
		echo "b_marsdump: FAILED: $2" >&2
		eval "$1="
		status=1
	fi
}

measure t_loop "$LOOP $BIG > /dev/null"
measure t_dump "$DUMP -r $BIG > /dev/null"
measure t_json "$DUMP --json -r $BIG > /dev/null"

# marsdump must really print one line per message for the figures to mean
# anything: check on the prefix file.
lines=$("$DUMP" -r "$SMALL" 2>/dev/null | wc -l)

have_tshark=no
if command -v tshark >/dev/null 2>&1; then
	have_tshark=yes
	# Startup is short and noisy on a shared machine: more runs.
	runs=$BENCH_RUNS
	BENCH_RUNS=$((runs + 2))
	measure s_tshark "tshark -r $ONE > /dev/null 2>&1"
	measure s_tjson "tshark -T json -r $ONE > /dev/null 2>&1"
	BENCH_RUNS=$runs
	measure p_tshark "tshark -r $SMALL > /dev/null 2>&1"
	measure p_tjson "tshark -T json -r $SMALL > /dev/null 2>&1"
fi
have_tcpdump=no
if command -v tcpdump >/dev/null 2>&1; then
	have_tcpdump=yes
	measure t_tcpdump "tcpdump -n -r $BIG > /dev/null 2>&1"
fi

# Scale a prefix time: startup + (prefix - startup) * N / prefix_n; when
# noise makes the startup look longer than the prefix, plain p * N / prefix_n.
scale() {
	[ -n "$1" ] && [ -n "$2" ] || return 0
	awk -v s="$1" -v p="$2" -v n="$BENCH_N" -v k="$BENCH_TSHARK_N" \
	    'BEGIN { d = p - s; if (d <= 0) { s = 0; d = p }
	    printf "%.6f", s + d * n / k }'
}
t_tshark=$(scale "${s_tshark:-}" "${p_tshark:-}")
t_tjson=$(scale "${s_tjson:-}" "${p_tjson:-}")

size=$(wc -c < "$BIG" | tr -d ' ')
echo
echo "marsdump read speed: $BENCH_N MARS_JOIN records ($size octets, LINKTYPE_ATM_RFC1483)"
echo "best of $BENCH_RUNS runs, timed with $timer; wall time per whole run"
echo
printf '%-28s %10s %12s  %-30s %10s  %s\n' measurement seconds records/s \
    baseline ratio target
awk -v n="$BENCH_N" \
    -v loop="${t_loop:-}" -v dump="${t_dump:-}" -v json="${t_json:-}" \
    -v tsh="${t_tshark:-}" -v tjs="${t_tjson:-}" -v tcd="${t_tcpdump:-}" \
    -v has_tsh="$have_tshark" -v has_tcd="$have_tcpdump" '
function rate(t) { return t > 0 ? sprintf("%.0f", n / t) : "-" }
function row(name, t, base, bname, kind, goal,    r, ok, rs, ts) {
	ts = t == "" ? "FAILED" : sprintf("%.3f", t)
	if (t == "" || base == "" || bname == "") {
		printf "%-28s %10s %12s  %-30s %10s  %s\n", name, ts,
		    t == "" ? "-" : rate(t), bname == "" ? "-" : bname, "-", goal
		return
	}
	if (kind == "within") {
		r = t / base
		rs = sprintf("%.2fx", r)
		ok = r <= 3 ? "met" : "MISSED"
	} else if (kind == "faster") {
		r = base / t
		rs = sprintf("%.1fx", r)
		ok = r >= (goal ~ /20x/ ? 20 : 10) ? "met" : "MISSED"
	} else if (kind == "ratio") {
		r = t / base
		rs = sprintf("%.2fx", r)
		ok = ""
	} else {
		r = base / t
		rs = sprintf("%.1fx", r)
		ok = ""
	}
	printf "%-28s %10s %12s  %-30s %10s  %s%s\n", name, ts, rate(t),
	    sprintf("%s %.3f s", bname, base), rs, goal, ok == "" ? "" : ": " ok
}
BEGIN {
	row("pcaploop (floor)", loop, "", "", "", "")
	row("marsdump -r", dump, loop, "pcaploop", "within",
	    "time <= 3x pcaploop")
	if (has_tsh == "yes")
		row("marsdump -r", dump, tsh, "tshark -r (scaled)", "faster",
		    ">= 10x faster than tshark -r")
	if (has_tcd == "yes")
		row("marsdump -r", dump, tcd, "tcpdump -r", "info",
		    "(reference, faster by)")
	row("marsdump --json -r", json, loop, "pcaploop", "ratio",
	    "(time / pcaploop)")
	if (has_tsh == "yes") {
		row("marsdump --json -r", json, tjs, "tshark -T json (scaled)",
		    "faster", ">= 20x faster than tshark -T json")
		row("tshark -r (scaled)", tsh, "", "", "", "")
		row("tshark -T json -r (scaled)", tjs, "", "", "", "")
	}
	if (has_tcd == "yes")
		row("tcpdump -n -r", tcd, "", "", "", "")
}'
echo
if [ "$have_tshark" = yes ]; then
	echo "tshark figures: measured on a $BENCH_TSHARK_N-record prefix and scaled to $BENCH_N records:"
	awk -v a="${s_tshark:-0}" -v b="${p_tshark:-0}" -v c="${s_tjson:-0}" \
	    -v d="${p_tjson:-0}" -v k="$BENCH_TSHARK_N" 'BEGIN {
		printf "  tshark -r:         startup %.3f s (1-record file), %d records %.3f s\n", a, k, b
		printf "  tshark -T json -r: startup %.3f s (1-record file), %d records %.3f s\n", c, k, d
		printf "  scaled = startup + (prefix - startup) x %s\n", "N / prefix"
	}'
	echo "  with N = $BENCH_N."
else
	echo "tshark is not installed: no tshark comparison."
fi
if [ "$lines" -ne "$BENCH_TSHARK_N" ]; then
	echo "note: marsdump -r printed $lines lines for $BENCH_TSHARK_N records."
fi
exit $status
