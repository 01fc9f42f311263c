package shard

import (
	"bytes"
	"fmt"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/quorumlog/quorumlog/quorum/quorumtest"
)

func TestPubsubRecord_RoundTripAndSplit(t *testing.T) {
	msgs := []pubsubMessage{
		{false, []byte("news"), []byte("hello")},
		{true, []byte("{s}"), []byte("")},
		{false, []byte(""), bytes.Repeat([]byte("x"), 300)},
		{false, []byte("big"), bytes.Repeat([]byte("y"), 2000)}, // over the limit: dropped
	}
	recs, tooBig := encodePubsubRecords("m1", msgs, 320)
	if tooBig != 1 {
		t.Fatalf("tooBig = %d, want 1", tooBig)
	}
	var got []pubsubMessage
	for _, r := range recs {
		if len(r) > 320 {
			t.Fatalf("record of %d bytes over the 320-byte limit", len(r))
		}
		node, ms, err := decodePubsubRecord(r)
		if err != nil || node != "m1" {
			t.Fatalf("decode = %q, %v", node, err)
		}
		got = append(got, ms...)
	}
	if len(recs) != 2 || !slices.EqualFunc(got, msgs[:3], func(a, b pubsubMessage) bool {
		return a.sharded == b.sharded && bytes.Equal(a.channel, b.channel) && bytes.Equal(a.message, b.message)
	}) {
		t.Fatalf("%d records, messages %+v", len(recs), got)
	}
	for _, bad := range [][]byte{nil, {2}, {1, 5, 'a'}, append(recs[0][:len(recs[0]):len(recs[0])], 7), append(slices.Clone(recs[0]), 0, 9)} {
		if _, _, err := decodePubsubRecord(bad); err == nil {
			t.Errorf("decode(%q) accepted", bad)
		}
	}
}

// FuzzDecodePubsubRecord: any bytes decode or are refused without a
// panic, and what decodes encodes back to the same record.
func FuzzDecodePubsubRecord(f *testing.F) {
	recs, _ := encodePubsubRecords("m2", []pubsubMessage{{false, []byte("a"), []byte("b")}, {true, []byte("c"), nil}}, 1<<20)
	f.Add(recs[0])
	f.Add([]byte{1, 0})
	f.Add([]byte{1, 2, 'm', '1', 0, 0, 0})
	f.Fuzz(func(t *testing.T, b []byte) {
		node, msgs, err := decodePubsubRecord(b)
		if err != nil {
			return
		}
		again, _ := encodePubsubRecords(node, msgs, 1<<30)
		if len(msgs) == 0 {
			if len(again) != 0 {
				t.Fatalf("no messages encoded to %d records", len(again))
			}
			return
		}
		if len(again) != 1 || !bytes.Equal(again[0], b) {
			t.Fatalf("re-encoded %q as %q", b, again)
		}
	})
}

// TestShard_PubsubReachesTheOtherNodes: messages published on one node
// reach the other nodes, in the order published, through the shard's
// Pub/Sub log; the publishing node gets none of its own back.
func TestShard_PubsubReachesTheOtherNodes(t *testing.T) {
	ts := newTestShard(t, 3)
	ts.primary()
	var mu sync.Mutex
	got := make([][]string, 3)
	for i, nd := range ts.nodes {
		nd.s.OnMessage(func(sharded bool, channel, message []byte) {
			mu.Lock()
			got[i] = append(got[i], fmt.Sprintf("%v %s %s", sharded, channel, message))
			mu.Unlock()
		})
	}
	// Each node follows the log from where it stood when it started: wait
	// until every tail has read past a first message.
	quorumtest.WaitFor(t, 10*time.Second, func() error {
		ts.nodes[1].s.Publish(false, []byte("warmup"), []byte("x"))
		mu.Lock()
		defer mu.Unlock()
		if !slices.Contains(got[0], "false warmup x") || !slices.Contains(got[2], "false warmup x") {
			return fmt.Errorf("warm-up not seen yet: %q, %q", got[0], got[2])
		}
		return nil
	})
	time.Sleep(100 * time.Millisecond)
	mu.Lock()
	got = make([][]string, 3)
	mu.Unlock()
	var want []string
	for i := range 200 {
		sharded := i%3 == 0
		ts.nodes[1].s.Publish(sharded, []byte("ch"), []byte(fmt.Sprint(i)))
		want = append(want, fmt.Sprintf("%v ch %d", sharded, i))
	}
	quorumtest.WaitFor(t, 10*time.Second, func() error {
		mu.Lock()
		defer mu.Unlock()
		for _, i := range []int{0, 2} {
			if len(got[i]) < len(want) {
				return fmt.Errorf("node %d has %d of %d messages", i, len(got[i]), len(want))
			}
		}
		return nil
	})
	mu.Lock()
	defer mu.Unlock()
	for _, i := range []int{0, 2} {
		if !slices.Equal(got[i], want) {
			t.Errorf("node %d received %q..., want %q...", i, got[i][:5], want[:5])
		}
	}
	if len(got[1]) != 0 {
		t.Errorf("the publishing node received its own messages: %q", got[1])
	}
}
