# Shared setup for the transfer integration tests: real hosts made of Linux
# network namespaces on a private subnet that exists only inside them.
#
#   ns_setup N          hosts h1..hN: namespace $NS_h<i>, address 10.231.7.<i>, one
#                       bridge in a namespace of its own; sshd in h2..hN with keys
#                       made here; everything removed by the EXIT trap
#   in_ns i CMD...      run CMD in host i
#   dw_ssh_opts         the --ssh-option flags the orchestrator needs
#   link_down i / link_up i   cut / restore host i's link at the bridge
#
# Names are unique per run (pid + random), so tests may run concurrently.
set -euo pipefail

skip() { echo "SKIP: $*" >&2; exit 77; }
fail() { echo "FAIL: $*" >&2; exit 1; }
log() { echo "== $*" >&2; }

[[ $(id -u) == 0 ]] || skip "needs root (network namespaces, sshd)"
for c in ip sshd ssh ssh-keygen nft; do
  command -v "$c" >/dev/null || [[ -x /usr/sbin/$c ]] || skip "needs $c"
done
DW_BINARY=${DW_BINARY:?DW_BINARY not set}
T=$(mktemp -d /tmp/dwtx-test.XXXXXX)
ID=$(printf '%04x%02x' $(($$ % 65536)) $((RANDOM % 256)))
NSBR=dwtx-$ID-br
SUBNET=10.231.7
NHOSTS=0
SSHD_PIDS=()
MOUNTS=()
PRE_CLEANUP=()  # commands (strings) run first by the EXIT trap, e.g. stopping a server

cleanup() {
  local rc=$?
  set +e
  for c in "${PRE_CLEANUP[@]}"; do eval "$c"; done
  for p in "${SSHD_PIDS[@]}"; do kill "$p" 2>/dev/null; done
  # Agents started by this test (unique binary path) must all be gone by now.
  if pgrep -f "$T/dw" >/dev/null; then
    for p in $(pgrep -f "$T/dw"); do
      echo "cleanup: killing leftover agent $p" >&2
      kill -KILL "$p"
    done
  fi
  for m in "${MOUNTS[@]}"; do umount "$m" 2>/dev/null; done
  for i in $(seq 1 "$NHOSTS"); do ip netns del "dwtx-$ID-h$i" 2>/dev/null; done
  ip netns del "$NSBR" 2>/dev/null
  if [[ $rc == 0 ]]; then rm -rf "$T"; else echo "test files kept in $T" >&2; fi
  exit $rc
}
trap cleanup EXIT

ns() { echo "dwtx-$ID-h$1"; }
in_ns() {
  local i=$1
  shift
  ip netns exec "$(ns "$i")" "$@"
}

ns_setup() {
  NHOSTS=$1
  if ! ip netns add "$NSBR" 2>/dev/null; then skip "cannot create network namespaces here"; fi
  ip -n "$NSBR" link add br0 type bridge
  ip -n "$NSBR" link set br0 up
  for i in $(seq 1 "$NHOSTS"); do
    ip netns add "$(ns "$i")"
    ip -n "$(ns "$i")" link set lo up
    ip -n "$(ns "$i")" link add eth0 type veth peer name "p$i" netns "$NSBR"
    ip -n "$(ns "$i")" addr add "$SUBNET.$i/24" dev eth0
    ip -n "$(ns "$i")" link set eth0 up
    ip -n "$NSBR" link set "p$i" master br0 up
  done
  # The binary under a path unique to this run: lets the test find its agents.
  cp "$DW_BINARY" "$T/dw"
  DW="$T/dw"
  mkdir -p /run/sshd "$T/ssh"
  ssh-keygen -q -t ed25519 -N '' -f "$T/ssh/id" </dev/null
  ssh-keygen -q -t ed25519 -N '' -f "$T/ssh/host" </dev/null
  cp "$T/ssh/id.pub" "$T/ssh/authorized_keys"
  for i in $(seq 2 "$NHOSTS"); do
    cat >"$T/ssh/sshd_$i" <<CFG
ListenAddress $SUBNET.$i
Port 22
HostKey $T/ssh/host
AuthorizedKeysFile $T/ssh/authorized_keys
PermitRootLogin prohibit-password
PasswordAuthentication no
KbdInteractiveAuthentication no
UsePAM no
StrictModes no
PidFile $T/ssh/sshd_$i.pid
LogLevel ERROR
CFG
    # sshd runs in a mount namespace of its own: the test can mount a small
    # tmpfs there (host_mount), and the login shell's rc file, which may be slow
    # on a developer machine (pyenv), is hidden behind an empty one.
    : >"$T/ssh/empty_rc"
    in_ns "$i" unshare -m --propagation private sh -c \
      "[ -f \"\$HOME/.bashrc\" ] && mount --bind '$T/ssh/empty_rc' \"\$HOME/.bashrc\"; exec /usr/sbin/sshd -f '$T/ssh/sshd_$i' -E '$T/ssh/sshd_$i.log'"
    for _ in $(seq 1 50); do [[ -s $T/ssh/sshd_$i.pid ]] && break; sleep 0.05; done
    SSHD_PIDS+=("$(cat "$T/ssh/sshd_$i.pid")")
  done
  SSH_OPTS=(--ssh-option "IdentityFile=$T/ssh/id" --ssh-option "UserKnownHostsFile=/dev/null"
            --ssh-option "StrictHostKeyChecking=no" --ssh-option "LogLevel=ERROR")
  # Wait until every sshd answers.
  for i in $(seq 2 "$NHOSTS"); do
    for _ in $(seq 1 50); do
      in_ns 1 ssh -o BatchMode=yes -o IdentityFile="$T/ssh/id" -o UserKnownHostsFile=/dev/null \
        -o StrictHostKeyChecking=no -o LogLevel=ERROR "$SUBNET.$i" true 2>/dev/null && break
      sleep 0.1
    done
  done
}

# Runs CMD in the mount namespace of host i's sshd (what its agents see).
host_mount_ns() {
  local i=$1
  shift
  nsenter --target "$(cat "$T/ssh/sshd_$i.pid")" --mount "$@"
}

link_down() { ip -n "$NSBR" link set "p$1" down; }
link_up() { ip -n "$NSBR" link set "p$1" up; }

# Runs the orchestrator on host 1 (the source): dw_transfer [options] SRC TARGET...
# The transfer's log and manifest go to $T/log.
dw_transfer() { in_ns 1 "$DW" transfer --no-progress --log-dir "$T/log" "${SSH_OPTS[@]}" "$@"; }

# sha256 of every file (and symlink target) under a tree, paths relative.
tree_sum() {
  (cd "$1" && find . \( -type f -o -type l \) -print0 | sort -z |
    while IFS= read -r -d '' f; do
      if [[ -L $f ]]; then echo "L $(readlink "$f") $f"; else echo "$(sha256sum <"$f" | cut -c1-64) $f"; fi
    done)
}
# Modes and types of every entry (for metadata checks).
tree_meta() { (cd "$1" && find . -printf '%y %m %p\n' | sort); }

no_agents_left() {
  for _ in $(seq 1 50); do
    pgrep -f "$T/dw transfer-agent" >/dev/null || return 0
    sleep 0.1
  done
  fail "agents still running: $(pgrep -af "$T/dw transfer-agent")"
}
no_firewall_left() {
  local i
  for i in "$@"; do
    if in_ns "$i" nft list tables | grep -q dwtx_; then
      fail "firewall table left on host $i: $(in_ns "$i" nft list tables)"
    fi
  done
}

make_tree() {  # make_tree DIR: files, symlinks, empty dirs, modes, a sparse file
  local d=$1
  mkdir -p "$d/sub/deeper" "$d/empty" "$d/sub/emptytoo"
  head -c 3000000 /dev/urandom >"$d/random.bin"
  (yes "compressible line of a database tablespace" || true) | head -c 4000000 >"$d/text.dat"
  for k in $(seq 1 40); do echo "small $k" >"$d/sub/deeper/f$k"; done
  : >"$d/sub/zero-length"
  ln -s ../random.bin "$d/sub/link-to-file"
  ln -s /nonexistent/dangling "$d/sub/dangling"
  chmod 0640 "$d/sub/deeper/f1"
  chmod 0700 "$d/sub/deeper"
  chmod 0755 "$d/empty"
  truncate -s 20M "$d/sparse.img"
  printf 'middle' | dd of="$d/sparse.img" bs=1 seek=$((8 * 1024 * 1024)) conv=notrunc 2>/dev/null
  touch -d '2001-02-03 04:05:06' "$d/text.dat"
}
