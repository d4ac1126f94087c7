# shellcheck shell=bash disable=SC2034
# Shared by the conformance scripts (sourced). A "wiki" is KIND-BACKEND:
#   KIND     sample  the real aawiki sample in ../shared/data (skipped when absent)
#            gen     a wiki from `dumpworks generate` (always available)
#   BACKEND  sqlite | mariadb
# Each wiki is built once per build tree by the fixture test conformance_wiki_*
# (build_wiki.sh) in $DW_BUILD_DIR/conformance/KIND-BACKEND, together with
# MediaWiki's own dumps of it (oracle/); the other scripts only read them.
set -euo pipefail
: "${DW_SOURCE_DIR:?}" "${DW_BUILD_DIR:?}" "${DW_BINARY:?}"
SHARED=${DW_SHARED:-$DW_SOURCE_DIR/../shared}
HARNESS=$DW_SOURCE_DIR/tests/harness/mediawiki.sh
CONF=$DW_BUILD_DIR/conformance
WIKI=${DW_CONF_WIKI:?DW_CONF_WIKI=KIND-BACKEND}
KIND=${WIKI%-*}
BACKEND=${WIKI#*-}
W=$CONF/$WIKI      # input.xml, siteinfo.json, oracle/ (MediaWiki's dumps)
MWD=$W/mw          # the MediaWiki wiki (tests/harness/mediawiki.sh's DIR)
# The generated wiki: small enough for importDump.php (~40 revisions/s) to be
# quick, big enough to have every feature (see testing/generator.h).
GEN_ARGS=(--pages 100 --revisions 500 --seed 20261122)

say() { echo "conformance[$WIKI]: $*" >&2; }
skip() { say "SKIP: $*"; exit 77; }

need_tools() {
  command -v php >/dev/null || skip "php not installed (scripts/install-deps.sh)"
  [[ -f /usr/share/mediawiki/maintenance/dumpBackup.php ]] || skip "MediaWiki not installed (apt-get install mediawiki)"
  if [[ $BACKEND == mariadb ]]; then
    command -v mariadbd >/dev/null || skip "mariadbd not installed (apt-get install mariadb-server)"
  fi
  if [[ $KIND == sample && ! -f $SHARED/data/aawiki-20260101-pages-meta-history.xml.bz2 ]]; then
    skip "no $SHARED/data (the shared sample); the gen-* tests cover a generated wiki"
  fi
}

# Stops the wiki's MariaDB server on exit, if this script started it.
start_wiki_server() {
  if [[ $BACKEND == mariadb ]]; then
    bash "$HARNESS" start "$MWD"
    # shellcheck disable=SC2064
    trap "bash '$HARNESS' stop '$MWD'" EXIT
  fi
}

# The dump variants compared: NAME|dumpBackup.php/dumpworks options (same names).
# 3-way stubs, two-pass and compressed outputs are handled separately.
VARIANTS=(
  "full|--full"
  "current|--current"
  "articles|--current --filter=notalk --filter=namespace:!NS_USER"
  "stub-full|--full --stub"
  "stub-current|--current --stub"
  "logs|--logs"
  "full-0.10|--full --schema-version 0.10"
  "articles-0.10|--current --filter=notalk --filter=namespace:!NS_USER --schema-version 0.10"
  "stub-full-0.10|--full --stub --schema-version 0.10"
  "logs-0.10|--logs --schema-version 0.10"
)
STUBS3=(--full --stub --output=file:@/stub-meta-history.xml --output=file:@/stub-meta-current.xml
  --filter=latest --output=file:@/stub-articles.xml --filter=latest --filter=notalk
  --filter=namespace:!NS_USER)
# NAME|stub it reads|dumpTextPass.php options (dumpworks: --form twopass + the same)
TWOPASS=(
  "history.2pass|stub-meta-history.xml|--full"
  "current.2pass|stub-meta-current.xml|--current"
  "articles.2pass|stub-articles.xml|--current"
  "history-0.10.2pass|stub-full-0.10.xml|--full --schema-version 0.10"
)

# cmp_files GOT WANT LABEL: byte comparison with a short diff on failure.
FAILS=0
# shellcheck source=../harness/compare.sh
. "$DW_SOURCE_DIR/tests/harness/compare.sh"
