#!/bin/sh
# Every public header compiles alone, as C11 and as C++17, with nothing
# but -I<include dir> (lib/include, or an installed include dir); and
# mars/mars.h includes every other header of mars/.
# Usage: sh tests/headers/run.sh [include dir]
set -u
: "${CC:=cc}" "${CXX:=c++}"
inc=${1:-lib/include}
CSTD="-std=c11 -pedantic -Wall -Wextra -Werror"
CXXSTD="-std=c++17 -pedantic -Wall -Wextra -Werror"
n=0 fail=0
for h in "$inc"/mars/*.h; do
	m=${h##*/}
	n=$((n + 1))
	printf '#include <mars/%s>\n' "$m" |
	    $CC $CSTD -I"$inc" -x c -c -o /dev/null - ||
	    { echo "FAIL: mars/$m alone as C11"; fail=$((fail + 1)); }
	printf '#include <mars/%s>\n' "$m" |
	    $CXX $CXXSTD -I"$inc" -x c++ -c -o /dev/null - ||
	    { echo "FAIL: mars/$m alone as C++17"; fail=$((fail + 1)); }
	[ "$m" = mars.h ] && continue
	grep -qx "#include \"mars/$m\"" "$inc/mars/mars.h" ||
	    { echo "FAIL: mars/mars.h does not include mars/$m"; fail=$((fail + 1)); }
done
echo "headers: $n public headers, alone as C11 and C++17 and in mars/mars.h: $fail failed"
[ "$fail" -eq 0 ]
