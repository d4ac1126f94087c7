#!/bin/bash
# bench/export.sh --generate N: dumpworks export vs dumpBackup.php on a generated
# wiki of N revisions, on SQLite and/or MariaDB. Run it through bench/export.sh:
#
#   DW_BENCH_CACHE=/var/tmp/dwbench bench/export.sh --generate 1000000 [--backend sqlite]
#
# Arguments (from export.sh): N BACKEND(sqlite|mariadb|both) RUNS MW(0|1).
# With DW_BENCH_CACHE the generated XML, the databases, MediaWiki's attachments
# and dumpBackup.php's results (timings and the SHA-1 of its output) are kept
# there, so a rerun only runs dumpworks (and compares with the kept SHA-1).
set -euo pipefail
SRC=$(cd "$(dirname "$0")/.." && pwd)
BIN=${DW_BINARY:-$SRC/build/dumpworks}
N=${1:?revisions} BACKEND=${2:-both} RUNS=${3:-3} MW=${4:-1}
HARNESS=$SRC/tests/harness
PAGES=$((N / 20 > 0 ? N / 20 : 1))
T=$(mktemp -d "${TMPDIR:-/tmp}/dw-bench-exportgen.XXXXXX")
CACHE=${DW_BENCH_CACHE:-$T}
mkdir -p "$CACHE"
CACHE=$(cd "$CACHE" && pwd)
G=$CACHE/gen-$N
MD=$G-mariadb
STARTED_MARIADB=0
cleanup() {
  if [[ $STARTED_MARIADB == 1 ]]; then bash "$HARNESS/mariadb.sh" stop "$MD" || true; fi
  rm -rf "$T"
}
trap cleanup EXIT
TICK=$(getconf CLK_TCK)
case $BACKEND in sqlite) BACKENDS=(sqlite) ;; mariadb) BACKENDS=(mariadb) ;; both) BACKENDS=(sqlite mariadb) ;;
  *) echo "--backend must be sqlite, mariadb or both" >&2; exit 2 ;; esac
if [[ $MW == 1 && ! -f /usr/share/mediawiki/maintenance/dumpBackup.php ]]; then
  echo "MediaWiki is not installed: dumpBackup.php skipped" >&2
  MW=0
fi

note() { echo "[$(date -u +%H:%M:%S)] $*" >&2; }

# The synthetic wiki's XML and siteinfo (kept in the cache).
if [[ ! -f $G.xml.zst ]]; then
  note "generating $N revisions, $PAGES pages -> $G.xml.zst"
  "$BIN" generate -q --pages "$PAGES" --revisions "$N" --out "$G.xml.zst" \
    --siteinfo-out "$G-siteinfo.json" --overwrite
fi
SI=$G-siteinfo.json

# Server CPU seconds so far (utime+stime of mariadbd), 0 without a server.
server_cpu() {
  if [[ $1 != mariadb ]]; then echo 0; return; fi
  local pid; pid=$(cat "$MD/mysqld.pid")
  awk -v t="$TICK" '{ printf "%.2f", ($14 + $15) / t }' "/proc/$pid/stat"
}

prepare_sqlite() {
  DBURL=sqlite:$G.sqlite
  if [[ ! -f $G.sqlite ]]; then
    note "importing into $G.sqlite"
    rm -f "$G.sqlite.part"
    /usr/bin/time -f 'import (sqlite): %e s wall, %U+%S s CPU, %M KB' \
      "$BIN" import -q --db "sqlite:$G.sqlite.part" "$G.xml.zst"
    mv "$G.sqlite.part" "$G.sqlite"
  fi
}

prepare_mariadb() {
  local rc=0
  bash "$HARNESS/mariadb.sh" start "$MD" >/dev/null || rc=$?
  [[ $rc == 0 ]] || { echo "MariaDB server could not start (exit $rc): skipped" >&2; return 1; }
  STARTED_MARIADB=1
  DBURL="mariadb://root@localhost/genwiki?socket=$MD/mysqld.sock"
  if [[ ! -f $MD/.imported ]]; then
    note "importing into MariaDB ($MD)"
    bash "$HARNESS/mariadb.sh" client "$MD" -e "DROP DATABASE IF EXISTS genwiki; CREATE DATABASE genwiki"
    local s0; s0=$(server_cpu mariadb)
    /usr/bin/time -f 'import (mariadb): %e s wall, %U+%S s CPU, %M KB' \
      "$BIN" import -q --db "$DBURL" "$G.xml.zst"
    echo "import (mariadb): server CPU $(echo "$(server_cpu mariadb) - $s0" | bc) s" >&2
    touch "$MD/.imported"
  fi
}

# MediaWiki attached to the benchmark database (kept in the cache).
attach_mediawiki() {
  local be=$1 dir=$G-mw-$1
  if [[ ! -f $dir/.attached ]]; then
    rm -rf "$dir"
    bash "$HARNESS/mediawiki.sh" attach "$dir" "$DBURL" "$SI" >/dev/null
    touch "$dir/.attached"
  fi
  MWDIR=$dir
}


# measure BE NAME OUTFILE CMD...: best wall and CPU of RUNS runs; sets BEST CPU
# SRV RSS BYTES and prints a row.
measure() {
  local be=$1 name=$2 out=$3; shift 3
  BEST="" RSS=0 CPU="" SRV=""
  for ((i = 0; i < RUNS; i++)); do
    rm -f "$out"
    local s0; s0=$(server_cpu "$be")
    /usr/bin/time -f '%e %M %U %S' -o "$T/time" "$@" >/dev/null 2>"$T/err" || { cat "$T/err" >&2; return 1; }
    local s1; s1=$(server_cpu "$be")
    read -r wall rss usr sys <"$T/time"
    local cpu srv; cpu=$(echo "$usr + $sys" | bc); srv=$(echo "$s1 - $s0" | bc)
    if [[ -z $BEST ]] || (($(echo "$wall < $BEST" | bc))); then BEST=$wall; fi
    if [[ -z $CPU ]] || (($(echo "$cpu < $CPU" | bc))); then CPU=$cpu; fi
    if [[ -z $SRV ]] || (($(echo "$srv < $SRV" | bc))); then SRV=$srv; fi
    ((rss > RSS)) && RSS=$rss
  done
  BYTES=0
  [[ -f $out ]] && BYTES=$(stat -c %s "$out")
  row "$be" "$name"
}
row() {
  printf '%-8s %-30s %8.2f %8.2f %8.2f %10.0f %8.1f %8.0f\n' "$1" "$2" "$BEST" "$CPU" "$SRV" \
    "$(echo "$N / $BEST" | bc -l)" "$(echo "$BYTES / 1000000 / $BEST" | bc -l)" "$(echo "$RSS / 1024" | bc -l)"
}

BARE_SQL="SELECT count(*), sum(length(CAST(old_text AS BLOB))), sum(length(comment_text)), sum(length(actor_name))
  FROM page JOIN revision ON rev_page=page_id JOIN revision_comment_temp ON revcomment_rev=rev_id
  JOIN comment ON comment_id=revcomment_comment_id JOIN actor ON actor_id=rev_actor
  JOIN slots ON slot_revision_id=rev_id JOIN content ON content_id=slot_content_id
  LEFT JOIN text ON old_id = CAST(substr(content_address, 4) AS INTEGER)"

echo "machine: $(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | xargs), load $(cut -d' ' -f1-3 /proc/loadavg)"
printf '%-8s %-30s %8s %8s %8s %10s %8s %8s\n' backend run wall_s cpu_s srv_cpu rev/s MB/s rss_MB
for be in "${BACKENDS[@]}"; do
  if [[ $be == sqlite ]]; then
    prepare_sqlite
    echo "database: sqlite, $N revisions, $(du -m "$G.sqlite" | cut -f1) MB"
  else
    prepare_mariadb || continue
    echo "database: mariadb $(mariadbd --version | awk '{print $3}'), $N revisions, $(du -sm "$MD/data" | cut -f1) MB"
  fi
  X=("$BIN" export -q --db "$DBURL" --siteinfo "$SI" --overwrite)
  for mode in full stub; do
    flags=(--full)
    [[ $mode == stub ]] && flags=(--full --stub)
    measure "$be" "dumpworks export ${flags[*]}" "$T/dw.xml" "${X[@]}" "${flags[@]}" --output "file:$T/dw.xml"
    declare "DW_${mode}_WALL=$BEST" "DW_${mode}_CPU=$CPU" "DW_${mode}_SRV=$SRV"
    DW_SHA=$(sha1sum "$T/dw.xml" | cut -c1-40)
    rm -f "$T/dw.xml"
    [[ $MW == 1 ]] || continue
    res=$G-mw-$be-$mode.result
    if [[ -f $res ]]; then
      read -r BEST CPU SRV RSS BYTES MW_SHA <"$res"
      row "$be" "dumpBackup.php ${flags[*]} (kept)"
    else
      attach_mediawiki "$be"
      SAVED=$RUNS; RUNS=1
      measure "$be" "dumpBackup.php ${flags[*]}" "$T/mw.xml" \
        php /usr/share/mediawiki/maintenance/dumpBackup.php --conf "$MWDIR/LocalSettings.php" \
        --quiet "${flags[@]}" --output "file:$T/mw.xml"
      RUNS=$SAVED
      MW_SHA=$(sha1sum "$T/mw.xml" | cut -c1-40)
      rm -f "$T/mw.xml"
      echo "$BEST $CPU $SRV $RSS $BYTES $MW_SHA" >"$res"
    fi
    [[ $DW_SHA == "$MW_SHA" ]] && same=identical || same=DIFFER
    w="DW_${mode}_WALL" c="DW_${mode}_CPU" s="DW_${mode}_SRV"
    echo "$be --$mode: outputs $same; speed-up $(printf '%.1f' "$(echo "$BEST / ${!w}" | bc -l)")x wall," \
      "$(printf '%.1f' "$(echo "$CPU / ${!c}" | bc -l)")x client CPU," \
      "$(printf '%.1f' "$(echo "($CPU + $SRV) / (${!c} + ${!s} + 0.001)" | bc -l)")x client+server CPU"
  done
  if [[ $be == sqlite ]]; then
    # For comparison: the same on one connection (the read-ahead thread only).
    measure sqlite "dumpworks export --full, 1 conn" "$T/dw.xml" "${X[@]}" --full --read-threads 1 \
      --output "file:$T/dw.xml"
    rm -f "$T/dw.xml"
    # The floor: the cheaper of SQLite's defaults (a 2 MiB page cache, no memory
    # map: dumpworks' read-only connections, src/db/sqlite.cc) and a 16 MiB
    # cache with 128 MiB mapped.
    measure sqlite "bare read (2 MiB cache)" /nonexistent sqlite3 -cmd "PRAGMA cache_size=-2000" \
      -cmd "PRAGMA mmap_size=0" "$G.sqlite" "$BARE_SQL"
    B1=$BEST C1=$CPU
    measure sqlite "bare read (16 MiB, 128 MiB map)" /nonexistent sqlite3 -cmd "PRAGMA cache_size=-16384" \
      -cmd "PRAGMA mmap_size=134217728" "$G.sqlite" "$BARE_SQL"
    if (($(echo "$B1 < $BEST" | bc))); then BEST=$B1; fi
    if (($(echo "$C1 < $CPU" | bc))); then CPU=$C1; fi
    # shellcheck disable=SC2154  # DW_full_* are set with declare above
    echo "sqlite: dumpworks --full vs bare read: $(printf '%.2f' "$(echo "$DW_full_WALL / $BEST" | bc -l)")x wall," \
      "$(printf '%.2f' "$(echo "$DW_full_CPU / $CPU" | bc -l)")x CPU"
  fi
  if [[ $be == mariadb ]]; then
    bash "$HARNESS/mariadb.sh" stop "$MD"
    STARTED_MARIADB=0
  fi
done
echo "load after: $(cut -d' ' -f1-3 /proc/loadavg)"
