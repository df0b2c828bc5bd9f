#!/bin/sh
# marsd with 1,000 registered members: MARS_REQUEST round trips and
# MARS_JOIN/LEAVE per second, beside a null UDP echo server driven the same
# way by the same client (bench/marsload.c, bench/udpecho.c), plus memory
# per (member, group) membership.  Target: marsd >= half the echo rate,
# <= 128 octets per membership.  Loopback only, bounded in time.
: "${O:=build/rel}"
MARSD=${MARSD:-$O/bin/marsd}
S=${BENCH_SECONDS:-2}
T=$(mktemp -d "${TMPDIR:-/tmp}/b_marsd.XXXXXX") || exit 1
PIDS=""
TO=
command -v timeout >/dev/null 2>&1 && TO="timeout 300"
trap 'for p in $PIDS; do kill -9 $p 2>/dev/null; done; rm -rf "$T"' EXIT

"$MARSD" --listen udp:127.0.0.1:0 --atm 47000580ffe1000000f21a26d80020ea000ee000 \
    --redirect-interval 1h --admin "$T/s" --ready-fd 3 3>"$T/ready" 2>/dev/null &
MP=$!
PIDS=$MP
i=0
while [ ! -s "$T/ready" ] && [ $i -lt 50 ]; do sleep 0.1; i=$((i + 1)); done
$TO "$O/bench/marsload" -a "$T/s" -p $MP -m 1000 -g 10 -s "$S" "$(cat "$T/ready")" >"$T/marsd" ||
    { echo "b_marsd: marsload against marsd failed"; exit 0; }

"$O/bench/udpecho" >"$T/echo.ep" &
EP=$!
PIDS="$PIDS $EP"
i=0
while [ ! -s "$T/echo.ep" ] && [ $i -lt 50 ]; do sleep 0.1; i=$((i + 1)); done
$TO "$O/bench/marsload" -m 1000 -g 10 -s "$S" "$(cat "$T/echo.ep")" >"$T/echo" ||
    { echo "b_marsd: marsload against udpecho failed"; exit 0; }

echo "(target: marsd >= 0.5 x echo; <= 128 octets per membership)"
rate() { sed -n "s/^$1: \([0-9]*\)\/s/\1/p" "$2"; }
mr=$(rate "request round trips" "$T/marsd"); er=$(rate "request round trips" "$T/echo")
mj=$(rate "join\/leave" "$T/marsd"); ej=$(rate "join\/leave" "$T/echo")
echo "marsd, 1000 members registered from one socket, 8 messages in flight, ${S} s per figure:"
printf '  %-22s %10s/s   echo baseline %10s/s   ratio %s\n' \
    "MARS_REQUEST->MULTI" "$mr" "$er" "$(awk "BEGIN{if ($er+0 > 0) printf \"%.2f\", $mr/$er}")"
printf '  %-22s %10s/s   echo baseline %10s/s   ratio %s\n' \
    "MARS_JOIN/LEAVE" "$mj" "$ej" "$(awk "BEGIN{if ($ej+0 > 0) printf \"%.2f\", $mj/$ej}")"
sed -n 's/^memory per/  memory per/p' "$T/marsd"
kill $MP $EP 2>/dev/null
exit 0
