#!/bin/bash
# `--siteinfo URL` against a REAL MediaWiki 1.39 api.php (PHP's built-in web
# server on a private port, tests/export/mw_api_router.php):
#  - export with the URL writes the same bytes as with the answer saved to a file
#    (formatversion 2 and 1), and the same <siteinfo> as MediaWiki's dumpBackup.php;
#  - the config keys `siteinfo = http...` and `apiurl` work;
#  - the dump run's namespaces jobs publish the live api.php answers (v1 and v2);
#  - failures (unreachable port, 404, not a siteinfo answer, not JSON) are one
#    line naming the URL, with a non-zero exit and nothing published.
set -euo pipefail
: "${DW_BINARY:?}" "${DW_SOURCE_DIR:?}"
MW=${DW_MW_INSTALL_PATH:-/usr/share/mediawiki}
command -v php >/dev/null || { echo "SKIP: php not installed (scripts/install-deps.sh --test)"; exit 77; }
[[ -f $MW/api.php ]] || { echo "SKIP: MediaWiki not installed in $MW"; exit 77; }
T=$(mktemp -d "${TMPDIR:-/tmp}/dw-siteinfo-url.XXXXXX")
PHP_PID=
cleanup() {
  if [[ -n $PHP_PID ]]; then kill "$PHP_PID" 2>/dev/null || true; wait "$PHP_PID" 2>/dev/null || true; fi
  rm -rf "$T"
}
trap cleanup EXIT
trap 'exit 1' INT TERM HUP
cd "$T"
fail=0
ok() { echo "ok   $*"; }
bad() { echo "FAIL $*"; fail=1; }

# A small generated wiki, imported by dumpworks, that MediaWiki reads.
"$DW_BINARY" generate -q --pages 40 --revisions 150 --out wiki.xml --siteinfo-out gen-siteinfo.json
"$DW_BINARY" import -q --db "sqlite:$T/wiki.sqlite" wiki.xml
bash "$DW_SOURCE_DIR/tests/harness/mediawiki.sh" attach "$T/mw" "sqlite:$T/wiki.sqlite" \
  gen-siteinfo.json 2>attach.log || { cat attach.log; exit 1; }

# api.php on a free port.
for _ in 1 2 3 4 5; do
  PORT=$((20000 + RANDOM % 40000))
  DW_MW_CONF=$T/mw/LocalSettings.php MW_INSTALL_PATH=$MW \
    php -S "127.0.0.1:$PORT" "$DW_SOURCE_DIR/tests/export/mw_api_router.php" >php.log 2>&1 &
  PHP_PID=$!
  for _ in $(seq 100); do
    curl -s -o /dev/null "http://127.0.0.1:$PORT/" && break
    kill -0 "$PHP_PID" 2>/dev/null || break
    sleep 0.1
  done
  kill -0 "$PHP_PID" 2>/dev/null && break
  wait "$PHP_PID" 2>/dev/null || true
  PHP_PID=
done
[[ -n $PHP_PID ]] || { cat php.log; echo "FAIL: php -S did not start"; exit 1; }
API=http://127.0.0.1:$PORT/w/api.php
Q="action=query&meta=siteinfo&siprop=general%7Cnamespaces%7Cnamespacealiases&format=json"
curl -sf "$API?$Q&formatversion=2" >si2.json
curl -sf "$API?$Q" >si1.json
grep -q '"batchcomplete":true' si2.json || { head -c 300 si2.json; echo; echo "FAIL: not a v2 siteinfo answer"; exit 1; }

# 1. Export: URL == saved answer (v2 and v1), byte for byte.
X=("$DW_BINARY" export -q --db "sqlite:$T/wiki.sqlite")
"${X[@]}" --siteinfo si2.json --full --output=file:file2.xml
"${X[@]}" --siteinfo si1.json --full --output=file:file1.xml
"${X[@]}" --siteinfo "$API" --full --output=file:url.xml
cmp -s file2.xml url.xml && ok "export --siteinfo URL == --siteinfo FILE (v2)" || bad "URL and file (v2) differ"
cmp -s file1.xml url.xml && ok "export --siteinfo URL == --siteinfo FILE (v1)" || bad "URL and file (v1) differ"
grep -q '<page>' url.xml || bad "no pages in the URL export"
# The header is MediaWiki's own (dumpBackup.php reads the same configuration).
bash "$DW_SOURCE_DIR/tests/harness/mediawiki.sh" dump "$T/mw" --current --end=1 2>/dev/null |
  sed -n '1,/<\/siteinfo>/p' >mw-head.xml
sed -n '1,/<\/siteinfo>/p' url.xml >our-head.xml
[[ -s mw-head.xml ]] && cmp -s mw-head.xml our-head.xml && ok "<siteinfo> == dumpBackup.php's" ||
  { bad "<siteinfo> differs from dumpBackup.php's"; diff mw-head.xml our-head.xml | head; }

# 2. Config keys: siteinfo = URL, and apiurl alone.
printf '[wiki1]\ndb = sqlite:%s\nsiteinfo = %s\n[wiki2]\ndb = sqlite:%s\napiurl = %s\n' \
  "$T/wiki.sqlite" "$API" "$T/wiki.sqlite" "$API" >c.conf
for w in wiki1 wiki2; do
  "$DW_BINARY" export -q --config c.conf --wiki $w --full --output=file:cfg-$w.xml
  cmp -s cfg-$w.xml file2.xml && ok "config [$w] siteinfo from api.php" || bad "config [$w] differs"
done

# 3. The dump run's namespaces jobs: the live answers, v1 and v2.
cat >d.conf <<EOF
[output]
public = $T/public
private = $T/private
temp = $T/temp
[mywiki]
db = sqlite:$T/wiki.sqlite
apiurl = $API
EOF
"$DW_BINARY" dump -q --config d.conf --date 20260101 --job namespaces,namespacesv2 mywiki
D=$T/public/mywiki/20260101
NQ="action=query&meta=siteinfo&siprop=namespaces%7Cnamespacealiases%7Cmagicwords%7Cgeneral&format=json"
curl -sf "$API?$NQ" >ns1.json
curl -sf "$API?$NQ&formatversion=2" >ns2.json
gzip -t "$D/mywiki-20260101-siteinfo-namespaces.json.gz" "$D/mywiki-20260101-siteinfo2-namespacesv2.json.gz"
python3 - "$D" ns1.json ns2.json <<'PY' && ok "namespaces jobs publish the live api.php answers" || bad "namespaces files"
import gzip, json, sys
d, ref1, ref2 = sys.argv[1:]
for name, ref, v2 in (("siteinfo-namespaces", ref1, False), ("siteinfo2-namespacesv2", ref2, True)):
    got = json.loads(gzip.open(f"{d}/mywiki-20260101-{name}.json.gz").read())
    want = json.load(open(ref))
    for j in (got, want):
        j["query"]["general"].pop("time", None)  # the answer's clock
    assert got == want, name
    assert "magicwords" in got["query"] and "namespacealiases" in got["query"], name
    assert (got["batchcomplete"] is True) == v2, name
PY

# 4. Failures: one line naming the URL, non-zero exit, nothing written.
expect() {  # expect NAME RC PATTERN -- export args...
  local name=$1 want=$2 pattern=$3
  shift 4
  local rc=0
  "${X[@]}" "$@" --full --output=file:out.xml 2>err.txt >/dev/null || rc=$?
  if [[ $rc != "$want" ]]; then
    bad "$name: exit $rc, want $want: $(cat err.txt)"
  elif [[ $(wc -l <err.txt) != 1 ]] || ! grep -qE -- "$pattern" err.txt; then
    bad "$name: want one line matching /$pattern/, got: $(cat err.txt)"
  elif [[ -e out.xml ]]; then
    bad "$name: left out.xml"
  else
    ok "$name: $(cat err.txt)"
  fi
  rm -f out.xml*
}
expect "unreachable port" 1 "http://127\.0\.0\.1:1/w/api\.php.*(refused|connect).*after 4 attempts" -- \
  --siteinfo http://127.0.0.1:1/w/api.php
expect "404" 1 "http://127\.0\.0\.1:$PORT/nowiki/x\.php.*HTTP 404" -- \
  --siteinfo "http://127.0.0.1:$PORT/nowiki/x.php"
expect "not a siteinfo answer" 2 "meta=userinfo.*no query\.general" -- \
  --siteinfo "$API?action=query&meta=userinfo&format=json"
expect "not JSON" 2 "format=xml.*not JSON" -- \
  --siteinfo "$API?action=query&meta=siteinfo&format=xml"
# A dump whose api.php is gone: with the header from a file, the namespaces
# job fails and publishes nothing; with only apiurl, the run does not start.
sed -i "s#^apiurl = .*#apiurl = http://127.0.0.1:1/w/api.php\nsiteinfo = $T/si2.json#" d.conf
rc=0
"$DW_BINARY" dump -q --config d.conf --date 20260102 --job namespaces mywiki 2>dump-err.txt || rc=$?
if [[ $rc == 1 ]] && grep -q "namespaces" dump-err.txt &&
  ! ls "$T/public/mywiki/20260102/"*siteinfo* >/dev/null 2>&1; then
  ok "dump with an unreachable api.php: namespaces failed, nothing published"
else
  bad "dump with an unreachable api.php: exit $rc: $(cat dump-err.txt)"
fi
sed -i "/^siteinfo = /d" d.conf
rc=0
"$DW_BINARY" dump -q --config d.conf --date 20260103 mywiki 2>dump-err.txt || rc=$?
if [[ $rc == 1 && $(wc -l <dump-err.txt) == 1 ]] && grep -q "127.0.0.1:1/w/api.php" dump-err.txt &&
  [[ ! -e $T/public/mywiki/20260103 ]]; then
  ok "dump whose only siteinfo source is unreachable: $(cat dump-err.txt)"
else
  bad "dump, unreachable apiurl only: exit $rc: $(cat dump-err.txt)"
fi
exit $fail
