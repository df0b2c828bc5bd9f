#!/bin/sh
# The chaos test, short version: three marsd entities and 30 emulated
# members (tests/gen/chaos, lib/lab), three rounds of kill -9 or
# SIGSTOP/SIGCONT of whichever entity is Active; after each round every
# member must be registered with the new Active under its first CMI with
# its groups, and no two Actives may coexist once they hear each other.
# `make soak` runs the long one.  CHAOS_ROUNDS and CHAOS_SEED override
# the defaults (3, 1); KEEP=1 keeps the cluster file and logs on failure.
: "${O:=build/rel}"
LC_ALL=C
export LC_ALL
. tests/integ/lib.sh

CHAOS=$O/tests/gen/chaos
MARSD=$O/bin/marsd
ROUNDS=${CHAOS_ROUNDS:-3}
SEED=${CHAOS_SEED:-1}
T=$(mktemp -d "${TMPDIR:-/tmp}/t_chaos.XXXXXX") || exit 1
trap 'rm -rf "$T"' EXIT

"$CHAOS" -r 1 -m 2 -b /nonexistent/marsd >"$T/out" 2>"$T/err"
rc=$?
check "a marsd that cannot start is reported (exit 2)" sh -c "[ $rc -eq 2 ] && grep -q 'did not start' '$T/err'"

# The test can fail: a MARS that forgets CMIs across a failover (marsd's
# fresh-cmi fault) is caught, naming the member and both CMIs.
"$CHAOS" -a kill -r 1 -m 5 -b "$MARSD" -f fresh-cmi >"$T/out" 2>"$T/err"
rc=$?
check "fault fresh-cmi: the round fails, member and CMIs named (exit 1)" sh -c "[ $rc -eq 1 ] && grep -q 'round 1: member [0-9]*: expected CMI [0-9]* kept; seen registered with m[123] under CMI [0-9]*' '$T/err'"

"$CHAOS" -v ${KEEP:+-k} -r "$ROUNDS" -s "$SEED" -b "$MARSD" >"$T/out" 2>"$T/err"
rc=$?
sed 's/^/# /' "$T/out"
[ $rc -eq 0 ] || sed 's/^/# /' "$T/err"
check "chaos: $ROUNDS rounds, seed $SEED, 30 members follow every Active with their CMIs" test $rc -eq 0
check "chaos: every round reported" sh -c "[ \$(grep -c 'settled in .*30 members registered' '$T/out') -eq $ROUNDS ]"
exit "$failed"
