package main

// End-to-end tests: real quorumlogd processes on 127.0.0.1, driven through
// the Go client, raw gRPC and the logctl binary. Helpers are in
// e2ecluster_test.go.

import (
	"bufio"
	"bytes"
	"context"
	"crypto/rand"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/credentials/insecure"
	"google.golang.org/grpc/status"

	pb "github.com/quorumlog/quorumlog/api/quorumlogpb"
	"github.com/quorumlog/quorumlog/client"
	"github.com/quorumlog/quorumlog/cmd/internal/proctest"
)

// appendOutcome is one Append of the load test, as the writer saw it.
type appendOutcome struct {
	payload    string
	res        client.AppendResult
	err        error
	start, end time.Time
}

// errorKind classifies an append error: "unknown" (may have committed),
// "unavailable" (nothing was proposed), else the gRPC code name.
func errorKind(err error) string {
	switch {
	case errors.Is(err, client.ErrOutcomeUnknown):
		return "unknown"
	case errors.Is(err, client.ErrUnavailable):
		return "unavailable"
	}
	return client.ErrorCode(err)
}

func TestE2E_KillLeaderUnderLoad(t *testing.T) {
	for _, store := range []string{"bolt", "wal"} {
		t.Run(store, func(t *testing.T) { testKillLeaderUnderLoad(t, store) })
	}
}

func testKillLeaderUnderLoad(t *testing.T, store string) {
	const writers = 8
	target := int64(10_000)
	if testing.Short() {
		target = 3_000
	}
	c := newCluster(t, clusterOptions{logStore: store})
	cl := c.client()
	const log = "load"
	if err := cl.CreateLog(t.Context(), log); err != nil {
		t.Fatalf("CreateLog(%q) = %v", log, err)
	}

	// Writers: append "w<g>-<i>" until target appends are acknowledged or
	// the deadline passes.
	began := time.Now()
	deadline := began.Add(60 * time.Second)
	var acked atomic.Int64
	outcomes := make([][]appendOutcome, writers)
	var wg sync.WaitGroup
	for g := range writers {
		wg.Go(func() {
			for i := 0; acked.Load() < target && time.Now().Before(deadline); i++ {
				o := appendOutcome{payload: fmt.Sprintf("w%d-%d", g, i), start: time.Now()}
				ctx, cancel := context.WithTimeout(t.Context(), 10*time.Second)
				o.res, o.err = cl.Append(ctx, log, [][]byte{[]byte(o.payload)})
				cancel()
				o.end = time.Now()
				if o.err == nil {
					acked.Add(1)
				}
				outcomes[g] = append(outcomes[g], o)
			}
		})
	}

	// After ~30% of the acks, kill -9 the leader and time the recovery.
	proctest.WaitFor(t, 60*time.Second, func() error {
		if n := acked.Load(); n < target*3/10 {
			return fmt.Errorf("%d of %d appends acknowledged before the kill", n, target)
		}
		return nil
	})
	old := c.leader()
	ackedAtKill := acked.Load()
	killAt := time.Now()
	c.kill9(old)
	newLeader := c.leader()
	electedAfter := time.Since(killAt)
	wg.Wait()
	writeTime := time.Since(began)

	c.restart(old)
	restartedAt := time.Now()
	want := c.waitConverged(log, 0)
	convergedAfter := time.Since(restartedAt)

	// Sort out what the writers saw.
	ackedByPayload := make(map[string]client.AppendResult)
	maybe := make(map[string]bool)  // may or may not be in the log
	absent := make(map[string]bool) // must not be in the log
	kinds := make(map[string]int)
	firstAfterKill := time.Duration(-1)
	for _, outs := range outcomes {
		for _, o := range outs {
			if o.err == nil {
				ackedByPayload[o.payload] = o.res
				if o.start.After(killAt) && (firstAfterKill < 0 || o.end.Sub(killAt) < firstAfterKill) {
					firstAfterKill = o.end.Sub(killAt)
				}
				continue
			}
			k := errorKind(o.err)
			kinds[k]++
			switch k {
			case "unknown":
				maybe[o.payload] = true
			case "unavailable":
				absent[o.payload] = true
			default:
				maybe[o.payload] = true
				if kinds[k] <= 3 {
					t.Errorf("Append(%q) = %v (%s), want success, an unknown outcome or UNAVAILABLE", o.payload, o.err, k)
				}
			}
		}
	}
	t.Logf("%s: %d appends acknowledged in %v (%d before the kill of %s); errors by kind %v",
		store, len(ackedByPayload), writeTime.Round(time.Millisecond), ackedAtKill, c.nodes[old].id, kinds)
	t.Logf("%s: new leader %s seen %v after the kill; first ack of an append started after the kill %v after it; killed node converged %v after its restart; log has %d records",
		store, c.nodes[newLeader].id, electedAfter.Round(time.Millisecond), firstAfterKill.Round(time.Millisecond), convergedAfter.Round(time.Millisecond), want.LastID)
	if int64(len(ackedByPayload)) < target {
		t.Logf("%s: the 60s deadline ended the load at %d of %d acks", store, len(ackedByPayload), target)
	}
	if firstAfterKill < 0 {
		t.Errorf("no append started after the kill was acknowledged")
	}

	for i := range c.nodes {
		nc := c.nodeClient(i)
		info, err := c.describeOn(nc, log)
		if err != nil {
			t.Fatalf("Describe(%q) on %s = %v", log, c.nodes[i].id, err)
		}
		if info.LastID != want.LastID || info.Checksum != want.Checksum {
			t.Errorf("%s: Describe = last id %d checksum %08x, want %d %08x (as %s)",
				c.nodes[i].id, info.LastID, info.Checksum, want.LastID, want.Checksum, c.nodes[0].id)
		}
		recs, err := readAll(t.Context(), nc, log, 1)
		if err != nil {
			t.Fatalf("reading %q on %s: %v", log, c.nodes[i].id, err)
		}
		checkLoadLog(t, c.nodes[i].id, recs, info, ackedByPayload, maybe, absent)
	}
}

// checkLoadLog checks the records of the load test's log as one node
// serves them.
func checkLoadLog(t *testing.T, node string, recs []client.Record, info client.LogInfo,
	acked map[string]client.AppendResult, maybe, absent map[string]bool) {
	t.Helper()
	if uint64(len(recs)) != info.LastID {
		t.Errorf("%s: read %d records, want last id %d of Describe", node, len(recs), info.LastID)
	}
	running := make([]uint32, len(recs)+1) // running[id]: checksum after id
	at := make(map[string]uint64, len(recs))
	errs := 0
	report := func(format string, args ...any) {
		if errs++; errs <= 10 {
			t.Errorf(node+": "+format, args...)
		}
	}
	for i, r := range recs {
		if r.ID != uint64(i+1) {
			report("record %d has id %d, want %d (ids must be 1..N without gaps)", i, r.ID, i+1)
			return
		}
		running[r.ID] = client.Checksum(running[r.ID-1], r.Payload)
		p := string(r.Payload)
		if prev, dup := at[p]; dup {
			report("payload %q at ids %d and %d", p, prev, r.ID)
		}
		at[p] = r.ID
		_, ok := acked[p]
		switch {
		case absent[p]:
			report("payload %q at id %d, but its append failed with nothing proposed", p, r.ID)
		case !ok && !maybe[p]:
			report("payload %q at id %d was never appended", p, r.ID)
		}
	}
	if got := running[len(recs)]; got != info.Checksum {
		report("running checksum of the records %08x, Describe says %08x", got, info.Checksum)
	}
	for p, res := range acked {
		id, ok := at[p]
		switch {
		case !ok:
			report("acknowledged payload %q (id %d) is missing", p, res.FirstID)
		case id != res.FirstID || res.LastID != res.FirstID:
			report("acknowledged payload %q at id %d, acknowledged as ids %d..%d", p, id, res.FirstID, res.LastID)
		case running[id] != res.Checksum:
			report("running checksum after %q (id %d) is %08x, acknowledged as %08x", p, id, running[id], res.Checksum)
		}
	}
	if errs > 10 {
		t.Errorf("%s: %d more problems", node, errs-10)
	}
}

func TestE2E_LogctlRoundTrip(t *testing.T) {
	c := newCluster(t, clusterOptions{})
	endpoints := strings.Join(c.grpcAddrs(), ",")
	logctl := func(stdin string, args ...string) (string, string, int) {
		t.Helper()
		return runLogctl(t, stdin, append([]string{"--endpoints", endpoints, "--timeout", "20s"}, args...)...)
	}
	mustLogctl := func(stdin string, args ...string) string {
		t.Helper()
		stdout, stderr, code := logctl(stdin, args...)
		if code != 0 {
			t.Fatalf("logctl %q exited %d, want 0; stderr:\n%s", args, code, stderr)
		}
		return stdout
	}
	lines := func(s string) []string { return strings.Split(strings.TrimSuffix(s, "\n"), "\n") }

	const log = "roundtrip"
	mustLogctl("", "create", log)
	if got, want := mustLogctl("", "append", log, "one", "two"), "first_id=1 last_id=2 "; !strings.HasPrefix(got, want) {
		t.Errorf("append one two: stdout %q, want prefix %q", got, want)
	}
	if got, want := mustLogctl("three\nfour\nfive\n", "append", log), "first_id=3 last_id=5 "; !strings.HasPrefix(got, want) {
		t.Errorf("append from stdin: stdout %q, want prefix %q", got, want)
	}
	payloads := []string{"one", "two", "three", "four", "five"}
	if diff := cmp.Diff(payloads, lines(mustLogctl("", "read", log))); diff != "" {
		t.Errorf("read: stdout lines differ (-want +got):\n%s", diff)
	}

	type jsonRecord struct {
		ID       uint64 `json:"id"`
		Payload  string `json:"payload"`
		Encoding string `json:"encoding,omitempty"`
	}
	var gotJSON, wantJSON []jsonRecord
	for i, p := range payloads {
		wantJSON = append(wantJSON, jsonRecord{ID: uint64(i + 1), Payload: p})
	}
	sc := bufio.NewScanner(strings.NewReader(mustLogctl("", "read", log, "--json")))
	for sc.Scan() {
		var jr jsonRecord
		if err := json.Unmarshal(sc.Bytes(), &jr); err != nil {
			t.Fatalf("read --json: line %q: %v", sc.Text(), err)
		}
		gotJSON = append(gotJSON, jr)
	}
	if diff := cmp.Diff(wantJSON, gotJSON); diff != "" {
		t.Errorf("read --json differs (-want +got):\n%s", diff)
	}

	// Conditional appends.
	if _, stderr, code := logctl("", "append", log, "--if-last-id", "1", "stale"); code != 1 || !strings.Contains(stderr, "ABORTED") {
		t.Errorf("append --if-last-id 1: exit %d, stderr %q; want exit 1 and ABORTED", code, stderr)
	}
	if got, want := mustLogctl("", "append", log, "--if-last-id", "5", "six"), "first_id=6 last_id=6 "; !strings.HasPrefix(got, want) {
		t.Errorf("append --if-last-id 5: stdout %q, want prefix %q", got, want)
	}

	// Trim, then reading trimmed IDs fails naming the first readable ID.
	if got, want := mustLogctl("", "trim", log, "--through", "3"), "first_id=4 last_id=6\n"; got != want {
		t.Errorf("trim --through 3: stdout %q, want %q", got, want)
	}
	if _, stderr, code := logctl("", "read", log, "--from", "1"); code != 1 || !strings.Contains(stderr, "OUT_OF_RANGE") || !regexp.MustCompile(`\b4\b`).MatchString(stderr) {
		t.Errorf("read --from 1 after trim: exit %d, stderr %q; want exit 1, OUT_OF_RANGE and first id 4", code, stderr)
	}
	if diff := cmp.Diff([]string{"four", "five", "six"}, lines(mustLogctl("", "read", log))); diff != "" {
		t.Errorf("read after trim: stdout lines differ (-want +got):\n%s", diff)
	}
	if got := mustLogctl("", "describe", log); !strings.Contains(got, "first id: 4\n") || !strings.Contains(got, "last id: 6\n") {
		t.Errorf("describe: stdout %q, want first id 4 and last id 6", got)
	}
	if got := mustLogctl("", "logs"); !regexp.MustCompile(`(?m)^` + log + `\s+4\s+6\s`).MatchString(got) {
		t.Errorf("logs: stdout %q, want a line for %s with first id 4 and last id 6", got, log)
	}

	// Status: three voters in zones a, b, c.
	st := mustLogctl("", "status")
	zones := make(map[string]string)
	for _, l := range lines(st) {
		f := strings.Fields(l)
		if len(f) >= 3 && f[2] == "voter" {
			zones[f[0]] = f[1]
		}
	}
	if diff := cmp.Diff(map[string]string{"n1": "a", "n2": "b", "n3": "c"}, zones); diff != "" {
		t.Errorf("status: voters and zones differ (-want +got):\n%s\nstdout:\n%s", diff, st)
	}
	if !strings.Contains(st, "record limit: 1048576 bytes\n") {
		t.Errorf("status: stdout %q, want the serving node's record limit (the default 1 MiB)", st)
	}
	if !strings.Contains(st, "voters per zone: a=1 b=1 c=1\n") || !strings.Contains(st, "survives zone loss: yes\n") {
		t.Errorf("status: stdout %q, want voters per zone a=1 b=1 c=1 and surviving zone loss", st)
	}

	// Usage errors exit 2.
	for _, args := range [][]string{{"append"}, {"frobnicate"}, {"read", log, "--from", "x"}, {"trim", log}} {
		if _, _, code := logctl("", args...); code != 2 {
			t.Errorf("logctl %q: exit %d, want 2", args, code)
		}
	}
}

// A cluster whose --max-record-bytes exceeds gRPC's default 4 MiB message
// takes such records and gives them back, to the client library and to
// logctl.
func TestE2E_RecordsLargerThanGRPCsDefaultMessage(t *testing.T) {
	c := newCluster(t, clusterOptions{maxRecordBytes: 16 << 20})
	endpoints := strings.Join(c.grpcAddrs(), ",")
	logctl := func(stdin string, args ...string) string {
		t.Helper()
		stdout, stderr, code := runLogctl(t, stdin, append([]string{"--endpoints", endpoints, "--timeout", "30s"}, args...)...)
		if code != 0 {
			t.Fatalf("logctl %q exited %d, want 0; stderr:\n%s", args, code, stderr)
		}
		return stdout
	}
	const log = "large"
	logctl("", "create", log)
	big := strings.Repeat("0123456789abcdef", 6<<20/16) // 6 MiB
	logctl(big+"\nsmall\n", "append", log)
	if got := logctl("", "read", log); got != big+"\nsmall\n" {
		t.Fatalf("logctl read: %d bytes, want the %d appended", len(got), len(big)+7)
	}
	recs, err := readAll(t.Context(), c.client(), log, 1)
	if err != nil || len(recs) != 2 || string(recs[0].Payload) != big {
		t.Fatalf("client read: %d records, %v", len(recs), err)
	}
}

// A client asks a node how large a request it takes, and keeps the
// answer. Nodes restarted with another --max-record-bytes are heeded by the
// same client, on the append stream and unary: once the limit is raised a
// larger append goes through, and once it is lowered again the append is
// refused with a clear, certain error before it is sent. Nothing but the
// one accepted append is written.
func TestE2E_ClientFollowsARestartedClustersRecordLimit(t *testing.T) {
	c := newCluster(t, clusterOptions{maxRecordBytes: 1 << 20}) // 16 MiB of records an append
	stream := c.client()
	unary, err := client.New(t.Context(), client.Config{Endpoints: c.grpcAddrs(), UnaryAppend: true,
		DialTimeout: 2 * time.Second, RetryBackoff: 5 * time.Millisecond, MaxRetryBackoff: 200 * time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	defer unary.Close()
	clients := map[string]*client.Client{"stream": stream, "unary": unary}
	const log = "limit"
	if err := stream.CreateLog(t.Context(), log); err != nil {
		t.Fatal(err)
	}
	records := make([][]byte, 20) // 20 MiB
	for i := range records {
		records[i] = bytes.Repeat([]byte{byte('a' + i)}, 1<<20)
	}
	refused := func(stage string) {
		t.Helper()
		for name, cl := range clients {
			_, err := cl.Append(t.Context(), log, records)
			if !errors.Is(err, client.ErrInvalidArgument) || errors.Is(err, client.ErrOutcomeUnknown) || !strings.Contains(err.Error(), "--max-record-bytes") {
				t.Fatalf("%s: %s Append of 20 MiB = %v, want a certain ErrInvalidArgument naming --max-record-bytes", stage, name, err)
			}
		}
	}
	restartWithLimit := func(maxRecord int) {
		t.Helper()
		for _, nd := range c.nodes {
			nd.args = append(nd.args, "--max-record-bytes", fmt.Sprint(maxRecord)) // the last one counts
		}
		c.restartAll(c.stop)
	}

	refused("at 1 MiB")
	restartWithLimit(2 << 20) // 32 MiB an append
	for name, cl := range clients {
		if _, err := cl.Append(t.Context(), log, records); err != nil {
			t.Fatalf("after raising the limit to 2 MiB: %s Append of 20 MiB = %v", name, err)
		}
	}
	restartWithLimit(1 << 20)
	refused("lowered to 1 MiB again")
	// At least the two appends' records: right after restartAll a node may
	// not have applied its raft log again yet, and three such nodes agree.
	if info := c.waitConverged(log, 2*uint64(len(records))); info.LastID != 2*uint64(len(records)) {
		t.Fatalf("Describe(%q) = last ID %d, want %d: the two accepted appends and nothing else", log, info.LastID, 2*len(records))
	}
}

// The largest append a cluster takes (--max-record-bytes at its limit of
// 32 MiB: 48 MiB of records in one append, one raft entry) survives kill -9
// of every node: raft-wal reads back entries of at most 64 MiB, and writes
// larger ones without complaint, so a larger append must be refused. It
// is, with a clear error and nothing written. (Before, a 60 MB append was
// acknowledged and every node then panicked on restart.)
func TestE2E_LargestAppendSurvivesKillingEveryNode(t *testing.T) {
	c := newCluster(t, clusterOptions{maxRecordBytes: 32 << 20})
	cl := c.client()
	const log = "largest"
	if err := cl.CreateLog(t.Context(), log); err != nil {
		t.Fatal(err)
	}
	records := make([][]byte, 5)
	for i := range records {
		records[i] = bytes.Repeat([]byte{byte('a' + i)}, 12_000_000)
	}
	if _, err := cl.Append(t.Context(), log, records); !errors.Is(err, client.ErrInvalidArgument) {
		t.Fatalf("Append of 60 MB = %v, want ErrInvalidArgument", err)
	}
	if _, err := cl.Append(t.Context(), log, records[:4]); err != nil { // 48 MB
		t.Fatalf("Append of 48 MB = %v", err)
	}
	before := c.waitConverged(log, 4)
	c.restartAll(c.kill9)
	// Nodes answer Describe while they replay their raft logs: wait for
	// the acknowledged append to be back (a lost one times the wait out).
	if diff := cmp.Diff(before, c.waitConverged(log, before.LastID)); diff != "" {
		t.Errorf("Describe(%q) after kill -9 of every node differs (-before +after):\n%s", log, diff)
	}
	for i := range c.nodes {
		recs, err := readAll(t.Context(), c.nodeClient(i), log, 1)
		if err != nil || len(recs) != 4 {
			t.Fatalf("%s: %d records, %v; want 4", c.nodes[i].id, len(recs), err)
		}
		for j, r := range recs {
			if !bytes.Equal(r.Payload, records[j]) {
				t.Fatalf("%s: record %d differs after the restart", c.nodes[i].id, r.ID)
			}
		}
	}
}

// The raft log on disk stays near --raft-log-bytes whatever the entries'
// size: raft counts what it keeps in entries (100,000 by default), which
// for 1 MB records would be 100 GB. 600 MB appended with a 64 MiB budget
// leave at most a few 64 MiB raft-wal segments on each node, and every
// record readable on every node, also after a restart of all of them.
func TestE2E_RaftLogStaysWithinItsByteBudget(t *testing.T) {
	c := newCluster(t, clusterOptions{raftLogBytes: 64 << 20})
	cl := c.client()
	const log = "budget"
	if err := cl.CreateLog(t.Context(), log); err != nil {
		t.Fatal(err)
	}
	const appends, size = 600, 1_000_000
	for i := range appends {
		if _, err := cl.Append(t.Context(), log, [][]byte{bytes.Repeat([]byte{byte(i)}, size)}); err != nil {
			t.Fatalf("Append %d: %v", i, err)
		}
	}
	c.waitConverged(log, appends)
	const most = 5 * 64 << 20 // the tail segment and those holding the newest 64 MiB, with room
	for _, nd := range c.nodes {
		proctest.WaitFor(t, 30*time.Second, func() error {
			n, err := dirBytes(filepath.Join(nd.dataDir, "raft"))
			if err != nil {
				return err
			}
			if n > most {
				return fmt.Errorf("%s: raft directory holds %d bytes after %d MB appended, want at most %d", nd.id, n, appends*size>>20, most)
			}
			t.Logf("%s: raft directory holds %d bytes", nd.id, n)
			return nil
		})
	}
	c.restartAll(c.stop)
	for i := range c.nodes {
		recs, err := readAll(t.Context(), c.nodeClient(i), log, 1)
		if err != nil || len(recs) != appends {
			t.Fatalf("%s: %d records, %v; want %d", c.nodes[i].id, len(recs), err, appends)
		}
		for j, r := range recs {
			if len(r.Payload) != size || r.Payload[0] != byte(j) {
				t.Fatalf("%s: record %d differs", c.nodes[i].id, r.ID)
			}
		}
	}
}

// dirBytes is the disk space the files under dir take (allocated blocks).
func dirBytes(dir string) (int64, error) {
	var n int64
	err := filepath.WalkDir(dir, func(path string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		info, err := d.Info()
		if err != nil {
			return err
		}
		if st, ok := info.Sys().(*syscall.Stat_t); ok {
			n += st.Blocks * 512
		} else {
			n += info.Size()
		}
		return nil
	})
	return n, err
}

func TestE2E_BadInput(t *testing.T) {
	const maxRecord = 1024
	c := newCluster(t, clusterOptions{maxRecordBytes: maxRecord})
	cl := c.client()
	const log = "good"
	if err := cl.CreateLog(t.Context(), log); err != nil {
		t.Fatalf("CreateLog(%q) = %v", log, err)
	}
	for i := range 3 {
		if _, err := cl.Append(t.Context(), log, [][]byte{fmt.Appendf(nil, "r%d", i)}); err != nil {
			t.Fatalf("Append = %v", err)
		}
	}
	beforeLists, beforeInfo := listAll(t, c), c.waitConverged(log, 3)

	raw := make([]pb.LogServiceClient, len(c.nodes))
	for i, nd := range c.nodes {
		cc, err := grpc.NewClient(nd.grpcAddr, grpc.WithTransportCredentials(insecure.NewCredentials()))
		if err != nil {
			t.Fatalf("grpc.NewClient(%q) = %v", nd.grpcAddr, err)
		}
		t.Cleanup(func() { cc.Close() })
		raw[i] = pb.NewLogServiceClient(cc)
	}
	leader := c.leader()

	rec := func(p []byte) *pb.Record { return &pb.Record{Payload: p, Crc32C: client.CRC32C(p)} }
	big := make([]byte, maxRecord+1)
	tooLarge := make([][]byte, 18_000)
	for i := range tooLarge {
		tooLarge[i] = bytes.Repeat([]byte("x"), 1000)
	}
	badNames := map[string]string{"empty": "", "space": "a b", "129 bytes": strings.Repeat("x", 129), "dot-dot-slash": "../x"}
	const unknown = "no-such-log"
	beyond := beforeInfo.LastID + 2

	t.Run("client", func(t *testing.T) {
		type tc struct {
			name string
			call func(ctx context.Context) error
			want error
		}
		tests := []tc{
			{"empty record", func(ctx context.Context) error {
				_, err := cl.Append(ctx, log, [][]byte{[]byte("x"), {}})
				return err
			}, client.ErrInvalidArgument},
			{"zero records", func(ctx context.Context) error { _, err := cl.Append(ctx, log, nil); return err }, client.ErrInvalidArgument},
			{"oversized record", func(ctx context.Context) error {
				_, err := cl.Append(ctx, log, [][]byte{big})
				return err
			}, client.ErrInvalidArgument},
			{"append larger than a request may be", func(ctx context.Context) error {
				// 18,000 records of 1000 bytes: each within --max-record-bytes,
				// together more than the nodes take in one request (17 MiB).
				_, err := cl.Append(ctx, log, tooLarge)
				return err
			}, client.ErrInvalidArgument},
			{"unknown log append", func(ctx context.Context) error {
				_, err := cl.Append(ctx, unknown, [][]byte{[]byte("x")})
				return err
			}, client.ErrNotFound},
			{"unknown log append-if", func(ctx context.Context) error {
				_, err := cl.AppendIf(ctx, unknown, 0, [][]byte{[]byte("x")})
				return err
			}, client.ErrNotFound},
			{"unknown log describe", func(ctx context.Context) error { _, err := cl.Describe(ctx, unknown); return err }, client.ErrNotFound},
			{"unknown log read", func(ctx context.Context) error { _, err := readAll(ctx, cl, unknown, 0); return err }, client.ErrNotFound},
			{"unknown log trim", func(ctx context.Context) error { _, err := cl.Trim(ctx, unknown, 1); return err }, client.ErrNotFound},
			{"unknown log delete", func(ctx context.Context) error { return cl.DeleteLog(ctx, unknown) }, client.ErrNotFound},
			{"read beyond tail", func(ctx context.Context) error { _, err := readAll(ctx, cl, log, beyond); return err }, client.ErrOutOfRange},
		}
		for name, bad := range badNames {
			tests = append(tests,
				tc{"bad name " + name + " create", func(ctx context.Context) error { return cl.CreateLog(ctx, bad) }, client.ErrInvalidArgument},
				tc{"bad name " + name + " append", func(ctx context.Context) error {
					_, err := cl.Append(ctx, bad, [][]byte{[]byte("x")})
					return err
				}, client.ErrInvalidArgument},
				tc{"bad name " + name + " describe", func(ctx context.Context) error { _, err := cl.Describe(ctx, bad); return err }, client.ErrInvalidArgument},
				tc{"bad name " + name + " read", func(ctx context.Context) error { _, err := readAll(ctx, cl, bad, 0); return err }, client.ErrInvalidArgument},
				tc{"bad name " + name + " trim", func(ctx context.Context) error { _, err := cl.Trim(ctx, bad, 1); return err }, client.ErrInvalidArgument},
				tc{"bad name " + name + " delete", func(ctx context.Context) error { return cl.DeleteLog(ctx, bad) }, client.ErrInvalidArgument},
			)
		}
		for _, tt := range tests {
			t.Run(tt.name, func(t *testing.T) {
				ctx, cancel := context.WithTimeout(t.Context(), 10*time.Second)
				defer cancel()
				if err := tt.call(ctx); !errors.Is(err, tt.want) {
					t.Errorf("%s = %v, want %v", tt.name, err, tt.want)
				}
			})
		}
		var re *client.RangeError
		_, err := readAll(t.Context(), cl, log, beyond)
		if !errors.As(err, &re) || re.FirstID != 1 || re.LastID != beforeInfo.LastID {
			t.Errorf("read from %d = %v, want a *RangeError with readable ids 1..%d", beyond, err, beforeInfo.LastID)
		}
		if recs, err := readAll(t.Context(), cl, log, beforeInfo.LastID+1); err != nil || len(recs) != 0 {
			t.Errorf("read from last id + 1 = %d records, %v; want none and no error", len(recs), err)
		}
	})

	t.Run("raw", func(t *testing.T) {
		type tc struct {
			name       string
			call       func(ctx context.Context, lc pb.LogServiceClient) error
			want       codes.Code
			leaderOnly bool // the node must propose to find out
		}
		appendReq := func(name string, recs ...*pb.Record) func(ctx context.Context, lc pb.LogServiceClient) error {
			return func(ctx context.Context, lc pb.LogServiceClient) error {
				_, err := lc.Append(ctx, &pb.AppendRequest{Log: name, Records: recs})
				return err
			}
		}
		read := func(name string, from uint64) func(ctx context.Context, lc pb.LogServiceClient) error {
			return func(ctx context.Context, lc pb.LogServiceClient) error {
				s, err := lc.Read(ctx, &pb.ReadRequest{Log: name, FromId: from})
				if err != nil {
					return err
				}
				for {
					if _, err := s.Recv(); err != nil {
						if errors.Is(err, io.EOF) {
							return nil
						}
						return err
					}
				}
			}
		}
		wrongCRC := &pb.Record{Payload: []byte("payload"), Crc32C: client.CRC32C([]byte("payload")) ^ 1}
		tests := []tc{
			{"empty record", appendReq(log, rec([]byte("x")), &pb.Record{}), codes.InvalidArgument, false},
			{"zero records", appendReq(log), codes.InvalidArgument, false},
			{"oversized record", appendReq(log, rec(big)), codes.InvalidArgument, false},
			{"wrong crc", appendReq(log, rec([]byte("ok")), wrongCRC), codes.InvalidArgument, false},
			{"wrong crc on stream", func(ctx context.Context, lc pb.LogServiceClient) error {
				s, err := lc.AppendStream(ctx)
				if err != nil {
					return err
				}
				if err := s.Send(&pb.AppendStreamRequest{Tag: 7, Append: &pb.AppendRequest{Log: log, Records: []*pb.Record{wrongCRC}}}); err != nil {
					return err
				}
				resp, err := s.Recv()
				if err != nil {
					return err
				}
				s.CloseSend()
				if resp.GetTag() != 7 || resp.GetError() == nil {
					return fmt.Errorf("stream response %v, want an error for tag 7", resp)
				}
				return status.Error(codes.Code(resp.GetError().GetCode()), resp.GetError().GetMessage())
			}, codes.InvalidArgument, false},
			{"unknown log append", appendReq(unknown, rec([]byte("x"))), codes.NotFound, true},
			{"unknown log describe", func(ctx context.Context, lc pb.LogServiceClient) error {
				_, err := lc.DescribeLog(ctx, &pb.DescribeLogRequest{Log: unknown})
				return err
			}, codes.NotFound, false},
			{"unknown log read", read(unknown, 0), codes.NotFound, false},
			{"unknown log trim", func(ctx context.Context, lc pb.LogServiceClient) error {
				_, err := lc.Trim(ctx, &pb.TrimRequest{Log: unknown, ThroughId: 1})
				return err
			}, codes.NotFound, true},
			{"read beyond tail", read(log, beyond), codes.OutOfRange, false},
		}
		for name, bad := range badNames {
			tests = append(tests,
				tc{"bad name " + name + " create", func(ctx context.Context, lc pb.LogServiceClient) error {
					_, err := lc.CreateLog(ctx, &pb.CreateLogRequest{Log: bad})
					return err
				}, codes.InvalidArgument, false},
				tc{"bad name " + name + " append", appendReq(bad, rec([]byte("x"))), codes.InvalidArgument, false},
				tc{"bad name " + name + " describe", func(ctx context.Context, lc pb.LogServiceClient) error {
					_, err := lc.DescribeLog(ctx, &pb.DescribeLogRequest{Log: bad})
					return err
				}, codes.InvalidArgument, false},
				tc{"bad name " + name + " read", read(bad, 0), codes.InvalidArgument, false},
				tc{"bad name " + name + " trim", func(ctx context.Context, lc pb.LogServiceClient) error {
					_, err := lc.Trim(ctx, &pb.TrimRequest{Log: bad, ThroughId: 1})
					return err
				}, codes.InvalidArgument, false},
				tc{"bad name " + name + " delete", func(ctx context.Context, lc pb.LogServiceClient) error {
					_, err := lc.DeleteLog(ctx, &pb.DeleteLogRequest{Log: bad})
					return err
				}, codes.InvalidArgument, false},
			)
		}
		for _, tt := range tests {
			t.Run(tt.name, func(t *testing.T) {
				for i, lc := range raw {
					if tt.leaderOnly && i != leader {
						continue
					}
					ctx, cancel := context.WithTimeout(t.Context(), 10*time.Second)
					err := tt.call(ctx, lc)
					cancel()
					if got := status.Code(err); got != tt.want {
						t.Errorf("%s on %s = %v (%v), want %v", tt.name, c.nodes[i].id, got, err, tt.want)
					}
				}
			})
		}
	})

	// Nothing changed.
	if diff := cmp.Diff(beforeInfo, c.waitConverged(log, 0)); diff != "" {
		t.Errorf("Describe(%q) changed after bad input (-before +after):\n%s", log, diff)
	}
	if diff := cmp.Diff(beforeLists, listAll(t, c)); diff != "" {
		t.Errorf("ListLogs changed after bad input (-before +after):\n%s", diff)
	}

	t.Run("logctl", func(t *testing.T) {
		lines := strings.Repeat(strings.Repeat("x", 1000)+"\n", 18_000)
		_, stderr, code := runLogctl(t, lines, "--endpoints", strings.Join(c.grpcAddrs(), ","), "append", log)
		if code != 1 || !strings.Contains(stderr, "INVALID_ARGUMENT") || !strings.Contains(stderr, "more than the") {
			t.Errorf("logctl append of 18,000 lines of 1000 bytes: exit %d, stderr %q; want 1 and the request limit named", code, stderr)
		}
	})
	if diff := cmp.Diff(beforeInfo, c.waitConverged(log, 0)); diff != "" {
		t.Errorf("Describe(%q) changed after logctl's refused append (-before +after):\n%s", log, diff)
	}

	t.Run("garbage", func(t *testing.T) {
		random := make([]byte, 4096)
		rand.Read(random)
		garbage := map[string][]byte{
			"random 4KiB":              random,
			"HTTP/1 request":           []byte("GET / HTTP/1.1\r\nHost: quorumlog\r\n\r\n"),
			"truncated HTTP/2 preface": []byte("PRI * HTTP/2.0\r\n\r\nSM"),
		}
		var wg sync.WaitGroup
		var mu sync.Mutex
		var errs []error
		for _, nd := range c.nodes {
			for _, addr := range []string{nd.grpcAddr, nd.raftAddr} {
				for name, b := range garbage {
					wg.Go(func() {
						if err := sendGarbage(addr, b); err != nil {
							mu.Lock()
							errs = append(errs, fmt.Errorf("%s to %s (%s): %w", name, addr, nd.id, err))
							mu.Unlock()
						}
					})
				}
			}
		}
		wg.Wait()
		for _, err := range errs {
			t.Errorf("sending garbage: %v", err)
		}
		for i, nd := range c.nodes {
			if !nd.running() {
				t.Fatalf("%s exited after garbage: %v", nd.id, nd.proc.Wait())
			}
			if _, err := c.status(i); err != nil {
				t.Errorf("Status of %s after garbage = %v", nd.id, err)
			}
		}
		full := make([]byte, maxRecord)
		rand.Read(full)
		res, err := cl.Append(t.Context(), log, [][]byte{full})
		if err != nil {
			t.Fatalf("Append of a %d-byte record after garbage = %v", maxRecord, err)
		}
		if want := beforeInfo.LastID + 1; res.FirstID != want {
			t.Errorf("Append after garbage: first id %d, want %d", res.FirstID, want)
		}
		c.waitConverged(log, res.LastID)
	})
}

// listAll returns ListLogs of every node once they agree.
func listAll(t *testing.T, c *cluster) []client.LogInfo {
	t.Helper()
	clients := make([]*client.Client, len(c.nodes))
	for i := range c.nodes {
		clients[i] = c.nodeClient(i)
	}
	var lists [][]client.LogInfo
	proctest.WaitFor(t, 30*time.Second, func() error {
		lists = lists[:0]
		for i, nc := range clients {
			ctx, cancel := context.WithTimeout(t.Context(), 5*time.Second)
			l, err := nc.ListLogs(ctx)
			cancel()
			if err != nil {
				return fmt.Errorf("ListLogs on %s: %w", c.nodes[i].id, err)
			}
			lists = append(lists, l)
		}
		for i, l := range lists[1:] {
			if diff := cmp.Diff(lists[0], l); diff != "" {
				return fmt.Errorf("ListLogs of %s and %s differ:\n%s", c.nodes[0].id, c.nodes[i+1].id, diff)
			}
		}
		return nil
	})
	return lists[0]
}

func TestE2E_RestartKeepsEverything(t *testing.T) {
	c := newCluster(t, clusterOptions{})
	cl := c.client()
	const log = "durable"
	if err := cl.CreateLog(t.Context(), log); err != nil {
		t.Fatalf("CreateLog(%q) = %v", log, err)
	}
	var want []string
	for i := range 100 {
		var batch [][]byte
		for j := range 5 {
			p := fmt.Sprintf("rec-%d-%d", i, j)
			want = append(want, p)
			batch = append(batch, []byte(p))
		}
		res, err := cl.Append(t.Context(), log, batch)
		if err != nil {
			t.Fatalf("Append(%q, batch %d) = %v", log, i, err)
		}
		if res.FirstID != uint64(5*i+1) || res.LastID != uint64(5*i+5) {
			t.Fatalf("Append(batch %d) = ids %d..%d, want %d..%d", i, res.FirstID, res.LastID, 5*i+1, 5*i+5)
		}
	}
	before := c.waitConverged(log, 500)

	c.restartAll(c.stop)
	after := c.waitConverged(log, 0)
	if diff := cmp.Diff(before, after); diff != "" {
		t.Errorf("Describe(%q) after restarting every node differs (-before +after):\n%s", log, diff)
	}
	for i := range c.nodes {
		recs, err := readAll(t.Context(), c.nodeClient(i), log, 1)
		if err != nil {
			t.Fatalf("reading %q on %s: %v", log, c.nodes[i].id, err)
		}
		var got []string
		for j, r := range recs {
			if r.ID != uint64(j+1) {
				t.Fatalf("%s: record %d has id %d, want %d", c.nodes[i].id, j, r.ID, j+1)
			}
			got = append(got, string(r.Payload))
		}
		if diff := cmp.Diff(want, got); diff != "" {
			t.Errorf("%s: records after restart differ (-want +got):\n%s", c.nodes[i].id, diff)
		}
	}
	res, err := cl.Append(t.Context(), log, [][]byte{[]byte("after restart")})
	if err != nil {
		t.Fatalf("Append after restart = %v", err)
	}
	if res.FirstID != 501 {
		t.Errorf("Append after restart: first id %d, want 501", res.FirstID)
	}
}

func TestE2E_ZoneMajorityRefused(t *testing.T) {
	zones := []string{"a", "a", "b"}
	t.Run("refused", func(t *testing.T) {
		c := prepareCluster(t, clusterOptions{zones: zones})
		for _, nd := range c.nodes {
			ctx, cancel := context.WithTimeout(t.Context(), 30*time.Second)
			cmd := exec.CommandContext(ctx, c.bin, nd.args...)
			var stderr strings.Builder
			cmd.Stderr = &stderr
			err := cmd.Run()
			cancel()
			var ee *exec.ExitError
			if !errors.As(err, &ee) || ee.ExitCode() != 2 {
				t.Errorf("quorumlogd %s (zone %s) with two of three voters in zone a: %v, want exit status 2; stderr:\n%s", nd.id, nd.zone, err, stderr.String())
			}
			if s := stderr.String(); !strings.Contains(s, `zone "a"`) || !strings.Contains(s, "--allow-zone-majority") {
				t.Errorf("quorumlogd %s: stderr %q, want it to name zone \"a\" and --allow-zone-majority", nd.id, s)
			}
		}
	})
	t.Run("allowed", func(t *testing.T) {
		c := newCluster(t, clusterOptions{zones: zones, allowZoneMajority: true})
		st, err := c.status(c.leader())
		if err != nil {
			t.Fatalf("Status = %v", err)
		}
		if diff := cmp.Diff(map[string]int{"a": 2, "b": 1}, st.VotersPerZone); diff != "" {
			t.Errorf("VotersPerZone differs (-want +got):\n%s", diff)
		}
		if st.SurvivesZoneLoss {
			t.Errorf("SurvivesZoneLoss = true, want false")
		}
		if !slices.ContainsFunc(st.Warnings, func(w string) bool { return strings.Contains(w, `zone "a"`) }) {
			t.Errorf("Status warnings %q, want one naming zone \"a\"", st.Warnings)
		}
		stdout, stderr, code := runLogctl(t, "", "--endpoints", strings.Join(c.grpcAddrs(), ","), "status")
		if code != 0 || !regexp.MustCompile(`(?m)^warning: .*zone "a"`).MatchString(stdout) {
			t.Errorf("logctl status: exit %d, stdout %q, stderr %q; want exit 0 and a warning naming zone \"a\"", code, stdout, stderr)
		}
	})
}

func TestE2E_JoinFourthNode(t *testing.T) {
	c := newCluster(t, clusterOptions{})
	cl := c.client()
	const log = "grow"
	if err := cl.CreateLog(t.Context(), log); err != nil {
		t.Fatalf("CreateLog(%q) = %v", log, err)
	}
	var want []string
	appendN := func(prefix string, n int) {
		t.Helper()
		for i := range n {
			p := fmt.Sprintf("%s-%d", prefix, i)
			res, err := cl.Append(t.Context(), log, [][]byte{[]byte(p)})
			if err != nil {
				t.Fatalf("Append(%q) = %v", p, err)
			}
			want = append(want, p)
			if res.FirstID != uint64(len(want)) {
				t.Fatalf("Append(%q) = id %d, want %d", p, res.FirstID, len(want))
			}
		}
	}
	appendN("before", 20)

	n4 := c.addNode("d", 0)
	c.waitReady() // all four are voters with zones and addresses
	// n4's own view catches up with the leader's.
	proctest.WaitFor(t, 30*time.Second, func() error {
		st, err := c.status(n4)
		if err != nil {
			return fmt.Errorf("Status of n4: %w", err)
		}
		if diff := cmp.Diff(map[string]int{"a": 1, "b": 1, "c": 1, "d": 1}, st.VotersPerZone); diff != "" {
			return fmt.Errorf("n4's VotersPerZone differs (-want +got):\n%s", diff)
		}
		return nil
	})
	appendN("after", 20)
	c.waitConverged(log, uint64(len(want)))

	nc := c.nodeClient(n4)
	for _, opts := range [][]client.ReadOption{nil, {client.Linearizable()}} {
		ctx, cancel := context.WithTimeout(t.Context(), 20*time.Second)
		r, err := nc.Read(ctx, log, 1, opts...)
		if err != nil {
			cancel()
			t.Fatalf("Read on n4 = %v", err)
		}
		recs, err := r.All()
		r.Close()
		cancel()
		if err != nil {
			t.Fatalf("reading %q on n4: %v", log, err)
		}
		var got []string
		for _, r := range recs {
			got = append(got, string(r.Payload))
		}
		if diff := cmp.Diff(want, got); diff != "" {
			t.Errorf("records read on n4 (linearizable %v) differ (-want +got):\n%s", len(opts) > 0, diff)
		}
	}
}
