#!/bin/sh
# A redundant MARS for real: three marsd entities on loopback
# (draft-armitage-ion-mars-scsp-03 over SCSP), three marsping members.
# Election, replication, hard redirect from a Backup, failover with CMI
# continuity when the Active is killed -9, takeover with a soft redirect
# when it returns, the admin commands of the redundancy and fault
# injection.  $O is the build tree; prints "ok"/"not ok" lines, exits 1 on
# failure.  Ports are ephemeral ones on 127.0.0.1, picked by freeport.
# KEEP=1 keeps the temporary directory (logs, member events) on failure.
: "${O:=build/rel}"
LC_ALL=C
export LC_ALL

MARSD=$O/bin/marsd
[ -x "$MARSD" ] || MARSD=bin/marsd
MARSPING=$O/bin/marsping
[ -x "$MARSPING" ] || MARSPING=bin/marsping
G=$O/tests/gen
T=$(mktemp -d "${TMPDIR:-/tmp}/t_cluster.XXXXXX") || exit 1
PIDS=""
cleanup() {
	for p in $PIDS; do kill -9 "$p" 2>/dev/null; done
	[ -n "$KEEP" ] && [ "$failed" -ne 0 ] && echo "# kept $T" || rm -rf "$T"
}
trap cleanup EXIT
trap 'exit 1' INT TERM

. tests/integ/lib.sh
q() { s=$1; shift; "$G/adminq" "$T/$s.sock" "$@" 2>/dev/null; }
aq() { s=$1; shift; "$G/adminq" "$T/$s.sock" "$@"; }

ATM_PREFIX=47000580ffe1000000f21a26d80020ea0000
atm_of() { case $1 in m1) echo ${ATM_PREFIX}0100 ;; m2) echo ${ATM_PREFIX}0200 ;; m3) echo ${ATM_PREFIX}0300 ;; esac; }

write_conf() {
	# $1: fault-injection value; ports from $PORTS
	cat <<EOF
[cluster]
redirect-interval   = 500ms
failure-timeout     = 2s
retransmit-interval = 500ms
hello-interval      = 200ms
dead-factor         = 3
mcs-timeout         = 5s
fault-injection     = $1

EOF
	mars_sections 200 100 50
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

# Ports are free when freeport prints them but not held: another program
# may take one before marsd binds it, so try again with new ones.
try=0
while :; do
	try=$((try + 1))
	PORTS=$("$G/freeport" 6 | tr '\n' ' ')
	write_conf yes >"$T/c.conf"
	rm -f "$T"/m?.log
	start_mars m1; start_mars m2; start_mars m3
	wait_for 10 settled m1 m2 m3
	if listening m1 && listening m2 && listening m3; then
		break
	fi
	for p in $P_m1 $P_m2 $P_m3; do kill -9 "$p" 2>/dev/null; done
	if [ $try -ge 3 ]; then
		echo "not ok - three marsd could not start"; cat "$T"/m?.log
		exit 1
	fi
done
set -- $PORTS
EP1=udp:127.0.0.1:$1
EP2=udp:127.0.0.1:$3

check "-t accepts the generated cluster file" "$MARSD" -t -c "$T/c.conf"

# --- the Living Group forms, m1 is elected ---
group_up() {
	q "$1" show living-group >"$T/lg.$1" || return 1
	[ "$(grep -c 'alive=yes' "$T/lg.$1")" -eq 3 ] &&
	    grep -q '^mars name=m1 .*role=active' "$T/lg.$1" &&
	    [ "$(grep -c 'aligned=yes' "$T/lg.$1")" -eq 3 ]
}
for m in m1 m2 m3; do
	check "$m: living group of three, m1 Active" wait_for 10 group_up $m
done
check "m1 says it is Active" sh -c "'$G/adminq' '$T/m1.sock' show election | grep -q '^election self=m1 role=active active_for=1'"
check "m2 is a Backup pointing at m1" sh -c "'$G/adminq' '$T/m2.sock' show election | grep -q 'role=backup' && '$G/adminq' '$T/m2.sock' show election | grep -q 'partition name=cluster active=m1 order=m1,m2,m3'"
aq m1 show scsp >"$T/scsp"
check "show scsp: two peers Bidirectional and Aligned" sh -c "grep -q '^scsp peers=2 bidirectional=2 aligned=2' '$T/scsp' && [ \$(grep -c 'hello=BIDIRECTIONAL ca=ALIGNED' '$T/scsp') -eq 2 ]"
check "show scsp: inter-server VCs labelled from 0/34" grep -q 'vc=0/3[4-9]' "$T/scsp"
for c in living-group election scsp redirect-map; do
	aq m2 show $c json >"$T/$c.json"
	check "show $c json is valid JSON" json_ok "$T/$c.json"
	t=$(echo "$c" | tr - _)
	check "show $c json: \"type\":\"$t\" first" has "^{\"type\":\"$t\"," "$T/$c.json"
done
check "show scsp: replication errors by kind, none" has '"errors":{"encode":0,"originate":0,"export":0,"decode":0,"apply":0,"revert":0,"server":0}' "$T/scsp.json"
check "show scsp text: errors and purges" grep -q '^scsp .* purged=0 tombstones_purged=0 seq_wraps=0 encode_errors=0 .* apply_errors=0 ' "$T/scsp"
check "show scsp json: null for self's absent peer states" has '"hello":null' "$T/scsp.json"

# --- three members register with m1 ---
for i in 1 2 3; do
	"$MARSPING" --join 224.1.1.$i --cluster "$T/c.conf" --json -w 50 \
	    --seed $i >"$T/p$i" 2>"$T/p$i.err" &
	eval "M$i=$!"
	PIDS="$PIDS $!"
done
reg_with() {	# reg_with FILE MARS [DETAIL]
	grep '"event":"registered"' "$1" | grep "\"mars\":\"$(atm_of $2)\"" |
	    grep -q "${3:-.}"
}
cmi_at() {	# the CMI of the member's last registration with MARS
	grep '"event":"registered"' "$1" | grep "\"mars\":\"$(atm_of $2)\"" |
	    tail -n 1 | sed -n 's/.*"cmi":\([0-9]*\).*/\1/p'
}
for i in 1 2 3; do
	check "member $i registered with m1" wait_for 5 reg_with "$T/p$i" m1
	eval "C$i=\$(cmi_at '$T/p$i' m1)"
done
check "three distinct CMIs" sh -c "[ -n '$C1' ] && [ -n '$C2' ] && [ -n '$C3' ] && [ '$C1' != '$C2' ] && [ '$C2' != '$C3' ] && [ '$C1' != '$C3' ]"
map_names() { q "$1" show redirect-map | sed -n 's/^mars .*name=\([^ ]*\).*/\1/p' | tr '\n' ' '; }
check "m1's redirect map lists m1 m2 m3" test "$(map_names m1)" = "m1 m2 m3 "
check "m1 sends the map, m2 does not" sh -c "'$G/adminq' '$T/m1.sock' show redirect-map | grep -q 'sending=yes' && '$G/adminq' '$T/m2.sock' show redirect-map | grep -q 'sending=no'"
replicated() {
	q m2 show members >"$T/m2.members"
	for c in $C1 $C2 $C3; do
		grep -q "^member cmi=$c .*state=registered" "$T/m2.members" ||
		    return 1
	done
}
check "registrations replicated to m2 (SCSP)" wait_for 3 replicated

# --- a Backup answers a registration with a hard redirect to the Active ---
"$MARSPING" --register -m "$EP2" --cluster "$T/c.conf" --json -W 2s \
    >"$T/reg2" 2>&1
check "registration at Backup m2: hard redirect to m1" sh -c "grep -q '\"hard\":true,\"list\":\\[\"$(atm_of m1)\"' '$T/reg2'"

# --- fault injection switches ---
aq m1 fault omit-dead on >"$T/fault" 2>&1
check "fault omit-dead on (fault-injection = yes)" grep -q 'faults active=omit-dead' "$T/fault"
aq m1 fault omit-dead off >"$T/fault" 2>&1
check "fault omit-dead off" grep -q 'faults active=none' "$T/fault"
aq m1 fault bogus on >/dev/null 2>"$T/fault"
check "unknown fault name refused" grep -q 'unknown fault "bogus"' "$T/fault"
write_conf no >"$T/nofault.conf"
"$MARSD" -t -c "$T/nofault.conf" -n m1 --fault omit-dead 2>"$T/fault"
rc=$?
check "--fault refused without fault-injection = yes (exit 2)" sh -c "[ $rc -eq 2 ] && grep -q 'fault-injection = yes' '$T/fault'"

# --- the Active dies: every member moves to m2 with its CMI ---
kill -9 "$P_m1"
wait "$P_m1" 2>/dev/null
for i in 1 2 3; do
	# failure-timeout 2 s + the random 1-10 s of RFC 2022 §5.4 + slack
	check "member $i re-registered with m2" wait_for 15 reg_with "$T/p$i" m2 recovery
	eval "c=\$C$i"
	check "member $i kept CMI $c" test "$(cmi_at "$T/p$i" m2)" = "$c"
done
check "m2 Active, m1 dead" sh -c "'$G/adminq' '$T/m2.sock' show living-group | grep -q '^mars name=m1 .*alive=no .*role=dead' && '$G/adminq' '$T/m2.sock' show living-group | grep -q '^mars name=m2 .*role=active self=yes'"
check "m2's redirect map lists m2 m3 m1 (dead last)" test "$(map_names m2)" = "m2 m3 m1 "
rejoined_all() {
	for i in 1 2 3; do
		grep '"event":"rejoined"' "$T/p$i" |
		    grep -q "\"mars\":\"$(atm_of m2)\"" || return 1
	done
}
check "every member re-joined its group at m2" wait_for 12 rejoined_all
q m2 show groups >"$T/m2.groups"
check "m2's groups hold the members by CMI" sh -c "grep -q 'group addr=224.1.1.1 .*cmis=$C1\$' '$T/m2.groups' && grep -q 'group addr=224.1.1.2 .*cmis=$C2\$' '$T/m2.groups' && grep -q 'group addr=224.1.1.3 .*cmis=$C3\$' '$T/m2.groups'"
q m2 show members >"$T/m2.members"
check "members attached to m2 over their own VCs" sh -c "[ \$(grep -c 'state=registered vc=[1-9]' '$T/m2.members') -eq 3 ]"

# --- m1 returns: it aligns, takes over, members follow a soft redirect ---
start_mars m1
check "restarted m1 listens" wait_for 5 listening m1
check "m1 rejoined, aligned and Active again" wait_for 10 group_up m1
for i in 1 2 3; do
	check "member $i soft-redirected back to m1" wait_for 8 reg_with "$T/p$i" m1 "soft redirect"
	eval "c=\$C$i"
	check "member $i still CMI $c" test "$(cmi_at "$T/p$i" m1)" = "$c"
done
# two more maps from m1: members had time to (wrongly) re-join
maps_sent() { q m1 show stats | sed -n 's/^op name=REDIRECT_MAP rx=[0-9]* tx=\([0-9]*\)$/\1/p'; }
n0=$(maps_sent)
more_maps() { [ "$(maps_sent)" -ge $((n0 + 2)) ]; }
check "m1 keeps sending maps" wait_for 5 more_maps
check "no re-join after the soft redirect" sh -c "for i in 1 2 3; do sed -n '/soft redirect/,\$p' '$T/p'\$i | grep -q '\"event\":\"joined\"' && exit 1; done; exit 0"
check "m1's redirect map lists m1 m2 m3" test "$(map_names m1)" = "m1 m2 m3 "
check "m2 back to Backup" sh -c "'$G/adminq' '$T/m2.sock' show election | grep -q 'role=backup'"

# members leave cleanly (SIGTERM deregisters)
for i in 1 2 3; do eval "kill -TERM \$M$i"; done
for i in 1 2 3; do eval "wait \$M$i"; done
check "no marsd died" sh -c "kill -0 $P_m1 && kill -0 $P_m2 && kill -0 $P_m3"
for m in m1 m2 m3; do eval "kill -TERM \$P_$m"; done
for m in m1 m2 m3; do
	eval "wait \$P_$m"
	check "$m exits 0 on SIGTERM" test $? -eq 0
done
check "admin sockets removed" sh -c "! ls '$T'/m?.sock >/dev/null 2>&1"

[ "$failed" -eq 0 ] || { for f in "$T"/m?.log; do echo "# $f"; tail -n 20 "$f" | sed 's/^/# /'; done; }
exit "$failed"
