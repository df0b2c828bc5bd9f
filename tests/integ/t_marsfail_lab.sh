#!/bin/sh
# marsfail --lab: a drill on three real marsd processes and 50 emulated
# members (as root each marsd in its own network namespace); the same
# expects as in simulation hold; nothing is left behind -- no marsd, no
# namespace, no directory -- after a normal end and after SIGTERM in the
# middle of a run.  $O is the build tree.
: "${O:=build/rel}"
LC_ALL=C
export LC_ALL

. tests/integ/lib.sh
T=$(mktemp -d "${TMPDIR:-/tmp}/t_marsfail_lab.XXXXXX") || exit 1
BG=""
cleanup() {
	[ -n "$BG" ] && kill -9 "$BG" 2>/dev/null
	rm -rf "$T"
}
trap cleanup EXIT
trap 'exit 1' INT TERM
F=$O/bin/marsfail
TMPDIR=$T
export TMPDIR

timeout 150 "$F" --lab --marsd "$O/bin/marsd" --json -w "$T/lab.pcap" \
    testdata/drills/lab-failover.drill >"$T/out.json" 2>"$T/err"
rc=$?
check "lab drill with three marsd: every expect held (exit $rc)" test $rc -eq 0
[ $rc -eq 0 ] || { cat "$T/err"; grep '"held":false' "$T/out.json"; }
check "lab: JSON lines" json_lines_ok "$T/out.json"
check "lab: the mode is lab" has '"mode":"lab"' "$T/out.json"
check "lab: members kept their CMIs" has '"step":"kill M1".*"cmi_kept":50' "$T/out.json"
if [ "$(id -u)" = 0 ]; then
	check "lab: the control traffic as a pcap" test -s "$T/lab.pcap"
	"$O/bin/marsdump" --stats -r "$T/lab.pcap" >"$T/stats" 2>&1
	check "lab: marsdump reads the pcap" has 'MARS_REDIRECT_MAP' "$T/stats"
	check "lab: no namespace left" sh -c "! ip netns list 2>/dev/null | grep -q '^mf'"
else
	skip "lab pcap and namespaces: not root"
fi
check "lab: its directory removed" sh -c "! ls '$T' | grep -q '^marsfail\.'"

# SIGTERM in the middle: every marsd it started goes, and the rest.
"$F" --lab --marsd "$O/bin/marsd" -q testdata/drills/lab-failover.drill \
    >/dev/null 2>&1 &
BG=$!
kids() { pgrep -P "$BG" 2>/dev/null | tr '\n' ' '; }
three() { K=$(kids); [ "$(echo $K | wc -w)" -ge 3 ]; }
wait_for 30 three
K=$(kids)
check "SIGTERM test: three marsd running ($K)" test "$(echo $K | wc -w)" -ge 3
kill -TERM "$BG"
gone() { for p in $K; do kill -0 "$p" 2>/dev/null && return 1; done; return 0; }
wait_for 10 gone
check "after SIGTERM: no marsd left" gone
wait "$BG" 2>/dev/null
BG=""
check "after SIGTERM: the lab directory removed" sh -c "! ls '$T' | grep -q '^marsfail\.'"
if [ "$(id -u)" = 0 ]; then
	check "after SIGTERM: no namespace left" sh -c "! ip netns list 2>/dev/null | grep -q '^mf'"
fi
exit $failed
