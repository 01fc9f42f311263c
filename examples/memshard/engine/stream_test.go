package engine

import (
	"fmt"
	"math/rand/v2"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/quorumlog/quorumlog/examples/memshard/resp"
)

// streamXinfo returns a field of redis-server's XINFO STREAM key (RESP2):
// the radix tree's node count, the last and max deleted IDs, and the
// entries added are how Redis shows what a stream holds beyond its
// entries.
func streamXinfo(h *harness, key, field string) string {
	h.t.Helper()
	r := string(h.redis.Do("XINFO", "STREAM", key))
	m := regexp.MustCompile(`\$\d+\r\n` + regexp.QuoteMeta(field) + `\r\n(?::(\d+)|\$\d+\r\n([^\r]*))\r\n`).FindStringSubmatch(r)
	if m == nil {
		h.t.Fatalf("XINFO STREAM %s: no %s in %q", key, field, r)
	}
	return m[1] + m[2]
}

// streamCheckState compares what XINFO shows of key on redis-server (its
// node count, last ID, greatest deleted ID, entries added) with the
// engine's stream, on the primary and on the replica.
func streamCheckState(h *harness, key string) {
	h.t.Helper()
	want := fmt.Sprintf("nodes=%s last=%s maxdel=%s added=%s len=%s",
		streamXinfo(h, key, "radix-tree-keys"), streamXinfo(h, key, "last-generated-id"),
		streamXinfo(h, key, "max-deleted-entry-id"), streamXinfo(h, key, "entries-added"), streamXinfo(h, key, "length"))
	for name, db := range map[string]*DB{"primary": h.db, "replica": h.replica} {
		e := db.Raw(key)
		if e == nil {
			h.t.Fatalf("%s: no stream %q", name, key)
		}
		if got := streamState(e.Value.(*Stream)); got != want {
			h.t.Fatalf("%s stream %q: %s, redis-server %s", name, key, got, want)
		}
	}
}

func streamState(s *Stream) string {
	return fmt.Sprintf("nodes=%d last=%s maxdel=%s added=%d len=%d", len(s.nodes), s.lastID, s.maxDeleted, s.entriesAdded, s.length)
}

// TestStream_Commands compares replies, errors and their order with
// redis-server, in RESP2 and RESP3.
func TestStream_Commands(t *testing.T) {
	h := newHarness(t)
	for _, proto := range []int{2, 3} {
		h.proto = proto
		h.redis.Do("HELLO", strconv.Itoa(proto))
		h.diff("FLUSHALL")
		h.db, h.replica = New(), New()
		h.diff("SET", "str", "x")
		for _, argv := range [][]string{
			// XADD: IDs, options, errors.
			{"XADD", "s", "1-1", "a", "1"},
			{"XADD", "s", "1-1", "a", "1"},
			{"XADD", "s", "1-0", "a", "1"},
			{"XADD", "s", "1-*", "b", "2", "c", "3"},
			{"XADD", "s", "1", "a", "1"},
			{"XADD", "s", "2", "a", "1"},
			{"XADD", "s", "2-*", "a", "1"},
			{"XADD", "s", "3-*", "a", "1"},
			{"XADD", "s", "0-0", "a", "1"},
			{"XADD", "new", "0-0", "a", "1"},
			{"XADD", "new", "0-*", "a", "1"},
			{"XADD", "s", "5-x", "a", "1"},
			{"XADD", "s", "-", "a", "1"},
			{"XADD", "s", "+", "a", "1"},
			{"XADD", "s", " 7-+3", "a", "1"},
			{"XADD", "s", "8- -1", "a", "1"},
			{"XADD", "s", "9-007", "a", "1"},
			{"XADD", "s", "10--0", "a", "1"},
			{"XADD", "s", "11-", "a", "1"},
			{"XADD", "s", "-12", "a", "1"},
			{"XADD", "s", "18446744073709551616-1", "a", "1"},
			{"XADD", "s", "12-1", "a"},
			{"XADD", "s", "12-1", "a", "1", "b"},
			{"XADD", "s", "MAXLEN", "x", "12-1", "a", "1"},
			{"XADD", "s", "MAXLEN", "-1", "12-1", "a", "1"},
			{"XADD", "s", "MAXLEN", "5", "MINID", "1", "12-1", "a", "1"},
			{"XADD", "s", "LIMIT", "5", "12-1", "a", "1"},
			{"XADD", "s", "MAXLEN", "5", "LIMIT", "5", "12-1", "a", "1"},
			{"XADD", "s", "MAXLEN", "~", "5", "LIMIT", "-1", "12-1", "a", "1"},
			{"XADD", "s", "MAXLEN", "~", "5", "LIMIT", "x", "12-1", "a", "1"},
			{"XADD", "s", "MINID", "1-*", "12-1", "a", "1"},
			{"XADD", "s", "MINID", "-", "12-1", "a", "1"},
			{"XADD", "s", "MAXLEN", "5"},
			{"XADD", "s", "MAXLEN", "5", "f", "v"},
			{"XADD", "s", "NOMKSTREAM", "12-1", "a", "1"},
			{"XADD", "nokey", "NOMKSTREAM", "1-1", "a", "1"},
			{"XADD", "nokey", "NOMKSTREAM", "MAXLEN", "1", "1-1", "a", "1"},
			{"XADD", "str", "1-1", "a", "1"},
			{"XADD", "str", "0-0", "a", "1"},
			{"XADD", "s", "MAXLEN", "=", "7", "13-1", "a", "1"},
			{"XADD", "s", "MAXLEN", "~", "3", "LIMIT", "0", "14-1", "a", "1"},
			{"XADD", "s", "nomkstream", "maxlen", "100", "15-1", "", "", "123", "-5"},
			{"XLEN", "s"}, {"XLEN", "nokey"}, {"XLEN", "str"},
			{"TYPE", "s"}, {"OBJECT", "ENCODING", "s"},
			// XRANGE and XREVRANGE.
			{"XRANGE", "s", "-", "+"},
			{"XREVRANGE", "s", "+", "-"},
			{"XRANGE", "s", "2", "3"},
			{"XRANGE", "s", "(2-0", "+", "COUNT", "2"},
			{"XRANGE", "s", "-", "(3-1"},
			{"XREVRANGE", "s", "(13-1", "(1-1"},
			{"XRANGE", "s", "(-", "+"},
			{"XRANGE", "s", "(", "+"},
			{"XRANGE", "s", "-", "(0-0"},
			{"XRANGE", "s", "(18446744073709551615-18446744073709551615", "+"},
			{"XRANGE", "s", "+", "-"},
			{"XRANGE", "s", "-", "+", "COUNT", "0"},
			{"XRANGE", "s", "-", "+", "COUNT", "-3"},
			{"XRANGE", "s", "-", "+", "COUNT"},
			{"XRANGE", "s", "-", "+", "COUNT", "x"},
			{"XRANGE", "s", "-", "+", "LIMIT", "1"},
			{"XRANGE", "s", "-", "+", "COUNT", "1", "COUNT", "3"},
			{"XRANGE", "nokey", "-", "+"},
			{"XRANGE", "nokey", "-", "+", "COUNT", "0"},
			{"XRANGE", "str", "-", "+"},
			{"XRANGE", "str", "x", "+"},
			{"XREVRANGE", "s", "x", "y"},
			{"XREVRANGE", "s", "+", "-", "COUNT", "2"},
			// XDEL.
			{"XDEL", "s", "2-0", "2-0", "99-1"},
			{"XDEL", "s", "x"},
			{"XDEL", "nokey", "x"},
			{"XDEL", "str", "x"},
			{"XDEL", "s", "1-1", "-"},
			{"XRANGE", "s", "-", "+"},
			// XTRIM.
			{"XTRIM", "s"},
			{"XTRIM", "s", "MAXLEN"},
			{"XTRIM", "s", "FOO", "1"},
			{"XTRIM", "s", "LIMIT", "1"},
			{"XTRIM", "nokey", "MAXLEN", "1"},
			{"XTRIM", "str", "MAXLEN", "1"},
			{"XTRIM", "str", "MAXLEN", "x"},
			{"XTRIM", "s", "MAXLEN", "~", "1"},
			{"XTRIM", "s", "MAXLEN", "5", "LIMIT", "1"},
			{"XTRIM", "s", "MAXLEN", "6"},
			{"XTRIM", "s", "MINID", "3"},
			{"XTRIM", "s", "MINID", "~", "13", "LIMIT", "1"},
			{"XTRIM", "s", "MAXLEN", "100"},
			{"XRANGE", "s", "-", "+"},
			// XSETID.
			{"XSETID", "nokey", "1-1"},
			{"XSETID", "str", "1-1"},
			{"XSETID", "s", "x"},
			{"XSETID", "s", "1-1"},
			{"XSETID", "s", "100-1", "ENTRIESADDED"},
			{"XSETID", "s", "100-1", "ENTRIESADDED", "-1"},
			{"XSETID", "s", "100-1", "ENTRIESADDED", "1"},
			{"XSETID", "s", "100-1", "MAXDELETEDID", "200-0"},
			{"XSETID", "s", "100-1", "FOO", "1"},
			{"XSETID", "s", "100-1", "ENTRIESADDED", "50", "MAXDELETEDID", "20-5"},
			{"XSETID", "s", "10-1"},
			{"XSETID", "s", "15-1", "ENTRIESADDED", "0"},
			{"XSETID", "s", "15-1", "ENTRIESADDED", "20"},
			{"XADD", "s", "100-1", "a", "1"},
			{"XADD", "s", "100-*", "a", "1"},
			{"XSETID", "new", "0-0"},
			{"XSETID", "new", "18446744073709551615-18446744073709551615"},
			{"XADD", "new", "*", "a", "1"},
			{"XADD", "new", "18446744073709551615-*", "a", "1"},
			// XREAD.
			{"XREAD", "STREAMS", "s", "0"},
			{"XREAD", "COUNT", "2", "STREAMS", "s", "new", "nokey", "0-0", "0", "0"},
			{"XREAD", "STREAMS", "s", "$"},
			{"XREAD", "STREAMS", "nokey", "$"},
			{"XREAD", "BLOCK", "100", "STREAMS", "s", "14-1"},
			{"XREAD", "COUNT", "-1", "STREAMS", "s", "15"},
			{"XREAD", "STREAMS", "s", "s", "0"},
			{"XREAD", "STREAMS", "s", "+"},
			{"XREAD", "STREAMS", "s", "-"},
			{"XREAD", "STREAMS", "s", ">"},
			{"XREAD", "STREAMS", "s", "x"},
			{"XREAD", "STREAMS", "str", "0"},
			{"XREAD", "STREAMS", "s", "str", "x", "0"},
			{"XREAD", "STREAMS", "nokey", "str", "0", "x"},
			{"XREAD", "COUNT", "x", "STREAMS", "s", "0"},
			{"XREAD", "BLOCK", "x", "STREAMS", "s", "0"},
			{"XREAD", "BLOCK", "-1", "STREAMS", "s", "0"},
			{"XREAD", "GROUP", "g", "c", "STREAMS", "s", "0"},
			{"XREAD", "NOACK", "STREAMS", "s", "0"},
			{"XREAD", "FOO", "STREAMS", "s", "0"},
			{"XREAD", "COUNT", "1", "s", "0"},
			{"XREAD", "STREAMS"},
			{"XREAD", "COUNT", "1", "STREAMS", "s"},
		} {
			h.diff(argv...)
		}
		h.proto = 2
		h.redis.Do("HELLO", "2")
		h.checkReplica()
		streamCheckState(h, "s")
		streamCheckState(h, "new")
	}
}

// TestStream_Nodes adds entries of many sizes and shapes (field names
// shared with the node's first entry or not, integers, long strings) and
// checks that the engine splits its nodes where Redis does, with XINFO's
// node count, and so that approximate trims keep what Redis keeps; XDEL
// and exact trims leave deleted entries in their nodes.
func TestStream_Nodes(t *testing.T) {
	h := newHarness(t)
	r := rand.New(rand.NewPCG(7, 7))
	words := func() string {
		switch r.IntN(6) {
		case 0:
			return strconv.Itoa(r.IntN(200000) - 100000)
		case 1:
			return strings.Repeat("x", r.IntN(300))
		case 2:
			return strconv.FormatInt(r.Int64(), 10)
		case 3:
			return strings.Repeat("y", 60+r.IntN(10))
		}
		return fmt.Sprint("w", r.IntN(10))
	}
	for round := range 6 {
		key := fmt.Sprint("s", round)
		ms := uint64(1)
		for i := range 400 + r.IntN(400) {
			if r.IntN(3) == 0 {
				ms += uint64(r.IntN(100000))
			}
			id := fmt.Sprintf("%d-*", ms)
			var fields []string
			switch {
			case round%2 == 0 && r.IntN(4) > 0:
				fields = []string{"name", words(), "value", words()}
			default:
				for range 1 + r.IntN(4) {
					fields = append(fields, words(), words())
				}
			}
			h.diff(append([]string{"XADD", key, id}, fields...)...)
			if i%50 == 0 {
				streamCheckState(h, key)
			}
			if r.IntN(10) == 0 {
				h.diff("XDEL", key, fmt.Sprintf("%d-%d", ms, r.IntN(3)), fmt.Sprintf("%d-0", ms-uint64(r.IntN(300000))))
			}
			if r.IntN(40) == 0 {
				n := strconv.Itoa(r.IntN(600))
				switch r.IntN(5) {
				case 0:
					h.diff("XTRIM", key, "MAXLEN", "~", n)
				case 1:
					h.diff("XTRIM", key, "MAXLEN", "~", n, "LIMIT", strconv.Itoa(r.IntN(300)))
				case 2:
					h.diff("XTRIM", key, "MINID", "~", fmt.Sprint(ms-uint64(r.IntN(3000000))))
				case 3:
					h.diff("XTRIM", key, "MAXLEN", n)
				default:
					h.diff("XADD", key, "MAXLEN", "~", n, fmt.Sprint(ms+1, "-*"), "a", "b")
				}
				streamCheckState(h, key)
			}
		}
		h.diff("XLEN", key)
		h.diff("XRANGE", key, "-", "+")
		streamCheckState(h, key)
		for _, n := range []string{"500", "300", "101", "1"} {
			h.diff("XTRIM", key, "MAXLEN", "~", n)
			streamCheckState(h, key)
		}
		h.diff("XADD", key, "MINID", "~", fmt.Sprint(ms+10), fmt.Sprint(ms+20), "a", "b")
		h.diff("XADD", key, "MINID", "=", fmt.Sprint(ms+10), fmt.Sprint(ms+21), "a", "b")
		streamCheckState(h, key)
	}
	h.checkReplica()
}

// TestStream_AutoID checks XADD * (and ms-*) against the call's clock, on
// the engine alone: IDs grow, the effect carries the ID generated, and
// the replica ends identical.
func TestStream_AutoID(t *testing.T) {
	h := newHarness(t)
	run := func(now int64, argv ...string) string {
		w := resp.NewWriter(2)
		c := &Call{Argv: toBytes(argv), Out: w, Now: now}
		h.table.Exec(h.db, c)
		for _, eff := range c.Effects() {
			if strings.Contains(string(eff[2]), "*") {
				t.Fatalf("effect %q keeps the auto ID", eff)
			}
			h.table.Exec(h.replica, &Call{Argv: eff, Out: resp.NewWriter(2), Now: now + 5000, Replay: true})
		}
		return string(w.Bytes())
	}
	want := []struct {
		now  int64
		argv []string
		id   string
	}{
		{1000, []string{"XADD", "s", "*", "a", "1"}, "1000-0"},
		{1000, []string{"XADD", "s", "*", "a", "1"}, "1000-1"},
		{999, []string{"XADD", "s", "*", "a", "1"}, "1000-2"}, // clock behind
		{2000, []string{"XADD", "s", "MAXLEN", "~", "1", "*", "a", "1"}, "2000-0"},
		{2000, []string{"XADD", "s", "2000-*", "a", "1"}, "2000-1"},
		{2000, []string{"XADD", "s", "5000-*", "a", "1"}, "5000-0"},
		{2000, []string{"XADD", "s", "MAXLEN", "2", "*", "a", "1"}, "5000-1"},
	}
	for _, w := range want {
		got := run(w.now, w.argv...)
		if exp := fmt.Sprintf("$%d\r\n%s\r\n", len(w.id), w.id); got != exp {
			t.Fatalf("%q at %d: %q, want %q", w.argv, w.now, got, exp)
		}
	}
	run(3000, "XSETID", "s", "9000-18446744073709551615")
	if got := run(3000, "XADD", "s", "*", "a", "1"); got != "$6\r\n9001-0\r\n" { // the sequence wraps to the next ms
		t.Fatalf("XADD * after XSETID ms-max: %q", got)
	}
	run(3000, "XSETID", "t", "1-1")
	h.checkReplica()
	if p, r := streamState(h.db.Raw("s").Value.(*Stream)), streamState(h.replica.Raw("s").Value.(*Stream)); p != r {
		t.Fatalf("replica %s, primary %s", r, p)
	}
}

// TestStream_Effects: approximate trims propagate as the exact trims
// that leave the replica with the same entries and nodes.
func TestStream_Effects(t *testing.T) {
	h := newHarness(t)
	for i := 1; i <= 450; i++ {
		h.diff("XADD", "s", fmt.Sprint(i, "-1"), "f", strings.Repeat("v", i%7*10))
	}
	h.diff("XDEL", "s", "1-1", "150-1", "420-1")
	h.diff("XTRIM", "s", "MAXLEN", "~", "300", "LIMIT", "120")
	h.diff("XTRIM", "s", "MINID", "~", "260")
	h.diff("XADD", "s", "MAXLEN", "~", "150", "LIMIT", "1000", "451-1", "f", "v")
	h.diff("XADD", "s", "MINID", "~", "400", "452-1", "f", "v")
	h.diff("XTRIM", "s", "MAXLEN", "~", "0")
	h.diff("XLEN", "s")
	h.checkReplica()
	streamCheckState(h, "s")
	for i := 500; i <= 700; i++ {
		h.diff("XADD", "s", fmt.Sprint(i, "-1"), "f", "v")
	}
	h.diff("XTRIM", "s", "MINID", "=", "560")
	h.diff("XTRIM", "s", "MINID", "~", "0")
	h.diff("XADD", "s", "MINID", "~", "9999", "800-1", "f", "v")
	h.checkReplica()
	streamCheckState(h, "s")
}

// TestStream_Dump: a dump of streams (with deleted entries, trimmed
// ones, emptied streams, XSETID's counters) rebuilds each as it was.
func TestStream_Dump(t *testing.T) {
	h := newHarness(t)
	for i := 1; i <= 330; i++ {
		h.exec("XADD", "a", fmt.Sprint(i, "-1"), "f", strconv.Itoa(i), "g", strings.Repeat("x", i%50))
	}
	h.exec("XTRIM", "a", "MAXLEN", "250")
	h.exec("XDEL", "a", "120-1", "200-1", "330-1")
	h.exec("XADD", "b", "5-5", "f", "v")
	h.exec("XDEL", "b", "5-5")
	h.exec("XADD", "c", "5-5", "f", "v")
	h.exec("XTRIM", "c", "MAXLEN", "0")
	h.exec("XSETID", "c", "9-9", "ENTRIESADDED", "40")
	h.exec("XADD", "d", "1-1", "f", "v")
	h.exec("XADD", "d", "1-2", "f", "v")
	h.exec("XTRIM", "d", "MAXLEN", "1")
	h.exec("XADD", "e", "3-3", "f", "v")
	h.exec("XSETID", "e", "10-0", "ENTRIESADDED", "7", "MAXDELETEDID", "4-0")
	h.exec("PEXPIRE", "e", "900000")
	h.exec("COPY", "a", "acopy")
	replica := New()
	now := time.Now().UnixMilli()
	err := h.db.Dump(func(argv [][]byte) error {
		w := resp.NewWriter(2)
		h.table.Exec(replica, &Call{Argv: argv, Out: w, Now: now, Replay: true})
		if r := w.Bytes(); len(r) > 0 && r[0] == '-' {
			t.Fatalf("dumped command %q: %s", argv, r)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	h.replica = replica
	h.checkReplica()
	for _, k := range []string{"a", "b", "c", "d", "e", "acopy"} {
		p, r := h.db.Raw(k).Value.(*Stream), replica.Raw(k).Value.(*Stream)
		if sp, sr := streamDump(p), streamDump(r); sp != sr {
			t.Errorf("key %q rebuilt as\n%s\nwas\n%s", k, sr, sp)
		}
	}
}

// streamDump describes every node of s: entries, deleted flags, bytes.
func streamDump(s *Stream) string {
	var b strings.Builder
	fmt.Fprintln(&b, streamState(s))
	for _, n := range s.nodes {
		fmt.Fprintf(&b, "node %s live %d bytes %d:", n.master, n.live, n.lpBytes())
		for _, e := range n.entries {
			fmt.Fprintf(&b, " %s%v", e.id, map[bool]string{true: "(del)"}[e.deleted])
		}
		fmt.Fprintln(&b)
	}
	return b.String()
}
