#!/bin/sh
# Regenerates one of marsmap's lab captures: a real run of redundant marsd
# entities on loopback, with marsping members, captured with tcpdump on lo
# (needs root or CAP_NET_RAW).  Writes testdata/map/SCENARIO.pcap and the
# cluster file of the run, testdata/map/SCENARIO.conf (its ports are the
# ones the run used); SCENARIO.expect, what marsmap must find, is written
# by hand.  Run from the top of the tree after
#   make all build/rel/tests/gen/freeport build/rel/tests/gen/adminq
#   sh testdata/map/lab-map.sh SCENARIO
#
# Scenarios:
#   failover    three entities m1 > m2 > m3, three members; m1 is killed
#               -9, the members fail over to m2 (keeping their CMIs); m1
#               comes back, aligns, and m2 hands the cluster back to it
#               with a soft redirect; a fourth member asks the Backup m2,
#               which hard-redirects it to m1.  Conforming.
#   omit-dead   the same with marsd --fault omit-dead: m2's maps leave
#               the dead m1 out (draft §3.5).
#   fresh-cmi   the same with --fault fresh-cmi: a member that registers
#               again gets a new CMI (draft §3.3).
#   skip-sync   the same with --fault skip-sync: m2 soft-redirects to the
#               returning m1 before their caches are aligned (draft §3.4).
#   loadshare   two partitions, red = a1 p1 p2 and blue = b1 p2 p1, the
#               pool p1, p2 shared in opposite orders (draft §4.5), CMI
#               blocks 1-1000 and 1001-2000; two members each; a1 is
#               killed, p1 takes red over, a1 returns and takes it back.
#
# Every step waits for what it needs (bounded), never for a fixed time;
# times, ports and CSNs differ from run to run.
set -e
SCEN=${1:?usage: lab-map.sh failover|omit-dead|fresh-cmi|skip-sync|loadshare}
O=${O:-build/rel}
G=$O/tests/gen
MARSD=$O/bin/marsd
PING=$O/bin/marsping
MD=$O/bin/marsdump
OUT=${OUTDIR:-testdata/map}
T=$(mktemp -d)
PIDS=
TP=
cleanup() {
	for p in $PIDS; do kill -9 "$p" 2>/dev/null || :; done
	[ -z "$TP" ] || kill "$TP" 2>/dev/null || :
	rm -rf "$T"
}
trap cleanup EXIT
trap 'exit 1' INT TERM

die() {
	echo "lab-map.sh: $*" >&2
	for f in "$T"/*.log "$T"/p*; do
		[ -f "$f" ] && { echo "--- $f" >&2; tail -n 5 "$f" >&2; }
	done
	exit 1
}
# wait_for SECONDS COMMAND...: retry every 0.1 s until it succeeds.
wait_for() {
	w=$(($1 * 10)); shift
	while [ "$w" -gt 0 ]; do
		"$@" && return 0
		sleep 0.1
		w=$((w - 1))
	done
	die "gave up waiting for: $*"
}
q() { s=$1; shift; "$G/adminq" "$T/$s.sock" "$@" 2>/dev/null; }

case $SCEN in
failover)	FAULT= ;;
omit-dead|fresh-cmi|skip-sync)	FAULT=$SCEN ;;
loadshare)	FAULT= ;;
*)	die "unknown scenario $SCEN" ;;
esac

# --- the cluster file, on free ports ---
ATM_PREFIX=47.0005.80ffe1000000f21a26d8.0020ea
if [ "$SCEN" = loadshare ]; then
	NAMES="a1 b1 p1 p2"
	PORTS=$("$G/freeport" 8 | tr '\n' ' ')
else
	NAMES="m1 m2 m3"
	PORTS=$("$G/freeport" 6 | tr '\n' ' ')
fi
set -- $PORTS
{
	echo "# marsmap lab capture \"$SCEN\" (testdata/map/lab-map.sh): the"
	echo "# cluster file of the run, with the ports it used."
	echo "[cluster]"
	echo "redirect-interval   = 500ms"
	echo "failure-timeout     = 2s"
	echo "retransmit-interval = 500ms"
	echo "hello-interval      = 200ms"
	echo "dead-factor         = 3"
	echo "mcs-timeout         = 5s"
	echo "fault-injection     = yes"
	if [ "$SCEN" = loadshare ]; then
		echo
		echo "[partition red]"
		echo "mars = a1 p1 p2"
		echo "cmi  = 1-1000"
		echo
		echo "[partition blue]"
		echo "mars = b1 p2 p1"
		echo "cmi  = 1001-2000"
	fi
	prio=200
	n=1
	for m in $NAMES; do
		echo
		echo "[mars $m]"
		echo "atm           = $ATM_PREFIX$(printf "0000%02x" $n).00"
		echo "endpoint      = udp:127.0.0.1:$1"
		echo "peer-endpoint = udp:127.0.0.1:$2"
		echo "priority      = $prio"
		shift 2
		prio=$((prio - 50))
		n=$((n + 1))
	done
} >"$T/c.conf"
"$MARSD" -t -c "$T/c.conf" || die "marsd refuses the cluster file"
atm_of() {
	i=1
	for m in $NAMES; do
		[ "$m" = "$1" ] && { printf "47000580ffe1000000f21a26d80020ea0000%02x00\n" $i; return; }
		i=$((i + 1))
	done
}
ep_of() { sed -n "/^\[mars $1\]/,/^\[/s/^endpoint *= *//p" "$T/c.conf"; }

# --- the capture: only this cluster's ports ---
filter="udp and ("
first=1
for p in $PORTS; do
	[ $first = 1 ] || filter="$filter or"
	filter="$filter port $p"
	first=0
done
filter="$filter)"
tcpdump -i lo -U -w "$T/cap.pcap" "$filter" 2>"$T/tcpdump.log" &
TP=$!
wait_for 10 grep -qs "listening on" "$T/tcpdump.log"

start_mars() {
	"$MARSD" -c "$T/c.conf" -n "$1" --admin "$T/$1.sock" \
	    ${FAULT:+--fault $FAULT} -v 2>>"$T/$1.log" &
	eval "P_$1=$!"
	PIDS="$PIDS $!"
}
for m in $NAMES; do start_mars $m; done
group_up() {
	for m in $NAMES; do
		[ "$(q $m show living-group | grep -c 'alive=yes.*aligned=yes')" \
		    -eq "$(echo $NAMES | wc -w)" ] || return 1
	done
}
wait_for 20 group_up

# --- members: k starts with MARS $2, joins group 224.1.2.k ---
start_member() {
	"$PING" --join "224.1.2.$1" --cluster "$T/c.conf" -m "$(ep_of $2)" \
	    --json --seed "$1" -w 120 >"$T/p$1" 2>"$T/p$1.err" &
	PIDS="$PIDS $!"
	MPIDS="$MPIDS $!"
}
MPIDS=
# reg_with K MARS: member K's last registration is with MARS.
reg_with() {
	grep '"event":"registered"' "$T/p$1" 2>/dev/null | tail -n 1 |
	    grep -q "\"mars\":\"$(atm_of $2)\""
}
# all_with MARS K...: every member K is registered with MARS.
all_with() {
	m=$1; shift
	for k in "$@"; do reg_with "$k" "$m" || return 1; done
}
# nmaps MARS: distinct soft maps (by mar$msn) from MARS captured so far;
# a capture on lo holds one copy per leaf of each.
nmaps() {
	"$MD" -r "$T/cap.pcap" 2>/dev/null |
	    sed -n "s/.*REDIRECT_MAP soft msn \([0-9]*\) .*from $(atm_of $1).*/\1/p" |
	    sort -u | wc -l
}
maps_from() { [ "$(nmaps "$2")" -ge "$1" ]; }	# COUNT MARS
active_of() {	# ENTITY PARTITION
	q "$1" show election | sed -n "s/^partition name=$2 active=\([^ ]*\).*/\1/p"
}
is_active() { [ "$(active_of "$1" "$3")" = "$2" ]; }

if [ "$SCEN" = loadshare ]; then
	start_member 1 a1; start_member 2 a1
	start_member 3 b1; start_member 4 b1
	wait_for 20 all_with a1 1 2
	wait_for 20 all_with b1 3 4
	wait_for 10 maps_from $(($(nmaps a1) + 3)) a1
	kill -9 "$P_a1"
	wait "$P_a1" 2>/dev/null || :
	wait_for 20 is_active p1 p1 red
	wait_for 30 all_with p1 1 2
	start_mars a1
	wait_for 20 is_active a1 a1 red
	wait_for 30 all_with a1 1 2
	wait_for 10 maps_from $(($(nmaps a1) + 3)) a1
else
	for k in 1 2 3; do start_member $k m1; done
	wait_for 20 all_with m1 1 2 3
	wait_for 10 maps_from $(($(nmaps m1) + 3)) m1
	kill -9 "$P_m1"
	wait "$P_m1" 2>/dev/null || :
	wait_for 20 is_active m2 m2 cluster
	wait_for 40 all_with m2 1 2 3
	start_mars m1
	wait_for 20 is_active m1 m1 cluster
	wait_for 40 all_with m1 1 2 3
	# A member that asks the Backup m2 first: it is answered, then sent
	# back to m1 with a hard redirect (draft §3.2).
	start_member 4 m2
	wait_for 20 all_with m1 4
	wait_for 10 maps_from $(($(nmaps m1) + 3)) m1
fi

# --- the end: members deregister, the entities stop, the capture closes ---
for p in $MPIDS; do kill "$p" 2>/dev/null || :; done
members_gone() {
	for p in $MPIDS; do kill -0 "$p" 2>/dev/null && return 1; done
	return 0
}
wait_for 10 members_gone
for m in $NAMES; do eval "kill \$P_$m" 2>/dev/null || :; done
kill "$TP"
wait "$TP" 2>/dev/null || :
TP=
mkdir -p "$OUT"
cp "$T/cap.pcap" "$OUT/$SCEN.pcap"
cp "$T/c.conf" "$OUT/$SCEN.conf"
echo "lab-map.sh: wrote $OUT/$SCEN.pcap ($("$MD" -r "$OUT/$SCEN.pcap" | wc -l) messages) and $OUT/$SCEN.conf"
