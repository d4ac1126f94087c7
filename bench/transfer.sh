#!/usr/bin/env bash
# dumpworks transfer vs the pipelines it replaces, between network namespaces.
#
#   DW_BINARY=build/dumpworks bench/transfer.sh [MiB]     (default 2048; run as root)
#
# Dataset: 3 large files (half random, half text: partly compressible, like
# InnoDB tablespaces) + 3000 small files. Hosts: h1 (source) and h2..h4
# (targets) on a bridge, sshd in the targets (lib.sh). For each tool: wall
# time, MB/s (dataset bytes / time) and the ratio to transferpy's pipeline.
# Runs: unlimited link, 1 target; then the source link limited with tc tbf
# (1 Gbit/s, or BENCH_RATE), 1 and 3 targets, chain and fan-out. No timing
# assertions: figures only. BENCH_ONLY=limited runs only the limited rows,
# BENCH_ONLY=dumpworks only dumpworks, BENCH_ONLY=quick dumpworks and tar|nc,
# BENCH_LIMITED=0 no limited rows.
#
# CPU: every process of the benchmark (this shell's children and the targets'
# sshd with the agents it starts) runs in a cpu accounting cgroup made here
# (cgroup v2, else v1 cpuacct); each row reports the CPU seconds all ends used
# and CPU seconds per GB, which a loaded machine inflates far less than the wall
# time. Where no cgroup can be made the CPU columns show "-".
set -euo pipefail
MIB=${1:-2048}
source "$(dirname "$0")/../tests/transfer/lib.sh"
for c in nc pigz openssl rsync tc; do command -v $c >/dev/null || skip "needs $c"; done
ns_setup 4
CG=
if [[ -f /sys/fs/cgroup/cgroup.controllers ]] && mkdir "/sys/fs/cgroup/dwbench-$ID" 2>/dev/null; then
  CG=/sys/fs/cgroup/dwbench-$ID CG_ROOT=/sys/fs/cgroup
elif [[ -d /sys/fs/cgroup/cpuacct ]] && mkdir "/sys/fs/cgroup/cpuacct/dwbench-$ID" 2>/dev/null; then
  CG=/sys/fs/cgroup/cpuacct/dwbench-$ID CG_ROOT=/sys/fs/cgroup/cpuacct
fi
if [[ -n $CG ]]; then
  for p in $$ "${SSHD_PIDS[@]}"; do echo "$p" >"$CG/cgroup.procs"; done
  # Leave and remove the cgroup before lib.sh's cleanup (sshd must be gone first).
  PRE_CLEANUP+=("kill ${SSHD_PIDS[*]} 2>/dev/null; sleep 0.3; echo \$\$ >$CG_ROOT/cgroup.procs; rmdir $CG")
fi
cpu_ns() {  # CPU nanoseconds used so far by the benchmark's processes
  if [[ -z $CG ]]; then echo 0
  elif [[ -f $CG/cpu.stat ]]; then echo $(($(awk '/^usage_usec/ {print $2}' "$CG/cpu.stat") * 1000))
  else cat "$CG/cpuacct.usage"; fi
}
D=$T/data/db
mkdir -p "$D/small"
log "dataset: $MIB MiB"
per=$((MIB / 3))  # MiB per large file
for f in 1 2 3; do
  for _ in $(seq 1 $((per / 64))); do
    head -c $((32 << 20)) /dev/urandom
    (yes "INSERT INTO revision VALUES (1234,'Main_Page',20261122054300,'text');" || true) | head -c $((32 << 20))
  done >"$D/ibdata$f.ibd"
done
head -c $((3000 * 4096)) /dev/urandom | split -b 4096 -a 4 - "$D/small/f"
BYTES=$(du -sb "$D" | cut -f1)
cat "$D"/ibdata* "$D"/small/* >/dev/null  # warm the page cache: measure the transfer, not the disk
PORT=$((20000 + RANDOM % 20000))
RESULTS=()

clean_targets() { for i in 2 3 4; do rm -rf "$T/t$i"; mkdir -p "$T/t$i"; done; }
# run NAME CMD...: times CMD, verifies target 2, records MB/s.
run() {
  local name=$1
  shift
  clean_targets
  local t0 t1 c0 c1
  c0=$(cpu_ns)
  t0=$(date +%s.%N)
  "$@" >/dev/null 2>"$T/bench.err" || { cat "$T/bench.err" >&2; fail "$name failed"; }
  t1=$(date +%s.%N)
  c1=$(cpu_ns)
  [[ $(du -sb "$T/t2/db" | cut -f1) -ge $((BYTES - 100000)) ]] || fail "$name: incomplete copy"
  for i in 3 4; do
    [[ -z $(ls -A "$T/t$i") || $(du -sb "$T/t$i/db" | cut -f1) -ge $((BYTES - 100000)) ]] ||
      fail "$name: incomplete copy on t$i"
  done
  local secs mbs cpu
  secs=$(echo "$t1 - $t0" | bc -l)
  mbs=$(echo "$BYTES / $secs / 1000000" | bc -l)
  cpu=$([[ -n $CG ]] && echo "($c1 - $c0) / 1000000000" | bc -l || echo -)
  printf '%-44s %7.1f s %8.1f MB/s  cpu %s s  load %s\n' "$name" "$secs" "$mbs" \
    "$([[ $cpu == - ]] && echo - || printf %.1f "$cpu")" "$(cut -d' ' -f1 /proc/loadavg)" >&2
  RESULTS+=("$name;$secs;$mbs;$cpu")
}
# A receiver pipeline in host 2 started in the background, then the sender in host 1.
nc_pipe() {  # nc_pipe "SENDER PIPE" "RECEIVER PIPE"
  in_ns 2 bash -c "nc -l -p $PORT | $2" &
  local r=$!
  for _ in $(seq 1 100); do in_ns 2 ss -Hltn | grep -q ":$PORT " && break; sleep 0.02; done
  in_ns 1 bash -c "$1 | nc -q 0 $SUBNET.2 $PORT"
  wait $r
}
PW=$(openssl rand -base64 24)
tp_send="cd $T/data && tar cf - db | pigz -c | openssl enc -chacha20 -pass pass:$PW -bufsize 8 -iter 310000"
tp_recv="openssl enc -d -chacha20 -pass pass:$PW -bufsize 8 -iter 310000 | pigz -c -d | tar xf - -C $T/t2"
transferpy() {
  nc_pipe "$tp_send" "$tp_recv"
  # transferpy's default --checksum: md5 of every file on both ends, compared.
  diff <(cd "$T/data" && find db -type f -exec md5sum {} \; | sort) \
    <(in_ns 2 bash -c "cd $T/t2 && find db -type f -exec md5sum {} \; | sort") >/dev/null
}
RSYNC_SSH="ssh -o IdentityFile=$T/ssh/id -o UserKnownHostsFile=/dev/null -o StrictHostKeyChecking=no -o LogLevel=ERROR"

# DW_BASELINE=path: also run the dumpworks rows with that binary (e.g. the
# previous build), "baseline:" rows, on the same dataset.
if [[ -n ${DW_BASELINE:-} ]]; then cp "$DW_BASELINE" "$T/dw-baseline"; fi
# (A build older than --log-dir is run without it.)
with_baseline() {
  shift  # dw_transfer
  if "$T/dw-baseline" transfer --help 2>&1 | grep -q -- --log-dir; then
    in_ns 1 "$T/dw-baseline" transfer --no-progress --log-dir "$T/log" "${SSH_OPTS[@]}" "$@"
  else
    in_ns 1 "$T/dw-baseline" transfer --no-progress "${SSH_OPTS[@]}" "$@"
  fi
}

# BENCH_ONLY=dumpworks: skip the other tools (to re-measure after a change).
bench_all() {
  if [[ -n ${DW_BASELINE:-} ]]; then
    run "baseline: dumpworks (defaults)" with_baseline dw_transfer "$SUBNET.1:$D" "$SUBNET.2:$T/t2"
    run "baseline: dumpworks --no-compress" with_baseline dw_transfer --no-compress "$SUBNET.1:$D" "$SUBNET.2:$T/t2"
    run "baseline: dumpworks --no-compress --no-encrypt" with_baseline dw_transfer --no-compress --no-encrypt --no-checksum "$SUBNET.1:$D" "$SUBNET.2:$T/t2"
  fi
  run "dumpworks (defaults: zstd+aes-gcm+checksum)" dw_transfer "$SUBNET.1:$D" "$SUBNET.2:$T/t2"
  run "dumpworks --no-compress (aes-gcm, digests)" dw_transfer --no-compress "$SUBNET.1:$D" "$SUBNET.2:$T/t2"
  run "dumpworks --no-compress --no-encrypt" dw_transfer --no-compress --no-encrypt --no-checksum "$SUBNET.1:$D" "$SUBNET.2:$T/t2"
  [[ ${BENCH_ONLY:-} == dumpworks ]] && return
  run "tar|nc" nc_pipe "cd $T/data && tar cf - db" "tar xf - -C $T/t2"
  [[ ${BENCH_ONLY:-} == quick ]] && return  # dumpworks and tar|nc only
  run "tar|pigz|nc" nc_pipe "cd $T/data && tar cf - db | pigz -c" "pigz -c -d | tar xf - -C $T/t2"
  run "tar|zstd -T0|nc" nc_pipe "cd $T/data && tar cf - db | zstd -q -T0 -1" "zstd -q -d | tar xf - -C $T/t2"
  run "transferpy (pigz|openssl chacha20|nc+md5)" transferpy
  run "rsync -a over ssh" in_ns 1 rsync -a -e "$RSYNC_SSH" "$D" "$SUBNET.2:$T/t2/"
}

# BENCH_ONLY=limited: only the limited-link rows (1 target vs 3, chain vs fan-out).
# BENCH_RATE: the source link's tbf rate (default 1gbit).
RATE=${BENCH_RATE:-1gbit}
if [[ ${BENCH_ONLY:-} != limited ]]; then
  log "unlimited link, 1 target"
  bench_all
fi
if [[ ${BENCH_LIMITED:-1} != 0 ]]; then  # BENCH_LIMITED=0: no limited-link rows
  log "source link limited to $RATE (tc tbf)"
  in_ns 1 tc qdisc add dev eth0 root tbf rate "$RATE" burst 1mb latency 50ms
  run "limited: dumpworks, 1 target" dw_transfer "$SUBNET.1:$D" "$SUBNET.2:$T/t2"
  run "limited: dumpworks, 3 targets (chain)" dw_transfer "$SUBNET.1:$D" "$SUBNET.2:$T/t2" "$SUBNET.3:$T/t3" "$SUBNET.4:$T/t4"
  run "limited: dumpworks, 3 targets (fanout)" dw_transfer --topology fanout "$SUBNET.1:$D" "$SUBNET.2:$T/t2" "$SUBNET.3:$T/t3" "$SUBNET.4:$T/t4"
  run "limited: dumpworks --no-compress, 1 target" dw_transfer --no-compress "$SUBNET.1:$D" "$SUBNET.2:$T/t2"
  run "limited: dumpworks --no-compress, 3 targets (chain)" dw_transfer --no-compress "$SUBNET.1:$D" "$SUBNET.2:$T/t2" "$SUBNET.3:$T/t3" "$SUBNET.4:$T/t4"
  run "limited: dumpworks --no-compress, 3 (fanout)" dw_transfer --no-compress --topology fanout "$SUBNET.1:$D" "$SUBNET.2:$T/t2" "$SUBNET.3:$T/t3" "$SUBNET.4:$T/t4"
  [[ -n ${BENCH_ONLY:-} ]] || run "limited: tar|nc" nc_pipe "cd $T/data && tar cf - db" "tar xf - -C $T/t2"
  [[ -n ${BENCH_ONLY:-} ]] || run "limited: transferpy" transferpy
fi

tp= tn=
for r in "${RESULTS[@]}"; do
  [[ $r == "transferpy ("* ]] && tp=$(echo "$r" | cut -d';' -f2)
  [[ $r == "tar|nc;"* ]] && tn=$(echo "$r" | cut -d';' -f2)
done
ratio() { [[ -n $1 ]] && printf %.2f "$(echo "$1 / $2" | bc -l)" || echo -; }
echo
echo "dataset $BYTES bytes ($MIB MiB requested), $(nproc) cores, load $(cut -d' ' -f1-3 /proc/loadavg)"
echo "x transferpy / x tar|nc: that tool's time divided by this row's (higher = faster)"
printf '%-48s %8s %8s %8s %9s %13s %9s\n' tool seconds MB/s "CPU s" "CPU s/GB" "x transferpy" "x tar|nc"
for r in "${RESULTS[@]}"; do
  IFS=';' read -r n s m c <<<"$r"
  printf '%-48s %8.1f %8.1f %8s %9s %13s %9s\n' "$n" "$s" "$m" \
    "$([[ $c == - ]] && echo - || printf %.1f "$c")" \
    "$([[ $c == - ]] && echo - || printf %.2f "$(echo "$c / ($BYTES / 1000000000)" | bc -l)")" \
    "$(ratio "$tp" "$s")" "$(ratio "$tn" "$s")"
done
