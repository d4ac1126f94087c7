#!/bin/bash
# Bad usage: every mistake a user can make gives ONE line naming the problem,
# a non-zero exit, and leaves nothing under the final output name.
set -uo pipefail
T=$(mktemp -d "${TMPDIR:-/tmp}/dw-export-bad.XXXXXX")
trap 'rm -rf "$T"' EXIT
cd "$T"
fail=0
# expect NAME WANT_RC PATTERN -- ARGS...: runs dumpworks export ARGS, checks the
# exit code, that stderr is one line matching PATTERN, and that out.xml is absent.
expect() {
  local name=$1 want=$2 pattern=$3; shift 4
  "$DW_BINARY" export "$@" >stdout.txt 2>stderr.txt
  local rc=$?
  local lines; lines=$(wc -l <stderr.txt)
  if [[ $rc != "$want" ]]; then
    echo "FAIL $name: exit $rc, want $want"; cat stderr.txt; fail=1
  elif [[ $lines != 1 ]] || ! grep -qE -- "$pattern" stderr.txt; then
    echo "FAIL $name: want one line matching /$pattern/, got:"; cat stderr.txt; fail=1
  elif ls out.xml* >/dev/null 2>&1; then
    echo "FAIL $name: left output behind:"; ls out.xml*; fail=1
  else
    echo "ok   $name: $(cat stderr.txt)"
  fi
  rm -f out.xml*
}
# A tiny MediaWiki-shaped database: the schema export reads, one page.
sqlite3 wiki.sqlite <<'SQL'
CREATE TABLE page (page_id INTEGER PRIMARY KEY, page_namespace INTEGER, page_title BLOB, page_is_redirect INTEGER, page_latest INTEGER);
CREATE TABLE revision (rev_id INTEGER PRIMARY KEY, rev_page INTEGER, rev_comment_id INTEGER, rev_actor INTEGER, rev_timestamp BLOB, rev_minor_edit INTEGER, rev_deleted INTEGER, rev_len INTEGER, rev_parent_id INTEGER, rev_sha1 BLOB);
CREATE TABLE comment (comment_id INTEGER PRIMARY KEY, comment_hash INTEGER, comment_text BLOB, comment_data BLOB);
CREATE TABLE actor (actor_id INTEGER PRIMARY KEY, actor_user INTEGER, actor_name BLOB);
CREATE TABLE slots (slot_revision_id INTEGER, slot_role_id INTEGER, slot_content_id INTEGER, slot_origin INTEGER, PRIMARY KEY (slot_revision_id, slot_role_id));
CREATE TABLE content (content_id INTEGER PRIMARY KEY, content_size INTEGER, content_sha1 BLOB, content_model INTEGER, content_address BLOB);
CREATE TABLE content_models (model_id INTEGER PRIMARY KEY, model_name BLOB);
CREATE TABLE slot_roles (role_id INTEGER PRIMARY KEY, role_name BLOB);
CREATE TABLE text (old_id INTEGER PRIMARY KEY, old_text BLOB, old_flags BLOB);
INSERT INTO page VALUES (1, 0, 'Main_Page', 0, 1);
INSERT INTO revision VALUES (1, 1, 1, 1, '20200101000000', 0, 0, 5, 0, 'abc');
INSERT INTO comment VALUES (1, 0, 'hi', NULL);
INSERT INTO actor VALUES (1, 1, 'Admin');
INSERT INTO slots VALUES (1, 1, 1, 1);
INSERT INTO content VALUES (1, 5, 'abc', 1, 'tt:1');
INSERT INTO content_models VALUES (1, 'wikitext');
INSERT INTO slot_roles VALUES (1, 'main');
INSERT INTO text VALUES (1, 'hello', 'utf-8');
SQL
"$DW_BINARY" export -q --db sqlite:wiki.sqlite --full --output file:ok.xml || { echo "FAIL: the good database does not export"; fail=1; }
grep -q '<text bytes="5" sha1="abc" xml:space="preserve">hello</text>' ok.xml || { echo "FAIL: good export content"; fail=1; }
cp wiki.sqlite noslots.sqlite; sqlite3 noslots.sqlite 'DROP TABLE slots'
sqlite3 other.sqlite 'CREATE TABLE foo (x); INSERT INTO foo VALUES (1);'
echo "this is not a database, just some text that is long enough to have a header........" >notadb.sqlite

expect "missing database file" 1 "sqlite:$T/missing.sqlite.*(No such file|unable to open)" -- \
  --db "sqlite:$T/missing.sqlite" --full --output file:out.xml
expect "unreachable MariaDB" 1 "mariadb://" -- \
  --db "mariadb://nobody@localhost/nowiki?socket=$T/no.sock" --full --output file:out.xml
expect "not a database" 1 "notadb.sqlite.*not a database" -- \
  --db "sqlite:$T/notadb.sqlite" --full --output file:out.xml
expect "missing table" 1 "table 'slots' does not exist" -- \
  --db "sqlite:$T/noslots.sqlite" --full --output file:out.xml
expect "non-MediaWiki database" 1 "table 'page' does not exist.*MediaWiki" -- \
  --db "sqlite:$T/other.sqlite" --full --output file:out.xml
expect "unknown option" 2 "bogus" -- --db "sqlite:$T/wiki.sqlite" --full --bogus --output file:out.xml
expect "no dump kind" 2 "full|current|logs" -- --db "sqlite:$T/wiki.sqlite" --output file:out.xml
expect "bad filter" 2 "--filter 'nosuch'" -- --db "sqlite:$T/wiki.sqlite" --full --output file:out.xml --filter=nosuch
expect "bad namespace" 2 "NS_NOPE" -- --db "sqlite:$T/wiki.sqlite" --full --output file:out.xml --filter=namespace:NS_NOPE
expect "bad schema version" 2 "schema-version" -- --db "sqlite:$T/wiki.sqlite" --full --schema-version 0.9 --output file:out.xml
expect "bad db url" 2 "database URL" -- --db "postgres://x/y" --full --output file:out.xml
expect "missing siteinfo" 2 "nosuch.json" -- --db "sqlite:$T/wiki.sqlite" --siteinfo "$T/nosuch.json" --full --output file:out.xml
# (root ignores permissions: a regular file as the parent directory fails for everyone)
expect "unwritable output" 1 "wiki.sqlite/out.xml.*Not a directory" -- --db "sqlite:$T/wiki.sqlite" --full --output "file:$T/wiki.sqlite/out.xml"
expect "missing output dir" 1 "nodir/out.xml" -- --db "sqlite:$T/wiki.sqlite" --full --output "file:$T/nodir/out.xml"
# An existing file is not overwritten unasked.
echo precious >keep.xml
"$DW_BINARY" export --db "sqlite:$T/wiki.sqlite" --full --output file:keep.xml 2>stderr.txt
rc=$?
if [[ $rc == 0 ]] || [[ $(cat keep.xml) != precious ]] || ! grep -q "keep.xml.*exists" stderr.txt; then
  echo "FAIL: existing output overwritten or not reported (exit $rc)"; cat stderr.txt; fail=1
else
  echo "ok   existing output kept: $(cat stderr.txt)"
fi
"$DW_BINARY" export -q --db "sqlite:$T/wiki.sqlite" --full --output file:keep.xml --overwrite && grep -q hello keep.xml \
  && echo "ok   --overwrite replaces it" || { echo "FAIL: --overwrite"; fail=1; }
ls ./*.inprog ./*.tmp.* >/dev/null 2>&1 && { echo "FAIL: temporary files left:"; ls ./*.inprog ./*.tmp.*; fail=1; }
exit $fail
