package quorum

import (
	"bytes"
	"errors"
	"testing"

	"github.com/quorumlog/quorumlog/logstore"
)

func appendProposal(size int) *proposal {
	return &proposal{op: logstore.Op{Kind: logstore.OpAppend, Log: "l", Records: []logstore.Record{{Payload: make([]byte, size)}}}, done: make(chan struct{})}
}

// The sequencer never builds a raft entry larger than maxEntryBytes: an
// append that would take the entry past it starts the next entry, in queue
// order. (raft-wal would write such an entry and then refuse to read it
// back, and the node could never restart.) The server's bound on an append
// (48 MiB) keeps entries below it with the default batch limits; this
// holds whatever the limits.
func TestFill_KeepsEntriesWithinMaxEntryBytes(t *testing.T) {
	n := &Node{queue: make(chan *proposal, 8), cfg: Config{MaxBatchRecords: 1024, MaxBatchBytes: 4 << 20}}
	small, big, after := appendProposal(3<<20), appendProposal(62<<20), appendProposal(1<<10)
	for _, p := range []*proposal{small, big, after} {
		n.queue <- p
	}
	var entries [][]*proposal
	for len(n.queue) > 0 || n.carry != nil {
		first := n.carry
		n.carry = nil
		if first == nil {
			first = <-n.queue
		}
		entries = append(entries, n.fill([]*proposal{first}))
	}
	want := [][]*proposal{{small}, {big}, {after}}
	if len(entries) != len(want) {
		t.Fatalf("%d entries, want %d", len(entries), len(want))
	}
	for i, e := range entries {
		size := entryHeaderBytes
		for j, p := range e {
			size += encodedOpSize(&p.op)
			if j >= len(want[i]) || p != want[i][j] {
				t.Fatalf("entry %d holds the wrong proposals (%d of them)", i, len(e))
			}
		}
		if size > maxEntryBytes {
			t.Fatalf("entry %d is %d bytes, over maxEntryBytes %d", i, size, maxEntryBytes)
		}
	}
}

// A proposal held over for the next entry when the node closes fails like
// the queued ones.
func TestFailQueued_FailsTheCarriedProposal(t *testing.T) {
	n := &Node{queue: make(chan *proposal, 1)}
	p := appendProposal(1)
	n.carry = p
	n.failQueued()
	<-p.done
	if !errors.Is(p.err, ErrClosed) || n.carry != nil {
		t.Fatalf("carried proposal: err %v, carry %v", p.err, n.carry)
	}
}

// The bound the sequencer cuts entries by holds for an encoded entry.
func TestEntrySizeBound_HoldsForAnEncodedEntry(t *testing.T) {
	op := logstore.Op{Kind: logstore.OpAppend, Log: "l", Records: []logstore.Record{{Payload: bytes.Repeat([]byte("x"), 1<<20)}}}
	data := appendEntry(nil, []logstore.Op{op})
	if bound := entryHeaderBytes + encodedOpSize(&op); len(data) > bound {
		t.Fatalf("encoded entry %d bytes, the bound says at most %d", len(data), bound)
	}
}
