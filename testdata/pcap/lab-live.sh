#!/bin/sh
# Regenerates testdata/pcap/lab-live.pcap: a real run of marsd on loopback
# captured with tcpdump (needs root or CAP_NET_RAW).  Two members register
# and join 224.1.1.1, the second asks for 224.1.1.1 (MULTI) and 224.9.9.9
# (NAK), redirect maps go out every second, the second deregisters.
# Run from the top of the tree after `make all build/rel/tests/gen/labsend`:
#   sh testdata/pcap/lab-live.sh
# Times, ports and labels differ from run to run; marsdump reads it.
# Every step waits for what it needs (bounded), never for a fixed time.
set -e
O=${O:-build/rel}
G=$O/tests/gen
MD=$O/bin/marsdump
T=$(mktemp -d)
TP= P= M=
trap 'kill $TP $P $M 2>/dev/null || :; rm -rf "$T"' EXIT

# wait_for SECONDS COMMAND...: retry every 0.1 s until it succeeds.
wait_for() {
	w=$(($1 * 10)); shift
	while [ "$w" -gt 0 ]; do
		"$@" && return 0
		sleep 0.1
		w=$((w - 1))
	done
	echo "lab-live.sh: gave up waiting for: $*" >&2
	exit 1
}
# in_capture COUNT PATTERN: COUNT lines of the capture so far match.
in_capture() {
	[ "$("$MD" -r "$T/cap.pcap" 2>/dev/null | grep -c "$2")" -ge "$1" ]
}

"$O/bin/marsd" --listen udp:127.0.0.1:0 \
    --atm 47000580ffe1000000f21a26d80020ea000ee000 --redirect-interval 1s \
    --admin "$T/s" --ready-fd 3 3>"$T/ready" 2>/dev/null &
P=$!
wait_for 10 test -s "$T/ready"
EP=$(cat "$T/ready")
# only this marsd's port: other tests may be using loopback too
tcpdump -i lo -U -w "$T/cap.pcap" "udp port ${EP##*:}" 2>"$T/tcpdump.err" &
TP=$!
wait_for 10 grep -q "listening on" "$T/tcpdump.err"
"$G/labsend" -H "$EP" register:1 join:1:224.1.1.1 >"$T/m1" &
M=$!
wait_for 10 grep -q "JOIN.*flags=0x" "$T/m1"
"$G/labsend" -w 200 "$EP" register:2 join:2:224.1.1.1 request:2:224.1.1.1 \
    request:2:224.9.9.9 >/dev/null
# two periodic maps after the requests, then the deregistration
n=$("$MD" -r "$T/cap.pcap" 2>/dev/null | grep -c REDIRECT_MAP || :)
wait_for 10 in_capture $((n + 2)) REDIRECT_MAP
"$G/labsend" -w 100 "$EP" deregister:2 >/dev/null
wait_for 10 in_capture 2 "MARS_LEAVE register"
kill $M
kill $P
wait $P 2>/dev/null || :
kill $TP
wait $TP 2>/dev/null || :
cp "$T/cap.pcap" testdata/pcap/lab-live.pcap
