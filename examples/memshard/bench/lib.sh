# lib.sh: what memshard's benchmark scripts share, sourced by them
# (bench-shard.sh, bench-durable.sh): a work directory and every process
# started, removed and killed on exit; a QuorumLog dev cluster with memshard
# nodes on it; and each process's CPU time.
#
# Globals: bin (the binaries' directory, set by the caller), work, pids
# (every process started, in order), eps (the log's gRPC endpoints), and
# tck (clock ticks per second).

# bench_init NAME: a fresh work directory, and a trap that kills every
# process in pids and removes the directory on exit.
bench_init() {
  work=$(mktemp -d "/tmp/$1.XXXXXX")
  pids=()
  trap bench_cleanup EXIT
}

# shellcheck disable=SC2317 # called by the trap
bench_cleanup() { kill "${pids[@]}" 2>/dev/null || true; wait 2>/dev/null || true; rm -rf "$work"; }

# start_log BASE: a 3-node QuorumLog dev cluster on gRPC ports BASE+1..3
# (raft BASE+101..103); returns once it answers.
start_log() {
  "$bin/quorumlogd" dev --data-dir "$work/ql" --base-port "$1" --log-level error >/dev/null 2>"$work/ql.log" & pids+=($!)
  eps=127.0.0.1:$(($1 + 1)),127.0.0.1:$(($1 + 2)),127.0.0.1:$(($1 + 3))
  for _ in $(seq 100); do "$bin/logctl" --endpoints "$eps" status >/dev/null 2>&1 && break; sleep 0.2; done
}

# start_memshard N PORT SHARD: memshard nodes b1..bN of SHARD on the log,
# on ports PORT+1..PORT+N, each with MEMSHARD_ARGS.
start_memshard() {
  local i
  for i in $(seq "$1"); do
    # shellcheck disable=SC2086 # MEMSHARD_ARGS is a list of flags
    "$bin/memshard" --id b$i --addr 127.0.0.1:$(($2 + i)) --log-endpoints "$eps" --shard "$3" --log-level warn ${MEMSHARD_ARGS:-} 2>"$work/m$i.log" & pids+=($!)
  done
}

# memshard_primary N PORT: prints the port of the elected primary among
# PORT+1..PORT+N, or fails with the nodes' logs after 20s.
memshard_primary() {
  local primary="" i
  for _ in $(seq 100); do
    for i in $(seq "$1"); do
      if redis-cli -p $(($2 + i)) ROLE 2>/dev/null | head -1 | grep -q master; then primary=$(($2 + i)); fi
    done
    [ -n "$primary" ] && break; sleep 0.2
  done
  [ -n "$primary" ] || { echo "no memshard primary elected" >&2; cat "$work"/m*.log >&2; return 1; }
  echo "$primary"
}

# wait_ping PORT...: returns once every port answers PING (5s each at most).
wait_ping() {
  local p
  for p in "$@"; do for _ in $(seq 50); do redis-cli -p "$p" PING >/dev/null 2>&1 && break; sleep 0.1; done; done
}

# cpu PID... -> the processes' CPU time so far (utime+stime), in clock ticks.
cpu() { local t=0 p; for p in "$@"; do t=$((t + $(awk '{print $14+$15}' /proc/$p/stat))); done; echo $t; }
tck=$(getconf CLK_TCK)
