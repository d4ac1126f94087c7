# Shared by the tests/dump scripts: temp dir, config writer, helpers.
set -euo pipefail
: "${DW_BINARY:?DW_BINARY must point at the dumpworks binary}"
: "${DW_SOURCE_DIR:?}"
SHARED="${DW_SHARED:-$DW_SOURCE_DIR/../shared}"
T=$(mktemp -d /tmp/dw-dumptest.XXXXXX)
trap 'rm -rf "$T"' EXIT
fail() { echo "FAIL: $*" >&2; exit 1; }

# write_config FILE WIKI DBURL SITEINFO [extra INI lines...]
write_config() {
  local file=$1 wiki=$2 db=$3 si=$4
  shift 4
  {
    echo "[wiki]"
    echo "dblist = $T/all.dblist"
    echo "[output]"
    echo "public = $T/public"
    echo "private = $T/private"
    echo "temp = $T/temp"
    for line in "$@"; do echo "$line"; done
    echo "[$wiki]"
    echo "db = $db"
    if [ -n "$si" ]; then echo "siteinfo = $si"; fi
  } >"$file"
}

# Checks every compressed file of a run dir with the reference tools.
check_with_reference_tools() {
  local dir=$1 n=0
  for f in "$dir"/*.bz2; do [ -e "$f" ] || continue; bzip2 -t "$f" || fail "bzip2 -t $f"; n=$((n+1)); done
  for f in "$dir"/*.gz; do [ -e "$f" ] || continue; gzip -t "$f" || fail "gzip -t $f"; n=$((n+1)); done
  for f in "$dir"/*.7z; do [ -e "$f" ] || continue; 7za t "$f" >/dev/null || fail "7za t $f"; n=$((n+1)); done
  echo "$n compressed files pass bzip2 -t / gzip -t / 7za t"
}

# Content files (not the status documents) of a run dir: "sha1  name" lines.
content_digests() {
  (cd "$1" && for f in *-[0-9]*-*; do
     case "$f" in *sums.*) continue ;; esac
     echo "$(sha1sum <"$f" | cut -d' ' -f1)  $f"
   done)
}
