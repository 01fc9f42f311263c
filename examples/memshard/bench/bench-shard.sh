#!/usr/bin/env bash
# bench-shard.sh: redis-benchmark against a memshard primary on a fresh
# 3-node QuorumLog dev cluster and, in the same run, against Debian's
# redis-server with appendonly yes + appendfsync always and with persistence
# off. Prints each command's ops/s and p50 for all three, and the ratios.
# Usage: bench-shard.sh BIN_DIR [REQUESTS]
set -euo pipefail
bin=${1:?usage: bench-shard.sh BIN_DIR [REQUESTS]}
n=${2:-200000}
tests=set,get,incr,lpush,hset,zadd
work=$(mktemp -d /tmp/memshard-bench.XXXXXX)
pids=()
cleanup() { kill "${pids[@]}" 2>/dev/null || true; wait 2>/dev/null || true; rm -rf "$work"; }
trap cleanup EXIT

"$bin/quorumlogd" dev --data-dir "$work/ql" --base-port 7400 --log-level error >/dev/null 2>"$work/ql.log" & pids+=($!)
eps=127.0.0.1:7401,127.0.0.1:7402,127.0.0.1:7403
for _ in $(seq 100); do "$bin/logctl" --endpoints $eps status >/dev/null 2>&1 && break; sleep 0.2; done
for i in 1 2 3; do
  "$bin/memshard" --id b$i --addr 127.0.0.1:1638$i --log-endpoints $eps --shard bench --log-level warn 2>"$work/m$i.log" & pids+=($!)
done
primary=""
for _ in $(seq 100); do
  for i in 1 2 3; do
    if redis-cli -p 1638$i ROLE 2>/dev/null | head -1 | grep -q master; then primary=1638$i; fi
  done
  [ -n "$primary" ] && break; sleep 0.2
done
[ -n "$primary" ] || { echo "no memshard primary elected" >&2; cat "$work"/m*.log >&2; exit 1; }

mkdir -p "$work/aof" "$work/mem"
redis-server --port 16390 --bind 127.0.0.1 --dir "$work/aof" --appendonly yes --appendfsync always --save "" --daemonize no >/dev/null & pids+=($!)
redis-server --port 16391 --bind 127.0.0.1 --dir "$work/mem" --appendonly no --save "" --daemonize no >/dev/null & pids+=($!)
for p in 16390 16391; do for _ in $(seq 50); do redis-cli -p $p PING >/dev/null 2>&1 && break; sleep 0.1; done; done

run() { # port -> "TEST rps p50" lines
  redis-benchmark -p "$1" -c 50 -n "$n" -d 100 -r 1000000 -t $tests --csv 2>/dev/null |
    awk -F'","' 'NR>1 { gsub(/"/, "", $0); split($0, f, ","); print f[1], f[2], f[5] }'
}
run "$primary" >"$work/memshard.txt"
run 16390 >"$work/aof.txt"
run 16391 >"$work/mem.txt"

printf '%-8s %12s %9s %12s %9s %12s %9s %9s %9s\n' test memshard p50ms redis-aof p50ms redis-mem p50ms vs-aof vs-mem
join <(sort "$work/memshard.txt") <(sort "$work/aof.txt") | join - <(sort "$work/mem.txt") |
  awk '{ printf "%-8s %12.0f %9.3f %12.0f %9.3f %12.0f %9.3f %8.0f%% %8.0f%%\n", $1, $2, $3, $4, $5, $6, $7, 100*$2/$4, 100*$2/$6 }'
