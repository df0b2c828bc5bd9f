#!/bin/sh
# Golden outputs: marsdump on every committed capture, compared with the
# expected output stored beside this script (as tcpdump's tests/TESTLIST).
#
#   sh tests/golden/run.sh            compare; "ok"/"not ok" lines, exit 1
#                                     on any difference
#   sh tests/golden/run.sh --update   rewrite the expected outputs (make
#                                     golden), after an intended change
#
# TESTLIST has one test a line: NAME CAPTURE EXPECTED [FLAGS...]; CAPTURE
# is under testdata/pcap, EXPECTED under tests/golden, FLAGS (marsdump
# options and an expression, split on blanks) are the rest of the line.
# Every test must exit 0 and write nothing on standard error.  Times are
# printed in UTC.  $O is the build tree.
: "${O:=build/rel}"
TZ=UTC
LC_ALL=C
export TZ LC_ALL

MD=$O/bin/marsdump
DIR=tests/golden
LIST=$DIR/TESTLIST
update=no
[ "${1:-}" = --update ] && update=yes
if [ ! -x "$MD" ]; then
	echo "golden: $MD is not built" >&2
	exit 2
fi
T=$(mktemp -d "${TMPDIR:-/tmp}/golden.XXXXXX") || exit 2
trap 'rm -rf "$T"' EXIT
trap 'exit 1' INT TERM

n=0 failed=0 changed=0
while read -r name capture expected flags; do
	case $name in
	''|'#'*)
		continue
		;;
	esac
	n=$((n + 1))
	# shellcheck disable=SC2086 # flags are words by design
	"$MD" -r "testdata/pcap/$capture" $flags >"$T/out" 2>"$T/err"
	rc=$?
	if [ "$rc" -ne 0 ] || [ -s "$T/err" ]; then
		echo "not ok $n - $name: exit $rc: $(head -n 1 "$T/err")"
		failed=1
		continue
	fi
	if [ "$update" = yes ]; then
		if ! cmp -s "$T/out" "$DIR/$expected"; then
			cp "$T/out" "$DIR/$expected"
			changed=$((changed + 1))
			echo "updated $DIR/$expected"
		fi
		continue
	fi
	if [ ! -f "$DIR/$expected" ]; then
		echo "not ok $n - $name: $DIR/$expected missing (make golden)"
		failed=1
	elif cmp -s "$T/out" "$DIR/$expected"; then
		echo "ok $n - $name"
	else
		echo "not ok $n - $name: output differs from $DIR/$expected"
		diff "$DIR/$expected" "$T/out" | head -n 10 | sed 's/^/# /'
		failed=1
	fi
done <"$LIST"

if [ "$update" = yes ]; then
	echo "golden: $n tests, $changed expected outputs rewritten"
	exit $failed
fi
echo "1..$n"
exit $failed
