#!/bin/bash
# A second worker on the same wiki and date is refused with one line naming the
# lock file and its owner; the first finishes; the lock is removed on exit.
source "$(dirname "$0")/common.sh"
write_config "$T/a.conf" fakewiki "sqlite:/nonexistent" "" "[misc]" "skipjobs = metahistory7zdump"
"$DW_BINARY" dump -q --synthetic-wiki 1500:3 --config "$T/a.conf" --date 20261201 fakewiki &
first=$!
lock="$T/private/fakewiki/lock_20261201"
for i in $(seq 100); do [ -s "$lock" ] && break; sleep 0.05; done
[ -s "$lock" ] || fail "no lock file while the first worker runs"
[ "$(cat "$lock")" = "$(hostname) $first" ] || fail "lock content '$(cat "$lock")' is not 'host pid'"
set +e
"$DW_BINARY" dump --synthetic-wiki 1500:3 --config "$T/a.conf" --date 20261201 fakewiki 2>"$T/err"
rc=$?
set -e
[ $rc -ne 0 ] || fail "the second worker was not refused"
[ "$(wc -l <"$T/err")" -eq 1 ] || fail "expected one line, got: $(cat "$T/err")"
grep -q "$lock: locked by $(hostname) pid $first" "$T/err" || fail "message: $(cat "$T/err")"
echo "refused: $(cat "$T/err")"
wait $first || fail "first worker failed"
[ -e "$lock" ] && fail "lock not removed on exit"
# Another date of the same wiki is not blocked by this one's lock (per-date locks).
echo ok
