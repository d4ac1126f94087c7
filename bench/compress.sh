#!/usr/bin/env bash
# Compressor benchmark: dumpworks' stream layer against the standard tools on one
# big XML file.   bench/compress.sh [XML_FILE] [THREADS]
#
# Without XML_FILE, builds a ~218 MB file by concatenating 60 copies of the
# decompressed reference dump (../shared/data/reference-mw1.39/dumps/
# pages-meta-history.xml.xz). Prints, for each compressor, wall seconds, CPU
# seconds (user+sys), MB/s of input (wall and per CPU second), output size, and
# ratios against the anchor of its format (lbzip2 -n THREADS, pigz, zstd -T0).
# Every output is checked by decompressing it with the standard tool.
set -euo pipefail
here=$(cd "$(dirname "$0")/.." && pwd)
bin=${DW_BINARY:-$here/build/dumpworks}
shared=${DW_SHARED:-$here/../shared}
threads=${2:-$(nproc)}
work=$(mktemp -d "${TMPDIR:-/tmp}/dw-compress-bench.XXXXXX")
trap 'rm -rf "$work"' EXIT

xml=${1:-}
if [[ -z $xml ]]; then
  src=$shared/data/reference-mw1.39/dumps/pages-meta-history.xml.xz
  [[ -f $src ]] || { echo "no input: give an XML file or provide $src" >&2; exit 1; }
  xz -dc "$src" > "$work/one.xml"
  for _ in $(seq 60); do cat "$work/one.xml"; done > "$work/in.xml"
  rm "$work/one.xml"
  xml=$work/in.xml
fi
size=$(stat -c %s "$xml")
cat "$xml" > /dev/null  # warm the page cache
echo "input: $xml, $size bytes; threads: $threads; $(nproc) cores; load: $(cut -d' ' -f1-3 /proc/loadavg)"
printf '%-28s %8s %8s %9s %9s %11s %7s\n' compressor wall_s cpu_s MB/s_wall MB/s_cpu out_bytes ratio

declare -A wall cpu
# run NAME OUT CHECK_CMD COMMAND...: times COMMAND (stdout to OUT), then verifies.
run() {
  local name=$1 out=$2 check=$3; shift 3
  local TIMEFORMAT='%R %U %S' timing w c
  timing=$( { time "$@" > "$out" 2>/dev/null; } 2>&1 )
  w=$(echo "$timing" | awk '{print $1}')
  c=$(echo "$timing" | awk '{print $2 + $3}')
  wall[$name]=$w; cpu[$name]=$c
  local osz; osz=$(stat -c %s "$out")
  $check "$out" | cmp -s - "$xml" || { echo "$name: output does not decompress to the input" >&2; exit 1; }
  printf '%-28s %8.2f %8.2f %9.1f %9.1f %11d %7.4f\n' "$name" "$w" "$c" \
    "$(echo "$size / $w / 1000000" | bc -l)" "$(echo "$size / $c / 1000000" | bc -l)" "$osz" \
    "$(echo "$osz / $size" | bc -l)"
  rm -f "$out"
}

ours() {  # ours KIND: dumpworks x-compress to stdout
  "$bin" x-compress -q -t "$threads" -o "$1:-" "$xml"
}
run "bzip2 -9"                "$work/o" "bzip2 -dc"  bzip2 -9 -c "$xml"
run "lbzip2 -9 -n $threads"   "$work/o" "bzip2 -dc"  lbzip2 -9 -n "$threads" -c "$xml"
run "dumpworks bzip2 -t $threads" "$work/o" "bzip2 -dc" ours bzip2
run "gzip -6"                 "$work/o" "gzip -dc"   gzip -6 -c "$xml"
run "pigz -6 -p $threads"     "$work/o" "gzip -dc"   pigz -6 -p "$threads" -c "$xml"
run "dumpworks gzip -t $threads" "$work/o" "gzip -dc" ours gzip
run "zstd -3 -T0"             "$work/o" "zstd -dc"   zstd -q -3 -T0 -c "$xml"
run "dumpworks zstd -t $threads" "$work/o" "zstd -dc" ours zstd

ratio() { echo "$1 / $2" | bc -l | xargs printf '%.2f'; }
echo
echo "throughput ratios (ours / anchor; >1 is faster), wall and per CPU second:"
echo "  bzip2 vs lbzip2 -n $threads: wall $(ratio "${wall[lbzip2 -9 -n $threads]}" "${wall[dumpworks bzip2 -t $threads]}")  cpu $(ratio "${cpu[lbzip2 -9 -n $threads]}" "${cpu[dumpworks bzip2 -t $threads]}")"
echo "  bzip2 vs bzip2 -9:        wall $(ratio "${wall[bzip2 -9]}" "${wall[dumpworks bzip2 -t $threads]}")  cpu $(ratio "${cpu[bzip2 -9]}" "${cpu[dumpworks bzip2 -t $threads]}")"
echo "  gzip  vs pigz -p $threads:     wall $(ratio "${wall[pigz -6 -p $threads]}" "${wall[dumpworks gzip -t $threads]}")  cpu $(ratio "${cpu[pigz -6 -p $threads]}" "${cpu[dumpworks gzip -t $threads]}")"
echo "  gzip  vs gzip -6:         wall $(ratio "${wall[gzip -6]}" "${wall[dumpworks gzip -t $threads]}")  cpu $(ratio "${cpu[gzip -6]}" "${cpu[dumpworks gzip -t $threads]}")"
echo "  zstd  vs zstd -T0:        wall $(ratio "${wall[zstd -3 -T0]}" "${wall[dumpworks zstd -t $threads]}")  cpu $(ratio "${cpu[zstd -3 -T0]}" "${cpu[dumpworks zstd -t $threads]}")"
