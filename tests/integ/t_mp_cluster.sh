#!/bin/sh
# marsping against a redundant MARS (three marsd on loopback, as in
# t_cluster.sh): whatever the mode, it leaves no registration behind.
# A Backup registers a member and hard-redirects it to the Active
# (draft-armitage-ion-mars-scsp-03 §3.2); the member must deregister
# from whichever entity holds its registration (RFC 2022 §5.2.3), and
# after it is gone no entity -- asked through its admin socket -- may
# still hold it as registered.  $O is the build tree; every process is
# killed by PID, every wait bounded.  KEEP=1 keeps the logs on failure.
: "${O:=build/rel}"
LC_ALL=C
export LC_ALL

MARSD=$O/bin/marsd
[ -x "$MARSD" ] || MARSD=bin/marsd
MARSPING=$O/bin/marsping
[ -x "$MARSPING" ] || MARSPING=bin/marsping
G=$O/tests/gen
T=$(mktemp -d "${TMPDIR:-/tmp}/t_mp_cluster.XXXXXX") || exit 1
PIDS=""
failed=0
cleanup() {
	for p in $PIDS; do kill -9 "$p" 2>/dev/null; done
	for p in $PIDS; do wait "$p" 2>/dev/null; done
	[ -n "$KEEP" ] && [ "$failed" -ne 0 ] && echo "# kept $T" || rm -rf "$T"
}
trap cleanup EXIT
trap 'exit 1' INT TERM

. tests/integ/lib.sh
q() { s=$1; shift; "$G/adminq" "$T/$s.sock" "$@" 2>/dev/null; }

write_conf() {
	cat <<EOF
[cluster]
redirect-interval   = 500ms
failure-timeout     = 2s
retransmit-interval = 500ms
hello-interval      = 200ms
dead-factor         = 3

EOF
	mars_sections 200 100 50
}

start_mars() {
	"$MARSD" -c "$T/c.conf" -n "$1" --admin "$T/$1.sock" -v \
	    2>>"$T/$1.log" &
	eval "P_$1=$!"
	PIDS="$PIDS $!"
}
running() { kill -0 "$1" 2>/dev/null; }
group_up() {
	q "$1" show living-group >"$T/lg.$1" || return 1
	[ "$(grep -c 'alive=yes' "$T/lg.$1")" -eq 3 ] &&
	    grep -q '^mars name=m1 .*role=active' "$T/lg.$1" &&
	    [ "$(grep -c 'aligned=yes' "$T/lg.$1")" -eq 3 ]
}

# Ports are free when freeport prints them, not held: retry on a clash.
try=0
while :; do
	try=$((try + 1))
	PORTS=$("$G/freeport" 6 | tr '\n' ' ')
	write_conf >"$T/c.conf"
	rm -f "$T"/m?.log
	start_mars m1; start_mars m2; start_mars m3
	if wait_for 3 sh -c "for m in m1 m2 m3; do [ -S '$T/'\$m.sock ] || exit 1; done" &&
	    running "$P_m1" && running "$P_m2" && running "$P_m3"; then
		break
	fi
	for p in $P_m1 $P_m2 $P_m3; do kill -9 "$p" 2>/dev/null; done
	if [ $try -ge 3 ]; then
		echo "not ok - three marsd could not start"; cat "$T"/m?.log
		exit 1
	fi
done
set -- $PORTS
EP2=udp:127.0.0.1:$3
for m in m1 m2 m3; do
	check "$m: living group of three, m1 Active, aligned" wait_for 10 group_up $m
done

# held_by ATM: the entities that hold ATM as registered.
held_by() {
	for m in m1 m2 m3; do
		q $m show members | grep -q "atm=$1 .*state=registered" &&
		    printf '%s ' $m
	done
}
# gone ATM: no entity holds it (replication may take a moment).
gone() { [ -z "$(held_by "$1")" ]; }
# own N: a member address of our own, so that the tables can be searched.
own() { printf '47000580ffe1000000f21a26d80020ea09%02x0000' "$1"; }

# A registration at the Backup m2 shows first: it is replicated.
A=$(own 1)
"$MARSPING" --join 224.7.7.1 -m "$EP2" --cluster "$T/c.conf" -s "$A" \
    --json --seed 1 >"$T/j1" 2>"$T/j1.err" &
J=$!
PIDS="$PIDS $J"
seen() { [ -n "$(held_by "$1")" ]; }
check "a member registered at Backup m2 is held by the entities" \
    wait_for 5 seen "$A"
check "m2 hard-redirects it to m1" wait_for 5 grep -q \
    '"event":"redirect","ts":[0-9.]*,"mars":"47000580ffe1000000f21a26d80020ea00000100".*"hard":true' "$T/j1"
kill -TERM "$J"
wait "$J"
rc=$?
check "--join leaves on SIGTERM, exit 0" test "$rc" -eq 0
if wait_for 5 gone "$A"; then
	ok "--join: no entity holds the member after it left"
else
	notok "--join: still registered at: $(held_by "$A")"
	sed 's/^/# /' "$T/j1" "$T/j1.err" | tail -20
fi

# --register at the Backup: registered, hard-redirected, then gone.
A=$(own 2)
"$MARSPING" --register -m "$EP2" --cluster "$T/c.conf" -s "$A" --json \
    -W 2s >"$T/r" 2>"$T/r.err"
rc=$?
check "--register at m2: registered, hard redirect to m1" sh -c "[ $rc -eq 0 ] && grep -q '\"type\":\"registered\".*\"hard\":true,\"list\":\\[\"47000580ffe1000000f21a26d80020ea00000100\"' '$T/r'"
if wait_for 5 gone "$A"; then
	ok "--register: no entity holds the member afterwards"
else
	notok "--register: still registered at: $(held_by "$A")"
	sed 's/^/# /' "$T/r" "$T/r.err"
fi

# Request mode at the Backup, and --grouplist.
A=$(own 3)
"$MARSPING" -m "$EP2" --cluster "$T/c.conf" -s "$A" -c 2 -i 0.5 \
    224.7.7.1 >"$T/p" 2>"$T/p.err"
check "request mode via m2 ran" grep -q 'requests sent' "$T/p"
if wait_for 5 gone "$A"; then
	ok "request mode: no entity holds the member afterwards"
else
	notok "request mode: still registered at: $(held_by "$A")"
	sed 's/^/# /' "$T/p" "$T/p.err"
fi
A=$(own 4)
"$MARSPING" --grouplist -m "$EP2" --cluster "$T/c.conf" -s "$A" \
    >"$T/g" 2>"$T/g.err"
if wait_for 5 gone "$A"; then
	ok "--grouplist: no entity holds the member afterwards"
else
	notok "--grouplist: still registered at: $(held_by "$A")"
	sed 's/^/# /' "$T/g" "$T/g.err"
fi

# A member that registered at m2, was sent to m1 and registered there:
# both hold it; leaving removes it everywhere.
A=$(own 5)
"$MARSPING" --join 224.7.7.5 -m "$EP2" --cluster "$T/c.conf" -s "$A" \
    --json --seed 5 >"$T/j5" 2>"$T/j5.err" &
J=$!
PIDS="$PIDS $J"
reg_m1() {
	grep '"event":"registered"' "$T/j5" |
	    grep -q '"mars":"47000580ffe1000000f21a26d80020ea00000100"'
}
check "member 5 follows the hard redirect and registers at m1" \
    wait_for 15 reg_m1
kill -TERM "$J"
wait "$J"
if wait_for 5 gone "$A"; then
	ok "after m2 and m1: no entity holds the member"
else
	notok "after m2 and m1: still registered at: $(held_by "$A")"
	sed 's/^/# /' "$T/j5" "$T/j5.err" | tail -20
fi

check "no marsd died" sh -c "kill -0 $P_m1 && kill -0 $P_m2 && kill -0 $P_m3"
[ "$failed" -eq 0 ] || for f in "$T"/m?.log; do echo "# $f"; tail -n 10 "$f" | sed 's/^/# /'; done
exit "$failed"
