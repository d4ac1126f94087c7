#!/bin/bash
# External store: texts kept in a cluster's `blobs` table (DB://cluster/id,
# gzip'd blobs, items of MediaWiki's ConcatenatedGzipHistoryBlob made by its own
# class) are read from the configured cluster database, SQLite and MariaDB, and
# the export equals the export of the same wiki before the texts were moved.
# Without a configured store (or with a blob missing) each such revision is
# reported and the exit status is 3. Needs no ../shared (a generated wiki).
set -euo pipefail
for tool in python3 php sqlite3; do
  command -v $tool >/dev/null || { echo "SKIP: $tool not installed"; exit 77; }
done
[[ -f /usr/share/mediawiki/includes/historyblob/ConcatenatedGzipHistoryBlob.php ]] ||
  { echo "SKIP: Debian's mediawiki package is not installed"; exit 77; }
T=$(mktemp -d "${TMPDIR:-/tmp}/dw-export-es.XXXXXX")
cleanup() {
  bash "$DW_SOURCE_DIR/tests/harness/mariadb.sh" stop "$T/mariadb" >/dev/null 2>&1 || true
  rm -rf "$T"
}
trap cleanup EXIT
fail() { echo "FAIL: $*" >&2; exit 1; }
DW=$DW_BINARY
cd "$T"

"$DW" generate -q --pages 40 --revisions 400 --seed 7 --dbname eswiki --out g.xml --siteinfo-out si.json
"$DW" import -q --db sqlite:$T/w.sqlite g.xml
"$DW" export -q --db sqlite:$T/w.sqlite --siteinfo si.json --full --output file:ref.xml
moved=$(python3 "$DW_SOURCE_DIR/tests/export/external_store_move.py" w.sqlite es.sqlite es.sql cluster1)
(( moved > 250 )) || fail "only $moved texts moved to the external store"
[[ $(sqlite3 w.sqlite "select count(*) from text where old_flags like '%external%'") == "$moved" ]] || fail "move"

# 1. --external-store with an SQLite cluster: the same bytes as before the move.
"$DW" export -q --db sqlite:$T/w.sqlite --siteinfo si.json --full --output file:es1.xml \
  --external-store cluster1=sqlite:$T/es.sqlite || fail "export with --external-store: exit $?"
cmp ref.xml es1.xml || fail "export with the external store differs from the original"

# 2. The same through the config file ([externalstore], {wiki} substituted).
cat >dumps.conf <<CONF
[eswiki]
db = sqlite:$T/w.sqlite
siteinfo = $T/si.json
[externalstore]
cluster1 = sqlite:$T/{wiki}-es.sqlite
CONF
cp es.sqlite eswiki-es.sqlite
"$DW" export -q --config dumps.conf --wiki eswiki --full --output file:es2.xml || fail "export with [externalstore]"
cmp ref.xml es2.xml || fail "export with [externalstore] differs from the original"

# 2b. A dump run reads the store through the same config: its pages-meta-current
#     equals `export --current --form twopass` with the store.
"$DW" export -q --db sqlite:$T/w.sqlite --siteinfo si.json --current --form twopass \
  --external-store cluster1=sqlite:$T/es.sqlite --output file:cur2.xml || fail "twopass export"
{ printf '[wiki]\ndblist = %s/all.dblist\n[output]\npublic = %s/public\nprivate = %s/private\ntemp = %s/temp\n' \
    "$T" "$T" "$T" "$T"; cat dumps.conf; } >dumprun.conf
echo eswiki >all.dblist
"$DW" dump -q --config dumprun.conf --date 20260101 --job metacurrentdump --prereqs eswiki ||
  fail "dump run with [externalstore]: exit $?"
bzip2 -dc public/eswiki/20260101/eswiki-20260101-pages-meta-current.xml.bz2 >run-cur.xml
cmp cur2.xml run-cur.xml || fail "dump run with [externalstore]: pages-meta-current differs"

# 3. No store configured: every external revision reported, exit 3, XML well-formed.
set +e
"$DW" export --db sqlite:$T/w.sqlite --siteinfo si.json --full --output file:none.xml 2>none.err
rc=$?
set -e
[[ $rc == 3 ]] || fail "without a store: exit $rc, want 3"
n=$(grep -c 'no external store configured' none.err || true)
[[ $n == "$moved" ]] || fail "without a store: $n problem lines, want $moved"
grep -q 'revision [0-9]*: external blob DB://cluster1/' none.err || fail "problem line names no URL"
if command -v xmllint >/dev/null; then xmllint --noout none.xml || fail "none.xml not well-formed"; fi

# 4. A blob missing from the store, an unknown cluster: reported per revision.
sqlite3 es.sqlite "delete from blobs where blob_id = 1"
sqlite3 w.sqlite "update text set old_text = 'DB://cluster9/1' where old_id = (select min(old_id) from text where old_flags = 'utf-8,gzip,external')"
set +e
"$DW" export --db sqlite:$T/w.sqlite --siteinfo si.json --full --output file:miss.xml \
  --external-store cluster1=sqlite:$T/es.sqlite 2>miss.err
rc=$?
set -e
[[ $rc == 3 ]] || fail "missing blob: exit $rc, want 3"
grep -q 'DB://cluster1/1: no blob 1' miss.err || { cat miss.err; fail "missing blob not reported"; }
grep -q "cluster 'cluster9' is not configured" miss.err || { cat miss.err; fail "unknown cluster not reported"; }
[[ $(grep -c '\[warning\]' miss.err) == 2 ]] || { cat miss.err; fail "want exactly 2 problem lines"; }

# 5. Bad usage: one line, exit 2.
set +e
"$DW" export --db sqlite:$T/w.sqlite --siteinfo si.json --full --output file:bad.xml --external-store cluster1 2>bad.err
rc=$?
set -e
[[ $rc == 2 && $(wc -l <bad.err) == 1 ]] || { cat bad.err; fail "bad --external-store: exit $rc"; }
[[ ! -e bad.xml ]] || fail "bad usage left an output file"

# 6. A MariaDB cluster (skipped only where no MariaDB server is installed and CI is unset).
if ! command -v mariadbd >/dev/null; then
  [[ -n ${CI:-} ]] && fail "mariadbd missing in CI"
  echo "PASS (MariaDB cluster skipped: mariadbd not installed)"; exit 0
fi
"$DW" import -q --db sqlite:$T/w3.sqlite g.xml
python3 "$DW_SOURCE_DIR/tests/export/external_store_move.py" w3.sqlite es3.sqlite es3.sql cluster1 >/dev/null
bash "$DW_SOURCE_DIR/tests/harness/mariadb.sh" start "$T/mariadb"
bash "$DW_SOURCE_DIR/tests/harness/mariadb.sh" client "$T/mariadb" -e "CREATE DATABASE es; USE es; SOURCE $T/es3.sql;"
"$DW" export -q --db sqlite:$T/w3.sqlite --siteinfo si.json --full --output file:es3.xml \
  --external-store "cluster1=mariadb://root@localhost/es?socket=$T/mariadb/mysqld.sock" || fail "export with a MariaDB cluster"
cmp ref.xml es3.xml || fail "export with a MariaDB cluster differs from the original"
echo PASS
