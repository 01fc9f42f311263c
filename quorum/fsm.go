package quorum

import (
	"fmt"
	"io"

	"github.com/hashicorp/raft"

	"github.com/quorumlog/quorumlog/logstore"
)

// fsm applies committed raft entries to the node's logstore.
type fsm struct{ n *Node }

var (
	_ raft.FSM         = (*fsm)(nil)
	_ raft.FSMSnapshot = (*fsmSnapshot)(nil)
)

// Apply applies one entry and returns one logstore.Result per operation.
// Entries at or below the store's applied index are already in the store
// (raft replays from its last snapshot, the store may be ahead) and are
// skipped, so nothing is applied twice.
func (f *fsm) Apply(l *raft.Log) any {
	f.n.noteApplied(len(l.Data))
	store := f.n.store
	if l.Index <= store.AppliedIndex() {
		return nil
	}
	ops, err := decodeEntry(l.Data)
	if err != nil {
		// Every replica would fail the same way; going on would diverge
		// from nothing but would silently drop writes. Stop loudly.
		panic(fmt.Sprintf("quorum: raft entry %d: %v", l.Index, err))
	}
	results := make([]logstore.Result, len(ops))
	if err := store.Apply(l.Index, ops, results); err != nil {
		// A disk error on the apply path: the supervisor restarts the node,
		// which recovers its last Sync and replays raft (RAFT-NOTES).
		panic(fmt.Sprintf("quorum: apply raft entry %d: %v", l.Index, err))
	}
	for i := range ops {
		if ops[i].Log == MembersLog && ops[i].Kind == logstore.OpAppend && results[i].Err == nil {
			f.n.applyMembers(ops[i].Records)
		}
	}
	return results
}

// Snapshot is cheap: the logstore is the snapshot. Persist makes it durable.
func (f *fsm) Snapshot() (raft.FSMSnapshot, error) { return &fsmSnapshot{n: f.n}, nil }

// Restore replaces the store with an image streamed from the leader.
func (f *fsm) Restore(rc io.ReadCloser) error {
	defer rc.Close()
	if err := f.n.store.Restore(rc); err != nil {
		return fmt.Errorf("restore logstore: %w", err)
	}
	f.n.reloadMembers()
	f.n.snapshotsInstalled.Add(1)
	f.n.logger.Info("restored logstore from a snapshot", "index", f.n.store.AppliedIndex())
	return nil
}

type fsmSnapshot struct{ n *Node }

// Persist syncs the logstore, which records its own recovery point, and
// writes a marker into the sink: the data stays in the logstore's files.
func (s *fsmSnapshot) Persist(sink raft.SnapshotSink) error {
	index, err := s.n.store.Sync()
	if err != nil {
		_ = sink.Cancel()
		return fmt.Errorf("sync logstore: %w", err)
	}
	if _, err := fmt.Fprintf(sink, "%s%d\n", localSnapshotMarker, index); err != nil {
		_ = sink.Cancel()
		return err
	}
	if err := sink.Close(); err != nil {
		return err
	}
	s.n.snapshotsTaken.Add(1)
	return nil
}

func (s *fsmSnapshot) Release() {}

// Snapshots returns how many snapshots this node has taken since it opened.
func (n *Node) Snapshots() uint64 { return n.snapshotsTaken.Load() }

// SnapshotsInstalled returns how many snapshots from a leader this node has
// installed since it opened.
func (n *Node) SnapshotsInstalled() uint64 { return n.snapshotsInstalled.Load() }
