#!/bin/sh
# Layering check (lib/LAYERS, DESIGN.md): every #include "..." in lib/
# must point to the file's own layer or a lower one.  Usage:
#   tests/lint/layers.sh [ROOT]       ROOT defaults to the current directory
# Prints one line per violation, FILE:LINE: ..., and exits 1 if any.
root=${1:-.}
cd "$root" || exit 2
[ -f lib/LAYERS ] || { echo "layers: lib/LAYERS not found" >&2; exit 2; }
find lib -name '*.[ch]' | sort | xargs awk '
BEGIN {
	while ((getline line < "lib/LAYERS") > 0) {
		if (line ~ /^#/ || line ~ /^[ \t]*$/)
			continue
		n = split(line, f, /[ \t]+/)
		rank[f[1]] = ++nlayers
		for (i = 2; i <= n; i++)
			owner["mars/" f[i]] = f[1]
	}
	bad = 0
}
FNR == 1 {
	# The layer of this file: lib/<layer>/... or a public header.
	split(FILENAME, p, "/")
	if (p[2] == "include") {
		mine = owner["mars/" p[4]]
		if (mine == "") {
			printf "%s: public header not listed in lib/LAYERS\n", FILENAME
			bad = 1
		}
	} else if (p[2] in rank)
		mine = p[2]
	else {
		printf "%s: lib/%s is not a layer of lib/LAYERS\n", FILENAME, p[2]
		bad = 1
		mine = ""
	}
}
/^[ \t]*#[ \t]*include[ \t]*"/ {
	if (mine == "")
		next
	inc = $0
	sub(/^[^"]*"/, "", inc)
	sub(/".*/, "", inc)
	if (inc ~ /^mars\//)
		theirs = owner[inc]
	else if (inc ~ /\//) {
		theirs = inc
		sub(/\/.*/, "", theirs)
		if (!(theirs in rank))
			theirs = ""
	} else
		theirs = mine		# a header of the same folder
	if (theirs == "") {
		printf "%s:%d: \"%s\" belongs to no layer of lib/LAYERS\n", \
		    FILENAME, FNR, inc
		bad = 1
	} else if (rank[theirs] > rank[mine]) {
		printf "%s:%d: %s includes \"%s\" of %s, a higher layer\n", \
		    FILENAME, FNR, mine, inc, theirs
		bad = 1
	}
}
END { exit bad }
'
