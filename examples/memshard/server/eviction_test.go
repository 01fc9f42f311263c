package server

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/quorumlog/quorumlog/examples/memshard/engine"
	"github.com/quorumlog/quorumlog/examples/memshard/resp"
)

// TestStandalone_EvictionGoesOnInTheBackground: an eviction run that the
// tenacity time limit cuts short goes on between commands, as Redis's
// evictionTimeProc does: with no command after it, the keys still go.
func TestStandalone_EvictionGoesOnInTheBackground(t *testing.T) {
	s := NewStandalone(StandaloneConfig{Addr: "127.0.0.1:0"})
	defer s.Close()
	conn := &ConnState{ID: 1}
	for i := range 100 {
		s.Do(conn, [][]byte{[]byte("SET"), fmt.Appendf(nil, "k%d", i), []byte("v")}, resp.NewWriter(2))
	}
	s.SetMaxmemory(engine.Maxmemory{Limit: 1, Policy: engine.AllKeysRandom, Samples: 5, Tenacity: 0})
	if s.Evict() {
		t.Fatal("a run cut short by the time limit says out of memory (Redis lets the command run)")
	}
	if info := s.Info("keyspace"); !strings.Contains(info, "keys=84,") {
		t.Fatalf("after one run cut at 16 keys: %q", info)
	}
	deadline := time.Now().Add(10 * time.Second)
	for s.Info("keyspace") != "" { // Info runs no eviction: only the background does
		if time.Now().After(deadline) {
			t.Fatalf("10 s later, with no command: %q", s.Info("keyspace"))
		}
		time.Sleep(10 * time.Millisecond)
	}
}
