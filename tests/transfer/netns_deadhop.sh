#!/usr/bin/env bash
# A chain of 3 targets (t1 -> t2 -> t3) whose middle hop is dead before the
# first byte moves: its link down, its ssh refusing, its preflight failing, or
# its port unreachable from the hop before it. Each time the other two get
# verified copies (t1 relays straight to t3), the exit status is 1, the summary
# line of the middle target says FAILED and why, the manifest kept with the
# transfer's log matches sha256sum of both copies, and nothing is left behind.
source "$(dirname "$0")/lib.sh"
ns_setup 4
SRC=$T/src
mkdir -p "$SRC/db/sub" "$T/t2" "$T/t3" "$T/t4"
head -c 5000000 /dev/urandom >"$SRC/db/ibdata1"
(yes "a compressible row" || true) | head -c 3000000 >"$SRC/db/sub/page.ibd"
echo small >"$SRC/db/sub/small"
DATA=$SUBNET.1:$SRC/db

# check_run NAME OUT_FILE RC PATTERN: t2 and t4 have verified copies, t3 failed
# with PATTERN in its summary line, and the manifest matches the copies.
check_run() {
  local name=$1 out=$2 rc=$3 pattern=$4
  [[ $rc == 1 ]] || { cat "$out"; fail "$name: exit $rc, expected 1"; }
  grep -q "transfer to $SUBNET.2:$T/t2: OK" "$out" || { cat "$out"; fail "$name: t1 not OK"; }
  grep -q "transfer to $SUBNET.4:$T/t4: OK" "$out" || { cat "$out"; fail "$name: t3 not OK"; }
  grep -q "transfer to $SUBNET.3:$T/t3: FAILED: .*$pattern" "$out" ||
    { cat "$out"; fail "$name: no FAILED line naming the dead hop ($pattern)"; }
  grep -q "relaying to $SUBNET.4" "$out" || { cat "$out"; fail "$name: t1 did not relay to t3"; }
  local man
  man=$(ls -t "$T"/log/*.sha256 | head -1)
  [[ $(wc -l <"$man") == 3 ]] || { cat "$man"; fail "$name: manifest should list 3 files"; }
  for t in t2 t4; do
    (cd "$T/$t" && sha256sum --quiet -c "$man") || fail "$name: $t does not match the manifest"
    diff <(cd "$T/$t" && find db -type f -print0 | sort -z | xargs -0 sha256sum) <(sort -k2 "$man") ||
      fail "$name: manifest differs from sha256sum of $t"
  done
  [[ -z $(ls -A "$T/t3") ]] || fail "$name: the dead hop's directory is not empty: $(ls -A "$T/t3")"
  no_agents_left
  no_firewall_left 2 3 4
  rm -rf "$T/t2/db" "$T/t4/db"
}

log "middle hop's link down from the start (ssh cannot connect)"
link_down 3
rc=0
dw_transfer -v --digest sha256 --ssh-option ConnectTimeout=3 "$DATA" "$SUBNET.2:$T/t2" \
  "$SUBNET.3:$T/t3" "$SUBNET.4:$T/t4" 2>"$T/out1" || rc=$?
check_run "link down" "$T/out1" $rc "ssh to $SUBNET.3 failed: .*timed out"
link_up 3

log "middle hop's preflight fails (its target directory is missing)"
rmdir "$T/t3"
rc=0
dw_transfer -v --digest sha256 "$DATA" "$SUBNET.2:$T/t2" "$SUBNET.3:$T/t3" "$SUBNET.4:$T/t4" \
  2>"$T/out2" || rc=$?
mkdir "$T/t3"
check_run "preflight" "$T/out2" $rc "target directory $T/t3: No such file or directory"

log "middle hop unreachable from the hop before it (its port dropped for t1 only)"
# Host 3 drops everything from host 2 (t1) to any port but ssh: the orchestrator
# still reaches host 3, but t1 cannot connect to its next hop and routes around it.
in_ns 3 nft -f - <<NFT
table inet dwtest_$ID {
  chain input { type filter hook input priority -10; ip saddr $SUBNET.2 tcp dport != 22 drop; }
}
NFT
rc=0
t0=$(date +%s)
dw_transfer -v --digest sha256 --io-timeout 9 "$DATA" "$SUBNET.2:$T/t2" "$SUBNET.3:$T/t3" \
  "$SUBNET.4:$T/t4" 2>"$T/out3" || rc=$?
in_ns 3 nft delete table inet "dwtest_$ID"
check_run "port unreachable" "$T/out3" $rc "unreachable from $SUBNET.2 (routed around)"
(($(date +%s) - t0 < 60)) || fail "the skipped hop was not stopped early (waited for its accept timeout)"

log "middle hop's ssh refuses connections"
kill "${SSHD_PIDS[1]}"
for _ in $(seq 1 50); do kill -0 "${SSHD_PIDS[1]}" 2>/dev/null || break; sleep 0.1; done
rc=0
dw_transfer -v --digest sha256 "$DATA" "$SUBNET.2:$T/t2" "$SUBNET.3:$T/t3" "$SUBNET.4:$T/t4" \
  2>"$T/out4" || rc=$?
check_run "ssh refused" "$T/out4" $rc "ssh to $SUBNET.3 failed: .*Connection refused"
# The transfer's log holds the agents' lines and the per-target results too.
log_file=$(ls -t "$T"/log/*.log | head -1)
grep -q "relaying to $SUBNET.4" "$log_file" || { cat "$log_file"; fail "agent lines missing from the log"; }
grep -q "# result $SUBNET.3:$T/t3: FAILED" "$log_file" || { cat "$log_file"; fail "no result line in the log"; }
python3 - "${log_file%.log}.manifest.json" "$SUBNET" <<'PY' || fail "manifest JSON"
import json, sys
m = json.load(open(sys.argv[1]))
assert m["algorithm"] == "sha256" and len(m["files"]) == 3, m
ok = {t["target"].split(":")[0]: t["ok"] for t in m["targets"]}
assert ok == {sys.argv[2] + ".2": True, sys.argv[2] + ".3": False, sys.argv[2] + ".4": True}, ok
PY
log "OK"
