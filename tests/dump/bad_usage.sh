#!/bin/bash
# Mistakes a user can make get one clear line naming the thing, a non-zero
# exit, and nothing written.
source "$(dirname "$0")/common.sh"
expect() { # expect CODE PATTERN -- command...
  local code=$1 pat=$2
  shift 3
  set +e
  "$@" >"$T/out" 2>"$T/err"
  local rc=$?
  set -e
  [ $rc -eq "$code" ] || fail "exit $rc (want $code) for: $* : $(cat "$T/err")"
  [ "$(wc -l <"$T/err")" -eq 1 ] || fail "want one line for: $* : $(cat "$T/err")"
  grep -q -- "$pat" "$T/err" || fail "message '$(cat "$T/err")' lacks '$pat'"
}
write_config "$T/a.conf" fakewiki "sqlite:$T/nonexistent.sqlite" ""
expect 2 "$T/nope.conf" -- "$DW_BINARY" dump --config "$T/nope.conf" fakewiki
expect 2 "no section \[big\]" -- "$DW_BINARY" dump --config "$T/a.conf:big" fakewiki
expect 2 "no wiki given" -- "$DW_BINARY" dump --config "$T/a.conf"
expect 2 "expected YYYYMMDD" -- "$DW_BINARY" dump --config "$T/a.conf" --date 2026-12-01 --synthetic-wiki 5:1 fakewiki
expect 2 "\-\-job nosuch: no such job" -- "$DW_BINARY" dump --config "$T/a.conf" --job nosuch --synthetic-wiki 5:1 fakewiki
expect 1 "nonexistent.sqlite" -- "$DW_BINARY" dump --config "$T/a.conf" fakewiki
expect 2 "no database for wiki 'otherwiki'" -- "$DW_BINARY" dump --config "$T/a.conf" otherwiki
printf '[chunks]\nrevsPerJob = lots\n' >>"$T/a.conf"
expect 2 "\[chunks\] revsPerJob: not an integer: 'lots'" -- "$DW_BINARY" dump --config "$T/a.conf" fakewiki
[ -e "$T/public" ] && fail "something was written: $(find "$T/public")"
expect 1 "no such file or run directory" -- "$DW_BINARY" verify "$T/nothing-here"
"$DW_BINARY" dump --list-jobs | grep -q '^metahistorybz2dump ' || fail "--list-jobs"
echo "bad usage: one line each, nothing written"
