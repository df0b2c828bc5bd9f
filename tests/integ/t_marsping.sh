#!/bin/sh
# marsping against bin/marsd on loopback: NAK for an empty group, MULTI
# once a `marsping --join` member is in the group, --register, --grouplist,
# --json (every line mars-json(7)), a closed port (ICMP, at once), IPv6
# clusters and --protocol, strangers forgotten, the timer and address
# warnings, a MARS that behaves as the Windows 2000 server does
# (tests/gen/fakewin), bad options.  Every process started here is killed
# by PID on exit; every wait is for a condition, and bounded.  $O is the
# build tree.
: "${O:=build/rel}"
LC_ALL=C
export LC_ALL

MP=$O/bin/marsping
[ -x "$MP" ] || MP=bin/marsping
MD=$O/bin/marsd
[ -x "$MD" ] || MD=bin/marsd
GEN=$O/tests/gen
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
# ms: a monotonic-enough clock in milliseconds.
ms() {
	t=$(date +%s%N)
	case $t in
	*N) echo $(($(date +%s) * 1000)) ;;
	*) echo $((t / 1000000)) ;;
	esac
}
# all_json FILE...: every line of every file is one JSON object whose
# first key is "type" (mars-json(7)).
all_json() {
	for f in "$@"; do
		json_lines_ok "$f" || return 1
		! grep -v '^{"type":"[a-z_]*"' "$f" | grep -q . || return 1
	done
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
	if [ "$rc" -eq 2 ] && grep -q '^marsping: ' "$T/err" &&
	    [ "$(wc -l <"$T/err")" -eq 1 ] && ! grep -q 'usage:' "$T/err"
	then
		ok "bad usage exits 2, one line: $args"
	else
		notok "bad usage exits 2, one line: $args (rc $rc)"
		show
	fi
done
run --bogus -m udp:127.0.0.1:9 $G
check "a usage error points to --help" grep -q '(see marsping --help)$' \
    "$T/err"
run --json --bogus -m udp:127.0.0.1:9 $G
if [ "$rc" -eq 2 ] && [ ! -s "$T/out" ] && all_json "$T/err" &&
    grep -q '^{"type":"error","program":"marsping","message":"unknown option: --bogus.*","file":null,"line":null,"offset":null,"field":null}$' "$T/err"
then
	ok "--json: a usage error is a mars-json(7) error object"
else
	notok "--json: a usage error is a mars-json(7) error object (rc $rc)"
	show
fi
run --json --cluster "$T/none.conf" $G
check "--json: a cluster file error names the file" sh -c "[ $rc -eq 2 ] && grep -q '\"type\":\"error\".*\"file\":\"$T/none.conf\"' '$T/err'"
for args in "--protocol ipx -m udp:127.0.0.1:9 $G" \
    "--protocol ipv6 -m udp:127.0.0.1:9 $G" \
    "--protocol ipv4 -m udp:127.0.0.1:9 --join ff0e::1"; do
	# shellcheck disable=SC2086
	run $args
	check "--protocol: refused, exit 2: $args" sh -c "[ $rc -eq 2 ] && grep -q '^marsping: ' '$T/err'"
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
if [ "$rc" -eq 0 ] && all_json "$T/out" &&
    grep -q '^{"type":"registered"' "$T/out" &&
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
# -w bounds it should the test die; it is stopped by SIGTERM below.
"$MP" -m "$MEP" --join "$G,224.9.9.10" --json -w 120 >"$T/join.out" \
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
if [ "$rc" -eq 0 ] && all_json "$T/out" &&
    [ "$(grep -c '^{"type":"reply","op":"MARS_MULTI"' "$T/out")" -eq 2 ] &&
    grep -q '"tnum":1,"members":\["47[0-9a-f]*"\]' "$T/out" &&
    grep -q '"seq":2' "$T/out" && grep -q '"rtt_ms":[0-9]' "$T/out" &&
    grep -q '"incomplete":false' "$T/out" &&
    grep -q '^{"type":"summary",.*"sent":2,"replies":2,"naks":0' "$T/out"
then
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
if [ "$rc" -eq 0 ] && all_json "$T/out" &&
    grep -q '^{"type":"grouplist".*"groups":\["224.9.9.10"\]' "$T/out"; then
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
if [ "$jrc" -eq 0 ] && all_json "$T/join.out" &&
    grep -q '^{"type":"event","event":"registered","ts":[0-9]*\.[0-9]\{6\},"mars":' \
    "$T/join.out" && grep -q '"cmi":[1-9]' "$T/join.out" &&
    grep -q '"event":"joined",.*"group":"224.9.9.10","hard":null,"list":null,"gap":null,"groups":null,"detail":null}$' "$T/join.out" &&
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

# --- strangers are not kept as peers (marsd forgets them too) ------------
"$MP" -m "$MEP" -i 0.2 -w 60 -v $G >"$T/str.out" 2>"$T/str.err" &
SPID=$!
PIDS="$PIDS $SPID"
if wait_grep "$T/str.out" '^NAK from'; then
	OWN=$(sed -n 's/^MARSPING .* as \([0-9a-f]\{40\}\)$/\1/p' "$T/str.out")
	SPORT=$((0x$(echo "$OWN" | cut -c35-38)))
	i=0
	while [ $i -lt 20 ]; do
		# each run is a new socket: a new source port, a new stranger
		"$GEN/labsend" -w 0 "udp:127.0.0.1:$SPORT" register:$((i + 100)) \
		    >/dev/null 2>&1
		i=$((i + 1))
	done
	# the 20 have arrived when a later reply has (one socket, in order)
	n0=$(grep -c '^NAK from' "$T/str.out")
	wait_for 5 sh -c "[ \$(grep -c '^NAK from' '$T/str.out') -gt $n0 ]"
	kill -INT "$SPID"
	wait "$SPID"
	if grep -q '^link: 1 peer, [0-9]* datagrams received (20 from strangers, dropped)' \
	    "$T/str.out"; then
		ok "20 strangers: dropped and forgotten, 1 peer left (the MARS)"
	else
		notok "20 strangers: dropped and forgotten"
		sed 's/^/# /' "$T/str.out" | tail -5
	fi
else
	notok "marsping for the stranger test answered"
	kill "$SPID" 2>/dev/null
fi

# --- timers that make a member flap (RFC 2022 §5.4) -------------------------
cat >"$T/flap.conf" <<EOF
[cluster]
redirect-interval = 2s
failure-timeout   = 1s

[mars m1]
atm      = $MARS_ATM
endpoint = $MEP
EOF
run --cluster "$T/flap.conf" --register
if [ "$rc" -eq 0 ] && grep -q '^marsping: warning: failure timeout 1000 ms is not longer than the redirect interval 2000 ms' "$T/err"
then
	ok "failure timeout <= redirect interval: warned at start"
else
	notok "failure timeout <= redirect interval: warned at start (rc $rc)"
	show
fi
run --cluster "$T/flap.conf" --register --json
check "the same warning as a mars-json(7) object" sh -c "grep -q '^{\"type\":\"warning\",\"program\":\"marsping\",\"message\":\"failure timeout 1000 ms.*\"reasons\":\[\],\"mars\":null,\"endpoint\":null}\$' '$T/err' && { . tests/integ/lib.sh; json_lines_ok '$T/out' && json_lines_ok '$T/err'; }"
# The interval unknown (-m only): the maps show it (marsd sends one a second).
"$MP" -m "$MEP" --join $G --failure-timeout 300ms -w 60 --json \
    >"$T/flap.out" 2>"$T/flap.err" &
FPID=$!
PIDS="$PIDS $FPID"
if wait_grep "$T/flap.err" '"type":"warning".*redirect maps from .* come [0-9]* ms apart, more than the failure timeout 300 ms'
then
	ok "maps further apart than the failure timeout: warned"
else
	notok "maps further apart than the failure timeout: warned"
	sed 's/^/# /' "$T/flap.err" | head -5
fi
kill -TERM "$FPID"
wait "$FPID"

# --- a wrong --atm-mars: the maps name another MARS --------------------------
WRONG=47000580ffe1000000f21a26d80020ea00000999
"$MP" -m "$MEP" --join $G --atm-mars $WRONG -w 60 >"$T/w.out" \
    2>"$T/w.err" &
WPID=$!
PIDS="$PIDS $WPID"
if wait_grep "$T/w.err" "^marsping: warning: redirect maps from $MEP name MARS $MARS_ATM, not the address given for it (--atm-mars)"
then
	ok "a wrong --atm-mars is warned of"
else
	notok "a wrong --atm-mars is warned of"
	sed 's/^/# /' "$T/w.err" | head -5
fi
kill -TERM "$WPID"
wait "$WPID"
run -m "$MEP" --join $G --atm-mars "$MARS_ATM" -w 1.5
check "the right --atm-mars: no warning" sh -c "[ $rc -eq 0 ] && ! grep -q warning '$T/err'"

# --- a closed port: ICMP port unreachable, reported at once -----------------
# The port of a MARS that is gone.
DEAD=$MEP
kill "$MPID" 2>/dev/null
wait "$MPID" 2>/dev/null
t0=$(ms)
run -m "$DEAD" -c 2 -i 0.2 -W 300ms -w 3 $G
t1=$(ms)
if [ "$rc" -eq 1 ] && [ $((t1 - t0)) -lt 1500 ] &&
    grep -q "^From $DEAD: port unreachable" "$T/out" &&
    grep -q "^marsping: registration: no answer from $DEAD: port unreachable (ICMP)" "$T/err"
then
	ok "closed port, request mode: port unreachable at once, exit 1 ($((t1 - t0)) ms)"
else
	notok "closed port, request mode (rc $rc, $((t1 - t0)) ms)"
	show
fi
for mode in --register --grouplist; do
	t0=$(ms)
	run -m "$DEAD" $mode
	t1=$(ms)
	if [ "$rc" -eq 1 ] && [ $((t1 - t0)) -lt 1500 ] &&
	    grep -q "^From $DEAD: port unreachable" "$T/out" &&
	    grep -q '^marsping: registration: no answer from .*: port unreachable (ICMP)' "$T/err"
	then
		ok "closed port, $mode: said at once, exit 1 ($((t1 - t0)) ms, was 6 s)"
	else
		notok "closed port, $mode (rc $rc, $((t1 - t0)) ms)"
		show
	fi
	run -m "$DEAD" $mode --json
	if [ "$rc" -eq 1 ] && all_json "$T/out" "$T/err" &&
	    grep -q "^{\"type\":\"unreachable\",\"ts\":[0-9.]*,\"endpoint\":\"$DEAD\",\"seq\":null,\"error\":\"port unreachable\"}\$" "$T/out" &&
	    grep -q '^{"type":"error","program":"marsping","message":"registration: no answer from .*port unreachable' "$T/err"
	then
		ok "closed port, $mode --json: every failure a JSON object"
	else
		notok "closed port, $mode --json (rc $rc)"
		show
	fi
done
t0=$(now)
run -m "$DEAD" -w 1 --join $G
t1=$(now)
if [ "$rc" -eq 1 ] && [ $((t1 - t0)) -le 2 ] &&
    grep -q 'mars_failed: .*(MARS unreachable)' "$T/out"; then
	ok "closed port: --join reports the MARS failed, exits 1 at -w"
else
	notok "closed port: --join exits 1 at -w (rc $rc)"
	show
fi

# --- IPv6 loopback, when the host has it -----------------------------------
if start_marsd 'udp:[::1]:0'; then
	run -m "$MEP" -c 1 $G
	if [ "$rc" -eq 0 ] && grep -q "^NAK from udp:\[::1\]:" "$T/out"; then
		ok "IPv6 endpoint: NAK"
	else
		notok "IPv6 endpoint: NAK (rc $rc)"
		show
	fi
	kill "$MPID" 2>/dev/null
	wait "$MPID" 2>/dev/null
	# An IPv6 cluster: the example of marsping(1), as written there.
	: >"$T/marsd.err"
	"$MD" --listen 'udp:[::1]:0' --protocol ipv6 --atm "$MARS_ATM" \
	    --redirect-interval 1s --admin "$T/admin6.$$.sock" \
	    2>"$T/marsd.err" &
	MPID=$!
	PIDS="$PIDS $MPID"
	wait_grep "$T/marsd.err" 'listening on'
	MEP=$(sed -n 's/.*listening on \(udp:[^ ]*\).*/\1/p' "$T/marsd.err" |
	    head -1)
	"$MP" -m "$MEP" --join ff0e::1:9 -w 60 >"$T/j6.out" 2>"$T/j6.err" &
	J6=$!
	PIDS="$PIDS $J6"
	check "IPv6 cluster: a member joins ff0e::1:9" wait_grep "$T/j6.out" \
	    'joined: .* group ff0e::1:9'
	run --grouplist -m "$MEP"
	if [ "$rc" -eq 0 ] && grep -qx 'ff0e::1:9' "$T/out"; then
		ok "IPv6 cluster: marsping --grouplist -m $MEP lists it"
	else
		notok "IPv6 cluster: marsping --grouplist -m $MEP (rc $rc)"
		show
	fi
	run --register -m "$MEP" --json
	check "IPv6 cluster: --register finds the protocol" sh -c "[ $rc -eq 0 ] && grep -q '\"protocol\":\"ipv6\"' '$T/out'"
	run --register --protocol ipv4 -m "$MEP" -W 200ms
	if [ "$rc" -eq 1 ] && grep -q 'no answer from .*(IPv4 registration).*another protocol (--protocol)' "$T/err"
	then
		ok "IPv6 cluster, --protocol ipv4: no answer, and why it may be"
	else
		notok "IPv6 cluster, --protocol ipv4: no answer, and why (rc $rc)"
		show
	fi
	kill -TERM "$J6"
	wait "$J6"
else
	skip "no IPv6 loopback"
fi

# --- a MARS that behaves as the Windows 2000 server (PROTOCOL.md C8-C10,
# C18): CMI 0, stale checksum echoes, null-source maps with seqxy 0 --------
if [ -x "$GEN/fakewin" ]; then
	"$GEN/fakewin" -i 300 udp:127.0.0.1:0 >"$T/fw.out" 2>&1 &
	FW=$!
	PIDS="$PIDS $FW"
	wait_grep "$T/fw.out" '^listening on'
	FEP=$(sed -n 's/^listening on //p' "$T/fw.out")
	run -m "$FEP" --register
	if [ "$rc" -eq 0 ] && grep -q "^registered with $FEP: cmi=0 " "$T/out" &&
	    grep -q '^marsping: warning: .*CMI 0.*\[cmi-zero (RFC 2022 §5.2.3)\]' "$T/err" &&
	    grep -q '^marsping: warning: .*echo the mar\$chksum.*\[checksum (RFC 2022 §4.3.3)\]' "$T/err"
	then
		ok "Windows-like MARS: registered with CMI 0 and a stale checksum, warned"
	else
		notok "Windows-like MARS: --register (rc $rc)"
		show
	fi
	run -m "$FEP" --register --no-checksum
	check "--no-checksum: no stale echo to warn of" sh -c "[ $rc -eq 0 ] && ! grep -q chksum '$T/err'"
	run -m "$FEP" -c 2 -i 0.2 $G
	check "Windows-like MARS: NAKs (stale checksum, CSN in mar\$pad) count as replies" \
	    sh -c "[ $rc -eq 0 ] && grep -q '2 requests sent, 2 replies (2 NAKs)' '$T/out'"
	"$MP" -m "$FEP" --join $G --failure-timeout 1s --json -w 60 \
	    >"$T/fwj.out" 2>"$T/fwj.err" &
	FJ=$!
	PIDS="$PIDS $FJ"
	wait_grep "$T/fwj.out" '"event":"joined"'
	# 12 maps at 300 ms: well past twice the failure timeout.
	m0=$(grep -c '^map' "$T/fw.out")
	wait_for 10 sh -c "[ \$(grep -c '^map' '$T/fw.out') -ge $((m0 + 12)) ]"
	kill -TERM "$FJ"
	wait "$FJ"
	jrc=$?
	if [ "$jrc" -eq 0 ] && ! grep -q '"event":"mars_failed"' "$T/fwj.out" &&
	    grep -q '"type":"warning".*keep-alive.*"reasons":\["null-source","seqxy"\]' "$T/fwj.err" &&
	    tail -1 "$T/fwj.out" | grep -q '"event":"deregistered"' &&
	    all_json "$T/fwj.out" "$T/fwj.err"; then
		ok "Windows-like MARS: null-source maps keep the member alive, with a warning"
	else
		notok "Windows-like MARS: null-source maps keep the member alive (rc $jrc)"
		sed 's/^/# /' "$T/fwj.out" "$T/fwj.err" | tail -12
	fi
else
	skip "tests/gen/fakewin not built"
fi

exit $failed
