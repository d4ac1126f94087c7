#!/usr/bin/env bash
# Conformance of `dumpworks export` with MediaWiki 1.39 on the wiki DW_CONF_WIKI
# (built, with MediaWiki's own dumps, by build_wiki.sh): every variant must be
# byte-identical to dumpBackup.php / dumpTextPass.php on the same database:
#   --full, --current, articles (--current --filter=notalk --filter=namespace:!NS_USER),
#   --full --stub, --current --stub, --logs, schema 0.10 (full, articles, stubs,
#   logs), the 3-way stub run (three --output with their --filter, one pass),
#   the two-pass form (--form twopass) against dumpTextPass.php (history,
#   current, articles, 0.10), and gzip/bzip2/zstd outputs (decompressed bytes
#   equal; files checked with gzip -t, bzip2 -t, lbzip2 -d, python's bz2, zstd -t).
# No difference is normalised: none is known to be unavoidable.
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
need_tools
[[ -f $W/.conformance-stamp ]] || { say "wiki $W not built (fixture conformance_wiki_$WIKI failed?)"; exit 1; }
start_wiki_server
O=$W/oracle
T=$(mktemp -d "$CONF/.export.$WIKI.XXXXXX")
trap 'rm -rf "$T"; [[ $BACKEND == mariadb ]] && bash "$HARNESS" stop "$MWD"; true' EXIT
DB=$(bash "$HARNESS" db "$MWD")
X=("$DW_BINARY" export -q --db "$DB" --siteinfo "$W/siteinfo.json")

run() {  # run LABEL dumpworks-export-args...: a failed run is a failure, not a skip
  local label=$1
  shift
  if ! "${X[@]}" "$@" 2>"$T/$label.err"; then
    echo "FAIL $label: dumpworks export $* exited non-zero: $(head -c 300 "$T/$label.err")"
    FAILS=$((FAILS + 1))
    return 1
  fi
}

for v in "${VARIANTS[@]}"; do
  name=${v%%|*}
  # shellcheck disable=SC2086
  # The --output comes first: like dumpBackup.php's, a --filter belongs to the
  # --output before it (without one, to an implicit stdout output).
  run "$name" --output="file:$T/$name.xml" ${v#*|} && cmp_files "$T/$name.xml" "$O/$name.xml" "$name"
done
# The 3-way stub run: one pass, three outputs.
if run stubs3 "${STUBS3[@]//@/$T}"; then
  for f in stub-meta-history stub-meta-current stub-articles; do
    cmp_files "$T/$f.xml" "$O/$f.xml" "3-way $f"
  done
fi
# The two-pass byte form, against dumpTextPass.php.
for v in "${TWOPASS[@]}"; do
  IFS='|' read -r name _ opts <<<"$v"
  f=$opts
  [[ $name == articles.2pass ]] && f="$opts --filter=notalk --filter=namespace:!NS_USER"
  # shellcheck disable=SC2086
  run "$name" --output="file:$T/$name.xml" $f --form twopass && cmp_files "$T/$name.xml" "$O/$name.xml" "$name"
done
# The generator's own siteinfo JSON (--siteinfo-out) must describe the wiki as
# MediaWiki's api.php does: the export with it is the same.
if [[ $KIND == gen ]]; then
  if "$DW_BINARY" export -q --db "$DB" --siteinfo "$W/input-siteinfo.json" --full \
    --output="file:$T/full-gensi.xml" 2>"$T/gensi.err"; then
    cmp_files "$T/full-gensi.xml" "$O/full.xml" "full with the generator's siteinfo JSON"
  else
    echo "FAIL full with the generator's siteinfo JSON: $(head -c 300 "$T/gensi.err")"
    FAILS=$((FAILS + 1))
  fi
fi
# Compressed outputs: same bytes once decompressed, and valid for the stock tools.
if run compressed --full --output="gzip:$T/full.xml.gz" --output="bzip2:$T/full.xml.bz2" \
  --output="zstd:$T/full.xml.zst"; then
  gzip -t "$T/full.xml.gz" && echo "ok   gzip -t" || { echo "FAIL gzip -t"; FAILS=$((FAILS + 1)); }
  bzip2 -t "$T/full.xml.bz2" && echo "ok   bzip2 -t" || { echo "FAIL bzip2 -t"; FAILS=$((FAILS + 1)); }
  zstd -tq "$T/full.xml.zst" && echo "ok   zstd -t" || { echo "FAIL zstd -t"; FAILS=$((FAILS + 1)); }
  gzip -dc "$T/full.xml.gz" >"$T/d.gz.xml" && cmp_files "$T/d.gz.xml" "$O/full.xml" "full gzip"
  bzip2 -dc "$T/full.xml.bz2" >"$T/d.bz2.xml" && cmp_files "$T/d.bz2.xml" "$O/full.xml" "full bzip2 (bzip2 -d)"
  if command -v lbzip2 >/dev/null; then
    lbzip2 -dc "$T/full.xml.bz2" >"$T/d.lbz.xml" && cmp_files "$T/d.lbz.xml" "$O/full.xml" "full bzip2 (lbzip2 -d)"
  fi
  python3 -c 'import bz2,sys; sys.stdout.buffer.write(bz2.open(sys.argv[1]).read())' "$T/full.xml.bz2" >"$T/d.py.xml" &&
    cmp_files "$T/d.py.xml" "$O/full.xml" "full bzip2 (python bz2)"
  zstd -dcq "$T/full.xml.zst" >"$T/d.zst.xml" && cmp_files "$T/d.zst.xml" "$O/full.xml" "full zstd"
fi
if run stub-gzip --current --stub --output="gzip:$T/sc.xml.gz"; then
  gzip -dc "$T/sc.xml.gz" >"$T/sc.xml" && cmp_files "$T/sc.xml" "$O/stub-current.xml" "stub-current gzip"
fi
say "$FAILS failure(s)"
exit $((FAILS > 0))
