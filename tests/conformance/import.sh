#!/usr/bin/env bash
# Reverse conformance on DW_CONF_WIKI's input: `dumpworks import` it into an EMPTY
# database of the wiki's backend (a new SQLite file, or a new database on the
# wiki's private MariaDB server), point a MediaWiki at that database
# (mediawiki.sh attach), and let MediaWiki 1.39 dump it:
#   1. the two-pass re-dump (dumpBackup.php --stub + dumpTextPass.php, the form of
#      the input) gives back the input itself: import keeps page, revision and
#      user ids. Normalised, because any MediaWiki re-dump changes them:
#        <generator> (the sample was written by MediaWiki 1.46);
#        for the sample only, <text bytes>: MediaWiki recomputes it from the text,
#        and Wikimedia's stored length is one more than the text for ~200
#        revisions of the sample (see data/README.md).
#      The generated wiki needs neither: it must come back byte for byte.
#   2. ids aside, the one-pass re-dump equals the dump of the wiki importDump.php
#      built (oracle/full.xml): importDump.php renumbers pages, revisions and
#      users, so every <id>, <parentid> and <origin> is masked on both sides.
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
need_tools
[[ -f $W/.conformance-stamp ]] || { say "wiki $W not built (fixture conformance_wiki_$WIKI failed?)"; exit 1; }
T=$(mktemp -d "${TMPDIR:-/tmp}/dw-conf-import.XXXXXX")  # short: a socket path lives here
MARIADB=$DW_SOURCE_DIR/tests/harness/mariadb.sh
cleanup() {
  [[ $BACKEND == mariadb ]] && bash "$MARIADB" stop "$T/srv"
  rm -rf "$T"
}
trap cleanup EXIT

# MediaWiki writes its database name as <dbname>, so the empty database must
# carry the wiki's name: on MariaDB that needs a server of its own (the wiki's
# server already has a database of that name).
# shellcheck disable=SC1091
source "$MWD/site.env"
case $BACKEND in
sqlite) DB=sqlite:$T/$DW_DBNAME.sqlite ;;
mariadb)
  bash "$MARIADB" start "$T/srv"
  pw=$(od -An -tx1 -N12 /dev/urandom | tr -d ' \n')
  bash "$MARIADB" client "$T/srv" -e \
    "CREATE DATABASE \`$DW_DBNAME\`; CREATE USER 'dwimport'@'localhost' IDENTIFIED BY '$pw';
     GRANT ALL PRIVILEGES ON \`$DW_DBNAME\`.* TO 'dwimport'@'localhost';"
  DB="mariadb://dwimport:$pw@localhost/$DW_DBNAME?socket=$T/srv/mysqld.sock"
  ;;
esac

t0=$SECONDS
if ! "$DW_BINARY" import -q --db "$DB" "$W/input.xml" 2>"$T/import.err"; then
  echo "FAIL dumpworks import exited non-zero: $(head -c 400 "$T/import.err")"
  exit 1
fi
say "dumpworks import: $((SECONDS - t0))s"
bash "$HARNESS" attach "$T/mw" "$DB" "$W/input.xml" 2>"$T/attach.err" ||
  { echo "FAIL attach: $(cat "$T/attach.err")"; exit 1; }
bash "$HARNESS" dump "$T/mw" --full --stub >"$T/stub.xml" 2>"$T/stub.err" ||
  { echo "FAIL dumpBackup.php --stub on the imported database: $(tail -5 "$T/stub.err")"; exit 1; }
bash "$HARNESS" textpass "$T/mw" --stub="file:$T/stub.xml" --full >"$T/redump.2pass.xml" 2>"$T/tp.err" ||
  { echo "FAIL dumpTextPass.php on the imported database: $(tail -5 "$T/tp.err")"; exit 1; }
bash "$HARNESS" dump "$T/mw" --full >"$T/redump.xml" 2>"$T/full.err" ||
  { echo "FAIL dumpBackup.php --full on the imported database: $(grep -v "^#" "$T/full.err" | tail -5)"; exit 1; }

norm_generator() { sed -E 's#<generator>[^<]*</generator>#<generator>G</generator>#' "$1"; }
if [[ $KIND == sample ]]; then
  norm_generator "$W/input.xml" | sed -E 's#(<text bytes=")[0-9]+"#\1N"#' >"$T/in.norm"
  norm_generator "$T/redump.2pass.xml" | sed -E 's#(<text bytes=")[0-9]+"#\1N"#' >"$T/out.norm"
  cmp_files "$T/out.norm" "$T/in.norm" "MediaWiki's two-pass re-dump = input (generator, bytes aside)"
else
  cmp_files "$T/redump.2pass.xml" "$W/input.xml" "MediaWiki's two-pass re-dump = input, byte for byte"
fi
mask_ids() { sed -E 's#<(id|parentid|origin)>[0-9]+</#<\1>N</#' "$1"; }
mask_ids "$T/redump.xml" >"$T/a"
mask_ids "$W/oracle/full.xml" >"$T/b"
cmp_files "$T/a" "$T/b" "one-pass re-dump = importDump.php wiki's dump (ids aside)"
say "$FAILS failure(s)"
exit $((FAILS > 0))
