# Shared setup for the sqldump integration tests: a private MariaDB server
# (tests/harness/mariadb.sh) in a fresh temp dir, stopped from an EXIT trap.
set -euo pipefail
: "${DW_SOURCE_DIR:?}" "${DW_BINARY:?}"
HARNESS=$DW_SOURCE_DIR/tests/harness/mariadb.sh
command -v mariadbd >/dev/null || { echo "skip: mariadbd not installed"; exit 77; }
WORK=$(mktemp -d /tmp/dw-sqldump-test.XXXXXX)
SRV=$WORK/srv
SOCK=$SRV/mysqld.sock
cleanup() {
  "$HARNESS" stop "$SRV" || true
  rm -rf "$WORK"
}
trap cleanup EXIT
trap "exit 1" INT TERM HUP PIPE  # so that EXIT runs cleanup on signals too
"$HARNESS" start "$SRV"

sql() { "$HARNESS" client "$SRV" --default-character-set=utf8mb4 "$@"; }
dburl() { echo "mariadb://root@localhost/$1?socket=$SOCK"; }
fail() { echo "FAIL: $*" >&2; exit 1; }

# Creates database $1 with every MediaWiki 1.39 table (tables-generated.sql).
create_mw_schema() {
  local schema=/usr/share/mediawiki/maintenance/tables-generated.sql
  [[ -f $schema ]] || { echo "skip: $schema missing (apt-get install mediawiki)"; exit 77; }
  sql -e "CREATE DATABASE $1"
  sed -e 's#/\*_\*/##g' -e 's#/\*\$wgDBTableOptions\*/#ENGINE=InnoDB DEFAULT CHARSET=binary#g' \
    "$schema" | sql "$1"
}

# Fills table $2 of database $1 with $3 generated rows: every column gets a value
# derived from the row number (hostile bytes in string columns), NULL in every
# 7th row where the column allows it.
fill_table() {
  local db=$1 t=$2 n=$3 exprs="" name type maxlen nullable
  while IFS=$'\t' read -r name type maxlen nullable; do
    local e
    case $type in
      tinyint) e="seq % 100" ;;
      smallint|mediumint|int|bigint) e="seq" ;;
      float|double|decimal) e="seq / 8" ;;  # exact in a FLOAT: its text form loads back the same
      enum) e="1 + seq % 2" ;;
      timestamp|datetime) e="TIMESTAMP'2020-01-01 00:00:00' + INTERVAL seq SECOND" ;;
      *binary|*blob|*char|*text)
        e="CONCAT('v', seq, CHAR(0), '''\"\\\\', CHAR(13), CHAR(10), CHAR(26), UNHEX('F0FF80'), UNHEX('F09F9880'), REPEAT('x', seq % 40))"
        [[ $maxlen -gt 0 ]] && e="LEFT($e, $maxlen)"
        ;;
      *) e="seq" ;;
    esac
    if [[ $nullable == YES ]]; then e="IF(seq % 7 = 0, NULL, $e)"; fi
    exprs+="${exprs:+, }$e"
  done < <(sql -N -e "SELECT COLUMN_NAME, DATA_TYPE, COALESCE(CHARACTER_MAXIMUM_LENGTH, 0),
      IS_NULLABLE FROM information_schema.COLUMNS WHERE TABLE_SCHEMA = '$db' AND
      TABLE_NAME = '$t' ORDER BY ORDINAL_POSITION")
  sql "$db" -e "INSERT IGNORE INTO \`$t\` SELECT $exprs FROM seq_1_to_$n"
}

# Writes to stdout, for each table named after database $1: its name, its CHECKSUM
# TABLE EXTENDED and all its rows in primary-key order (every column's order without a
# primary key; the order is read from db $1).
db_digest() {
  local db=$1 t order script=""
  shift
  for t in "$@"; do
    order=$(sql -N -e "SELECT COALESCE(GROUP_CONCAT(CONCAT('\`', COLUMN_NAME, '\`') ORDER BY
        SEQ_IN_INDEX), '1') FROM information_schema.STATISTICS WHERE TABLE_SCHEMA = '$db'
        AND TABLE_NAME = '$t' AND INDEX_NAME = 'PRIMARY'")
    if [[ $order == 1 ]]; then  # no primary key (e.g. querycache): order by every column
      order=$(sql -N -e "SELECT GROUP_CONCAT(CONCAT('\`', COLUMN_NAME, '\`') ORDER BY
          ORDINAL_POSITION) FROM information_schema.COLUMNS WHERE TABLE_SCHEMA = '$db'
          AND TABLE_NAME = '$t'")
    fi
    script+="SELECT '== $t'; CHECKSUM TABLE \`$t\` EXTENDED; SELECT * FROM \`$t\` ORDER BY $order;"
  done
  echo "$script"
}
# Runs a db_digest script in database $1, printing rows with the db name removed.
run_digest() { sql -N --raw "$1" -e "$2" | sed "s/^$1\./DB./"; }
