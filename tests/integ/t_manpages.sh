#!/bin/sh
# The manual pages together: each program has its page, with SYNOPSIS,
# EXIT STATUS, EXAMPLES and SEE ALSO; every cross-reference (.Xr, at the
# start of a line or inside one) names a page of man/, a page still to
# land (the short list below), or a page of the system from the list of
# those the manuals cite; the cluster files of marsd.conf(5)'s EXAMPLES
# pass marsd -t.  (mandoc -Tlint runs in make lint.)
: "${O:=build/rel}"
. tests/integ/lib.sh

# Pages being written on other branches, cited ahead of them.  Delete a
# line once its page is in man/ (the test says so).
TO_LAND=""
# Pages of other packages the manuals cite.
SYSTEM="getaddrinfo.3 ip.8 jq.1 nft.8 pcap.3 pcap-filter.7 ping.8 sh.1 syslog.3 tcpdump.8"

for d in cmd/*/; do
	p=$(basename "$d")
	page=$(ls man/"$p".[0-9] 2>/dev/null | head -n 1)
	check "$p has a manual page" test -n "$page"
	[ -n "$page" ] || continue
	for s in SYNOPSIS 'EXIT STATUS' EXAMPLES 'SEE ALSO'; do
		check "$page: section $s" grep -q "^\.Sh $s\$" "$page"
	done
done

in_list() { case " $2 " in *" $1 "*) return 0;; esac; return 1; }
# known NAME SECTION: a page of man/, still to land, or of the system
known() {
	[ -f "man/$1.$2" ] || in_list "$1.$2" "$TO_LAND" ||
	    in_list "$1.$2" "$SYSTEM"
}

XR=${TMPDIR:-/tmp}/xr.$$
trap 'rm -f "$XR" "$XR".*' EXIT
for f in man/*.[0-9]; do
	grep -o 'Xr [^ ]* [0-9][a-z]*' "$f" | while read -r _ name sec; do
		echo "$f $name $sec"
	done
done | sort -u >"$XR"
check "the pages cite other pages" test -s "$XR"
while read -r from name sec; do
	if [ -f "man/$name.$sec" ]; then
		if in_list "$name.$sec" "$TO_LAND"; then
			ok "$from: $name($sec) has landed: drop it from TO_LAND"
		else
			ok "$from: $name($sec) exists"
		fi
	elif in_list "$name.$sec" "$TO_LAND"; then
		ok "$from: $name($sec), a page still to land"
	elif known "$name" "$sec"; then
		ok "$from: $name($sec), a system page"
	else
		notok "$from: $name($sec) names no page of man/ nor a known one"
	fi
done <"$XR"

# The test must be able to fail: a page citing one that does not exist.
printf '.Xr marsnothing 8 ,\n.Pq Xr nosuchpage 1\n' >"$XR.bad"
bad=$(grep -o 'Xr [^ ]* [0-9][a-z]*' "$XR.bad" | while read -r _ name sec; do
	known "$name" "$sec" || echo "$name"
done | tr '\n' ' ')
check "a citation of a missing page is caught ($bad)" test "$bad" = "marsnothing nosuchpage "

# marsd.conf(5) EXAMPLES: the first file alone, then with the partitions
# of the second, as marsd -t takes them.
awk '/^\.Sh EXAMPLES/ { p = 1; next } /^\.Sh / { p = 0 }
    p && /^\.Bd -literal/ { b++; inb = 1; next } /^\.Ed/ { inb = 0; next }
    p && inb { print > ("'"$XR"'.ex" b) }' man/marsd.conf.5
check "marsd.conf(5) EXAMPLES: the cluster file passes marsd -t" sh -c \
    "'$O/bin/marsd' -t -v -c '$XR.ex1' 2>&1 | grep -q ': ok (3 MARS entities)'"
cat "$XR.ex1" "$XR.ex2" >"$XR.ex12" 2>/dev/null
check "marsd.conf(5) EXAMPLES: with its partitions too" sh -c \
    "'$O/bin/marsd' -t -v -c '$XR.ex12' 2>&1 | grep -q ': ok (3 MARS entities, load sharing)'"
exit "$failed"
