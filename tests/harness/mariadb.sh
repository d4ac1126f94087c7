#!/usr/bin/env bash
# A private MariaDB server for tests, in a directory of its own, on a unix socket
# (no TCP unless --port is given), stopped by its PID only.
#
#   tests/harness/mariadb.sh start DIR [--port N]   install (first time) and start; waits until ready
#   tests/harness/mariadb.sh stop DIR               TERM to the PID in DIR/mysqld.pid, wait for exit
#   tests/harness/mariadb.sh client DIR [args...]   the stock client as root over the socket
#
# The socket is DIR/mysqld.sock; root authenticates by unix_socket (run as root).
# Scripts that start a server stop it from an EXIT trap.
set -euo pipefail
cmd=${1:?start|stop|client}
dir=${2:?directory}
shift 2
mkdir -p "$dir"
dir=$(cd "$dir" && pwd)
sock=$dir/mysqld.sock
pidf=$dir/mysqld.pid

case "$cmd" in
start)
  port=
  if [[ "${1:-}" == "--port" ]]; then port=$2; fi
  if ! command -v mariadbd >/dev/null; then
    echo "mariadb.sh: mariadbd not installed (apt-get install mariadb-server)" >&2
    exit 77
  fi
  # A private tmpdir: the server's temporary tables (big sorts, and the bootstrap of
  # mariadb-install-db) must not live in the shared /tmp, where a server installing
  # at the same time or another test's clean-up can delete them mid-query.
  mkdir -p "$dir/tmp"
  if [[ ! -d $dir/data/mysql ]]; then
    TMPDIR="$dir/tmp" mariadb-install-db --no-defaults --user=root --datadir="$dir/data" \
      --auth-root-authentication-method=socket --skip-test-db >"$dir/install.log" 2>&1 ||
      { cat "$dir/install.log" >&2; exit 1; }
  fi
  net=(--skip-networking)
  if [[ -n $port ]]; then net=(--port="$port" --bind-address=127.0.0.1); fi
  nohup mariadbd --no-defaults --user=root --datadir="$dir/data" --socket="$sock" \
    --tmpdir="$dir/tmp" \
    --pid-file="$pidf" "${net[@]}" --log-error="$dir/error.log" \
    --innodb-buffer-pool-size=256M --innodb-flush-log-at-trx-commit=2 \
    --max-allowed-packet=64M --skip-log-bin >/dev/null 2>&1 &
  # Up to ~2 minutes: InnoDB's start-up on a machine loaded by a parallel test
  # run can take well over the usual second or two (the loop ends at the first ping).
  for _ in $(seq 1 1200); do
    if mariadb-admin --no-defaults --socket="$sock" -uroot ping >/dev/null 2>&1; then exit 0; fi
    sleep 0.1
  done
  echo "mariadb.sh: server in $dir did not start; see $dir/error.log" >&2
  tail -20 "$dir/error.log" >&2 || true
  exit 1
  ;;
stop)
  [[ -f $pidf ]] || exit 0
  pid=$(cat "$pidf")
  kill -TERM "$pid" 2>/dev/null || exit 0
  for _ in $(seq 1 300); do
    kill -0 "$pid" 2>/dev/null || exit 0
    sleep 0.1
  done
  kill -KILL "$pid" 2>/dev/null || true
  ;;
client)
  exec mariadb --no-defaults --socket="$sock" -uroot "$@"
  ;;
*)
  echo "mariadb.sh: unknown command $cmd" >&2
  exit 2
  ;;
esac
