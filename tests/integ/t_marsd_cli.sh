#!/bin/sh
# marsd as an operator meets it: --help, usage errors, --json (every line
# a JSON object), -t (resolution, warnings), --ready-fd, -d with port 0,
# the -C client and the admin socket's help, the default admin socket of
# each entity (testdata/cluster/redundant.conf's three entities started
# with nothing but -c and -n), and the Windows 2000 emulation (--fault
# win2000) as a member sees it.  $O is the build tree; prints "ok"/"not
# ok" lines, exits 1 on failure.
: "${O:=build/rel}"
LC_ALL=C
export LC_ALL

MARSD=$O/bin/marsd
[ -x "$MARSD" ] || MARSD=bin/marsd
G=$O/tests/gen
T=$(mktemp -d "${TMPDIR:-/tmp}/t_marsd_cli.XXXXXX") || exit 1
PIDS=""
cleanup() {
	for p in $PIDS; do kill -9 "$p" 2>/dev/null; done
	[ -n "$PF" ] && [ -s "$PF" ] && kill -9 "$(cat "$PF")" 2>/dev/null
	rm -f "$ROOTSOCK"
	rm -rf "$T"
}
trap cleanup EXIT
trap 'exit 1' INT TERM

. tests/integ/lib.sh
ATM=47.0005.80ffe1000000f21a26d8.0020ea000ee0.00
lines() { wc -l <"$1" | tr -d ' '; }

# --- help and usage ---
"$MARSD" --help >"$T/help"
check "--help exits 0" test $? -eq 0
missing="" n=0
for o in $(sed -n 's/^	{ "\([a-z-]*\)",.*/--\1/p' cmd/marsd/main.c); do
	n=$((n + 1))
	grep -q -- "^ .*$o " "$T/help" || missing="$missing $o"
done
check "--help describes every long option ($n; ${missing:-none missing})" sh -c "[ $n -ge 20 ] && [ -z '$missing' ]"
check "--help says what -C does" has '^  -C, --ctl  *send the operands' "$T/help"
"$MARSD" --bogus >"$T/out" 2>"$T/err"
rc=$?
check "unknown option: exit 2" test "$rc" -eq 2
check "unknown option: one line, see --help" sh -c "[ $(lines "$T/err") -eq 1 ] && grep -q '^marsd: unknown option --bogus; see marsd --help$' '$T/err' && [ ! -s '$T/out' ]"
"$MARSD" --listen 2>"$T/err"
check "missing argument: one line" sh -c "[ $(lines "$T/err") -eq 1 ] && grep -q 'option --listen needs an argument; see marsd --help' '$T/err'"
"$MARSD" --json -x 2>"$T/err"
check "usage error under --json is a JSON error object" has '^{"type":"error","program":"marsd","message":"unknown option -x; see marsd --help"' "$T/err"
check "usage error JSON parses" json_lines_ok "$T/err"
"$MARSD" --listen udp:127.0.0.1:0 --atm $ATM --ready-fd 9 2>"$T/err"
rc=$?
check "--ready-fd with a closed descriptor: exit 2" test "$rc" -eq 2
check "--ready-fd with a closed descriptor: says so" has 'ready-fd 9: descriptor 9 is not open' "$T/err"

# --- -t: what start would refuse ---
"$MARSD" -t --listen udp:no-such-host.invalid:4000 --atm $ATM 2>"$T/err"
rc=$?
check "-t: an unresolvable host is refused (exit 2)" sh -c "[ $rc -eq 2 ] && grep -q '^marsd: udp:no-such-host.invalid:4000: ' '$T/err'"
sed -e 's/udp:127.0.0.1:4502/udp:no-such-host.invalid:4502/' \
    testdata/cluster/redundant.conf >"$T/badhost.conf"
"$MARSD" -t -c "$T/badhost.conf" 2>"$T/err"
rc=$?
check "-t: an unresolvable entity endpoint is refused" sh -c "[ $rc -eq 2 ] && grep -q 'no-such-host.invalid' '$T/err'"
sed -e 's/^failure-timeout .*/failure-timeout = 30s/' \
    testdata/cluster/redundant.conf >"$T/flap.conf"
"$MARSD" -t -c "$T/flap.conf" >"$T/out" 2>"$T/err"
rc=$?
check "-t: short failure-timeout still passes (exit 0)" test "$rc" -eq 0
check "-t: warns that members would flap" has '^marsd: warning: .*flap.conf: failure-timeout 30s is not longer than redirect-interval 1m' "$T/err"
"$MARSD" -t --json -c "$T/flap.conf" >"$T/out" 2>"$T/err"
check "-t --json: the warning is a JSON object" has '^{"type":"warning","program":"marsd",.*"field":"failure-timeout"}' "$T/err"
check "-t --json: stderr is JSON lines" json_lines_ok "$T/err"
check "-t --json: the check object on stdout" has '^{"type":"check",' "$T/out"
sed -e 's|^# No admin-socket.*|admin-socket = /tmp/one.sock|' \
    testdata/cluster/redundant.conf >"$T/shared.conf"
"$MARSD" -t -c "$T/shared.conf" 2>"$T/err"
check "-t: entities sharing an admin socket are warned about" has 'share the admin socket /tmp/one.sock' "$T/err"

# --- --json: every line written is JSON ---
"$MARSD" --json -vv --listen udp:127.0.0.1:0 --atm $ATM --admin "$T/j.sock" \
    --ready-fd 3 3>"$T/jready" 2>"$T/jlog" &
JP=$!
PIDS="$PIDS $JP"
wait_for 5 test -s "$T/jready"
"$G/labsend" -w 100 "$(cat "$T/jready")" register:5 garbage >/dev/null
"$MARSD" -C --admin "$T/j.sock" show stats >/dev/null
kill -TERM $JP
wait $JP
check "--json: every line on stderr is a JSON object" json_lines_ok "$T/jlog"
check "--json: the start line is a start object" has "^{\"type\":\"start\",.*\"endpoint\":\"$(cat "$T/jready")\"" "$T/jlog"
check "--json: log lines are type log" has '^{"type":"log",.*"level":"info","message":"member ' "$T/jlog"
check "--json: no plain text" sh -c "! grep -v '^{\"type\":' '$T/jlog'"

# --- -d with port 0: the port is told before the command returns ---
PF=$T/d.pid
"$MARSD" -d --listen udp:127.0.0.1:0 --atm $ATM --admin "$T/d.sock" \
    --pidfile "$PF" >"$T/dout" 2>"$T/derr"
rc=$?
check "-d returns 0 once listening" test "$rc" -eq 0
check "-d prints the port it picked" has '^marsd: listening on udp:127.0.0.1:[1-9][0-9]* (admin socket ' "$T/derr"
check "-d: the daemon answers right away" sh -c "'$MARSD' -C --admin '$T/d.sock' show stats >/dev/null"
check "-d: the pid file names it" sh -c "kill -0 \$(cat '$PF')"
kill -TERM "$(cat "$PF")"
wait_for 5 sh -c "! kill -0 \$(cat '$PF' 2>/dev/null) 2>/dev/null"
PF=""

# --- -C and the admin socket's help ---
"$MARSD" --listen udp:127.0.0.1:0 --atm $ATM --admin "$T/c.sock" \
    --redirect-interval 300ms --fault-injection --ready-fd 3 3>"$T/cready" \
    2>"$T/clog" &
CP=$!
PIDS="$PIDS $CP"
wait_for 5 test -s "$T/cready"
EP=$(cat "$T/cready")
"$MARSD" -C --admin "$T/c.sock" help >"$T/h" 2>&1
check "admin help answers (not an error)" test $? -eq 0
for c in "show members" "show groups" "show mcs" "show redirect-map" \
    "show stats" "show living-group" "show election" "show scsp" \
    "fault NAME on|off" "help" "reload"; do
	check "admin help lists \"$c\"" grep -q "^$c  " "$T/h"
done
"$MARSD" -C --json --admin "$T/c.sock" help >"$T/hj"
check "admin help json parses" json_ok "$T/hj"
check "admin help json: type help, the commands" has '^{"type":"help","commands":\[{"command":"show members"' "$T/hj"
"$MARSD" -C --admin "$T/c.sock" sh red >"$T/map"
check "-C with abbreviated words" has '^redirect-map interval_ms=300 ' "$T/map"
"$MARSD" -C --admin "$T/c.sock" show bogus >/dev/null 2>"$T/err"
rc=$?
check "-C: an error answer exits 1 with the daemon's message" sh -c "[ $rc -eq 1 ] && grep -q '^marsd: unknown command \"bogus\"' '$T/err'"
"$MARSD" -C --admin "$T/nosuch.sock" show stats 2>"$T/err"
rc=$?
check "-C: no daemon exits 1, naming the socket" sh -c "[ $rc -eq 1 ] && grep -q 'nosuch.sock' '$T/err'"
"$MARSD" -C --admin "$T/c.sock" 2>"$T/err"
check "-C without a command is a usage error" test $? -eq 2

# --- the Windows 2000 server, switched on at run time ---
"$MARSD" -C --admin "$T/c.sock" fault win2000 on >"$T/f"
check "fault win2000 on (lone MARS, --fault-injection)" has '^faults active=stale-checksum,cmi-zero,nak-csn,null-map$' "$T/f"
# a member that stays (-H) sees the periodic maps too
"$G/labsend" -w 50 -H "$EP" register:1 request:1:224.9.9.9 >"$T/w" &
LP=$!
PIDS="$PIDS $LP"
check "win2000: periodic map with null source and seqxy 0" wait_for 5 has '^rx ccvc 0/32 REDIRECT_MAP tnum=1 .* nonconf=null-source,seqxy$' "$T/w"
wait_for 5 has ' NAK' "$T/w"
kill $LP
check "win2000: registration reply with CMI 0, checksum stale" has '^rx p2p 0/[0-9]* JOIN cmi=0 .* nonconf=checksum,cmi-zero$' "$T/w"
check "win2000: NAK with a stale checksum" has '^rx p2p 0/[0-9]* NAK nonconf=checksum$' "$T/w"
"$MARSD" -C --admin "$T/c.sock" fault win2000 off >"$T/f"
check "fault win2000 off" has '^faults active=none$' "$T/f"
"$G/labsend" -w 50 -H "$EP" register:2 >"$T/w" &
LP=$!
PIDS="$PIDS $LP"
check "conforming again: a map with its source" wait_for 5 has '^rx ccvc 0/32 REDIRECT_MAP tnum=1 msn=[0-9]*$' "$T/w"
kill $LP
check "conforming again: CMI from 1, no reason to drop" sh -c "grep -q '^rx p2p 0/[0-9]* JOIN cmi=[1-9]' '$T/w' && ! grep -q nonconf '$T/w'"
kill -TERM $CP
wait $CP
"$MARSD" --listen udp:127.0.0.1:0 --atm $ATM --fault win2000 2>"$T/err"
rc=$?
check "--fault without --fault-injection is refused (exit 2)" sh -c "[ $rc -eq 2 ] && grep -q 'needs --fault-injection' '$T/err'"
"$MARSD" -t -c testdata/cluster/single.conf --fault-injection 2>"$T/err"
check "--fault-injection with a cluster file: the file decides" has 'fault-injection = yes decides' "$T/err"

# --- every entity of redundant.conf, with only -c and -n ---
# Ports from freeport (the file's may be in use); the rest as shipped.
set -- $("$G/freeport" 6)
sed -e "s/127.0.0.1:4501/127.0.0.1:$1/; s/127.0.0.1:4502/127.0.0.1:$2/" \
    -e "s/127.0.0.1:4503/127.0.0.1:$3/; s/127.0.0.1:5501/127.0.0.1:$4/" \
    -e "s/127.0.0.1:5502/127.0.0.1:$5/; s/127.0.0.1:5503/127.0.0.1:$6/" \
    testdata/cluster/redundant.conf >"$T/r.conf"
check "the copy differs in ports only" sh -c "[ \$(diff testdata/cluster/redundant.conf '$T/r.conf' | grep -c '^>') -eq 6 ]"
mkdir -m 0777 "$T/run"
chmod 0755 "$T"
AS=""
if [ "$(id -u)" = 0 ] && command -v setpriv >/dev/null 2>&1; then
	# as root the default is /run/marsd.NAME.sock, shared with other
	# runs: take the unprivileged user's default in a directory of ours
	AS="setpriv --reuid=65534 --regid=65534 --clear-groups"
	chmod 0644 "$T/r.conf"
fi
if [ "$(id -u)" != 0 ] || [ -n "$AS" ]; then
	for m in m1 m2 m3; do
		XDG_RUNTIME_DIR=$T/run $AS "$MARSD" -c "$T/r.conf" -n $m \
		    2>"$T/run/$m.log" &
		PIDS="$PIDS $!"
	done
	elected() {
		for m in m1 m2 m3; do
			XDG_RUNTIME_DIR=$T/run $AS "$MARSD" -C -c "$T/r.conf" \
			    -n $m show election >"$T/run/$m.el" 2>/dev/null ||
			    return 1
			grep -q "^election self=$m " "$T/run/$m.el" || return 1
			grep -q 'active=m1 ' "$T/run/$m.el" || return 1
		done
	}
	check "three entities from redundant.conf, each on its own socket" wait_for 20 elected
	check "the sockets are the per-entity defaults" sh -c "[ -S '$T/run/marsd.m1.sock' ] && [ -S '$T/run/marsd.m2.sock' ] && [ -S '$T/run/marsd.m3.sock' ]"
	check "start lines name them" has "admin socket $T/run/marsd.m2.sock" "$T/run/m2.log"
	check "\"start\" logged once" sh -c "! grep -q ': start\$' '$T/run/m1.log'"
else
	skip "root without setpriv: the per-entity defaults are not tried"
fi
# As root, the default is /run/marsd.NAME.sock: a name no other run uses.
if [ "$(id -u)" = 0 ] && [ -w /run ]; then
	N=tcli$$
	ROOTSOCK=/run/marsd.$N.sock
	sed -e "s/\[mars m1\]/[mars $N]/" testdata/cluster/single.conf \
	    >"$T/one.conf"
	"$MARSD" -c "$T/one.conf" --listen udp:127.0.0.1:0 2>"$T/one.log" &
	OP=$!
	PIDS="$PIDS $OP"
	check "root default admin socket /run/marsd.NAME.sock" wait_for 5 \
	    sh -c "'$MARSD' -C -c '$T/one.conf' show stats >/dev/null 2>&1"
	check "start line names it" has "admin socket $ROOTSOCK" "$T/one.log"
	kill -TERM $OP
	wait $OP
	check "removed at exit" test ! -e "$ROOTSOCK"
fi

exit $failed
