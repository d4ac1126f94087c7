#!/bin/bash
# A full disk (a small tmpfs): the job fails, nothing partial is published under
# a final name, the run says which job failed; a rerun with space succeeds.
source "$(dirname "$0")/common.sh"
[ "$(id -u)" -eq 0 ] || { echo "needs root to mount a tmpfs: skipped"; exit 77; }
mkdir -p "$T/small"
mount -t tmpfs -o size=1m dwtest-tmpfs "$T/small" 2>/dev/null || { echo "cannot mount tmpfs: skipped"; exit 77; }
trap 'umount "$T/small" 2>/dev/null; rm -rf "$T"' EXIT
write_config "$T/a.conf" fakewiki "sqlite:/nonexistent" "" "[misc]" "skipjobs = metahistory7zdump"
sed -i "s|$T/public|$T/small/public|" "$T/a.conf"
set +e
"$DW_BINARY" dump --synthetic-wiki 2000:4 --config "$T/a.conf" --date 20261201 fakewiki 2>"$T/err"
rc=$?
set -e
[ $rc -ne 0 ] || fail "run on a full disk exited 0"
grep -q "job(s) failed" "$T/err" || fail "no failed-jobs line: $(tail -3 "$T/err")"
grep -q "No space left on device" "$T/err" || fail "the cause is not named: $(tail -3 "$T/err")"
D="$T/small/public/fakewiki/20261201"
ls "$D" | grep '\.inprog$' && fail ".inprog left behind"
for f in "$D"/*.bz2 "$D"/*.gz; do
  [ -e "$f" ] || continue
  case "$f" in *.bz2) bzip2 -t "$f" ;; *.gz) gzip -t "$f" ;; esac || fail "partial file published: $f"
done
mount -o remount,size=64m "$T/small"
"$DW_BINARY" dump -q --synthetic-wiki 2000:4 --config "$T/a.conf" --date 20261201 fakewiki || fail "rerun with space"
[ -e "$D/fakewiki-20261201-pages-meta-history.xml.bz2" ] || fail "history not published after the rerun"
"$DW_BINARY" verify -q "$D" || fail verify
echo "disk full: job failed, nothing partial; rerun with space succeeded"
