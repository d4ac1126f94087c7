#!/bin/bash
# SIGKILL a dump run at many moments, rerun after each kill; the finished run's
# published files (content and checksum files) are byte-identical to an
# uninterrupted run's, nothing temporary is left, and no one edits a file.
source "$(dirname "$0")/common.sh"
command -v 7za >/dev/null || { echo "7za not installed: skipped"; exit 77; }
SIZE=1200:3
extra=("[otherformats]" "multistream = 1" "[chunks]" "chunksEnabled = 1" "pagesPerChunkHistory = 450"
       "checkpointTime = 1" "revsPerJob = 700")
write_config "$T/a.conf" fakewiki "sqlite:/nonexistent" "" "${extra[@]}"
sed -i "s|$T/public|$T/clean/public|; s|$T/private|$T/clean/private|" "$T/a.conf"
start=$(date +%s.%N)
"$DW_BINARY" dump -q --synthetic-wiki $SIZE --config "$T/a.conf" --date 20261201 fakewiki || fail "clean run"
clean_secs=$(echo "$(date +%s.%N) - $start" | bc)
echo "clean run: ${clean_secs}s"
content_digests "$T/clean/public/fakewiki/20261201" >"$T/clean.sums"

write_config "$T/b.conf" fakewiki "sqlite:/nonexistent" "" "${extra[@]}"
kills=0
# Each rerun resumes where the killed one stopped, so short kill delays walk
# the kill point through the whole run (lock, plan, every job, status writes).
for frac in 0.04 0.06 0.08 0.1 0.12 0.15 0.2 0.25 0.3 0.4; do
  delay=$(echo "$clean_secs * $frac" | bc -l)
  "$DW_BINARY" dump -q --synthetic-wiki $SIZE --config "$T/b.conf" --date 20261201 fakewiki \
    >/dev/null 2>&1 &
  pid=$!
  sleep "$delay"
  if kill -KILL $pid 2>/dev/null; then kills=$((kills+1)); fi
  wait $pid 2>/dev/null || true
done
echo "killed $kills runs"
# A killed worker leaves its lock; the rerun sees its pid is dead and takes it.
"$DW_BINARY" dump -q --synthetic-wiki $SIZE --config "$T/b.conf" --date 20261201 fakewiki || fail "resume run"
D="$T/public/fakewiki/20261201"
content_digests "$D" >"$T/resumed.sums"
diff "$T/clean.sums" "$T/resumed.sums" || fail "resumed files differ from the uninterrupted run's"
for h in md5 sha1; do
  cmp "$T/clean/public/fakewiki/20261201/fakewiki-20261201-${h}sums.txt" "$D/fakewiki-20261201-${h}sums.txt" ||
    fail "${h}sums.txt differs"
done
ls "$D" | grep -E '\.inprog$|\.tmp\.' && fail "temporary files left"
[ -e "$T/private/fakewiki/lock_20261201" ] && fail "lock left behind"
grep -q 'status:failed\|status:in-progress\|status:waiting' "$D/dumpruninfo.txt" && fail "not all done: $(cat "$D/dumpruninfo.txt")"
"$DW_BINARY" verify -q "$D" || fail "verify"
echo "after $kills kills: $(wc -l <"$T/clean.sums") files identical to the uninterrupted run"
