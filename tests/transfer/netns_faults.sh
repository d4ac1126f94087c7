#!/usr/bin/env bash
# dumpworks transfer under faults, between network namespaces: a byte flipped
# in transit (encrypted and not) -> detected, target not accepted; the sender
# killed with SIGKILL -> receivers exit, firewall rules and partial copies gone;
# the data link cut mid-transfer, then --resume finishes with identical digests.
source "$(dirname "$0")/lib.sh"
command -v python3 >/dev/null || skip "needs python3 (the flipping relay)"
ns_setup 3
SRC=$T/src
mkdir -p "$SRC" "$T/t2" "$T/t3"
head -c 8000000 /dev/urandom >"$SRC/data.bin"

log "a byte flipped in transit -> detected, target not accepted"
port=$((20000 + RANDOM % 20000))
rport=$((port + 1))
in_ns 2 nft -f - <<NFT
table ip dwtx_flip_$ID {
  chain pre { type nat hook prerouting priority dstnat; tcp dport $port redirect to :$rport; }
}
NFT
in_ns 2 python3 "$(dirname "$0")/flip_relay.py" $rport 127.0.0.1 $port 300000 >"$T/relay.log" 2>&1 &
relay=$!
for _ in $(seq 1 50); do grep -q listening "$T/relay.log" && break; sleep 0.05; done
if dw_transfer --firewall none --port $port "$SUBNET.1:$SRC/data.bin" "$SUBNET.2:$T/t2" 2>"$T/out1"; then
  fail "a flipped byte went unnoticed (encrypted)"
fi
grep -q "flipped byte" "$T/relay.log" || fail "the relay did not flip anything"
grep -q "failed authentication" "$T/out1" || { cat "$T/out1"; fail "no authentication failure reported"; }
[[ -z $(ls -A "$T/t2") ]] || fail "target accepted or partial left: $(ls -A "$T/t2")"
if dw_transfer --firewall none --no-encrypt --no-compress --port $port "$SUBNET.1:$SRC/data.bin" \
  "$SUBNET.2:$T/t2" 2>"$T/out2"; then
  fail "a flipped byte went unnoticed (plain)"
fi
grep -q "digest mismatch for data.bin" "$T/out2" || { cat "$T/out2"; fail "no digest mismatch reported"; }
[[ -z $(ls -A "$T/t2") ]] || fail "target accepted or partial left: $(ls -A "$T/t2")"
kill $relay
in_ns 2 nft delete table ip "dwtx_flip_$ID"
no_agents_left

log "sender killed with SIGKILL -> receivers exit, firewall rules gone"
head -c 40000000 /dev/urandom >"$SRC/big.bin"
dw_transfer -v --bwlimit 8M "$SUBNET.1:$SRC/big.bin" "$SUBNET.2:$T/t2" "$SUBNET.3:$T/t3" 2>"$T/out3" &
orch=$!
for _ in $(seq 1 100); do
  [[ $(grep -c "authenticated" "$T/out3") == 2 ]] && break
  sleep 0.05
done
sleep 0.5
src_agent=
for p in $(pgrep -f "$T/dw transfer-agent"); do
  if ps -o args= -p "$(ps -o ppid= -p "$p" | tr -d ' ')" | grep -q "dw transfer "; then src_agent=$p; fi
done
[[ -n $src_agent ]] || fail "source agent not found"
in_ns 2 nft list tables | grep -q dwtx_ || fail "no firewall rule while receiving"
kill -KILL "$src_agent"
if wait $orch; then fail "exit 0 after the sender was killed"; fi
grep -q "FAILED" "$T/out3" || { cat "$T/out3"; fail "no FAILED summary"; }
no_agents_left
no_firewall_left 2 3
[[ -z $(ls -A "$T/t2") && -z $(ls -A "$T/t3") ]] || fail "partial copies left: $(ls -A "$T/t2" "$T/t3")"

log "orchestrator interrupted (SIGINT) -> exit 130, every agent stops, nothing left"
dw_transfer -v --bwlimit 8M "$SUBNET.1:$SRC/big.bin" "$SUBNET.2:$T/t2" "$SUBNET.3:$T/t3" 2>"$T/out6" &
sub=$!
for _ in $(seq 1 100); do
  [[ $(grep -c "authenticated" "$T/out6") == 2 ]] && break
  sleep 0.05
done
orch_pid=$(pgrep -f "$T/dw transfer --no-progress" | head -1)
[[ -n $orch_pid ]] || fail "orchestrator not found"
kill -INT "$orch_pid"
rc=0
wait $sub || rc=$?
[[ $rc == 130 ]] || { cat "$T/out6"; fail "exit status $rc after SIGINT, expected 130"; }
no_agents_left
no_firewall_left 2 3
[[ -z $(ls -A "$T/t2") && -z $(ls -A "$T/t3") ]] || fail "partial copies left after SIGINT: $(ls -A "$T/t2" "$T/t3")"

log "data link cut mid-transfer, then --resume"
make_tree "$SRC/tree"
head -c 30000000 /dev/urandom >"$SRC/tree/sub/big.bin"
port=$((20000 + RANDOM % 20000))
dw_transfer -v --resume --io-timeout 3 --port $port --bwlimit 8M "$SUBNET.1:$SRC/tree" \
  "$SUBNET.2:$T/t2" 2>"$T/out4" &
orch=$!
for _ in $(seq 1 100); do grep -q "authenticated" "$T/out4" && break; sleep 0.05; done
sleep 2.5
in_ns 2 nft -f - <<NFT
table inet dwtx_cut_$ID {
  chain in { type filter hook input priority -10; tcp dport $port drop; }
  chain out { type filter hook output priority -10; tcp sport $port drop; }
}
NFT
if wait $orch; then fail "exit 0 although the link was cut"; fi
in_ns 2 nft delete table inet "dwtx_cut_$ID"
[[ -d $T/t2/.tree.dwtx-partial ]] || { cat "$T/out4"; fail "no partial copy kept for --resume"; }
[[ ! -e $T/t2/tree ]] || fail "an incomplete copy was published"
partial=$(du -sb "$T/t2/.tree.dwtx-partial" | cut -f1)
((partial > 1000000)) || fail "too little was copied before the cut ($partial bytes)"
dw_transfer -v --resume "$SUBNET.1:$SRC/tree" "$SUBNET.2:$T/t2" 2>"$T/out5" || { cat "$T/out5"; fail "--resume"; }
grep -q "files already present" "$T/out5" || { cat "$T/out5"; fail "the resume did not reuse the partial copy"; }
[[ $(tree_sum "$T/t2/tree") == $(tree_sum "$SRC/tree") ]] || fail "resumed copy differs"
[[ $(tree_meta "$T/t2/tree") == $(tree_meta "$SRC/tree") ]] || fail "resumed copy metadata differs"
[[ ! -e $T/t2/.tree.dwtx-partial ]] || fail "staging dir left after a successful resume"
no_agents_left
no_firewall_left 2 3
log "PASS"
