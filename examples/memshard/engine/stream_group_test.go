package engine

import (
	"fmt"
	"math/rand/v2"
	"regexp"
	"strconv"
	"strings"
	"testing"
)

// streamGroupState renders what a replica must reproduce of s's groups:
// last delivered IDs, entries read, consumers, and pending entries with
// their owners, delivery times and counts (not consumers' seen times,
// which a snapshot does not keep).
func streamGroupState(s *Stream) string {
	var b strings.Builder
	for _, name := range s.groupNames() {
		g := s.groups[name]
		fmt.Fprintf(&b, "group %q last=%s read=%d\n", name, g.lastID, g.entriesRead)
		for _, cons := range g.sortedConsumers() {
			fmt.Fprintf(&b, "  consumer %q pending=%d\n", cons.name, len(cons.pel))
			for _, n := range cons.pel {
				if g.pel.find(n.id) != n {
					fmt.Fprintf(&b, "    %s not in the group's PEL\n", n.id)
				}
			}
		}
		for _, n := range g.pel {
			fmt.Fprintf(&b, "  pending %s owner=%q time=%d count=%d\n", n.id, n.consumer.name, n.deliveryTime, n.deliveryCount)
		}
	}
	return b.String()
}

// streamMaskTimes hides what depends on the clock in a reply: XPENDING's
// idle times (the third element of its 4-element entries) and XINFO
// CONSUMERS' idle.
var (
	streamIdleField = regexp.MustCompile(`(\$4\r\nidle\r\n):\d+`)
	streamPendingEl = regexp.MustCompile(`(\*4\r\n\$\d+\r\n\d+-\d+\r\n\$\d+\r\n[^\r]*\r\n):\d+`)
)

func streamMaskTimes(b []byte) string {
	s := streamIdleField.ReplaceAllString(string(b), "${1}:T")
	return streamPendingEl.ReplaceAllString(s, "${1}:T")
}

// diffTimes is diff for replies holding idle times: compared masked.
func (h *harness) diffTimes(argv ...string) {
	h.t.Helper()
	want := h.redis.Do(argv...)
	got := h.exec(argv...)
	if streamMaskTimes(got) != streamMaskTimes(want) {
		h.t.Errorf("%q (times masked):\n got  %q\n want %q (redis-server)", argv, got, want)
	}
}

// streamTimed lists the commands whose replies show idle times.
func streamTimed(argv []string) bool {
	name := strings.ToUpper(argv[0])
	return name == "XPENDING" && len(argv) > 3 || name == "XINFO" && len(argv) > 1 && strings.EqualFold(argv[1], "consumers")
}

// TestStreamGroup_Commands compares the consumer group commands' replies,
// errors and their order with redis-server's, in RESP2 and RESP3, then
// the replica built from their effects.
func TestStreamGroup_Commands(t *testing.T) {
	h := newHarness(t)
	for _, proto := range []int{2, 3} {
		h.proto = proto
		h.redis.Do("HELLO", strconv.Itoa(proto))
		h.diff("FLUSHALL")
		h.db, h.replica = New(), New()
		h.diff("SET", "str", "x")
		for _, argv := range [][]string{
			{"XADD", "s", "1-1", "a", "1"}, {"XADD", "s", "2-1", "b", "2"}, {"XADD", "s", "3-1", "c", "3"},
			{"XADD", "s", "4-1", "d", "4"}, {"XADD", "s", "5-1", "e", "5"},
			// XGROUP.
			{"XGROUP"}, {"XGROUP", "HELP"}, {"XGROUP", "HELP", "x"}, {"XGROUP", "FOO"}, {"xgroup", "foo", "s"},
			{"XGROUP", "CREATE", "s"}, {"XGROUP", "CREATE", "s", "g"},
			{"XGROUP", "CREATE", "s", "g", "$"},
			{"XGROUP", "CREATE", "s", "g", "0"},
			{"XGROUP", "CREATE", "s", "g0", "0"},
			{"XGROUP", "CREATE", "s", "g2", "2-1", "ENTRIESREAD", "2"},
			{"XGROUP", "CREATE", "s", "g3", "0", "ENTRIESREAD", "-2"},
			{"XGROUP", "CREATE", "s", "g3", "0", "ENTRIESREAD", "x"},
			{"XGROUP", "CREATE", "s", "g3", "0", "ENTRIESREAD"},
			{"XGROUP", "create", "s", "g3", "0", "FOO"},
			{"XGROUP", "CREATE", "s", "g3", "0", "MKSTREAM", "MKSTREAM", "ENTRIESREAD", "1"},
			{"XGROUP", "CREATE", "s", "g3", "x"},
			{"XGROUP", "CREATE", "s", "g3", "-"},
			{"XGROUP", "CREATE", "s", "g3", "5"},
			{"XGROUP", "CREATE", "nokey", "g", "0"},
			{"XGROUP", "CREATE", "nokey", "g", "x", "FOO"},
			{"XGROUP", "CREATE", "str", "g", "0"},
			{"XGROUP", "CREATE", "str", "g", "0", "MKSTREAM"},
			{"XGROUP", "CREATE", "new", "g", "$", "MKSTREAM"},
			{"XGROUP", "CREATE", "new2", "g", "7-7", "MKSTREAM", "ENTRIESREAD", "3"},
			{"XGROUP", "CREATE", "new3", "g", "x", "MKSTREAM"},
			{"EXISTS", "new3"},
			{"XGROUP", "SETID", "s", "nog", "0"},
			{"XGROUP", "SETID", "s", "g3", "0", "MKSTREAM"},
			{"XGROUP", "SETID", "s", "g3", "+"},
			{"XGROUP", "SETID", "s", "g3", "-", "ENTRIESREAD", "0"},
			{"XGROUP", "SETID", "s", "g3", "1", "ENTRIESREAD", "1", "ENTRIESREAD", "2"},
			{"XGROUP", "SETID", "s", "g3", "x"},
			{"XGROUP", "SETID", "s", "g3", "$"},
			{"XGROUP", "SETID", "nokey", "g3", "$"},
			{"XGROUP", "DESTROY", "s", "nog"}, {"XGROUP", "DESTROY", "s", "g3"}, {"XGROUP", "DESTROY", "s", "g3", "x"},
			{"XGROUP", "DESTROY", "nokey", "g"}, {"XGROUP", "DESTROY", "str", "g"},
			{"XGROUP", "CREATECONSUMER", "s", "g", "c0"}, {"XGROUP", "CREATECONSUMER", "s", "g", "c0"},
			{"XGROUP", "CREATECONSUMER", "s", "nog", "c0"}, {"XGROUP", "CREATECONSUMER", "s", "g"},
			{"XGROUP", "DELCONSUMER", "s", "g", "nobody"},
			{"XINFO", "GROUPS", "s"}, {"XINFO", "GROUPS", "new"}, {"XINFO", "GROUPS", "new2"},
			// XREADGROUP.
			{"XREADGROUP", "GROUP", "g", "c", "STREAMS", "s"},
			{"XREADGROUP", "STREAMS", "s", ">", "x", "y"},
			{"XREADGROUP", "COUNT", "1", "STREAMS", "s", ">"},
			{"XREADGROUP", "GROUP", "g", "c", "STREAMS", "s", "$"},
			{"XREADGROUP", "GROUP", "g", "c", "STREAMS", "s", "s", ">"},
			{"XREADGROUP", "GROUP", "nog", "c", "STREAMS", "s", ">"},
			{"XREADGROUP", "GROUP", "g", "c", "STREAMS", "nokey", ">"},
			{"XREADGROUP", "GROUP", "g", "c", "STREAMS", "str", ">"},
			{"XREADGROUP", "GROUP", "g", "c", "STREAMS", "s", "x"},
			{"XREADGROUP", "GROUP", "g", "c", "STREAMS", "s", "-"},
			{"XREADGROUP", "GROUP", "g", "c", "COUNT", "x", "STREAMS", "s", ">"},
			{"XREADGROUP", "GROUP", "g", "c", "BLOCK", "-1", "STREAMS", "s", ">"},
			{"XREADGROUP", "GROUP", "g", "c", "FOO", "STREAMS", "s", ">"},
			{"XREADGROUP", "GROUP", "g", "c", "STREAMS", "s", ">"},
			{"XREADGROUP", "GROUP", "g", "c", "BLOCK", "10", "STREAMS", "s", ">"},
			{"XREADGROUP", "GROUP", "g0", "c", "COUNT", "2", "STREAMS", "s", ">"},
			{"XREADGROUP", "GROUP", "g0", "c2", "COUNT", "1", "STREAMS", "s", ">"},
			{"XREADGROUP", "GROUP", "g0", "c3", "COUNT", "1", "NOACK", "STREAMS", "s", ">"},
			{"XREADGROUP", "GROUP", "g0", "c", "STREAMS", "s", "0"},
			{"XREADGROUP", "GROUP", "g0", "c", "COUNT", "1", "STREAMS", "s", "1-1"},
			{"XREADGROUP", "GROUP", "g0", "c4", "STREAMS", "s", "0"},
			{"XREADGROUP", "GROUP", "g0", "c4", "COUNT", "1", "STREAMS", "s", "18446744073709551615-18446744073709551615"},
			{"XREADGROUP", "GROUP", "g2", "c", "COUNT", "-5", "STREAMS", "s", "s", ">", "0"},
			{"XINFO", "GROUPS", "s"},
			{"XPENDING", "s", "g0"}, {"XPENDING", "s", "g2"}, {"XPENDING", "s", "g"},
			{"XDEL", "s", "1-1"},
			{"XREADGROUP", "GROUP", "g0", "c", "STREAMS", "s", "0"},
			{"XGROUP", "SETID", "s", "g0", "0"},
			{"XREADGROUP", "GROUP", "g0", "c5", "COUNT", "2", "STREAMS", "s", ">"},
			{"XINFO", "GROUPS", "s"},
			{"XINFO", "CONSUMERS", "s", "g0"},
			{"XPENDING", "s", "g0"},
			// XPENDING.
			{"XPENDING", "s"}, {"XPENDING", "s", "g0", "-"}, {"XPENDING", "s", "g0", "-", "+"},
			{"XPENDING", "s", "g0", "-", "+", "10", "c", "x", "y", "z"},
			{"XPENDING", "s", "g0", "-", "+", "10"},
			{"XPENDING", "s", "g0", "-", "+", "2"},
			{"XPENDING", "s", "g0", "(2-1", "+", "10"},
			{"XPENDING", "s", "g0", "-", "(3-1", "10"},
			{"XPENDING", "s", "g0", "-", "+", "0"},
			{"XPENDING", "s", "g0", "-", "+", "-1"},
			{"XPENDING", "s", "g0", "-", "+", "x"},
			{"XPENDING", "s", "g0", "x", "+", "x"},
			{"XPENDING", "s", "g0", "x", "+", "1"},
			{"XPENDING", "s", "g0", "(-", "+", "1"},
			{"XPENDING", "s", "g0", "-", "(0-0", "1"},
			{"XPENDING", "s", "g0", "-", "+", "10", "c5"},
			{"XPENDING", "s", "g0", "-", "+", "10", "nobody"},
			{"XPENDING", "s", "g0", "IDLE", "0", "-", "+", "10"},
			{"XPENDING", "s", "g0", "IDLE", "100000000", "-", "+", "10"},
			{"XPENDING", "s", "g0", "IDLE", "x", "-", "+", "10"},
			{"XPENDING", "s", "g0", "IDLE", "10", "-", "+"},
			{"XPENDING", "s", "g0", "IDLE", "10", "-", "+", "10", "c2", "x"},
			{"XPENDING", "nokey", "g0"}, {"XPENDING", "str", "g0"}, {"XPENDING", "s", "nog"},
			{"XPENDING", "nokey", "g0", "x", "+", "1"},
			// XACK.
			{"XACK", "s", "g0"}, {"XACK", "s", "g0", "x"}, {"XACK", "nokey", "g0", "x"}, {"XACK", "str", "g0", "x"},
			{"XACK", "s", "nog", "x"}, {"XACK", "s", "g0", "2-1", "x"},
			{"XACK", "s", "g0", "2-1", "2-1", "9-9"},
			{"XPENDING", "s", "g0"},
			// XCLAIM.
			{"XCLAIM", "s", "g0", "c"}, {"XCLAIM", "nokey", "g0", "c", "x", "1-1"},
			{"XCLAIM", "str", "g0", "c", "0", "1-1"}, {"XCLAIM", "s", "nog", "c", "x", "1-1"},
			{"XCLAIM", "s", "g0", "c", "x", "1-1"},
			{"XCLAIM", "s", "g0", "c", "0", "x"},
			{"XCLAIM", "s", "g0", "c", "0", "3-1", "FOO"},
			{"XCLAIM", "s", "g0", "c", "0", "3-1", "IDLE", "x"},
			{"XCLAIM", "s", "g0", "c", "0", "3-1", "TIME", "x"},
			{"XCLAIM", "s", "g0", "c", "0", "3-1", "RETRYCOUNT", "x"},
			{"XCLAIM", "s", "g0", "c", "0", "3-1", "LASTID", "x"},
			{"XCLAIM", "s", "g0", "c", "0", "3-1", "IDLE"},
			{"XCLAIM", "s", "g0", "c", "0", "3-1", "JUSTID", "4-1"},
			{"XCLAIM", "s", "g0", "c", "100000000", "3-1"},
			{"XCLAIM", "s", "g0", "c6", "0", "3-1", "TIME", "1000", "RETRYCOUNT", "7"},
			{"XCLAIM", "s", "g0", "c6", "100000", "3-1", "4-1", "JUSTID"},
			{"XCLAIM", "s", "g0", "c", "0", "4-1", "5-1", "IDLE", "5000000", "JUSTID"},
			{"XCLAIM", "s", "g0", "c7", "0", "5-1", "FORCE", "TIME", "2000"},
			{"XCLAIM", "s", "g", "c7", "0", "5-1", "1-1", "9-9", "FORCE", "TIME", "2000", "RETRYCOUNT", "3"},
			{"XCLAIM", "s", "g", "c8", "0", "5-1", "LASTID", "9-9", "TIME", "99999999999999999"},
			{"XCLAIM", "s", "g", "c8", "0", "5-1", "LASTID", "1-1", "TIME", "-5", "JUSTID"},
			{"XCLAIM", "s", "g", "c8", "0", "LASTID", "1-1"},
			{"XINFO", "GROUPS", "s"},
			{"XPENDING", "s", "g0", "IDLE", "1000000", "-", "+", "10"},
			{"XPENDING", "s", "g", "IDLE", "1000000", "-", "+", "10"},
			{"XPENDING", "s", "g0"},
			{"XGROUP", "SETID", "s", "g2", "0"},
			{"XREADGROUP", "GROUP", "g2", "c9", "STREAMS", "s", ">"},
			{"XDEL", "s", "3-1"},
			{"XCLAIM", "s", "g2", "c9", "0", "3-1", "4-1", "JUSTID"},
			{"XPENDING", "s", "g2"},
			// XAUTOCLAIM.
			{"XAUTOCLAIM", "s", "g0", "c"}, {"XAUTOCLAIM", "s", "g0", "c", "x", "0"},
			{"XAUTOCLAIM", "s", "g0", "c", "0", "x"}, {"XAUTOCLAIM", "s", "g0", "c", "0", "(-"},
			{"XAUTOCLAIM", "s", "g0", "c", "0", "0", "COUNT", "0"},
			{"XAUTOCLAIM", "s", "g0", "c", "0", "0", "COUNT", "x"},
			{"XAUTOCLAIM", "s", "g0", "c", "0", "0", "COUNT", "576460752303423488"},
			{"XAUTOCLAIM", "s", "g0", "c", "0", "0", "COUNT"},
			{"XAUTOCLAIM", "s", "g0", "c", "0", "0", "FOO"},
			{"XAUTOCLAIM", "nokey", "g0", "c", "0", "0"}, {"XAUTOCLAIM", "str", "g0", "c", "0", "0"},
			{"XAUTOCLAIM", "nokey", "g0", "c", "x", "0"}, {"XAUTOCLAIM", "s", "nog", "c", "0", "0"},
			{"XAUTOCLAIM", "s", "g0", "c", "100000000", "0"},
			{"XAUTOCLAIM", "s", "g0", "c10", "0", "0", "COUNT", "1"},
			{"XAUTOCLAIM", "s", "g0", "c10", "0", "(4-1", "COUNT", "1", "JUSTID"},
			{"XAUTOCLAIM", "s", "g0", "c11", "0", "-", "COUNT", "576460752303423487"},
			{"XAUTOCLAIM", "s", "g0", "c11", "0", "-", "COUNT", "1000000"},
			{"XAUTOCLAIM", "s", "g", "c11", "1000000", "0", "COUNT", "1", "JUSTID"},
			{"XAUTOCLAIM", "s", "g2", "c11", "0", "0", "COUNT", "1"},
			{"XAUTOCLAIM", "s", "g2", "c11", "0", "0"},
			{"XPENDING", "s", "g0", "-", "+", "10"},
			{"XPENDING", "s", "g", "-", "+", "10"},
			// XINFO.
			{"XINFO"}, {"XINFO", "HELP"}, {"XINFO", "HELP", "x"}, {"XINFO", "FOO", "s"},
			{"XINFO", "GROUPS"}, {"XINFO", "GROUPS", "nokey"}, {"XINFO", "GROUPS", "str"},
			{"XINFO", "CONSUMERS", "s"}, {"XINFO", "CONSUMERS", "s", "nog"}, {"XINFO", "CONSUMERS", "nokey", "g"},
			{"XINFO", "CONSUMERS", "str", "g"},
			{"XINFO", "CONSUMERS", "s", "g"}, {"XINFO", "CONSUMERS", "s", "g2"},
			{"XINFO", "GROUPS", "s"},
			{"XGROUP", "DELCONSUMER", "s", "g0", "c11"},
			{"XGROUP", "DELCONSUMER", "s", "g0", "c"},
			{"XINFO", "CONSUMERS", "s", "g0"},
			{"XPENDING", "s", "g0"},
			{"XTRIM", "s", "MAXLEN", "0"},
			{"XINFO", "GROUPS", "s"},
			{"XADD", "s", "6-1", "f", "6"},
			{"XINFO", "GROUPS", "s"},
			{"XREADGROUP", "GROUP", "g", "c", "STREAMS", "s", ">"},
			{"XINFO", "GROUPS", "s"},
			{"XAUTOCLAIM", "s", "g", "c", "0", "0"},
			{"XPENDING", "s", "g"},
			{"COPY", "s", "s2"}, {"RENAME", "s", "s3"},
			{"XINFO", "GROUPS", "s2"}, {"XINFO", "GROUPS", "s3"},
			{"XPENDING", "s2", "g"}, {"XPENDING", "s3", "g"},
		} {
			if streamTimed(argv) {
				h.diffTimes(argv...)
			} else {
				h.diff(argv...)
			}
		}
		h.proto = 2
		h.redis.Do("HELLO", "2")
		h.checkReplica()
	}
}

// TestStreamGroup_Random runs random group commands on two streams whose
// entries come and go (XADD, XDEL, XTRIM), comparing every reply with
// redis-server's (idle times masked: claims use no idle threshold or one
// of a day, and times now or long ago), the replica built from effects
// every 25 commands, and at the end a replica loaded from a dump.
func TestStreamGroup_Random(t *testing.T) {
	h := newHarness(t)
	for seed := range uint64(30) {
		r := rand.New(rand.NewPCG(seed, 11))
		pick := func(s ...string) string { return s[r.IntN(len(s))] }
		id := func() string { return fmt.Sprintf("%d-%d", 1+r.IntN(30), r.IntN(3)) }
		opt := func(args ...string) []string {
			if r.IntN(2) == 0 {
				return args
			}
			return nil
		}
		h.proto = 2 + int(seed%2)
		h.redis.Do("HELLO", strconv.Itoa(h.proto))
		h.diff("FLUSHALL")
		h.db, h.replica, h.replicaLoaded = New(), New(), false
		for i := range 400 {
			key, group, cons := pick("a", "b"), pick("g1", "g2"), pick("c1", "c2", "c3")
			var argv []string
			switch r.IntN(16) {
			case 0, 1, 2:
				argv = []string{"XADD", key, pick(id(), fmt.Sprint(1+r.IntN(30))+"-*"), "f", fmt.Sprint(i)}
			case 3:
				argv = []string{"XDEL", key, id(), id()}
			case 4:
				argv = append([]string{"XTRIM", key}, pick("MAXLEN", "MINID"), pick("3", id()))
			case 5:
				argv = append([]string{"XGROUP", "CREATE", key, group, pick("$", "0", id())}, opt("MKSTREAM")...)
				argv = append(argv, opt("ENTRIESREAD", pick("0", "2", "-1"))...)
			case 6:
				argv = append([]string{"XGROUP", "SETID", key, group, pick("$", "0", id())}, opt("ENTRIESREAD", pick("0", "2", "-1"))...)
			case 7:
				argv = []string{"XGROUP", pick("CREATECONSUMER", "DELCONSUMER", "DELCONSUMER"), key, group, cons}
			case 8, 9, 10:
				argv = append([]string{"XREADGROUP", "GROUP", group, cons}, opt("COUNT", pick("1", "2", "0"))...)
				argv = append(argv, opt("NOACK")...)
				argv = append(argv, "STREAMS", key, pick(">", ">", "0", id()))
			case 11:
				argv = []string{"XACK", key, group, id(), id()}
			case 12:
				argv = append([]string{"XCLAIM", key, group, cons, pick("0", "86400000"), id(), id()}, opt("JUSTID")...)
				argv = append(argv, opt("TIME", "1000")...)
				argv = append(argv, opt("FORCE")...)
				argv = append(argv, opt("RETRYCOUNT", "4")...)
				argv = append(argv, opt("LASTID", id())...)
			case 13:
				argv = append([]string{"XAUTOCLAIM", key, group, cons, pick("0", "86400000"), pick("0", id())}, opt("COUNT", pick("1", "3"))...)
				argv = append(argv, opt("JUSTID")...)
			case 14:
				argv = append([]string{"XPENDING", key, group}, opt("-", "+", pick("2", "10"))...)
				if len(argv) > 3 {
					argv = append(argv, opt(cons)...)
				}
			default:
				argv = []string{"XINFO", pick("GROUPS", "CONSUMERS"), key}
				if argv[1] == "CONSUMERS" {
					argv = append(argv, group)
				}
			}
			if streamTimed(argv) {
				h.diffTimes(argv...)
			} else {
				h.diff(argv...)
			}
			if i%25 == 24 {
				h.checkReplica()
			}
		}
		h.checkReplica()
		h.replica, h.replicaLoaded = h.loadDump(), true
		h.checkReplica()
		if t.Failed() {
			t.Fatalf("seed %d", seed)
		}
	}
	h.proto = 2
	h.redis.Do("HELLO", "2")
}
