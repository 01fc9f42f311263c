package client_test

import (
	"bytes"
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
	qc := servertest.StartWith(t, 3, servertest.Options{
		Options: quorumtest.Options{Configure: func(cfg *quorum.Config) {
			// The test cluster's 100 ms leader lease is too short for a 6 MiB
			// entry under the race detector.
			cfg.Tune = func(rc *raft.Config) {
				rc.HeartbeatTimeout, rc.ElectionTimeout, rc.LeaderLeaseTimeout = 2*time.Second, 2*time.Second, time.Second
			}
		}},
		Server: func(_ int, cfg *server.Config) { cfg.MaxRecordBytes = 16 << 20 },
	})
	c, err := client.New(t.Context(), client.Config{Endpoints: qc.Addrs})
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
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
