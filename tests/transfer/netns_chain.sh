#!/usr/bin/env bash
# Chain relay (source -> t1 -> t2 -> t3) on a tbf-limited source link: every
# copy verified, and the source link carries the data about once (not once per
# target); the middle target's agent SIGKILLed mid-transfer -> it fails alone,
# the first and last targets complete, the exit status and summary lines say so.
source "$(dirname "$0")/lib.sh"
command -v tc >/dev/null || [[ -x /usr/sbin/tc ]] || skip "needs tc"
ns_setup 4
SRC=$T/src
mkdir -p "$SRC" "$T/t2" "$T/t3" "$T/t4"
head -c 24000000 /dev/urandom >"$SRC/data.bin"
want=$(sha256sum <"$SRC/data.bin" | cut -c1-64)
# The source's link: 80 Mbit/s (10 MB/s), a token bucket (no netem here).
in_ns 1 tc qdisc add dev eth0 root tbf rate 80mbit burst 64kb latency 100ms
tx_bytes() { in_ns 1 cat /sys/class/net/eth0/statistics/tx_bytes; }

log "3 targets in a chain on a limited source link"
before=$(tx_bytes)
t0=$(date +%s.%N)
dw_transfer -v --no-compress "$SUBNET.1:$SRC/data.bin" "$SUBNET.2:$T/t2" "$SUBNET.3:$T/t3" \
  "$SUBNET.4:$T/t4" 2>"$T/out1" || { cat "$T/out1"; fail "chain transfer"; }
t1=$(date +%s.%N)
sent=$(($(tx_bytes) - before))
for t in t2 t3 t4; do
  [[ $(sha256sum <"$T/$t/data.bin" | cut -c1-64) == "$want" ]] || fail "$t: digest differs"
done
[[ $(grep -c ": OK" "$T/out1") == 3 ]] || { cat "$T/out1"; fail "expected 3 OK lines"; }
grep -q "relaying to $SUBNET.3" "$T/out1" || { cat "$T/out1"; fail "t1 did not relay to t2"; }
grep -q "relaying to $SUBNET.4" "$T/out1" || { cat "$T/out1"; fail "t2 did not relay to t3"; }
# Fan-out would put 3 x 24 MB on the source link; the chain about 1 x.
((sent < 36000000)) || fail "source link carried $sent bytes for 24 MB to 3 targets"
echo "chain of 3: $(echo "$t1 - $t0" | bc) s, source link tx $sent bytes" >&2
no_agents_left
no_firewall_left 2 3 4

log "middle target's agent killed mid-transfer: the others complete"
rm -f "$T"/t*/data.bin
dw_transfer -v --no-compress "$SUBNET.1:$SRC/data.bin" "$SUBNET.2:$T/t2" "$SUBNET.3:$T/t3" \
  "$SUBNET.4:$T/t4" 2>"$T/out2" &
orch=$!
for _ in $(seq 1 200); do
  [[ $(grep -c "relaying to" "$T/out2") == 2 ]] && break
  sleep 0.05
done
sleep 0.7
mid=
for p in $(ip netns pids "$(ns 3)"); do
  if ps -o args= -p "$p" | grep -q "$T/dw transfer-agent"; then mid=$p; fi
done
[[ -n $mid ]] || { cat "$T/out2"; fail "middle agent not found"; }
[[ ! -e $T/t2/data.bin ]] || fail "the transfer ended before the kill (too fast to test)"
kill -KILL "$mid"
rc=0
wait $orch || rc=$?
[[ $rc == 1 ]] || { cat "$T/out2"; fail "exit $rc, expected 1 (one target failed)"; }
grep -q "transfer to $SUBNET.2:$T/t2: OK" "$T/out2" || { cat "$T/out2"; fail "t1 not OK"; }
grep -q "transfer to $SUBNET.3:$T/t3: FAILED" "$T/out2" || { cat "$T/out2"; fail "t2 not FAILED"; }
grep -q "transfer to $SUBNET.4:$T/t4: OK" "$T/out2" || { cat "$T/out2"; fail "t3 not OK"; }
for t in t2 t4; do
  [[ $(sha256sum <"$T/$t/data.bin" | cut -c1-64) == "$want" ]] || fail "$t: digest differs"
done
[[ ! -e $T/t3/data.bin ]] || fail "the killed target has a copy"
no_agents_left
no_firewall_left 2 4
log "OK"
