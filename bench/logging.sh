#!/usr/bin/env bash
# Logging dump benchmark: MediaWiki's dumpBackup.php --logs (the anchor) against
# `dumpworks export --logs` and the dump run's xmlpagelogsdump job, single and in
# parts (chunksForPagelogs) on 1 and 2 threads, on one database.
#   bench/logging.sh [LOG_ROWS]      (default 300000)
#
# The database is a copy of the reference aawiki (../shared/data/reference-mw1.39)
# with LOG_ROWS synthetic log rows added (existing actors and comments, varied
# types, titles and params). Prints wall seconds, CPU seconds (user+sys),
# log items/s per wall second and per CPU second, peak RSS, and the ratio
# against dumpBackup.php. Every output is checked: the decompressed dumps
# (single, and recombined parts) must equal dumpworks export's, and export's is
# compared with dumpBackup.php's (a difference is printed).
set -euo pipefail
here=$(cd "$(dirname "$0")/.." && pwd)
bin=${DW_BINARY:-$here/build/dumpworks}
shared=${DW_SHARED:-$here/../shared}
rows=${1:-300000}
ref=$shared/data/reference-mw1.39
[[ -f $ref/aawiki.sqlite.xz ]] || { echo "needs $ref/aawiki.sqlite.xz" >&2; exit 1; }
work=$(mktemp -d "${TMPDIR:-/tmp}/dw-logging-bench.XXXXXX")
trap 'rm -rf "$work"' EXIT
cd "$work"
xz -dc "$ref/aawiki.sqlite.xz" >aawiki.sqlite
sqlite3 aawiki.sqlite <<SQL
WITH RECURSIVE s(n) AS (SELECT 1 UNION ALL SELECT n + 1 FROM s WHERE n < $rows)
INSERT INTO logging (log_type, log_action, log_timestamp, log_actor, log_namespace, log_title,
                     log_page, log_comment_id, log_params, log_deleted)
SELECT CASE n % 4 WHEN 0 THEN 'create' WHEN 1 THEN 'delete' WHEN 2 THEN 'move' ELSE 'block' END,
       CASE n % 4 WHEN 0 THEN 'create' WHEN 1 THEN 'delete' WHEN 2 THEN 'move' ELSE 'block' END,
       CAST(strftime('%Y%m%d%H%M%S', 1600000000 + n * 60, 'unixepoch') AS BLOB),
       1 + n % 261, n % 16, CAST('Bench_title_' || n AS BLOB), NULL, 1 + n % 677,
       CASE n % 4 WHEN 2 THEN CAST('a:2:{s:9:"4::target";s:' || length('Moved_' || n) || ':"Moved_' || n || '";s:10:"5::noredir";s:1:"0";}' AS BLOB)
                  ELSE CAST('a:0:{}' AS BLOB) END,
       CASE WHEN n % 97 = 0 THEN 1 ELSE 0 END
FROM s;
SQL
total=$(sqlite3 aawiki.sqlite "SELECT COUNT(*) FROM logging")
si=$here/tests/export/aawiki-siteinfo.json
echo "logging rows: $total; $(nproc) cores; load: $(cut -d' ' -f1-3 /proc/loadavg)"
printf '%-40s %8s %8s %10s %10s %8s %7s\n' what wall_s cpu_s items/s cpu_items/s rss_MB ratio

anchor=
run() {  # run NAME COMMAND...
  local name=$1
  shift
  /usr/bin/time -f '%e %U %S %M' -o t.txt "$@" >/dev/null 2>run.log || { cat run.log; exit 1; }
  read -r w u s m <t.txt
  local c
  c=$(echo "$u + $s" | bc)
  [[ -z $anchor ]] && anchor=$w
  printf '%-40s %8.2f %8.2f %10.0f %10.0f %8.0f %7.1f\n' "$name" "$w" "$c" \
    "$(echo "$total / $w" | bc -l)" "$(echo "$total / ($c + 0.001)" | bc -l)" \
    "$(echo "$m / 1024" | bc -l)" "$(echo "$anchor / $w" | bc -l)"
}

if command -v php >/dev/null && [[ -f /usr/share/mediawiki/maintenance/dumpBackup.php ]]; then
  bash "$here/tests/harness/mediawiki.sh" attach "$work/mw" "sqlite:$work/aawiki.sqlite" "$si" 2>/dev/null
  run "dumpBackup.php --logs" bash -c "bash '$here/tests/harness/mediawiki.sh' dump '$work/mw' --logs >mw.xml"
else
  echo "(MediaWiki not installed: no anchor)"
fi
run "dumpworks export --logs" "$bin" export -q --db "sqlite:$work/aawiki.sqlite" --siteinfo "$si" \
  --logs --output=file:dw.xml
if [[ -f mw.xml ]]; then
  # dumpBackup.php writes the time of the dump nowhere in --logs: byte-identical.
  cmp -s mw.xml dw.xml && echo "export --logs == dumpBackup.php --logs, byte for byte" ||
    { echo "WARNING: export --logs differs from dumpBackup.php --logs:"; diff mw.xml dw.xml | head -8; }
fi
conf() {  # conf FILE [extra lines]
  local f=$1
  shift
  printf '[output]\npublic = %s/public\nprivate = %s/private\ntemp = %s/temp\n' "$work" "$work" "$work" >"$f"
  for l in "$@"; do echo "$l" >>"$f"; done
  printf '[aawiki]\ndb = sqlite:%s/aawiki.sqlite\nsiteinfo = %s\n' "$work" "$si" >>"$f"
}
conf one.conf
conf parts.conf "[chunks]" "chunksEnabled = 1" "pagesPerChunkHistory = 1000" "chunksForPagelogs = 4"
run "dump xmlpagelogsdump (1 file)" "$bin" dump -q --config one.conf --date 20260101 \
  --job xmlpagelogsdump aawiki
run "dump logs in 4 parts, 1 thread" "$bin" dump -q --threads 1 --config parts.conf \
  --date 20260102 --job xmlpagelogsdump,xmlpagelogsdumprecombine aawiki
run "dump logs in 4 parts, 2 threads" "$bin" dump -q --threads 2 --config parts.conf \
  --date 20260103 --job xmlpagelogsdump,xmlpagelogsdumprecombine aawiki
for d in 20260101 20260102 20260103; do
  cmp -s <(gzip -dc "public/aawiki/$d/aawiki-$d-pages-logging.xml.gz") dw.xml ||
    { echo "FAIL: $d pages-logging.xml.gz differs from export --logs"; exit 1; }
done
echo "outputs identical (dumpBackup.php, export, single and recombined parts)"
