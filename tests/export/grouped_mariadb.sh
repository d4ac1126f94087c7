#!/bin/bash
# MariaDB's grouped reads (src/mw/revision_reader_mariadb.cc): keys, then
# metadata by groups of revisions, then texts by windows bounded by content
# size. The same wiki in SQLite and in MariaDB, with a revision of several
# slots, two slots of different revisions sharing one text row, a missing text
# row, a text whose declared size is bigger than the text window bound (16 MiB)
# and a 1 MB text; every export mode must give the same bytes, the same exit
# status and the same warnings on both, with groups of 1, 2, 3, 7 and the
# default 1000 revisions. Needs no ../shared (a generated wiki).
set -euo pipefail
for tool in sqlite3; do
  command -v $tool >/dev/null || { echo "SKIP: $tool not installed"; exit 77; }
done
T=$(mktemp -d "${TMPDIR:-/tmp}/dw-export-grouped.XXXXXX")
cleanup() {
  bash "$DW_SOURCE_DIR/tests/harness/mariadb.sh" stop "$T/mariadb" >/dev/null 2>&1 || true
  [[ -n ${DW_KEEP:-} ]] && echo "kept $T" || rm -rf "$T"
}
trap cleanup EXIT
fail() { echo "FAIL: $*" >&2; exit 1; }
DW=$DW_BINARY
cd "$T"

rc=0
bash "$DW_SOURCE_DIR/tests/harness/mariadb.sh" start "$T/mariadb" || rc=$?
[[ $rc == 77 ]] && { echo "SKIP: mariadbd not installed"; exit 77; }
[[ $rc == 0 ]] || fail "MariaDB server did not start"
maria() { bash "$DW_SOURCE_DIR/tests/harness/mariadb.sh" client "$T/mariadb" gw -N -e "$1"; }
bash "$DW_SOURCE_DIR/tests/harness/mariadb.sh" client "$T/mariadb" -e "CREATE DATABASE gw"
MDB="mariadb://root@localhost/gw?socket=$T/mariadb/mysqld.sock"

"$DW" generate -q --pages 30 --revisions 300 --seed 11 --dbname gwiki --out g.xml --siteinfo-out si.json
"$DW" import -q --db "sqlite:$T/w.sqlite" g.xml
"$DW" import -q --db "$MDB" g.xml

# The same hostile changes on both databases (ids read from each, for safety).
text_of() {  # text_of BACKEND REV: the old_id of a revision's main slot
  local q="SELECT substr(content_address, 4) FROM slots JOIN content ON content_id = slot_content_id
    WHERE slot_revision_id = $2"
  if [[ $1 == sqlite ]]; then sqlite3 w.sqlite "$q"; else maria "$q"; fi
}
nth() { sqlite3 w.sqlite "SELECT rev_id FROM revision ORDER BY rev_id LIMIT 1 OFFSET $(($1 - 1))"; }
R20=$(nth 20) R30=$(nth 30) R33=$(nth 33) R40=$(nth 40) R41=$(nth 41)
for be in sqlite maria; do
  r_missing=$(text_of $be "$R20") r_big=$(text_of $be "$R40") r_huge=$(text_of $be "$R41")
  [[ -n $r_missing && -n $r_big && -n $r_huge ]] || fail "$be: revisions $R20, $R40, $R41 not found"
  if [[ $be == sqlite ]]; then
    big="replace(hex(zeroblob(500000)), '00', 'ab')"
  else
    big="REPEAT('ab', 500000)"
  fi
  sql="
    DELETE FROM text WHERE old_id = $r_missing;
    UPDATE text SET old_text = $big, old_flags = 'utf-8' WHERE old_id = $r_big;
    UPDATE content SET content_size = 1000000 WHERE content_address = 'tt:$r_big';
    UPDATE content SET content_size = 20000000 WHERE content_address = 'tt:$r_huge';
    INSERT INTO slot_roles (role_id, role_name) VALUES (50, 'mediainfo');
    INSERT INTO text (old_id, old_text, old_flags) VALUES (900001, 'second slot text', 'utf-8');
    INSERT INTO content (content_id, content_size, content_sha1, content_model, content_address)
      VALUES (900001, 16, 'phoiac9h4m842xq45sp7s6u21eteeq1', 1, 'tt:900001');
    INSERT INTO slots (slot_revision_id, slot_role_id, slot_content_id, slot_origin)
      VALUES ($R30, 50, 900001, $R30), ($R33, 50, 900001, $R30), ($R41, 50, 900001, $R30);"
  if [[ $be == sqlite ]]; then sqlite3 w.sqlite "$sql"; else maria "$sql"; fi
done
[[ $(maria "SELECT COUNT(*) FROM slots") == $(sqlite3 w.sqlite "SELECT COUNT(*) FROM slots") ]] ||
  fail "the two databases differ"

# run NAME DB ARGS...: export, keep the exit status and the warnings.
run() {
  local name=$1 db=$2
  shift 2
  local rc=0
  "$DW" export --db "$db" --siteinfo si.json --output "file:$name.xml" "$@" 2>"$name.err" || rc=$?
  echo "$rc" >"$name.rc"
  grep -o 'revision [0-9]*: .*' "$name.err" | sort >"$name.warn" || true
}
n=0
for mode in "--full" "--current" "--full --stub" "--revrange --revstart 25 --revend 140" \
  "--current --start 3 --end 12" "--full --start 3 --end 12"; do
  name=m$((n++))
  # shellcheck disable=SC2086  # mode is a list of options
  run "$name-sqlite" "sqlite:$T/w.sqlite" $mode
  for batch in 1 2 3 7 10000; do
    # shellcheck disable=SC2086
    run "$name-maria-$batch" "$MDB" $mode --batch-size $batch
    cmp -s "$name-sqlite.xml" "$name-maria-$batch.xml" ||
      { diff "$name-sqlite.xml" "$name-maria-$batch.xml" | head -20; fail "$mode, groups of $batch: MariaDB export differs from SQLite's"; }
    cmp -s "$name-sqlite.rc" "$name-maria-$batch.rc" ||
      fail "$mode, groups of $batch: exit $(cat "$name-maria-$batch.rc"), SQLite's $(cat "$name-sqlite.rc")"
    cmp -s "$name-sqlite.warn" "$name-maria-$batch.warn" ||
      { diff "$name-sqlite.warn" "$name-maria-$batch.warn"; fail "$mode, groups of $batch: warnings differ"; }
  done
  echo "ok   $mode: MariaDB (groups of 1, 2, 3, 7, 1000) = SQLite ($(wc -c <"$name-sqlite.xml") bytes, exit $(cat "$name-sqlite.rc"))"
done

# What the hostile rows must have produced (so the comparisons above mean something).
grep -q "revision $R20: missing text row" m0-maria-3.err || { cat m0-maria-3.err; fail "missing text row not reported"; }
[[ $(cat m0-maria-3.rc) == 3 ]] || fail "--full: exit $(cat m0-maria-3.rc), want 3"
[[ $(grep -oE '(ab){1000,}' m0-maria-3.xml | wc -c) == 1000001 ]] || fail "the 1 MB text is not whole"
[[ $(grep -c '<content>' m0-maria-3.xml) -ge 3 ]] || fail "the second slots are not there"
[[ $(grep -c 'second slot text' m0-maria-3.xml) == 3 ]] || fail "the shared text row is not in all 3 slots"
echo "ok   hostile rows reported and written"
