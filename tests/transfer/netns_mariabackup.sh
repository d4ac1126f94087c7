#!/usr/bin/env bash
# --type mariabackup between network namespaces: a real MariaDB server on the
# source (tests/harness/mariadb.sh), one mariabackup stream unpacked with
# mbstream at two targets and prepared there (--prepare); one copy starts as a
# server with the same rows, with no step of its own in between.
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

log "--prepare without --type mariabackup -> usage error"
rc=0
dw_transfer --prepare "$SUBNET.1:$T/db/mysqld.sock" "$SUBNET.3:$T/t3" 2>"$T/out0" || rc=$?
[[ $rc == 2 ]] || { cat "$T/out0"; fail "exit $rc, expected 2"; }
grep -q -- "--prepare applies to --type mariabackup only" "$T/out0" || { cat "$T/out0"; fail "no clear line"; }

log "mariabackup stream to 2 targets, prepared at both"
dw_transfer --type mariabackup --prepare "$SUBNET.1:$T/db/mysqld.sock" "$SUBNET.2:$T/db2/data" \
  "$SUBNET.3:$T/t3" 2>"$T/out1" || { cat "$T/out1"; fail "mariabackup transfer"; }
for d in "$T/db2/data" "$T/t3"; do
  [[ -f $d/xtrabackup_checkpoints && -f $d/ibdata1 && -d $d/wiki ]] || fail "$d: not a backup: $(ls "$d")"
  # MariaDB 10.11 writes log-applied after --prepare (older: full-prepared); a raw backup is full-backuped.
  grep -Eq "backup_type = (log-applied|full-prepared)" "$d/xtrabackup_checkpoints" ||
    fail "$d: not prepared: $(cat "$d/xtrabackup_checkpoints")"
  [[ ! -e $d/.mysqld.sock.dwtx-partial ]] || fail "$d: staging left"
done
[[ $(grep -c "mariabackup --prepare succeeded" "$T/out1") == 2 ]] || { cat "$T/out1"; fail "no prepare line per target"; }
# The manifest (JSON only for a stream) names the stream and its digest.
python3 -c 'import json,sys; m=json.load(open(sys.argv[1])); assert m["type"]=="mariabackup" and len(m["files"])==1 and m["files"][0]["size"]>0, m' \
  "$(ls "$T"/log/*.manifest.json)" || fail "manifest"
no_agents_left
no_firewall_left 2 3

log "target not empty -> refused"
if dw_transfer --type mariabackup "$SUBNET.1:$T/db/mysqld.sock" "$SUBNET.3:$T/t3" 2>"$T/out2"; then
  fail "unpacked into a non-empty directory"
fi
grep -q "is not empty" "$T/out2" || { cat "$T/out2"; fail "no clear 'not empty' line"; }

log "the copy, prepared by the transfer, starts as a server with the same rows"
"$H" start "$T/db2"
got=$("$H" client "$T/db2" -N -e "SELECT COUNT(*), SUM(id), MAX(title) FROM wiki.page")
[[ $got == "$want" ]] || fail "copy has '$got', source '$want'"
log "PASS"
