#!/bin/bash
# A whole run of the real sample (aawiki on SQLite): decompressed content files
# equal MediaWiki 1.39's two-pass output, stubs equal the three-way stub run,
# every compressed file passes bzip2 -t / gzip -t / 7za t and dumpworks verify;
# then the same with parts and page ranges, whose recombined files decompress
# to the same bytes.
source "$(dirname "$0")/common.sh"
REF="$SHARED/data/reference-mw1.39"
[ -f "$REF/aawiki.sqlite.xz" ] || { echo "no $REF (../shared absent): skipped"; exit 77; }
command -v 7za >/dev/null || { echo "7za not installed: skipped"; exit 77; }
xz -dc "$REF/aawiki.sqlite.xz" >"$T/aawiki.sqlite"
SI="$DW_SOURCE_DIR/tests/export/aawiki-siteinfo.json"

compare_run() {
  local D=$1 date=$2
  cmpx() { cmp -s <(xz -dc "$REF/dumps/$1") <($2) || fail "$3 differs from MediaWiki's $1"; }
  cmpx pages-meta-history.2pass.xml.xz "bzip2 -dc $D/aawiki-$date-pages-meta-history.xml.bz2" history.bz2
  cmpx pages-meta-history.2pass.xml.xz "7za e -so $D/aawiki-$date-pages-meta-history.xml.7z" history.7z
  cmpx pages-meta-current.2pass.xml.xz "bzip2 -dc $D/aawiki-$date-pages-meta-current.xml.bz2" current
  cmpx pages-articles.2pass.xml.xz "bzip2 -dc $D/aawiki-$date-pages-articles.xml.bz2" articles
  cmpx pages-articles.2pass.xml.xz "bzip2 -dc $D/aawiki-$date-pages-articles-multistream.xml.bz2" multistream
  cmpx stub-meta-history.xml.xz "gzip -dc $D/aawiki-$date-stub-meta-history.xml.gz" stub-meta-history
  cmpx stub-meta-current.xml.xz "gzip -dc $D/aawiki-$date-stub-meta-current.xml.gz" stub-meta-current
  cmpx stub-articles.xml.xz "gzip -dc $D/aawiki-$date-stub-articles.xml.gz" stub-articles
  cmpx pages-logging.xml.xz "gzip -dc $D/aawiki-$date-pages-logging.xml.gz" pages-logging
  # Multistream: one index line per page, every offset at a bz2 stream start,
  # at most 100 pages per stream.
  local lines
  lines=$(bzip2 -dc "$D/aawiki-$date-pages-articles-multistream-index.txt.bz2" | wc -l)
  [ "$lines" -eq "$(xz -dc "$REF/dumps/pages-articles.2pass.xml.xz" | grep -c '^  <page>')" ] ||
    fail "index has $lines lines"
  bzip2 -dc "$D/aawiki-$date-pages-articles-multistream-index.txt.bz2" | cut -d: -f1 | uniq -c |
    awk '$1 > 100 { exit 1 }' || fail "a stream holds more than 100 pages"
  for off in $(bzip2 -dc "$D/aawiki-$date-pages-articles-multistream-index.txt.bz2" | cut -d: -f1 | uniq); do
    [ "$(dd if="$D/aawiki-$date-pages-articles-multistream.xml.bz2" bs=1 skip="$off" count=4 status=none)" = "BZh9" ] ||
      fail "index offset $off is not a bz2 stream start"
  done
  check_with_reference_tools "$D"
  "$DW_BINARY" verify -q "$D" || fail "dumpworks verify $D"
  # The titles lists.
  [ "$(zcat "$D/aawiki-$date-all-titles-in-ns0.gz" | head -1)" = "page_title" ] || fail "all-titles-in-ns0 header"
  [ "$(zcat "$D/aawiki-$date-all-titles.gz" | wc -l)" -eq 508 ] || fail "all-titles has not 507 titles + header"
}

write_config "$T/dw.conf" aawiki "sqlite:$T/aawiki.sqlite" "$SI" "[otherformats]" "multistream = 1"
"$DW_BINARY" dump -q --config "$T/dw.conf" --date 20260101 aawiki || fail "dump exited $?"
compare_run "$T/public/aawiki/20260101" 20260101
python3 - "$T/public/aawiki/20260101/dumpstatus.json" <<'PY' || fail "dumpstatus.json"
import json, sys
j = json.load(open(sys.argv[1]))
assert j["version"] == "0.8"
assert all(v["status"] == "done" for v in j["jobs"].values()), j
f = j["jobs"]["articlesdump"]["files"]["aawiki-20260101-pages-articles.xml.bz2"]
assert set(f) == {"size", "url", "md5", "sha1"} and f["url"] == "/aawiki/20260101/aawiki-20260101-pages-articles.xml.bz2"
PY
echo "single run: content equals MediaWiki's"

# Table jobs on a SQLite wiki: Wikimedia's tables as <table>.sql.gz, which the
# stock MariaDB client loads back with the same rows.
D1="$T/public/aawiki/20260101"
for t in site_stats page pagelinks categorylinks templatelinks redirect user_groups; do
  [ -f "$D1/aawiki-20260101-$t.sql.gz" ] || fail "no $t.sql.gz: $(ls "$D1")"
done
[ -f "$D1/aawiki-20260101-page_props.sql.gz" ] || fail "no page_props.sql.gz"
if command -v mariadbd >/dev/null; then
  HARNESS="$DW_SOURCE_DIR/tests/harness/mariadb.sh"
  trap 'bash "$HARNESS" stop "$T/srv" >/dev/null 2>&1 || true; rm -rf "$T"' EXIT
  bash "$HARNESS" start "$T/srv" >/dev/null
  sql() { bash "$HARNESS" client "$T/srv" --default-character-set=utf8mb4 "$@"; }
  sql -e "CREATE DATABASE back"
  n=0
  for f in "$D1"/aawiki-20260101-*.sql.gz; do
    t=$(basename "$f" .sql.gz); t=${t#aawiki-20260101-}
    zcat "$f" | sql back || fail "MariaDB could not load $(basename "$f")"
    want=$(sqlite3 "$T/aawiki.sqlite" "SELECT COUNT(*) FROM $t")
    got=$(sql -N back -e "SELECT COUNT(*) FROM \`$t\`")
    [ "$got" = "$want" ] || fail "$t: $got rows loaded, $want in the wiki"
    n=$((n + 1))
  done
  q="SELECT page_id, page_namespace, HEX(page_title), page_is_redirect, page_latest, page_len FROM page ORDER BY page_id"
  cmp -s <(sqlite3 -separator $'\t' "$T/aawiki.sqlite" "$q") <(sql -N back -e "$q") ||
    fail "page rows differ after loading page.sql.gz into MariaDB"
  bash "$HARNESS" stop "$T/srv" >/dev/null
  echo "table jobs: $n SQL files load into MariaDB with the wiki's rows"
else
  echo "mariadbd not installed: table files not loaded back (gzip -t only)"
fi

# Parts (3 by page id) and page ranges (~300 revisions), log parts by log id, recombined.
write_config "$T/dw2.conf" aawiki "sqlite:$T/aawiki.sqlite" "$SI" "[otherformats]" "multistream = 1" \
  "[chunks]" "chunksEnabled = 1" "pagesPerChunkHistory = 200" "checkpointTime = 1" "revsPerJob = 300" \
  "logitemsPerPagelogs = 1"
"$DW_BINARY" dump -q --threads 2 --config "$T/dw2.conf" --date 20260102 aawiki || fail "chunked dump exited $?"
D2="$T/public/aawiki/20260102"
ls "$D2" | grep -q 'aawiki-20260102-pages-meta-history3.xml-p401p508.bz2\|aawiki-20260102-pages-meta-history3.xml-p[0-9]*p508.bz2' ||
  fail "no page-range files: $(ls "$D2")"
# The 2 log items in 2 parts by log id (recombined: compared in compare_run).
[ -f "$D2/aawiki-20260102-pages-logging1.xml.gz" ] && [ -f "$D2/aawiki-20260102-pages-logging2.xml.gz" ] ||
  fail "no log parts: $(ls "$D2")"
[ "$(zcat "$D2/aawiki-20260102-pages-logging2.xml.gz" | grep -c '<logitem>')" = 1 ] || fail "log part 2"
compare_run "$D2" 20260102
echo "parts and page ranges: recombined content equals MediaWiki's"
