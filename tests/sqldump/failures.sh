#!/usr/bin/env bash
# Failures a user can cause: one clear line, a non-zero exit, nothing published.
source "$(dirname "$0")/lib.sh"

sql -e "CREATE DATABASE f; CREATE USER 'u'@'localhost' IDENTIFIED BY 'pw';
  GRANT SELECT ON f.* TO 'u'@'localhost'"
sql f -e "CREATE TABLE a (id INT PRIMARY KEY, v VARBINARY(100)) ENGINE=InnoDB;
  INSERT INTO a SELECT seq, 'x' FROM seq_1_to_1000; CREATE TABLE b LIKE a"

expect_fail() {  # expect_fail PATTERN ARGS...: fails with one stderr line matching PATTERN
  local pattern=$1
  shift
  if "$DW_BINARY" sqldump -q "$@" 2>"$WORK/err" >/dev/null; then fail "succeeded: $*"; fi
  [[ $(wc -l <"$WORK/err") == 1 ]] || fail "not one line: $(cat "$WORK/err")"
  grep -Eq -e "$pattern" "$WORK/err" || fail "message '$(cat "$WORK/err")' lacks /$pattern/"
}
expect_fail "mariadb://u@localhost/f.*Access denied" \
  --db "mariadb://u:wrong@localhost/f?socket=$SOCK" --table a
grep -q wrong "$WORK/err" && fail "password in the message"
expect_fail "mariadb://root@localhost/nosuchdb.*Unknown database" \
  --db "mariadb://root@localhost/nosuchdb?socket=$SOCK" --table a
expect_fail "mariadb://root@localhost/f\?socket=$WORK/none.sock.*Can't connect" \
  --db "mariadb://root@localhost/f?socket=$WORK/none.sock" --table a
expect_fail "--output bz:x: expected gzip:PATH" --db "$(dburl f)" --output bz:x
# Without the RELOAD privilege, parallel reads fall back to one connection.
"$DW_BINARY" sqldump --db "mariadb://u:pw@localhost/f?socket=$SOCK" --table a --threads 2 \
  --output "file:$WORK/u.sql" 2>"$WORK/err" || fail "SELECT-only user could not dump"
grep -q "reading with one connection" "$WORK/err" || fail "no fallback warning"

# --config/--wiki: the database from the dumps config; output to stdout.
printf '[database]\nuser = root\nsocket = %s\n' "$SOCK" >"$WORK/dumps.conf"
"$DW_BINARY" sqldump -q --config "$WORK/dumps.conf" --wiki f --table a >"$WORK/a.sql" ||
  fail "--config/--wiki dump failed"
grep -aq '^(1000,' "$WORK/a.sql" || fail "--config/--wiki: rows missing from stdout"
expect_fail "which database\? give --db" --table a

# The connection dies while the dump waits for table b: the job fails naming
# the table, and neither the output nor a temporary file is left.
sql f -e "LOCK TABLES b WRITE; DO SLEEP(60)" >/dev/null 2>&1 &
locker=$!
sleep 0.5
"$DW_BINARY" sqldump -q --db "$(dburl f)" --table a,b --threads 1 \
  --output "gzip:$WORK/out.sql.gz" 2>"$WORK/err" &
dumper=$!
for _ in $(seq 1 100); do
  id=$(sql -N -e "SELECT ID FROM information_schema.PROCESSLIST WHERE STATE LIKE
    'Waiting for table metadata lock%' LIMIT 1")
  [[ -n $id ]] && break
  sleep 0.1
done
[[ -n $id ]] || fail "dump never waited for table b"
sql -e "KILL $id"
if wait "$dumper"; then fail "dump succeeded after its connection was killed"; fi
kill "$locker" 2>/dev/null || true
cat "$WORK/err"
grep -q "b" "$WORK/err" || fail "message does not name the table"
[[ $(wc -l <"$WORK/err") == 1 ]] || fail "not one line"
ls "$WORK" | grep -q "out.sql" && fail "partial output left: $(ls "$WORK")"
echo PASS
