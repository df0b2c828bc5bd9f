# Shared helpers for the integration scripts (sourced, POSIX sh).
# TAP-like lines: "ok N - what", "not ok N - what"; $failed is 1 after
# any failure, and each script ends with `exit $failed`.

n=0
failed=0
ok() { n=$((n + 1)); echo "ok $n - $1"; }
notok() { n=$((n + 1)); echo "not ok $n - $1"; failed=1; }
skip() { n=$((n + 1)); echo "ok $n - # SKIP $1"; }
# check DESCRIPTION COMMAND...: ok when the command succeeds.
check() { d=$1; shift; if "$@"; then ok "$d"; else notok "$d"; fi; }
# has PATTERN FILE: grep, quietly.
has() { grep -q -- "$1" "$2"; }

# wait_for SECONDS COMMAND...: retry every 0.1 s until it succeeds.
wait_for() {
	w=$(($1 * 10)); shift
	while [ "$w" -gt 0 ]; do
		"$@" && return 0
		sleep 0.1
		w=$((w - 1))
	done
	return 1
}

# mars_sections PRIO1 PRIO2 PRIO3: the [mars m1] to [mars m3] sections of
# a cluster file on loopback, with these priorities; endpoint and
# peer-endpoint of each from the six ports of $PORTS, in that order.
mars_sections() {
	_prios="$1 $2 $3"
	set -- $PORTS
	_i=1
	for _prio in $_prios; do
		printf '[mars m%d]\natm           = 47.0005.80ffe1000000f21a26d8.0020ea00000%d.00\nendpoint      = udp:127.0.0.1:%s\npeer-endpoint = udp:127.0.0.1:%s\npriority      = %s\n\n' \
		    "$_i" "$_i" "$1" "$2" "$_prio"
		shift 2
		_i=$((_i + 1))
	done
}

# json_ok FILE: one JSON document; json_lines_ok FILE: one per line.
# python3 or jq when present, else a shape check.
json_ok() {
	if command -v python3 >/dev/null 2>&1; then
		python3 -c 'import json,sys; json.load(sys.stdin)' <"$1"
	elif command -v jq >/dev/null 2>&1; then
		jq . <"$1" >/dev/null
	else
		grep -q '^[[{].*[]}]$' "$1"
	fi
}
json_lines_ok() {
	if command -v python3 >/dev/null 2>&1; then
		python3 -c 'import json,sys
for l in open(sys.argv[1]):
    json.loads(l)' "$1" 2>/dev/null
	else
		! grep -qv '^{.*}$' "$1"
	fi
}
