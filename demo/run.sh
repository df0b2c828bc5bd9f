#!/bin/sh
# `make demo': a redundant MARS failing over, run as a marsfail drill.
#
# Three marsd entities on this host (each in a network namespace of its
# own when run as root), 50 emulated members, the Active killed -9 and
# brought back (drills/demo.drill); marsfail's report with its one-line
# verdict, the control traffic as a pcap summarised by marsdump --stats
# and marsmap, and the path of the HTML report.  Under a minute; marsfail
# tears down everything it started, whatever happens.
: "${O:=build/rel}"
LC_ALL=C
export LC_ALL

for f in "$O/bin/marsfail" "$O/bin/marsd" "$O/bin/marsdump" "$O/bin/marsmap"; do
	[ -x "$f" ] || { echo "demo: $f missing: run make demo" >&2; exit 2; }
done
OUT=${DEMO_DIR:-build/demo}
mkdir -p "$OUT" || exit 2
rm -rf "$OUT/demo.pcap" "$OUT/demo.html" "$OUT/lab"

# --keep: the lab's cluster file (its ports) and marsd logs stay for
# marsmap; the processes and namespaces go all the same.
"$O/bin/marsfail" --lab --marsd "$O/bin/marsd" -w "$OUT/demo.pcap" \
    --html "$OUT/demo.html" --keep "$OUT/lab" drills/demo.drill
rc=$?
[ $rc -le 1 ] || exit $rc
if [ -s "$OUT/demo.pcap" ]; then
	echo
	echo "== marsdump --stats -r $OUT/demo.pcap"
	"$O/bin/marsdump" --stats -r "$OUT/demo.pcap" | head -n 24
	echo
	echo "== marsmap -r $OUT/demo.pcap -c $OUT/lab/cluster.conf"
	"$O/bin/marsmap" -r "$OUT/demo.pcap" -c "$OUT/lab/cluster.conf" |
	    head -n 22
else
	echo "(no capture: run as root for the pcap)"
fi
echo
echo "HTML report: $OUT/demo.html"
exit $rc
