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
	# The filter keeps exactly the lines of that operation, unchanged.
	grep -w "MARS_$op" "$T/out" >"$T/want" || :
	run -r "$f" "op $op"
	if [ -s "$T/want" ] && cmp -s "$T/want" "$T/out"; then
		ok "$base: filter op $op keeps every line of MARS_$op"
	else
		notok "$base: filter op $op keeps every line of MARS_$op"
		diff "$T/want" "$T/out" | head -5 | sed 's/^/# /'
	fi
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
	cp "$T/out" "$T/all"
	run -r "$f" scsp
	check "$base: filter scsp keeps every line ($(lines "$T/all"))" sh -c \
	    "[ -s '$T/all' ] && cmp -s '$T/all' '$T/out'"
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
check "--json: stats last" sh -c \
    "tail -n 1 '$T/out' | grep -q '^{\"type\":\"stats\",'"
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
	# mars-json(7): "type" first, the same head on every message,
	# null (never "" or "-") for what is absent.
	check "--json: mars-json(7) shapes" python3 -c '
import json, sys
head = ["type", "frame", "ts", "vpi", "vci", "dir", "vc_kind", "kind"]
def walk(v, path):
    if isinstance(v, dict):
        for k, x in v.items():
            walk(x, path + "." + k)
    elif isinstance(v, list):
        for i, x in enumerate(v):
            walk(x, "%s[%d]" % (path, i))
    elif v == "" or v == "-":
        sys.exit("%s is %r" % (path, v))
for n, line in enumerate(open(sys.argv[1]), 1):
    o = json.loads(line)
    keys = list(o)
    if keys[0] != "type":
        sys.exit("line %d: first key %s" % (n, keys[0]))
    if o["type"] == "message":
        if keys[:8] != head or "malformed" not in o or \
            "nonconforming" not in o:
            sys.exit("line %d: head %s" % (n, keys[:10]))
    elif o["type"] != "stats":
        sys.exit("line %d: type %s" % (n, o["type"]))
    walk(o, "line %d" % n)
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
    "tail -n 1 '$T/out' | grep -q '\"csn\":{\"sequences\":[0-9]*,\"gaps\":1,'"

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

# --- malformed and nonconforming ---------------------------------------------
# malformed.pcap: records 1 3 7 8 9 11 cannot be parsed (MALFORMED), 2 4 5
# 6 parse but break a receiver's rule (NONCONFORMING), 10 and 12 are fine
# (testdata/pcap/README).
run -r "$P/malformed.pcap"
check "malformed: exit 0 without --strict" test "$rc" -eq 0
check "malformed: 12 lines" test "$(lines "$T/out")" -eq 12
check "malformed: six MALFORMED lines with offsets" test \
    "$(grep -c 'MALFORMED [a-z-]* at offset [0-9]' "$T/out")" -eq 6
check "malformed: four NONCONFORMING lines" \
    test "$(grep -c NONCONFORMING "$T/out")" -eq 4
check "malformed: a cut MULTI still names its operation" \
    grep -q '^[0-9:.]* MARS_MULTI MALFORMED truncated at offset 68' "$T/out"
check "malformed: a bad checksum is nonconforming, not malformed" \
    grep -q 'MARS_JOIN register .* NONCONFORMING checksum (RFC 2022' "$T/out"
grep MALFORMED "$T/out" >"$T/bad"
grep NONCONFORMING "$T/out" >"$T/nc"
run -r "$P/malformed.pcap" malformed
check "malformed: filter malformed selects exactly them" cmp -s "$T/bad" "$T/out"
run -r "$P/malformed.pcap" nonconforming
check "malformed: filter nonconforming selects exactly them" \
    cmp -s "$T/nc" "$T/out"
run -r "$P/malformed.pcap" --strict
check "malformed: exit 1 with --strict" test "$rc" -eq 1
run -r "$P/malformed.pcap" --strict not malformed
check "--strict: a nonconforming message alone fails too" test "$rc" -eq 1
run -r "$P/malformed.pcap" --strict 'not malformed and not nonconforming'
check "--strict: only what passes the filter counts" test "$rc" -eq 0
run -r "$P/malformed.pcap" --stats
check "malformed: --stats counts them apart" sh -c "
    grep -qx 'malformed: 6' '$T/out' && grep -qx 'nonconforming: 4' '$T/out' &&
    grep -q '^  truncated  *2\$' '$T/out' &&
    grep -q '^  reserved-bits  *1\$' '$T/out'"
run -r "$P/mars-join.pcap" --strict
check "a clean capture passes --strict" test "$rc" -eq 0

# nonconforming.pcap: what the Windows 2000 server sends (README).
NC=$P/nonconforming.pcap
M1=4700918100000000000000000100204800000100
run -r "$NC"
check "nonconforming: exit 0, 7 lines, nothing malformed" sh -c "[ $rc -eq 0 ] &&
    [ \$(wc -l <'$T/out') -eq 7 ] && ! grep -q MALFORMED '$T/out'"
check "nonconforming: the periodic map, whole, with both reasons" grep -qx \
    "[0-9:.]* MARS_REDIRECT_MAP soft msn 100 part 0 from $M1: $M1 4700918100000000000000000100204800000200 NONCONFORMING null-source (RFC 2022 §4.3), seqxy (RFC 2022 §5.1.2)" \
    "$T/out"
check "nonconforming: a registration reply with CMI 0" grep -q \
    'MARS_JOIN register cmi 0 msn 101 copy .* NONCONFORMING cmi-zero (RFC 2022 §5.2.3)$' \
    "$T/out"
check "nonconforming: the NAK with the CSN in mar\$pad is fine" sh -c \
    "grep MARS_NAK '$T/out' | grep -vq NONCONFORMING"
check "nonconforming: the stale checksum of the MULTI" grep -q \
    'MARS_MULTI 224.1.2.3 .* NONCONFORMING checksum (RFC 2022 §4.3.3)$' \
    "$T/out"
run -r "$NC" -vv -c 1
check "nonconforming -vv: mar\$shtl null, the source read in place" grep -q \
    "^	\[26\] mar\$shtl 0x00 (null; mar\$sha read from the 20 octets in place)\$" \
    "$T/out"
check "nonconforming -vv: every field and both reasons" sh -c "
    grep -q '^	\[34\] mar\$seqxy 0x0000\$' '$T/out' &&
    grep -q '^	\[40\] mar\$sha $M1\$' '$T/out' &&
    grep -q '^	nonconforming null-source (RFC 2022 §4.3): ' '$T/out' &&
    grep -q '^	nonconforming seqxy (RFC 2022 §5.1.2): ' '$T/out'"
run -r "$NC" -vv op nak
check "nonconforming -vv: the CSN in the NAK's mar\$pad" \
    grep -q '^	\[32\] mar\$pad 0000000000000065$' "$T/out"
run -r "$NC" -v op multi
check "nonconforming -v: the checksum received and computed" grep -q \
    '^	nonconforming checksum (RFC 2022 §4.3.3): mar\$chksum does not verify, received 0x[0-9a-f]*, computed 0x[0-9a-f]*$' \
    "$T/out"
run -r "$NC" --strict
check "nonconforming: --strict exits 1" test "$rc" -eq 1
run -r "$NC" nonconforming
check "nonconforming: filter selects the three" test "$(lines "$T/out")" -eq 3
run -r "$NC" nonconforming checksum
check "nonconforming checksum: the MULTI only" sh -c \
    "[ \$(wc -l <'$T/out') -eq 1 ] && grep -q MARS_MULTI '$T/out'"
run -r "$NC" op redirect_map and nonconforming seqxy
check "nonconforming seqxy and op: the map" test "$(lines "$T/out")" -eq 1
run -r "$NC" --stats
check "nonconforming --stats: by reason, none malformed" sh -c "
    grep -qx 'malformed: 0' '$T/out' && grep -qx 'nonconforming: 3' '$T/out' &&
    grep -q '^  null-source  *1\$' '$T/out' &&
    grep -q '^  seqxy  *1\$' '$T/out' &&
    grep -q '^  cmi-zero  *1\$' '$T/out' &&
    grep -q '^  checksum  *1\$' '$T/out' &&
    grep -q '^  MARS_REDIRECT_MAP  *1\$' '$T/out'"
run -r "$NC" --json --stats
if command -v python3 >/dev/null 2>&1; then
	check "nonconforming --json: op kept, reasons with their sections" \
	    python3 -c '
import json, sys
o = [json.loads(l) for l in open(sys.argv[1])]
m = o[0]
assert m["type"] == "message" and m["op"] == "MARS_REDIRECT_MAP", m
assert m["malformed"] is None
assert [r["reason"] for r in m["nonconforming"]] == ["null-source", "seqxy"]
assert m["nonconforming"][0]["ref"] == "RFC 2022 \u00a74.3"
assert m["nonconforming"][0]["text"]
assert m["shtl"] == 0 and m["sha_inferred"] is True and m["seqxy"] == 0
assert m["sha"] == sys.argv[2] and m["tnum"] == 2
assert [r["reason"] for r in o[2]["nonconforming"]] == ["cmi-zero"]
assert o[2]["cmi"] == 0
assert o[4]["op"] == "MARS_NAK" and o[4]["nonconforming"] == []
assert o[4]["pad"] == "0000000000000065"
assert [r["reason"] for r in o[6]["nonconforming"]] == ["checksum"]
s = o[-1]
assert s["type"] == "stats"
assert s["nonconforming"] == {"total": 3, "reasons": {"checksum": 1,
    "null-source": 1, "seqxy": 1, "cmi-zero": 1}}
assert s["malformed"] == {"total": 0, "reasons": {}}
' "$T/out" "$M1"
else
	skip "nonconforming --json: python3 missing"
fi
run -r "$P/malformed.pcap" --json
check "malformed --json: the op name kept beside a malformed object" grep -q \
    '^{"type":"message",.*"op":"MARS_MULTI","op_code":2,"malformed":{"reason":"truncated","offset":68,"field":"mar\$tha","detail":"truncated mar\$tha at offset 68: need 40, have 28"},"nonconforming":\[\]}$' \
    "$T/out"

# --- -x with --json ----------------------------------------------------------
run -r "$P/mars-request.pcap" --json -x -c 1
check "--json -x: the SDU as a hex key, last" \
    grep -q ',"hex":"aaaa0300005e0003000f0800[0-9a-f]*"}$' "$T/out"
run -r "$P/mars-request.pcap" --json -c 1
check "--json without -x: no hex key" sh -c "! grep -q '\"hex\"' '$T/out'"

# --- CSN per MARS: a failover is not a gap -----------------------------------
M2=4700918100000000000000000100204800000200
run -r "$P/failover.pcap" --stats
check "failover: both MARS on 0/32 decoded" sh -c "
    grep -q '\[0/32 ccvc\] MARS_REDIRECT_MAP soft msn 103 .* from $M1:' '$T/out' &&
    grep -q '\[0/32 ccvc\] MARS_REDIRECT_MAP soft msn 5000 .* from $M2:' '$T/out'"
check "failover: two CSN sequences, no gap" sh -c "
    grep -qx 'CSN sequences on ClusterControlVC: 2 (one per MARS and VC)' '$T/out' &&
    grep -qx 'CSN gaps on ClusterControlVC: 0 (0 missing)' '$T/out'"
run -r "$P/failover-gap.pcap" --stats
check "failover-gap: the missing message of the new Active is a gap" sh -c "
    grep -qx 'CSN gaps on ClusterControlVC: 1 (1 missing)' '$T/out' &&
    grep -qx '  frame 13 on 0/32 from $M2: expected 5002, got 5003' '$T/out'"
run -r "$P/failover-gap.pcap" --stats --json
check "failover-gap --json: the gap names the MARS" tail -n 1 "$T/out" \
    | grep -q "\"csn\":{\"sequences\":2,\"gaps\":1,\"missing\":1,\"first\":\[{\"frame\":13,\"vpi\":0,\"vci\":32,\"mars\":\"$M2\",\"expected\":5002,\"got\":5003}\]}"
run -r "$P/failover-gap.pcap" --stats 'op redirect_map'
check "failover-gap: a filter does not hide the gap" \
    grep -qx 'CSN gaps on ClusterControlVC: 1 (1 missing)' "$T/out"

# --- a truncated capture file: exit 1, the record named, output kept -------
run -r "$P/mixed.pcap"
cp "$T/out" "$T/whole"
nrec=$(lines "$T/whole")
size=$(wc -c <"$P/mixed.pcap")
head -c $((size - 10)) "$P/mixed.pcap" >"$T/cut.pcap"
run -r "$T/cut.pcap"
check "truncated: exit 1" test "$rc" -eq 1
check "truncated: every record before it printed" sh -c \
    "head -n $((nrec - 1)) '$T/whole' | cmp -s - '$T/out'"
check "truncated: one line naming the file and the record" sh -c "
    [ \$(wc -l <'$T/err') -eq 1 ] &&
    grep -q '^marsdump: $T/cut.pcap: record $nrec: truncated dump file' '$T/err'"
"$MD" -r - <"$T/cut.pcap" >"$T/out" 2>"$T/err"
rc=$?
check "truncated on standard input: exit 1, named" sh -c "[ $rc -eq 1 ] &&
    grep -q '^marsdump: standard input: record $nrec: truncated' '$T/err'"
run -r "$T/cut.pcap" --json
check "truncated --json: an error object on stderr, exit 1" sh -c "[ $rc -eq 1 ] &&
    grep -q '^{\"type\":\"error\",\"program\":\"marsdump\",\"message\":\".*record $nrec: truncated dump file.*\",\"file\":\"$T/cut.pcap\",' '$T/err'"
# Cut inside the 16-octet record header of the last record.
last=$(python3 -c 'import sys
d = open(sys.argv[1], "rb").read(); o = 24; last = 24
while o < len(d):
    last = o; o += 16 + int.from_bytes(d[o + 8:o + 12], "little")
print(last)' "$P/mixed.pcap" 2>/dev/null || echo 0)
if [ "$last" -gt 0 ]; then
	head -c $((last + 6)) "$P/mixed.pcap" >"$T/cut2.pcap"
	run -r "$T/cut2.pcap"
	check "truncated in a record header: exit 1, record $nrec" sh -c \
	    "[ $rc -eq 1 ] && grep -q 'record $nrec: truncated' '$T/err'"
else
	skip "truncated in a record header: python3 missing"
fi

# --- errors: exit 2 with a message -----------------------------------------
run -r "$T/nonexistent.pcap"
check "missing file: exit 2" test "$rc" -eq 2
check "missing file: names the file" \
    grep -q "^marsdump: .*nonexistent.pcap: " "$T/err"
run -r "$P/mixed.pcap" --no-such-option
check "bad option: exit 2" test "$rc" -eq 2
check "bad option: one line naming it and pointing to --help" sh -c \
    "[ \$(wc -l <'$T/err') -eq 1 ] && grep -qx 'marsdump: unknown option:\
 --no-such-option (see marsdump --help)' '$T/err'"
run -r "$P/mixed.pcap" -c
check "missing argument: one line" sh -c "[ $rc -eq 2 ] &&
    [ \$(wc -l <'$T/err') -eq 1 ] && grep -q 'needs an argument: -c' '$T/err'"
run -r "$P/mixed.pcap" --json --no-such-option
check "--json: a usage error is one JSON object on stderr" sh -c \
    "[ $rc -eq 2 ] && [ ! -s '$T/out' ] && [ \$(wc -l <'$T/err') -eq 1 ] &&
    grep -q '^{\"type\":\"error\",\"program\":\"marsdump\",\"message\":\"unknown option: --no-such-option (see marsdump --help)\",\"file\":null,\"line\":null,\"offset\":null,\"field\":null}\$' '$T/err'"
run --json -r "$T/nonexistent.pcap"
check "--json: a missing file is an error object naming it" \
    grep -q '^{"type":"error",.*"file":".*nonexistent.pcap"' "$T/err"
run --json -r "$P/mixed.pcap" 'group foo'
check "--json: a bad filter is an error object with its position" \
    grep -q '^{"type":"error",.*"offset":6,"field":"expression"}$' "$T/err"
run -r "$P/mixed.pcap" -B 1024
check "-B without -i: exit 2" sh -c \
    "[ $rc -eq 2 ] && grep -q -- '-B applies to a live capture' '$T/err'"
run -i lo -B 0
check "-B 0: exit 2" sh -c "[ $rc -eq 2 ] && grep -q -- '-B: not a count' '$T/err'"
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

# --- live capture on loopback (root only) -----------------------------------
# live_start ARGS...: marsdump ARGS in the background ($LPID), its output
# in $T/live and $T/live.err; returns once it listens (bounded).
live_start() {
	"$MD" "$@" >"$T/live" 2>"$T/live.err" &
	LPID=$!
	wait_for 10 grep -q '^marsdump: listening on ' "$T/live.err"
}
# live_wait SECONDS: until marsdump exits by itself; then its status in lrc.
live_wait() {
	wait_for "$1" sh -c "! kill -0 $LPID 2>/dev/null"
	kill $LPID 2>/dev/null
	wait $LPID
	lrc=$?
}
G=$O/tests/gen
if [ "$(id -u)" = 0 ] && [ -x "$G/labsend" ] && [ -x "$G/labburst" ] &&
    [ -x "$G/freeport" ] && id nobody >/dev/null 2>&1; then
	LP=$("$G/freeport" 1)
	live_start -i lo -Z nobody -c 2 -f "udp port $LP"
	check "-i lo: says it listens, once ready" \
	    grep -qx 'marsdump: listening on lo, link-type [A-Z0-9_]*' \
	    "$T/live.err"
	check "-i lo -Z nobody: capture runs as nobody" sh -c \
	    "grep -q '^Uid:[[:space:]]*65534' /proc/$LPID/status"
	"$G/labsend" -w 100 udp:127.0.0.1:$LP register:7 join:7:224.1.2.3 \
	    >/dev/null 2>&1
	live_wait 10
	check "-i lo: lab datagrams decoded live, -c 2 stops" sh -c \
	    "[ $lrc -eq 0 ] && grep -q 'p2p\] MARS_JOIN register' '$T/live' &&
	     grep -q 'MARS_JOIN 224.1.2.3' '$T/live' && [ \$(wc -l <'$T/live') -eq 2 ]"
	check "-i lo: tcpdump's counters at the end" sh -c "
	    grep -qx '2 packets captured' '$T/live.err' &&
	    grep -q '^[0-9][0-9]* packets received by filter\$' '$T/live.err' &&
	    grep -qx '0 packets dropped by kernel' '$T/live.err'"

	# A burst: every datagram captured, none dropped, the exact count.
	# -c ends the capture when the last one is in; a generous -B keeps
	# a machine busy with other work from losing any.
	NB=50000
	LP=$("$G/freeport" 1)
	live_start -i lo -B 32768 -c $NB -f "udp port $LP" -w "$T/burst.pcap"
	"$G/labburst" udp:127.0.0.1:$LP $NB >"$T/burst.out"
	live_wait 60
	check "burst: $NB datagrams sent" grep -qx "sent $NB" "$T/burst.out"
	check "burst: $NB captured, none dropped" sh -c "[ $lrc -eq 0 ] &&
	    grep -qx '$NB messages written to $T/burst.pcap' '$T/live.err' &&
	    grep -qx '$NB packets captured' '$T/live.err' &&
	    grep -qx '0 packets dropped by kernel' '$T/live.err'"
	run -r "$T/burst.pcap" --stats
	check "burst: the file holds all $NB, in order, no CSN gap" sh -c "
	    grep -qx 'frames read: $NB' '$T/out' &&
	    grep -qx 'CSN gaps on ClusterControlVC: 0 (0 missing)' '$T/out' &&
	    grep -qx 'CSN sequences on ClusterControlVC: 1 (one per MARS and VC)' '$T/out'"

	# --json: the listening line and the counters are objects too.
	LP=$("$G/freeport" 1)
	"$MD" --json -i lo -c 1 -f "udp port $LP" >"$T/live" 2>"$T/live.err" &
	LPID=$!
	wait_for 10 grep -q '^{"type":"listening","interface":"lo",' \
	    "$T/live.err"
	"$G/labburst" udp:127.0.0.1:$LP 1 >/dev/null
	live_wait 10
	check "-i lo --json: stderr holds only JSON objects" sh -c "[ $lrc -eq 0 ] &&
	    grep -q '^{\"type\":\"capture\",\"interface\":\"lo\",\"captured\":1,\"received\":[0-9]*,\"dropped\":0,\"ifdropped\":0}\$' '$T/live.err' &&
	    ! grep -qv '^{\"type\":' '$T/live.err' &&
	    grep -q '^{\"type\":\"message\",.*\"vc_kind\":\"ccvc\",' '$T/live'"

	# SIGINT ends a capture cleanly: exit 0, the counters printed.
	LP=$("$G/freeport" 1)
	live_start -i lo -f "udp port $LP"
	kill -INT $LPID
	live_wait 10
	check "-i lo: SIGINT ends it with exit 0 and the counters" sh -c \
	    "[ $lrc -eq 0 ] && grep -qx '0 packets captured' '$T/live.err'"
else
	skip "live capture needs root, labsend, labburst and a nobody user"
fi

echo "1..$n"
exit $failed
