#!/usr/bin/env bash
# Fixture: builds the MediaWiki 1.39 wiki DW_CONF_WIKI (see lib.sh) with
# tests/harness/mediawiki.sh (install.php, prepare, importDump.php), then writes
# MediaWiki's own dumps of it to $W/oracle/ and its api.php siteinfo to
# $W/siteinfo.json. Reused while the harness, the input and the generator are
# unchanged (stamp file), so later ctest runs skip the slow import.
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
need_tools
mkdir -p "$CONF"
T=$(mktemp -d "$CONF/.tmp.$WIKI.XXXXXX")
trap 'rm -rf "$T"' EXIT

# The input, and a stamp of everything the build depends on.
case $KIND in
sample) cp "$SHARED/data/aawiki-20260101-pages-meta-history.xml.bz2" "$T/input.xml.bz2"
        bzip2 -d "$T/input.xml.bz2" ;;
gen) "$DW_BINARY" generate -q "${GEN_ARGS[@]}" --out "$T/input.xml" --siteinfo-out "$T/input-siteinfo.json" ;;
*) say "unknown kind $KIND"; exit 2 ;;
esac
stamp=$(cat "$T/input.xml" "$DW_SOURCE_DIR"/tests/harness/mediawiki.sh "$DW_SOURCE_DIR"/tests/harness/*.php \
  "$DW_SOURCE_DIR"/tests/conformance/build_wiki.sh "$DW_SOURCE_DIR"/tests/conformance/lib.sh | sha256sum | cut -c1-16)
if [[ -f $W/.conformance-stamp && $(cat "$W/.conformance-stamp") == "$stamp" ]]; then
  say "reusing $W (built $(cat "$MWD/.built"))"
  exit 0
fi
[[ -d $W ]] && { bash "$HARNESS" stop "$MWD" 2>/dev/null || true; rm -rf "$W"; }
mkdir -p "$W"
mv "$T/input.xml" "$W/input.xml"
[[ -f $T/input-siteinfo.json ]] && mv "$T/input-siteinfo.json" "$W/input-siteinfo.json"

t0=$SECONDS
DW_MW_FORCE=1 bash "$HARNESS" build "$MWD" "$BACKEND" "$W/input.xml"
start_wiki_server
bash "$HARNESS" siteinfo "$MWD" >"$W/siteinfo.json"
O=$W/oracle
mkdir -p "$O"
for v in "${VARIANTS[@]}"; do
  name=${v%%|*}
  # shellcheck disable=SC2086
  bash "$HARNESS" dump "$MWD" ${v#*|} >"$O/$name.xml" 2>"$O/$name.err"
done
bash "$HARNESS" dump "$MWD" "${STUBS3[@]//@/$O}" 2>"$O/stubs3.err"
for v in "${TWOPASS[@]}"; do
  IFS='|' read -r name stub opts <<<"$v"
  # shellcheck disable=SC2086
  bash "$HARNESS" textpass "$MWD" --stub="file:$O/$stub" $opts >"$O/$name.xml" 2>"$O/$name.err"
done
# Sanity of the oracle itself (reference-mw1.39 README): the 3-way stubs equal
# the single-output stubs; every file is well-formed XML.
cmp -s "$O/stub-meta-history.xml" "$O/stub-full.xml" || { say "oracle: 3-way stub-meta-history != --full --stub"; exit 1; }
cmp -s "$O/stub-meta-current.xml" "$O/stub-current.xml" || { say "oracle: 3-way stub-meta-current != --current --stub"; exit 1; }
for f in "$O"/*.xml; do xmllint --noout "$f" || { say "oracle: $f is not well-formed"; exit 1; }; done
# The harness itself: on the sample it must reproduce the published reference
# dumps (data/reference-mw1.39) byte for byte, the log dump apart from its two
# <timestamp>s (the time this wiki was built).
if [[ $KIND == sample && -d $SHARED/data/reference-mw1.39/dumps ]]; then
  R=$SHARED/data/reference-mw1.39/dumps
  for pair in full:pages-meta-history current:pages-meta-current articles:pages-articles \
    stub-full:stub-full stub-current:stub-current stub-meta-history:stub-meta-history \
    stub-meta-current:stub-meta-current stub-articles:stub-articles \
    history.2pass:pages-meta-history.2pass current.2pass:pages-meta-current.2pass \
    articles.2pass:pages-articles.2pass; do
    xz -dc "$R/${pair#*:}.xml.xz" | cmp -s - "$O/${pair%%:*}.xml" ||
      { say "harness does not reproduce reference ${pair#*:}.xml"; exit 1; }
  done
  mask_ts() { sed -E 's#<timestamp>[^<]*</timestamp>#<timestamp>T</timestamp>#' "$@"; }
  cmp -s <(xz -dc "$R/pages-logging.xml.xz" | mask_ts) <(mask_ts "$O/logs.xml") ||
    { say "harness does not reproduce reference pages-logging.xml (timestamps aside)"; exit 1; }
  say "harness reproduces the 12 reference dumps"
fi
# The generator's promise: importDump.php accepts its output, and MediaWiki's
# two-pass re-dump gives it back byte for byte once importDump.php's renumbering
# (<id>, <parentid>, <origin>) is masked.
if [[ $KIND == gen ]]; then
  mask_ids() { sed -E 's#<(id|parentid|origin)>[0-9]+</#<\1>N</#' "$1"; }
  cmp -s <(mask_ids "$W/input.xml") <(mask_ids "$O/history.2pass.xml") ||
    { say "importDump.php + dumpTextPass.php do not give back the generated wiki (ids aside)"; exit 1; }
  say "importDump.php round trip of the generated wiki: identical (ids aside)"
fi
echo "$stamp" >"$W/.conformance-stamp"
say "built $W and its oracle dumps in $((SECONDS - t0))s"
