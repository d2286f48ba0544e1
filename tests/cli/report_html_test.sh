#!/usr/bin/env bash
# Renders a `trestle report` HTML file in headless Chromium (Debian's `chromium`) and
# checks that it is a page a person can look at:
#   - a screenshot (1200x2000) is written and is a non-trivial PNG (not one flat colour);
#   - the page's script ran without errors: the report marks <body data-report-ready="ok">
#     at the end of its script, and an error handler installed first would mark
#     data-script-errors and "error" instead; the browser log has no uncaught errors;
#   - the DOM holds the SVG plots (data-charts >= 2, <svg class="chart">);
#   - it loaded nothing: no network resources (performance entries, data-network-resources
#     = 0), and no src/href/url()/@import pointing anywhere in the file.
#
# usage: report_html_test.sh REPORT.html [OUT_DIR]
# Exit 0 when all hold, 1 when one does not, 77 when chromium is not installed (skip).
set -euo pipefail

html=${1:?usage: report_html_test.sh REPORT.html [OUT_DIR]}
out=${2:-$(mktemp -d)}
mkdir -p "$out"
html=$(cd "$(dirname "$html")" && pwd)/$(basename "$html")

browser=""
for b in chromium chromium-browser; do
  if command -v "$b" >/dev/null 2>&1; then browser=$b; break; fi
done
if [ -z "$browser" ]; then
  echo "chromium is not installed (scripts/install-deps.sh installs it)" >&2
  exit 77
fi

fail() { echo "FAIL: $*" >&2; exit 1; }

# Static: nothing in the file refers to anything outside it.
if grep -Eiq "(src|href)[[:space:]]*=[[:space:]]*[\"']?[a-z][a-z0-9+.-]*:" "$html"; then
  fail "a src or href with a scheme: $(grep -Eio "(src|href)[[:space:]]*=[[:space:]]*[\"']?[a-z][a-z0-9+.-]*:[^\"' >]*" "$html" | head -3)"
fi
grep -Eiq "url\(|@import" "$html" && fail "a CSS url() or @import"
grep -q "default-src 'none'" "$html" || fail "no Content-Security-Policy default-src 'none'"

profile=$(mktemp -d)
trap 'rm -rf "$profile"' EXIT
flags=(--headless --no-sandbox --disable-gpu --no-first-run --disable-background-networking
       --disable-component-update --disable-sync --user-data-dir="$profile" --enable-logging=stderr --v=0)

# The screenshot.
png="$out/report.png"
rm -f "$png"
timeout 90 "$browser" "${flags[@]}" --screenshot="$png" --window-size=1200,2000 "file://$html" \
  >"$out/screenshot.log" 2>&1 || fail "chromium --screenshot failed: $(tail -5 "$out/screenshot.log")"
[ -s "$png" ] || fail "no screenshot at $png"
python3 - "$png" <<'EOF' || fail "the screenshot is not a non-trivial 1200x2000 PNG"
import struct, sys, zlib
data = open(sys.argv[1], "rb").read()
assert data[:8] == b"\x89PNG\r\n\x1a\n", "not a PNG"
pos, idat, width, height = 8, b"", 0, 0
while pos < len(data):
    n, kind = struct.unpack(">I4s", data[pos:pos + 8])
    body = data[pos + 8:pos + 8 + n]
    if kind == b"IHDR":
        width, height = struct.unpack(">II", body[:8])
    elif kind == b"IDAT":
        idat += body
    pos += 12 + n
raw = zlib.decompress(idat)
assert (width, height) == (1200, 2000), (width, height)
assert len(set(raw)) > 32, "too few distinct byte values: a blank page"
print(f"screenshot {width}x{height}, {len(data)} bytes, {len(set(raw))} distinct byte values")
EOF

# The DOM after the scripts ran.
dom="$out/report.dom.html"
timeout 90 "$browser" "${flags[@]}" --dump-dom "file://$html" >"$dom" 2>"$out/dom.log" \
  || fail "chromium --dump-dom failed: $(tail -5 "$out/dom.log")"
body=$(grep -o '<body[^>]*>' "$dom" | head -1)
echo "$body"
root=$(grep -o '<html[^>]*>' "$dom" | head -1)
[[ $root == *data-script-errors* ]] && fail "script errors: $root; $(grep -o 'Script error: [^<]*' "$dom" | head -3)"
[[ $body == *'data-report-ready="ok"'* ]] || fail "the report's script did not finish (body: $body)"
[[ $body == *'data-network-resources="0"'* ]] || fail "the page loaded network resources (body: $body)"
charts=$(sed -n 's/.*data-charts="\([0-9]*\)".*/\1/p' <<<"$body")
[ "${charts:-0}" -ge 2 ] || fail "fewer than 2 charts in the DOM (body: $body)"
[ "$(grep -o '<svg class="chart' "$dom" | wc -l)" -ge 2 ] || fail "no SVG plots in the DOM"
if grep -Eiq 'Uncaught|CONSOLE\([0-9]+\)\] "[^"]*Error' "$out/screenshot.log" "$out/dom.log"; then
  fail "errors in the browser log: $(grep -Ei 'Uncaught|CONSOLE' "$out/screenshot.log" "$out/dom.log" | head -3)"
fi
echo "ok: $charts charts, no script errors, no network resources; screenshot $png"
