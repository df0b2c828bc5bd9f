#!/bin/sh
# Load sharing for real (draft-armitage-ion-mars-scsp-03 §4.3-4.5): two
# partitions, red {a1, a2} and blue {b1, a2}, with a2 a Backup shared by
# both, CMI blocks 1-1000 and 1001-2000.  A member in each partition;
# every Active Sub-MARS answers for the whole cluster; killing a1 moves
# red's member to a2 with its CMI while blue keeps b1.  $O is the build
# tree; prints "ok"/"not ok" lines, exits 1 on failure.
: "${O:=build/rel}"
LC_ALL=C
export LC_ALL

MARSD=$O/bin/marsd
MARSPING=$O/bin/marsping
G=$O/tests/gen
T=$(mktemp -d "${TMPDIR:-/tmp}/t_loadshare.XXXXXX") || exit 1
PIDS=""
cleanup() {
	for p in $PIDS; do kill -9 "$p" 2>/dev/null; done
	[ -n "$KEEP" ] && [ "$failed" -ne 0 ] && echo "# kept $T" || rm -rf "$T"
}
trap cleanup EXIT
trap 'exit 1' INT TERM

. tests/integ/lib.sh
q() { s=$1; shift; "$G/adminq" "$T/$s.sock" "$@" 2>/dev/null; }

ATM_A1=470005.80ffe1000000f21a26d8.0020ea00a100.00
ATM_B1=470005.80ffe1000000f21a26d8.0020ea00b100.00

write_conf() {
	cat <<CONF
[cluster]
redirect-interval   = 500ms
failure-timeout     = 2s
retransmit-interval = 500ms
hello-interval      = 1s
dead-factor         = 3

[partition red]
mars = a1 a2
cmi  = 1-1000

[partition blue]
mars = b1 a2
cmi  = 1001-2000

[mars a1]
atm      = $ATM_A1
endpoint = udp:127.0.0.1:$1
priority = 10

[mars a2]
atm      = 470005.80ffe1000000f21a26d8.0020ea00a200.00
endpoint = udp:127.0.0.1:$2
priority = 5

[mars b1]
atm      = $ATM_B1
endpoint = udp:127.0.0.1:$3
priority = 10
CONF
}

start_mars() {
	rm -f "$T/$1.ready"
	"$MARSD" -c "$T/c.conf" -n "$1" --admin "$T/$1.sock" -vv \
	    --ready-fd 3 3>"$T/$1.ready" 2>>"$T/$1.log" &
	eval "P_$1=$!"
	PIDS="$PIDS $!"
}
running() { kill -0 "$1" 2>/dev/null; }
listening() { [ -s "$T/$1.ready" ]; }
# settled NAME...: each listens (--ready-fd), or one of them has exited
settled() {
	for m; do
		eval "p=\$P_$m"
		running "$p" || return 0
		listening "$m" || return 1
	done
}

# Free ports are not held: retry with new ones if a bind lost a race.
try=0
while :; do
	try=$((try + 1))
	set -- $("$G/freeport" 3)
	PA1=$1 PA2=$2 PB1=$3
	write_conf "$@" >"$T/c.conf"
	start_mars a1; start_mars a2; start_mars b1
	wait_for 10 settled a1 a2 b1
	listening a1 && listening a2 && listening b1 && break
	for p in $P_a1 $P_a2 $P_b1; do kill -9 "$p" 2>/dev/null; done
	[ $try -lt 5 ] || { notok "three marsd started"; exit 1; }
done
ok "three marsd started, two partitions"

elected() {
	for s in a1 a2 b1; do
		q $s show election | grep -q 'partition name=red active=a1 ' &&
		q $s show election | grep -q 'partition name=blue active=b1 ' ||
		return 1
	done
}
check "every entity elects a1 for red and b1 for blue" wait_for 10 elected
check "red's map: a1 then the shared Backup a2" sh -c \
    "'$G/adminq' '$T/a1.sock' show election | grep -q 'name=red .* map=a1,a2'"
check "blue's map: b1 then the shared Backup a2" sh -c \
    "'$G/adminq' '$T/b1.sock' show election | grep -q 'name=blue .* map=b1,a2'"

"$MARSPING" --join 224.9.9.9 --cluster "$T/c.conf" --seed 1 -w 40 --json \
    >"$T/red.json" 2>"$T/red.err" &
PIDS="$PIDS $!"
"$MARSPING" --join 224.8.8.8 -m udp:127.0.0.1:$PB1 --atm-mars $ATM_B1 \
    --seed 2 -w 40 --json >"$T/blue.json" 2>"$T/blue.err" &
PIDS="$PIDS $!"
check "red member joined at a1" wait_for 10 grep -q \
    '"event":"joined".*"endpoint":"udp:127.0.0.1:'$PA1'"' "$T/red.json"
check "blue member joined at b1" wait_for 10 grep -q \
    '"event":"joined".*"endpoint":"udp:127.0.0.1:'$PB1'"' "$T/blue.json"

cmi_of() { sed -n 's/.*"event":"registered".*"cmi":\([0-9]*\).*/\1/p' "$1" | tail -n 1; }
CR=$(cmi_of "$T/red.json")
CB=$(cmi_of "$T/blue.json")
check "red CMI from red's block ($CR)" test "${CR:-0}" -ge 1 -a "${CR:-0}" -le 1000
check "blue CMI from blue's block ($CB)" test "${CB:-0}" -ge 1001 -a "${CB:-0}" -le 2000

whole() { q b1 show groups | grep -q 'addr=224.9.9.9 members=1' &&
    q a1 show groups | grep -q 'addr=224.8.8.8 members=1'; }
check "each Active holds the whole cluster's groups" wait_for 5 whole
"$MARSPING" -c 1 -W 2 -m udp:127.0.0.1:$PB1 224.9.9.9 >"$T/req" 2>&1
check "b1 answers a request for red's group with red's member" \
    grep -q 'MULTI from .*224.9.9.9 -> 1 member' "$T/req"

kill -9 "$P_a1"
check "a2 becomes Active for red, blue keeps b1" wait_for 10 sh -c \
    "'$G/adminq' '$T/a2.sock' show election | grep -q 'name=red active=a2 ' &&
     '$G/adminq' '$T/a2.sock' show election | grep -q 'name=blue active=b1 '"
check "red member re-registers with a2 (failure timeout + 1-10 s)" \
    wait_for 20 grep -q \
    '"event":"registered".*"endpoint":"udp:127.0.0.1:'$PA2'"' "$T/red.json"
check "red member keeps its CMI" test "$(cmi_of "$T/red.json")" = "$CR"
check "blue member never failed over" sh -c "! grep -q mars_failed '$T/blue.json'"
check "red's map after the failure: a2, then dead a1" sh -c \
    "'$G/adminq' '$T/a2.sock' show election | grep -q 'name=red .* map=a2,a1'"

exit $failed
