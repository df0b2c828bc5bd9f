#!/bin/sh
# The bash and zsh completions of every program (completions/), loaded
# in bash and in an interactive zsh (through tmux) and asked to complete
# real words; every long option a program's --help shows is completed.
# $O is the build tree.
: "${O:=build/rel}"
LC_ALL=C
export LC_ALL

. tests/integ/lib.sh
T=$(mktemp -d "${TMPDIR:-/tmp}/t_completions.XXXXXX") || exit 1
TM="tmux -L completions-test-$$ -f /dev/null"
cleanup() {
	$TM kill-server 2>/dev/null
	rm -rf "$T"
}
trap cleanup EXIT
trap 'exit 1' INT TERM
BIN=$(cd "$O/bin" && pwd)
TOP=$(pwd)
PROGS="marsd marsping marsdump marsctl marsfail"

for p in $PROGS; do
	check "$p: bash and zsh completion exist" test -f "completions/$p.bash" -a -f "completions/_$p"
done

# Every long option of --help is completed (marsctl's come from itself).
for p in marsd marsping marsdump marsfail; do
	miss=""
	for o in $("$BIN/$p" --help 2>&1 | grep -o -- '--[a-z][a-z-]*' | sort -u); do
		grep -q -- "$o" "completions/$p.bash" || miss="$miss bash:$o"
		grep -q -- "$o" "completions/_$p" || miss="$miss zsh:$o"
	done
	check "$p: every long option of --help completed$miss" test -z "$miss"
done
miss=""
for o in $("$BIN/marsctl" --help 2>&1 | grep -o -- '--[a-z][a-z-]*' | sort -u); do
	"$BIN/marsctl" __complete "${o%"${o#???}"}" | grep -qx -- "$o" ||
	    miss="$miss $o"
done
check "marsctl: every long option of --help completed$miss" test -z "$miss"

# --- bash: the functions with COMP_* set as bash sets them ---
bashc() {	# bashc PROG LINE: the candidates, one a line
	PATH="$BIN:$PATH" bash --norc --noprofile -c '
		source "completions/$1.bash"
		line=$2
		COMP_LINE=$line
		COMP_POINT=${#line}
		read -ra COMP_WORDS <<<"$line"
		[[ $line == *" " ]] && COMP_WORDS+=("")
		COMP_CWORD=$((${#COMP_WORDS[@]} - 1))
		COMP_WORDBREAKS=$'"'"' \t\n"'"'"'"'"'"'"'"'"'><=;|&(:'"'"'
		compopt() { :; }
		_$1
		printf "%s\n" "${COMPREPLY[@]}"' bashc "$1" "$2" 2>/dev/null
}
bash_has() {	# bash_has PROG LINE WORD...: each WORD among the candidates
	p=$1 l=$2
	shift 2
	bashc "$p" "$l" >"$T/b" || return 1
	for w; do grep -qx -- "$w" "$T/b" || return 1; done
}
check "bash marsd: --pro -> --protocol" bash_has marsd 'marsd --pro' --protocol
check "bash marsd: --protocol -> ipv4 ipv6" bash_has marsd 'marsd --protocol ' ipv4 ipv6
check "bash marsd: -n from the cluster file" bash_has marsd 'marsd -c testdata/cluster/redundant.conf -n ' m1 m2 m3
check "bash marsd: faults after a comma" bash_has marsd 'marsd --fault omit-dead,fr' omit-dead,fresh-cmi
check "bash marsping: --cl -> --cluster" bash_has marsping 'marsping --cl' --cluster
check "bash marsping: durations" bash_has marsping 'marsping -i ' 250ms 1s
check "bash marsdump: --st -> --stats --strict" bash_has marsdump 'marsdump --st' --stats --strict
check "bash marsdump: filter op names" bash_has marsdump 'marsdump -r x.pcap op jo' join
check "bash marsfail: --ht -> --html" bash_has marsfail 'marsfail --ht' --html
MARSFAIL_DRILLS=drills
export MARSFAIL_DRILLS
check "bash marsfail: a shipped drill" bash_has marsfail 'marsfail 3.1' 3.1-active-failure
check "bash marsfail: fault switches" bash_has marsfail 'marsfail explore --fault om' omit-dead
check "bash marsctl: a command word" bash_has marsctl 'marsctl sh' show
check "bash marsctl: a sub-word" bash_has marsctl 'marsctl show liv' living-group
check "bash marsctl: lab sub-words" bash_has marsctl 'marsctl lab ' up down kill hang resume restart status
check "bash marsctl: entity names after --cluster" bash_has marsctl 'marsctl connect --cluster testdata/cluster/redundant.conf ' m1 m2 m3
check "bash marsctl: -n after --cluster" bash_has marsctl 'marsctl --cluster testdata/cluster/demo.conf -n m' m1 m2 m3
check "bash marsctl: send's operations" bash_has marsctl 'marsctl send redi' redirect-map
bashc marsctl 'marsctl send join ' >"$T/f"
check "bash marsctl: JOIN has pairs= and cmi=, not targets=" sh -c "grep -qx 'pairs=' '$T/f' && grep -qx 'cmi=' '$T/f' && ! grep -qx 'targets=' '$T/f'"
check "bash marsctl: after ':' only the rest of the word" bash_has marsctl 'marsctl connect udp:127' 127.0.0.1:
check "bash marsctl: options" bash_has marsctl 'marsctl --j' --json
check "bash marsctl: files for -f" bash_has marsctl 'marsctl -f testdata/cluster/demo.c' testdata/cluster/demo.conf

# --- zsh: a real shell in a terminal ---
if ! command -v zsh >/dev/null 2>&1 || ! command -v tmux >/dev/null 2>&1; then
	skip "zsh or tmux not installed"
	exit "$failed"
fi
pane() { $TM capture-pane -p -t z 2>/dev/null; }
last_is() { [ "$(pane | grep -v '^$' | tail -n 1)" = "$1" ]; }
$TM new-session -d -s z -x 200 -y 30 -c "$TOP" \
    "env -i HOME='$T' TERM=xterm PATH='$BIN:/usr/bin:/bin' zsh -f"
$TM send-keys -t z "fpath=('$TOP/completions' \$fpath); autoload -U compinit; compinit -u -D; PS1='%% '" Enter
ready() { pane | grep -q '^% $\|^%$'; }
check "zsh: compinit with completions/" wait_for 5 ready
zshc() {	# zshc TYPED EXPECTED: Tab after TYPED gives the line EXPECTED
	$TM send-keys -t z C-u "$1" Tab
	wait_for 3 last_is "% $2"
}
check "zsh marsd: --pro -> --protocol" zshc 'marsd --pro' 'marsd --protocol'
check "zsh marsd: -n from the cluster file" zshc 'marsd -c testdata/cluster/single.conf -n ' 'marsd -c testdata/cluster/single.conf -n m1'
check "zsh marsping: --retr" zshc 'marsping --retr' 'marsping --retransmit-interval'
check "zsh marsdump: --imm" zshc 'marsdump --imm' 'marsdump --immediate-mode'
check "zsh marsctl: a command word" zshc 'marsctl disc' 'marsctl disconnect'
check "zsh marsctl: a sub-word" zshc 'marsctl show redi' 'marsctl show redirect-map'
check "zsh marsctl: a field, no space after =" zshc 'marsctl send join chk' 'marsctl send join chksum='
check "zsh marsfail: --jun" zshc 'marsfail --jun' 'marsfail --junit'
check "zsh marsctl: an entity of the cluster file" zshc 'marsctl connect --cluster testdata/cluster/single.conf ' 'marsctl connect --cluster testdata/cluster/single.conf m1'
$TM kill-server 2>/dev/null
exit "$failed"
