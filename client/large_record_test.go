package client_test

import (
	"bytes"
	"errors"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/hashicorp/raft"

	"github.com/quorumlog/quorumlog/client"
	"github.com/quorumlog/quorumlog/quorum"
	"github.com/quorumlog/quorumlog/quorum/quorumtest"
	"github.com/quorumlog/quorumlog/quorum/server"
	"github.com/quorumlog/quorumlog/quorum/server/servertest"
)

// A cluster may take records larger than gRPC's default 4 MiB message
// (--max-record-bytes): the client reads back whatever the cluster
// accepted, on every path (a plain read, a followed tail).
func TestClient_ReadsRecordsLargerThanGRPCsDefaultMessage(t *testing.T) {
	c := newLargeClusterClient(t, 16<<20)
	mustCreate(t, c, "big")
	big := bytes.Repeat([]byte("0123456789abcdef"), 6<<20/16) // 6 MiB
	if _, err := c.Append(t.Context(), "big", [][]byte{big, []byte("small")}); err != nil {
		t.Fatalf("Append of 6 MiB: %v", err)
	}
	for _, opts := range [][]client.ReadOption{{client.Linearizable()}, {client.Follow()}} {
		r, err := c.Read(t.Context(), "big", 1, opts...)
		if err != nil {
			t.Fatal(err)
		}
		ev := next(t, r)
		if !bytes.Equal(ev.Record.Payload, big) {
			t.Fatalf("read back %d bytes, want the %d appended", len(ev.Record.Payload), len(big))
		}
		if ev = next(t, r); string(ev.Record.Payload) != "small" {
			t.Fatalf("second record = %+v", ev)
		}
		r.Close()
	}
}

// newLargeClusterClient starts an in-process cluster whose nodes take
// records of maxRecord bytes, with raft timeouts long enough for entries
// of many MiB under the race detector (the test cluster's leader lease is
// 100 ms), and returns a client of it.
func newLargeClusterClient(t *testing.T, maxRecord int, mod ...func(*client.Config)) *client.Client {
	t.Helper()
	qc := servertest.StartWith(t, 3, servertest.Options{
		Options: quorumtest.Options{Configure: func(cfg *quorum.Config) {
			cfg.Tune = func(rc *raft.Config) {
				rc.HeartbeatTimeout, rc.ElectionTimeout, rc.LeaderLeaseTimeout = 2*time.Second, 2*time.Second, time.Second
			}
		}},
		Server: func(_ int, cfg *server.Config) { cfg.MaxRecordBytes = maxRecord },
	})
	cfg := client.Config{Endpoints: qc.Addrs}
	for _, f := range mod {
		f(&cfg)
	}
	c, err := client.New(t.Context(), cfg)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close() })
	return c
}

// An append larger than the cluster takes in one request (16 records of
// 1 MiB at most, with the default --max-record-bytes) is refused before it
// is sent: a clear ErrInvalidArgument, certain, nothing written. Appends of
// other goroutines sharing the client's append stream are not disturbed,
// and an append just within the bound goes through.
func TestClient_RefusesAnAppendLargerThanTheClusterTakes(t *testing.T) {
	for _, mode := range appendModes {
		t.Run(mode.name, func(t *testing.T) {
			c := newLargeClusterClient(t, 1<<20, mode.mod)
			mustCreate(t, c, "big")
			mustCreate(t, c, "small")
			record := bytes.Repeat([]byte("r"), 1<<20)
			tooMany := make([][]byte, 20)
			for i := range tooMany {
				tooMany[i] = record
			}

			const writers, rounds = 4, 50
			var wg sync.WaitGroup
			errs := make(chan error, writers)
			for w := range writers {
				wg.Go(func() {
					for r := range rounds {
						if _, err := c.Append(t.Context(), "small", [][]byte{fmt.Appendf(nil, "%d/%d", w, r)}); err != nil {
							errs <- err
							return
						}
					}
				})
			}
			for _, opts := range [][]client.AppendOption{nil, {client.IfLastID(0)}} {
				_, err := c.Append(t.Context(), "big", tooMany, opts...)
				if !errors.Is(err, client.ErrInvalidArgument) || errors.Is(err, client.ErrOutcomeUnknown) || !strings.Contains(err.Error(), "more than the") {
					t.Errorf("Append of 20 MiB (%d options) = %v, want a certain ErrInvalidArgument naming the limit", len(opts), err)
				}
			}
			if _, err := c.Append(t.Context(), "big", tooMany[:16]); err != nil {
				t.Errorf("Append of 16 records of 1 MiB = %v", err)
			}
			wg.Wait()
			close(errs)
			for err := range errs {
				t.Errorf("a small append beside the refused one: %v", err)
			}
			for log, want := range map[string]uint64{"big": 16, "small": writers * rounds} {
				if info, err := c.Describe(t.Context(), log, client.Linearizable()); err != nil || info.LastID != want {
					t.Errorf("Describe(%q) = last ID %d, %v; want %d", log, info.LastID, err, want)
				}
			}
		})
	}
}
