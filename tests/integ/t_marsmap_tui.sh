#!/bin/sh
# marsmap --tui driven in a real terminal: tmux on a private socket
# (send-keys, capture-pane), 80x24.  A capture: the MARS Group, the map,
# members and findings on screen; the keys that filter, sort, pause and
# scroll; a resize; q leaves the terminal clean and exits 1 (a rule is
# broken).  A live member beside marsd: the view updates as members come;
# SIGINT leaves the terminal clean too.  Every process started here is
# killed by PID; tmux's server is killed at the end.  $O is the build tree.
: "${O:=build/rel}"
LC_ALL=C
export LC_ALL

MM=$(pwd)/$O/bin/marsmap
MARSD=$O/bin/marsd
G=$O/tests/gen
T=$(mktemp -d "${TMPDIR:-/tmp}/t_marsmap_tui.XXXXXX") || exit 1
SOCK=marsmap-tui-$$
PIDS=""
cleanup() {
	tmux -L "$SOCK" kill-server 2>/dev/null
	for p in $PIDS; do kill "$p" 2>/dev/null; done
	for p in $PIDS; do wait "$p" 2>/dev/null; done
	rm -rf "$T"
}
trap cleanup EXIT
trap 'exit 1' INT TERM

. tests/integ/lib.sh

if ! command -v tmux >/dev/null 2>&1; then
	skip "tmux is not installed"
	exit 0
fi
# screen: what the pane shows now.
screen() { tmux -L "$SOCK" capture-pane -p -t mm >"$T/screen" 2>/dev/null; }
shows() { screen && grep -q -- "$1" "$T/screen"; }
key() { tmux -L "$SOCK" send-keys -t mm "$@"; }
# A session running CMD, then saving its status and the terminal modes.
session() {
	tmux -L "$SOCK" new-session -d -s mm -x 80 -y 24 \
	    "$1; echo \$? >'$T/status'; stty -a >'$T/stty' 2>&1; sleep 60"
}

# --- a capture --------------------------------------------------------------
session "'$MM' -r testdata/map/skip-sync.pcap -c testdata/map/skip-sync.conf --tui"
check "the view comes up at 80x24" wait_for 10 shows "marsmap testdata/map/skip-sync.pcap"
check "the stream's end is shown" shows "\[END\]"
check "the MARS Group with roles" sh -c "grep -q '^  m1 .*active' '$T/screen' && grep -q '^  m2 .*backup' '$T/screen'"
check "the current redirect map" grep -q "^map cluster: from m1 soft: m1 m2 m3" "$T/screen"
check "the members with CMIs" grep -q "^Members 4 (sort: seen)" "$T/screen"
check "the key line fits" grep -q "^q quit  p pause  s sort  f filter" "$T/screen"
key f
check "f: only findings" wait_for 5 shows "filter: findings"
check "the finding is listed" grep -q "soft-after-sync: m2 soft-redirects to m1" "$T/screen"
key f
check "f again: only MARS and SCSP messages" wait_for 5 shows "filter: messages"
key s
check "s: members sorted by CMI" wait_for 5 shows "sort: cmi"
key Up
check "up: scrolled back" wait_for 5 shows "scrolled back"
key End
not_scrolled() { screen && ! grep -q "scrolled back" "$T/screen"; }
check "end: back to the newest" wait_for 5 not_scrolled
check "80 columns cut the status line" sh -c "! grep -q 'rule broken' '$T/screen'"
tmux -L "$SOCK" resize-window -t mm -x 100 -y 30 2>/dev/null
resized() {
	screen && [ "$(wc -l <"$T/screen")" -eq 30 ] &&
	    tail -n 1 "$T/screen" | grep -q "^q quit" &&
	    grep -q "1 rule broken" "$T/screen"
}
check "a resize redraws at the new size (30 rows, 100 columns)" wait_for 5 resized
key q
check "q quits" wait_for 10 test -s "$T/status"
check "exit 1: a rule is broken" [ "$(cat "$T/status")" = 1 ]
check "the terminal is left clean (echo, icanon)" sh -c "grep -q ' icanon' '$T/stty' && grep -q ' echo ' '$T/stty'"
screen
check "the report follows the view" grep -q "BROKEN: 1 rule broken" "$T/screen"
check "no view left on the screen" sh -c "! grep -q '^q quit  p pause' '$T/screen'"
tmux -L "$SOCK" kill-server 2>/dev/null
rm -f "$T/status" "$T/stty"

# --- a live member ------------------------------------------------------------
"$MARSD" --listen udp:127.0.0.1:0 --atm 47000580ffe1000000f21a26d80020ea00000100 \
    --redirect-interval 300ms --admin "$T/s" --ready-fd 3 3>"$T/ready" 2>"$T/marsd.err" &
PIDS="$PIDS $!"
if ! wait_for 10 test -s "$T/ready"; then
	notok "marsd did not start"
	exit 1
fi
EP=$(cat "$T/ready")
session "'$MM' -m $EP --tui"
check "live: the view says LIVE" wait_for 10 shows "\[LIVE\]"
check "live: the MARS appears with its maps" wait_for 10 shows "map cluster: from ..ea00000100 soft"
"$G/labsend" -w 200 "$EP" register:21 join:21:224.5.5.1 >/dev/null 2>&1
"$G/labsend" -w 200 "$EP" register:22 join:22:224.5.5.2 >/dev/null 2>&1
check "live: new members show up" wait_for 10 shows "224.5.5.2"
key p
check "p: paused" wait_for 5 shows "\[PAUSED\]"
key p
check "p again: live" wait_for 5 shows "\[LIVE\]"
key C-c
check "SIGINT ends the view" wait_for 10 test -s "$T/status"
check "SIGINT: exit 0, nothing broken" [ "$(cat "$T/status")" = 0 ]
check "SIGINT: the terminal is left clean" sh -c "grep -q ' icanon' '$T/stty' && grep -q ' echo ' '$T/stty'"
exit $failed
