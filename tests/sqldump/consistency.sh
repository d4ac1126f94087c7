#!/usr/bin/env bash
# A writer commits during a parallel dump of two tables: every transaction
# inserts a row into both tables and moves a row of each from the first
# primary-key range to the last. A consistent snapshot shared by all
# connections gives copies with the same ids in both tables, the base row
# count, and none of the rows committed after the snapshot.
source "$(dirname "$0")/lib.sh"

sql -e "CREATE DATABASE w" 
sql w -e "CREATE TABLE a (id INT PRIMARY KEY, pad VARBINARY(300)) ENGINE=InnoDB;
  CREATE TABLE b LIKE a;
  INSERT INTO a SELECT seq, REPEAT('a', 200 + seq % 100) FROM seq_1_to_80000;
  INSERT INTO b SELECT seq, REPEAT('b', 200 + seq % 100) FROM seq_1_to_80000;
  CREATE TABLE progress (n INT) ENGINE=InnoDB; INSERT INTO progress VALUES (0);
  ANALYZE TABLE a, b" >/dev/null

# The writer: one client, one small transaction every few milliseconds.
for i in $(seq 1 1500); do
  echo "START TRANSACTION; INSERT INTO a VALUES (1000000 + $i, 'new'); INSERT INTO b VALUES
    (1000000 + $i, 'new'); UPDATE a SET id = 2000000 + $i WHERE id = $i; UPDATE b SET id =
    2000000 + $i WHERE id = $i; UPDATE progress SET n = $i; COMMIT; DO SLEEP(0.002);"
done | sql w &
writer=$!
# Dump once the writer is going.
for _ in $(seq 1 100); do
  [[ $(sql -N w -e "SELECT n FROM progress") -ge 50 ]] && break
  sleep 0.1
done
"$DW_BINARY" sqldump --db "$(dburl w)" --table a,b --threads 2 --range-size 400000 \
  --output "gzip:$WORK/w.sql.gz" 2>"$WORK/log" || { cat "$WORK/log"; fail "sqldump failed"; }
cat "$WORK/log"
grep -Eq "sqldump: a: .*\(([2-9]|[1-9][0-9]+) ranges\)" "$WORK/log" || fail "a not read in ranges"
during=$(sql -N w -e "SELECT n FROM progress")
wait "$writer"
sql -e "CREATE DATABASE c"
zcat "$WORK/w.sql.gz" | sql c
ids_a=$(sql -N c -e "SELECT id FROM a ORDER BY id" | md5sum)
ids_b=$(sql -N c -e "SELECT id FROM b ORDER BY id" | md5sum)
[[ $ids_a == "$ids_b" ]] || fail "tables a and b come from different snapshots"
read -r count_a new_a <<<"$(sql -N c -e "SELECT COUNT(*), SUM(id > 1000000 AND id < 2000000) FROM a")"
moved_a=$(sql -N c -e "SELECT COUNT(*) FROM a WHERE id > 2000000")
[[ $count_a == $((80000 + new_a)) ]] || fail "a: $count_a rows, expected 80000 + $new_a"
[[ $moved_a == "$new_a" ]] || fail "a: $moved_a moved rows but $new_a new rows: torn snapshot"
[[ $new_a -ge 50 && $new_a -lt 1500 ]] || fail "a: $new_a new rows: snapshot not taken during the writes"
echo "snapshot at transaction $new_a (writer was at $during when the dump ended, 1500 at the end)"
echo PASS
