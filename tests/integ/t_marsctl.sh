#!/bin/sh
# marsctl against real marsd: -c, -f, a pipe, --json, argv; the member
# (register, join, request, failover), the admin socket (show, fault,
# reload), crafted messages that marsd must drop, a capture marsdump
# reads, the lab (up, kill, hang, resume, restart, down); and through a
# real terminal (tmux): completion, history, Ctrl-C, output that arrives
# while a line is typed.  Loopback, ephemeral ports, every process
# killed by PID, bounded waits.  $O is the build tree.
: "${O:=build/rel}"
LC_ALL=C
export LC_ALL

MARSCTL=$O/bin/marsctl
MARSD=$O/bin/marsd
MARSDUMP=$O/bin/marsdump
G=$O/tests/gen
T=$(mktemp -d "${TMPDIR:-/tmp}/t_marsctl.XXXXXX") || exit 1
PIDS=""
TM="tmux -L marsctl-test-$$-1 -f /dev/null"
cleanup() {
	tmux -L marsctl-test-$$-1 kill-server 2>/dev/null
	tmux -L marsctl-test-$$-2 kill-server 2>/dev/null
	for p in $PIDS; do kill -9 "$p" 2>/dev/null; done
	[ -n "$KEEP" ] && [ "$failed" -ne 0 ] && echo "# kept $T" || rm -rf "$T"
}
trap cleanup EXIT
trap 'exit 1' INT TERM

. tests/integ/lib.sh
HOME=$T/home
export HOME
mkdir -p "$HOME"
MARSD_BIN=$MARSD
export MARSD="$MARSD_BIN"
mc() { "$MARSCTL" "$@"; }

# --- a single marsd with fast timers ---
write_single() {
	cat <<EOF
[cluster]
redirect-interval   = 300ms
failure-timeout     = 1s
retransmit-interval = 300ms
admin-socket        = $T/s1.sock

[mars s1]
atm      = 47.0005.80ffe1000000f21a26d8.0020ea000ee0.00
endpoint = udp:127.0.0.1:$1
EOF
}
start_single() {
	try=0
	while :; do
		try=$((try + 1))
		SPORT=$("$G/freeport" 1)
		write_single "$SPORT" >"$T/single.conf"
		"$MARSD" -c "$T/single.conf" 2>>"$T/s1.log" &
		SPID=$!
		PIDS="$PIDS $SPID"
		wait_for 3 test -S "$T/s1.sock" && return 0
		kill -9 "$SPID" 2>/dev/null
		[ $try -ge 3 ] && return 1
	done
}
check "single marsd starts" start_single
EP=udp:127.0.0.1:$SPORT

# --- -c: the member and the admin socket ---
mc -m "$EP" --admin "$T/s1.sock" -c 'register
    join 224.1.1.1 224.1.2.1-224.1.2.3; request 224.1.2.2
    grouplist; show groups; status' >"$T/c.out" 2>"$T/c.err"
rc=$?
check "-c: exit 0" test $rc -eq 0
check "-c: registered, with a CMI" grep -q '^registered: .* cmi [1-9]' "$T/c.out"
check "-c: four groups joined, each confirmed" test "$(grep -c '^joined: ' "$T/c.out")" -eq 4
check "-c: request resolves to one member" grep -q '^224.1.2.2: 1 member' "$T/c.out"
check "-c: grouplist lists the four" grep -q '^4 groups with members' "$T/c.out"
check "-c: show groups: marsd's records" grep -q '^group addr=224.1.2.3 members=1' "$T/c.out"
check "-c: status: registered, groups, the MARS's CSN" sh -c "grep -q '^member  *registered with' '$T/c.out' && grep -q '^groups  *224.1.1.1, 224.1.2.1' '$T/c.out' && grep -q '^csn  *[0-9]' '$T/c.out'"
check "-c: nothing on stderr" test ! -s "$T/c.err"

# --- argv mode and the implicit connect ---
mc --admin "$T/s1.sock" show stats >"$T/argv.out" 2>&1
check "argv: show stats answers" grep -q '^stats uptime_ms=' "$T/argv.out"
check "argv: the implicit connect says nothing" sh -c "! grep -q connected '$T/argv.out'"
mc --admin "$T/s1.sock" sh mem >/dev/null 2>&1
check "argv: unique prefixes" test $? -eq 0
mc --admin "$T/s1.sock" s >/dev/null 2>"$T/amb.err"
rc=$?
check "ambiguous prefix refused with the candidates, exit 2" sh -c "[ $rc -eq 2 ] && grep -q 'ambiguous command \"s\": status, show, send' '$T/amb.err'"

# --- -f: errors name file, line, command and argument; the shell goes on ---
cat >"$T/script.mc" <<EOF
# a script with mistakes
connect $EP --admin $T/s1.sock
register
join 300.1.1.1
frobnicate
show members ; fault omit-dead maybe
status
EOF
mc -f "$T/script.mc" >"$T/f.out" 2>"$T/f.err"
rc=$?
check "-f: exit 2 (the last failure was a usage error)" test $rc -eq 2
check "-f: bad group named with file and line" grep -q "^marsctl: $T/script.mc:4: join: 300.1.1.1: not a group" "$T/f.err"
check "-f: unknown command named" grep -q "script.mc:5: unknown command \"frobnicate\"" "$T/f.err"
check "-f: bad keyword named with the command" grep -q "script.mc:6: fault: unknown argument \"maybe\"; expected on|off" "$T/f.err"
check "-f: commands after errors still ran" sh -c "grep -q '^member cmi=' '$T/f.out' && grep -q '^member  *registered' '$T/f.out'"

# --- a pipe: no readline, quit stops reading ---
printf 'connect --admin %s\nshow stats\nquit\nshow members\n' "$T/s1.sock" |
    mc >"$T/p.out" 2>&1
rc=$?
check "pipe: commands run, quit ends them" sh -c "[ $rc -eq 0 ] && grep -q '^stats ' '$T/p.out' && ! grep -q '^member ' '$T/p.out'"
printf 'connect --admin %s\nshow nothing\nstatus\n' "$T/s1.sock" | mc >/dev/null 2>&1
check "pipe: exit status of the failing command (marsd refused it)" test $? -eq 1

# --- --json: JSON lines, type first, errors as objects ---
mc --json -m "$EP" --admin "$T/s1.sock" -c 'register; join 224.1.1.1; request 224.1.1.1
    show members; status; join 300.1.1.1' >"$T/j.out" 2>"$T/j.err"
check "--json: every line is JSON" json_lines_ok "$T/j.out"
check "--json: type is the first key of every object" sh -c "! grep -v '^{\"type\":\"' '$T/j.out'"
check "--json: marsd's document as it is" grep -q '^{"type":"members","members":\[{"cmi":' "$T/j.out"
check "--json: the registration event" grep -q '^{"type":"event","event":"registered"' "$T/j.out"
check "--json: a resolution" grep -q '^{"type":"resolution","group":"224.1.1.1","result":"multi"' "$T/j.out"
check "--json: the error on stderr" sh -c "json_ok() { python3 -c 'import json,sys; json.load(sys.stdin)'; }; grep -q '^{\"type\":\"error\",\"program\":\"marsctl\",.*\"command\":\"join\",\"argument\":\"300.1.1.1\"' '$T/j.err'"

# --- events: the objects marsping --join writes, key for key ---
"$O/bin/marsping" --json --join 224.3.3.3 -m "$EP" -w 1s >"$T/mp.json" 2>/dev/null
mc --json -m "$EP" -c 'register; join 224.3.3.3; watch 1s' >"$T/mc.json" 2>&1
keys() { python3 -c 'import json,sys
for l in open(sys.argv[1]):
    o = json.loads(l)
    if o["type"] == "event" and o["event"] == sys.argv[2]:
        print(",".join(o.keys())); break' "$1" "$2"; }
for ev in registered joined; do
	k1=$(keys "$T/mc.json" $ev)
	k2=$(keys "$T/mp.json" $ev)
	check "watch --json: marsping's event objects ($ev: ${k1:-none})" sh -c "[ -n '$k1' ] && [ '$k1' = '$k2' ]"
done

# --- crafted messages: marsd drops them for the fault asked for ---
count() { "$G/adminq" "$T/s1.sock" show stats | sed -n "s/^dropped reason=$1 count=//p"; }
m0=$(count malformed); c0=$(count checksum); u0=$(count unknown-op)
mc -m "$EP" --admin "$T/s1.sock" -c 'register; join 224.1.1.1
    capture start '"$T"'/cap.pcap
    send join group=224.5.5.5 pnum=3 wait=200ms
    send join chksum=bad wait=200ms
    send 99 wait=200ms
    send request group=224.1.1.1
    raw aaaa0300005e0003 000f wait=100ms
    capture stop' >"$T/s.out" 2>"$T/s.err"
rc=$?
check "send: exit 0" test $rc -eq 0
check "send: the octets shown" grep -q '0x0000:  aaaa 0300 005e 0003 000f 0800' "$T/s.out"
check "send: a claimed pnum the pairs do not fill is malformed" grep -q 'tx p2p\] MARS_JOIN MALFORMED truncated.*mar\$min' "$T/s.out"
check "send: chksum=bad is nonconforming" grep -q 'tx p2p\] MARS_JOIN .*NONCONFORMING checksum' "$T/s.out"
check "send: the reply decoded" grep -q 'rx p2p\] MARS_MULTI 224.1.1.1' "$T/s.out"
check "marsd dropped the malformed JOIN" test "$(count malformed)" -gt "$m0"
check "marsd dropped the bad checksum" test "$(count checksum)" -gt "$c0"
check "marsd dropped the unknown operation" test "$(count unknown-op)" -gt "$u0"
"$MARSDUMP" -r "$T/cap.pcap" >"$T/cap.txt" 2>&1
check "capture: marsdump reads it" test $? -eq 0
check "capture: sent and received, with VC and direction" sh -c "grep -q '\[0/10[0-9] tx\] MARS_JOIN MALFORMED' '$T/cap.txt' && grep -q '\[0/10[0-9] rx\] MARS_MULTI 224.1.1.1' '$T/cap.txt'"
frames=$(sed -n 's/^.*cap.pcap: \([0-9]*\) frames$/\1/p' "$T/s.out")
check "capture: every message kept ($frames)" test "$(wc -l <"$T/cap.txt")" -eq "${frames:-0}"

# --- reload: marsd rereads its file, says so when done ---
mc --admin "$T/s1.sock" -c 'reload; reload' >"$T/r.out" 2>&1
check "reload twice" test "$(grep -c "^reload file=$T/single.conf applied=yes" "$T/r.out")" -eq 2
check "marsd counted the reloads" sh -c "'$G/adminq' '$T/s1.sock' show stats | grep -q ' reloads=2 '"
mc --json --admin "$T/s1.sock" reload >"$T/r.json" 2>&1
check "reload --json: marsd's reload object" grep -q '^{"type":"reload","file":".*single.conf","applied":true,"reloads":3}$' "$T/r.json"
# a marsd started with -d: no process to signal, the socket is enough
DPORT=$("$G/freeport" 1)
write_single "$DPORT" | sed -e "s|$T/s1.sock|$T/d%n.sock|" >"$T/d.conf"
"$MARSD" -d -c "$T/d.conf" --pidfile "$T/d.pid" 2>/dev/null
DPID=$(cat "$T/d.pid" 2>/dev/null)
PIDS="$PIDS $DPID"
sed -e 's/^redirect-interval .*/redirect-interval = 700ms/' "$T/d.conf" >"$T/d2.conf"
mv "$T/d2.conf" "$T/d.conf"
mc --cluster "$T/d.conf" -c 'reload; show redirect-map' >"$T/rd.out" 2>&1
check "reload of a daemonised marsd, through %n's socket" sh -c "grep -q '^reload file=.*d.conf applied=yes reloads=1' '$T/rd.out' && grep -q '^redirect-map interval_ms=700 ' '$T/rd.out'"
echo '[mars' >>"$T/d.conf"
mc --admin "$T/ds1.sock" reload >"$T/rd.out" 2>&1
rc=$?
check "reload of a broken file: marsd's reason, exit 1" sh -c "[ $rc -eq 1 ] && grep -q '^marsctl: reload: reload failed, keeping the running settings: .*d.conf:[0-9]*: ' '$T/rd.out'"
kill "$DPID" 2>/dev/null

# --- completion from the help of the marsd talked to ---
mc __complete --admin "$T/s1.sock" admin '' >"$T/cw"
check "admin words from marsd's help" sh -c "grep -qx reload '$T/cw' && grep -qx fault '$T/cw' && [ \$(grep -cx show '$T/cw') -eq 1 ]"
mc __complete --admin "$T/s1.sock" admin sh '' >"$T/cw"
check "admin show: marsd's show words" sh -c "grep -qx living-group '$T/cw' && grep -qx stats '$T/cw'"
mc __complete admin '' >"$T/cw"
check "no marsd, no words of its help" test ! -s "$T/cw"
awk '/^\.Sh FAULT INJECTION/ { p = 1; next } /^\.Sh / { p = 0 }
    p && /^\.It Cm / { print $3 }' man/marsd.8 >"$T/faults"
mc __complete fault '' >"$T/cw"
missing=$(grep -vxF -f "$T/cw" "$T/faults" | tr '\n' ' ')
check "fault completes every fault of marsd(8) (${missing:-none missing})" sh -c "[ -s '$T/faults' ] && [ -z '$missing' ]"
mc --admin "$T/s1.sock" show bogus >/dev/null 2>"$T/cw"
rc=$?
check "show WORD: marsd judges the words it does not know" sh -c "[ $rc -eq 1 ] && grep -q 'unknown command \"bogus\"' '$T/cw'"

# --- the lab: three entities from a cluster file ---
write_cluster() {
	cat <<EOF
[cluster]
redirect-interval   = 300ms
failure-timeout     = 1s
retransmit-interval = 300ms
hello-interval      = 200ms
dead-factor         = 3
fault-injection     = yes

EOF
	mars_sections 200 100 50
}
PORTS=$("$G/freeport" 6 | tr '\n' ' ')
write_cluster >"$T/c.conf"
mc --json -c "lab up $T/c.conf; lab status" >"$T/lab0.json" 2>&1
check "lab up: three entities running" test "$(grep -c '"type":"lab",.*"state":"running"' "$T/lab0.json")" -eq 6
LPIDS=$(sed -n 's/.*"pid":\([0-9]*\).*/\1/p' "$T/lab0.json" | sort -u)
gone() { for p in $LPIDS; do kill -0 "$p" 2>/dev/null && return 1; done; return 0; }
check "quit reaps the lab" wait_for 5 gone

# a lone MARS: up once its socket answers (it has no election to show)
LPORT=$("$G/freeport" 1)
write_single "$LPORT" | sed -e '/^admin-socket/d' >"$T/lone.conf"
mc -c "lab up $T/lone.conf; connect s1; show redirect-map; lab down" \
    >"$T/lone.out" 2>&1
check "lab up: a lone MARS, reached through the lab's socket" sh -c "grep -q '^s1  *[0-9][0-9]*  *running ' '$T/lone.out' && grep -q '^redirect-map interval_ms=300 ' '$T/lone.out' && grep -q '^lab: down' '$T/lone.out'"

mc -t 3s -c "lab up $T/c.conf; connect m1; register; join 224.7.7.7
    show election; fault omit-dead on; fault omit-dead off
    lab hang m3; lab status; lab resume m3; lab restart m3; lab kill m1
    watch 22s; status; show members; lab status; lab down" \
    >"$T/lab.out" 2>"$T/lab.err"
check "lab: m1 elected Active before the member registers" grep -q '^election self=m1 role=active' "$T/lab.out"
check "lab: fault switches answered" sh -c "grep -q 'faults active=omit-dead' '$T/lab.out' && grep -q 'faults active=none' '$T/lab.out'"
check "lab: hang shows the entity hung" grep -q '^m3  *[0-9][0-9]*  *hung ' "$T/lab.out"
check "lab: resumed, restarted, killed" sh -c "grep -q '^lab: m3 resumed' '$T/lab.out' && grep -q '^lab: m3 restarted (pid' '$T/lab.out' && grep -q '^lab: m1 killed' '$T/lab.out'"
CMI=$(sed -n 's/^registered: m1 .* cmi \([0-9]*\) .*/\1/p' "$T/lab.out" | head -n 1)
check "failover: the member registered with m2, CMI $CMI kept" grep -q "^registered: m2 .* cmi $CMI .*(recovery)" "$T/lab.out"
# RFC 2022 §5.4: 1-10 s before registering again, 1-10 s between re-joins
check "failover: the group re-joined at m2" grep -q '^rejoined: m2 groups 1' "$T/lab.out"
check "failover: status and admin follow the member to m2" sh -c "grep -q '^member  *registered with m2' '$T/lab.out' && grep -q '^admin  *.*/m2.sock' '$T/lab.out'"
check "lab: m1 shown dead, killed by signal 9" grep -q '^m1  *-  *dead .*(killed by signal 9)' "$T/lab.out"
check "lab: no error" test ! -s "$T/lab.err"

# --- the command table and the manual agree ---
mandoc -Tascii man/marsctl.8 2>/dev/null | col -b >"$T/man.txt"
missing=""
"$MARSCTL" __commands | cut -f 1 >"$T/cmds"
while IFS= read -r u; do
	grep -qF -- "$u" "$T/man.txt" || missing="$missing [$u]"
done <"$T/cmds"
check "every command of the table is in marsctl(8)$missing" test -z "$missing"
mc help >"$T/help.out"
check "help lists every command of the table" test "$(wc -l <"$T/help.out")" -ge "$(wc -l <"$T/cmds")"

# --- the terminal: completion, history, Ctrl-C, output while typing ---
if ! command -v tmux >/dev/null 2>&1; then
	skip "tmux not installed: no terminal tests"
	exit "$failed"
fi
pane() { $TM capture-pane -p -t mc 2>/dev/null; }
pane_has() { pane | grep -q -- "$1"; }
last_line_is() { [ "$(pane | grep -v '^$' | tail -n 1)" = "$1" ]; }
start_tty() {
	$TM new-session -d -s mc -x 160 -y 40 \
	    "env HOME='$HOME' TERM=xterm MARSD='$MARSD' '$MARSCTL' --cluster '$T/single.conf'; echo marsctl exited; sleep 30"
	wait_for 5 pane_has 'marsctl s1'
}
check "tty: the prompt names the entity" start_tty
check "tty: the role of a lone MARS" wait_for 5 pane_has 'marsctl s1(single)>$'
$TM send-keys -t mc 'sh' Tab
check "tty: Tab completes a command" wait_for 3 last_line_is 'marsctl s1(single)> show'
$TM send-keys -t mc 'l' Tab
check "tty: Tab completes a sub-word" wait_for 3 last_line_is 'marsctl s1(single)> show living-group'
$TM send-keys -t mc C-u 'send join ch' Tab
check "tty: Tab completes send's fields" wait_for 3 last_line_is 'marsctl s1(single)> send join chksum='
$TM send-keys -t mc C-u 'show m' Tab Tab
check "tty: ambiguous words listed" wait_for 3 pane_has '^mcs  *members'
$TM send-keys -t mc C-u 'register' Enter
check "tty: register" wait_for 5 pane_has '^registered: s1 '
$TM send-keys -t mc 'watch' Enter
check "tty: watch shows ClusterControlVC traffic" wait_for 5 pane_has 'rx ccvc\] MARS_REDIRECT_MAP'
$TM send-keys -t mc C-c
check "tty: Ctrl-C ends watch, not the shell" wait_for 3 last_line_is 'marsctl s1(single)>'
$TM send-keys -t mc 'show mem'
check "tty: a line being typed" wait_for 3 last_line_is 'marsctl s1(single)> show mem'
kill -9 "$SPID"
check "tty: the failure printed while typing" wait_for 8 pane_has '^mars_failed: s1'
check "tty: the line typed is kept, the role updated" wait_for 5 last_line_is 'marsctl s1(down)> show mem'
$TM send-keys -t mc 'bers' Enter
check "tty: the line completed runs (marsd is gone)" wait_for 5 pane_has 'show members: .*s1.sock: '
$TM send-keys -t mc 'quit' Enter
gone_tty() { pane_has '^marsctl exited'; }
check "tty: quit" wait_for 5 gone_tty
check "history: in \$HOME/.marsctl_history" sh -c "grep -q '^register\$' '$HOME/.marsctl_history' && grep -q '^show members\$' '$HOME/.marsctl_history'"
$TM kill-server 2>/dev/null
TM="tmux -L marsctl-test-$$-2 -f /dev/null"	# a server of its own
start_tty >/dev/null
$TM send-keys -t mc Up
check "history: Up recalls the last command of the last session" wait_for 3 last_line_is 'marsctl s1(down)> quit'
$TM send-keys -t mc C-u Up
check "history: and the one before" wait_for 3 last_line_is 'marsctl s1(down)> show members'
$TM send-keys -t mc C-c
check "tty: Ctrl-C at the prompt discards the line" wait_for 3 last_line_is 'marsctl s1(down)>'
$TM send-keys -t mc "lab up $T/lone.conf" Enter
check "tty: lab up" wait_for 10 pane_has '^s1  *[0-9][0-9]*  *running '
$TM send-keys -t mc 'watch' Enter
wait_for 3 pane_has 'watching'
$TM send-keys -t mc C-c
wait_for 3 last_line_is 'marsctl s1(down)>'
$TM send-keys -t mc C-l 'lab status' Enter
check "tty: Ctrl-C reaches marsctl, not the lab's marsd" wait_for 5 pane_has '^s1  *[0-9][0-9]*  *running '
$TM kill-server 2>/dev/null

exit "$failed"
