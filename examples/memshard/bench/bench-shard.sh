#!/usr/bin/env bash
# bench-shard.sh: redis-benchmark against a memshard primary on a fresh
# 3-node QuorumLog dev cluster and, in the same run, against Debian's
# redis-server with appendonly yes + appendfsync always and with persistence
# off. Prints each command's ops/s and p50/p99/p999 latency for all three, the server-side CPU
# per request (every process of the stack), and the ratios.
# Usage: bench-shard.sh BIN_DIR [REQUESTS [REPLICAS]]   (REPLICAS: 0-2, default 2)
# Env: TESTS, the redis-benchmark tests (default set,get,incr,lpush,hset,zadd);
#      MEMSHARD_ARGS, extra flags for every memshard node (e.g. "--procs 2")
set -euo pipefail
bin=${1:?usage: bench-shard.sh BIN_DIR [REQUESTS]}
n=${2:-200000}
nodes=$(( ${3:-2} + 1 ))
[ "$nodes" -ge 1 ] && [ "$nodes" -le 3 ] || { echo "REPLICAS must be 0, 1 or 2" >&2; exit 2; }
tests=${TESTS:-set,get,incr,lpush,hset,zadd}
# shellcheck source=lib.sh
. "$(dirname "$0")/lib.sh"
bench_init memshard-bench

start_log 7400
start_memshard $nodes 16380 bench
primary=$(memshard_primary $nodes 16380)

mkdir -p "$work/aof" "$work/mem"
redis-server --port 16390 --bind 127.0.0.1 --dir "$work/aof" --appendonly yes --appendfsync always --save "" --daemonize no >/dev/null & pids+=($!)
redis-server --port 16391 --bind 127.0.0.1 --dir "$work/mem" --appendonly no --save "" --daemonize no >/dev/null & pids+=($!)
wait_ping 16390 16391

# latency FILE N -> "rps p50 p99 p999" from redis-benchmark's full report. p50 and p99
# are its summary's; p999 is the first line of its percentile distribution whose
# cumulative count reaches 99.9% of the requests (HdrHistogram's value there).
latency() {
  tr '\r' '\n' <"$1" | awk -v n="$2" '
    /throughput summary:/ { rps = $3 }
    /^ *[0-9.]+% <= [0-9.]+ milliseconds \(cumulative count/ && !p999 {
      c = $NF; sub(/\)/, "", c); if (c + 0 >= 0.999 * n) p999 = $3 }
    /avg +min +p50 +p95 +p99 +max/ { getline; p50 = $3; p99 = $5 }
    END { printf "%s %s %s %s", rps, p50, p99, p999 }'
}

run() { # port server-pids... -> "TEST rps p50 p99 p999 cpu-us-per-op" lines (server-side CPU: every process of the stack)
  local port=$1 t c0 c1; shift
  for t in ${tests//,/ }; do
    c0=$(cpu "$@")
    redis-benchmark -p "$port" -c 50 -n "$n" -d 100 -r 1000000 -t "$t" >"$work/out" 2>/dev/null
    c1=$(cpu "$@")
    echo "$(tr '[:lower:]' '[:upper:]' <<<"$t") $(latency "$work/out" "$n") $(( (c1 - c0) * 1000000 / tck / n ))"
  done
}
run "$primary" "${pids[@]:0:nodes+1}" >"$work/memshard.txt"
run 16390 "${pids[nodes+1]}" >"$work/aof.txt"
run 16391 "${pids[nodes+2]}" >"$work/mem.txt"

echo "redis-benchmark -c 50 -n $n -d 100 -r 1000000: ops/s, latency in ms, server-side CPU µs per request"
echo "(memshard: three QuorumLog nodes, the memshard primary and its replicas: $((nodes - 1)); redis: redis-server)"
printf '%-6s %-9s %9s %7s %7s %7s %5s %7s %7s\n' test stack ops/s p50 p99 p999 cpu vs-aof vs-mem
join <(sort "$work/memshard.txt") <(sort "$work/aof.txt") | join - <(sort "$work/mem.txt") |
  awk '{
    split("memshard redis-aof redis-mem", name)
    for (i = 0; i < 3; i++) {
      o = 2 + 5 * i
      printf "%-6s %-9s %9.0f %7.3f %7.3f %7.3f %5d %6.0f%% %6.0f%%\n", (i ? "" : $1), name[i + 1], $o, $(o + 1), $(o + 2), $(o + 3), $(o + 4), 100 * $o / $7, 100 * $o / $12
    }
  }'
