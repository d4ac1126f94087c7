#!/bin/bash
# Conformance: `dumpworks export` on the reference aawiki database reproduces,
# byte for byte, every dump MediaWiki 1.39 wrote of it (dumpBackup.php one-pass
# forms, the 3-way stubs run, dumpTextPass.php two-pass forms, the log dump).
set -euo pipefail
SHARED=${DW_SHARED:-$DW_SOURCE_DIR/../shared}
REF=$SHARED/data/reference-mw1.39
if [[ ! -f $REF/aawiki.sqlite.xz ]]; then
  echo "SKIP: $REF not found (the shared reference data is not available)"
  exit 77
fi
T=$(mktemp -d "${TMPDIR:-/tmp}/dw-export-conf.XXXXXX")
trap 'rm -rf "$T"' EXIT
xz -dc "$REF/aawiki.sqlite.xz" >"$T/aawiki.sqlite"
mkdir "$T/ref"
for f in "$REF"/dumps/*.xml.xz; do xz -dc "$f" >"$T/ref/$(basename "$f" .xz)"; done
SI=$DW_SOURCE_DIR/tests/export/aawiki-siteinfo.json
X=("$DW_BINARY" export -q --db "sqlite:$T/aawiki.sqlite" --siteinfo "$SI")
cd "$T"
fail=0
check() {  # check OUT REF
  if cmp -s "$1" "ref/$2"; then
    echo "ok   $2"
  else
    echo "FAIL $2 differs:"; diff "$1" "ref/$2" | head -20 || true; fail=1
  fi
}
"${X[@]}" --full --output=file:full.xml;                    check full.xml pages-meta-history.xml
"${X[@]}" --current --output=file:cur.xml;                  check cur.xml pages-meta-current.xml
"${X[@]}" --current --output=file:art.xml --filter=notalk --filter=namespace:!NS_USER
check art.xml pages-articles.xml
"${X[@]}" --full --stub --output=file:sf.xml;               check sf.xml stub-full.xml
"${X[@]}" --current --stub --output=file:sc.xml;            check sc.xml stub-current.xml
"${X[@]}" --full --stub --output=file:smh.xml --output=file:smc.xml --filter=latest \
  --output=file:sa.xml --filter=latest --filter=notalk --filter=namespace:!NS_USER
check smh.xml stub-meta-history.xml; check smc.xml stub-meta-current.xml; check sa.xml stub-articles.xml
"${X[@]}" --full --form twopass --output=file:h2.xml;       check h2.xml pages-meta-history.2pass.xml
"${X[@]}" --current --form twopass --output=file:c2.xml;    check c2.xml pages-meta-current.2pass.xml
"${X[@]}" --current --form twopass --output=file:a2.xml --filter=notalk --filter=namespace:'!2'
check a2.xml pages-articles.2pass.xml
"${X[@]}" --logs --output=file:logs.xml;                    check logs.xml pages-logging.xml
# stdout, and the same through several small batches (keyset pagination).
"${X[@]}" --full --batch-size 7 >stdout.xml;                check stdout.xml pages-meta-history.xml
# One connection, and three reading and formatting at once (whatever the cores).
"${X[@]}" --full --read-threads 1 --output=file:rt1.xml;    check rt1.xml pages-meta-history.xml
"${X[@]}" --full --read-threads 3 --output=file:rt3.xml;    check rt3.xml pages-meta-history.xml
"${X[@]}" --current --read-threads 3 --output=file:rt3a.xml --filter=notalk --filter=namespace:!NS_USER
check rt3a.xml pages-articles.xml
# Compressed outputs (one pass, four outputs) and a device.
"${X[@]}" --full --output=gzip:full.xml.gz --output=bzip2:full.xml.bz2 --output=zstd:full.xml.zst \
  --output=file:/dev/null
[[ -c /dev/null ]] || { echo "FAIL: /dev/null is no longer a device"; fail=1; }
gzip -dc full.xml.gz >gz.xml;     check gz.xml pages-meta-history.xml
bzip2 -dc full.xml.bz2 >bz2.xml;  check bz2.xml pages-meta-history.xml
if command -v zstd >/dev/null; then zstd -qdc full.xml.zst >zst.xml; check zst.xml pages-meta-history.xml; fi
# The database and siteinfo from a dumps config file.
printf '[aawiki]\ndb = sqlite:%s\nsiteinfo = %s\n' "$T/aawiki.sqlite" "$SI" >dumps.conf
"$DW_BINARY" export -q --config dumps.conf --wiki aawiki --current --output=file:cfg.xml
check cfg.xml pages-meta-current.xml
# Page ranges: --start/--end cut the full dump into parts whose pages add up.
"${X[@]}" --full --start 100 --end 200 --output=file:part.xml
n=$(grep -c '<page>' part.xml); want=$(sqlite3 aawiki.sqlite 'select count(*) from page where page_id>=100 and page_id<200')
[[ $n == "$want" ]] && echo "ok   --start/--end: $n pages" || { echo "FAIL --start/--end: $n pages, want $want"; fail=1; }
exit $fail
