#!/usr/bin/env bash
# Quick start, step 1: install the dependencies, build (Release), generate a
# synthetic wiki, import it into SQLite, export every dump kind, say where it all is.
#
#   scripts/demo.sh [--pages N] [--revisions M] [--seed S] [--no-deps] [--binary PATH]
#
# --binary uses an already built dumpworks (and skips installing and building).
#
# Everything goes to demo/ in the source tree (the demo owns that directory and
# replaces its previous contents):
#   demo/genwiki.xml.bz2        the generated wiki (MediaWiki export XML 0.11)
#   demo/siteinfo.json          its api.php siteinfo
#   demo/wiki.sqlite            `dumpworks import` of it (MediaWiki 1.39 schema)
#   demo/out/                   `dumpworks export` of wiki.sqlite, Wikimedia's file names
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$PWD
pages=2000 revisions=20000 seed=1 deps=1 binary=
while (($#)); do
  case "$1" in
  --pages) pages=$2; shift 2 ;;
  --revisions) revisions=$2; shift 2 ;;
  --seed) seed=$2; shift 2 ;;
  --no-deps) deps=0; shift ;;
  --binary) binary=$(realpath "$2"); deps=0; shift 2 ;;
  -h | --help) sed -n '2,15p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
  *) echo "demo.sh: unknown option $1 (see --help)" >&2; exit 2 ;;
  esac
done

step() { printf '\n== %s\n' "$*"; }
t0=$SECONDS
if ((deps)); then
  step "Installing the build dependencies (scripts/install-deps.sh)"
  scripts/install-deps.sh
fi
if [[ -n $binary ]]; then
  DW=$binary
else
  step "Building (Release) in build-release/"
  scripts/build.sh build-release Release
  DW=$ROOT/build-release/dumpworks
fi

D=$ROOT/demo
OUT=$D/out
rm -rf "$D"
mkdir -p "$OUT"
step "Generating a synthetic wiki: $pages pages, $revisions revisions (seed $seed)"
"$DW" generate --pages "$pages" --revisions "$revisions" --seed "$seed" \
  --out "$D/genwiki.xml.bz2" --siteinfo-out "$D/siteinfo.json"

step "Importing it into SQLite: demo/wiki.sqlite"
"$DW" import --db "sqlite:$D/wiki.sqlite" "$D/genwiki.xml.bz2"

step "Exporting every dump kind to demo/out/"
X=("$DW" export --db "sqlite:$D/wiki.sqlite" --siteinfo "$D/siteinfo.json")
P=$OUT/genwiki-demo
# The stubs job: three outputs in one pass, as Wikimedia runs it.
"${X[@]}" --full --stub \
  --output="gzip:$P-stub-meta-history.xml.gz" \
  --output="gzip:$P-stub-meta-current.xml.gz" --filter=latest \
  --output="gzip:$P-stub-articles.xml.gz" --filter=latest --filter=notalk --filter=namespace:!NS_USER
# Page content in the two-pass form Wikimedia publishes; bzip2 in parallel.
"${X[@]}" --full --form twopass --output="bzip2:$P-pages-meta-history.xml.bz2"
"${X[@]}" --current --form twopass --output="bzip2:$P-pages-meta-current.xml.bz2"
# (A --filter belongs to the --output before it, as with dumpBackup.php.)
"${X[@]}" --current --form twopass --output="bzip2:$P-pages-articles.xml.bz2" \
  --filter=notalk --filter=namespace:!NS_USER
"${X[@]}" --logs --output="gzip:$P-pages-logging.xml.gz"

step "Done in $((SECONDS - t0))s. The files:"
printf '  %s\n' "$D/genwiki.xml.bz2" "$D/siteinfo.json" "$D/wiki.sqlite"
(cd "$OUT" && ls -l --time-style=+ | awk 'NR>1 {printf "  %s/%s  (%s bytes)\n", "'"$OUT"'", $NF, $5}')
echo
echo "Next: scripts/test.sh runs the whole test suite (MediaWiki 1.39 as the oracle)."
