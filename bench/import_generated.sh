#!/usr/bin/env bash
# The generated mode of bench/import.sh (see there): N generated revisions,
# dumpworks import of all of them vs importDump.php on the first
# IMPORTDUMP_REVS, SQLite and MariaDB. Prints revisions/s (wall and per CPU
# second, client + server for MariaDB), MB/s of XML, peak RSS and the ratio.
set -euo pipefail
HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
ROOT=$HERE/..
DW=${DW_BINARY:-$ROOT/build/dumpworks}
N=${1:-1000000}
SUBSET=${IMPORTDUMP_REVS:-2000}
BACKENDS=${BACKENDS:-sqlite mariadb}
MW=/usr/share/mediawiki/maintenance
T=$(mktemp -d "${TMPDIR:-/tmp}/dw-bench-import-gen.XXXXXX")
cleanup() {
  bash "$ROOT/tests/harness/mariadb.sh" stop "$T/mariadb" >/dev/null 2>&1 || true
  rm -rf "$T"
}
trap cleanup EXIT
load() { cut -d' ' -f1-3 /proc/loadavg; }

echo "machine: $(nproc) cores, $(uname -r); load: $(load)"
pages=$(( N / 20 > 0 ? N / 20 : 1 ))
"$DW" generate -q --revisions "$N" --pages "$pages" --dbname genwiki --out "$T/gen.xml"
bytes=$(stat -c %s "$T/gen.xml")
# The first SUBSET revisions, cut at a page boundary, for importDump.php.
python3 - "$T/gen.xml" "$SUBSET" > "$T/sub.xml" <<'PY'
import sys
want = int(sys.argv[2]); revs = 0
with open(sys.argv[1], encoding="utf-8") as f:
    for line in f:
        sys.stdout.write(line)
        if "<revision>" in line: revs += 1
        if "</page>" in line and revs >= want: break
sys.stdout.write("</mediawiki>\n")
PY
sub_revs=$(grep -c '<revision>' "$T/sub.xml")
sub_bytes=$(stat -c %s "$T/sub.xml")
echo "input: $N revisions, $pages pages, $((bytes / 1000000)) MB XML; importDump.php: first $sub_revs revisions ($((sub_bytes / 1000000)) MB)"
sed -n '1,/<\/siteinfo>/p' "$T/gen.xml" > "$T/head.xml"; echo '</mediawiki>' >> "$T/head.xml"

results=()
server_cpu() { awk '{print ($14+$15)/100}' "/proc/$(cat "$T/mariadb/mysqld.pid")/stat"; }
# run NAME REVS BYTES DBKIND CMD... : times CMD, appends a result line.
run() {
  local name=$1 revs=$2 bytes=$3 kind=$4; shift 4
  local s0=0 s1=0
  [[ $kind == mariadb ]] && s0=$(server_cpu)
  local l; l=$(load)
  /usr/bin/time -f "%e %U %S %M" -o "$T/time" "$@" > "$T/out.log" 2>&1 || { tail -5 "$T/out.log"; echo "$name failed"; exit 1; }
  [[ $kind == mariadb ]] && s1=$(server_cpu)
  read -r w u s m < "$T/time"
  results+=("$name $revs $bytes $w $u $s $(python3 -c "print($s1-$s0)") $m ${l%% *}")
}
mdb() { bash "$ROOT/tests/harness/mariadb.sh" client "$T/mariadb" "$@"; }

for b in $BACKENDS; do
  case $b in
  sqlite)
    mkdir -p "$T/dw" "$T/mw"
    run "dumpworks/sqlite" "$N" "$bytes" sqlite "$DW" import -q --db "sqlite:$T/dw/genwiki.sqlite" "$T/gen.xml"
    got=$(sqlite3 "$T/dw/genwiki.sqlite" "select count(*) from revision")
    [[ $got == "$N" ]] || { echo "dumpworks imported $got of $N revisions"; exit 1; }
    rm -f "$T/dw/genwiki.sqlite"*
    "$DW" import -q --db "sqlite:$T/mw/genwiki.sqlite" "$T/head.xml"
    php "$ROOT/tests/import/mw_settings.php" "$T/sub.xml" "sqlite:$T/mw/genwiki.sqlite" "$T/mw/LocalSettings.php"
    run "importDump.php/sqlite" "$sub_revs" "$sub_bytes" sqlite php $MW/importDump.php --conf "$T/mw/LocalSettings.php" "$T/sub.xml"
    got=$(sqlite3 "$T/mw/genwiki.sqlite" "select count(*) from revision")
    [[ $got == "$sub_revs" ]] || { echo "importDump.php imported $got of $sub_revs revisions"; exit 1; }
    ;;
  mariadb)
    bash "$ROOT/tests/harness/mariadb.sh" start "$T/mariadb"
    sock=$T/mariadb/mysqld.sock
    mdb -e "CREATE DATABASE dwwiki; CREATE DATABASE mwwiki"
    run "dumpworks/mariadb" "$N" "$bytes" mariadb "$DW" import -q --db "mariadb://root@localhost/dwwiki?socket=$sock" "$T/gen.xml"
    got=$(mdb -N dwwiki -e "select count(*) from revision")
    [[ $got == "$N" ]] || { echo "dumpworks imported $got of $N revisions"; exit 1; }
    mdb -e "DROP DATABASE dwwiki"
    "$DW" import -q --db "mariadb://root@localhost/mwwiki?socket=$sock" "$T/head.xml"
    mkdir -p "$T/mwm"
    php "$ROOT/tests/import/mw_settings.php" "$T/sub.xml" "mysql:$sock:mwwiki" "$T/mwm/LocalSettings.php"
    run "importDump.php/mariadb" "$sub_revs" "$sub_bytes" mariadb php $MW/importDump.php --conf "$T/mwm/LocalSettings.php" "$T/sub.xml"
    got=$(mdb -N mwwiki -e "select count(*) from revision")
    [[ $got == "$sub_revs" ]] || { echo "importDump.php imported $got of $sub_revs revisions"; exit 1; }
    bash "$ROOT/tests/harness/mariadb.sh" stop "$T/mariadb"
    ;;
  esac
done

cat > "$T/report.py" <<'PY'
import sys
rows = [l.split() for l in sys.stdin if l.strip()]
head = ("", "revisions", "MB", "wall s", "cpu s", "server s", "rev/s wall", "rev/s cpu", "MB/s", "RSS MB", "load")
print(f"{head[0]:24}" + "".join(f"{h:>11}" for h in head[1:]))
by = {}
for name, revs, b, w, u, s, srv, m, load in rows:
    revs, b, w, cpu, srv = int(revs), int(b), float(w), float(u) + float(s), float(srv)
    tot = cpu + srv
    by[name] = (revs / w, revs / tot)
    vals = (revs, f"{b/1e6:.0f}", f"{w:.1f}", f"{cpu:.1f}", f"{srv:.1f}", f"{revs/w:.0f}",
            f"{revs/tot:.0f}", f"{b/1e6/w:.1f}", int(m) // 1024, load)
    print(f"{name:24}" + "".join(f"{v:>11}" for v in vals))
for kind in ("sqlite", "mariadb"):
    d, p = by.get("dumpworks/" + kind), by.get("importDump.php/" + kind)
    if d and p:
        print(f"{kind}: dumpworks {d[0]:.0f} rev/s (all) vs importDump.php {p[0]:.1f} rev/s (its subset): "
              f"{d[0]/p[0]:.0f}x wall, {d[1]/p[1]:.0f}x per CPU second (client + server)")
PY
printf '%s\n' "${results[@]}" | python3 "$T/report.py"
