#!/usr/bin/env bash
# dumpworks transfer between real hosts (network namespaces, sshd, nftables):
# a file; a tree with symlinks, empty dirs, modes and a sparse file to 3 targets;
# target exists -> refused and untouched; target disk full -> clear error,
# nothing partial (and mid-stream with --resume: the partial copy kept); a rogue connection -> rejected, transfer unaffected.
source "$(dirname "$0")/lib.sh"
ns_setup 4
SRC=$T/src
mkdir -p "$SRC" "$T/t2" "$T/t3" "$T/t4"
make_tree "$SRC/tree"
head -c 6000000 /dev/urandom >"$SRC/single.bin"

log "single file, one target over ssh"
dw_transfer "$SUBNET.1:$SRC/single.bin" "$SUBNET.2:$T/t2" 2>"$T/out1" || { cat "$T/out1"; fail "file transfer"; }
cmp "$SRC/single.bin" "$T/t2/single.bin" || fail "file differs"
grep -q "transfer to $SUBNET.2:$T/t2: OK" "$T/out1" || fail "no OK summary line"
[[ -z $(ls -A "$T/t2" | grep -v '^single.bin$') ]] || fail "leftovers in target dir: $(ls -A "$T/t2")"

log "tree to 3 targets (symlinks, empty dirs, modes, mtimes, sparse)"
dw_transfer "$SUBNET.1:$SRC/tree" "$SUBNET.2:$T/t2" "$SUBNET.3:$T/t3" "$SUBNET.4:$T/t4" 2>"$T/out2" ||
  { cat "$T/out2"; fail "tree transfer"; }
want=$(tree_sum "$SRC/tree")
meta=$(tree_meta "$SRC/tree")
for t in t2 t3 t4; do
  [[ $(tree_sum "$T/$t/tree") == "$want" ]] || fail "$t: contents differ"
  [[ $(tree_meta "$T/$t/tree") == "$meta" ]] || { diff <(echo "$meta") <(tree_meta "$T/$t/tree"); fail "$t: modes/types differ"; }
  [[ $(stat -c %Y "$T/$t/tree/text.dat") == $(stat -c %Y "$SRC/tree/text.dat") ]] || fail "$t: mtime lost"
  used=$(du -k "$T/$t/tree/sparse.img" | cut -f1)
  ((used < 1024)) || fail "$t: sparse file not sparse ($used KiB)"
done
[[ $(grep -c ": OK" "$T/out2") == 3 ]] || fail "expected 3 OK lines"
# The manifest kept with the transfer's log (default digest xxh3): xxh128sum's
# format, one line per regular file, matching every copy.
man=$(ls -t "$T"/log/*.xxh128 | head -1)
[[ $(wc -l <"$man") == $(find "$SRC/tree" -type f | wc -l) ]] || { cat "$man"; fail "manifest: wrong number of files"; }
if command -v xxh128sum >/dev/null; then
  for t in t2 t3 t4; do (cd "$T/$t" && xxh128sum --quiet -c "$man") || fail "$t does not match the manifest"; done
  diff <(cd "$SRC" && find tree -type f -print0 | sort -z | xargs -0 xxh128sum) <(sort -k2 "$man") ||
    fail "manifest differs from xxh128sum of the source"
fi
no_agents_left
no_firewall_left 2 3 4

if command -v iptables >/dev/null; then
  log "--firewall iptables: port opened for the sender only, rules removed after"
  dw_transfer -v --firewall iptables --bwlimit 4M "$SUBNET.1:$SRC/single.bin" "$SUBNET.3:$T/t3" 2>"$T/out_ipt" &
  sub=$!
  for _ in $(seq 1 100); do grep -q "authenticated" "$T/out_ipt" && break; sleep 0.05; done
  rules=$(in_ns 3 iptables -S INPUT)
  wait $sub || { cat "$T/out_ipt"; fail "transfer with --firewall iptables"; }
  grep -q -- "-s $SUBNET.1/32 -p tcp -m tcp --dport .* -j ACCEPT" <<<"$rules" || fail "no ACCEPT rule for the sender: $rules"
  grep -q -- "! -s $SUBNET.1/32 -p tcp -m tcp --dport .* -j DROP" <<<"$rules" || fail "no DROP rule for the others: $rules"
  cmp "$SRC/single.bin" "$T/t3/single.bin" || fail "iptables copy differs"
  [[ $(in_ns 3 iptables -S INPUT | grep -c dport) == 0 ]] || fail "iptables rules left: $(in_ns 3 iptables -S INPUT)"
  rm "$T/t3/single.bin"
fi

log "target exists -> refused and untouched"
before=$(tree_sum "$T/t2/tree")
echo marker >"$T/t2/tree/marker"
if dw_transfer "$SUBNET.1:$SRC/tree" "$SUBNET.2:$T/t2" 2>"$T/out3"; then fail "overwrote an existing target"; fi
grep -q "already exists" "$T/out3" || { cat "$T/out3"; fail "no clear 'already exists' line"; }
[[ -f $T/t2/tree/marker ]] || fail "existing target touched"
rm "$T/t2/tree/marker"
[[ $(tree_sum "$T/t2/tree") == "$before" ]] || fail "existing target modified"

log "one target fails (exists), the others succeed; exit status non-zero"
rm -rf "$T/t3/tree" "$T/t4/tree"
if dw_transfer "$SUBNET.1:$SRC/tree" "$SUBNET.2:$T/t2" "$SUBNET.3:$T/t3" 2>"$T/out4"; then
  fail "exit 0 although one target failed"
fi
grep -q "$SUBNET.2:$T/t2: FAILED" "$T/out4" || { cat "$T/out4"; fail "no FAILED line for t2"; }
grep -q "$SUBNET.3:$T/t3: OK" "$T/out4" || { cat "$T/out4"; fail "t3 should have succeeded"; }
[[ $(tree_sum "$T/t3/tree") == "$want" ]] || fail "t3 contents differ"

log "--force replaces an existing target"
echo stale >"$T/t2/tree/stale"
dw_transfer --force "$SUBNET.1:$SRC/tree" "$SUBNET.2:$T/t2" 2>"$T/out5" || { cat "$T/out5"; fail "--force"; }
[[ ! -e $T/t2/tree/stale ]] || fail "--force kept the old copy"
[[ $(tree_sum "$T/t2/tree") == "$want" ]] || fail "--force copy differs"

log "target disk full -> clear error, nothing partial"
mkdir -p "$T/small"
host_mount_ns 3 mount -t tmpfs -o size=2m tmpfs "$T/small"  # gone with host 3's sshd
if dw_transfer "$SUBNET.1:$SRC/single.bin" "$SUBNET.3:$T/small" 2>"$T/out6"; then fail "disk full not detected"; fi
grep -q "not enough space in $T/small" "$T/out6" || { cat "$T/out6"; fail "no clear disk-full line"; }
[[ -z $(host_mount_ns 3 ls -A "$T/small") ]] || fail "partial files left: $(host_mount_ns 3 ls -A "$T/small")"

log "target disk full mid-stream (--resume skips the space check) -> clear error, partial kept"
if dw_transfer --resume "$SUBNET.1:$SRC/single.bin" "$SUBNET.3:$T/small" 2>"$T/out7"; then fail "ENOSPC not detected"; fi
grep -q "transfer to $SUBNET.3:$T/small: FAILED: .*No space left on device" "$T/out7" ||
  { cat "$T/out7"; fail "no clear disk-full summary line"; }
host_mount_ns 3 test ! -e "$T/small/single.bin" || fail "a partial copy under the final name"
host_mount_ns 3 test -d "$T/small/.single.bin.dwtx-partial" || fail "partial copy not kept for --resume"
no_agents_left

log "rogue connections -> rejected, transfer unaffected"
rm -rf "$T/t4/tree"
head -c 30000000 /dev/urandom >"$SRC/big.bin"
port=$((20000 + RANDOM % 20000))
dw_transfer -v --port $port --bwlimit 10M "$SUBNET.1:$SRC/big.bin" "$SUBNET.4:$T/t4" 2>"$T/out8" &
orch=$!
for _ in $(seq 1 100); do
  grep -q "sender $SUBNET.1 authenticated" "$T/out8" && break
  sleep 0.05
done
sleep 0.5
# From another host: the firewall drops it.
if in_ns 3 timeout 2 bash -c "exec 3<>/dev/tcp/$SUBNET.4/$port" 2>/dev/null; then
  fail "the port is open to a host that is not the sender"
fi
# From the sender's address, with garbage instead of the key proof.
in_ns 1 timeout 5 bash -c "exec 3<>/dev/tcp/$SUBNET.4/$port; head -c 72 /dev/urandom >&3; cat <&3 >/dev/null" || true
wait $orch || { cat "$T/out8"; fail "transfer disturbed by a rogue connection"; }
grep -q "rejected connection from $SUBNET.1" "$T/out8" || { cat "$T/out8"; fail "rogue not logged as rejected"; }
cmp "$SRC/big.bin" "$T/t4/big.bin" || fail "big file differs"
no_agents_left
no_firewall_left 2 3 4
log "PASS"
