#!/usr/bin/env bash
# Runs the whole test suite: installs what the tests need (Debian packages),
# builds (RelWithDebInfo, and an ASan+UBSan build for the unit tests), runs ctest.
#   scripts/test.sh [ctest args...]      e.g. scripts/test.sh -L unit
# Integration tests that need ../shared (the MediaWiki reference data) or root
# (network namespaces) are skipped, with a message, where those are missing.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/install-deps.sh --test
jobs=$(nproc)

echo "== build (RelWithDebInfo)"
scripts/build.sh build-test RelWithDebInfo -DDW_WERROR=ON
echo "== build (ASan+UBSan, unit tests)"
scripts/build.sh build-asan Debug -DDW_SANITIZE=ON -DDW_BUILD_BENCH=OFF

echo "== unit tests under ASan+UBSan"
(cd build-asan && ASAN_OPTIONS=detect_leaks=1 ctest -L unit -j "$jobs" --output-on-failure "$@")
echo "== all tests"
(cd build-test && ctest -j "$jobs" --output-on-failure "$@")
