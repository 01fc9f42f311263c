#!/usr/bin/env bash
# bench-durable.sh: memshard against Redis replicated for the same promise.
#
# On this box, fresh: a QuorumLog dev cluster with a memshard primary and two
# replicas; a single redis-server with appendonly yes + appendfsync always;
# and a redis-server primary with two replicas (--replicaof), all three with
# appendonly yes + appendfsync always. respload (closed loop, like
# redis-benchmark: 50 clients, 100-byte values, 1000000 keys) sends SET to
# each stack in turn, ROUNDS times, and prints per stack and round: ops/s,
# p50/p99/p999 latency, server-side CPU per request (every server process of
# the stack, utime+stime from /proc) and memshard's ops/s as a % of that stack's.
#
# What a stack's reply promises (where the write is when the client has it;
# everything here shares one machine, one disk):
#   memshard     SET, no WAIT: the primary replies once the log record holding
#                the write is committed in QuorumLog, i.e. written and fsynced
#                on at least 2 of the 3 log nodes. The memshard replicas apply
#                it later, in memory.
#   redis-aof    SET, no WAIT: written and fdatasynced to the AOF of the one
#                server (beforeSleep flushes the AOF before any reply is written).
#   redis-wait1  SET then WAIT 1 1000, pipelined: SET's +OK as redis-aof, on the
#                primary's AOF; WAIT's 1 means a replica acknowledged (REPLCONF
#                ACK) a replication offset at or past the SET. Redis 7.0 has no
#                WAITAOF, but a replica with appendfsync always writes and
#                fdatasyncs its AOF in beforeSleep before it writes the ACK
#                (server.c beforeSleep: flushAppendOnlyFile before
#                handleClientsWithPendingWritesUsingThreads; strace agrees), so
#                the write is on 2 of 3 disks, as memshard's. Unlike memshard's,
#                a WAIT below 1 (counted as failed) does not undo the write, and
#                a failover may promote the replica that did not acknowledge it.
#   redis-wait2  SET then WAIT 2 1000: on all 3 servers' disks.
# A later round may see Redis rewrite its AOF (auto-aof-rewrite-min-size
# 64mb) in a child process, whose CPU is not counted.
#
# Usage: bench-durable.sh BIN_DIR [REQUESTS]   (BIN_DIR holds quorumlogd,
#        logctl, memshard and respload: make bench-durable builds them)
# Env: ROUNDS (default 2); MEMSHARD_ARGS, extra flags for every memshard node;
#      WAIT_TIMEOUT, WAIT's timeout in ms (default 1000)
set -euo pipefail
bin=${1:?usage: bench-durable.sh BIN_DIR [REQUESTS]}
n=${2:-200000}
rounds=${ROUNDS:-2}
wait_timeout=${WAIT_TIMEOUT:-1000}
for b in quorumlogd logctl memshard respload; do
  [ -x "$bin/$b" ] || { echo "no $bin/$b (make bench-durable builds it)" >&2; exit 2; }
done
# shellcheck source=lib.sh
. "$(dirname "$0")/lib.sh"
bench_init memshard-durable

# Ports apart from bench-shard.sh's (log 7400: 7401-7403 and 7501-7503;
# memshard 1638x; redis 16390-16391).
start_log 7800
start_memshard 3 16480 durable
primary=$(memshard_primary 3 16480)
memshard_pids=("${pids[@]:0:4}")

aof() { # PORT DIR [FLAGS...]: a redis-server with an fsync-always AOF
  local port=$1 dir=$2; shift 2
  mkdir -p "$dir"
  redis-server --port "$port" --bind 127.0.0.1 --dir "$dir" --appendonly yes --appendfsync always --save "" \
    --daemonize no --logfile "$dir/redis.log" "$@" & pids+=($!)
}
aof 16490 "$work/aof"
# The primary starts its diskless full sync at once rather than waiting
# 5s for more replicas (repl-diskless-sync-delay).
aof 16491 "$work/r1" --repl-diskless-sync-delay 0
aof 16492 "$work/r2" --replicaof 127.0.0.1 16491
aof 16493 "$work/r3" --replicaof 127.0.0.1 16491
aof_pids=("${pids[4]}")
replicated_pids=("${pids[@]:5:3}")
wait_ping 16490 16491 16492 16493

# redis_info PORT SECTION FIELD -> the field's value
redis_info() { redis-cli -p "$1" INFO "$2" | tr -d '\r' | awk -F: -v f="$3" '$1 == f { print $2 }'; }
# Ready when both replicas' links are up and the primary sees both online,
# and no server is still rewriting its AOF (a replica rewrites it after
# its full sync: until then it writes it elsewhere).
ready=""
for _ in $(seq 150); do
  ready=yes
  for p in 16492 16493; do [ "$(redis_info $p replication master_link_status)" = up ] || ready=""; done
  [ "$(redis_info 16491 replication connected_slaves)" = 2 ] || ready=""
  [ "$(redis-cli -p 16491 INFO replication | grep -c 'state=online')" = 2 ] || ready=""
  for p in 16491 16492 16493; do
    [ "$(redis_info $p persistence aof_rewrite_in_progress)$(redis_info $p persistence aof_rewrite_scheduled)" = 00 ] || ready=""
  done
  [ -n "$ready" ] && break; sleep 0.2
done
[ -n "$ready" ] || { echo "the replicated Redis did not come up" >&2; cat "$work"/r*/redis.log >&2; exit 1; }

# load NAME PORT WAIT PIDS... -> "NAME ops/s p50 p99 p999 failed cpu-us-per-request"
load() {
  local name=$1 port=$2 wait=$3 c0 c1 out rc=0; shift 3
  c0=$(cpu "$@")
  out=$("$bin/respload" --addr 127.0.0.1:"$port" --clients 50 --requests "$n" --size 100 --keyspace 1000000 \
    --wait "$wait" --wait-timeout "$wait_timeout" --plain 2>"$work/respload.err") || rc=$?
  c1=$(cpu "$@")
  # Exit 1 with a result line: some requests failed (shown in the table),
  # or the run stopped early (--max-duration), which the table cannot show.
  if [ $rc -ne 0 ] && { [ $rc -ne 1 ] || [ -z "$out" ] || grep -q 'respload: stopped' "$work/respload.err"; }; then
    echo "respload against $name failed:" >&2; cat "$work/respload.err" >&2; return 1
  fi
  echo "$name $out $(( (c1 - c0) * 1000000 / tck / n ))"
}

echo "respload SET --clients 50 --requests $n --size 100 --keyspace 1000000: ops/s, latency in ms, server-side CPU µs per request"
echo "(memshard: the 3 QuorumLog nodes and 3 memshard nodes; redis-aof: one redis-server; redis-waitN: the 3 redis-servers, SET+WAIT N $wait_timeout)"
printf '%-5s %-11s %9s %7s %7s %7s %5s %6s %9s\n' round stack ops/s p50 p99 p999 cpu failed memshard%
failed=0
for r in $(seq "$rounds"); do
  {
    load memshard "$primary" 0 "${memshard_pids[@]}"
    load redis-aof 16490 0 "${aof_pids[@]}"
    load redis-wait1 16491 1 "${replicated_pids[@]}"
    load redis-wait2 16491 2 "${replicated_pids[@]}"
  } >"$work/round.txt"
  awk -v r="$r" '
    NR == 1 { m = $2 }
    { printf "%-5s %-11s %9.0f %7.3f %7.3f %7.3f %5d %6d %8.0f%%\n", (NR == 1 ? r : ""), $1, $2, $3, $4, $5, $7, $6, ($2 > 0 ? 100 * m / $2 : 0) }
  ' "$work/round.txt"
  failed=$((failed + $(awk '{ f += $6 } END { print f }' "$work/round.txt")))
done
[ "$failed" -eq 0 ] || { echo "$failed requests failed (WAIT below N or an error reply): see the failed column" >&2; exit 1; }
