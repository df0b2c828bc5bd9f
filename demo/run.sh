#!/bin/sh
# `make demo': a redundant MARS failing over, told as it happens.
#
# Three marsd entities on loopback (testdata/cluster/demo.conf, or the
# same cluster on other free ports when those are taken), five marsping
# members, then the Active MARS is killed -9 and the members find the
# next one.  Prints who was Active before and after, each member's CMI
# before and after, how long each took to register again (from the kill
# to its `registered' event with the new MARS) and the redirect maps.
# Every process it starts is killed on the way out, whatever happens.
: "${O:=build/rel}"
LC_ALL=C
export LC_ALL

MARSD=$O/bin/marsd
MARSPING=$O/bin/marsping
G=$O/tests/gen
MEMBERS=5
for f in "$MARSD" "$MARSPING" "$G/adminq" "$G/freeport"; do
	[ -x "$f" ] || { echo "demo: $f missing: run make demo" >&2; exit 2; }
done
T=$(mktemp -d "${TMPDIR:-/tmp}/marsdemo.XXXXXX") || exit 1
PIDS=""
cleanup() {
	for p in $PIDS; do kill -9 "$p" 2>/dev/null; done
	for p in $PIDS; do wait "$p" 2>/dev/null; done
	rm -rf "$T"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

die() { echo "demo: $*" >&2; for f in "$T"/m?.log; do [ -f "$f" ] && { echo "--- $f" >&2; tail -n 15 "$f" >&2; }; done; exit 1; }
# wait_for SECONDS COMMAND...: retry every 0.1 s
wait_for() {
	w=$(($1 * 10)); shift
	while [ "$w" -gt 0 ]; do
		"$@" && return 0
		sleep 0.1
		w=$((w - 1))
	done
	return 1
}
now() { t=$(date +%s.%N 2>/dev/null); case $t in *N) date +%s ;; *) echo "$t" ;; esac; }
q() { s=$1; shift; "$G/adminq" "$T/$s.sock" "$@" 2>/dev/null; }
atm_of() { echo "47000580ffe1000000f21a26d80020ea00000${1#m}00"; }

# --- the cluster file: the shipped ports if free, else fresh ones ---
CONF=testdata/cluster/demo.conf
PORTS=$(sed -n 's/^[a-z-]*endpoint *= *udp:127\.0\.0\.1:\([0-9]*\).*/\1/p' "$CONF" | tr '\n' ' ')
if "$G/freeport" -c $PORTS; then
	cp "$CONF" "$T/c.conf"
	echo "cluster: $CONF (ports $PORTS)"
else
	NEW=$("$G/freeport" 6 | tr '\n' ' ')
	cp "$CONF" "$T/c.conf"
	set -- $NEW
	for old in $PORTS; do
		sed "s/:$old\$/:$1/" "$T/c.conf" >"$T/c.tmp" && mv "$T/c.tmp" "$T/c.conf"
		shift
	done
	echo "cluster: $CONF with free ports $NEW (the shipped ones are taken)"
fi

start_mars() {
	"$MARSD" -c "$T/c.conf" -n "$1" --admin "$T/$1.sock" -v \
	    2>>"$T/$1.log" &
	eval "P_$1=$!"
	PIDS="$PIDS $!"
}
for m in m1 m2 m3; do start_mars $m; done
group_up() {
	for m in m1 m2 m3; do
		[ "$(q $m show living-group | grep -c 'alive=yes.*aligned=yes')" -eq 3 ] || return 1
	done
}
t0=$(now)
wait_for 15 group_up || die "the three MARS did not form a Living Group"
active_of() { q "$1" show election | sed -n 's/^partition .*active=\([^ ]*\).*/\1/p'; }
ACTIVE=$(active_of m2)
echo "Living Group: m1 m2 m3 alive and aligned within $(awk "BEGIN{printf \"%.0f\", ($(now) - $t0) * 1000}") ms; Active MARS: $ACTIVE"

show_map() {
	q "$1" show redirect-map | awk -v who="$1" '
	    /^redirect-map/ { for (i = 1; i <= NF; i++) if ($i ~ /^sending=/) s = $i }
	    /^mars / { for (i = 1; i <= NF; i++) if ($i ~ /^name=/) l = l " " substr($i, 6) }
	    END { printf "  redirect map sent by %s:%s  (%s)\n", who, l, s }'
}

# --- five members ---
i=1
while [ $i -le $MEMBERS ]; do
	"$MARSPING" --join 224.1.2.$i --cluster "$T/c.conf" --json -w 45 \
	    --seed $i >"$T/p$i" 2>"$T/p$i.err" &
	PIDS="$PIDS $!"
	i=$((i + 1))
done
reg_with() {	# FILE MARS
	grep '"event":"registered"' "$1" | grep -q "\"mars\":\"$(atm_of $2)\""
}
all_reg() { i=1; while [ $i -le $MEMBERS ]; do reg_with "$T/p$i" "$1" || return 1; i=$((i + 1)); done; }
wait_for 10 all_reg "$ACTIVE" || die "the members did not register with $ACTIVE"
last_reg() {	# FILE MARS FIELD: from the last registration with MARS
	grep '"event":"registered"' "$1" | grep "\"mars\":\"$(atm_of $2)\"" |
	    tail -n 1 | sed -n "s/.*\"$3\":\\([0-9.]*\\).*/\\1/p"
}
echo
echo "Before the failure"
show_map "$ACTIVE"
i=1
while [ $i -le $MEMBERS ]; do
	eval "CMI_$i=$(last_reg "$T/p$i" "$ACTIVE" cmi)"
	eval "echo \"  member $i (group 224.1.2.$i): registered with $ACTIVE, CMI \$CMI_$i\""
	i=$((i + 1))
done

# --- the Active dies ---
echo
eval "victim=\$P_$ACTIVE"
KILLED=$(now)
kill -9 "$victim"
wait "$victim" 2>/dev/null
echo "kill -9 $ACTIVE (the Active MARS) at $(date +%T)"
for m in m1 m2 m3; do [ $m != "$ACTIVE" ] && { SURVIVOR=$m; break; }; done
new_active() { NEW=$(active_of $SURVIVOR); [ -n "$NEW" ] && [ "$NEW" != "$ACTIVE" ]; }
wait_for 10 new_active || die "no new Active MARS"
echo "  the Living Group elected $NEW after $(awk "BEGIN{printf \"%.1f\", $(now) - $KILLED}") s"
echo "  members wait failure-timeout (2 s) without a redirect map, then 1-10 s at random (RFC 2022 5.4)"
wait_for 16 all_reg "$NEW" || die "not every member registered with $NEW"

echo
echo "After the failure"
show_map "$NEW"
i=1
worst=0
while [ $i -le $MEMBERS ]; do
	eval "before=\$CMI_$i"
	after=$(last_reg "$T/p$i" "$NEW" cmi)
	ts=$(last_reg "$T/p$i" "$NEW" ts)
	took=$(awk "BEGIN{printf \"%.2f\", $ts - $KILLED}")
	worst=$(awk "BEGIN{print ($took > $worst) ? $took : $worst}")
	same="same CMI"
	[ "$before" = "$after" ] || same="CMI CHANGED"
	echo "  member $i: CMI $before -> $after ($same), registered with $NEW $took s after the kill"
	i=$((i + 1))
done
echo
echo "Active before: $ACTIVE   Active after: $NEW   all $MEMBERS members back within $worst s"
