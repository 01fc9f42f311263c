package main

import (
	"context"
	"errors"
	"fmt"
	"math"
	"math/rand/v2"
	"sync"
	"testing"
	"time"

	"github.com/anishathalye/porcupine"
	"github.com/redis/go-redis/v9"

	"github.com/quorumlog/quorumlog/cmd/internal/proctest"
)

// onceString is a GET the cluster client never retries (see onceStatus).
type onceString struct{ *redis.StringCmd }

func (onceString) NoRetry() bool { return true }

// kvInput and kvOutput are one GET or SET of a single key.
type kvInput struct {
	set        bool
	key, value string
}

type kvOutput struct {
	value string
	found bool
}

// kvModel is a map of string keys, checked one key at a time. A key's state
// is its value, or missing.
var kvModel = porcupine.Model{
	Partition: func(history []porcupine.Operation) [][]porcupine.Operation {
		byKey := map[string][]porcupine.Operation{}
		for _, op := range history {
			k := op.Input.(kvInput).key
			byKey[k] = append(byKey[k], op)
		}
		var out [][]porcupine.Operation
		for _, ops := range byKey {
			out = append(out, ops)
		}
		return out
	},
	Init: func() any { return kvOutput{} }, // missing
	Step: func(state, input, output any) (bool, any) {
		in, st := input.(kvInput), state.(kvOutput)
		if in.set {
			return true, kvOutput{value: in.value, found: true}
		}
		return output.(kvOutput) == st, st
	},
	DescribeOperation: func(input, output any) string {
		in := input.(kvInput)
		if in.set {
			return fmt.Sprintf("set(%s, %s)", in.key, in.value)
		}
		out := output.(kvOutput)
		return fmt.Sprintf("get(%s) -> %q %v", in.key, out.value, out.found)
	},
}

// TestE2E_LinearizableUnderFailover checks a history of concurrent GETs and
// SETs on a few keys, through a go-redis ClusterClient, for linearizability
// (porcupine) while the primary is first frozen beyond its lease and then
// killed. A frozen primary that served a read after a new primary took a
// write, a reply released before its write was durable and then lost, or a
// read of a value that could still be lost would each show up as a history
// no sequential order explains. A SET that failed counts as one that may
// have taken effect at any time after it was sent.
func TestE2E_LinearizableUnderFailover(t *testing.T) {
	// The checker must reject what it should: a read of a value never
	// written, and a read of an overwritten value after the overwrite.
	bad := []porcupine.Operation{
		{Input: kvInput{set: true, key: "k", value: "1"}, Call: 0, Output: kvOutput{}, Return: 10},
		{Input: kvInput{set: true, key: "k", value: "2"}, Call: 20, Output: kvOutput{}, Return: 30},
		{Input: kvInput{key: "k"}, Call: 40, Output: kvOutput{value: "1", found: true}, Return: 50},
	}
	if porcupine.CheckOperations(kvModel, bad) {
		t.Fatal("the model accepts a stale read")
	}

	e := newEnv(t, envOptions{})
	h := startKVLoad(t, e)
	hold(t, time.Second)
	p := e.primary()
	e.sigstop(p) // frozen past its lease: a replica takes over meanwhile
	np := e.primary()
	hold(t, 500*time.Millisecond)
	e.sigcont(p)
	t.Logf("froze primary %s; %s took over; thawed %s", e.ids[p], e.ids[np], e.ids[p])
	hold(t, time.Second)
	e.kill9(np)
	nnp := e.primary()
	t.Logf("killed primary %s; %s took over", e.ids[np], e.ids[nnp])
	hold(t, time.Second)
	// Back as a replica, so that the clients' dials to it succeed and
	// go-redis's background redial goroutine ends.
	e.restart(np)
	e.waitReplica(np, 0)
	h.check()
}

// kvLoad is a history of concurrent GETs and SETs on a few keys, through
// a go-redis ClusterClient, recorded for porcupine.
type kvLoad struct {
	t    *testing.T
	e    *env
	keys []string
	now  func() int64 // the history's clock
	stop context.CancelFunc
	wg   sync.WaitGroup

	mu                                sync.Mutex
	history                           []porcupine.Operation
	unknown, refusedSets, failedReads int
}

// startKVLoad starts 6 clients, each doing up to 5000 GETs and SETs of 12
// keys until check stops them.
func startKVLoad(t *testing.T, e *env) *kvLoad {
	const clients = 6
	var keys []string
	for i := range 12 {
		keys = append(keys, fmt.Sprintf("lin:%d", i))
	}
	cc := redis.NewClusterClient(&redis.ClusterOptions{
		Addrs: e.addrs, DialTimeout: 300 * time.Millisecond, ReadTimeout: 2 * time.Second,
		WriteTimeout: time.Second, PoolSize: 2, ContextTimeoutEnabled: true,
	})
	t.Cleanup(func() { cc.Close() })
	start := time.Now()
	now := func() int64 { return int64(time.Since(start)) }
	h := &kvLoad{t: t, e: e, keys: keys, now: now}
	var ctx context.Context
	ctx, h.stop = context.WithCancel(t.Context())
	for c := range clients {
		h.wg.Go(func() {
			rng := rand.New(rand.NewPCG(uint64(c), 7))
			for n := 0; ctx.Err() == nil && n < 5000; n++ {
				key := keys[rng.IntN(len(keys))]
				in := kvInput{key: key}
				op := porcupine.Operation{ClientId: c, Input: in, Call: now()}
				octx, cancel := context.WithTimeout(ctx, 2*time.Second)
				var err error
				if rng.IntN(2) == 0 {
					in.set, in.value = true, fmt.Sprintf("%d.%d", c, n)
					op.Input = in
					err = cc.Process(octx, onceStatus{redis.NewStatusCmd(octx, "set", key, in.value)})
					op.Output = kvOutput{}
				} else {
					cmd := redis.NewStringCmd(octx, "get", key)
					err = cc.Process(octx, onceString{cmd})
					switch {
					case err == nil:
						op.Output = kvOutput{value: cmd.Val(), found: true}
					case errors.Is(err, redis.Nil):
						op.Output, err = kvOutput{}, nil
					}
				}
				op.Return = now()
				cancel()
				h.mu.Lock()
				switch {
				case err == nil:
					h.history = append(h.history, op)
				case in.set && notExecuted(err):
					h.refusedSets++ // certainly not applied: it is not in the history
				case in.set:
					// Outcome unknown: it may take effect at any time from
					// its call on, or never (no read may depend on it).
					op.Return = math.MaxInt64
					h.history = append(h.history, op)
					h.unknown++
				default:
					h.failedReads++ // a read that failed changed nothing
				}
				h.mu.Unlock()
				if err != nil {
					if ctx.Err() != nil {
						return
					}
					cc.ReloadState(ctx)
					time.Sleep(20 * time.Millisecond)
				}
			}
		})
	}
	return h
}

// check stops the clients, reads every key from the primary as the last
// operations of the history, checks that every node holds those values,
// and checks the history for linearizability: so the final state, too,
// must hold every acknowledged SET.
func (h *kvLoad) check() {
	t := h.t
	t.Helper()
	h.stop()
	h.wg.Wait()
	h.mu.Lock()
	defer h.mu.Unlock()
	p := h.e.primary()
	final := map[string]kvOutput{}
	pc := newRedis(h.e.addrs[p], false)
	defer pc.Close()
	for _, k := range h.keys {
		op := porcupine.Operation{ClientId: -1, Input: kvInput{key: k}, Call: h.now()}
		v, err := pc.Get(t.Context(), k).Result()
		switch {
		case err == nil:
			op.Output = kvOutput{value: v, found: true}
		case errors.Is(err, redis.Nil):
			op.Output = kvOutput{}
		default:
			t.Fatalf("final GET %s on the primary %s: %v", k, h.e.ids[p], err)
		}
		op.Return = h.now()
		final[k] = op.Output.(kvOutput)
		h.history = append(h.history, op)
	}
	h.e.onEveryNode(p, func(i int, c *redis.Client) {
		for k, want := range final {
			v, err := c.Get(t.Context(), k).Result()
			got := kvOutput{value: v, found: err == nil}
			if err != nil && !errors.Is(err, redis.Nil) {
				t.Fatalf("final GET %s on %s: %v", k, h.e.ids[i], err)
			}
			if got != want {
				t.Errorf("%s: %s = %+v, the primary has %+v", h.e.ids[i], k, got, want)
			}
		}
	})
	t.Logf("%d operations (%d SETs of unknown outcome; left out: %d SETs refused, %d failed GETs)", len(h.history), h.unknown, h.refusedSets, h.failedReads)
	if len(h.history) < 200 {
		t.Fatalf("only %d operations: the load did not run", len(h.history))
	}
	proctest.CheckLinearizable(t, kvModel, h.history, time.Minute, "memshard-linearizability")
}

// notExecuted reports whether a write's error means memshard did not and
// will not apply it: the node was not serving (CLUSTERDOWN), is not the
// primary (MOVED, READONLY), its batch certainly failed when the primary
// stepped down (TRYAGAIN), or the connection was never made.
func notExecuted(err error) bool {
	switch errClass(err) {
	case "CLUSTERDOWN", "MOVED", "READONLY", "TRYAGAIN", "refused":
		return true
	}
	return false
}
