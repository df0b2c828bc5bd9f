#!/bin/sh
# The manual pages together: each program has its page, with SYNOPSIS,
# EXIT STATUS and EXAMPLES; every cross-reference to a marstools page
# (.Xr mars...) names a page of man/.  A reference to a program still to
# come (no cmd/NAME yet) is reported and skipped.  (mandoc -Tlint runs in
# make lint.)
: "${O:=build/rel}"
. tests/integ/lib.sh

for d in cmd/*/; do
	p=$(basename "$d")
	page=$(ls man/"$p".[0-9] 2>/dev/null | head -n 1)
	check "$p has a manual page" test -n "$page"
	[ -n "$page" ] || continue
	for s in SYNOPSIS 'EXIT STATUS' EXAMPLES 'SEE ALSO'; do
		check "$page: section $s" grep -q "^\.Sh $s\$" "$page"
	done
done
grep -H '^\.Xr mars' man/*.[0-9] | while IFS= read -r l; do
	set -- $(echo "$l" | sed 's/^\([^:]*\):\.Xr \([^ ]*\) \([0-9]\).*/\1 \2 \3/')
	echo "$1 $2 $3"
done | sort -u >"${TMPDIR:-/tmp}/xr.$$"
while read -r from name sec; do
	if [ -f "man/$name.$sec" ]; then
		ok "$from: $name($sec) exists"
	elif [ ! -d "cmd/$name" ] && [ -n "$(echo "$name" | grep -v '[.-]')" ]; then
		skip "$from: $name($sec), a program still to come"
	else
		notok "$from: $name($sec) names no page of man/"
	fi
done <"${TMPDIR:-/tmp}/xr.$$"
rm -f "${TMPDIR:-/tmp}/xr.$$"
exit "$failed"
