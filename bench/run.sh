#!/bin/sh
# make bench: every figure beside its baseline measured in the same run.
: "${O:=build/rel}"
export O
for b in bench/b_*.sh; do
	[ -f "$b" ] || continue
	sh "$b" || exit 1
done
