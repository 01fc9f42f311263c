package quorum

import (
	"time"

	"github.com/hashicorp/raft"
)

// A node removed from the cluster (RemoveMember) while it runs is no
// longer in the raft configuration: hashicorp/raft keeps it up as a
// follower that never hears from a leader, never stands for election, and
// serves its last state to serializable reads for ever. Like a removed
// etcd member, it should stop and say why; Removed tells its owner.

// removalChecks is how many consecutive checks, removalEvery apart, must
// find this node out of a configuration it was in: a follower catching up
// through old configuration entries does not read as removed.
const (
	removalChecks = 3
	removalEvery  = 500 * time.Millisecond
)

// Removed is closed once this node, having been a member of the raft
// configuration, has been out of it for removalChecks checks in a row, or
// at once if it was the leader and removed itself (raft then shuts down).
// A running follower that has caught up learns it: the leader replicates
// to it up to the entry that removes it before it stops. That last send is
// best effort in hashicorp/raft: a follower still catching up (the leader
// sending it older entries one batch at a time) is dropped between two
// batches, and one that was down or cut off never gets the entry at all.
// Such a node hears from no leader again: its owner asks the members it
// knows (KnownPeers) and tells the node with ConfirmRemoved.
func (n *Node) Removed() <-chan struct{} { return n.removed }

// ConfirmRemoved closes Removed: the cluster's leader, leaderID, has a
// configuration without this node.
func (n *Node) ConfirmRemoved(leaderID string) {
	n.markRemoved("the leader " + leaderID + " no longer lists this node")
}

func (n *Node) markRemoved(how string) {
	n.removedOnce.Do(func() {
		n.logger.Error("this node was removed from the cluster (logctl members remove); to bring it back, empty its --data-dir and start it with --join", "how", how)
		close(n.removed)
	})
}

// removalLoop watches the configuration for this node's removal.
func (n *Node) removalLoop() {
	defer n.wg.Done()
	t := time.NewTicker(removalEvery)
	defer t.Stop()
	member, out := false, 0
	for {
		cf := n.raft.GetConfiguration()
		if cf.Error() == nil {
			servers := cf.Configuration().Servers
			in := false
			for _, s := range servers {
				in = in || s.ID == raft.ServerID(n.cfg.ID)
			}
			switch {
			case in:
				member, out = true, 0
			case len(servers) > 0 && n.raft.State() == raft.Shutdown:
				// A leader that removed itself: raft shut down
				// (ShutdownOnRemove) as soon as the change committed.
				out = removalChecks
			case member:
				out++
			}
			if out >= removalChecks {
				n.markRemoved("its raft configuration no longer lists it")
				return
			}
		}
		select {
		case <-n.closing:
			return
		case <-t.C:
		}
	}
}
