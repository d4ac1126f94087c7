#!/usr/bin/env bash
# bzip2 benchmark: dumpworks' block-parallel bzip2 against lbzip2 on the same
# cores, alternating runs so that a shared machine's load hits both alike.
#   bench/bzip2.sh XML_FILE [THREADS] [ROUNDS] [OTHER_DUMPWORKS_BINARY]
# Prints per run wall, user and sys seconds and peak RSS, then the medians as
# MB/s (wall and per CPU second) and ours/lbzip2 throughput ratios (> 1: ours is
# faster). An optional second dumpworks binary (e.g. an older build) is timed
# too. Every output is checked by decompressing it with lbzip2 -d; dumpworks'
# output must be the same bytes for 1 and THREADS threads.
set -euo pipefail
here=$(cd "$(dirname "$0")/.." && pwd)
bin=${DW_BINARY:-$here/build/dumpworks}
xml=${1:?usage: bench/bzip2.sh XML_FILE [THREADS] [ROUNDS] [OTHER_BINARY]}
threads=${2:-$(nproc)}
rounds=${3:-3}
other=${4:-}
work=$(mktemp -d "${TMPDIR:-/tmp}/dw-bzip2-bench.XXXXXX")
trap 'rm -rf "$work"' EXIT
size=$(stat -c %s "$xml")
cat "$xml" > /dev/null  # warm the page cache
echo "input: $xml, $size bytes; threads: $threads; $(nproc) cores; load before: $(cut -d' ' -f1-3 /proc/loadavg)"

declare -A walls cpus
# one NAME COMMAND...: one timed run (stdout to $work/NAME.bz2), verified.
one() {
  local name=$1; shift
  /usr/bin/time -f '%e %U %S %M' -o "$work/t" "$@" > "$work/$name.bz2"
  read -r w u s rss < "$work/t"
  lbzip2 -dc -n "$threads" "$work/$name.bz2" | cmp -s - "$xml" || { echo "$name: output does not decompress to the input" >&2; exit 1; }
  printf '%-22s wall %7.2f  user %7.2f  sys %5.2f  rss %6d KB  out %d\n' "$name" "$w" "$u" "$s" "$rss" \
    "$(stat -c %s "$work/$name.bz2")"
  walls[$name]+="$w "
  cpus[$name]+="$(echo "$u + $s" | bc -l) "
}
for r in $(seq "$rounds"); do
  one lbzip2 lbzip2 -9 -n "$threads" -c "$xml"
  one dumpworks "$bin" x-compress -q -t "$threads" -o bzip2:- "$xml"
  [[ -n $other ]] && one other "$other" x-compress -q -t "$threads" -o bzip2:- "$xml"
done
"$bin" x-compress -q -t 1 -o bzip2:- "$xml" | cmp -s - "$work/dumpworks.bz2" ||
  { echo "dumpworks: output differs between 1 and $threads threads" >&2; exit 1; }
median() { tr ' ' '\n' | grep . | sort -g | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}'; }
echo "load after: $(cut -d' ' -f1-3 /proc/loadavg)"
echo "medians of $rounds runs:"
for name in lbzip2 dumpworks ${other:+other}; do
  w=$(echo "${walls[$name]}" | median); c=$(echo "${cpus[$name]}" | median)
  printf '  %-10s wall %7.2f s  cpu %7.2f s  %6.1f MB/s wall  %6.1f MB/s per CPU s\n' "$name" "$w" "$c" \
    "$(echo "$size / $w / 1000000" | bc -l)" "$(echo "$size / $c / 1000000" | bc -l)"
done
lw=$(echo "${walls[lbzip2]}" | median); lc=$(echo "${cpus[lbzip2]}" | median)
for name in dumpworks ${other:+other}; do
  w=$(echo "${walls[$name]}" | median); c=$(echo "${cpus[$name]}" | median)
  printf '  %s / lbzip2 -n %s throughput: wall %.2f  per CPU second %.2f\n' "$name" "$threads" \
    "$(echo "$lw / $w" | bc -l)" "$(echo "$lc / $c" | bc -l)"
done
