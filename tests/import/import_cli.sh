#!/usr/bin/env bash
# `dumpworks import` from the command line, on a small XML made here (no ../shared
# needed): every input compression from a file and from stdin, re-import of the
# same dump (skipped, nothing duplicated), malformed XML (one line with
# file:line:column, non-zero exit, only whole batches committed), bad usage.
set -euo pipefail
T=$(mktemp -d "${TMPDIR:-/tmp}/dw-import-cli.XXXXXX")
trap 'rm -rf "$T"' EXIT
fail() { echo "FAIL: $*" >&2; exit 1; }
DW=$DW_BINARY
q() { sqlite3 "$1" "$2"; }
command -v sqlite3 >/dev/null || { echo "skip: sqlite3 CLI missing"; exit 77; }

# 60 pages x 5 revisions, IPs and users, one redirect, non-ASCII and markup.
{
  echo '<mediawiki xmlns="http://www.mediawiki.org/xml/export-0.11/" version="0.11" xml:lang="en">'
  echo '  <siteinfo><sitename>T</sitename><dbname>t</dbname><case>first-letter</case><namespaces>'
  echo '    <namespace key="0" case="first-letter" /><namespace key="1" case="first-letter">Talk</namespace>'
  echo '  </namespaces></siteinfo>'
  rev=0
  for p in $(seq 1 60); do
    echo "  <page><title>Page é $p</title><ns>0</ns><id>$p</id>"
    [[ $p == 60 ]] && echo '    <redirect title="Page é 1" />'
    for r in 1 2 3 4 5; do
      rev=$((rev + 1))
      echo "    <revision><id>$rev</id><timestamp>2020-01-0${r}T00:00:00Z</timestamp>"
      if (( r % 2 )); then echo "      <contributor><ip>10.0.$p.$r</ip></contributor>";
      else echo "      <contributor><username>User $r</username><id>$r</id></contributor><minor />"; fi
      echo "      <comment>edit $r &amp; more</comment><model>wikitext</model><format>text/x-wiki</format>"
      echo "      <text xml:space=\"preserve\">text $p/$r &lt;b&gt; ]]&gt; ☃</text></revision>"
    done
    echo "  </page>"
  done
  echo '</mediawiki>'
} > "$T/w.xml"

check300() {
  [[ $(q "$1" "select count(*) from revision") == 300 ]] || fail "$2: $(q "$1" 'select count(*) from revision') revisions, want 300"
  [[ $(q "$1" "select count(*) from page") == 60 ]] || fail "$2: pages"
}

# 1. Plain, gzip, bzip2 (two streams, as multistream dumps are), zstd; file and stdin.
gzip -c "$T/w.xml" > "$T/w.xml.gz"
head -c 2000 "$T/w.xml" | bzip2 -c > "$T/w.xml.bz2"; tail -c +2001 "$T/w.xml" | bzip2 -c >> "$T/w.xml.bz2"
zstd -q -c "$T/w.xml" > "$T/w.xml.zst"
for f in w.xml w.xml.gz w.xml.bz2 w.xml.zst; do
  "$DW" import -q --db "sqlite:$T/$f.sqlite" "$T/$f" || fail "import $f"
  check300 "$T/$f.sqlite" "$f"
  "$DW" import -q --db "sqlite:$T/stdin-$f.sqlite" - < "$T/$f" || fail "import stdin $f"
  check300 "$T/stdin-$f.sqlite" "stdin $f"
done
[[ $(q "$T/w.xml.sqlite" "select count(*) from redirect") == 1 ]] || fail "redirect row"
[[ $(q "$T/w.xml.sqlite" "select count(*) from user") == 2 ]] || fail "users"

# 1b. .7z (unpacked by 7za in a child process): by name and by magic; a
# truncated or corrupt archive, stdin and a missing 7za each give one line.
if command -v 7za >/dev/null; then
  (cd "$T" && 7za a -bd -bso0 -bsp0 w.xml.7z w.xml >/dev/null)
  "$DW" import -q --db "sqlite:$T/7z.sqlite" "$T/w.xml.7z" || fail "import .7z"
  check300 "$T/7z.sqlite" ".7z"
  cp "$T/w.xml.7z" "$T/w7.dump"
  "$DW" import -q --db "sqlite:$T/7zmagic.sqlite" "$T/w7.dump" || fail "import .7z by magic"
  check300 "$T/7zmagic.sqlite" ".7z by magic"
  size=$(stat -c %s "$T/w.xml.7z")
  head -c $((size - 40)) "$T/w.xml.7z" > "$T/trunc.7z"
  python3 -c "import sys; b=bytearray(open(sys.argv[1],'rb').read()); b[100]^=0xff; b[200]^=0xff; open(sys.argv[2],'wb').write(b)" "$T/w.xml.7z" "$T/flip.7z"
  for bad in trunc flip; do
    set +e; "$DW" import -q --db "sqlite:$T/7z-$bad.sqlite" "$T/$bad.7z" 2> "$T/7z-$bad.err"; rc=$?; set -e
    [[ $rc != 0 ]] || fail "$bad.7z: exit 0"
    [[ $(wc -l < "$T/7z-$bad.err") == 1 ]] || { cat "$T/7z-$bad.err"; fail "$bad.7z: not one line"; }
    grep -q "$bad.7z" "$T/7z-$bad.err" || { cat "$T/7z-$bad.err"; fail "$bad.7z: message"; }
  done
  # A truncated archive: 7za's own error (a flipped byte may instead surface as
  # malformed XML, since 7za checks the CRC only at the end of a file).
  grep -q "trunc.7z: 7za failed (exit 2): .*archive" "$T/7z-trunc.err" || { cat "$T/7z-trunc.err"; fail "trunc.7z: message"; }
  set +e; "$DW" import -q --db "sqlite:$T/7z-stdin.sqlite" - < "$T/w.xml.7z" 2> "$T/7z-stdin.err"; rc=$?; set -e
  [[ $rc != 0 ]] && grep -q "stdin: a .7z archive cannot be read from a pipe" "$T/7z-stdin.err" || { cat "$T/7z-stdin.err"; fail ".7z on stdin"; }
  set +e; DW_7ZA=/nonexistent/7za "$DW" import -q --db "sqlite:$T/7z-no.sqlite" "$T/w.xml.7z" 2> "$T/7z-no.err"; rc=$?; set -e
  [[ $rc != 0 ]] && grep -q "needs 7za, which is not installed (apt-get install p7zip-full)" "$T/7z-no.err" || { cat "$T/7z-no.err"; fail "missing 7za"; }
elif [[ -n ${CI:-} ]]; then
  fail "7za (p7zip-full) missing in CI"
fi

# 2. Importing the same dump again skips everything and duplicates nothing.
"$DW" import --db "sqlite:$T/w.xml.sqlite" "$T/w.xml" 2> "$T/again.err" || fail "re-import"
grep -q "0 revisions (300 already present)" "$T/again.err" || { cat "$T/again.err"; fail "re-import report"; }
check300 "$T/w.xml.sqlite" "re-import"

# 3. Malformed XML: one line naming file:line:column, non-zero exit, whole
#    batches committed, the failing one rolled back.
line=$(awk 'NR > 600 && /<\/comment>/ { print NR; exit }' "$T/w.xml")
sed "${line}s#</comment>#</coment>#" "$T/w.xml" > "$T/bad.xml"
set +e
"$DW" import -q --batch 50 --db "sqlite:$T/bad.sqlite" "$T/bad.xml" 2> "$T/bad.err"
rc=$?
set -e
[[ $rc != 0 ]] || fail "malformed XML exited 0"
grep -q "^dumpworks import: $T/bad.xml:$line:[0-9]*: mismatched tag" "$T/bad.err" || { cat "$T/bad.err"; fail "error line"; }
[[ $(wc -l < "$T/bad.err") == 1 ]] || { cat "$T/bad.err"; fail "error is not one line"; }
committed=$(sed -n 's/.*committed before the error: [0-9]* pages, \([0-9]*\) revisions.*/\1/p' "$T/bad.err")
[[ -n $committed && $committed -gt 0 ]] || { cat "$T/bad.err"; fail "no committed count"; }
[[ $(q "$T/bad.sqlite" "select count(*) from revision") == "$committed" ]] || fail "database has other than the committed $committed revisions"
[[ $(q "$T/bad.sqlite" "select count(*) from revision") == $(( committed / 50 * 50 )) ]] || true

# 4. Bad usage: one line, non-zero exit.
set +e
"$DW" import --db "sqlite:$T/nodir/x.sqlite" "$T/w.xml" 2> "$T/e1"; r1=$?
"$DW" import --db "sqlite:$T/m.sqlite" "$T/missing.xml" 2> "$T/e2"; r2=$?
"$DW" import --db "postgres://x" "$T/w.xml" 2> "$T/e3"; r3=$?
"$DW" import --bogus "$T/w.xml" 2> "$T/e4"; r4=$?
set -e
[[ $r1 != 0 && $(wc -l < "$T/e1") -le 2 ]] && grep -q "nodir" "$T/e1" || fail "unopenable db: $(cat "$T/e1")"
[[ $r2 != 0 ]] && grep -q "missing.xml" "$T/e2" || fail "missing input: $(cat "$T/e2")"
[[ $r3 == 2 ]] || fail "bad --db exit $r3: $(cat "$T/e3")"
[[ $r4 == 2 ]] || fail "unknown option exit $r4"
# 5. The database from a dumps config file instead of --db.
printf '[cfgwiki]\ndb = sqlite:%s\n' "$T/cfg.sqlite" > "$T/dw.conf"
"$DW" import -q --config "$T/dw.conf" --wiki cfgwiki "$T/w.xml.gz" || fail "import --config"
check300 "$T/cfg.sqlite" "--config"
set +e
"$DW" import "$T/w.xml" 2> "$T/e5"; r5=$?
set -e
[[ $r5 == 2 ]] && grep -q -- "--config and --wiki" "$T/e5" || fail "no database given: exit $r5: $(cat "$T/e5")"
echo PASS
