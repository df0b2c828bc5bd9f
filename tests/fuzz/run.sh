#!/bin/sh
# `make fuzz': run each libFuzzer harness build/fuzz/fuzz_NAME on its seed
# corpus testdata/fuzz/NAME and on what earlier runs found
# (build/fuzz/NAME.corpus), for SECONDS each, or for RUNS inputs when RUNS
# is set, then print one table: inputs run (libFuzzer's
# stat::number_of_executed_units), inputs per second, wall time, result.
#
#   sh tests/fuzz/run.sh SECONDS RUNS NAME...
#
# FUZZ_OPTS adds libFuzzer options, e.g. -entropic=0: with a corpus of
# thousands of inputs the entropic schedule's bookkeeping
# (InputCorpus::UpdateFeatureFrequency) can cost more than the target.
# Crash inputs are written as build/fuzz/NAME-crash-*; the log of each
# run is build/fuzz/NAME.log, the table also build/fuzz/summary.txt.
# Exits 1 when a harness failed.
SECONDS_EACH=${1:-30}
RUNS=$2
shift 2
FZ=build/fuzz
LC_ALL=C
export LC_ALL
# A finding is a leak or an allocation no input should cause, too.
OPTS="-print_final_stats=1 -timeout=25 -rss_limit_mb=2048 -malloc_limit_mb=512 ${FUZZ_OPTS:-}"
if [ -n "$RUNS" ]; then
	OPTS="$OPTS -runs=$RUNS"
else
	OPTS="$OPTS -max_total_time=$SECONDS_EACH"
fi
TABLE=$(mktemp "${TMPDIR:-/tmp}/fuzz.XXXXXX") || exit 1
status=0
for n in "$@"; do
	mkdir -p "$FZ/$n.corpus"
	t0=$(date +%s)
	"$FZ/fuzz_$n" $OPTS -artifact_prefix="$FZ/$n-" "$FZ/$n.corpus" \
	    "testdata/fuzz/$n" >"$FZ/$n.log" 2>&1
	rc=$?
	t1=$(date +%s)
	units=$(sed -n 's/^stat::number_of_executed_units: *//p' "$FZ/$n.log" | tail -n 1)
	rate=$(sed -n 's/^stat::average_exec_per_sec: *//p' "$FZ/$n.log" | tail -n 1)
	if [ "$rc" -eq 0 ]; then
		result=ok
	else
		result="FAILED (exit $rc, see $FZ/$n.log)"
		status=1
	fi
	printf '%-8s %12s %10s %8s  %s\n' "$n" "${units:-?}" "${rate:-?}" \
	    "$((t1 - t0))" "$result" >>"$TABLE"
	tail -n 1 "$TABLE"
done
echo
printf '%-8s %12s %10s %8s  %s\n' harness inputs inputs/s seconds result
cat "$TABLE"
cp "$TABLE" "$FZ/summary.txt"
rm -f "$TABLE"
exit $status
