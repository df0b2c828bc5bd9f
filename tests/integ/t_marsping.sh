#!/bin/sh
# marsping against bin/marsd on loopback: NAK for an empty group, MULTI
# once a `marsping --join` member is in the group, --register, --grouplist,
# --json, a dead endpoint, bad options.  Every process started here is
# killed by PID on exit; every wait is bounded.  $O is the build tree.
: "${O:=build/rel}"
LC_ALL=C
export LC_ALL

MP=$O/bin/marsping
[ -x "$MP" ] || MP=bin/marsping
MD=$O/bin/marsd
[ -x "$MD" ] || MD=bin/marsd
T=$(mktemp -d "${TMPDIR:-/tmp}/t_marsping.XXXXXX") || exit 1
PIDS=""
cleanup() {
	for p in $PIDS; do
		kill "$p" 2>/dev/null
	done
	for p in $PIDS; do
		wait "$p" 2>/dev/null
	done
	rm -rf "$T"
}
trap cleanup EXIT
trap 'exit 1' INT TERM

MARS_ATM=47000580ffe1000000f21a26d80020ea00000100
G=224.9.9.9

. tests/integ/lib.sh
# run ARGS...: stdout in $T/out, stderr in $T/err, status in $rc.
run() {
	"$MP" "$@" >"$T/out" 2>"$T/err"
	rc=$?
}
show() {
	sed 's/^/# /' "$T/out" "$T/err" | head -20
}
# wait_grep FILE PATTERN: up to 5 s for PATTERN to appear in FILE.
wait_grep() { wait_for 5 grep -q "$2" "$1" 2>/dev/null; }
now() {
	date +%s
}

if [ ! -x "$MP" ]; then
	echo "not ok - $MP not built"
	exit 1
fi

# --- without a MARS -------------------------------------------------------
run -V
if [ "$rc" -eq 0 ] && grep -q '^marsping [0-9]' "$T/out"; then
	ok "-V prints the version"
else
	notok "-V prints the version (rc $rc)"
fi
run --help
if [ "$rc" -eq 0 ] && grep -q 'usage: marsping' "$T/out"; then
	ok "--help prints the usage, exit 0"
else
	notok "--help (rc $rc)"
fi
for args in "--bogus -m udp:127.0.0.1:9 $G" "-c 0 -m udp:127.0.0.1:9 $G" \
    "-c" "-m nothing:1 $G" "-m udp:127.0.0.1:0 $G" "-m udp:127.0.0.1:9" \
    "$G" "-m udp:127.0.0.1:9 10.0.0.1" "-m udp:127.0.0.1:9 -W x $G" \
    "-m udp:127.0.0.1:9 -s 47 $G" "-m udp:127.0.0.1:9 --register --join $G" \
    "-m udp:127.0.0.1:9 --grouplist 239.0.0.0-224.0.0.0" \
    "--cluster $T/none.conf $G"; do
	# shellcheck disable=SC2086
	run $args
	if [ "$rc" -eq 2 ] && grep -q '^marsping: ' "$T/err"; then
		ok "bad usage exits 2: $args"
	else
		notok "bad usage exits 2: $args (rc $rc)"
		show
	fi
done

# --- a MARS on loopback ----------------------------------------------------
# start_marsd LISTEN: sets $MPORT_TEXT (udp:HOST:PORT) and $MPID.
start_marsd() {
	: >"$T/marsd.err"
	"$MD" --listen "$1" --atm "$MARS_ATM" --redirect-interval 1s \
	    --admin "$T/admin.$$.$(date +%s%N).sock" 2>"$T/marsd.err" &
	MPID=$!
	PIDS="$PIDS $MPID"
	if ! wait_grep "$T/marsd.err" 'listening on'; then
		MEP=""
		return 1
	fi
	MEP=$(sed -n 's/.*listening on \(udp:[^ ]*\).*/\1/p' "$T/marsd.err" |
	    head -1)
	[ -n "$MEP" ]
}

if [ ! -x "$MD" ]; then
	skip "marsd not built"
	exit $failed
fi
if ! start_marsd udp:127.0.0.1:0; then
	notok "marsd starts on loopback"
	sed 's/^/# /' "$T/marsd.err"
	exit 1
fi
ok "marsd listens on $MEP"

run -m "$MEP" -c 2 -i 0.2 -W 1 $G
if [ "$rc" -eq 0 ] && grep -q "^NAK from $MEP: $G no members seq=1 time=" \
    "$T/out" && grep -q '2 requests sent, 2 replies (2 NAKs), 0% loss' \
    "$T/out" && grep -q '^rtt min/avg/max/mdev = ' "$T/out"; then
	ok "empty group: NAK, summary, exit 0"
else
	notok "empty group: NAK, summary, exit 0 (rc $rc)"
	show
fi

run -q -m "$MEP" -c 1 $G
if [ "$rc" -eq 0 ] && ! grep -q '^NAK' "$T/out" &&
    grep -q "^--- $G marsping statistics ---" "$T/out"; then
	ok "-q prints only the summary"
else
	notok "-q prints only the summary (rc $rc)"
	show
fi

run -m "$MEP" --register
if [ "$rc" -eq 0 ] && grep -q "^registered with $MEP: cmi=[1-9][0-9]* csn=" \
    "$T/out"; then
	ok "--register prints a CMI"
else
	notok "--register prints a CMI (rc $rc)"
	show
fi

run -m "$MEP" --register --json --atm-mars "$MARS_ATM"
if [ "$rc" -eq 0 ] && json_lines_ok "$T/out" &&
    grep -q '"event":"registered"' "$T/out" &&
    grep -q "\"mars\":\"$MARS_ATM\"" "$T/out" &&
    grep -q '"cmi":[1-9]' "$T/out"; then
	ok "--register --json: one object with mars and cmi"
else
	notok "--register --json (rc $rc)"
	show
fi

# The MARS list and timers from a cluster file: -m may be left out.
cat >"$T/c.conf" <<EOF
[cluster]
failure-timeout = 30s
retransmit-interval = 500ms

[mars m1]
atm      = $MARS_ATM
endpoint = $MEP
EOF
run --cluster "$T/c.conf" -c 1 --json $G
if [ "$rc" -eq 0 ] && grep -q "\"op\":\"MARS_NAK\".*\"mars\":\"$MARS_ATM\"" \
    "$T/out"; then
	ok "--cluster: MARS and its address from the file"
else
	notok "--cluster: MARS and its address from the file (rc $rc)"
	show
fi

# A member of $G in the background, as a failover drill would run it.
"$MP" -m "$MEP" --join "$G,224.9.9.10" --json -w 8 >"$T/join.out" \
    2>"$T/join.err" &
JPID=$!
PIDS="$PIDS $JPID"
if wait_grep "$T/join.out" '"event":"joined".*224.9.9.10'; then
	ok "--join: registered and joined"
else
	notok "--join: registered and joined"
	sed 's/^/# /' "$T/join.out" "$T/join.err"
fi

run -m "$MEP" -c 1 -v $G
if [ "$rc" -eq 0 ] &&
    grep -q "^MULTI from $MEP: $G -> 1 member seq=1 time=" "$T/out"; then
	ok "joined group: MULTI with 1 member"
else
	notok "joined group: MULTI with 1 member (rc $rc)"
	show
fi

run -m "$MEP" -c 2 -i 0.2 --json $G
if [ "$rc" -eq 0 ] && json_lines_ok "$T/out" &&
    [ "$(grep -c '"op":"MARS_MULTI"' "$T/out")" -eq 2 ] &&
    grep -q '"tnum":1,"members":\["47[0-9a-f]*"\]' "$T/out" &&
    grep -q '"seq":2' "$T/out" && grep -q '"rtt_ms":[0-9]' "$T/out" &&
    grep -q '"summary":{.*"sent":2,"replies":2,"naks":0' "$T/out"; then
	ok "--json: MULTI objects and a summary that parse"
else
	notok "--json: MULTI objects and a summary (rc $rc)"
	show
fi

run -m "$MEP" --grouplist
if [ "$rc" -eq 0 ] && grep -qx "$G" "$T/out" && grep -qx 224.9.9.10 "$T/out"
then
	ok "--grouplist lists the joined groups"
else
	notok "--grouplist lists the joined groups (rc $rc)"
	show
fi

run -m "$MEP" --grouplist 224.9.9.10-224.9.9.255 --json
if [ "$rc" -eq 0 ] && json_lines_ok "$T/out" &&
    grep -q '"groups":\["224.9.9.10"\]' "$T/out"; then
	ok "--grouplist MIN-MAX --json"
else
	notok "--grouplist MIN-MAX --json (rc $rc)"
	show
fi

# The member learns the MARS address from the first redirect map (1 s).
if wait_grep "$T/join.out" '"event":"redirect_map"'; then
	ok "--join reports the redirect map"
else
	notok "--join reports the redirect map"
fi
kill -TERM "$JPID" 2>/dev/null
wait "$JPID"
jrc=$?
if [ "$jrc" -eq 0 ] && json_lines_ok "$T/join.out" &&
    grep -q '"event":"registered","ts":[0-9]*\.[0-9]\{6\},"mars":' \
    "$T/join.out" && grep -q '"cmi":[1-9]' "$T/join.out" &&
    tail -1 "$T/join.out" | grep -q '"event":"deregistered"'; then
	ok "--join: SIGTERM deregisters, JSON events parse, exit 0"
else
	notok "--join: SIGTERM deregisters (rc $jrc)"
	sed 's/^/# /' "$T/join.out" "$T/join.err"
fi

run -m "$MEP" -c 1 $G
if [ "$rc" -eq 0 ] && grep -q "^NAK from" "$T/out"; then
	ok "after the member left: NAK again"
else
	notok "after the member left: NAK again (rc $rc)"
	show
fi

# A dead endpoint: the port of a MARS that is gone.
DEAD=$MEP
kill "$MPID" 2>/dev/null
wait "$MPID" 2>/dev/null
t0=$(now)
run -m "$DEAD" -c 2 -i 0.2 -W 300ms -w 3 $G
t1=$(now)
if [ "$rc" -eq 1 ] && [ $((t1 - t0)) -le 4 ] &&
    grep -q '2 requests sent, 0 replies (0 NAKs), 100% loss' "$T/out"; then
	ok "dead endpoint: exit 1 within the deadline"
else
	notok "dead endpoint: exit 1 within the deadline (rc $rc, $((t1 - t0)) s)"
	show
fi
t0=$(now)
run -m "$DEAD" -w 1 --join $G
t1=$(now)
if [ "$rc" -eq 1 ] && [ $((t1 - t0)) -le 2 ]; then
	ok "dead endpoint: --join exits 1 at -w"
else
	notok "dead endpoint: --join exits 1 at -w (rc $rc)"
	show
fi
run -m "$DEAD" -W 200ms --register
if [ "$rc" -eq 1 ] && grep -q '^marsping: registration: no answer' "$T/err"
then
	ok "dead endpoint: --register exits 1"
else
	notok "dead endpoint: --register exits 1 (rc $rc)"
	show
fi

# IPv6 loopback, when the host has it.
if start_marsd 'udp:[::1]:0'; then
	run -m "$MEP" -c 1 $G
	if [ "$rc" -eq 0 ] && grep -q "^NAK from udp:\[::1\]:" "$T/out"; then
		ok "IPv6 endpoint: NAK"
	else
		notok "IPv6 endpoint: NAK (rc $rc)"
		show
	fi
else
	skip "no IPv6 loopback"
fi

exit $failed
