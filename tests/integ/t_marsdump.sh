#!/bin/sh
# marsdump on the captures written by tests/gen/mkpcaps: decoding on every
# link type, filters, -c, -w round trip, --json, --stats, malformed input,
# exit codes.  $O is the build tree; prints "ok"/"not ok" lines.
: "${O:=build/rel}"
TZ=UTC
LC_ALL=C
export TZ LC_ALL

MD=$O/bin/marsdump
[ -x "$MD" ] || MD=bin/marsdump
T=$(mktemp -d "${TMPDIR:-/tmp}/t_marsdump.XXXXXX") || exit 1
trap 'rm -rf "$T"' EXIT
trap 'exit 1' INT TERM

# Fresh captures from the generator when it is built, else the stored ones.
P=testdata/pcap
if [ -x "$O/tests/gen/mkpcaps" ]; then
	if mkdir -p "$T/pcap" &&
	    "$O/tests/gen/mkpcaps" "$T/pcap" >/dev/null; then
		P=$T/pcap
	fi
fi

. tests/integ/lib.sh
# run ARGS...: marsdump's stdout in $T/out, stderr in $T/err, status in $rc.
run() {
	"$MD" "$@" >"$T/out" 2>"$T/err"
	rc=$?
}
lines() {
	wc -l <"$1" | tr -d ' '
}
# Lines without the time stamp (first word), to compare link types.
body() {
	cut -d' ' -f2- "$1"
}

for f in mars-request mars-join mixed malformed nhrp sunatm lab-en10mb; do
	if [ ! -f "$P/$f.pcap" ]; then
		echo "not ok - $P/$f.pcap missing (make testdata)"
		exit 1
	fi
done

# --- every MARS operation, one capture each --------------------------------
nops=0
for f in "$P"/mars-*.pcap; do
	base=$(basename "$f" .pcap)
	op=$(echo "${base#mars-}" | tr 'a-z-' 'A-Z_')
	nops=$((nops + 1))
	run -r "$f"
	if [ "$rc" -eq 0 ] && [ -s "$T/out" ] &&
	    grep -qw "MARS_$op" "$T/out" && ! grep -q MALFORMED "$T/out"; then
		ok "$base: prints MARS_$op"
	else
		notok "$base: prints MARS_$op (rc $rc)"
		sed 's/^/# /' "$T/out" "$T/err" | head -5
	fi
	run -r "$f" "op $op"
	check "$base: filter op $op keeps every line" \
	    test "$(lines "$T/out")" -gt 0
done
check "13 MARS operation captures" test "$nops" -eq 13

# --- SCSP -------------------------------------------------------------------
for f in "$P"/scsp-*.pcap; do
	[ -f "$f" ] || continue
	base=$(basename "$f" .pcap)
	run -r "$f"
	check "$base: SCSP lines, nothing malformed" sh -c \
	    "[ $rc -eq 0 ] && grep -q SCSP '$T/out' &&
	    ! grep -q MALFORMED '$T/out'"
	run -r "$f" scsp
	check "$base: filter scsp keeps its messages" \
	    test "$(lines "$T/out")" -gt 0
	run -r "$f" mars
	check "$base: filter mars drops them" test ! -s "$T/out"
done

# --- NHRP shares PID 0x0003 with MARS ----------------------------------------
run -r "$P/nhrp.pcap"
grep NHRP "$T/out" >"$T/nhrp" || :
check "nhrp: NHRP lines printed" test -s "$T/nhrp"
check "nhrp: no NHRP line names a MARS op" sh -c "! grep -q MARS_ '$T/nhrp'"
run -r "$P/nhrp.pcap" nhrp
check "nhrp: filter nhrp selects exactly the NHRP lines" \
    test "$(lines "$T/out")" -eq "$(lines "$T/nhrp")"
run -r "$P/nhrp.pcap" 'nhrp and mars'
check "nhrp: no frame is both" test ! -s "$T/out"

# --- SunATM carries VPI/VCI --------------------------------------------------
run -r "$P/sunatm.pcap"
check "sunatm: decodes" sh -c "[ $rc -eq 0 ] && [ -s '$T/out' ]"
check "sunatm: every line shows [VPI/VCI dir]" sh -c \
    "! grep -v '\\[[0-9][0-9]*/[0-9][0-9]* [rt]x\\]' '$T/out' | grep -q ."
vc=$(sed -n '1s/.*\[\([0-9]*\/[0-9]*\) .*/\1/p' "$T/out")
run -r "$P/sunatm.pcap" "vc $vc"
check "sunatm: filter vc $vc" sh -c \
    "[ -s '$T/out' ] && ! grep -v '\\[$vc ' '$T/out' | grep -q ."

# --- one conversation on every link type decodes to the same messages ----
# lab-*: UDP shim over Ethernet, cooked v1/v2, raw IP, BSD null; sunatm.*:
# the SunATM pseudo-header (direction instead of VC kind), pcap and pcapng.
msgs() {
	sed 's/^[^ ]* \[[^]]*\] //' "$1"
}
run -r "$P/lab-en10mb.pcap"
body "$T/out" >"$T/lab-ref"
msgs "$T/out" >"$T/msg-ref"
check "lab-en10mb: decodes" sh -c "[ $rc -eq 0 ] && [ -s '$T/lab-ref' ]"
check "lab-en10mb: shows VPI/VCI and VC kind" \
    grep -q '^\[[0-9]*/[0-9]* \(p2p\|ccvc\|scvc\|server\)\]' \
    "$T/lab-ref"
for f in "$P"/lab-*.pcap "$P"/sunatm.pcap "$P"/sunatm.pcapng; do
	[ -f "$f" ] || continue
	base=$(basename "$f")
	[ "$base" = lab-en10mb.pcap ] && continue
	run -r "$f"
	body "$T/out" >"$T/lab-this"
	msgs "$T/out" >"$T/msg-this"
	same=no
	case $base in
	lab-*)	cmp -s "$T/lab-ref" "$T/lab-this" && same=yes ;;
	*)	cmp -s "$T/msg-ref" "$T/msg-this" && same=yes ;;
	esac
	if [ "$rc" -eq 0 ] && [ "$same" = yes ] && [ -s "$T/msg-this" ]; then
		ok "$base: same messages as lab-en10mb"
	else
		notok "$base: same messages as lab-en10mb (rc $rc)"
		diff "$T/msg-ref" "$T/msg-this" | head -5 | sed 's/^/# /'
	fi
done
"$MD" -r "$P/sunatm.pcap" >"$T/a" 2>&1
"$MD" -r "$P/sunatm.pcapng" >"$T/b" 2>&1
check "sunatm.pcapng: identical to sunatm.pcap" cmp -s "$T/a" "$T/b"

# --- stdin ---------------------------------------------------------------
run -r "$P/mixed.pcap"
cp "$T/out" "$T/mixed"
"$MD" -r - <"$P/mixed.pcap" >"$T/out" 2>"$T/err"
check "-r - reads standard input" cmp -s "$T/mixed" "$T/out"
total=$(lines "$T/mixed")
check "mixed: several messages" test "$total" -gt 5

# --- -c ----------------------------------------------------------------------
run -r "$P/mixed.pcap" -c 3
check "-c 3 prints 3 lines" test "$(lines "$T/out")" -eq 3
head -n 3 "$T/mixed" >"$T/head3"
check "-c 3 prints the first 3" cmp -s "$T/head3" "$T/out"
run -r "$P/mixed.pcap" -c 1 mars
check "-c counts matched messages" sh -c \
    "[ \$(wc -l <'$T/out') -eq 1 ] && grep -q MARS_ '$T/out'"

# --- filters -----------------------------------------------------------------
run -r "$P/mixed.pcap" 'op join'
cp "$T/out" "$T/join"
check "filter op join: only joins" sh -c \
    "[ -s '$T/join' ] && ! grep -v MARS_JOIN '$T/join' | grep -q ."
run -r "$P/mixed.pcap" not op join
check "filter not op join: the rest" test \
    "$(($(lines "$T/join") + $(lines "$T/out")))" -eq "$total"
run -r "$P/mixed.pcap" '(op join || op leave) and mars'
both=$(lines "$T/out")
run -r "$P/mixed.pcap" op leave
check "filter or: joins + leaves" test \
    "$both" -eq "$(($(lines "$T/join") + $(lines "$T/out")))"
run -r "$P/mixed.pcap" mars or scsp or nhrp or malformed or not malformed
check "filter: a tautology keeps everything" cmp -s "$T/mixed" "$T/out"
run -r "$P/mixed.pcap" 'group 0.0.0.0/0 or group ::/0'
check "filter group 0/0: some messages carry groups" test -s "$T/out"
run -r "$P/mixed.pcap" group 224.1.2.3
check "filter group: every kind that carries the group" sh -c "
	grep -q 'MARS_JOIN 224.1.2.3' '$T/out' &&
	grep -q 'MARS_MULTI 224.1.2.3' '$T/out' &&
	grep -q 'MARS_GROUPLIST_REQUEST 224.0.0.0-239' '$T/out' &&
	grep -q 'MARS_GROUPLIST_REPLY .*224.1.2.3' '$T/out' &&
	grep -q 'SCSP CSU_REQUEST' '$T/out' &&
	! grep -q 'MARS_NAK' '$T/out' && ! grep -q HELLO '$T/out'"
run -r "$P/mixed.pcap" group 239.1.1.1/32 and op nak
check "filter group and op: the NAK" test "$(lines "$T/out")" -eq 1
run -r "$P/mixed.pcap" cmi 3 and mars
check "filter cmi 3" sh -c \
    "[ -s '$T/out' ] && ! grep -v 'cmi 3 ' '$T/out' | grep -q ."
sha=47009181000000000000000001002048aa000300
dotted=$(echo "$sha" | sed 's/^\(..\)\(....\)\(....\)/\1.\2.\3./')
run -r "$P/mixed.pcap" src "$dotted"
# (A MULTI's mar$sha is the requester's; its summary line lists targets.)
check "filter src (dotted)" sh -c "[ -s '$T/out' ] &&
    ! grep -v MARS_MULTI '$T/out' | grep -v '$sha' | grep -q ."
run -r "$P/mixed.pcap" src 47009181000000000000000001002048bb000100 and scsp
check "filter src: SCSP CSA ATM address" grep -q 'SCSP CSU_REQUEST' "$T/out"
run -r "$P/mixed.pcap" vc 0/200
check "filter vc 0/200" sh -c \
    "[ -s '$T/out' ] && ! grep -v ' \[0/200 ' '$T/out' | grep -q ."
run -r "$P/mixed.pcap" op hello
check "filter op hello: SCSP Hellos only" sh -c \
    "[ -s '$T/out' ] && ! grep -v 'SCSP HELLO' '$T/out' | grep -q ."
run -r "$P/mixed.pcap" -f 'vci 200'
check "-f: capture filter on a file" sh -c \
    "[ -s '$T/out' ] && ! grep -v ' \[0/200 ' '$T/out' | grep -q ."
run -r "$P/lab-en10mb.pcap" -f tcp
check "-f: capture filter that drops everything" test ! -s "$T/out"
run -r "$P/mixed.pcap" -f 'bogus (('
check "-f: a capture filter that does not compile: exit 2" sh -c \
    "[ $rc -eq 2 ] && grep -q '^marsdump: .*bogus' '$T/err'"

# --- -w round trip -----------------------------------------------------------
run -r "$P/mixed.pcap" -w "$T/join.pcap" op join
check "-w: nothing on stdout" test ! -s "$T/out"
check "-w: count line on stderr" \
    grep -q "^$(lines "$T/join") messages written" "$T/err"
run -r "$T/join.pcap"
check "-w: reading back gives the same lines" cmp -s "$T/join" "$T/out"
run -r "$P/mixed.pcap" -w "$T/all.pcap" -v -c 2
check "-w with -v still prints" test -s "$T/out"

# --- JSON --------------------------------------------------------------------
run -r "$P/mixed.pcap" --json --stats
check "--json: one object per message plus stats" \
    test "$(lines "$T/out")" -eq "$((total + 1))"
check "--json: stats last" sh -c "tail -n 1 '$T/out' | grep -q '^{\"stats\":{'"
if command -v python3 >/dev/null 2>&1; then
	for f in "$P"/*.pcap; do
		"$MD" -r "$f" --json --stats >>"$T/all.json" 2>/dev/null
	done
	check "--json: every line of every capture parses" python3 -c '
import json, sys
for n, line in enumerate(open(sys.argv[1]), 1):
    try:
        json.loads(line)
    except ValueError as e:
        sys.exit("line %d: %s: %s" % (n, e, line[:200]))
' "$T/all.json"
else
	ok "--json: python3 missing, parse check skipped # SKIP"
fi

# --- --stats -----------------------------------------------------------------
run -r "$P/mixed.pcap" --stats
check "--stats: frames read" grep -q '^frames read: [1-9]' "$T/out"
check "--stats: messages printed = lines" \
    grep -q "^messages printed: $total\$" "$T/out"
check "--stats: per operation" grep -q '^  MARS_JOIN  *[1-9]' "$T/out"
check "--stats: per VC" grep -q '^  [0-9]*/[0-9]* ' "$T/out"
check "--stats: a CSN gap in mixed.pcap" \
    grep -q '^CSN gaps on ClusterControlVC: [1-9]' "$T/out"
check "--stats: the gap's frame" grep -q '^  frame [0-9]* on ' "$T/out"
run -r "$P/mixed.pcap" --stats --json
check "--stats --json: csn gaps" sh -c \
    "tail -n 1 '$T/out' | grep -q '\"csn\":{\"gaps\":[1-9]'"

# A capture of a real lab run (marsd and two members on loopback): the
# shim decodes, and one copy per leaf of each ClusterControlVC message is
# not a CSN gap.
run -r testdata/pcap/lab-live.pcap --stats
check "lab-live: ClusterControlVC copies decoded" \
    grep -q '\[0/32 ccvc\] MARS_JOIN .* copy' "$T/out"
check "lab-live: registrations and a MULTI" sh -c \
    "grep -q 'MARS_JOIN register cmi [1-9]' '$T/out' && grep -q MARS_MULTI '$T/out'"
check "lab-live: per-leaf copies are not CSN gaps" \
    grep -q '^CSN gaps on ClusterControlVC: 0 ' "$T/out"

# --- malformed input ---------------------------------------------------------
run -r "$P/malformed.pcap"
check "malformed: exit 0 without --strict" test "$rc" -eq 0
check "malformed: MALFORMED lines with offsets" \
    grep -q 'MALFORMED .* at offset [0-9]' "$T/out"
nbad=$(grep -c MALFORMED "$T/out")
run -r "$P/malformed.pcap" --strict
check "malformed: exit 1 with --strict" test "$rc" -eq 1
run -r "$P/malformed.pcap" malformed
check "malformed: filter malformed selects them" \
    test "$(lines "$T/out")" -eq "$nbad"
run -r "$P/malformed.pcap" --stats
check "malformed: --stats counts them" \
    grep -q "^malformed: $nbad\$" "$T/out"
run -r "$P/mars-join.pcap" --strict
check "a clean capture passes --strict" test "$rc" -eq 0

# --- errors: exit 2 with a message -----------------------------------------
run -r "$T/nonexistent.pcap"
check "missing file: exit 2" test "$rc" -eq 2
check "missing file: names the file" \
    grep -q "^marsdump: .*nonexistent.pcap: " "$T/err"
run -r "$P/mixed.pcap" --no-such-option
check "bad option: exit 2" test "$rc" -eq 2
check "bad option: says so" grep -q 'unknown option' "$T/err"
run -r "$P/mixed.pcap" -c zero
check "bad count: exit 2" test "$rc" -eq 2
run
check "no input: exit 2" test "$rc" -eq 2
run -r "$P/mixed.pcap" 'group foo'
check "bad filter: exit 2" test "$rc" -eq 2
check "bad filter: position and token" grep -q \
    'expected a group address after "group" at position 6, got "foo"' \
    "$T/err"
check "bad filter: caret under the token" grep -qx '          ^' "$T/err"
run -r "$P/mixed.pcap" '(op join'
check "unbalanced parenthesis: exit 2" test "$rc" -eq 2
# A pcap header with LINKTYPE_IEEE802_11 (105), no records.
printf '\324\303\262\241\002\000\004\000\000\000\000\000\000\000\000\000' \
    >"$T/wifi.pcap"
printf '\377\377\000\000\151\000\000\000' >>"$T/wifi.pcap"
run -r "$T/wifi.pcap"
check "unsupported link type: exit 2" test "$rc" -eq 2
check "unsupported link type: says so" \
    grep -q "wifi.pcap: unsupported link type" "$T/err"
run -r "$P/mixed.pcap" -Z no-such-user-here
check "-Z unknown user: exit 2" sh -c \
    "[ $rc -eq 2 ] && grep -q 'no-such-user-here' '$T/err'"

# --- small things --------------------------------------------------------
run -V
check "-V prints the version" grep -q '^marsdump [0-9]' "$T/out"
run -h
check "-h prints usage, exit 0" sh -c \
    "[ $rc -eq 0 ] && grep -q '^usage: marsdump' '$T/out'"
run -r "$P/mixed.pcap" --tt -c 1
check "--tt: epoch time stamps" grep -q '^[0-9]\{9,\}\.[0-9]\{6\} ' "$T/out"
run -r "$P/mixed.pcap" -x -c 1
check "-x: hex dump lines" grep -q '^	0x0000: ' "$T/out"
run -r "$P/mixed.pcap" -vv -c 1
check "-vv: field tree" grep -q 'mar\$\|SCSP\|NHRP' "$T/out"

# --- live capture on loopback, privileges dropped (root only) ---------------
G=$O/tests/gen
if [ "$(id -u)" = 0 ] && [ -x "$G/labsend" ] && [ -x "$G/freeport" ] &&
    id nobody >/dev/null 2>&1; then
	LP=$("$G/freeport" 1)
	"$MD" -i lo -Z nobody -c 2 -f "udp port $LP" >"$T/live" 2>"$T/live.err" &
	LPID=$!
	sleep 1
	check "-i lo -Z nobody: capture runs as nobody" sh -c \
	    "grep -q '^Uid:[[:space:]]*65534' /proc/$LPID/status"
	"$G/labsend" -w 100 udp:127.0.0.1:$LP register:7 join:7:224.1.2.3 \
	    >/dev/null 2>&1
	i=0
	while kill -0 $LPID 2>/dev/null && [ $i -lt 30 ]; do
		sleep 0.1
		i=$((i + 1))
	done
	kill $LPID 2>/dev/null
	wait $LPID 2>/dev/null
	check "-i lo: lab datagrams decoded live, -c 2 stops" sh -c \
	    "grep -q 'p2p\] MARS_JOIN register' '$T/live' &&
	     grep -q 'MARS_JOIN 224.1.2.3' '$T/live' && [ \$(wc -l <'$T/live') -eq 2 ]"
else
	skip "live capture needs root, labsend and a nobody user"
fi

echo "1..$n"
exit $failed
