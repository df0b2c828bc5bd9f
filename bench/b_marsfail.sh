#!/bin/sh
# marsfail: wall time of failover drills in simulation (1,000 and 10,000
# members), each beside its baseline from the same run -- the same
# members with no fault; explore's schedules a minute; in the lab (root),
# 1,000 emulated members re-registering after the Active is killed.
: "${O:=build/rel}"
F=$O/bin/marsfail
t() { s=$(date +%s.%N); "$@" >/dev/null 2>&1; rc=$?; e=$(date +%s.%N); echo "$(awk "BEGIN{printf \"%.2f\", $e - $s}") rc=$rc"; }
for n in 1000 10000; do
	echo "marsfail sim $n members: failover $(t "$F" -q bench/drills/failover-$n.drill) s, baseline (no fault) $(t "$F" -q bench/drills/steady-$n.drill) s"
done
"$F" explore -c drills/ft3.conf --seed 1 --runs 1000 | grep "^explore:" | sed "s/^/marsfail /"
if [ "$(id -u)" = 0 ]; then
	"$F" --lab --marsd "$O/bin/marsd" --json bench/drills/lab-1000.drill |
	    python3 -c 'import json,sys
for l in sys.stdin:
    o = json.loads(l)
    if o["type"] == "phase" and o["step"] == "kill M1":
        print("marsfail lab 1000 members: detected %s ms, re-registered %d, max %s ms (bound: failure-timeout 3 s + 10 s)" % (o["detect_members_ms"], o["reregistered"], o["rereg_max_ms"]))'
fi
