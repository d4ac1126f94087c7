# shellcheck shell=bash
# Sourced by test scripts that compare outputs byte for byte and count failures.
#   cmp_files GOT WANT LABEL   prints "ok   LABEL", or "FAIL LABEL" with a short
#                              diff, and counts the failure in $FAILS.
FAILS=${FAILS:-0}
cmp_files() {
  if cmp -s "$1" "$2"; then
    echo "ok   $3"
  else
    echo "FAIL $3: $1 differs from $2"
    diff "$2" "$1" | head -15 | cut -c1-200 || true
    FAILS=$((FAILS + 1))
  fi
}
