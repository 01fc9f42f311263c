# QuorumLog. `make run` starts a local 3-node cluster; `make test` runs the tests.
GO      ?= go
BIN     := bin
PKGS    := ./...
BENCH_DURATION ?= 10s
BENCH_CLIENTS  ?= 1 16 64 256
BENCH_STORES   ?= wal bolt
SHARD_REQUESTS ?= 200000
SHARD_REPLICAS ?= 2
DURABLE_REQUESTS ?= 200000

.PHONY: all build run test test-long fuzz lint proto command-docs verify bench bench-go bench-shard bench-durable clean deps

all: build

build:
	$(GO) build -o $(BIN)/ ./cmd/...

# A local 3-node QuorumLog cluster (zones a, b, c, one process) with a
# memshard primary and two replicas on top; Ctrl-C stops everything.
RUN_DIR ?= /tmp/quorumlog-dev
run: deps build
	@pids=""; trap 'kill $$pids 2>/dev/null; wait $$pids 2>/dev/null; exit 0' INT TERM; \
	mkdir -p $(RUN_DIR)/snapshots; \
	$(BIN)/quorumlogd dev --data-dir $(RUN_DIR) & pids="$$pids $$!"; \
	for i in $$(seq 50); do $(BIN)/logctl status >/dev/null 2>&1 && break; sleep 0.2; done; \
	for i in 1 2 3; do \
	  $(BIN)/memshard --id m$$i --addr 127.0.0.1:638$$i --shard memshard --snapshot-dir $(RUN_DIR)/snapshots --log-level warn & pids="$$pids $$!"; \
	done; \
	sleep 1; \
	echo; echo "memshard primary + 2 replicas on 127.0.0.1:6381-6383 (one is elected primary). Try:"; \
	echo "  redis-cli -c -p 6381"; echo "  bin/logctl status"; \
	echo "  bin/memshard snapshot --snapshot-dir $(RUN_DIR)/snapshots   # snapshot the shard, trim its log"; \
	echo "Ctrl-C stops everything."; echo; \
	wait

# Debian's redis-server (7.0) for memshard's differential tests,
# redis-tools (redis-cli, redis-benchmark) for its end-to-end tests, and
# iptables for the partition tests.
deps:
	@command -v redis-server >/dev/null && command -v redis-benchmark >/dev/null && command -v iptables >/dev/null && \
	  command -v mkfs.ext4 >/dev/null && command -v fsfreeze >/dev/null || \
	  { apt-get update && DEBIAN_FRONTEND=noninteractive apt-get install -y redis-server redis-tools iptables e2fsprogs util-linux; }

# Everything CI runs: unit, cluster and end-to-end tests, with the race detector.
test: deps
	$(GO) vet $(PKGS)
	$(GO) test -race -short -timeout 20m $(PKGS)

# No -short: full-size failover, partition and long-log runs.
test-long: deps
	$(GO) test -race -timeout 60m $(PKGS)

fuzz:
	$(GO) test -run '^$$' -fuzz '^FuzzDecodeFrame$$' -fuzztime 30s ./logstore
	$(GO) test -run '^$$' -fuzz '^FuzzDecodeMeta$$' -fuzztime 30s ./logstore
	$(GO) test -run '^$$' -fuzz '^FuzzDecodeEntry$$' -fuzztime 30s ./quorum
	$(GO) test -run '^$$' -fuzz '^FuzzAppendValidation$$' -fuzztime 30s ./quorum/server
	$(GO) test -run '^$$' -fuzz '^FuzzTLSReloadedFiles$$' -fuzztime 30s ./client
	$(GO) test -run '^$$' -fuzz '^FuzzParseCRLs$$' -fuzztime 30s ./client
	$(GO) test -run '^$$' -fuzz '^FuzzParse$$' -fuzztime 30s ./quorum/server/authz
	$(GO) test -run '^$$' -fuzz '^FuzzParse$$' -fuzztime 30s ./examples/memshard/server
	$(GO) test -run '^$$' -fuzz '^FuzzConn$$' -fuzztime 30s ./examples/memshard/server
	$(GO) test -run '^$$' -fuzz '^FuzzRestorePayload$$' -fuzztime 30s -fuzzminimizetime 10s ./examples/memshard/engine
	$(GO) test -run '^$$' -fuzz '^FuzzConfigSet$$' -fuzztime 30s ./examples/memshard/server
	$(GO) test -run '^$$' -fuzz '^FuzzDecodeRecord$$' -fuzztime 30s ./examples/memshard/shard
	$(GO) test -run '^$$' -fuzz '^FuzzReadSnapshot$$' -fuzztime 30s ./examples/memshard/shard
	$(GO) test -run '^$$' -fuzz '^FuzzDecodePubsubRecord$$' -fuzztime 30s ./examples/memshard/shard
	$(GO) test -run '^$$' -fuzz '^FuzzHLL$$' -fuzztime 30s ./examples/memshard/engine
	$(GO) test -run '^$$' -fuzz '^FuzzFunctionPayload$$' -fuzztime 30s ./examples/memshard/engine
	$(GO) test -run '^$$' -fuzz '^FuzzMsgpackDecode$$' -fuzztime 30s ./examples/memshard/engine
	$(GO) test -run '^$$' -fuzz '^FuzzACLRules$$' -fuzztime 30s ./examples/memshard/acl
	$(GO) test -run '^$$' -fuzz '^FuzzExchange$$' -fuzztime 30s ./examples/memshard/migrate
	$(GO) test -run '^$$' -fuzz '^FuzzReply$$' -fuzztime 30s ./examples/memshard/lolwut
	$(GO) test -run '^$$' -fuzz '^FuzzReply$$' -fuzztime 30s ./examples/memshard/bench/respload

lint:
	@out=$$(gofmt -l $$(git ls-files '*.go')); if [ -n "$$out" ]; then echo "gofmt:"; echo "$$out"; exit 1; fi
	$(GO) vet $(PKGS)

# Regenerates api/quorumlogpb from the .proto files with the generators
# pinned in go.mod (tool directives); works offline once modules are cached.
proto:
	cd api && $(GO) tool buf lint && $(GO) tool buf generate

# Regenerates memshard's COMMAND DOCS data
# (examples/memshard/server/internal/commanddocs/docs.json) from Debian's
# redis-server 7.0.15, for exactly the commands memshard's tables implement,
# and the ACL catalog (examples/memshard/acl/commands.json): every command of
# redis-server 7.0.15, with its ACL categories and key specs.
command-docs: deps
	$(GO) generate ./examples/memshard/server/internal/commanddocs

verify: lint proto
	git diff --exit-code -- api/
	$(GO) mod tidy -diff

# Whole-cluster load: for each raft log store, a fresh fsync'd dev cluster and
# logctl bench at 1/16/64/256 clients, plain and conditional appends of 100 B.
bench: build
	@for store in $(BENCH_STORES); do \
	  dir=$$(mktemp -d /tmp/quorumlog-bench.XXXXXX); \
	  $(BIN)/quorumlogd dev --data-dir $$dir --raft-log-store $$store --log-level warn >/dev/null 2>$$dir.log & pid=$$!; \
	  for i in $$(seq 50); do $(BIN)/logctl status >/dev/null 2>&1 && break; sleep 0.2; done; \
	  for mode in plain conditional; do \
	    for c in $(BENCH_CLIENTS); do \
	      flag=""; [ $$mode = conditional ] && flag=--conditional; \
	      printf '%-5s %-12s clients=%-4s ' $$store $$mode $$c; \
	      $(BIN)/logctl bench --clients $$c --duration $(BENCH_DURATION) --size 100 $$flag --log-prefix b-$$mode-$$c 2>/dev/null | tr '\n' ' '; echo; \
	    done; \
	  done; \
	  kill $$pid; wait $$pid 2>/dev/null; rm -rf $$dir; \
	done

# memshard vs redis-server (appendfsync always, and no persistence) under
# redis-benchmark -c 50 -n 200000 -d 100 -r 1000000.
bench-shard: deps build
	examples/memshard/bench/bench-shard.sh $(BIN) $(SHARD_REQUESTS) $(SHARD_REPLICAS)

# memshard vs Redis replicated for the same promise: a primary and two
# replicas, all appendfsync always, each SET followed by WAIT 1 (WAIT 2),
# and a single fsync-always redis-server; respload SET at 50 clients,
# 100-byte values, 1000000 keys, the stacks in turn for ROUNDS (2) rounds.
bench-durable: deps build
	$(GO) build -o $(BIN)/ ./examples/memshard/bench/respload
	examples/memshard/bench/bench-durable.sh $(BIN) $(DURABLE_REQUESTS)

# Micro-benchmarks of the packages.
bench-go:
	$(GO) test -run '^$$' -bench . -benchtime 2s ./logstore ./quorum/...
	$(GO) test -run '^$$' -bench Snapshot -benchtime 5x ./examples/memshard/shard

clean:
	rm -rf $(BIN)
