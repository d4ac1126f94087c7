#!/usr/bin/env bash
# Reverse conformance without ../shared: a wiki from the repo's own generator
# (`dumpworks generate`: namespaces, redirects, IPs and users, minor edits,
# reverts that share content rows, Scribunto/javascript/json models, non-ASCII)
# imported into a fresh SQLite database must come back BYTE FOR BYTE from
# MediaWiki 1.39's dumpBackup.php --stub + dumpTextPass.php (the generator writes
# the two-pass form and MediaWiki's own generator line).
set -euo pipefail
command -v php >/dev/null || { echo "skip: php not installed"; exit 77; }
MW=/usr/share/mediawiki/maintenance
[[ -f $MW/dumpBackup.php ]] || { echo "skip: MediaWiki not installed (apt-get install mediawiki)"; exit 77; }
php -r 'exit(extension_loaded("pdo_sqlite") ? 0 : 1);' || { echo "skip: php-sqlite3 missing"; exit 77; }
HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
T=$(mktemp -d "${TMPDIR:-/tmp}/dw-import-gen.XXXXXX")
trap 'rm -rf "$T"' EXIT
fail() { echo "FAIL: $*" >&2; exit 1; }

"$DW_BINARY" generate -q --pages 200 --revisions 2000 --seed 7 --out "$T/gen.xml.zst"
mkdir "$T/wiki"
"$DW_BINARY" import -q --db "sqlite:$T/wiki/genwiki.sqlite" "$T/gen.xml.zst" || fail "import"
zstd -q -dc "$T/gen.xml.zst" > "$T/gen.xml"
php "$HERE/mw_settings.php" "$T/gen.xml" "sqlite:$T/wiki/genwiki.sqlite" "$T/wiki/LocalSettings.php"
C=$T/wiki/LocalSettings.php
php $MW/dumpBackup.php --conf "$C" --full --stub --quiet > "$T/stub.xml" 2>"$T/stub.err" || fail "dumpBackup.php: $(tail -3 "$T/stub.err")"
php $MW/dumpTextPass.php --conf "$C" --stub="file:$T/stub.xml" --full --quiet > "$T/redump.xml" 2>"$T/tp.err" || fail "dumpTextPass.php: $(tail -3 "$T/tp.err")"
if ! cmp -s "$T/gen.xml" "$T/redump.xml"; then
  diff "$T/gen.xml" "$T/redump.xml" | head -20 >&2
  fail "MediaWiki's re-dump differs from the imported XML"
fi
echo "PASS: $(grep -c '<revision>' "$T/gen.xml") revisions, re-dump identical to the input"
