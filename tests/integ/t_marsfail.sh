#!/bin/sh
# marsfail in simulation: every drill of the library (drills/) passes,
# in every output format; drills that a marsd fault switch must break;
# drill-file errors (file:line, exit 2); explore with fixed seeds, a
# failure shrunk to a drill that fails again; the conformance command
# against a real marsd in every format; the completions' __complete.  $O is the build
# tree.
: "${O:=build/rel}"
LC_ALL=C
export LC_ALL

. tests/integ/lib.sh
T=$(mktemp -d "${TMPDIR:-/tmp}/t_marsfail.XXXXXX") || exit 1
trap 'kill $pid_good $pid_bad 2>/dev/null; rm -rf "$T"' EXIT
trap 'exit 1' INT TERM
F=$O/bin/marsfail
MARSFAIL_DRILLS=drills
export MARSFAIL_DRILLS

# --- the library, in simulation ---
n_drills=0
for d in drills/*.drill; do
	name=${d##*/}
	name=${name%.drill}
	n_drills=$((n_drills + 1))
	"$F" --json "$name" >"$T/out.json" 2>"$T/err"
	rc=$?
	check "library $name: every expect held (exit $rc)" test $rc -eq 0
	check "library $name: JSON lines" json_lines_ok "$T/out.json"
	check "library $name: the summary says pass" has '"type":"summary","verdict":"pass"' "$T/out.json"
done
check "the library has a drill per scenario (9)" test "$n_drills" -ge 9
"$F" --list >"$T/list"
check "--list names the library" sh -c "grep -qx 3.1-active-failure '$T/list' && test \$(wc -l <'$T/list') -eq $n_drills"

# --- the text report, the verdict line, the measurements ---
"$F" drills/3.1-active-failure.drill >"$T/t.out"
check "text: the one-line verdict last" sh -c "tail -n 1 '$T/t.out' | grep -q '^PASS 3.1-active-failure: 7 of 7 expects held'"
check "text: re-registration percentiles" has 're-registered: 50 of 50 members, p50' "$T/t.out"
check "text: CMI kept by every member" has 'CMI kept by 50, changed for 0' "$T/t.out"
check "text: detection time" has 'failure detected by members after' "$T/t.out"
"$F" drills/3.1-active-failure.drill >"$T/t2.out"
check "the same seed, the same report" sh -c "grep -v 'cluster time in' '$T/t.out' >'$T/a'; grep -v 'cluster time in' '$T/t2.out' >'$T/b'; cmp -s '$T/a' '$T/b'"
"$F" --seed 7 drills/3.1-active-failure.drill >"$T/t3.out"
check "another seed, other times" sh -c "! cmp -s '$T/t.out' '$T/t3.out'"

# --- TAP and JUnit ---
"$F" --tap drills/3.4-reintroduction.drill >"$T/tap"
check "tap: plan and one ok per expect" sh -c "grep -qx '1\.\.10' '$T/tap' && test \$(grep -c '^ok ' '$T/tap') -eq 10"
"$F" --junit drills/3.4-reintroduction.drill >"$T/junit.xml"
check "junit: well-formed, 10 testcases, no failure" python3 -c '
import sys, xml.etree.ElementTree as E
s = E.parse(sys.argv[1]).getroot().find("testsuite")
assert s.get("tests") == "10" and s.get("failures") == "0", s.attrib
assert len(s.findall("testcase")) == 10' "$T/junit.xml"

# --- the fault switches make rules fail ---
"$F" testdata/drills/fresh-cmi.drill >"$T/fc" 2>&1
check "fresh-cmi: cmi-continuity broken, as expected (exit 0)" test $? -eq 0
"$F" --tap testdata/drills/fresh-cmi-fails.drill >"$T/fcf" 2>&1
rc=$?
check "fresh-cmi: expect cmi-continuity fails (exit 1)" test $rc -eq 1
check "fresh-cmi: the TAP line says why" has '^not ok .*cmi-continuity.*broken' "$T/fcf"
"$F" --junit testdata/drills/fresh-cmi-fails.drill >"$T/fcf.xml"
check "junit: one failure" python3 -c '
import sys, xml.etree.ElementTree as E
s = E.parse(sys.argv[1]).getroot().find("testsuite")
assert s.get("failures") == "1", s.attrib' "$T/fcf.xml"
"$F" testdata/drills/omit-dead.drill >/dev/null 2>&1
check "omit-dead: redirect-whole-group broken" test $? -eq 0

# --- drill-file errors: file:line, exit 2 ---
bad() {	# bad FILE LINE TEXT
	"$F" "testdata/drills/bad/$1" >"$T/bo" 2>"$T/be"
	rc=$?
	check "error $1: exit 2" test $rc -eq 2
	check "error $1: names $1:$2" has "testdata/drills/bad/$1:$2: $3" "$T/be"
}
bad unknown.drill 3 'unknown directive "kil"'
bad entity.drill 3 'no MARS entity "M9"'
bad order.drill 2 'kill before start'
bad duration.drill 3 'bad duration "5x"'
bad rule.drill 3 'expect: unknown "bogus-rule"'
bad cluster.drill 1 'cluster nowhere.conf'
bad partition.drill 3 'partition needs MARS entities on both sides'
"$F" testdata/drills/bad/nostart.drill 2>"$T/be"
check "error nostart.drill: exit 2, no start line" sh -c "test $? -eq 2 && grep -q 'no .start. line' '$T/be'"
"$F" testdata/drills/bad/fault.drill 2>"$T/be"
check "error fault.drill: fault-injection needed" sh -c "test $? -eq 2 && grep -q 'fault-injection' '$T/be'"
"$F" --json testdata/drills/bad/unknown.drill 2>"$T/be"
check "error under --json: an error object with file and line" python3 -c '
import json, sys
o = json.loads(open(sys.argv[1]).readline())
assert o["type"] == "error" and o["line"] == 3 and o["file"].endswith("unknown.drill"), o' "$T/be"
"$F" nosuchdrill 2>"$T/be"
check "a missing drill: exit 2" test $? -eq 2
"$F" --bogus 2>/dev/null
check "a bad option: exit 2" test $? -eq 2

# --- explore ---
"$F" explore -c drills/ft3.conf --seed 3 --runs 1 >"$T/ex1"
check "explore --seed 3: the schedule holds every invariant" sh -c "test $? -eq 0 && grep -q ', 0 failed' '$T/ex1'"
# seed 340: an old incarnation's withdrawn registration came after
# another entity's live join of the member and took the membership with it
"$F" explore -c drills/ft3.conf --seed 340 --runs 1 >"$T/ex340"
check "explore --seed 340: no membership lost at the Active" test $? -eq 0
"$F" explore -c drills/ft3.conf --seed 3 --runs 1 >"$T/ex2"
check "explore: reproducible from the seed" sh -c "sed 's/; [0-9.]* s.*//' '$T/ex1' >'$T/a'; sed 's/; [0-9.]* s.*//' '$T/ex2' >'$T/b'; cmp -s '$T/a' '$T/b'"
"$F" explore -c drills/ft3.conf --seed 1 --runs 5 --fault omit-dead >"$T/exf"
check "explore --fault omit-dead: a failure (exit 1)" test $? -eq 1
check "explore: the seed and the rule" has '^first failure, seed 1: .*redirect-whole-group' "$T/exf"
sed -n '/^# marsfail explore/,$p' "$T/exf" >"$T/min.drill"
check "explore: a minimal drill, shrunk" sh -c "test \$(grep -c '^kill\|^hang\|^partition\|^restart' '$T/min.drill') -le 2"
"$F" -q "$T/min.drill" >"$T/minrun" 2>&1
check "explore: the minimal drill fails again when run" test $? -eq 1
"$F" explore -c drills/ft3.conf --seed 10 --runs 20 --json >"$T/exj"
check "explore --json: one explore object last" sh -c "tail -n 1 '$T/exj' | grep -q '^{\"type\":\"explore\"'"

# --- conformance: the command line against a real marsd ---
# A lone marsd sending a map every second; the four cases its
# stale-checksum fault breaks one of, in every output format.
MARSD=$O/bin/marsd
lone() {	# lone NAME [marsd options]: a marsd on an ephemeral port
	name=$1; shift
	"$MARSD" --listen udp:127.0.0.1:0 \
	    --atm 4700058000000000000000000000000000000100 \
	    --redirect-interval 1s --admin "$T/$name.sock" --ready-fd 3 "$@" \
	    3>"$T/$name.ready" 2>"$T/$name.log" &
	eval "pid_$name=$!"
	wait_for 10 test -s "$T/$name.ready"
}
CASES=register-cmi,request-nak,checksum-reply,redirect-map
if lone good && lone bad --fault-injection --fault stale-checksum; then
	EP=$(cat "$T/good.ready")
	BAD=$(cat "$T/bad.ready")
	"$F" --live -m "$EP" conformance --only $CASES >"$T/cf"
	check "conformance: a conforming marsd, exit 0" test $? -eq 0
	check "conformance: a line per case and the verdict" sh -c "grep -v '^PASS conformance of' '$T/cf' | grep -c '^PASS ' | grep -qx 4 && tail -n 1 '$T/cf' | grep -q '^PASS conformance of $EP: 4 passed, 0 failed, 0 skipped'"
	"$F" --live -m "$BAD" conformance --only $CASES >"$T/cfb"
	check "conformance: stale checksums fail checksum-reply (exit 1)" sh -c "test $? -eq 1 && grep -q '^FAIL checksum-reply' '$T/cfb'"
	"$F" --live -m "$BAD" conformance --only $CASES --json >"$T/cfj"
	check "conformance --json: JSON lines" json_lines_ok "$T/cfj"
	check "conformance --json: cases and a summary" sh -c "grep -c '\"type\":\"case\"' '$T/cfj' | grep -qx 4 && grep -q '\"type\":\"summary\",\"verdict\":\"fail\"' '$T/cfj'"
	"$F" --live -m "$BAD" conformance --only $CASES --tap >"$T/cft"
	check "conformance --tap: a plan and a not ok" sh -c "grep -qx '1..4' '$T/cft' && grep -q '^not ok [0-9] - checksum-reply' '$T/cft'"
	"$F" --live -m "$BAD" conformance --only $CASES --junit >"$T/cfx"
	check "conformance --junit: one failure" python3 -c '
import sys, xml.etree.ElementTree as E
s = E.parse(sys.argv[1]).getroot().find("testsuite")
assert s.get("failures") == "1" and s.get("tests") == "4", s.attrib' "$T/cfx"
else
	notok "conformance: marsd did not start"
fi
kill "$pid_good" "$pid_bad" 2>/dev/null
wait "$pid_good" "$pid_bad" 2>/dev/null
"$F" conformance 2>/dev/null
check "conformance without --live -m: exit 2" test $? -eq 2

# --- __complete ---
"$F" __complete --ju >"$T/c1"
check "__complete: options" grep -qx -- --junit "$T/c1"
"$F" __complete 3.1 >"$T/c2"
check "__complete: library drills" grep -qx 3.1-active-failure "$T/c2"
"$F" __complete --fault om >"$T/c3"
check "__complete: fault switches" grep -qx omit-dead "$T/c3"

exit $failed
