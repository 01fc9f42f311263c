package server_test

import (
	"context"
	"fmt"
	"hash/crc32"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/testutil"
	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/credentials/insecure"
	"google.golang.org/grpc/status"

	pb "github.com/quorumlog/quorumlog/api/quorumlogpb"
	"github.com/quorumlog/quorumlog/client"
	"github.com/quorumlog/quorumlog/quorum"
	"github.com/quorumlog/quorumlog/quorum/quorumtest"
	"github.com/quorumlog/quorumlog/quorum/server"
	"github.com/quorumlog/quorumlog/quorum/server/servertest"
)

// requests returns quorumlog_server_requests_total{method,code} in reg.
func requests(t *testing.T, reg *prometheus.Registry, method string, code codes.Code) float64 {
	t.Helper()
	mfs, err := reg.Gather()
	if err != nil {
		t.Fatalf("Gather: %v", err)
	}
	for _, mf := range mfs {
		if mf.GetName() != "quorumlog_server_requests_total" {
			continue
		}
	next:
		for _, m := range mf.GetMetric() {
			want := map[string]string{"method": method, "code": code.String()}
			for _, l := range m.GetLabel() {
				if v, ok := want[l.GetName()]; ok && v != l.GetValue() {
					continue next
				}
			}
			return m.GetCounter().GetValue()
		}
	}
	return 0
}

func TestService_Metrics(t *testing.T) {
	regs := make([]*prometheus.Registry, 3)
	for i := range regs {
		regs[i] = prometheus.NewPedanticRegistry()
	}
	sc := servertest.StartWith(t, 3, servertest.Options{
		Options: quorumtest.Options{Configure: func(cfg *quorum.Config) {
			cfg.Metrics = regs[cfg.ID[1]-'1'] // n1 -> 0
		}},
		Server: func(i int, cfg *server.Config) { cfg.Metrics = regs[i] },
	})
	ctx, cancel := context.WithTimeout(t.Context(), 20*time.Second)
	defer cancel()
	li := sc.Leader()
	reg := regs[li]

	cc, err := grpc.NewClient(sc.Addrs[li], grpc.WithTransportCredentials(insecure.NewCredentials()))
	if err != nil {
		t.Fatal(err)
	}
	defer cc.Close()
	lc := pb.NewLogServiceClient(cc)
	if _, err := lc.CreateLog(ctx, &pb.CreateLogRequest{Log: "m"}); err != nil {
		t.Fatalf("CreateLog = %v", err)
	}
	okBefore := requests(t, reg, "Append", codes.OK)
	for i := range 3 {
		p := fmt.Appendf(nil, "r%d", i)
		req := &pb.AppendRequest{Log: "m", Records: []*pb.Record{{Payload: p, Crc32C: crc32.Checksum(p, crc32.MakeTable(crc32.Castagnoli))}}}
		if _, err := lc.Append(ctx, req); err != nil {
			t.Fatalf("Append = %v", err)
		}
	}
	if got := requests(t, reg, "Append", codes.OK) - okBefore; got != 3 {
		t.Errorf(`requests_total{method="Append",code="OK"} rose by %v, want 3`, got)
	}
	_, err = lc.Append(ctx, &pb.AppendRequest{Log: "m"}) // no records
	if status.Code(err) != codes.InvalidArgument {
		t.Fatalf("Append with no records = %v, want InvalidArgument", err)
	}
	if got := requests(t, reg, "Append", codes.InvalidArgument); got != 1 {
		t.Errorf(`requests_total{method="Append",code="InvalidArgument"} = %v, want 1`, got)
	}
	if got := requests(t, reg, "CreateLog", codes.OK); got != 1 {
		t.Errorf(`requests_total{method="CreateLog",code="OK"} = %v, want 1`, got)
	}
	if n := testutil.CollectAndCount(reg, "quorumlog_server_request_seconds"); n == 0 {
		t.Errorf("request_seconds has no series")
	}

	// The Go client appends over AppendStream: each message counts.
	c := newClient(t, sc.Addrs[li])
	for range 2 {
		if _, err := c.Append(ctx, "m", [][]byte{[]byte("s")}); err != nil {
			t.Fatalf("client Append = %v", err)
		}
	}
	if _, err := c.Append(ctx, "missing", [][]byte{[]byte("s")}); err == nil {
		t.Fatalf("client Append to a missing log succeeded")
	}
	if got := requests(t, reg, "AppendStream.Append", codes.OK); got != 2 {
		t.Errorf(`requests_total{method="AppendStream.Append",code="OK"} = %v, want 2`, got)
	}
	if got := requests(t, reg, "AppendStream.Append", codes.NotFound); got != 1 {
		t.Errorf(`requests_total{method="AppendStream.Append",code="NotFound"} = %v, want 1`, got)
	}

	// An open follow read shows in the gauge, and in requests_total once it ends.
	r, err := c.Read(ctx, "m", 1, client.Follow())
	if err != nil {
		t.Fatal(err)
	}
	if _, err := r.Next(); err != nil {
		t.Fatal(err)
	}
	streams := func(want float64) error {
		mfs, err := reg.Gather()
		if err != nil {
			return err
		}
		for _, mf := range mfs {
			if mf.GetName() == "quorumlog_server_read_streams" {
				if got := mf.GetMetric()[0].GetGauge().GetValue(); got != want {
					return fmt.Errorf("read_streams = %v, want %v", got, want)
				}
				return nil
			}
		}
		return fmt.Errorf("no read_streams gauge")
	}
	quorumtest.WaitFor(t, 5*time.Second, func() error { return streams(1) })
	r.Close()
	quorumtest.WaitFor(t, 5*time.Second, func() error {
		if err := streams(0); err != nil {
			return err
		}
		if got := requests(t, reg, "Read", codes.Canceled); got != 1 {
			return fmt.Errorf(`requests_total{method="Read",code="Canceled"} = %v, want 1`, got)
		}
		return nil
	})
	// The node's metrics share the registry.
	if got := testutil.CollectAndCount(reg, "quorumlog_quorum_is_leader"); got != 1 {
		t.Errorf("quorumlog_quorum_is_leader series = %d, want 1", got)
	}
}
