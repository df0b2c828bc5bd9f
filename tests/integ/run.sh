#!/bin/sh
# Runs every integration script tests/integ/t_*.sh; each prints its own
# "ok"/"FAIL" lines and exits non-zero on failure.  $O is the build tree.
: "${O:=build/rel}"
export O
pass=0 fail=0
for t in tests/integ/t_*.sh; do
	[ -f "$t" ] || continue
	if sh "$t"; then pass=$((pass + 1)); else fail=$((fail + 1)); echo "FAIL: $t"; fi
done
echo "integration: $pass passed, $fail failed"
[ "$fail" -eq 0 ]
