package shard

import (
	"bytes"
	"context"
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/quorumlog/quorumlog/client"
	"github.com/quorumlog/quorumlog/examples/memshard/resp"
	"github.com/quorumlog/quorumlog/examples/memshard/server"
	qserver "github.com/quorumlog/quorumlog/quorum/server"
	"github.com/quorumlog/quorumlog/quorum/server/servertest"
)

const testRecordLimit = 4096

func newSmallRecordShard(t *testing.T) (*testShard, int) {
	ts := newTestShardTuned(t, 1, func(c *Config) { c.MaxRecordBytes = testRecordLimit })
	return ts, ts.primary()
}

// A write that could not fit in one record is refused before it runs, with
// a clear error, and changes nothing; the primary keeps serving.
func TestShard_RefusesWritesLargerThanARecord(t *testing.T) {
	ts, p := newSmallRecordShard(t)
	big := strings.Repeat("x", testRecordLimit)
	half := strings.Repeat("y", testRecordLimit/2)
	for _, argv := range [][]string{
		{"SET", "k", big},
		{"RPUSH", "l", half, half},
		{"MSET", "a", half, "b", half},
	} {
		got, err := ts.do(p, argv...)
		if err != nil || !strings.HasPrefix(got, "-ERR the write needs ") || !strings.Contains(got, "record limit of 4096 (--max-record-bytes)") {
			t.Errorf("%s of %d bytes = %q, %v; want the record-limit error", argv[0], len(strings.Join(argv, "")), got, err)
		}
	}

	// A MULTI block is one record: refused whole, nothing of it runs.
	w := resp.NewWriter(2)
	ticket := ts.nodes[p].s.Exec(&server.ConnState{ID: 7}, [][][]byte{
		{[]byte("SET"), []byte("m1"), []byte(half)},
		{[]byte("SET"), []byte("m2"), []byte(half)},
	}, w)
	if got := string(w.Bytes()); ticket != 0 || !strings.HasPrefix(got, "-EXECABORT Transaction discarded: the write needs ") {
		t.Errorf("EXEC of two halves = %q (ticket %d); want EXECABORT", got, ticket)
	}

	for _, k := range []string{"k", "l", "a", "b", "m1", "m2"} {
		if got, err := ts.do(p, "EXISTS", k); err != nil || got != ":0\r\n" {
			t.Errorf("EXISTS %s = %q, %v after the refused write", k, got, err)
		}
	}
	if got, err := ts.do(p, "SET", "small", "v"); err != nil || got != "+OK\r\n" {
		t.Fatalf("SET after the refusals = %q, %v", got, err)
	}
	if q := ts.primary(); q != p {
		t.Fatalf("the primary changed from %d to %d", p, q)
	}
}

// Writes that fit one record each but not together are split into
// several records, each within the limit; none is lost, the primary stays.
func TestShard_SplitsBatchesAtTheRecordLimit(t *testing.T) {
	ts, p := newSmallRecordShard(t)
	const writers, rounds = 8, 10
	value := strings.Repeat("v", 1000)
	wait := ts.startSets(p, writers, rounds, value)
	// A MULTI block with more than half a record also goes in one.
	w := resp.NewWriter(2)
	ticket := ts.nodes[p].s.Exec(&server.ConnState{ID: 7}, [][][]byte{
		{[]byte("SET"), []byte("m1"), []byte(value)},
		{[]byte("SET"), []byte("m2"), []byte(value)},
		{[]byte("SET"), []byte("m3"), []byte(value)},
	}, w)
	ctx, cancel := context.WithTimeout(t.Context(), 10*time.Second)
	defer cancel()
	if e := ts.nodes[p].s.Wait(ctx, ticket); e != "" {
		t.Fatalf("EXEC: %s", e)
	}
	wait()

	sets, largest := 0, 0
	for _, payload := range ts.shardRecords() {
		largest = max(largest, len(payload))
		d, err := DecodeRecord(payload)
		if err != nil {
			t.Fatal(err)
		}
		if d.Kind != 'E' {
			continue
		}
		var block []string
		for _, eff := range d.Effects {
			sets++
			if k := string(eff[1]); strings.HasPrefix(k, "m") {
				block = append(block, k)
			}
		}
		if len(block) != 0 && len(block) != 3 {
			t.Errorf("a record holds %v of the MULTI block's keys, want all 3 or none", block)
		}
	}
	if largest > testRecordLimit {
		t.Errorf("a record of %d bytes, over the limit of %d", largest, testRecordLimit)
	}
	if want := writers*rounds + 3; sets != want {
		t.Errorf("the log holds %d SETs, want %d", sets, want)
	}
	if q := ts.primary(); q != p {
		t.Fatalf("the primary changed from %d to %d", p, q)
	}
}

// A record the log refuses (here: memshard's --max-record-bytes left at
// 1 MiB on a log whose limit is 4 KiB, and SPOP with a count, whose SREM of
// the members outgrows its arguments) fails its writes certainly. The
// primary cannot undo them: it steps down and rebuilds from the
// log, and the writer gets an error it can retry, not a hang and not OK.
func TestShard_RecordRefusedByTheLogFailsItsWrites(t *testing.T) {
	ts := newTestShardOn(t, 1, servertest.Options{
		Server: func(_ int, cfg *qserver.Config) { cfg.MaxRecordBytes = testRecordLimit },
	}, func(c *Config) { c.MaxRecordBytes = 1 << 20 }) // set above the log's, not asked
	p := ts.primary()
	for i := range 200 {
		if got, err := ts.do(p, "SADD", "s", fmt.Sprintf("member-%026d", i)); err != nil || got != ":1\r\n" {
			t.Fatalf("SADD = %q, %v", got, err)
		}
	}
	got, err := ts.do(p, "SPOP", "s", "150")
	if err == nil || !strings.HasPrefix(err.Error(), "TRYAGAIN ") {
		t.Fatalf("SPOP s 150 = %q, %v; want the TRYAGAIN error", got, err)
	}
	p = ts.primary()
	if got, err := ts.do(p, "SCARD", "s"); err != nil || got != ":200\r\n" {
		t.Fatalf("SCARD s after the refused SPOP = %q, %v; want 200", got, err)
	}
}

// An idle primary whose appender does not run: what the command path puts
// in the batches stays there to be inspected.
func newIdlePrimary(t *testing.T, maxRecord int) *Shard {
	s, err := New(Config{NodeID: "m1", Addr: "127.0.0.1:1", Log: "s", Client: &client.Client{}, MaxRecordBytes: maxRecord})
	if err != nil {
		t.Fatal(err)
	}
	s.role, s.caughtUp, s.leaseUntil = rolePrimary, true, time.Now().Add(time.Hour)
	return s
}

func effectNames(effects [][][]byte) []string {
	var out []string
	for _, eff := range effects {
		out = append(out, string(eff[0])+" "+string(eff[1]))
	}
	return out
}

// A MULTI block's effects stay in one batch even when they outgrow the
// estimate that made room for them (atomicity over availability: the log
// then refuses the record and the primary steps down, failing the block).
func TestShard_ExecBlockIsNeverSplit(t *testing.T) {
	s := newIdlePrimary(t, testRecordLimit)
	conn := &server.ConnState{ID: 1}
	for i := range 100 {
		s.Do(conn, [][]byte{[]byte("SADD"), []byte("s"), fmt.Appendf(nil, "member-%024d", i)}, resp.NewWriter(2))
	}
	s.Do(conn, [][]byte{[]byte("SET"), []byte("before"), []byte("v")}, resp.NewWriter(2))
	s.makeRoomLocked(testRecordLimit) // seal what is open: start from an empty batch
	s.Exec(conn, [][][]byte{
		{[]byte("SET"), []byte("x"), bytes.Repeat([]byte("x"), 1500)},
		{[]byte("SPOP"), []byte("s"), []byte("90")}, // an SREM of 90 members: past the limit with the SET
	}, resp.NewWriter(2))
	if got, want := effectNames(s.open), []string{"SET x", "SREM s"}; !slices.Equal(got, want) {
		t.Fatalf("open batch after the EXEC = %v, want %v", got, want)
	}
	for _, b := range s.sealed {
		for _, name := range effectNames(b.effects) {
			if name == "SET x" || name == "SREM s" {
				t.Fatalf("the EXEC's %s was sealed in an earlier batch", name)
			}
		}
	}
}

// Room for a block is made before it runs: a block that fits a record on
// its own never shares one it would overflow.
func TestShard_ExecBlockStartsANewBatchIfItWouldNotFit(t *testing.T) {
	s := newIdlePrimary(t, testRecordLimit)
	conn := &server.ConnState{ID: 1}
	v := bytes.Repeat([]byte("v"), 1500)
	s.Do(conn, [][]byte{[]byte("SET"), []byte("a"), v}, resp.NewWriter(2))
	s.Exec(conn, [][][]byte{{[]byte("SET"), []byte("m1"), v}, {[]byte("SET"), []byte("m2"), v}}, resp.NewWriter(2))
	if len(s.sealed) != 1 || !slices.Equal(effectNames(s.sealed[0].effects), []string{"SET a"}) {
		t.Fatalf("sealed = %v, want one batch with SET a", s.sealed)
	}
	if got, want := effectNames(s.open), []string{"SET m1", "SET m2"}; !slices.Equal(got, want) {
		t.Fatalf("open batch = %v, want %v", got, want)
	}
}

// Only answers that prove the record is not in the log fail a batch for
// certain; anything else may hide a commit.
func TestRefused(t *testing.T) {
	for _, c := range []struct {
		err  error
		want bool
	}{
		{&client.ConditionError{Expected: 1, Actual: 2}, true},
		{fmt.Errorf("append: %w", client.ErrInvalidArgument), true},
		{client.ErrOutcomeUnknown, false},
		{client.ErrUnavailable, false},
		{context.DeadlineExceeded, false},
	} {
		if got := refused(c.err); got != c.want {
			t.Errorf("refused(%v) = %v, want %v", c.err, got, c.want)
		}
	}
}

func TestNew_RefusesATinyRecordLimit(t *testing.T) {
	if _, err := New(Config{NodeID: "m1", Addr: "127.0.0.1:1", Log: "s", Client: &client.Client{}, MaxRecordBytes: 1023}); err == nil {
		t.Fatal("New accepted MaxRecordBytes 1023")
	}
}

// Left at 0, the limit is the smallest the log's nodes report.
func TestShard_LearnsTheLogsRecordLimit(t *testing.T) {
	ts := newTestShardOn(t, 1, servertest.Options{
		Server: func(i int, cfg *qserver.Config) { cfg.MaxRecordBytes = []int{8192, 4096, 6000}[i] },
	}, nil)
	p := ts.primary()
	got, err := ts.do(p, "SET", "k", strings.Repeat("x", 5000))
	if err != nil || !strings.Contains(got, "record limit of 4096 (--max-record-bytes)") {
		t.Fatalf("SET of 5000 bytes = %q, %v; want the record-limit error naming 4096", got, err)
	}
	if got, err := ts.do(p, "SET", "k", strings.Repeat("x", 3000)); err != nil || got != "+OK\r\n" {
		t.Fatalf("SET of 3000 bytes = %q, %v", got, err)
	}
}
