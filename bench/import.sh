#!/usr/bin/env bash
# Import speed: MediaWiki 1.39's importDump.php vs `dumpworks import`, same XML,
# both into a fresh SQLite wiki, one after the other. Prints revisions/s (wall
# and per CPU second), peak RSS and the ratio.
#
#   bench/import.sh [XML] [COPIES]
#
# XML defaults to the shared aawiki sample (1,307 revisions); COPIES > 1 makes a
# bigger file by repeating its pages with new ids (bench/make_big_xml.py) for
# dumpworks; importDump.php always gets the first min(COPIES, IMPORTDUMP_COPIES=1)
# copies, because at its 10-60 revisions/s a bigger file takes hours; rates are
# compared per revision. DW_BINARY defaults to build/dumpworks.
# importDump.php runs as a user would run it (with link updates); set
# IMPORTDUMP_ARGS=--no-updates for its fastest mode.
#
#   bench/import.sh --generate N      (generated mode)
#
# Generates a wiki of N revisions (`dumpworks generate --revisions N --pages
# N/20`), times `dumpworks import` of all of it into a fresh SQLite file and a
# fresh MariaDB database (a private server from tests/harness/mariadb.sh; its
# CPU time is read from /proc), and importDump.php on the first IMPORTDUMP_REVS
# (default 2000) revisions of the same XML (cut at a page boundary) on both,
# since at its 9-60 revisions/s all of it would take days. The ratio is then
# revisions/s against revisions/s, and says so. BACKENDS="sqlite mariadb"
# selects the databases.
set -euo pipefail
HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
ROOT=$HERE/..
DW=${DW_BINARY:-$ROOT/build/dumpworks}
SHARED=${DW_SHARED:-$ROOT/../shared}
if [[ ${1:-} == --generate ]]; then
  exec bash "$HERE/import_generated.sh" "${2:-1000000}"
fi
XML=${1:-$SHARED/data/aawiki-20260101-pages-meta-history.xml.bz2}
COPIES=${2:-1}
MW=/usr/share/mediawiki/maintenance
T=$(mktemp -d "${TMPDIR:-/tmp}/dw-bench-import.XXXXXX")
trap 'rm -rf "$T"' EXIT

case $XML in
*.bz2) bzip2 -dc "$XML" > "$T/base.xml" ;;
*.gz) gzip -dc "$XML" > "$T/base.xml" ;;
*.zst) zstd -q -dc "$XML" > "$T/base.xml" ;;
*) cp "$XML" "$T/base.xml" ;;
esac
if (( COPIES > 1 )); then
  python3 "$HERE/make_big_xml.py" "$T/base.xml" "$COPIES" > "$T/in.xml"
else
  mv "$T/base.xml" "$T/in.xml"; cp "$T/in.xml" "$T/base.xml"
fi
revs=$(grep -c '<revision>' "$T/in.xml")
base_revs=$(grep -c '<revision>' "$T/base.xml")
mb=$(( $(stat -c %s "$T/in.xml") / 1000000 ))

measure() {  # OUT CMD... ; writes "wall user sys maxrss_kb" to OUT
  local out=$1; shift
  /usr/bin/time -f "%e %U %S %M" -o "$out" "$@"
}

echo "machine: $(nproc) cores, $(uname -r); load: $(cut -d' ' -f1-3 /proc/loadavg)"
echo "input: $revs revisions, $mb MB XML (importDump.php: $base_revs revisions)"

mkdir "$T/dw"
measure "$T/dw.time" "$DW" import -q --db "sqlite:$T/dw/aawiki.sqlite" "$T/in.xml"
read -r dw_wall dw_user dw_sys dw_rss < "$T/dw.time"

# importDump.php into a fresh wiki: the schema from `dumpworks import` of the
# dump's header alone (the same DDL install.php runs), settings from the siteinfo.
mkdir "$T/mw"
sed -n '1,/<\/siteinfo>/p' "$T/base.xml" > "$T/head.xml"; echo '</mediawiki>' >> "$T/head.xml"
"$DW" import -q --db "sqlite:$T/mw/aawiki.sqlite" "$T/head.xml"
php "$ROOT/tests/import/mw_settings.php" "$T/base.xml" "sqlite:$T/mw/aawiki.sqlite" "$T/mw/LocalSettings.php"
measure "$T/mw.time" php $MW/importDump.php --conf "$T/mw/LocalSettings.php" ${IMPORTDUMP_ARGS:-} "$T/base.xml" > "$T/mw.log" 2>&1 \
  || { tail -5 "$T/mw.log"; echo "importDump.php failed"; exit 1; }
read -r mw_wall mw_user mw_sys mw_rss < "$T/mw.time"
got=$(sqlite3 "$T/mw/aawiki.sqlite" "select count(*) from revision")
[[ $got == "$base_revs" ]] || { echo "importDump.php imported $got of $base_revs revisions"; exit 1; }
got=$(sqlite3 "$T/dw/aawiki.sqlite" "select count(*) from revision")
[[ $got == "$revs" ]] || { echo "dumpworks imported $got of $revs revisions"; exit 1; }

python3 - "$revs" "$dw_wall" "$dw_user" "$dw_sys" "$dw_rss" "$base_revs" "$mw_wall" "$mw_user" "$mw_sys" "$mw_rss" <<'PY'
import sys
r, dw_w, dw_u, dw_s, dw_m, br, mw_w, mw_u, mw_s, mw_m = sys.argv[1:]
r, br = int(r), int(br)
dw_w, dw_c = float(dw_w), float(dw_u) + float(dw_s)
mw_w, mw_c = float(mw_w), float(mw_u) + float(mw_s)
print(f"{'':22}{'revisions':>10}{'wall s':>9}{'cpu s':>8}{'rev/s wall':>12}{'rev/s cpu':>11}{'peak RSS':>10}")
print(f"{'importDump.php':22}{br:>10}{mw_w:>9.2f}{mw_c:>8.2f}{br/mw_w:>12.0f}{br/mw_c:>11.0f}{int(mw_m)//1024:>7} MB")
print(f"{'dumpworks import':22}{r:>10}{dw_w:>9.2f}{dw_c:>8.2f}{r/dw_w:>12.0f}{r/dw_c:>11.0f}{int(dw_m)//1024:>7} MB")
print(f"ratio (rev/s): {(r/dw_w)/(br/mw_w):.0f}x wall, {(r/dw_c)/(br/mw_c):.0f}x cpu")
PY
