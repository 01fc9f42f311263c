package quorum

import (
	"errors"
	"time"

	"github.com/hashicorp/raft"
)

// raft counts the log it keeps in entries, not bytes: it snapshots every
// SnapshotThreshold entries and then keeps TrailingLogs entries behind the
// snapshot. 100,000 entries of memshard's records are about 600 MB, but of
// 4 MiB entries (a load of 1 MB records, merged by the sequencer) 400 GB,
// on disk, and raft-wal also keeps each sealed segment's write buffer in
// memory. So a node bounds its raft log in bytes too (Config.RaftLogBytes):
// it takes a snapshot once half the budget was applied since the last one,
// and keeps behind it as many entries as half the budget holds at the size
// entries have had lately, never more than Config.TrailingLogs and never
// fewer than minTrailingLogs.
const minTrailingLogs = 16

// retention is the byte accounting of the raft log (fsm.Apply adds to it).
type retention struct {
	avgEntry     float64 // recent entry size: rises at once, halves per quiet check
	trailing     uint64  // the TrailingLogs in force
	sinceSnap    int64   // bytes applied since the last snapshot this loop took or saw
	lastSnapshot uint64  // snapshotsTaken when last seen
}

// noteApplied counts an applied entry of size bytes.
func (n *Node) noteApplied(size int) {
	n.appliedBytes.Add(int64(size))
	n.appliedEntries.Add(1)
}

// retentionLoop applies the byte budget every Config.RetentionInterval.
func (n *Node) retentionLoop() {
	defer n.wg.Done()
	t := time.NewTicker(n.cfg.RetentionInterval)
	defer t.Stop()
	r := retention{trailing: n.cfg.TrailingLogs}
	for {
		select {
		case <-n.closing:
			return
		case <-t.C:
		}
		n.checkRetention(&r)
	}
}

// checkRetention adjusts TrailingLogs to the recent entry size and takes a
// snapshot once half the budget was applied since the last one.
func (n *Node) checkRetention(r *retention) {
	bytes, entries := n.appliedBytes.Swap(0), n.appliedEntries.Swap(0)
	if taken := n.snapshotsTaken.Load(); taken != r.lastSnapshot {
		r.lastSnapshot, r.sinceSnap = taken, 0 // raft took one on its own
	}
	r.sinceSnap += bytes
	if entries > 0 {
		r.avgEntry = max(float64(bytes)/float64(entries), r.avgEntry/2)
	} else {
		r.avgEntry /= 2
	}
	half := n.cfg.RaftLogBytes / 2
	trailing := n.cfg.TrailingLogs
	if r.avgEntry >= 1 {
		trailing = min(max(uint64(float64(half)/r.avgEntry), minTrailingLogs), n.cfg.TrailingLogs)
	}
	if trailing != r.trailing && (trailing < r.trailing || trailing > r.trailing+r.trailing/4) {
		rc := n.raft.ReloadableConfig()
		rc.TrailingLogs = trailing
		if err := n.raft.ReloadConfig(rc); err != nil {
			n.logger.Warn("cannot adjust the raft log's trailing entries", "trailing", trailing, "err", err)
		} else {
			r.trailing = trailing
			n.logger.Debug("raft log trailing entries adjusted", "trailing", trailing, "avg_entry_bytes", int64(r.avgEntry))
		}
	}
	if r.sinceSnap < half {
		return
	}
	err := n.raft.Snapshot().Error()
	switch {
	case err == nil, errors.Is(err, raft.ErrNothingNewToSnapshot):
		r.sinceSnap = 0
		r.lastSnapshot = n.snapshotsTaken.Load()
	default:
		n.logger.Warn("snapshot for the raft log's byte budget failed", "err", err)
	}
}
