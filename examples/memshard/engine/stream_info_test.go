package engine

import (
	"bytes"
	"math/rand/v2"
	"regexp"
	"slices"
	"strconv"
	"testing"
)

// unixMillis matches the clock times XINFO STREAM FULL shows (seen-time,
// delivery times): 13-digit integers, which no other field of these tests
// reaches.
var unixMillis = regexp.MustCompile(`:\d{13}\r\n`)

// diffClock is diff for replies holding clock times: compared masked.
func (h *harness) diffClock(argv ...string) {
	h.t.Helper()
	want := h.redis.Do(argv...)
	got := h.exec(argv...)
	mask := func(b []byte) []byte { return unixMillis.ReplaceAll(b, []byte(":T\r\n")) }
	if !bytes.Equal(mask(got), mask(want)) {
		h.t.Errorf("%q (times masked):\n got  %q\n want %q (redis-server)", argv, got, want)
	}
}

// TestXinfoStream compares XINFO STREAM and its errors with redis-server's,
// in RESP2 and RESP3.
func TestXinfoStream(t *testing.T) {
	h := newHarness(t)
	for _, proto := range []int{2, 3} {
		h.proto = proto
		h.redis.Do("HELLO", strconv.Itoa(proto))
		h.diff("FLUSHALL")
		h.db, h.replica = New(), New()
		for _, argv := range [][]string{
			{"SET", "str", "x"},
			{"XINFO", "STREAM"}, {"XINFO", "STREAM", "nokey"}, {"XINFO", "STREAM", "str"},
			{"XGROUP", "CREATE", "empty", "g", "$", "MKSTREAM"},
			{"XINFO", "STREAM", "empty"}, {"XINFO", "STREAM", "empty", "FULL"},
			{"XADD", "s", "1-1", "a", "1"}, {"XADD", "s", "2-1", "b", "2", "c", "3"}, {"XADD", "s", "3-1", "a", "4"},
			{"XINFO", "STREAM", "s"}, {"xinfo", "stream", "s", "full"},
			{"XINFO", "STREAM", "s", "FOO"}, {"XINFO", "STREAM", "s", "FULL", "COUNT"},
			{"XINFO", "STREAM", "s", "FULL", "COUNT", "x"}, {"XINFO", "STREAM", "s", "FULL", "FOO", "1"},
			{"XINFO", "STREAM", "s", "FULL", "COUNT", "1", "x"}, {"XINFO", "STREAM", "s", "FOO", "COUNT", "1"},
			{"XINFO", "STREAM", "s", "FULL", "COUNT", "1"}, {"XINFO", "STREAM", "s", "FULL", "COUNT", "0"},
			{"XINFO", "STREAM", "s", "FULL", "COUNT", "-3"},
			{"XINFO", "STREAM", "s", "FULL", "COUNT", "99999999999999999999"},
			{"XDEL", "s", "3-1"}, {"XINFO", "STREAM", "s"},
			{"XDEL", "s", "1-1", "2-1"}, {"XINFO", "STREAM", "s"}, {"XINFO", "STREAM", "s", "FULL"},
			{"XSETID", "s", "10-10", "ENTRIESADDED", "50", "MAXDELETEDID", "5-5"}, {"XINFO", "STREAM", "s"},
		} {
			h.diff(argv...)
		}
		// Groups, consumers and pending entries: FULL shows clock times.
		for _, argv := range [][]string{
			{"XADD", "g", "1-1", "a", "1"}, {"XADD", "g", "2-1", "a", "2"}, {"XADD", "g", "3-1", "a", "3"},
			{"XGROUP", "CREATE", "g", "g1", "0"}, {"XGROUP", "CREATE", "g", "g2", "$"},
			{"XGROUP", "CREATE", "g", "g0", "0", "ENTRIESREAD", "1"},
			{"XREADGROUP", "GROUP", "g1", "alice", "COUNT", "2", "STREAMS", "g", ">"},
			{"XREADGROUP", "GROUP", "g1", "bob", "STREAMS", "g", ">"},
			{"XGROUP", "CREATECONSUMER", "g", "g2", "carol"},
			{"XCLAIM", "g", "g1", "bob", "0", "1-1"},
			{"XDEL", "g", "2-1"},
		} {
			h.diff(argv...)
		}
		for _, argv := range [][]string{
			{"XINFO", "STREAM", "g", "FULL"}, {"XINFO", "STREAM", "g", "FULL", "COUNT", "1"},
			{"XINFO", "STREAM", "g", "FULL", "COUNT", "0"},
		} {
			h.diffClock(argv...)
		}
		h.diff("XINFO", "STREAM", "g")
	}
}

// TestXinfoStream_RadixTree compares radix-tree-keys and radix-tree-nodes
// with redis-server's over random streams: IDs whose bytes differ at
// every depth, many listpack nodes, deletions that empty nodes and trims.
func TestXinfoStream_RadixTree(t *testing.T) {
	h := newHarness(t)
	rng := rand.New(rand.NewPCG(7, 11))
	steps := []uint64{1, 2, 200, 256, 1 << 16, 1<<16 + 3, 1 << 24, 1 << 33, 1 << 47, 1 << 56}
	for round := range 4 {
		h.diff("DEL", "s")
		var ids []string
		ms, seq := uint64(rng.IntN(1000)), uint64(0)
		for i := range 600 {
			if rng.IntN(3) == 0 {
				seq += steps[rng.IntN(len(steps))]
			} else {
				ms += steps[rng.IntN(len(steps)-2*(round%2))]
				seq = uint64(rng.IntN(3))
			}
			id := strconv.FormatUint(ms, 10) + "-" + strconv.FormatUint(seq, 10)
			ids = append(ids, id)
			h.diff("XADD", "s", id, "f", strconv.Itoa(i))
			if i%50 == 49 {
				h.diff("XINFO", "STREAM", "s")
			}
		}
		// Delete most of some nodes' entries, all of others'.
		for i := 0; i < len(ids); i++ {
			if (i/100)%2 == round%2 || rng.IntN(4) == 0 {
				h.diff("XDEL", "s", ids[i])
			}
			if i%40 == 39 {
				h.diff("XINFO", "STREAM", "s")
			}
		}
		h.diff("XTRIM", "s", "MAXLEN", "~", strconv.Itoa(rng.IntN(100)))
		h.diff("XINFO", "STREAM", "s")
		h.diff("XTRIM", "s", "MAXLEN", "0")
		h.diff("XINFO", "STREAM", "s")
	}
	// Whole nodes (100 entries each) whose first IDs have bytes of 0 or 1
	// only: keys that share prefixes of every length, then lose nodes.
	for round := range 3 {
		h.diff("DEL", "n")
		seen := map[uint64]bool{}
		var masters []uint64
		for len(masters) < 12 { // of 2^(6-round) possible
			var ms uint64
			for b := range 8 {
				if b >= 2+round && rng.IntN(2) == 1 { // the top bytes stay 0: a shared prefix
					ms |= 1 << (8 * (7 - b))
				}
			}
			if !seen[ms] {
				seen[ms] = true
				masters = append(masters, ms)
			}
		}
		slices.Sort(masters)
		for _, ms := range masters {
			for seq := range streamNodeMaxEntries {
				h.exec("XADD", "n", strconv.FormatUint(ms, 10)+"-"+strconv.Itoa(seq), "f", "v")
				h.redis.Do("XADD", "n", strconv.FormatUint(ms, 10)+"-"+strconv.Itoa(seq), "f", "v")
			}
		}
		h.diff("XINFO", "STREAM", "n")
		for _, i := range rng.Perm(len(masters)) {
			args := []string{"XDEL", "n"}
			for seq := range streamNodeMaxEntries {
				args = append(args, strconv.FormatUint(masters[i], 10)+"-"+strconv.Itoa(seq))
			}
			h.diff(args...)
			h.diff("XINFO", "STREAM", "n")
		}
	}
}
