#!/usr/bin/env bash
# External store against MediaWiki itself (issue 2 §2/§6):
#
#   external_store_mw.sh gen|sample sqlite|mariadb
#   (or DW_ES_WIKI=KIND-BACKEND, as tests/export/tests.cmake sets it)
#
# A wiki (`dumpworks import` of a generated wiki or of the real sample) on
# SQLite or MariaDB, with two external clusters configured the MediaWiki way
# ($wgExternalStores = ['DB'], $wgExternalServers) as two more databases on one
# private MariaDB server. MediaWiki's own maintenance scripts move the texts:
#   1. compressOld.php -t gzip -s X   text rows >= X become `utf-8,gzip` (local)
#   2. compressOld.php -t concat --extdb cluster2 -c 5 -n N
#        old revisions of the first half of the pages -> items of ConcatenatedGzipHistoryBlobs
#        in cluster2: DB://cluster2/ID/MD5, flags `external,utf-8`
#   3. compressOld.php -t concat -c 5 (no --extdb), the third quarter of the pages:
#        the first old revision of each chunk becomes a ConcatenatedGzipHistoryBlob
#        (flags `object,utf-8`), the others HistoryBlobStubs naming it
#   4. moveToExternal.php DB cluster1
#        every other text of >= 100 bytes -> DB://cluster1/ID, flags
#        `utf-8,external` or `utf-8,gzip,external`; the history blobs of step 3
#        too (`object,utf-8,external`), their stubs stay in the text table
# Then dumpBackup.php --full / --current and the two-pass form (--stub +
# dumpTextPass.php) against `dumpworks export` with the same clusters in the
# config file's [externalstore]: byte-identical. MediaWiki's dump after the move
# must also equal its dump before (nothing lost by the move itself).
#
# Then what MediaWiki does with a blob it cannot fetch (a blobs row deleted, an
# item missing from a history blob, an unconfigured cluster, a cluster whose
# server is unreachable): dumpBackup.php (and dumpTextPass.php, after its
# retries) writes the revision with an empty <text bytes=".." sha1=".." /> and
# goes on; dumpworks must write the same bytes (and report each such revision,
# exit 3).
#
# MediaWiki 1.39 findings (see docs/export.md):
#   - compressOld.php -t gzip --extdb is broken ("untested" in its help): it
#     stores the URL but sets flags `utf-8,gzip` without `external`; not used.
#   - compressOld.php -t gzip gzdeflates `external` rows too (it only skips gzip
#     and object rows), so it must run before anything is moved out.
#   - compressOld.php -t concat never touches a page's latest revision.
#   - resolveStubs.php and trackBlobs.php (needed by recompressTracked.php) use MySQL-only SQL
#     (CONVERT(... USING latin1)), so not on an SQLite wiki; on MariaDB it refuses
#     to run while HistoryBlobStub rows exist (resolveStubs.php first), and then
#     both it and recompressTracked.php die on a server without replication:
#     TypeError, DBConnRef::primaryPosWait() given false (getPrimaryPos() is
#     false without a binary log). Not used here: compressOld.php --extdb and
#     resolveStubs.php make the same DB://cluster/id/item form.
#   - an SQLite wiki with a MariaDB cluster works with no workaround.
set -euo pipefail
KIND=${1:-${DW_ES_WIKI%-*}}
BACKEND=${2:-${DW_ES_WIKI#*-}}
: "${DW_SOURCE_DIR:?}" "${DW_BINARY:?}"
SHARED=${DW_SHARED:-$DW_SOURCE_DIR/../shared}
MW=/usr/share/mediawiki
HERE=$DW_SOURCE_DIR/tests
DW=$DW_BINARY
skip() { echo "SKIP: $*"; exit 77; }
fail() { echo "FAIL: $*" >&2; exit 1; }
command -v php >/dev/null || skip "php not installed"
[[ -f $MW/maintenance/storage/moveToExternal.php ]] || skip "MediaWiki not installed (apt-get install mediawiki)"
command -v mariadbd >/dev/null || skip "mariadbd not installed (apt-get install mariadb-server)"
php -r 'exit(extension_loaded("mysqli") ? 0 : 1);' || skip "php-mysql missing"
if [[ $KIND == sample && ! -f $SHARED/data/aawiki-20260101-pages-meta-history.xml.bz2 ]]; then
  skip "no $SHARED/data (the shared sample); the gen-* variants cover a generated wiki"
fi

T=$(mktemp -d "${TMPDIR:-/tmp}/dw-es-mw.XXXXXX")
cleanup() {
  [[ -f $T/mariadb/mysqld.pid ]] && bash "$HERE/harness/mariadb.sh" stop "$T/mariadb" >/dev/null 2>&1
  rm -rf "$T"
}
trap cleanup EXIT
# DW_KEEP=1 (debugging) keeps $T and leaves its MariaDB server running: stop it
# with tests/harness/mariadb.sh stop $T/mariadb.
[[ -n ${DW_KEEP:-} ]] && trap - EXIT
cd "$T"
t0=$SECONDS
say() { echo "[$((SECONDS - t0))s] $*"; }

# --- the wiki -----------------------------------------------------------------
case $KIND in
gen)
  DBNAME=genwiki
  "$DW" generate -q --pages 60 --revisions 600 --seed 20261122 --dbname $DBNAME --out in.xml
  ;;
sample)
  DBNAME=aawiki
  bzip2 -dc "$SHARED/data/aawiki-20260101-pages-meta-history.xml.bz2" >in.xml
  ;;
*) fail "kind must be gen or sample" ;;
esac
bash "$HERE/harness/mariadb.sh" start "$T/mariadb" >/dev/null
SOCK=$T/mariadb/mysqld.sock
sql() { bash "$HERE/harness/mariadb.sh" client "$T/mariadb" -N -B "$@"; }
for es in es1 es2; do
  sql -e "CREATE DATABASE $es"
  sed 's#/\*\$wgDBprefix\*/##' "$MW/maintenance/storage/blobs.sql" | sql $es
done
case $BACKEND in
sqlite)
  mkdir db
  DB=sqlite:$T/db/$DBNAME.sqlite
  MWDB=$DB
  q() { sqlite3 -separator $'\t' "$T/db/$DBNAME.sqlite" "$1"; }
  ;;
mariadb)
  sql -e "CREATE DATABASE $DBNAME"
  DB="mariadb://root@localhost/$DBNAME?socket=$SOCK"
  MWDB=mysql:$SOCK:$DBNAME
  q() { sql $DBNAME -e "$1"; }
  ;;
*) fail "backend must be sqlite or mariadb" ;;
esac
"$DW" import -q --db "$DB" in.xml || fail "dumpworks import"
if [[ $KIND == sample ]]; then
  # Interwiki prefixes are configuration, not dump content (as in
  # tests/import/import_mw_redump.sh): the sample's redirects use these two.
  q "INSERT INTO interwiki (iw_prefix, iw_url, iw_api, iw_wikiid, iw_local, iw_trans) VALUES
     ('en', 'https://en.wikipedia.org/wiki/\$1', '', '', 1, 0),
     ('m', 'https://meta.wikimedia.org/wiki/\$1', '', '', 1, 0)"
fi
php "$HERE/import/mw_settings.php" in.xml "$MWDB" LocalSettings.php
cat >>LocalSettings.php <<PHP
// External storage: two clusters, databases es1 and es2 on the private server.
\$wgExternalStores = [ 'DB' ];
\$wgExternalServers = [
  'cluster1' => [ [ 'host' => 'localhost:$SOCK', 'dbname' => 'es1', 'user' => 'root',
    'password' => '', 'type' => 'mysql', 'flags' => DBO_DEFAULT, 'load' => 1 ] ],
  'cluster2' => [ [ 'host' => 'localhost:$SOCK', 'dbname' => 'es2', 'user' => 'root',
    'password' => '', 'type' => 'mysql', 'flags' => DBO_DEFAULT, 'load' => 1 ] ],
];
PHP
mwrun() { php "$MW/maintenance/$1" --conf "$T/LocalSettings.php" "${@:2}"; }
php "$MW/maintenance/runScript.php" "$HERE/harness/mw_siteinfo_json.php" --conf "$T/LocalSettings.php" >si.json
cat >dw.conf <<CONF
[$DBNAME]
db = $DB
siteinfo = $T/si.json
[externalstore]
cluster1 = mariadb://root@localhost/es1?socket=$SOCK
cluster2 = mariadb://root@localhost/es2?socket=$SOCK
CONF
mwrun dumpBackup.php --full --quiet >mw-before.xml 2>mw-before.err || fail "dumpBackup.php (before)"
say "wiki built ($(grep -c '<revision>' mw-before.xml) revisions)"

# --- MediaWiki moves the texts --------------------------------------------------
maxtext=$(q "SELECT MAX(old_id) FROM text")
minpage=$(q "SELECT MIN(page_id) FROM page")
maxpage=$(q "SELECT MAX(page_id) FROM page")
mwrun storage/compressOld.php -t gzip -s $((maxtext * 3 / 4)) >compress-gzip.log 2>&1 ||
  fail "compressOld.php -t gzip: $(tail -3 compress-gzip.log)"
mwrun storage/compressOld.php -t concat -c 5 --extdb cluster2 \
  -s $minpage -n $(((minpage + maxpage) / 2)) >compress-concat.log 2>&1 ||
  fail "compressOld.php -t concat --extdb: $(tail -3 compress-concat.log)"
mwrun storage/compressOld.php -t concat -c 5 -s $(((minpage + maxpage) / 2 + 1)) \
  -n $(((minpage + 3 * maxpage) / 4)) >compress-local.log 2>&1 ||
  fail "compressOld.php -t concat: $(tail -3 compress-local.log)"
mwrun storage/moveToExternal.php DB cluster1 >move.log 2>&1 || fail "moveToExternal.php: $(tail -3 move.log)"
grep -q 'Error' move.log && fail "moveToExternal.php: $(grep Error move.log | head -1)"
kinds=$(q "SELECT old_flags, COUNT(*) FROM text GROUP BY old_flags ORDER BY old_flags" | tr '\t\n' '= ')
say "texts moved by MediaWiki: $kinds"
n_item=$(q "SELECT COUNT(*) FROM text WHERE old_text LIKE 'DB://cluster2/%/%'")
n_plain=$(q "SELECT COUNT(*) FROM text WHERE old_flags = 'utf-8,external'")
n_gzip=$(q "SELECT COUNT(*) FROM text WHERE old_flags = 'utf-8,gzip,external'")
n_blob=$(q "SELECT COUNT(*) FROM text WHERE old_flags = 'object,utf-8,external'")
n_stub=$(q "SELECT COUNT(*) FROM text WHERE old_flags = 'object,utf-8'")
((n_item > 20 && n_plain > 20 && n_gzip > 5 && n_blob > 3 && n_stub > 10)) ||
  fail "too few texts of each kind moved (items $n_item, plain $n_plain, gzip $n_gzip, history blobs $n_blob, stubs $n_stub)"

# --- the comparisons ------------------------------------------------------------
FAILS=0
# shellcheck source=../harness/compare.sh
. "$DW_SOURCE_DIR/tests/harness/compare.sh"  # cmp_files GOT WANT LABEL
dwx() { "$DW" export -q --config dw.conf --wiki $DBNAME "$@"; }
mwrun dumpBackup.php --full --quiet >mw-full.xml 2>mw-full.err || fail "dumpBackup.php --full"
[[ ! -s mw-full.err ]] || fail "dumpBackup.php --full warned: $(head -3 mw-full.err)"
cmp_files mw-full.xml mw-before.xml "MediaWiki: --full after the move = before"
dwx --full --output file:dw-full.xml || fail "dumpworks export --full: exit $?"
cmp_files dw-full.xml mw-full.xml "--full"
mwrun dumpBackup.php --current --quiet >mw-cur.xml 2>/dev/null || fail "dumpBackup.php --current"
dwx --current --output file:dw-cur.xml || fail "dumpworks export --current: exit $?"
cmp_files dw-cur.xml mw-cur.xml "--current"
# The two-pass form (what Wikimedia publishes): dumpTextPass.php reads the texts.
mwrun dumpBackup.php --full --stub --quiet >stub.xml 2>/dev/null || fail "dumpBackup.php --stub"
mwrun dumpTextPass.php --stub=file:$T/stub.xml --full --quiet >mw-2pass.xml 2>mw-2pass.err ||
  fail "dumpTextPass.php: $(tail -3 mw-2pass.err)"
dwx --full --form twopass --output file:dw-2pass.xml || fail "dumpworks export --form twopass: exit $?"
cmp_files dw-2pass.xml mw-2pass.xml "--full two-pass (dumpTextPass.php)"
# resolveStubs.php turns the stubs of step 3 into DB://cluster1/ID/MD5 items of
# the history blobs moveToExternal.php moved whole (MariaDB only: its SQL is
# MySQL's, CONVERT(... USING latin1), and fails on SQLite).
if [[ $BACKEND == mariadb ]]; then
  mwrun storage/resolveStubs.php >resolve.log 2>&1 || fail "resolveStubs.php: $(tail -3 resolve.log)"
  [[ $(q "SELECT COUNT(*) FROM text WHERE old_flags = 'object,utf-8'") == 0 ]] ||
    fail "resolveStubs.php left stubs"
  n_res=$(q "SELECT COUNT(*) FROM text WHERE old_text LIKE 'DB://cluster1/%/%'")
  ((n_res == n_stub)) || fail "resolveStubs.php: $n_res item URLs in cluster1, want $n_stub"
  dwx --full --output file:dw-resolved.xml || fail "dumpworks export --full after resolveStubs.php: exit $?"
  cmp_files dw-resolved.xml mw-full.xml "--full after resolveStubs.php ($n_res stubs resolved)"
fi
say "comparisons done"

# --- blobs MediaWiki cannot fetch -----------------------------------------------
# One of each: a cluster1 blobs row deleted; a history blob item that is not in
# its blob; a cluster nobody configured. Each is a different revision.
rev_of() { q "SELECT slot_revision_id FROM slots JOIN content ON content_id = slot_content_id
  WHERE content_address = 'tt:$1' ORDER BY slot_revision_id LIMIT 1"; }
t_plain=$(q "SELECT MIN(old_id) FROM text WHERE old_flags = 'utf-8,external'")
t_item=$(q "SELECT MIN(old_id) FROM text WHERE old_text LIKE 'DB://cluster2/%/%'")
t_gone=$(q "SELECT MAX(old_id) FROM text WHERE old_flags = 'utf-8,gzip,external'")
b_plain=$(q "SELECT old_text FROM text WHERE old_id = $t_plain")
sql es1 -e "DELETE FROM blobs WHERE blob_id = ${b_plain##*/}"
q "UPDATE text SET old_text = CONCAT(SUBSTRING(old_text, 1, LENGTH(old_text) - 32),
   '00000000000000000000000000000000') WHERE old_id = $t_item" 2>/dev/null ||
  q "UPDATE text SET old_text = substr(old_text, 1, length(old_text) - 32) ||
     '00000000000000000000000000000000' WHERE old_id = $t_item"
q "UPDATE text SET old_text = 'DB://cluster9/1' WHERE old_id = $t_gone"
revs="$(rev_of $t_plain) $(rev_of $t_item) $(rev_of $t_gone)"
mwrun dumpBackup.php --full --quiet >mw-bad.xml 2>mw-bad.err || fail "dumpBackup.php with bad blobs: exit $?"
set +e
"$DW" export --config dw.conf --wiki $DBNAME --full --output file:dw-bad.xml 2>dw-bad.err
rc=$?
set -e
[[ $rc == 3 ]] || { cat dw-bad.err; fail "export with unfetchable blobs: exit $rc, want 3"; }
cmp_files dw-bad.xml mw-bad.xml "--full with unfetchable blobs (row gone, item gone, unknown cluster)"
# The two-pass form: dumpTextPass.php retries each such text 5 times and then
# writes the revision without text (tests/export/mw_textpass_nowait.php: the
# same class without its 5 s sleeps).
php "$MW/maintenance/runScript.php" "$HERE/export/mw_textpass_nowait.php" \
  --conf "$T/LocalSettings.php" --stub=file:$T/stub.xml --full --quiet >mw-bad-2pass.xml 2>mw-bad-2pass.err ||
  fail "dumpTextPass.php with bad blobs: $(tail -3 mw-bad-2pass.err)"
set +e
"$DW" export --config dw.conf --wiki $DBNAME --full --form twopass --output file:dw-bad-2pass.xml 2>/dev/null
rc=$?
set -e
[[ $rc == 3 ]] || fail "export --form twopass with unfetchable blobs: exit $rc, want 3"
cmp_files dw-bad-2pass.xml mw-bad-2pass.xml "--full two-pass with unfetchable blobs"
for r in $revs; do
  grep -q "revision $r:" dw-bad.err || { cat dw-bad.err; fail "revision $r not reported"; }
done
[[ $(grep -c '\[warning\]' dw-bad.err) == 3 ]] || { cat dw-bad.err; fail "want exactly 3 problem lines"; }
# A cluster whose server is down (connection refused): MediaWiki gives up on
# every text of it and goes on. Workaround: $wgUseDatabaseMessages = false, or
# dumpBackup.php dies before the first page when MediaWiki-namespace messages
# (e.g. MediaWiki:Mainpage, read for <siteinfo>'s <base>) live on the dead
# cluster: MessageCache's DBConnectionError is not caught (the sample has such
# pages; the dump is otherwise the same).
sed -i "s#'host' => 'localhost:$SOCK', 'dbname' => 'es1'#'host' => '127.0.0.1', 'port' => 1, 'dbname' => 'es1'#" LocalSettings.php
grep -q "'port' => 1" LocalSettings.php || fail "could not point cluster1 at a dead server"
echo "\$wgUseDatabaseMessages = false;" >>LocalSettings.php
sed -i "s#^cluster1 = .*#cluster1 = mariadb://root@127.0.0.1:1/es1#" dw.conf
mwrun dumpBackup.php --current --quiet >mw-down.xml 2>mw-down.err ||
  fail "dumpBackup.php with cluster1 down: $(head -1 mw-down.err)"
set +e
"$DW" export --config dw.conf --wiki $DBNAME --current --output file:dw-down.xml 2>dw-down.err
rc=$?
set -e
[[ $rc == 3 ]] || { tail -3 dw-down.err; fail "export with cluster1 down: exit $rc, want 3"; }
n_down=$(q "SELECT COUNT(*) FROM page JOIN slots ON slot_revision_id = page_latest
  JOIN content ON content_id = slot_content_id
  JOIN text ON content_address = CONCAT('tt:', old_id) WHERE old_text LIKE 'DB://cluster1/%'" 2>/dev/null ||
  q "SELECT COUNT(*) FROM page JOIN slots ON slot_revision_id = page_latest
  JOIN content ON content_id = slot_content_id
  JOIN text ON content_address = 'tt:' || old_id WHERE old_text LIKE 'DB://cluster1/%'")
[[ $(grep -c "Can't connect" dw-down.err) == "$n_down" ]] ||
  { tail -3 dw-down.err; fail "cluster1 down: want $n_down problem lines"; }
cmp_files dw-down.xml mw-down.xml "--current with cluster1 down ($n_down texts unreadable)"
say "done"
((FAILS == 0)) || fail "$FAILS comparison(s) differ"
echo PASS
