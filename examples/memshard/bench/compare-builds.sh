#!/usr/bin/env bash
# compare-builds.sh: is build B cheaper than build A under a memshard load (SET by default)?
#
# On a shared machine a neighbour's load moves every process's CPU per
# request at once (redis-benchmark's own, fixed work, included), so single
# runs of two builds cannot be compared. This runs the same SET load on
# build A and build B alternately, PAIRS times each: a fresh 3-node
# QuorumLog dev cluster, a memshard primary and two replicas, and
# redis-benchmark -c 50 -d 100 -r 1000000 -t set. It samples each process's
# CPU time from /proc over WINDOW seconds after a 3 s warm-up, and prints
# each run and, per build, the medians of SET/s and of each stack's CPU per
# SET divided by redis-benchmark's in the same run.
#
# Usage: compare-builds.sh BIN_DIR_A BIN_DIR_B [PAIRS]   (default 4)
# Env: REQUESTS (default 300000: the load must outlast the window), WINDOW (6),
#      TEST (default set: the redis-benchmark test, e.g. zadd),
#      ARGS_A, ARGS_B: extra memshard flags for each side (the same BIN_DIR
#      twice with ARGS_B="--pipeline 2" compares a flag)
set -euo pipefail
a=${1:?usage: compare-builds.sh BIN_DIR_A BIN_DIR_B [PAIRS]}
b=${2:?usage: compare-builds.sh BIN_DIR_A BIN_DIR_B [PAIRS]}
pairs=${3:-4}
requests=${REQUESTS:-300000}
window=${WINDOW:-6}
test=${TEST:-set}
tck=$(getconf CLK_TCK)
results=$(mktemp /tmp/compare-builds.XXXXXX)
trap 'rm -f "$results"' EXIT

cpu() { awk '{print $14+$15}' "/proc/$1/stat"; }

# one BIN -> "ops log primary replicas bench" (CPU µs per request) on stdout
one() {
  local bin=$1 extra=$2 work pids=() primary="" i o0 o1 t0 t1 bp
  work=$(mktemp -d /tmp/compare-builds-run.XXXXXX)
  # shellcheck disable=SC2317 # called by trap
  stop() { kill "${pids[@]}" 2>/dev/null || true; wait 2>/dev/null || true; rm -rf "$work"; }
  trap stop RETURN
  "$bin/quorumlogd" dev --data-dir "$work/ql" --base-port 7400 --log-level error >/dev/null 2>"$work/ql.log" & pids+=($!)
  local eps=127.0.0.1:7401,127.0.0.1:7402,127.0.0.1:7403
  for _ in $(seq 100); do "$bin/logctl" --endpoints $eps status >/dev/null 2>&1 && break; sleep 0.2; done
  for i in 1 2 3; do
    "$bin/memshard" --id b$i --addr 127.0.0.1:1638$i --log-endpoints $eps --shard bench --log-level warn $extra 2>"$work/m$i.log" & pids+=($!)
  done
  for _ in $(seq 100); do
    for i in 1 2 3; do
      if redis-cli -p 1638$i ROLE 2>/dev/null | head -1 | grep -q master; then primary=$i; fi
    done
    [ -n "$primary" ] && break; sleep 0.2
  done
  [ -n "$primary" ] || { echo "no memshard primary elected" >&2; return 1; }
  redis-benchmark -p 1638$primary -c 50 -n "$requests" -d 100 -r 1000000 -t "$test" -q >/dev/null 2>&1 & bp=$!
  sleep 3
  ops() { redis-cli -p 1638$primary INFO stats | awk -F: '/^total_commands_processed/ {print $2+0}'; }
  local before=() after=() p
  o0=$(ops); t0=$(date +%s.%N); for p in "${pids[@]}" $bp; do before+=("$(cpu $p)"); done
  sleep "$window"
  o1=$(ops); t1=$(date +%s.%N); for p in "${pids[@]}" $bp; do after+=("$(cpu $p || echo x)"); done
  wait $bp || true
  case " ${after[*]} " in *" x "*) echo "the load ended inside the window: raise REQUESTS" >&2; return 1 ;; esac
  python3 - "$primary" "$o0" "$o1" "$t0" "$t1" "$tck" "${before[*]}" "${after[*]}" <<'PY'
import sys
primary, o0, o1, t0, t1, tck = int(sys.argv[1]), int(sys.argv[2]), int(sys.argv[3]), float(sys.argv[4]), float(sys.argv[5]), int(sys.argv[6])
b, a = [int(x) for x in sys.argv[7].split()], [int(x) for x in sys.argv[8].split()]
n = o1 - o0
us = [(y - x) * 1e6 / tck / n for x, y in zip(b, a)]  # log, m1, m2, m3, bench
ms = us[1:4]
print('%.0f %.2f %.2f %.2f %.2f' % (n / (t1 - t0), us[0], ms[primary - 1], sum(ms) - ms[primary - 1], us[4]))
PY
}

printf '%-5s %8s %8s %8s %9s %6s   (CPU µs per request)\n' build req/s log primary replicas bench
for _ in $(seq "$pairs"); do
  for v in A B; do
    bin=$a extra=${ARGS_A:-}; [ $v = B ] && bin=$b extra=${ARGS_B:-}
    line=$(one "$bin" "$extra")
    echo "$v $line" >>"$results"
    echo "$v $line" | awk '{printf "%-5s %8d %8.1f %8.1f %9.1f %6.1f\n", $1, $2, $3, $4, $5, $6}'
  done
done
python3 - "$results" <<'PY'
import sys, statistics as st
rows = {}
for line in open(sys.argv[1]):
    v, ops, log, prim, reps, bench = line.split()
    ops, log, prim, reps, bench = map(float, (ops, log, prim, reps, bench))
    rows.setdefault(v, []).append((ops, log / bench, prim / bench, reps / bench, (log + prim + reps) / bench))
print('medians; CPU per request divided by redis-benchmark\'s in the same run:')
for v in sorted(rows):
    m = [st.median(x) for x in zip(*rows[v])]
    print('%s: req/s %.0f  log %.2f  primary %.2f  replicas %.2f  servers %.2f' % (v, *m))
PY
