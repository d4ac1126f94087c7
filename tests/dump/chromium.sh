#!/bin/bash
# index.html of a run, loaded in headless Chromium: it renders (title, status,
# one item per job) and every link in it resolves to a file that exists.
source "$(dirname "$0")/common.sh"
CHROME=$(command -v chromium || command -v chromium-browser || true)
[ -n "$CHROME" ] || { echo "chromium not installed: skipped"; exit 77; }
write_config "$T/a.conf" fakewiki "sqlite:/nonexistent" "" "[otherformats]" "multistream = 1"
mkdir -p "$T/public/fakewiki/20261101"   # a previous run, linked from the page
"$DW_BINARY" dump -q --synthetic-wiki 300:2 --config "$T/a.conf" --date 20261201 fakewiki || fail "dump"
D="$T/public/fakewiki/20261201"
touch "$T/public/fakewiki/20261101/index.html"
timeout 120 "$CHROME" --headless --no-sandbox --disable-gpu --no-first-run \
  --disable-background-networking --disable-component-update --disable-sync \
  --user-data-dir="$T/chrome" --dump-dom "file://$D/index.html" >"$T/dom.html" 2>"$T/chrome.err" ||
  fail "chromium failed: $(tail -3 "$T/chrome.err")"
grep -q '<h1>fakewiki dump progress on 20261201</h1>' "$T/dom.html" || fail "no title in the DOM"
grep -q "Dump complete" "$T/dom.html" || fail "no run status in the DOM"
[ "$(grep -o "<li class=\"done\">" "$T/dom.html" | wc -l)" -ge 11 ] || fail "job items missing: $(grep -c done "$T/dom.html")"
n=0
for href in $(grep -o 'href="[^"]*"' "$T/dom.html" | sed 's/^href="//; s/"$//'); do
  case "$href" in http*) continue ;; esac
  [ -e "$D/$href" ] || fail "link $href does not resolve"
  n=$((n+1))
done
[ $n -ge 15 ] || fail "only $n links"
timeout 120 "$CHROME" --headless --no-sandbox --disable-gpu --no-first-run \
  --disable-background-networking --disable-component-update --disable-sync \
  --user-data-dir="$T/chrome" --screenshot="$T/shot.png" --window-size=1200,900 \
  "file://$D/index.html" >/dev/null 2>&1 || fail "screenshot failed"
[ -s "$T/shot.png" ] || fail "no screenshot"
echo "index.html renders; $n links resolve"
