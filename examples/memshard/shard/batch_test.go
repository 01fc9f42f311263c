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

// A write or MULTI block larger than a record goes in several records,
// parts, each within the limit; it commits whole, and a replica applies it
// whole. The primary stays primary throughout.
func TestShard_WritesLargerThanARecordGoInParts(t *testing.T) {
	for _, depth := range []int{1, 2} { // with --pipeline 2, parts are in flight two at a time
		t.Run(fmt.Sprintf("pipeline=%d", depth), func(t *testing.T) { testWritesInParts(t, depth) })
	}
}

func testWritesInParts(t *testing.T, depth int) {
	ts := newTestShardTuned(t, 2, func(c *Config) { c.MaxRecordBytes, c.PipelineDepth = testRecordLimit, depth })
	p := ts.primary()
	big := strings.Repeat("x", 3*testRecordLimit)
	half := strings.Repeat("y", testRecordLimit/2)
	for i := range 300 {
		if got, err := ts.do(p, "SADD", "s", fmt.Sprintf("member-%026d", i)); err != nil || got != ":1\r\n" {
			t.Fatalf("SADD = %q, %v", got, err)
		}
	}
	for _, c := range []struct {
		argv []string
		want string
	}{
		{[]string{"SET", "k", big}, "+OK\r\n"},
		{[]string{"RPUSH", "l", half, half}, ":2\r\n"},
		{[]string{"MSET", "a", half, "b", half}, "+OK\r\n"},
	} {
		if got, err := ts.do(p, c.argv...); err != nil || got != c.want {
			t.Fatalf("%s of %d bytes = %q, %v", c.argv[0], len(strings.Join(c.argv, "")), got, err)
		}
	}
	// SPOP with a count: its effect (an SREM of 250 members, 8 KB) outgrows
	// its arguments.
	if got, err := ts.do(p, "SPOP", "s", "250"); err != nil || !strings.HasPrefix(got, "*250\r\n") {
		t.Fatalf("SPOP s 250 = %.40q, %v", got, err)
	}
	w := resp.NewWriter(2)
	ticket := ts.nodes[p].s.Exec(&server.ConnState{ID: 7}, [][][]byte{
		{[]byte("SET"), []byte("m1"), []byte(half)},
		{[]byte("SET"), []byte("m2"), []byte(half)},
	}, w)
	ctx, cancel := context.WithTimeout(t.Context(), 10*time.Second)
	defer cancel()
	if e := ts.nodes[p].s.Wait(ctx, ticket); e != "" || string(w.Bytes()) != "*2\r\n+OK\r\n+OK\r\n" {
		t.Fatalf("EXEC of two halves = %q, %q", w.Bytes(), e)
	}

	want := map[string]string{
		"GET k": "$12288\r\n" + big + "\r\n", "LINDEX l 1": "$2048\r\n" + half + "\r\n",
		"GET a": "$2048\r\n" + half + "\r\n", "GET b": "$2048\r\n" + half + "\r\n",
		"GET m2": "$2048\r\n" + half + "\r\n", "SCARD s": ":50\r\n",
	}
	ts.waitEveryNode(want)
	batches, largest, parts := ts.shardBatches()
	if largest > testRecordLimit {
		t.Errorf("a record of %d bytes, over the limit of %d", largest, testRecordLimit)
	}
	if parts < 12 { // 4 for SET k, 2 each for the rest
		t.Errorf("%d parts in the log, want at least 12", parts)
	}
	var block int
	for _, b := range batches {
		for _, eff := range b.Effects {
			if k := string(eff[1]); k == "m1" || k == "m2" {
				block++
			}
		}
		if block == 1 {
			t.Fatal("the MULTI block was split across batches")
		}
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

	sets := 0
	batches, largest, _ := ts.shardBatches()
	for _, d := range batches {
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

// A record the log refuses fails its writes certainly. Here the limit the
// primary learned is stale (set to 1 MiB by hand, as if the log had been
// restarted with a smaller --max-record-bytes since) and SPOP with a count
// makes an SREM of the members that outgrows its arguments. The primary
// cannot undo the SPOP: it steps down and rebuilds from the log, and the
// writer gets an error it can retry, not a hang and not OK. The refusal
// makes the node ask the log for its limit again, so the retry succeeds,
// in parts.
func TestShard_RecordRefusedByTheLogFailsItsWrites(t *testing.T) {
	ts := newTestShardOn(t, 1, servertest.Options{
		Server: func(_ int, cfg *qserver.Config) { cfg.MaxRecordBytes = testRecordLimit },
	}, nil)
	p := ts.primary()
	for i := range 200 {
		if got, err := ts.do(p, "SADD", "s", fmt.Sprintf("member-%026d", i)); err != nil || got != ":1\r\n" {
			t.Fatalf("SADD = %q, %v", got, err)
		}
	}
	s := ts.nodes[p].s
	s.mu.Lock()
	s.maxRecord = 1 << 20
	s.mu.Unlock()
	got, err := ts.do(p, "SPOP", "s", "150")
	if err == nil || !strings.HasPrefix(err.Error(), "TRYAGAIN ") {
		t.Fatalf("SPOP s 150 = %q, %v; want the TRYAGAIN error", got, err)
	}
	p = ts.primary()
	if got, err := ts.do(p, "SCARD", "s"); err != nil || got != ":200\r\n" {
		t.Fatalf("SCARD s after the refused SPOP = %q, %v; want 200", got, err)
	}
	if got, err := ts.do(p, "SPOP", "s", "150"); err != nil || !strings.HasPrefix(got, "*150\r\n") {
		t.Fatalf("SPOP s 150 again = %.40q, %v", got, err)
	}
	if _, largest, parts := ts.shardBatches(); largest > testRecordLimit || parts < 2 {
		t.Fatalf("largest record %d bytes, %d parts; want at most %d, in parts", largest, parts, testRecordLimit)
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

// openRecord returns the open batch's record as it would be sent now,
// leaving the batch open.
func openRecord(s *Shard) []byte {
	o := s.open // finish writes only the header room, and empties the copy
	return o.finish()
}

func effectNames(t *testing.T, rec []byte) []string {
	t.Helper()
	r, err := decodeRecord(rec)
	if err != nil || r.kind != kindEffects {
		t.Fatalf("decodeRecord = kind %q, %v; want an effects record", r.kind, err)
	}
	var out []string
	for _, eff := range r.effects {
		out = append(out, string(eff[0])+" "+string(eff[1]))
	}
	return out
}

// A MULTI block's effects stay in one batch even when they outgrow the
// estimate that made room for them: the batch then goes in parts.
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
	if got, want := effectNames(t, openRecord(s)), []string{"SET x", "SREM s"}; !slices.Equal(got, want) {
		t.Fatalf("open batch after the EXEC = %v, want %v", got, want)
	}
	for _, b := range s.sealed {
		for _, name := range effectNames(t, b.rec) {
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
	if len(s.sealed) != 1 || !slices.Equal(effectNames(t, s.sealed[0].rec), []string{"SET a"}) {
		t.Fatalf("sealed = %v, want one batch with SET a", s.sealed)
	}
	if got, want := effectNames(t, openRecord(s)), []string{"SET m1", "SET m2"}; !slices.Equal(got, want) {
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

// The limit is the smallest the log's nodes report, or Config's cap if
// that is smaller: a 5000-byte SET goes in two parts of at most 4096
// bytes whether the cap is unset or above the log's, and in three of at
// most 2048 bytes under a cap of 2048.
func TestShard_LearnsTheLogsRecordLimit(t *testing.T) {
	for _, c := range []struct{ cap, largest, parts int }{{0, 4096, 2}, {1 << 20, 4096, 2}, {2048, 2048, 3}} {
		t.Run(fmt.Sprintf("cap=%d", c.cap), func(t *testing.T) {
			ts := newTestShardOn(t, 1, servertest.Options{
				Server: func(i int, cfg *qserver.Config) { cfg.MaxRecordBytes = []int{8192, 4096, 6000}[i] },
			}, func(cfg *Config) { cfg.MaxRecordBytes = c.cap })
			p := ts.primary()
			if got, err := ts.do(p, "SET", "k", strings.Repeat("x", 5000)); err != nil || got != "+OK\r\n" {
				t.Fatalf("SET of 5000 bytes = %q, %v", got, err)
			}
			if _, largest, parts := ts.shardBatches(); largest > c.largest || parts != c.parts {
				t.Fatalf("the largest record has %d bytes, in %d parts; want at most %d, in %d", largest, parts, c.largest, c.parts)
			}
		})
	}
}

// A block run with Protos answers each command in its protocol (a HELLO
// queued before it switched it): the ZSCORE before in RESP2, after in RESP3.
func TestShard_ExecAnswersEachCommandInItsProtocol(t *testing.T) {
	s := newIdlePrimary(t, testRecordLimit)
	conn := &server.ConnState{ID: 1}
	s.Do(conn, [][]byte{[]byte("ZADD"), []byte("z"), []byte("1.5"), []byte("a")}, resp.NewWriter(2))
	zscore := [][]byte{[]byte("ZSCORE"), []byte("z"), []byte("a")}
	conn.Protos = []int{2, 3, 2}
	w := resp.NewWriter(2)
	s.Exec(conn, [][][]byte{zscore, zscore, zscore}, w)
	if got, want := string(w.Bytes()), "*3\r\n$3\r\n1.5\r\n,1.5\r\n$3\r\n1.5\r\n"; got != want {
		t.Fatalf("EXEC of three ZSCOREs with protocols 2, 3, 2 = %q, want %q", got, want)
	}
}
