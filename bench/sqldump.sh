#!/usr/bin/env bash
# Benchmark: a generated pagelinks table of ROWS rows (default 2,000,000) on a
# private MariaDB server, dumped by
#   1. mariadb-dump --opt --quick --skip-add-locks --skip-lock-tables | gzip
#   2. mydumper --threads T --rows R --compress
#   3. dumpworks sqldump --threads T --output gzip:...
# Prints wall time, rows/s, MB/s of SQL text (uncompressed size of our output),
# compressed size, peak RSS, and ratios against mariadb-dump | gzip.
#   bench/sqldump.sh [ROWS] [THREADS]     (DW_BINARY defaults to build/dumpworks)
set -euo pipefail
here=$(cd "$(dirname "$0")/.." && pwd)
rows=${1:-2000000}
threads=${2:-2}
bin=${DW_BINARY:-$here/build/dumpworks}
harness=$here/tests/harness/mariadb.sh
work=$(mktemp -d /tmp/dw-bench-sqldump.XXXXXX)
trap '"$harness" stop "$work/srv" || true; rm -rf "$work"' EXIT
trap 'exit 1' INT TERM HUP PIPE
"$harness" start "$work/srv"
sock=$work/srv/mysqld.sock
sql() { "$harness" client "$work/srv" "$@"; }

sql -e "CREATE DATABASE bench"
sed -n '/CREATE TABLE \/\*_\*\/pagelinks/,/;/p' /usr/share/mediawiki/maintenance/tables-generated.sql |
  sed -e 's#/\*_\*/##g' -e 's#/\*\$wgDBTableOptions\*/#ENGINE=InnoDB DEFAULT CHARSET=binary#' |
  sql bench
echo "generating $rows pagelinks rows ..." >&2
t0=$(date +%s)
sql bench -e "SET unique_checks=0; INSERT INTO pagelinks SELECT seq DIV 8, seq % 16,
  CONCAT('Title_', seq MOD 100003, '_', SUBSTRING(MD5(seq), 1, 1 + seq % 20)), seq % 16
  FROM seq_0_to_$((rows - 1)); ANALYZE TABLE pagelinks" >/dev/null
echo "generated in $(($(date +%s) - t0)) s" >&2

measure() {  # measure NAME CMD: runs CMD under /usr/bin/time, prints "secs rss_kb"
  local name=$1
  shift
  /usr/bin/time -f "%e %M" -o "$work/$name.time" bash -c "$*" >/dev/null 2>"$work/$name.err" ||
    { cat "$work/$name.err" >&2; exit 1; }
  cat "$work/$name.time"
}
sync
read -r t_md rss_md <<<"$(measure mariadbdump "mariadb-dump --no-defaults --socket=$sock -uroot \
  --opt --quick --skip-add-locks --skip-lock-tables bench pagelinks | gzip >$work/md.sql.gz")"
mkdir -p "$work/mydumper"
read -r t_my rss_my <<<"$(measure mydumper "mydumper -S $sock -u root -B bench -T pagelinks \
  -o $work/mydumper -t $threads -r 250000 -c")"
read -r t_dw rss_dw <<<"$(measure dumpworks "$bin sqldump -q --db 'mariadb://root@localhost/bench?socket=$sock' \
  --table pagelinks --threads $threads --output gzip:$work/dw.sql.gz")"

sql_mb=$(zcat "$work/dw.sql.gz" | wc -c | awk '{printf "%.1f", $1/1e6}')
z_md=$(du -b "$work/md.sql.gz" | cut -f1)
z_my=$(cat "$work"/mydumper/*.sql.gz | wc -c)
z_dw=$(du -b "$work/dw.sql.gz" | cut -f1)
echo
echo "pagelinks: $rows rows, $sql_mb MB of SQL; $(nproc) cores; threads=$threads"
printf "%-24s %8s %12s %8s %10s %10s %8s\n" tool seconds rows/s MB/s gz_MB peak_RSS_MB speedup
row() {
  awk -v n="$1" -v t="$2" -v r="$rows" -v mb="$sql_mb" -v z="$3" -v rss="$4" -v base="$t_md" \
    'BEGIN{printf "%-24s %8.2f %12.0f %8.1f %10.1f %10.1f %7.2fx\n", n, t, r/t, mb/t, z/1e6, rss/1024, base/t}'
}
row "mariadb-dump|gzip" "$t_md" "$z_md" "$rss_md"
row "mydumper -c" "$t_my" "$z_my" "$rss_my"
row "dumpworks sqldump" "$t_dw" "$z_dw" "$rss_dw"
