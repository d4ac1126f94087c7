#!/bin/bash
# Benchmark: dumpworks export vs MediaWiki 1.39's dumpBackup.php on the same
# database, plus (SQLite) a bare read of the same rows (the floor).
# Prints wall and CPU seconds, revisions/s, MB/s of XML, peak RSS and ratios.
#
#   bench/export.sh [--db WIKI.sqlite] [--replicas N] [--runs R] [--no-mediawiki]
#   bench/export.sh --generate [N] [--backend sqlite|mariadb|both] [--runs R] [--no-mediawiki]
#
# Without --db/--generate it builds a copy of the shared reference wiki (aawiki,
# 1,307 revisions) replicated N times (default 100: 130,700 revisions).
#
# --generate N (default 1,000,000 revisions): a synthetic wiki from `dumpworks
# generate` (N/20 pages), imported with `dumpworks import` into SQLite and/or a
# private MariaDB server (tests/harness/mariadb.sh); dumpBackup.php runs on the
# same database (tests/harness/mediawiki.sh attach). Set DW_BENCH_CACHE=DIR to
# keep the generated XML, the databases, the MediaWiki attachments and
# dumpBackup.php's timings (they do not depend on dumpworks) between runs.
set -euo pipefail
SRC=$(cd "$(dirname "$0")/.." && pwd)
BIN=${DW_BINARY:-$SRC/build/dumpworks}
SHARED=${DW_SHARED:-$SRC/../shared}
DB="" REPLICAS=100 RUNS=3 MW=1 GEN=0 BACKEND=both
while [[ $# -gt 0 ]]; do
  case $1 in
    --db) DB=$2; shift 2 ;;
    --replicas) REPLICAS=$2; shift 2 ;;
    --runs) RUNS=$2; shift 2 ;;
    --no-mediawiki) MW=0; shift ;;
    --generate)
      GEN=1000000; shift
      if [[ $# -gt 0 && $1 =~ ^[0-9]+$ ]]; then GEN=$1; shift; fi ;;
    --backend) BACKEND=$2; shift 2 ;;
    *) echo "unknown option $1" >&2; exit 2 ;;
  esac
done
if [[ $GEN != 0 ]]; then
  exec bash "$SRC/bench/export_generated.sh" "$GEN" "$BACKEND" "$RUNS" "$MW"
fi
T=$(mktemp -d "${TMPDIR:-/tmp}/dw-bench-export.XXXXXX")
trap 'rm -rf "$T"' EXIT
SI=$SRC/tests/export/aawiki-siteinfo.json
if [[ -z $DB ]]; then
  xz -dc "$SHARED/data/reference-mw1.39/aawiki.sqlite.xz" >"$T/src.sqlite"
  python3 "$SRC/bench/make_replica.py" "$T/src.sqlite" "$T/aawiki.sqlite" "$REPLICAS" >&2
  rm "$T/src.sqlite"
else
  cp "$DB" "$T/aawiki.sqlite"
fi
REVS=$(sqlite3 "$T/aawiki.sqlite" 'SELECT COUNT(*) FROM revision')
echo "machine: $(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | xargs), load $(cut -d' ' -f1-3 /proc/loadavg)"
echo "database: $REVS revisions, $(du -m "$T/aawiki.sqlite" | cut -f1) MB"
printf '%-34s %8s %8s %10s %8s %9s\n' run wall_s cpu_s rev/s MB/s rss_MB

# measure NAME OUTFILE CMD...: best wall time of RUNS runs; sets $BEST, $RSS.
measure() {
  local name=$1 out=$2; shift 2
  BEST="" RSS=0 CPU=""
  for ((i = 0; i < RUNS; i++)); do
    # A fresh output each time: replacing the last run's file would add the
    # freeing of its blocks (0.1 s for 364 MB) to the export's time.
    [[ -f $out ]] && rm -f "$out"
    /usr/bin/time -f '%e %M %U %S' -o "$T/time" "$@" >/dev/null 2>"$T/err" || { cat "$T/err" >&2; return 1; }
    read -r wall rss usr sys <"$T/time"
    local cpu; cpu=$(echo "$usr + $sys" | bc)
    if [[ -z $BEST ]] || (( $(echo "$wall < $BEST" | bc) )); then BEST=$wall; fi
    if [[ -z $CPU ]] || (( $(echo "$cpu < $CPU" | bc) )); then CPU=$cpu; fi
    (( rss > RSS )) && RSS=$rss
  done
  local bytes=0
  [[ -f $out ]] && bytes=$(stat -c %s "$out")
  printf '%-34s %8.2f %8.2f %10.0f %8.1f %9.0f\n' "$name" "$BEST" "$CPU" "$(echo "$REVS / $BEST" | bc -l)" \
    "$(echo "$bytes / 1000000 / $BEST" | bc -l)" "$(echo "$RSS / 1024" | bc -l)"
}

X=("$BIN" export -q --db "sqlite:$T/aawiki.sqlite" --siteinfo "$SI" --overwrite)
measure "dumpworks export --full" "$T/dw-full.xml" "${X[@]}" --full --output "file:$T/dw-full.xml"
DW_FULL=$BEST DW_FULL_CPU=$CPU
measure "dumpworks export --full, 1 connection" "$T/dw-full1.xml" "${X[@]}" --full --read-threads 1 --output "file:$T/dw-full1.xml"
cmp -s "$T/dw-full.xml" "$T/dw-full1.xml" || echo "1 connection: output DIFFERS"
rm -f "$T/dw-full1.xml"
measure "dumpworks export --full --stub" "$T/dw-stub.xml" "${X[@]}" --full --stub --output "file:$T/dw-stub.xml"
DW_STUB=$BEST
measure "dumpworks export --current" "$T/dw-cur.xml" "${X[@]}" --current --output "file:$T/dw-cur.xml"
measure "dumpworks export --full twopass" "$T/dw-2p.xml" "${X[@]}" --full --form twopass --output "file:$T/dw-2p.xml"
SQL="SELECT count(*), sum(length(CAST(old_text AS BLOB))), sum(length(comment_text)), sum(length(actor_name))
  FROM page JOIN revision ON rev_page=page_id JOIN revision_comment_temp ON revcomment_rev=rev_id
  JOIN comment ON comment_id=revcomment_comment_id JOIN actor ON actor_id=rev_actor
  JOIN slots ON slot_revision_id=rev_id JOIN content ON content_id=slot_content_id
  LEFT JOIN text ON old_id = CAST(substr(content_address, 4) AS INTEGER)"
# The floor is the cheaper of two SQLite settings: SQLite's defaults (a 2 MiB
# page cache, no memory map: what dumpworks' read-only connections use, see
# src/db/sqlite.cc) and a 16 MiB cache with 128 MiB of the file mapped (which
# reads some big databases a little faster).
FLOORS=("sqlite3 -cmd 'PRAGMA cache_size=-2000' -cmd 'PRAGMA mmap_size=0'"
  "sqlite3 -cmd 'PRAGMA cache_size=-16384' -cmd 'PRAGMA mmap_size=134217728'")
# floor NAME SQL: the best of `measure` over both settings; sets $BEST, $CPU.
floor() {
  local name=$1 sql=$2 best="" cpu="" f
  for f in "${FLOORS[@]}"; do
    local -a cmd; eval "cmd=($f)"
    local label="2 MiB cache"
    [[ $f == *16384* ]] && label="16 MiB+map"
    measure "$name, $label" /nonexistent "${cmd[@]}" "$T/aawiki.sqlite" "$sql"
    if [[ -z $best ]] || (($(echo "$BEST < $best" | bc))); then best=$BEST; fi
    if [[ -z $cpu ]] || (($(echo "$CPU < $cpu" | bc))); then cpu=$CPU; fi
  done
  BEST=$best CPU=$cpu
}
floor "bare read" "$SQL"
BARE=$BEST BARE_CPU=$CPU
# The same, in the order a dump needs (by page, then revision id), the
# cheapest way SQLite can give it, as dumpworks' reader does (see
# src/mw/revision_reader.cc): when revision ids follow the timestamps within
# every page, the (rev_page, rev_timestamp) index order is the dump order and
# nothing needs sorting; otherwise the keys are sorted first.
JOINS="LEFT JOIN revision_comment_temp ON revcomment_rev=rev_id
  JOIN comment ON comment_id = COALESCE(revcomment_comment_id, rev_comment_id) JOIN actor ON actor_id=rev_actor
  JOIN slots ON slot_revision_id=rev_id JOIN content ON content_id=slot_content_id
  LEFT JOIN text ON old_id = CAST(substr(content_address, 4) AS INTEGER)"
SUMS="count(*), sum(length(CAST(old_text AS BLOB))), sum(length(comment_text)), sum(length(actor_name))"
OUT_OF_ORDER=$(sqlite3 "$T/aawiki.sqlite" "SELECT count(*) FROM (SELECT rev_id, lag(rev_id) OVER
  (PARTITION BY rev_page ORDER BY rev_timestamp, rev_id) AS prev FROM revision) WHERE prev > rev_id")
if [[ $OUT_OF_ORDER == 0 ]]; then
  SQL_ORDERED="SELECT $SUMS FROM (SELECT * FROM revision JOIN page ON page_id = rev_page $JOINS WHERE rev_page >= 0
    ORDER BY rev_page, rev_timestamp, rev_id, slot_role_id)"
else
  SQL_ORDERED="SELECT $SUMS
    FROM (SELECT rev_page AS k_page, rev_id AS k_rev FROM revision ORDER BY rev_page + 0, rev_id LIMIT -1) AS k
    JOIN page ON page_id = k_page JOIN revision ON rev_id = k_rev $JOINS"
fi
floor "bare read in dump order" "$SQL_ORDERED"
BARE_ORD=$BEST BARE_ORD_CPU=$CPU
# How much two busy cores give on this machine now (a VM's second core may be
# shared with its host): the dump-order read twice at once, one per core.
ORD_CMD="sqlite3 '$T/aawiki.sqlite' \"$SQL_ORDERED\" >/dev/null"
PAIR=$BARE_ORD
if (($(nproc) >= 2)); then
  measure "2 bare dump-order reads at once" /nonexistent bash -c "taskset -c 0 $ORD_CMD & taskset -c 1 $ORD_CMD; wait"
  PAIR=$BEST
fi
# What writing the XML costs by itself (the bare read writes nothing): the
# export to /dev/null, and a plain copy of the XML file.
measure "dumpworks export --full > /dev/null" /nonexistent "${X[@]}" --full --output -
DW_NULL=$BEST DW_NULL_CPU=$CPU
measure "cp of the --full XML (write cost)" "$T/copy.xml" cp "$T/dw-full.xml" "$T/copy.xml"
# Written to disk too (the export syncs its output before renaming it).
measure "cp + fdatasync of the --full XML" "$T/copy.xml" sh -c "cp '$T/dw-full.xml' '$T/copy.xml' && sync -d '$T/copy.xml'"
rm -f "$T/copy.xml"
ratio() { printf '%.2f' "$(echo "$1 / $2" | bc -l)"; }
echo "dumpworks --full vs bare SQLite read: $(ratio "$DW_FULL" "$BARE")x the wall time, $(ratio "$DW_FULL_CPU" "$BARE_CPU")x the CPU time;" \
  "vs bare read in dump order: $(ratio "$DW_FULL" "$BARE_ORD")x wall, $(ratio "$DW_FULL_CPU" "$BARE_ORD_CPU")x CPU"
echo "  to /dev/null vs bare read: $(ratio "$DW_NULL" "$BARE")x wall, $(ratio "$DW_NULL_CPU" "$BARE_CPU")x CPU;" \
  "vs bare read in dump order: $(ratio "$DW_NULL" "$BARE_ORD")x wall, $(ratio "$DW_NULL_CPU" "$BARE_ORD_CPU")x CPU"
echo "  two cores now: 2 dump-order reads at once take $(ratio "$PAIR" "$BARE_ORD")x one alone (1.00 = two independent cores)"

if [[ $MW == 1 && -f /usr/share/mediawiki/maintenance/dumpBackup.php ]]; then
  cat >"$T/LocalSettings.php" <<PHP
<?php
if ( !defined( 'MEDIAWIKI' ) ) { exit; }
\$wgSitename = 'Wikipedia'; \$wgMetaNamespace = 'Wikipedia';
\$wgServer = 'https://aa.wikipedia.org'; \$wgScriptPath = '/w'; \$wgArticlePath = '/wiki/\$1';
\$wgDBtype = 'sqlite'; \$wgDBname = 'aawiki'; \$wgSQLiteDataDir = '$T'; \$wgDBprefix = '';
\$wgLanguageCode = 'aa'; \$wgCacheDirectory = false; \$wgMainCacheType = CACHE_NONE;
\$wgLocalisationCacheConf['store'] = 'array'; \$wgJobRunRate = 0; \$wgSecretKey = 'bench';
\$wgExtraNamespaces[710] = 'TimedText'; \$wgExtraNamespaces[711] = 'TimedText_talk';
\$wgExtraNamespaces[828] = 'Module'; \$wgExtraNamespaces[829] = 'Module_talk';
\$wgExtraNamespaces[1728] = 'Event'; \$wgExtraNamespaces[1729] = 'Event_talk';
PHP
  RUNS_SAVED=$RUNS; RUNS=1
  P=(php /usr/share/mediawiki/maintenance/dumpBackup.php --conf "$T/LocalSettings.php" --quiet)
  measure "dumpBackup.php --full" "$T/mw-full.xml" "${P[@]}" --full --output "file:$T/mw-full.xml"
  MW_FULL=$BEST MW_FULL_CPU=$CPU
  measure "dumpBackup.php --full --stub" "$T/mw-stub.xml" "${P[@]}" --full --stub --output "file:$T/mw-stub.xml"
  MW_STUB=$BEST
  RUNS=$RUNS_SAVED
  cmp -s "$T/mw-full.xml" "$T/dw-full.xml" && echo "outputs --full: identical" || echo "outputs --full: DIFFER"
  cmp -s "$T/mw-stub.xml" "$T/dw-stub.xml" && echo "outputs --stub: identical" || echo "outputs --stub: DIFFER"
  echo "speed-up --full: $(printf '%.1f' "$(echo "$MW_FULL / $DW_FULL" | bc -l)")x wall, $(printf '%.1f' "$(echo "$MW_FULL_CPU / $DW_FULL_CPU" | bc -l)")x CPU;  --stub: $(printf '%.1f' "$(echo "$MW_STUB / $DW_STUB" | bc -l)")x"
fi
