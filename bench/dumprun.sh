#!/bin/bash
# Benchmark: a whole `dumpworks dump` run versus the same work done the
# Wikimedia way, on the same database.
#
#   bench/dumprun.sh [SCALE]     (default SCALE=800: aawiki x 800 = 1,045,600 revisions)
#
# The database is the real sample (aawiki, MediaWiki 1.39 SQLite) replicated
# SCALE times with bench/make_replica.py. Wikimedia's way: MediaWiki 1.39's
# dumpBackup.php stubs (3 outputs, gzip), dumpBackup.php --full piped into
# lbzip2 (history), dumpBackup.php --current with the articles filters into
# bzip2, and a recompressxml-style pass (decompress pages-articles, 100 pages per
# bz2 stream + index) for multistream. dumpworks runs with 1 and 2 threads
# (parts: pagesPerChunkHistory = max page id / 2). Prints seconds and ratios.
# Needs: DW_BINARY (or build/dumpworks), ../shared, php + mediawiki, lbzip2.
set -euo pipefail
SCALE=${1:-800}
SRC=$(cd "$(dirname "$0")/.." && pwd)
BIN=${DW_BINARY:-$SRC/build/dumpworks}
SHARED=${DW_SHARED:-$SRC/../shared}
REF=$SHARED/data/reference-mw1.39
MW=/usr/share/mediawiki
T=$(mktemp -d /tmp/dw-bench-dumprun.XXXXXX)
trap 'rm -rf "$T"' EXIT
now() { date +%s.%N; }
secs() { echo "$2 - $1" | bc; }

echo "machine: $(nproc) cores, $(uname -r); scale $SCALE"
xz -dc "$REF/aawiki.sqlite.xz" >"$T/small.sqlite"
python3 "$SRC/bench/make_replica.py" "$T/small.sqlite" "$T/aawiki.sqlite" "$SCALE"
revs=$(sqlite3 "$T/aawiki.sqlite" "SELECT COUNT(*) FROM revision")
maxpage=$(sqlite3 "$T/aawiki.sqlite" "SELECT MAX(page_id) FROM page")
echo "database: $revs revisions, max page id $maxpage, $(du -h "$T/aawiki.sqlite" | cut -f1)"

# --- dumpworks ------------------------------------------------------------
conf() { # conf FILE DIR
  cat >"$1" <<CONF
[output]
public = $2/public
private = $2/private
[otherformats]
multistream = 1
[chunks]
chunksEnabled = 1
pagesPerChunkHistory = $(( (maxpage + 1) / 2 ))
[misc]
skipjobs = metahistory7zdump
[aawiki]
db = sqlite:$T/aawiki.sqlite
siteinfo = $SRC/tests/export/aawiki-siteinfo.json
CONF
}
declare -A DW
for th in 1 2; do
  conf "$T/dw$th.conf" "$T/dw$th"
  t0=$(now)
  "$BIN" dump --threads $th --config "$T/dw$th.conf" --date 20260101 aawiki 2>"$T/dw$th.log"
  DW[$th]=$(secs "$t0" "$(now)")
  echo "dumpworks dump --threads $th: ${DW[$th]} s"
  grep -o '[a-z0-9]*dump[a-z]* done in [0-9.]* s' "$T/dw$th.log" | sed 's/^/  /'
done

# --- the Wikimedia way -------------------------------------------------------
if ! [ -f "$MW/maintenance/dumpBackup.php" ] || ! command -v php >/dev/null; then
  echo "MediaWiki/php not installed: dumpworks figures only"; exit 0
fi
mkdir -p "$T/mw/data"
echo "benchpass-$$-x" >"$T/mw/pw"
php "$MW/maintenance/install.php" --confpath "$T/mw" --dbtype sqlite --dbpath "$T/mw/data" \
  --dbname aawiki --server https://aa.wikipedia.org --scriptpath /w --lang en \
  --passfile "$T/mw/pw" Wikipedia WikiAdmin >/dev/null
cp "$T/aawiki.sqlite" "$T/mw/data/aawiki.sqlite"
echo '$wgJobRunRate = 0;' >>"$T/mw/LocalSettings.php"
PHP="php $MW/maintenance"
C="--conf $T/mw/LocalSettings.php"
declare -A WM
t0=$(now)
$PHP/dumpBackup.php $C --full --stub --quiet --output=gzip:"$T/stub-meta-history.xml.gz" \
  --output=gzip:"$T/stub-meta-current.xml.gz" --filter=latest \
  --output=gzip:"$T/stub-articles.xml.gz" --filter=latest --filter=notalk --filter=namespace:!NS_USER
WM[stubs]=$(secs "$t0" "$(now)")
t0=$(now)
$PHP/dumpBackup.php $C --current --quiet --filter=notalk --filter=namespace:!NS_USER | bzip2 >"$T/articles.xml.bz2"
WM[articles]=$(secs "$t0" "$(now)")
t0=$(now)
$PHP/dumpBackup.php $C --current --quiet | bzip2 >"$T/current.xml.bz2"
WM[current]=$(secs "$t0" "$(now)")
t0=$(now)
$PHP/dumpBackup.php $C --full --quiet | lbzip2 -n 2 >"$T/history.xml.bz2"
WM[history]=$(secs "$t0" "$(now)")
t0=$(now)
bzip2 -dc "$T/articles.xml.bz2" | python3 -c '
import bz2, sys
out = open(sys.argv[1], "wb"); idx = []
buf = []; pages = 0; off = 0; header = True; pid = None; title = None; entries = []
def flush():
    global buf, off, entries
    if not buf: return
    data = bz2.compress("".join(buf).encode())
    for e in entries: idx.append("%d:%s:%s\n" % (off, e[0], e[1]))
    out.write(data); off += len(data); buf = []; entries = []
for line in sys.stdin:
    if line.startswith("  <page>") and header: flush(); header = False
    if line.startswith("    <title>"): title = line[11:-9]
    if line.startswith("    <id>") and title is not None and pid is None: pid = line[8:-6]
    if line.startswith("</mediawiki>"): flush()
    buf.append(line)
    if line.startswith("  </page>"):
        entries.append((pid, title)); pid = None; title = None; pages += 1
        if pages % 100 == 0: flush()
flush()
open(sys.argv[2], "wb").write(bz2.compress("".join(idx).encode()))
' "$T/multistream.xml.bz2" "$T/multistream-index.txt.bz2"
WM[multistream]=$(secs "$t0" "$(now)")
total=0
for k in stubs articles current history multistream; do
  echo "wikimedia way: $k ${WM[$k]} s"
  total=$(echo "$total + ${WM[$k]}" | bc)
done
echo "wikimedia way total: $total s"
echo "ratio (wikimedia / dumpworks 1 thread): $(echo "scale=2; $total / ${DW[1]}" | bc)"
echo "ratio (wikimedia / dumpworks 2 threads): $(echo "scale=2; $total / ${DW[2]}" | bc)"
echo "scaling (dumpworks 1 thread / 2 threads): $(echo "scale=2; ${DW[1]} / ${DW[2]}" | bc)"
