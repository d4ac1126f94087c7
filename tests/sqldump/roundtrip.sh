#!/usr/bin/env bash
# dumpworks sqldump of every public MediaWiki table and a table of hostile
# values -> zcat | mariadb into a fresh database -> identical contents
# (CHECKSUM TABLE + ordered rows); mariadb-dump of the same tables loads to the
# same contents; the data section of the output is byte-identical to
# mariadb-dump's; large tables read as parallel primary-key ranges.
source "$(dirname "$0")/lib.sh"

create_mw_schema wiki
tables=(site_stats page page_props page_restrictions pagelinks categorylinks category
  templatelinks externallinks langlinks iwlinks redirect user_groups user_former_groups image
  imagelinks protected_titles change_tag change_tag_def linktarget)
for t in "${tables[@]}"; do fill_table wiki "$t" 300; done
# An empty table stays empty; a big table is read in primary-key ranges.
sql wiki -e "DELETE FROM protected_titles"
fill_table wiki pagelinks 30000
sql wiki -e "CREATE TABLE hostile (id INT PRIMARY KEY, b VARBINARY(2000), t TEXT CHARACTER SET utf8mb4,
  d DOUBLE, n DECIMAL(12,3), f FLOAT, z VARBINARY(10) NOT NULL DEFAULT '') ENGINE=InnoDB;
  INSERT INTO hostile VALUES
  (1, CONCAT('a', CHAR(0), 'b'), 'quote '' dq \" bs \\\\ end\\\\', 1.5e300, -12.5, 0.1, ''),
  (2, CONCAT(CHAR(13), CHAR(10), CHAR(26), CHAR(9), CHAR(8)), CONCAT('😀 é ', CHAR(0)), -0.0, 0, -1e-30, 'x'),
  (3, UNHEX('F0FF80C0AFEDA080FFFE'), '𝔘𝔫𝔦𝔠𝔬𝔡𝔢', NULL, NULL, NULL, ''),
  (4, NULL, NULL, 2.2250738585072014e-308, 999999999.999, 3.4e38, 'NULL'),
  (5, UNHEX('5C275C30'), '\\\\0 \\\\n', 1e-5, 1, 1, ''),
  (6, REPEAT(UNHEX('00FF27'), 600), REPEAT('ü', 5000), 123456789.123456789, 2, 2, '');
  INSERT INTO hostile SELECT seq + 100, REPEAT(CHAR(seq % 256), seq % 300), NULL, seq, seq, seq, '' FROM seq_1_to_2000;
  ANALYZE TABLE pagelinks;" >/dev/null
tables+=(hostile nosuch_table)

list=$(IFS=,; echo "${tables[*]}")
"$DW_BINARY" sqldump --db "$(dburl wiki)" --table "$list" --output "gzip:$WORK/ours.sql.gz" \
  --threads 2 --range-size 100000 2>"$WORK/log" || { cat "$WORK/log"; fail "sqldump failed"; }
cat "$WORK/log"
grep -q "skipped table nosuch_table: it does not exist" "$WORK/log" || fail "missing table not reported"
grep -Eq "sqldump: pagelinks: [23][0-9]{4} rows, .*\(([2-9]|[1-9][0-9]+) ranges\)" "$WORK/log" ||
  fail "pagelinks was not split into ranges"
[[ -z $(ls "$WORK" | grep -e tmp -e inprog) ]] || fail "temporary file left behind"
# Every range ends a unit: each pagelinks range starts a gzip member of its own.
ranges=$(sed -nE 's/.*sqldump: pagelinks: .*\(([0-9]+) ranges\).*/\1/p' "$WORK/log")
starts=$(python3 - "$WORK/ours.sql.gz" <<'PY'
import sys, zlib
data, n = open(sys.argv[1], "rb").read(), 0
while data:
    d = zlib.decompressobj(31)
    text = d.decompress(data)
    assert d.eof, "truncated gzip member"
    n += text.startswith(b"INSERT INTO `pagelinks` VALUES")
    data = d.unused_data
print(n)
PY
) || fail "could not read the gzip members"
[[ -n $ranges && $starts -ge $ranges ]] || fail "$ranges pagelinks ranges but only $starts gzip members start one"

sql -e "CREATE DATABASE ours; CREATE DATABASE theirs"
zcat "$WORK/ours.sql.gz" | sql ours || fail "stock mariadb client could not load our dump"
unset 'tables[${#tables[@]}-1]'
mariadb-dump --no-defaults --socket="$SOCK" -uroot --opt --quick --skip-add-locks \
  --skip-lock-tables wiki "${tables[@]}" | sql theirs

script=$(db_digest wiki "${tables[@]}")
run_digest wiki "$script" >"$WORK/d.wiki"
run_digest ours "$script" >"$WORK/d.ours"
run_digest theirs "$script" >"$WORK/d.theirs"
[[ $(grep -c '^== ' "$WORK/d.wiki") == "${#tables[@]}" ]] || fail "digest incomplete"
cmp -s "$WORK/d.wiki" "$WORK/d.ours" ||
  fail "loaded dump differs from the source: $(diff -a "$WORK/d.wiki" "$WORK/d.ours" | head -c 600)"
cmp -s "$WORK/d.wiki" "$WORK/d.theirs" || fail "mariadb-dump's copy differs from the source"
echo "contents equal for ${#tables[@]} tables"
[[ $(sql -N ours -e "SELECT COUNT(*) FROM pagelinks") -ge 30000 ]] || fail "pagelinks rows lost"

# Byte-for-byte the same data sections as mariadb-dump (one query, small buffer).
"$DW_BINARY" sqldump -q --db "$(dburl wiki)" --table hostile,page,categorylinks \
  --net-buffer-length 4096 --output "file:$WORK/ours.sql"
mariadb-dump --no-defaults --socket="$SOCK" -uroot --opt --quick --skip-add-locks \
  --skip-lock-tables --net-buffer-length=4096 wiki hostile page categorylinks >"$WORK/theirs.sql"
strip() { grep -av -e '^-- Dump completed' -e '^-- MariaDB dump' -e '^-- dumpworks sqldump' \
  -e '^/\*M!999999' "$1"; }
diff <(strip "$WORK/theirs.sql") <(strip "$WORK/ours.sql") >"$WORK/diff" ||
  { head -20 "$WORK/diff"; fail "output differs from mariadb-dump"; }
[[ $(grep -ac '^INSERT INTO `hostile`' "$WORK/ours.sql") -gt 10 ]] || fail "INSERTs not split"

# Existing output is not overwritten unasked.
if "$DW_BINARY" sqldump -q --db "$(dburl wiki)" --table page --output "file:$WORK/ours.sql" \
  2>"$WORK/err"; then fail "overwrote an existing file"; fi
grep -q "ours.sql already exists" "$WORK/err" || fail "no clear message: $(cat "$WORK/err")"
echo PASS
