#!/bin/bash
# Benchmark: a whole `dumpworks dump` run versus the same work done the
# Wikimedia way, on the same database.
#
#   bench/dumprun.sh [REVISIONS]        (default 1,000,000 revisions, REVISIONS/10 pages)
#
# The wiki is generated (`dumpworks generate --seed 1`) and imported into SQLite
# (`dumpworks import`); the database is cached in $DW_BENCH_CACHE (default
# ~/.cache/dumpworks-bench) as genwiki-REVISIONS.sqlite, so later runs skip this.
#
# dumpworks: one whole run (multistream on, two parts, 7z skipped) on 1 core
# (`taskset` to one CPU, --threads 1) and on 2 cores (--threads 2). The
# Wikimedia way, with MediaWiki 1.39 on the same SQLite file:
#   - dumpBackup.php --full --stub, 3 gzip outputs (stubs);
#   - dumpBackup.php --current with the articles filters | bzip2;
#   - dumpBackup.php --current | bzip2;
#   - dumpBackup.php --full | lbzip2 -n NPROC (history);
#   - a recompressxml-style multistream pass (100 pages per bz2 stream + index).
# Every step prints wall seconds and CPU seconds (user+sys, children included):
# wall figures depend on the machine's load (printed), CPU seconds much less.
#
# Environment: DW_BINARY (default build/dumpworks), DW_BENCH_CACHE,
# BENCH_SIDES ("dumpworks wikimedia", the default, or one of them), BENCH_CORES
# (the dumpworks runs, default "1 2"),
# MW_REVISIONS (run the Wikimedia way on a smaller generated wiki; default: the same).
set -euo pipefail
REVS=${1:-1000000}
SRC=$(cd "$(dirname "$0")/.." && pwd)
BIN=${DW_BINARY:-$SRC/build/dumpworks}
CACHE=${DW_BENCH_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/dumpworks-bench}
SIDES=${BENCH_SIDES:-dumpworks wikimedia}
MW_REVS=${MW_REVISIONS:-$REVS}
MW=/usr/share/mediawiki
T=$(mktemp -d "${TMPDIR:-/tmp}/dw-bench-dumprun.XXXXXX")
trap 'rm -rf "$T"' EXIT
NPROC=$(nproc)
load() { cut -d' ' -f1-3 /proc/loadavg; }

# timed NAME CMD...: runs CMD (a bash -c string), prints and records wall/CPU s.
declare -A WALL CPU
timed() {
  local name=$1 cmd=$2
  /usr/bin/time -f '%e %U %S' -o "$T/time" bash -o pipefail -c "$cmd"
  read -r w u s <"$T/time"
  WALL[$name]=$w
  CPU[$name]=$(echo "$u + $s" | bc)
  printf '  %-34s wall %8.1f s   cpu %8.1f s   (load %s)\n' "$name" "$w" "${CPU[$name]}" "$(load)"
}

# wiki REVISIONS: the cached database, generated and imported once.
wiki() {
  local n=$1 db=$CACHE/genwiki-$1.sqlite
  if ! [ -f "$db" ]; then
    mkdir -p "$CACHE"
    echo "generating and importing $n revisions into $db (once)" >&2
    "$BIN" generate -q --pages $((n / 10)) --revisions "$n" --seed 1 --dbname genwiki \
      --siteinfo-out "$CACHE/genwiki-$n-siteinfo.json" --overwrite --out - |
      "$BIN" import -q --db "sqlite:$db.tmp" -
    mv "$db.tmp" "$db"
  fi
  echo "$db"
}

echo "machine: $NPROC cores, $(uname -r), load $(load); revisions $REVS"
DB=$(wiki "$REVS")
maxpage=$(sqlite3 "$DB" "SELECT MAX(page_id) FROM page")
echo "database: $(sqlite3 "$DB" "SELECT COUNT(*) FROM revision") revisions, max page id $maxpage, $(du -h "$DB" | cut -f1)"

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
pagesPerChunkHistory = $(((maxpage + 1) / 2))
[misc]
skipjobs = metahistory7zdump
[genwiki]
db = sqlite:$DB
siteinfo = $CACHE/genwiki-$REVS-siteinfo.json
CONF
}
if [[ " $SIDES " == *" dumpworks "* ]]; then
  for cores in ${BENCH_CORES:-1 2}; do
    [ "$cores" -le "$NPROC" ] || continue
    conf "$T/dw$cores.conf" "$T/dw$cores"
    cpus=$(seq -s, 0 $((cores - 1)))
    echo "dumpworks dump, $cores core(s) (taskset -c $cpus, --threads $cores):"
    timed "dumpworks $cores core(s)" \
      "taskset -c $cpus '$BIN' dump --threads $cores --config '$T/dw$cores.conf' --date 20260101 genwiki 2>'$T/dw$cores.log'"
    grep -o '[a-z0-9]*dump[a-z]* done in [0-9.]* s' "$T/dw$cores.log" | sed 's/^/    /'
    du -sb "$T/dw$cores/public" | awk '{printf "    published: %.1f MB\n", $1 / 1e6}'
    rm -rf "$T/dw$cores"
  done
  [ -n "${WALL[dumpworks 1 core(s)]:-}" ] && [ -n "${WALL[dumpworks 2 core(s)]:-}" ] &&
    echo "dumpworks scaling, 1 core / 2 cores: wall $(echo "scale=2; ${WALL[dumpworks 1 core(s)]} / ${WALL[dumpworks 2 core(s)]}" | bc)"
fi

# --- the Wikimedia way -------------------------------------------------------
[[ " $SIDES " == *" wikimedia "* ]] || exit 0
if ! [ -f "$MW/maintenance/dumpBackup.php" ] || ! command -v php >/dev/null; then
  echo "MediaWiki/php not installed: dumpworks figures only"
  exit 0
fi
MWDB=$(wiki "$MW_REVS")
mkdir -p "$T/mw/data"
echo "benchpass-$$-x" >"$T/mw/pw"
php "$MW/maintenance/install.php" --confpath "$T/mw" --dbtype sqlite --dbpath "$T/mw/data" \
  --dbname genwiki --server https://gen.example.org --scriptpath /w --lang en \
  --passfile "$T/mw/pw" Genwiki WikiAdmin >/dev/null
ln -sf "$MWDB" "$T/mw/data/genwiki.sqlite"
cat >>"$T/mw/LocalSettings.php" <<'PHP'
$wgJobRunRate = 0;
// The generated wiki has Module pages (Scribunto), an extension not installed.
$wgContentHandlers['Scribunto'] = [ 'factory' => static function ( $m ) {
	return new FallbackContentHandler( $m, [ 'text/plain' ] );
} ];
PHP
P="php $MW/maintenance/dumpBackup.php --conf $T/mw/LocalSettings.php --quiet"
echo "the Wikimedia way (MediaWiki 1.39, $MW_REVS revisions):"
timed "wm history (| lbzip2 -n $NPROC)" "$P --full | lbzip2 -n $NPROC >$T/history.xml.bz2"
timed "wm stubs (3 gzip outputs)" \
  "$P --full --stub --output=gzip:$T/stub-meta-history.xml.gz --output=gzip:$T/stub-meta-current.xml.gz --filter=latest --output=gzip:$T/stub-articles.xml.gz --filter=latest --filter=notalk --filter=namespace:!NS_USER"
timed "wm articles (| bzip2)" \
  "$P --current --filter=notalk --filter=namespace:!NS_USER | bzip2 >$T/articles.xml.bz2"
timed "wm current (| bzip2)" "$P --current | bzip2 >$T/current.xml.bz2"
timed "wm multistream (recompress)" "bzip2 -dc $T/articles.xml.bz2 | python3 $SRC/bench/multistream.py $T/multistream.xml.bz2 $T/multistream-index.txt.bz2"
wall=0 cpu=0
for k in "wm history (| lbzip2 -n $NPROC)" "wm stubs (3 gzip outputs)" "wm articles (| bzip2)" \
  "wm current (| bzip2)" "wm multistream (recompress)"; do
  wall=$(echo "$wall + ${WALL[$k]}" | bc)
  cpu=$(echo "$cpu + ${CPU[$k]}" | bc)
done
echo "the Wikimedia way, total: wall $wall s, cpu $cpu s"
if [ -n "${WALL[dumpworks 1 core(s)]:-}" ] && [ "$MW_REVS" = "$REVS" ]; then
  for c in 1 2; do
    k="dumpworks $c core(s)"
    [ -n "${WALL[$k]:-}" ] || continue
    echo "ratio wikimedia / dumpworks $c core(s): wall $(echo "scale=2; $wall / ${WALL[$k]}" | bc), cpu $(echo "scale=2; $cpu / ${CPU[$k]}" | bc)"
  done
fi
