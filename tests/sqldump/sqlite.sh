#!/usr/bin/env bash
# A SQLite MediaWiki database (Debian's sqlite/tables-generated.sql) with hostile
# values -> dumpworks sqldump -> the stock mariadb client loads it into MariaDB
# (the MariaDB definition of each table comes from mw/schema) -> same values.
source "$(dirname "$0")/lib.sh"
schema=/usr/share/mediawiki/maintenance/sqlite/tables-generated.sql
[[ -f $schema ]] || { echo "skip: $schema missing"; exit 77; }
command -v sqlite3 >/dev/null || { echo "skip: sqlite3 not installed"; exit 77; }
db=$WORK/wiki.sqlite
sed 's#/\*_\*/##g' "$schema" | sqlite3 "$db"
sqlite3 "$db" <<'SQL'
WITH RECURSIVE s(n) AS (SELECT 1 UNION ALL SELECT n + 1 FROM s WHERE n < 3000)
INSERT INTO page SELECT n, n % 5,
  CAST('T' || n || char(0, 39, 34, 92, 13, 10, 26) || X'F0FF80' || char(128512, 233) AS BLOB),
  n % 2, 0, n / 8.0, CAST('20200101000000' AS BLOB),
  CASE WHEN n % 3 = 0 THEN NULL ELSE CAST('20210101000000' AS BLOB) END, n * 10, n * 3,
  CAST('wikitext' AS BLOB), NULL FROM s;
WITH RECURSIVE s(n) AS (SELECT 1 UNION ALL SELECT n + 1 FROM s WHERE n < 2000)
INSERT INTO categorylinks SELECT n, CAST('Cat_' || (n % 7) || '''' AS BLOB),
  CAST(X'00FF' || n AS BLOB), CAST('' AS BLOB), '2020-01-02 03:04:05',
  CAST('uppercase' AS BLOB), CASE n % 3 WHEN 0 THEN 'page' WHEN 1 THEN 'subcat' ELSE 'file' END
  FROM s;
SQL
"$DW_BINARY" sqldump --db "sqlite:$db" --table page,categorylinks,nosuch \
  --output "gzip:$WORK/s.sql.gz" 2>"$WORK/log" || { cat "$WORK/log"; fail "sqldump failed"; }
cat "$WORK/log"
grep -q "skipped table nosuch" "$WORK/log" || fail "missing table not reported"
sql -e "CREATE DATABASE m"
zcat "$WORK/s.sql.gz" | sql m || fail "mariadb could not load the dump of a SQLite database"
q_page="SELECT page_id, page_namespace, HEX(page_title), page_is_redirect,
  HEX(page_touched), CASE WHEN page_links_updated IS NULL THEN 'N' ELSE HEX(page_links_updated) END, page_latest, page_len,
  HEX(page_content_model), CASE WHEN page_lang IS NULL THEN 'N' ELSE HEX(page_lang) END FROM page ORDER BY page_id"
q_cl="SELECT cl_from, HEX(cl_to), HEX(cl_sortkey), cl_timestamp, cl_type FROM categorylinks
  ORDER BY cl_from, cl_to"
diff <(sqlite3 -separator $'\t' "$db" "$q_page") <(sql -N m -e "$q_page") >"$WORK/d" ||
  fail "page differs: $(head -4 "$WORK/d")"
diff <(sqlite3 -separator $'\t' "$db" "$q_cl") <(sql -N m -e "$q_cl") >"$WORK/d" ||
  fail "categorylinks differs: $(head -4 "$WORK/d")"
[[ $(sql -N m -e "SELECT COUNT(*) FROM page") == 3000 ]] || fail "page rows lost"
# Doubles (printed 1.0 by sqlite3 and 1 by mariadb) compared by their sum.
q_rnd="SELECT SUM(page_random), MIN(page_random) FROM page"
[[ $(sqlite3 -separator $'\t' "$db" "$q_rnd") == "$(sql -N m -e "$q_rnd")" ]] ||
  fail "page_random differs: $(sqlite3 "$db" "$q_rnd") vs $(sql -N m -e "$q_rnd")"
echo PASS
