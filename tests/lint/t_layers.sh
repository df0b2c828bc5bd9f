#!/bin/sh
# The layering check catches what it must: a copy of lib/ passes, the same
# copy with one upward include planted fails and names the file and line,
# and so does a public header missing from lib/LAYERS.
set -u
here=$(cd "$(dirname "$0")" && pwd)
tmp=$(mktemp -d "${TMPDIR:-/tmp}/layers.XXXXXX") || exit 2
trap 'rm -rf "$tmp"' EXIT INT TERM
fail=0
cp -R lib "$tmp/lib"
if ! sh "$here/layers.sh" "$tmp" >"$tmp/out" 2>&1; then
	echo "layers: the tree as it is fails:"; cat "$tmp/out"; fail=1
fi
# An upward include: the codec must not know the state machines.
sed -i '1i #include "mars/server.h"' "$tmp/lib/codec/pdu.c"
if sh "$here/layers.sh" "$tmp" >"$tmp/out" 2>&1; then
	echo "layers: a planted upward include was not caught"; fail=1
elif ! grep -q '^lib/codec/pdu.c:1: codec includes "mars/server.h" of fsm' "$tmp/out"; then
	echo "layers: the violation is not named as expected:"; cat "$tmp/out"; fail=1
fi
sed -i '1d' "$tmp/lib/codec/pdu.c"
# An internal header of a higher layer, included by path.
sed -i '1i #include "run/log.h"' "$tmp/lib/fsm/server/server.c"
if sh "$here/layers.sh" "$tmp" >/dev/null 2>&1; then
	echo "layers: an upward internal include was not caught"; fail=1
fi
sed -i '1d' "$tmp/lib/fsm/server/server.c"
# A public header nobody placed in a layer.
echo '#include "mars/err.h"' >"$tmp/lib/include/mars/stray.h"
if sh "$here/layers.sh" "$tmp" >/dev/null 2>&1; then
	echo "layers: an unlisted public header was not caught"; fail=1
fi
[ $fail -eq 0 ] && echo "layers: check catches planted violations"
exit $fail
