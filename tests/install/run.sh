#!/bin/sh
# make install into a staging DESTDIR; the README's example, built against
# it with pkg-config, linked with the shared library and with the archive,
# must print the expected JSON; the libraries export mars_* only; then
# make uninstall must leave no file behind.  Run by `make check-install`,
# which sets O, MAKE, CC, CXX, SANFLAGS, VERSION and SONAME.
set -eu
: "${O:=build/rel}" "${MAKE:=make}" "${CC:=cc}" "${CXX:=c++}" "${SANFLAGS:=}"
: "${VERSION:?}" "${SONAME:?}"
stage=$(pwd)/$O/stage
prefix=/opt/marstools		# not the default, so a hard-coded path shows
root=$stage$prefix
lib=$root/lib
t=$O/stage.tmp
# Named here, so that directories given to `make check` do not apply.
dirs="PREFIX=$prefix LIBDIR=$prefix/lib INCLUDEDIR=$prefix/include PKGCONFIGDIR=$prefix/lib/pkgconfig"
rm -rf "$stage" "$t"
mkdir -p "$t"

fail() {
	echo "FAIL: install: $*"
	exit 1
}

# The README shows examples/decode.c verbatim as one of its blocks of
# lines indented by four spaces.
awk -v dir="$t" '
	/^    / {
		if (!inb) { inb = 1; n++; blank = 0; f = dir "/block." n }
		for (; blank > 0; blank--) print "" > f
		print substr($0, 5) > f
		next
	}
	$0 == "" { if (inb) blank++; next }
	{ if (inb) close(f); inb = 0 }' README
ok=0
for b in "$t"/block.*; do
	cmp -s "$b" examples/decode.c && ok=1
done
if [ $ok = 0 ]; then
	for b in $(grep -l mars_pdu_decode "$t"/block.*); do diff -u examples/decode.c "$b"; done
	fail "README has no copy of examples/decode.c"
fi

$MAKE --no-print-directory install DESTDIR="$stage" $dirs > "$t/install.log" 2>&1 ||
    { cat "$t/install.log"; fail "make install"; }

# Public headers only, each exactly as in lib/include/mars.
(cd lib/include/mars && ls) > "$t/hdr.want"
(cd "$root/include/mars" && ls) > "$t/hdr.have"
cmp -s "$t/hdr.want" "$t/hdr.have" || fail "installed headers differ from lib/include/mars"
[ "$(readlink "$lib/$SONAME")" = "libmars.so.$VERSION" ] || fail "$SONAME link"
[ "$(readlink "$lib/libmars.so")" = "$SONAME" ] || fail "libmars.so link"

# pkg-config finds the staged .pc; moving prefix moves libdir and includedir.
PKG_CONFIG_PATH=$lib/pkgconfig
export PKG_CONFIG_PATH
pc="pkg-config --define-variable=prefix=$root"
[ "$($pc --modversion libmars)" = "$VERSION" ] || fail "pkg-config --modversion libmars"
cflags=$($pc --cflags libmars)
libs=$($pc --libs libmars)
cc="$CC -std=c11 -pedantic -Wall -Wextra -Werror $SANFLAGS"
want='{"type":"message","frame":1,"ts":0.000000,"vpi":null,"vci":null,"dir":null,"vc_kind":null,"kind":"MARS","op":"MARS_REQUEST","op_code":1,"malformed":null,"nonconforming":[],"afn":15,"pro_type":2048,"pro_snap":"0000000000","hdrrsv":0,"chksum":19480,"extoff":0,"op_version":0,"shtl":20,"sstl":0,"sha":"47009181000000000000000001002048aa000300","sha_inferred":false,"ssa":null,"spln":4,"spa":"10.1.1.3","thtl":0,"tstl":0,"tpln":4,"pad":"0000000000000000","tpa":"224.1.2.3","tha":null,"tsa":null,"tlvs":null}'

# Shared: cc decode.c $(pkg-config --cflags --libs libmars), run from the
# staged lib/ (ldd must resolve libmars there, not anywhere else).
$cc -o "$t/decode" examples/decode.c $cflags $libs || fail "build against libmars.so"
readelf -d "$t/decode" | grep -q "NEEDED.*\[$SONAME\]" || fail "decode does not need $SONAME"
LD_LIBRARY_PATH=$lib ldd "$t/decode" | grep -q "$SONAME => $lib/$SONAME" ||
    fail "decode does not load the staged $SONAME"
LD_LIBRARY_PATH=$lib "$t/decode" > "$t/shared.json" || fail "decode (shared) exit $?"
python3 -m json.tool "$t/shared.json" > /dev/null || fail "decode (shared): not JSON"
[ "$(cat "$t/shared.json")" = "$want" ] || fail "decode (shared) printed $(cat "$t/shared.json")"

# Static: the same, with libmars.a and what Requires.private names.
slibs="$(echo "$libs" | sed 's/-lmars/-l:libmars.a/') \
    $(pkg-config --libs $($pc --print-requires-private libmars))"
$cc -o "$t/decode-static" examples/decode.c $cflags $slibs || fail "build against libmars.a"
! readelf -d "$t/decode-static" | grep -q "NEEDED.*libmars" || fail "decode-static needs libmars.so"
"$t/decode-static" > "$t/static.json" || fail "decode (static) exit $?"
[ "$(cat "$t/static.json")" = "$want" ] || fail "decode (static) printed $(cat "$t/static.json")"

# C++ links with the headers' extern "C", and the library it runs with is
# the version of the headers it was compiled with.
cat > "$t/version.cc" <<'EOT'
#include <cstdio>
#include <mars/mars.h>
int main() { std::printf("%s %s\n", mars_version(), MARS_VERSION_STRING); }
EOT
$CXX -std=c++17 -pedantic -Wall -Wextra -Werror $SANFLAGS -o "$t/version" "$t/version.cc" \
    $cflags $libs || fail "C++ build against libmars.so"
[ "$(LD_LIBRARY_PATH=$lib "$t/version")" = "$VERSION $VERSION" ] || fail "mars_version()"

# Exports: the shared library's dynamic symbols and the archive's global
# definitions are all mars_*, and there are some.
nm -D --defined-only "$lib/libmars.so.$VERSION" | awk '{ print $NF }' > "$t/so.syms"
nm -g --defined-only "$lib/libmars.a" | awk 'NF == 3 { print $3 }' > "$t/a.syms"
for f in so a; do
	[ -s "$t/$f.syms" ] || fail "libmars.$f defines no global symbol"
	if grep -v '^mars_' "$t/$f.syms" > "$t/$f.extra"; then
		fail "libmars.$f exports $(head -n 5 "$t/$f.extra" | tr '\n' ' ')..."
	fi
done
[ "$(readelf -d "$lib/libmars.so.$VERSION" | sed -n 's/.*SONAME.*\[\(.*\)\]/\1/p')" = "$SONAME" ] ||
    fail "soname is not $SONAME"

# Uninstall leaves no file, and not the directory that is marstools' own.
$MAKE --no-print-directory uninstall DESTDIR="$stage" $dirs > "$t/uninstall.log" 2>&1 ||
    { cat "$t/uninstall.log"; fail "make uninstall"; }
left=$(find "$stage" ! -type d)
[ -z "$left" ] || fail "left after uninstall: $left"
[ ! -d "$root/include/mars" ] || fail "include/mars left after uninstall"

echo "install: staged in $O/stage: example (shared, static) and C++ ok," \
    "$(wc -l < "$t/so.syms") symbols exported, all mars_*; uninstall clean"
rm -rf "$stage" "$t"
