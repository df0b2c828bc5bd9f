#!/bin/sh
# marsd on loopback: registration, joins, requests, malformed datagrams,
# the admin socket (text and JSON, mode 0600), SIGHUP, SIGTERM, -t, and a
# member killed with -9 disappearing (ICMP unreachable, mars_link_lost()).
# $O is the build tree; prints "ok"/"not ok" lines, exits 1 on failure.
: "${O:=build/rel}"
LC_ALL=C
export LC_ALL

MARSD=$O/bin/marsd
[ -x "$MARSD" ] || MARSD=bin/marsd
G=$O/tests/gen
T=$(mktemp -d "${TMPDIR:-/tmp}/t_marsd.XXXXXX") || exit 1
PIDS=""
cleanup() {
	for p in $PIDS; do kill -9 "$p" 2>/dev/null; done
	rm -rf "$T"
}
trap cleanup EXIT
trap 'exit 1' INT TERM

. tests/integ/lib.sh
ATM=47.0005.80ffe1000000f21a26d8.0020ea000ee0.00
S=$T/admin.sock

"$MARSD" --listen udp:127.0.0.1:0 --atm $ATM --admin "$S" \
    --redirect-interval 500ms --ready-fd 3 -vv 3>"$T/ready" 2>"$T/log" &
MP=$!
PIDS="$MP"
if ! wait_for 5 test -s "$T/ready"; then
	echo "not ok - marsd did not start"; cat "$T/log"; exit 1
fi
EP=$(cat "$T/ready")
check "ready-fd names the bound endpoint" test "${EP#udp:127.0.0.1:}" != "$EP"
check "stderr names the bound endpoint" has "listening on $EP" "$T/log"
check "admin socket mode 0600" sh -c "ls -l '$S' | grep -q '^srw-------'"

# member 1 stays registered and joined until killed
"$G/labsend" -H "$EP" register:1 join:1:224.1.1.1 >"$T/m1" &
M1=$!
PIDS="$PIDS $M1"
wait_for 5 has "ccvc 0/32 JOIN" "$T/m1"
"$G/labsend" -w 150 "$EP" register:2 join:2:224.1.1.1 request:2:224.1.1.1 \
    request:2:224.9.9.9 >"$T/m2"
check "registration reply with a CMI" has "p2p 0/[0-9]* JOIN cmi=[1-9].* flags=0x6000" "$T/m2"
check "join copy on ClusterControlVC" has "ccvc 0/32 JOIN" "$T/m2"
check "join propagated to the other member" \
    wait_for 3 sh -c "[ \$(grep -c 'ccvc 0/32 JOIN' '$T/m1') -ge 2 ]"
check "request for a joined group -> MULTI of 2" has "MULTI tnum=2" "$T/m2"
check "request for an empty group -> NAK" has "p2p 0/[0-9]* NAK" "$T/m2"
check "redirect map on ClusterControlVC" wait_for 3 has "REDIRECT_MAP tnum=1" "$T/m1"

# malformed input: logged, counted, ignored
"$G/labsend" -w 50 "$EP" register:3 trunc:3 badop:3 badsum:3 big garbage \
    raw:4d4c4142010900000065 request:3:224.1.1.1 >"$T/bad"
check "still answering after malformed datagrams" grep -q "p2p 0/[0-9]* MULTI\\|p2p 0/[0-9]* NAK" "$T/bad"
"$G/adminq" "$S" show stats >"$T/stats"
check "truncated message counted" has "dropped reason=malformed count=1" "$T/stats"
check "unknown op counted" has "dropped reason=unknown-op count=1" "$T/stats"
check "bad checksum counted" has "dropped reason=checksum count=1" "$T/stats"
check "oversized datagram counted" has "rx_oversize=1" "$T/stats"
check "garbage and bad VC kind counted" has "rx_bad_shim=2" "$T/stats"
check "malformed input logged at debug" has "dropped a datagram" "$T/log"

# admin socket
members_settled() {
	"$G/adminq" "$S" show members >"$T/members" &&
	    grep -q '^member cmi=2 .*state=held' "$T/members" &&
	    grep -q '^member cmi=3 .*state=held' "$T/members"
}
wait_for 3 members_settled
# member 2's socket closed when labsend exited: the next map to it bounced
check "show members: 1 registered, 2 gone (held CMI)" sh -c "grep -q '^member cmi=1 .*state=registered' '$T/members' && grep -q '^member cmi=2 .*state=held' '$T/members'"
"$G/adminq" "$S" show groups >"$T/groups"
check "show groups" has "group addr=224.1.1.1 members=1 .*cmis=1" "$T/groups"
"$G/adminq" "$S" show redirect-map >"$T/map"
check "show redirect-map" has "mars index=0 atm=47000580ffe1000000f21a26d80020ea000ee000 self=yes" "$T/map"
for c in members groups mcs redirect-map stats; do
	"$G/adminq" "$S" show $c --json >"$T/$c.json"
	check "show $c json is valid JSON" json_ok "$T/$c.json"
	t=$(echo "$c" | tr - _)
	check "show $c json: \"type\":\"$t\" first" has "^{\"type\":\"$t\"," "$T/$c.json"
done
check "json members carry the CMI" has '"cmi":1' "$T/members.json"
check "json: absent values are null, never \"-\" or \"\"" sh -c \
    "! grep -q '\"-\"\\|\"\"' '$T/members.json' '$T/mcs.json' '$T/redirect-map.json' && grep -q '\"sub\":null' '$T/members.json'"
check "json stats: send errors of the link" has '"link":{.*"tx_full":0,"tx_queued":0,"tx_retried":0,"tx_dropped":0,"tx_pending":0' "$T/stats.json"
check "text stats: send errors of the link" has '^link .* tx_full=0 tx_queued=0 tx_retried=0 tx_dropped=0' "$T/stats"
"$G/adminq" "$S" show bogus >/dev/null 2>"$T/err"
check "unknown command -> error line" has 'unknown command "bogus"' "$T/err"
# several clients at once: one idle connection does not block another
# (the idle client says when it is connected, and is killed after)
python3 -c 'import socket,sys,time; s=socket.socket(socket.AF_UNIX); s.connect(sys.argv[1]); open(sys.argv[2], "w").write("up"); time.sleep(60)' "$S" "$T/idle.up" 2>/dev/null &
IDLE=$!
PIDS="$PIDS $IDLE"
if wait_for 5 test -s "$T/idle.up"; then
	check "answers while another client is connected" "$G/adminq" "$S" show mcs
else
	skip "no python3 for an idle admin client"
fi
kill $IDLE 2>/dev/null

# SIGHUP without a cluster file: logged, still running
kill -HUP $MP
check "SIGHUP handled" wait_for 3 has "SIGHUP" "$T/log"

# a member killed -9 disappears (ICMP port unreachable -> leaf lost)
kill -9 $M1
check "killed member removed" wait_for 5 sh -c \
    "'$G/adminq' '$S' show members | grep -q 'cmi=1 .*state=held'"
check "leaf loss logged" has "unreachable" "$T/log"

kill -TERM $MP
wait $MP
rc=$?
check "SIGTERM exits 0" test "$rc" -eq 0
check "admin socket removed" test ! -e "$S"

# cluster file: -t, SIGHUP reload of the redirect list
check "-t on a good file" "$MARSD" -t -c testdata/cluster/redundant.conf -n m1
"$MARSD" -t -c testdata/cluster/bad-unknown-key.conf -n m1 2>"$T/err"
rc=$?
check "-t on a bad file exits 2" test "$rc" -eq 2
check "-t names file:line" has "bad-unknown-key.conf:8: unknown key" "$T/err"
"$MARSD" -t --json -c testdata/cluster/redundant.conf >"$T/tj"
check "-t --json on a good file" has '^{"type":"check","program":"marsd","file":"testdata/cluster/redundant.conf","entity":null,"ok":true,"entities":3,"load_sharing":false}$' "$T/tj"
"$MARSD" -t --json -c testdata/cluster/bad-unknown-key.conf 2>"$T/err"
check "-t --json on a bad file" has '^{"type":"error","program":"marsd","message":"testdata/cluster/bad-unknown-key.conf:8: unknown key .*"file":"testdata/cluster/bad-unknown-key.conf","line":8,' "$T/err"
"$MARSD" -t -c testdata/cluster/bad-unknown-key.conf 2>"$T/err"
check "cluster file errors carry the program prefix" has '^marsd: testdata/cluster/bad-unknown-key.conf:8: unknown key' "$T/err"
"$MARSD" -t -c testdata/cluster/redundant.conf -n nosuch 2>"$T/err"
check "-t on an unknown name exits 2" test $? -eq 2

cp testdata/cluster/redundant.conf "$T/c.conf"
"$MARSD" -c "$T/c.conf" -n m2 --listen udp:127.0.0.1:0 --ready-fd 3 \
    --admin "$T/lab.sock" 3>"$T/ready2" 2>"$T/log2" &
MP=$!
PIDS="$PIDS $MP"
wait_for 5 test -s "$T/ready2"
"$G/adminq" "$T/lab.sock" show redirect-map >"$T/map2"
check "cluster file: self first, then by priority" sh -c \
    "grep -q 'index=0 .*0020ea00000200 self=yes' '$T/map2' && grep -q 'index=1 .*0020ea00000100' '$T/map2' && grep -q 'index=2 .*0020ea00000300' '$T/map2'"
grep -v '^\[mars m3\]\|0020ea000003\|4503\|5503\|priority      = 50' "$T/c.conf" |
    sed -e 's/^redirect-interval .*/redirect-interval = 2s/' >"$T/c2.conf"
mv "$T/c2.conf" "$T/c.conf"
kill -HUP $MP
check "SIGHUP reloads the redirect list" wait_for 3 sh -c \
    "'$G/adminq' '$T/lab.sock' show redirect-map | grep -q 'interval_ms=2000 .*count=2'"
# the reload admin command: the same, answered once done
sed -e 's/^redirect-interval .*/redirect-interval = 3s/' "$T/c.conf" >"$T/c2.conf"
mv "$T/c2.conf" "$T/c.conf"
"$G/adminq" "$T/lab.sock" reload >"$T/rl" 2>&1
check "admin reload: answered, applied, counted" has "^reload file=$T/c.conf applied=yes reloads=2\$" "$T/rl"
check "admin reload: the new interval at once" sh -c \
    "'$G/adminq' '$T/lab.sock' show redirect-map | grep -q 'interval_ms=3000 .*count=2'"
"$G/adminq" "$T/lab.sock" reload json >"$T/rl"
check "admin reload json" has "^{\"type\":\"reload\",\"file\":\"$T/c.conf\",\"applied\":true,\"reloads\":3}\$" "$T/rl"
echo '[mars' >>"$T/c.conf"
"$G/adminq" "$T/lab.sock" reload >"$T/rl" 2>&1
rc=$?
check "admin reload of a bad file: an error answer naming file and line" sh -c "[ $rc -eq 1 ] && grep -q 'reload failed, keeping the running settings: .*c.conf:[0-9]*: unterminated' '$T/rl'"
check "admin reload of a bad file: settings kept, error counted" sh -c \
    "'$G/adminq' '$T/lab.sock' show redirect-map | grep -q 'interval_ms=3000 .*count=2' && '$G/adminq' '$T/lab.sock' show stats | grep -q ' reloads=4 reload_errors=1 '"
kill -TERM $MP
wait $MP
check "second daemon exits 0" test $? -eq 0

exit $failed
