#!/usr/bin/env bash
# bench-shard.sh: redis-benchmark against a memshard primary on a fresh
# 3-node QuorumLog dev cluster and, in the same run, against Debian's
# redis-server with appendonly yes + appendfsync always and with persistence
# off. Prints each command's ops/s and p50 for all three, the server-side CPU
# per request (every process of the stack), and the ratios.
# Usage: bench-shard.sh BIN_DIR [REQUESTS [REPLICAS]]   (REPLICAS: 0-2, default 2)
# Env: TESTS, the redis-benchmark tests (default set,get,incr,lpush,hset,zadd)
set -euo pipefail
bin=${1:?usage: bench-shard.sh BIN_DIR [REQUESTS]}
n=${2:-200000}
nodes=$(( ${3:-2} + 1 ))
[ "$nodes" -ge 1 ] && [ "$nodes" -le 3 ] || { echo "REPLICAS must be 0, 1 or 2" >&2; exit 2; }
tests=${TESTS:-set,get,incr,lpush,hset,zadd}
work=$(mktemp -d /tmp/memshard-bench.XXXXXX)
pids=()
cleanup() { kill "${pids[@]}" 2>/dev/null || true; wait 2>/dev/null || true; rm -rf "$work"; }
trap cleanup EXIT

"$bin/quorumlogd" dev --data-dir "$work/ql" --base-port 7400 --log-level error >/dev/null 2>"$work/ql.log" & pids+=($!)
eps=127.0.0.1:7401,127.0.0.1:7402,127.0.0.1:7403
for _ in $(seq 100); do "$bin/logctl" --endpoints $eps status >/dev/null 2>&1 && break; sleep 0.2; done
for i in $(seq $nodes); do
  "$bin/memshard" --id b$i --addr 127.0.0.1:1638$i --log-endpoints $eps --shard bench --log-level warn 2>"$work/m$i.log" & pids+=($!)
done
primary=""
for _ in $(seq 100); do
  for i in $(seq $nodes); do
    if redis-cli -p 1638$i ROLE 2>/dev/null | head -1 | grep -q master; then primary=1638$i; fi
  done
  [ -n "$primary" ] && break; sleep 0.2
done
[ -n "$primary" ] || { echo "no memshard primary elected" >&2; cat "$work"/m*.log >&2; exit 1; }

mkdir -p "$work/aof" "$work/mem"
redis-server --port 16390 --bind 127.0.0.1 --dir "$work/aof" --appendonly yes --appendfsync always --save "" --daemonize no >/dev/null & pids+=($!)
redis-server --port 16391 --bind 127.0.0.1 --dir "$work/mem" --appendonly no --save "" --daemonize no >/dev/null & pids+=($!)
for p in 16390 16391; do for _ in $(seq 50); do redis-cli -p $p PING >/dev/null 2>&1 && break; sleep 0.1; done; done

# cpu PID... -> the processes' CPU time so far, in clock ticks.
cpu() { local t=0 p; for p in "$@"; do t=$((t + $(awk '{print $14+$15}' /proc/$p/stat))); done; echo $t; }
tck=$(getconf CLK_TCK)

run() { # port server-pids... -> "TEST rps p50 cpu-us-per-op" lines (server-side CPU: every process of the stack)
  local port=$1 t c0 c1; shift
  for t in ${tests//,/ }; do
    c0=$(cpu "$@")
    redis-benchmark -p "$port" -c 50 -n "$n" -d 100 -r 1000000 -t "$t" --csv 2>/dev/null |
      awk -F'","' 'NR>1 { gsub(/"/, "", $0); split($0, f, ","); printf "%s %s %s ", f[1], f[2], f[5] }'
    c1=$(cpu "$@")
    echo "$(( (c1 - c0) * 1000000 / tck / n ))"
  done
}
run "$primary" "${pids[@]:0:nodes+1}" >"$work/memshard.txt"
run 16390 "${pids[nodes+1]}" >"$work/aof.txt"
run 16391 "${pids[nodes+2]}" >"$work/mem.txt"

echo "ops/s and p50 of redis-benchmark -c 50 -n $n -d 100 -r 1000000; cpu: server-side CPU µs per request"
echo "(memshard: three QuorumLog nodes, the memshard primary and its replicas: $((nodes - 1)); redis: redis-server)"
printf '%-6s %9s %7s %4s %9s %7s %4s %9s %7s %7s %7s\n' test memshard p50ms cpu redis-aof p50ms cpu redis-mem p50ms vs-aof vs-mem
join <(sort "$work/memshard.txt") <(sort "$work/aof.txt") | join - <(sort "$work/mem.txt") |
  awk '{ printf "%-6s %9.0f %7.3f %4d %9.0f %7.3f %4d %9.0f %7.3f %6.0f%% %6.0f%%\n", $1, $2, $3, $4, $5, $6, $7, $8, $9, 100*$2/$5, 100*$2/$8 }'
