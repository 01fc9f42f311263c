package server_test

import (
	"context"
	"crypto/tls"
	"errors"
	"hash/crc32"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"

	pb "github.com/quorumlog/quorumlog/api/quorumlogpb"
	"github.com/quorumlog/quorumlog/client"
	"github.com/quorumlog/quorumlog/client/clienttest"
	"github.com/quorumlog/quorumlog/quorum/server"
	"github.com/quorumlog/quorumlog/quorum/server/authz"
	"github.com/quorumlog/quorumlog/quorum/server/servertest"
)

// authzRules is the file of the authorization tests: a writer of shard-*,
// a reader of shard-*, an admin, and the nodes (certificate "node").
const authzRules = `
# nodes call each other (read index) with this certificate
cn:node cluster
cn:writer read,append,trim,create shard-*
cn:reader read shard-*
cn:admin all *
`

// authzCluster is a 3-node in-process cluster serving TLS with client
// certificates required and the rules of file, with metrics in regs.
type authzCluster struct {
	*servertest.Cluster
	pki  *clienttest.PKI
	file *authz.File
	regs []*prometheus.Registry
}

func startAuthz(t *testing.T, rules string) *authzCluster {
	t.Helper()
	pki := clienttest.NewPKI(t)
	path := filepath.Join(t.TempDir(), "authz")
	if err := os.WriteFile(path, []byte(rules), 0o600); err != nil {
		t.Fatal(err)
	}
	f, err := authz.Open(path, nil, nil)
	if err != nil {
		t.Fatal(err)
	}
	nodeTLS := clientTLS(t, pki, "node")
	ac := &authzCluster{pki: pki, file: f}
	for range 3 {
		ac.regs = append(ac.regs, prometheus.NewPedanticRegistry())
	}
	ac.Cluster = servertest.StartWith(t, 3, servertest.Options{
		ServerTLS: pki.ServerTLS(t, "node"),
		Server: func(i int, cfg *server.Config) {
			cfg.Authz, cfg.PeerTLS, cfg.Metrics = f, nodeTLS, ac.regs[i]
		},
	})
	return ac
}

// denied sums quorumlog_server_requests_total{code="PermissionDenied"}
// over every method and node.
func (ac *authzCluster) denied(t *testing.T) float64 {
	t.Helper()
	n := 0.0
	for _, reg := range ac.regs {
		mfs, err := reg.Gather()
		if err != nil {
			t.Fatal(err)
		}
		for _, mf := range mfs {
			if mf.GetName() != "quorumlog_server_requests_total" {
				continue
			}
			for _, m := range mf.GetMetric() {
				for _, l := range m.GetLabel() {
					if l.GetName() == "code" && l.GetValue() == codes.PermissionDenied.String() {
						n += m.GetCounter().GetValue()
					}
				}
			}
		}
	}
	return n
}

func clientTLS(t *testing.T, pki *clienttest.PKI, name string) *tls.Config {
	t.Helper()
	certFile, keyFile := pki.Issue(t, name)
	cfg, err := client.LoadTLS(pki.CAFile, certFile, keyFile)
	if err != nil {
		t.Fatal(err)
	}
	return cfg
}

// as is a client of the cluster with a certificate for name.
func (ac *authzCluster) as(t *testing.T, name string, endpoints ...string) *client.Client {
	t.Helper()
	if len(endpoints) == 0 {
		endpoints = ac.Addrs
	}
	c, err := client.New(t.Context(), client.Config{Endpoints: endpoints, TLS: clientTLS(t, ac.pki, name)})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close() })
	return c
}

// wantDenied checks that err is PERMISSION_DENIED with msg.
func wantDenied(t *testing.T, what string, err error, msg string) {
	t.Helper()
	var se *client.StatusError
	if !errors.Is(err, client.ErrPermissionDenied) || !errors.As(err, &se) || se.Code != codes.PermissionDenied || se.Message != msg {
		t.Fatalf("%s: %v; want PERMISSION_DENIED %q", what, err, msg)
	}
}

func TestAuthz_Calls(t *testing.T) {
	ac := startAuthz(t, authzRules)
	ctx, cancel := context.WithTimeout(t.Context(), 30*time.Second)
	defer cancel()
	admin, writer, reader, nobody := ac.as(t, "admin"), ac.as(t, "writer"), ac.as(t, "reader"), ac.as(t, "nobody")

	if err := writer.CreateLog(ctx, "shard-1"); err != nil {
		t.Fatal(err)
	}
	if err := admin.CreateLog(ctx, "orders"); err != nil {
		t.Fatal(err)
	}
	if _, err := writer.Append(ctx, "shard-1", [][]byte{[]byte("a"), []byte("b")}); err != nil {
		t.Fatal(err)
	}
	leader := ac.Leader()

	_, err := reader.Append(ctx, "shard-1", [][]byte{[]byte("no")})
	wantDenied(t, "reader append", err, `client cn:reader may not append to log "shard-1"`)
	_, err = reader.Trim(ctx, "shard-1", 1)
	wantDenied(t, "reader trim", err, `client cn:reader may not trim log "shard-1"`)
	wantDenied(t, "reader create", reader.CreateLog(ctx, "shard-2"), `client cn:reader may not create log "shard-2"`)
	wantDenied(t, "writer delete", writer.DeleteLog(ctx, "shard-1"), `client cn:writer may not delete log "shard-1"`)
	_, err = writer.Append(ctx, "orders", [][]byte{[]byte("no")})
	wantDenied(t, "writer append to orders", err, `client cn:writer may not append to log "orders"`)
	_, err = writer.Describe(ctx, "orders")
	wantDenied(t, "writer describe orders", err, `client cn:writer may not read log "orders"`)
	err = writer.RemoveMember(ctx, "n1", false)
	wantDenied(t, "writer remove member", err, `client cn:writer may not call /quorumlog.v1.ClusterService/RemoveMember (it needs the cluster permission)`)
	r, err := writer.Read(ctx, "orders", 1)
	if err == nil {
		_, err = r.Next()
		r.Close()
	}
	wantDenied(t, "writer read orders", err, `client cn:writer may not read log "orders"`)

	// Each refused call was answered once, and counted: the client
	// retried none of them.
	if n := ac.denied(t); n != 8 {
		t.Fatalf("%v calls counted PermissionDenied, want the 8 above, once each", n)
	}

	// Nothing refused changed anything.
	info, err := admin.Describe(ctx, "shard-1", client.Linearizable())
	if err != nil || info.FirstID != 1 || info.LastID != 2 {
		t.Fatalf("shard-1 after refusals: %+v, %v", info, err)
	}
	if info, err := admin.Describe(ctx, "orders", client.Linearizable()); err != nil || info.LastID != 0 {
		t.Fatalf("orders after refusals: %+v, %v", info, err)
	}

	// The reader reads, linearizably on a follower too: that follower asks
	// the leader for a read index with the node certificate (cluster).
	follower := ac.Addrs[(leader+1)%3]
	fr := ac.as(t, "reader", follower)
	r, err = fr.Read(ctx, "shard-1", 1, client.Linearizable())
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for len(got) < 2 {
		ev, err := r.Next()
		if err != nil {
			t.Fatalf("reader Next: %v", err)
		}
		if !ev.CaughtUp {
			got = append(got, string(ev.Record.Payload))
		}
	}
	r.Close()
	if !slices.Equal(got, []string{"a", "b"}) {
		t.Fatalf("reader read %q", got)
	}

	// ListLogs lists what the client may read; nobody lists nothing.
	for _, tc := range []struct {
		c    *client.Client
		want []string
	}{{admin, []string{"orders", "shard-1"}}, {reader, []string{"shard-1"}}, {nobody, nil}} {
		logs, err := tc.c.ListLogs(ctx)
		if err != nil {
			t.Fatal(err)
		}
		var names []string
		for _, l := range logs {
			names = append(names, l.Name)
		}
		slices.Sort(names)
		if !slices.Equal(names, tc.want) {
			t.Fatalf("ListLogs = %q, want %q", names, tc.want)
		}
	}

	// Status stays open: clients find the leader with it.
	if _, err := nobody.Status(ctx); err != nil {
		t.Fatalf("Status of a client with no grant: %v", err)
	}
}

// TestAuthz_AppendStreamDeniedInTheMiddle: a stream's messages are checked
// one by one; the refused one is answered PERMISSION_DENIED in the stream
// and nothing of it is proposed, the others commit.
func TestAuthz_AppendStreamDeniedInTheMiddle(t *testing.T) {
	ac := startAuthz(t, authzRules)
	ctx, cancel := context.WithTimeout(t.Context(), 30*time.Second)
	defer cancel()
	admin := ac.as(t, "admin")
	for _, l := range []string{"shard-1", "orders"} {
		if err := admin.CreateLog(ctx, l); err != nil {
			t.Fatal(err)
		}
	}
	cc, err := grpc.NewClient(ac.Addrs[ac.Leader()], grpc.WithTransportCredentials(client.NewTLSCredentials(clientTLS(t, ac.pki, "writer"))))
	if err != nil {
		t.Fatal(err)
	}
	defer cc.Close()
	st, err := pb.NewLogServiceClient(cc).AppendStream(ctx)
	if err != nil {
		t.Fatal(err)
	}
	for tag, l := range []string{"shard-1", "shard-1", "orders", "shard-1"} {
		req := &pb.AppendStreamRequest{Tag: uint64(tag), Append: &pb.AppendRequest{Log: l, Records: []*pb.Record{{Payload: []byte(l), Crc32C: crc32.Checksum([]byte(l), crc32.MakeTable(crc32.Castagnoli))}}}}
		if err := st.Send(req); err != nil {
			t.Fatal(err)
		}
	}
	if err := st.CloseSend(); err != nil {
		t.Fatal(err)
	}
	answers := map[uint64]*pb.AppendStreamResponse{}
	for range 4 {
		resp, err := st.Recv()
		if err != nil {
			t.Fatal(err)
		}
		answers[resp.GetTag()] = resp
	}
	for tag := range uint64(4) {
		a := answers[tag]
		if tag == 2 {
			if a.GetError().GetCode() != int32(codes.PermissionDenied) || a.GetError().GetMessage() != `client cn:writer may not append to log "orders"` {
				t.Fatalf("tag 2: %v", a)
			}
			continue
		}
		if a.GetResult() == nil {
			t.Fatalf("tag %d: %v", tag, a)
		}
	}
	if info, err := admin.Describe(ctx, "shard-1", client.Linearizable()); err != nil || info.LastID != 3 {
		t.Fatalf("shard-1: %+v, %v; want 3 records", info, err)
	}
	if info, err := admin.Describe(ctx, "orders", client.Linearizable()); err != nil || info.LastID != 0 {
		t.Fatalf("orders: %+v, %v; want none", info, err)
	}
}

// TestAuthz_Reload: a good change of the file takes effect at the next
// Check; a bad one is refused and the previous rules stay.
func TestAuthz_Reload(t *testing.T) {
	ac := startAuthz(t, authzRules)
	ctx, cancel := context.WithTimeout(t.Context(), 30*time.Second)
	defer cancel()
	if err := ac.as(t, "admin").CreateLog(ctx, "shard-1"); err != nil {
		t.Fatal(err)
	}
	reader := ac.as(t, "reader")
	_, err := reader.Append(ctx, "shard-1", [][]byte{[]byte("x")})
	wantDenied(t, "reader append", err, `client cn:reader may not append to log "shard-1"`)

	rename(t, ac.file.Path(), authzRules+"cn:reader bogus shard-*\n")
	if ac.file.Check() {
		t.Fatal("a bad file was applied")
	}
	_, err = reader.Append(ctx, "shard-1", [][]byte{[]byte("x")})
	wantDenied(t, "reader append after a bad change", err, `client cn:reader may not append to log "shard-1"`)
	if _, err := reader.Describe(ctx, "shard-1", client.Linearizable()); err != nil {
		t.Fatalf("the previous rules are not in force after a bad change: %v", err)
	}

	rename(t, ac.file.Path(), strings.Replace(authzRules, "cn:reader read", "cn:reader read,append", 1))
	if !ac.file.Check() {
		t.Fatal("a good change was not applied")
	}
	if _, err := reader.Append(ctx, "shard-1", [][]byte{[]byte("x")}); err != nil {
		t.Fatalf("reader append after the grant: %v", err)
	}
}

func rename(t *testing.T, path, data string) {
	t.Helper()
	if err := os.WriteFile(path+".new", []byte(data), 0o600); err != nil {
		t.Fatal(err)
	}
	if err := os.Rename(path+".new", path); err != nil {
		t.Fatal(err)
	}
}
