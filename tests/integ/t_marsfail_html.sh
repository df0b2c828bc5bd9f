#!/bin/sh
# marsfail --html: the page is opened in headless Chromium and checked by
# screenshot -- the PNG exists, has the window's size, and the role bands
# have their colours where the run's JSON report says they must be (M1
# dead after the kill; M2 Active after the failover).
# Skipped when chromium is not installed (.ci/run installs it).
: "${O:=build/rel}"
LC_ALL=C
export LC_ALL

. tests/integ/lib.sh
CHROMIUM=$(command -v chromium || command -v chromium-browser)
if [ -z "$CHROMIUM" ]; then
	skip "marsfail --html screenshot: chromium is not installed"
	exit 0
fi
T=$(mktemp -d "${TMPDIR:-/tmp}/t_marsfail_html.XXXXXX") || exit 1
trap 'rm -rf "$T"' EXIT
trap 'exit 1' INT TERM
F=$O/bin/marsfail

"$F" --json --html "$T/r.html" drills/3.4-reintroduction.drill >"$T/r.json"
check "--html: the report is written" test -s "$T/r.html"
check "--html: self-contained (no outside resource, no script)" sh -c "! grep -Eq '<script|src=|href=' '$T/r.html'"
check "--html: an SVG timeline with roles, the curve and faults" sh -c "grep -q '<svg' '$T/r.html' && grep -q 'class=\"role-active\"' '$T/r.html' && grep -q 'class=\"curve\"' '$T/r.html' && grep -q 'class=\"fault\"' '$T/r.html'"
check "--json names the page" has "\"html\":\"$T/r.html\"" "$T/r.json"

timeout 120 "$CHROMIUM" --headless --no-sandbox --disable-gpu \
    --disable-background-networking --disable-component-update \
    --disable-sync --no-first-run --user-data-dir="$T/profile" \
    --hide-scrollbars --screenshot="$T/shot.png" --window-size=1000,300 \
    "file://$T/r.html" >"$T/chromium.log" 2>&1
check "chromium took the screenshot" test -s "$T/shot.png"

# Where the bands are (html.c): x = 100 + 880 t / end, M_i at y 40+40i..70+40i.
python3 - "$T/r.json" >"$T/points" <<'PY'
import json, sys
lines = [json.loads(l) for l in open(sys.argv[1])]
ph = [l for l in lines if l["type"] == "phase"]
end = [l for l in lines if l["type"] == "summary"][0]["duration_ms"]
kill = [p for p in ph if p["step"] == "kill M1"][0]
restart = [p for p in ph if p["step"] == "restart M1"][0]
x = lambda t: int(100 + 880.0 * t / end)
mid_dead = (kill["start_ms"] + kill["detect_group_ms"] + restart["start_ms"]) / 2
print(x(mid_dead), 55, "9e9e9e")                      # M1 dead
print(x(mid_dead), 95, "2e7d32")                      # M2 Active meanwhile
print(x(mid_dead), 135, "1565c0")                     # M3 a Backup
print(x(end - 200), 55, "2e7d32")                     # M1 Active again
PY
check "the run's times give pixel positions" test -s "$T/points"
check "screenshot: 1000x300, the role bands' colours where the run puts them" \
    python3 tests/integ/pngcheck.py "$T/shot.png" 1000 300 $(cat "$T/points")
exit $failed
