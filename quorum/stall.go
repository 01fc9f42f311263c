package quorum

import (
	"fmt"
	"time"
)

// A disk that stalls (a stuck volume: writes neither finish nor fail)
// must not stop the cluster. hashicorp/raft writes the leader's new
// entries to its log in the main loop, and its heartbeats go on from
// other goroutines: a leader blocked in that write keeps its followers
// from ever standing for election, and no write is committed for as long
// as the disk stalls. So a node whose raft log write has not returned for
// Config.MaxSyncDuration stops, as CockroachDB does past its
// storage.max_sync_duration: its heartbeats end with it, the others elect
// a leader, and its supervisor restarts it once the disk is back. A
// follower stalls nobody, but stops too: it is no use to the cluster until
// its disk returns.

// DefaultMaxSyncDuration is the default Config.MaxSyncDuration: far above
// a healthy fsync (milliseconds) or a burst of large entries, and it
// bounds the cluster's write outage on a stalled leader.
const DefaultMaxSyncDuration = 20 * time.Second

// stallLoop checks, MaxSyncDuration/4 apart, how long the raft log write
// in progress has taken.
func (n *Node) stallLoop(cache *logCache) {
	defer n.wg.Done()
	t := time.NewTicker(max(n.cfg.MaxSyncDuration/4, 10*time.Millisecond))
	defer t.Stop()
	for {
		select {
		case <-n.closing:
			return
		case <-t.C:
		}
		if start := cache.writing.Load(); start != 0 {
			if d := time.Since(time.Unix(0, start)); d > n.cfg.MaxSyncDuration {
				err := fmt.Errorf("quorum: a raft log write has not returned for %v, over --max-sync-duration %v: the disk stalls; stopping so that another node can lead",
					d.Round(time.Millisecond), n.cfg.MaxSyncDuration)
				if n.cfg.OnStall != nil {
					n.cfg.OnStall(err)
				}
				// As for a failed apply: the write cannot be abandoned,
				// so the node cannot shut down cleanly.
				panic(err.Error())
			}
		}
	}
}
