#!/bin/sh
# The RFC 2022 conformance suite (mars-conformance(7)) against real
# marsd: a conforming one passes every case; each fault switch of
# marsd(8) makes the case of its rule fail, and only that one -- the
# Windows 2000 quirks on a lone MARS, omit-dead, fresh-cmi and skip-sync
# on the Active of a redundant cluster (m1 Active, m2 ranked above it but
# never started, m3 a living Backup).  Then tests/gen/fakewin, a silent
# endpoint and a closed one.  Through tests/gen/conformrun (one line per
# case).  $O is the build tree; prints "ok"/"not ok" lines, exits 1 on
# failure.  KEEP=1 keeps the temporary directory on failure.
: "${O:=build/rel}"
LC_ALL=C
export LC_ALL

MARSD=$O/bin/marsd
[ -x "$MARSD" ] || MARSD=bin/marsd
G=$O/tests/gen
RUN=$G/conformrun
T=$(mktemp -d "${TMPDIR:-/tmp}/t_conform.XXXXXX") || exit 1
PIDS=""
cleanup() {
	for p in $PIDS; do kill -9 "$p" 2>/dev/null; done
	[ -n "$KEEP" ] && [ "$failed" -ne 0 ] && echo "# kept $T" || rm -rf "$T"
}
trap cleanup EXIT
trap 'exit 1' INT TERM

. tests/integ/lib.sh

ATM=4700058000000000000000000000000000000100
NCASES=$("$RUN" -l | wc -l)
NCLUSTER=$("$RUN" -l | grep -c '^cluster-')

# failing FILE: the ids of the failed cases, sorted, space-separated
failing() { sed -n 's/^FAIL \([^ ]*\) .*/\1/p' "$1" | sort | tr '\n' ' '; }
total_is() {	# total_is FILE PASS FAIL SKIP
	grep -q "^total $NCASES pass $2 fail $3 skip $4\$" "$1"
}
# expect_failing NAME FILE "ids...": exactly those cases failed
expect_failing() {
	want=$(echo $3 | tr ' ' '\n' | sort | tr '\n' ' ')
	got=$(failing "$2")
	if [ "$got" = "$want" ]; then
		ok "$1: fails exactly $3"
	else
		notok "$1: fails \"$got\", expected \"$want\""
		grep -v '^PASS' "$2" | sed 's/^/# /'
	fi
}

# --- the catalogue and its manual page ---
"$RUN" -l >"$T/cases"
cut -f1 "$T/cases" >"$T/ids"
check "the catalogue has $NCASES cases, each citing RFC 2022 or the draft" \
    sh -c "[ $NCASES -ge 50 ] && ! grep -v -e '	RFC 2022 §' -e '	draft-armitage-ion-mars-scsp-03 §' '$T/cases'"
missing=""
for id in $(cut -f1 "$T/cases"); do
	grep -q "^\.It Cm $id\$" man/mars-conformance.7 || missing="$missing $id"
done
check "mars-conformance(7) lists every case${missing:+ (missing:$missing)}" \
    test -z "$missing"

# --- a lone marsd ---
lone() {	# lone NAME [marsd args]: start, $EP its endpoint
	name=$1
	shift
	rm -f "$T/$name.ready"
	"$MARSD" --listen udp:127.0.0.1:0 --atm $ATM --redirect-interval 300ms \
	    --admin "$T/$name.sock" --ready-fd 3 "$@" 3>"$T/$name.ready" \
	    2>>"$T/$name.log" &
	LONE=$!
	PIDS="$PIDS $LONE"
	wait_for 10 test -s "$T/$name.ready" || return 1
	EP=$(head -n 1 "$T/$name.ready")
}
stop() { kill "$1" 2>/dev/null; wait "$1" 2>/dev/null; }

if lone conforming; then
	"$RUN" -w 3000 "$EP" >"$T/conforming.out" 2>&1
	rc=$?
	check "conforming marsd: every case passes but the $NCLUSTER cluster ones (exit $rc)" \
	    sh -c "[ $rc -eq 0 ] && grep -q '^total $NCASES pass $((NCASES - NCLUSTER)) fail 0 skip $NCLUSTER\$' '$T/conforming.out'"
	check "conforming marsd: the cluster cases skip for want of a cluster file" \
	    sh -c "[ \$(grep -c '^SKIP cluster-.*no cluster file' '$T/conforming.out') -eq $NCLUSTER ]"
	check "conforming marsd: one line per case, in catalogue order" \
	    sh -c "sed -n 's/^[A-Z]* \([^ ]*\) [0-9]*.*/\1/p' '$T/conforming.out' | cmp -s - '$T/ids'"
	check "conforming marsd: still running" kill -0 "$LONE"
	stop "$LONE"
else
	notok "a lone marsd starts"
fi

# One fresh marsd per fault: cmi-zero shows on the first registration.
for f in stale-checksum:checksum-reply cmi-zero:register-cmi \
    nak-csn:request-nak null-map:redirect-map \
    "win2000:checksum-reply register-cmi request-nak redirect-map"; do
	fault=${f%%:*}
	want=${f#*:}
	if ! lone "$fault" --fault-injection --fault "$fault"; then
		notok "marsd --fault $fault starts"
		continue
	fi
	"$RUN" -w 3000 "$EP" >"$T/$fault.out" 2>&1
	rc=$?
	check "--fault $fault: exit 1" test "$rc" -eq 1
	expect_failing "--fault $fault" "$T/$fault.out" "$want"
	stop "$LONE"
done
grep '^FAIL' "$T/nak-csn.out" >"$T/detail"
check "a failure says what was expected and what came" \
    grep -q 'octets 28-31 were 00000000, came back ' "$T/detail"

# --- a redundant cluster: m1 Active, m2 above it but down, m3 Backup ---
write_conf() {
	cat <<EOF
[cluster]
redirect-interval   = 300ms
failure-timeout     = 2s
retransmit-interval = 500ms
hello-interval      = 1s
dead-factor         = 2
fault-injection     = yes

EOF
	mars_sections 200 250 50
}
start_mars() {	# start_mars NAME [args]
	m=$1
	shift
	rm -f "$T/$m.ready"
	"$MARSD" -c "$T/c.conf" -n "$m" --admin "$T/$m.sock" --ready-fd 3 "$@" \
	    3>"$T/$m.ready" 2>>"$T/$m.log" &
	eval "P_$m=$!"
	PIDS="$PIDS $!"
}
ready() {	# m1 Active, m3 a living aligned Backup, as m1 sees it
	"$G/adminq" "$T/m1.sock" show living-group >"$T/lg" 2>/dev/null &&
	    grep -q '^mars name=m1 .*role=active' "$T/lg" &&
	    grep -q '^mars name=m3 .*alive=yes.*aligned=yes' "$T/lg"
}
cluster() {	# cluster [marsd args]: m1 and m3 up, m1 Active
	try=0
	while [ $try -lt 3 ]; do
		try=$((try + 1))
		PORTS=$("$G/freeport" 6 | tr '\n' ' ')
		write_conf >"$T/c.conf"
		start_mars m1 "$@"
		start_mars m3 "$@"
		if wait_for 15 ready; then
			set -- $PORTS
			EP1=udp:127.0.0.1:$1
			return 0
		fi
		stop "$P_m1"
		stop "$P_m3"
	done
	return 1
}

for f in none omit-dead:cluster-map-group fresh-cmi:register-new-vc \
    skip-sync:cluster-soft-after-sync; do
	fault=${f%%:*}
	want=${f#*:}
	[ "$fault" = none ] && want=""
	if [ "$fault" = none ]; then
		cluster
	else
		cluster --fault "$fault"
	fi || { notok "cluster ($fault): m1 Active, m3 aligned"; continue; }
	"$RUN" -c "$T/c.conf" -w 3000 "$EP1" >"$T/cluster-$fault.out" 2>&1
	rc=$?
	if [ "$fault" = none ]; then
		check "conforming cluster: every case passes (exit $rc)" \
		    sh -c "[ $rc -eq 0 ] && grep -q '^total $NCASES pass $NCASES fail 0 skip 0\$' '$T/cluster-$fault.out'"
		[ $rc -eq 0 ] || grep -v '^PASS' "$T/cluster-$fault.out" |
		    sed 's/^/# /'
	else
		check "cluster --fault $fault: exit 1" test "$rc" -eq 1
		expect_failing "cluster --fault $fault" "$T/cluster-$fault.out" \
		    "$want"
	fi
	stop "$P_m1"
	stop "$P_m3"
done

# --- the Windows 2000 stand-in ---
P=$("$G/freeport")
"$G/fakewin" -i 300 "udp:127.0.0.1:$P" >"$T/fakewin.log" 2>&1 &
FW=$!
PIDS="$PIDS $FW"
if wait_for 5 grep -q '^listening' "$T/fakewin.log"; then
	"$RUN" -w 3000 "udp:127.0.0.1:$P" >"$T/fakewin.out" 2>&1
	rc=$?
	check "fakewin: exit 1" test "$rc" -eq 1
	for id in register-cmi request-nak checksum-reply redirect-map \
	    request-multi grouplist join-redundant; do
		check "fakewin: $id fails" grep -q "^FAIL $id " "$T/fakewin.out"
	done
else
	notok "fakewin starts"
fi
stop "$FW"

# --- endpoints that answer nothing: quick verdicts, no hang ---
P=$("$G/freeport")
t0=$(date +%s)
"$RUN" -t 1000 "udp:127.0.0.1:$P" >"$T/closed.out" 2>&1
rc=$?
check "nothing listening: register-cmi fails at once (ICMP), the rest skip" \
    sh -c "[ $rc -eq 1 ] && grep -q '^FAIL register-cmi .*unreachable' '$T/closed.out' && grep -q '^total $NCASES pass 0 fail 1 skip $((NCASES - 1))\$' '$T/closed.out'"
python3 -c 'import socket, sys, time
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.bind(("127.0.0.1", 0))
print(s.getsockname()[1], flush=True)
time.sleep(60)' >"$T/silent.port" &
SIL=$!
PIDS="$PIDS $SIL"
if wait_for 5 test -s "$T/silent.port"; then
	"$RUN" -t 1000 "udp:127.0.0.1:$(cat "$T/silent.port")" \
	    >"$T/silent.out" 2>&1
	rc=$?
	check "a silent MARS: register-cmi fails after one timeout, the rest skip" \
	    sh -c "[ $rc -eq 1 ] && grep -q '^FAIL register-cmi .*no answer at all' '$T/silent.out' && grep -q '^total $NCASES pass 0 fail 1 skip $((NCASES - 1))\$' '$T/silent.out'"
fi
stop "$SIL"
t1=$(date +%s)
check "both within a few seconds ($((t1 - t0)) s)" test $((t1 - t0)) -lt 10

"$RUN" -o bogus "udp:127.0.0.1:$P" >/dev/null 2>"$T/bogus"
rc=$?
check "an unknown case id: exit 2, named" sh -c "[ $rc -eq 2 ] && grep -q 'bogus' '$T/bogus'"

exit "$failed"
