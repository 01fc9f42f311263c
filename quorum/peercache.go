package quorum

import (
	"encoding/json"
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strings"
)

// The member registry (MembersLog) is in the store, which a node reopens
// at its last Sync and brings up to date by replaying raft once a leader
// tells it what is committed. A node removed from the cluster while it was
// down never hears from a leader again, so after a restart its registry
// may not even name the members it could ask about its removal. It keeps
// the members it knew in its data dir as well (peers.json), written
// whenever the registry changes and read at open.

const peerCacheFile = "peers.json"

// loadPeerCache reads the members the node knew before it stopped; a
// missing or unreadable file is no error (the node is new, or it asks
// nobody).
func (n *Node) loadPeerCache() {
	b, err := os.ReadFile(filepath.Join(n.cfg.DataDir, peerCacheFile))
	if errors.Is(err, fs.ErrNotExist) {
		return
	}
	var peers []Member
	if err == nil {
		err = json.Unmarshal(b, &peers)
	}
	if err != nil {
		n.logger.Warn("ignoring the cached member list", "file", peerCacheFile, "err", err)
		return
	}
	n.mu.Lock()
	n.cachedPeers = peers
	n.mu.Unlock()
}

// peerCacheLoop writes the cache whenever applyMembers signals a change:
// the registry's members and those of the cache it does not name (a
// registry reopened at an older Sync may lack some; removed members stay
// in the registry anyway).
func (n *Node) peerCacheLoop() {
	defer n.wg.Done()
	var saved []Member
	for {
		select {
		case <-n.closing:
			return
		case <-n.membersChanged:
		}
		peers := n.KnownPeers() // the cache fills what a reopened registry lacks
		if len(peers) == 0 || slices.Equal(peers, saved) {
			continue
		}
		b, err := json.Marshal(peers)
		if err == nil {
			err = writeFileSynced(n.cfg.DataDir, peerCacheFile, b)
		}
		if err != nil {
			n.logger.Warn("caching the member list", "err", err)
			continue
		}
		saved = peers
	}
}

// registryPeers returns the registry's members that have a gRPC address,
// by ID.
func (n *Node) registryPeers() []Member {
	n.mu.Lock()
	defer n.mu.Unlock()
	var peers []Member
	for _, m := range n.members {
		if m.GRPCAddr != "" {
			peers = append(peers, Member{ID: m.ID, GRPCAddr: m.GRPCAddr, Zone: m.Zone})
		}
	}
	slices.SortFunc(peers, func(a, b Member) int { return strings.Compare(a.ID, b.ID) })
	return peers
}

// KnownPeers returns the other members this node knows a gRPC address of:
// those in its registry, and those it cached before it last stopped (the
// registry's entry wins), by ID.
func (n *Node) KnownPeers() []Member {
	byID := make(map[string]Member)
	n.mu.Lock()
	for _, m := range n.cachedPeers {
		byID[m.ID] = m
	}
	n.mu.Unlock()
	for _, m := range n.registryPeers() {
		byID[m.ID] = m
	}
	delete(byID, n.cfg.ID)
	peers := make([]Member, 0, len(byID))
	for _, m := range byID {
		peers = append(peers, m)
	}
	slices.SortFunc(peers, func(a, b Member) int { return strings.Compare(a.ID, b.ID) })
	return peers
}

// writeFileSynced replaces dir/name with data: a temporary file, fsynced
// (writeFileSync), renamed over it, and the directory fsynced (syncDir), so
// that a crash leaves the old content or the new.
func writeFileSynced(dir, name string, data []byte) error {
	tmp := filepath.Join(dir, name+".tmp")
	err := writeFileSync(tmp, data)
	if err == nil {
		err = os.Rename(tmp, filepath.Join(dir, name))
	}
	if err == nil {
		err = syncDir(dir)
	}
	if err != nil {
		os.Remove(tmp)
	}
	return err
}
