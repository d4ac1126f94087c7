#!/usr/bin/env bash
# Installs what dumpworks needs from Debian 12's packages.
#   scripts/install-deps.sh          build dependencies
#   scripts/install-deps.sh --test   plus everything the test suite and benchmarks run
#                                    (MediaWiki as the oracle, MariaDB, 7zip, Chromium, ...)
# Installs only what is missing; needs root (or sudo).
set -euo pipefail

BUILD_PKGS=(
  build-essential cmake ninja-build pkg-config git
  libsqlite3-dev libmariadb-dev zlib1g-dev libdeflate-dev libbz2-dev libzstd-dev libssl-dev
  libxxhash-dev libcli11-dev libinih-dev nlohmann-json3-dev libfmt-dev libspdlog-dev
  libexpat1-dev libicu-dev libdivsufsort-dev libgtest-dev libgmock-dev libbenchmark-dev
)
TEST_PKGS=(
  # MediaWiki 1.39, the oracle, on SQLite and MariaDB
  mediawiki php-cli php-sqlite3 php-mysql php-xml php-mbstring php-intl php-bz2 php-apcu
  sqlite3 mariadb-server mariadb-client mariadb-backup
  # reference compressors and checkers
  bzip2 lbzip2 gzip pigz xz-utils zstd p7zip-full 7zip libxml2-utils time python3
  # mysqldump / mydumper baselines
  mydumper
  # transfer: hosts as network namespaces, ssh, firewalls, baselines
  iproute2 openssh-server openssh-client nftables iptables rsync netcat-openbsd iperf3 openssl bc
  procps psmisc
  # xxh128sum: checks the transfer manifest written with --digest xxh3
  xxhash
  # index.html in a real browser
  chromium
)

want=("${BUILD_PKGS[@]}")
if [[ "${1:-}" == "--test" ]]; then want+=("${TEST_PKGS[@]}"); fi

missing=()
for p in "${want[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if ((${#missing[@]} == 0)); then
  echo "install-deps: all ${#want[@]} packages present"
  exit 0
fi

SUDO=
if [[ $(id -u) -ne 0 ]]; then SUDO=sudo; fi
# mediawiki pulls in apache2 and mariadb-server a service: keep every service down.
if [[ ! -e /usr/sbin/policy-rc.d ]]; then
  printf '#!/bin/sh\nexit 101\n' | $SUDO tee /usr/sbin/policy-rc.d >/dev/null
  $SUDO chmod +x /usr/sbin/policy-rc.d
fi
echo "install-deps: installing ${missing[*]}"
$SUDO apt-get update -qq
DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
echo "install-deps: done"
