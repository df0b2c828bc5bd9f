#!/bin/sh
# marsmap as a user runs it: the expected findings of every test capture
# (testdata/map/*.expect: exit status, rule verdicts, key findings and
# their frames), the report, --json, -l, the errors with exit 2, a live
# cluster member (-m) beside a real marsd with members coming and going,
# and -i lo when root.  Every process started here is killed by PID;
# every wait is bounded.  $O is the build tree.
: "${O:=build/rel}"
LC_ALL=C
export LC_ALL

MM=$O/bin/marsmap
MARSD=$O/bin/marsd
G=$O/tests/gen
T=$(mktemp -d "${TMPDIR:-/tmp}/t_marsmap.XXXXXX") || exit 1
PIDS=""
cleanup() {
	for p in $PIDS; do kill "$p" 2>/dev/null; done
	for p in $PIDS; do wait "$p" 2>/dev/null; done
	rm -rf "$T"
}
trap cleanup EXIT
trap 'exit 1' INT TERM

. tests/integ/lib.sh
run() { "$MM" "$@" >"$T/out" 2>"$T/err"; rc=$?; }
show() { sed 's/^/# /' "$T/out" "$T/err" | head -20; }
# json_get FILE EXPR: a value of the JSON document, printed by python.
json_get() {
	python3 -c 'import json,sys; d=json.load(open(sys.argv[1])); print(eval(sys.argv[2]))' "$1" "$2"
}

[ -x "$MM" ] || { echo "not ok - $MM not built"; exit 1; }

# --- the expected findings of the test captures ---------------------------
if python3 tests/integ/map_expect.py "$MM" testdata/map/*.expect >"$T/expect"; then
	ok "testdata/map/*.expect: $(grep -c '^ok' "$T/expect") expectations met"
else
	grep '^not ok' "$T/expect" | sed 's/^/# /'
	notok "testdata/map/*.expect: $(grep -c '^not ok' "$T/expect") expectations failed"
fi

# --- the report -----------------------------------------------------------
run -r testdata/map/omit-dead.pcap -c testdata/map/omit-dead.conf
check "a broken rule exits 1" [ "$rc" -eq 1 ]
for s in "MARS entities" "Epochs" "Current redirect maps" "Members" "Rules" "Findings (1)" "BROKEN: 1 rule broken"; do
	check "the report has \"$s\"" has "$s" "$T/out"
done
check "the report names the finding's rule, frame and section" \
    grep -q 'redirect-whole-group (error) frame [0-9]' "$T/out"
check "the finding cites the draft section" has 'draft-armitage-ion-mars-scsp-03 §3.5' "$T/out"
check "the entities carry the cluster file's names and roles" \
    grep -q '^  m1 .* active ' "$T/out"
run -r testdata/map/failover.pcap -c testdata/map/failover.conf
check "every rule held: exit 0, OK" sh -c "[ $rc -eq 0 ] && grep -q '^OK: 0 rules broken' '$T/out'"
check "members with their CMI per registration" grep -q ' [0-9]*@m1 [0-9]*@m2 [0-9]*@m1' "$T/out"

# --- --json ---------------------------------------------------------------
"$MM" --json -r testdata/map/loadshare.pcap -c testdata/map/loadshare.conf >"$T/j" 2>"$T/err"
rc=$?
check "--json is one JSON document" json_ok "$T/j"
check "--json: type report first" grep -q '^{"type":"report",' "$T/j"
check "--json: every rule has a verdict" [ "$(json_get "$T/j" 'len(d["rules"])')" = 16 ]
check "--json: partitions and their maps" [ "$(json_get "$T/j" 'sorted(m["partition"] for m in d["maps"])')" = "['blue', 'red']" ]
check "--json: the reconstructed entities" [ "$(json_get "$T/j" '[m["name"] for m in d["mars"]]')" = "['a1', 'b1', 'p1', 'p2']" ]
check "--json: the CSN sequences of each MARS" \
    [ "$(json_get "$T/j" 'sum(1 for q in d["csn"] if q["mars"] == "a1")')" -ge 1 ]
check "--json: members carry CMIs from their partition's block" \
    [ "$(json_get "$T/j" 'sorted(m["cmi"] > 1000 for m in d["members"])')" = "[False, False, True, True]" ]

# --- -l -------------------------------------------------------------------
run -l
check "-l lists the 16 rules" [ "$(grep -c '^[a-z-]* *\(error\|warning\) ' "$T/out")" -eq 16 ]
for r in redirect-whole-group redirect-sender-first redirect-living-first \
    redirect-stable redirect-partition cmi-continuity cmi-unique cmi-block \
    registration-csn csn-sequence redirect-hard-from-backup soft-after-sync \
    mcs-join-suppressed single-active; do
	has "^$r " "$T/out" || { notok "-l lists $r"; continue; }
done
ok "-l names every rule of the issue"
run -l --json
check "-l --json: one rule object per line" [ "$(grep -c '^{"type":"rule",' "$T/out")" -eq 16 ]
check "-l --json lines parse" json_lines_ok "$T/out"

# --- errors: exit 2 with a clear message ------------------------------------
run
check "no mode: exit 2" sh -c "[ $rc -eq 2 ] && grep -q 'one of -r, -i, -m or --cluster' '$T/err'"
run -r testdata/map/failover.pcap --rules redirect-whole-grup
check "a bad rule name: exit 2 naming it" sh -c "[ $rc -eq 2 ] && grep -q 'unknown rule \"redirect-whole-grup\"' '$T/err'"
run -r "$T/missing.pcap"
check "a missing capture: exit 2" sh -c "[ $rc -eq 2 ] && grep -q 'missing.pcap' '$T/err'"
echo "not a capture" >"$T/bad.pcap"
run -r "$T/bad.pcap"
check "an unreadable capture: exit 2" [ "$rc" -eq 2 ]
head -c 30000 testdata/map/failover.pcap >"$T/cut.pcap"
run -r "$T/cut.pcap"
check "a truncated capture: exit 2 naming the record, report still printed" \
    sh -c "[ $rc -eq 2 ] && grep -q 'record [0-9]*' '$T/err' && grep -q '^Rules' '$T/out'"
printf '[cluster]\nredirect-interval = soon\n' >"$T/bad.conf"
run -r testdata/map/failover.pcap -c "$T/bad.conf"
check "a bad cluster file: exit 2 with file:line" sh -c "[ $rc -eq 2 ] && grep -q 'bad.conf:2:' '$T/err'"
run --json -r testdata/map/failover.pcap --rules nope
check "--json: the error is a mars-json(7) object" sh -c "[ $rc -eq 2 ] && grep -q '^{\"type\":\"error\",\"program\":\"marsmap\",\"message\":' '$T/err'"
run --tui -r testdata/map/failover.pcap </dev/null
check "--tui without a terminal: exit 2" [ "$rc" -eq 2 ]
run -r testdata/map/failover.pcap -w 1s
check "-w without a live mode: exit 2" [ "$rc" -eq 2 ]
run --version
check "--version" grep -q '^marsmap [0-9]' "$T/out"

# --- a live cluster member (-m) beside marsd ---------------------------------
"$MARSD" --listen udp:127.0.0.1:0 --atm 47000580ffe1000000f21a26d80020ea00000100 \
    --redirect-interval 300ms --admin "$T/s" --ready-fd 3 3>"$T/ready" 2>"$T/marsd.err" &
PIDS="$PIDS $!"
if wait_for 10 test -s "$T/ready"; then
	EP=$(cat "$T/ready")
	"$MM" -m "$EP" -w 4s >"$T/m.out" 2>"$T/m.err" &
	MPID=$!
	PIDS="$PIDS $MPID"
	# "member of the cluster" is said before the registration is answered:
	# wait until marsd holds the member, so that it is on ClusterControlVC.
	wait_for 5 sh -c "'$G/adminq' '$T/s' show members 2>/dev/null | grep -q 'state=registered'"
	"$G/labsend" -w 300 "$EP" register:7 join:7:224.7.7.7 >/dev/null 2>&1
	"$G/labsend" -w 300 "$EP" register:8 join:8:224.7.7.8 deregister:8 >/dev/null 2>&1
	wait_for 10 sh -c "! kill -0 $MPID 2>/dev/null"
	wait "$MPID" 2>/dev/null
	mrc=$?
	check "-m: the member's run ends at -w with exit 0" [ "$mrc" -eq 0 ]
	check "-m: it saw the MARS's periodic maps" grep -q 'redirect-whole-group *held' "$T/m.out"
	check "-m: CSN sequence held on ClusterControlVC" grep -q 'csn-sequence *held' "$T/m.out"
	check "-m: it saw the other members join on ClusterControlVC" grep -q '224.7.7.7' "$T/m.out"
	check "-m: the MARS named itself in its map" grep -q '^  -  *47000580ffe1000000f21a26d80020ea00000100 active' "$T/m.out"
	"$MM" --json -m "$EP" -w 1500ms >"$T/mj" 2>/dev/null
	tail -n 1 "$T/mj" >"$T/mj1"
	check "-m --json: the report is one JSON document" json_ok "$T/mj1"
else
	notok "marsd did not start"; sed 's/^/# /' "$T/marsd.err"
fi

# --- --cluster: a member of a cluster file's cluster -------------------------
PORT1=$("$G/freeport" 1)
cat >"$T/one.conf" <<EOF
[cluster]
redirect-interval = 250ms
[mars solo]
atm      = 47.0005.80ffe1000000f21a26d8.0020ea000009.00
endpoint = udp:127.0.0.1:$PORT1
EOF
"$MARSD" -c "$T/one.conf" --admin "$T/s1" --ready-fd 3 3>"$T/ready1" 2>"$T/marsd1.err" &
PIDS="$PIDS $!"
if wait_for 10 test -s "$T/ready1"; then
	"$MM" --cluster "$T/one.conf" -w 2s >"$T/c.out" 2>"$T/c.err"
	crc=$?
	check "--cluster: exit 0" [ "$crc" -eq 0 ]
	check "--cluster: the entity by its name in the file, Active" grep -q '^  solo .* active ' "$T/c.out"
	check "--cluster: its registration seen" grep -q '@solo' "$T/c.out"
else
	notok "marsd -c did not start"; sed 's/^/# /' "$T/marsd1.err"
fi

# --- -i lo, as root --------------------------------------------------------
if [ "$(id -u)" != 0 ]; then
	skip "-i lo needs root"
elif [ -z "${EP:-}" ]; then
	notok "-i lo: no marsd"
else
	PORT=${EP##*:}
	"$MM" -i lo -f "udp port $PORT" -w 3s >"$T/i.out" 2>"$T/i.err" &
	IPID=$!
	PIDS="$PIDS $IPID"
	if wait_for 10 grep -qs "listening on lo" "$T/i.err"; then
		"$G/labsend" -w 300 "$EP" register:9 join:9:224.9.9.1 >/dev/null 2>&1
		wait_for 10 sh -c "! kill -0 $IPID 2>/dev/null"
		wait "$IPID" 2>/dev/null
		check "-i lo: live capture checked, registration seen" grep -q '^  47000580ffe1000000f21a26d8002048000009' "$T/i.out"
		check "-i lo: CSN sequence held" grep -q 'csn-sequence *held' "$T/i.out"
	else
		notok "-i lo: marsmap did not listen"; sed 's/^/# /' "$T/i.err"
	fi
fi

exit $failed
