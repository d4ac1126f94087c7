#!/bin/bash
# Hostile content: a copy of the reference wiki with hostile rows added
# (hostile_inject.py). dumpworks export must write what MediaWiki 1.39's
# dumpBackup.php writes for the same rows, byte for byte, keep the XML
# well-formed, report each bad revision (missing text row, corrupt gzip,
# unknown content model) and exit 3.
set -euo pipefail
SHARED=${DW_SHARED:-$DW_SOURCE_DIR/../shared}
REF=$SHARED/data/reference-mw1.39
if [[ ! -f $REF/aawiki.sqlite.xz ]]; then
  echo "SKIP: $REF not found (the shared reference data is not available)"
  exit 77
fi
for tool in python3 xmllint; do
  command -v $tool >/dev/null || { echo "SKIP: $tool not installed"; exit 77; }
done
T=$(mktemp -d "${TMPDIR:-/tmp}/dw-export-hostile.XXXXXX")
trap 'rm -rf "$T"' EXIT
SI=$DW_SOURCE_DIR/tests/export/aawiki-siteinfo.json
xz -dc "$REF/aawiki.sqlite.xz" >"$T/aawiki.sqlite"
cp "$T/aawiki.sqlite" "$T/model.sqlite"
python3 "$DW_SOURCE_DIR/tests/export/hostile_inject.py" "$T/aawiki.sqlite" --no-unknown-model
python3 "$DW_SOURCE_DIR/tests/export/hostile_inject.py" "$T/model.sqlite"
cd "$T"
START=509  # the injected pages; the reference pages are covered by conformance.sh
fail=0

run_dw() {  # run_dw DB OUT ARGS... -> exit code in $rc, stderr in OUT.err
  set +e
  "$DW_BINARY" export --db "sqlite:$T/$1" --siteinfo "$SI" --start $START --output "file:$2" "${@:3}" 2>"$2.err"
  rc=$?
  set -e
}

# 1. dumpworks: exit 3, one line per bad revision, well-formed XML.
run_dw aawiki.sqlite dw-full.xml --full
[[ $rc == 3 ]] || { echo "FAIL: exit code $rc, want 3 (partial)"; cat dw-full.xml.err; fail=1; }
grep -q 'revision [0-9]*: missing text row 987654321' dw-full.xml.err || { echo "FAIL: missing text row not reported"; fail=1; }
grep -q 'revision [0-9]*: corrupt gzip' dw-full.xml.err || { echo "FAIL: corrupt gzip blob not reported"; fail=1; }
n=$(grep -c '\[warning\]' dw-full.xml.err || true)
[[ $n == 2 ]] || { echo "FAIL: $n problem lines, want 2"; cat dw-full.xml.err; fail=1; }
xmllint --noout --huge dw-full.xml || { echo "FAIL: dw-full.xml is not well-formed"; fail=1; }
run_dw aawiki.sqlite dw-full2.xml --full --form twopass
xmllint --noout --huge dw-full2.xml || { echo "FAIL: two-pass output not well-formed"; fail=1; }

# Unknown content model: MediaWiki dies on it (MWUnknownContentModelException);
# dumpworks writes it with FallbackContentHandler's format, reports it, goes on.
run_dw model.sqlite dw-model.xml --full
[[ $rc == 3 ]] || { echo "FAIL: unknown model: exit code $rc, want 3"; fail=1; }
grep -q "unknown content model 'dw-unknown-model'" dw-model.xml.err || { echo "FAIL: unknown model not reported"; fail=1; }
grep -q '<format>application/octet-stream</format>' dw-model.xml || { echo "FAIL: unknown model format"; fail=1; }
xmllint --noout --huge dw-model.xml || { echo "FAIL: dw-model.xml is not well-formed"; fail=1; }

# 2. The same rows through MediaWiki itself.
MW=/usr/share/mediawiki
if [[ -f $MW/maintenance/dumpBackup.php ]] && command -v php >/dev/null; then
  cat >LocalSettings.php <<PHP
<?php
if ( !defined( 'MEDIAWIKI' ) ) { exit; }
\$wgSitename = 'Wikipedia'; \$wgMetaNamespace = 'Wikipedia';
\$wgServer = 'https://aa.wikipedia.org'; \$wgScriptPath = '/w'; \$wgArticlePath = '/wiki/\$1';
\$wgDBtype = 'sqlite'; \$wgDBname = 'aawiki'; \$wgSQLiteDataDir = '$T'; \$wgDBprefix = '';
\$wgLanguageCode = 'aa'; \$wgCacheDirectory = false; \$wgMainCacheType = CACHE_NONE;
\$wgLocalisationCacheConf['store'] = 'array'; \$wgShowExceptionDetails = true;
\$wgJobRunRate = 0; \$wgSecretKey = 'dumpworks-test';
\$wgExtraNamespaces[710] = 'TimedText'; \$wgExtraNamespaces[711] = 'TimedText_talk';
\$wgExtraNamespaces[828] = 'Module'; \$wgExtraNamespaces[829] = 'Module_talk';
\$wgExtraNamespaces[1728] = 'Event'; \$wgExtraNamespaces[1729] = 'Event_talk';
PHP
  for mode in "--full" "--current" "--full --stub" "--full --schema-version 0.10" "--full --stub --schema-version 0.10"; do
    name=$(echo "$mode" | tr -d ' -')
    php $MW/maintenance/dumpBackup.php --conf "$T/LocalSettings.php" $mode --quiet --start $START \
      >"mw-$name.xml" 2>"mw-$name.err"
    run_dw aawiki.sqlite "dw-$name.xml" $mode --overwrite
    if cmp -s "mw-$name.xml" "dw-$name.xml"; then
      echo "ok   $mode: identical to dumpBackup.php"
    else
      echo "FAIL $mode: differs from dumpBackup.php:"
      diff "mw-$name.xml" "dw-$name.xml" | head -c 3000 | cat -A | head -30 || true
      fail=1
    fi
  done
  # A revision range (no page range: --start would take precedence).
  php $MW/maintenance/dumpBackup.php --conf "$T/LocalSettings.php" --revrange --revstart 1300 \
    --revend 1330 --quiet >mw-revrange.xml 2>mw-revrange.err
  "$DW_BINARY" export --db "sqlite:$T/aawiki.sqlite" --siteinfo "$SI" --revrange --revstart 1300 \
    --revend 1330 --output file:dw-revrange.xml 2>dw-revrange.err || true
  if cmp -s mw-revrange.xml dw-revrange.xml; then
    echo "ok   --revrange: identical to dumpBackup.php ($(grep -c '<revision>' dw-revrange.xml) revisions)"
  else
    echo "FAIL --revrange differs from dumpBackup.php:"; diff mw-revrange.xml dw-revrange.xml | head -20; fail=1
  fi
else
  echo "NOTE: MediaWiki not installed here; compared nothing against dumpBackup.php"
fi
exit $fail
