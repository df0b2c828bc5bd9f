#!/bin/sh
# Regenerates testdata/pcap/lab-live.pcap: a real run of marsd on loopback
# captured with tcpdump (needs root or CAP_NET_RAW).  Two members register
# and join 224.1.1.1, the second asks for 224.1.1.1 (MULTI) and 224.9.9.9
# (NAK), redirect maps go out every second, the second deregisters.
# Run from the top of the tree after `make all build/rel/tests/gen/labsend`:
#   sh testdata/pcap/lab-live.sh
# Times, ports and labels differ from run to run; marsdump reads it.
set -e
O=${O:-build/rel}
G=$O/tests/gen
T=$(mktemp -d)
TP= P= M=
trap 'kill $TP $P $M 2>/dev/null; rm -rf "$T"' EXIT
"$O/bin/marsd" --listen udp:127.0.0.1:0 \
    --atm 47000580ffe1000000f21a26d80020ea000ee000 --redirect-interval 1s \
    --admin "$T/s" --ready-fd 3 3>"$T/ready" 2>/dev/null &
P=$!
sleep 0.5
EP=$(cat "$T/ready")
# only this marsd's port: other tests may be using loopback too
tcpdump -i lo -U -w "$T/cap.pcap" "udp port ${EP##*:}" 2>/dev/null &
TP=$!
sleep 1
"$G/labsend" -H "$EP" register:1 join:1:224.1.1.1 >/dev/null &
M=$!
sleep 0.3
"$G/labsend" -w 200 "$EP" register:2 join:2:224.1.1.1 request:2:224.1.1.1 \
    request:2:224.9.9.9 >/dev/null
sleep 1.2
"$G/labsend" -w 100 "$EP" deregister:2 >/dev/null
kill $M; sleep 0.3
kill $P; sleep 0.5
kill $TP; wait $TP 2>/dev/null || true
cp "$T/cap.pcap" testdata/pcap/lab-live.pcap
