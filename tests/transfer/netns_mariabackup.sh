#!/usr/bin/env bash
# --type mariabackup between network namespaces: a real MariaDB server on the
# source (tests/harness/mariadb.sh), one mariabackup stream unpacked with
# mbstream at two targets; one copy is prepared and starts as a server with the
# same rows.
source "$(dirname "$0")/lib.sh"
for c in mariadbd mariabackup mbstream; do command -v $c >/dev/null || skip "needs $c (mariadb-server, mariadb-backup)"; done
H=$DW_SOURCE_DIR/tests/harness/mariadb.sh
ns_setup 3
PRE_CLEANUP+=("'$H' stop '$T/db' 2>/dev/null" "'$H' stop '$T/db2' 2>/dev/null")
"$H" start "$T/db"
"$H" client "$T/db" -e "CREATE DATABASE wiki; CREATE TABLE wiki.page (id INT PRIMARY KEY, title VARCHAR(255)) ENGINE=InnoDB;
  USE wiki; INSERT INTO wiki.page SELECT seq, CONCAT('Page_', seq) FROM seq_1_to_5000;"
want=$("$H" client "$T/db" -N -e "SELECT COUNT(*), SUM(id), MAX(title) FROM wiki.page")
mkdir -p "$T/db2/data" "$T/t3"

log "mariabackup stream to 2 targets"
dw_transfer --type mariabackup "$SUBNET.1:$T/db/mysqld.sock" "$SUBNET.2:$T/db2/data" "$SUBNET.3:$T/t3" 2>"$T/out1" ||
  { cat "$T/out1"; fail "mariabackup transfer"; }
for d in "$T/db2/data" "$T/t3"; do
  [[ -f $d/xtrabackup_checkpoints && -f $d/ibdata1 && -d $d/wiki ]] || fail "$d: not a backup: $(ls "$d")"
  [[ ! -e $d/.mysqld.sock.dwtx-partial ]] || fail "$d: staging left"
done
no_agents_left
no_firewall_left 2 3

log "target not empty -> refused"
if dw_transfer --type mariabackup "$SUBNET.1:$T/db/mysqld.sock" "$SUBNET.3:$T/t3" 2>"$T/out2"; then
  fail "unpacked into a non-empty directory"
fi
grep -q "is not empty" "$T/out2" || { cat "$T/out2"; fail "no clear 'not empty' line"; }

log "the copy, prepared, starts as a server with the same rows"
mariabackup --prepare --target-dir="$T/db2/data" >"$T/prepare.log" 2>&1 || { tail "$T/prepare.log"; fail "prepare"; }
"$H" start "$T/db2"
got=$("$H" client "$T/db2" -N -e "SELECT COUNT(*), SUM(id), MAX(title) FROM wiki.page")
[[ $got == "$want" ]] || fail "copy has '$got', source '$want'"
log "PASS"
