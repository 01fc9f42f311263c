package quorum

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"hash/crc32"
	"sort"
	"time"

	"github.com/hashicorp/raft"

	"github.com/quorumlog/quorumlog/logstore"
)

// MembersLog is the internal log that records each member's zone and gRPC
// address. Its name cannot collide with a user's: user log names may not
// contain '/'.
const MembersLog = "/members"

// Member is one node of the cluster as the registry and raft see it.
type Member struct {
	ID       string `json:"id"`
	RaftAddr string `json:"raft_addr"`
	GRPCAddr string `json:"grpc_addr"`
	Zone     string `json:"zone"`
	Voter    bool   `json:"-"`
	Leader   bool   `json:"-"`
}

var castagnoli = crc32.MakeTable(crc32.Castagnoli)

// applyMembers folds registry records into the member map (the FSM calls it
// after applying an append to MembersLog; later records win).
func (n *Node) applyMembers(recs []logstore.Record) {
	n.mu.Lock()
	defer n.mu.Unlock()
	for _, r := range recs {
		var m Member
		if err := json.Unmarshal(r.Payload, &m); err != nil || m.ID == "" {
			n.logger.Warn("ignoring malformed member record", "err", err)
			continue
		}
		n.members[m.ID] = m
	}
	select { // peerCacheLoop
	case n.membersChanged <- struct{}{}:
	default:
	}
}

// reloadMembers rebuilds the member map from MembersLog (after open and restore).
func (n *Node) reloadMembers() {
	n.mu.Lock()
	n.members = make(map[string]Member)
	n.mu.Unlock()
	from := uint64(0)
	for {
		recs, err := n.store.Read(MembersLog, from, 1024, 1<<20)
		if err != nil {
			if !errors.Is(err, logstore.ErrNoLog) {
				n.logger.Error("reading the member registry", "err", err)
			}
			return
		}
		if len(recs) == 0 {
			return
		}
		n.applyMembers(recs)
		from = recs[len(recs)-1].ID + 1
	}
}

// register records m in the member registry unless it is already there
// unchanged. Leader only.
func (n *Node) register(ctx context.Context, m Member) error {
	n.mu.Lock()
	cur, ok := n.members[m.ID]
	n.mu.Unlock()
	if ok && cur.RaftAddr == m.RaftAddr && cur.GRPCAddr == m.GRPCAddr && cur.Zone == m.Zone {
		return nil
	}
	if _, err := n.Propose(ctx, logstore.Op{Kind: logstore.OpCreate, Log: MembersLog}); err != nil && !errors.Is(err, logstore.ErrExists) {
		return err
	}
	payload, _ := json.Marshal(m)
	_, err := n.Propose(ctx, logstore.Op{
		Kind:    logstore.OpAppend,
		Log:     MembersLog,
		Records: []logstore.Record{{Payload: payload, CRC: crc32.Checksum(payload, castagnoli)}},
	})
	return err
}

// registerSelfLoop keeps this node's own registry entry current while it
// leads. Followers are registered through Join, which the server layer calls
// on the leader.
func (n *Node) registerSelfLoop() {
	defer n.wg.Done()
	t := time.NewTicker(200 * time.Millisecond)
	defer t.Stop()
	for {
		select {
		case <-n.closing:
			return
		case <-t.C:
		}
		if n.raft.State() != raft.Leader {
			continue
		}
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		err := n.register(ctx, n.self())
		cancel()
		if err != nil && !errors.Is(err, ErrNotLeader) && !errors.Is(err, ErrClosed) {
			n.logger.Warn("registering this node", "err", err)
		}
	}
}

func (n *Node) self() Member {
	return Member{ID: n.cfg.ID, RaftAddr: string(n.trans.LocalAddr()), GRPCAddr: n.cfg.GRPCAddr, Zone: n.cfg.Zone}
}

// Registered reports whether m is in the registry exactly as given.
func (n *Node) Registered(m Member) bool {
	n.mu.Lock()
	defer n.mu.Unlock()
	cur, ok := n.members[m.ID]
	return ok && cur.RaftAddr == m.RaftAddr && cur.GRPCAddr == m.GRPCAddr && cur.Zone == m.Zone
}

// Self returns this node's own member record.
func (n *Node) Self() Member { return n.self() }

// Join adds m as a voter (leader only), or updates its registry entry if it
// already is one at the same raft address. Unless allowZoneMajority, it
// refuses with a *ZoneMajorityError a voter set in which one zone would hold
// a majority.
func (n *Node) Join(ctx context.Context, m Member, allowZoneMajority bool) error {
	if m.ID == "" || m.RaftAddr == "" || m.Zone == "" {
		return fmt.Errorf("quorum: join needs an ID, a raft address and a zone (got %+v)", m)
	}
	if n.raft.State() != raft.Leader {
		return n.notLeader()
	}
	cf := n.raft.GetConfiguration()
	if err := cf.Error(); err != nil {
		return n.leadershipError(err)
	}
	conf := cf.Configuration()
	already := false
	var zones []string
	n.mu.Lock()
	for _, s := range conf.Servers {
		if s.Suffrage != raft.Voter {
			continue
		}
		if string(s.ID) == m.ID {
			already = string(s.Address) == m.RaftAddr
			continue
		}
		zones = append(zones, zoneOf(n.members, string(s.ID)))
	}
	n.mu.Unlock()
	zones = append(zones, m.Zone)
	if !already && !allowZoneMajority && !n.cfg.AllowZoneMajority {
		if err := CheckZones(zones); err != nil {
			return err
		}
	}
	if err := n.register(ctx, m); err != nil {
		return err
	}
	if already {
		return nil
	}
	f := n.raft.AddVoter(raft.ServerID(m.ID), raft.ServerAddress(m.RaftAddr), 0, 0)
	if err := waitFuture(ctx, f); err != nil {
		return fmt.Errorf("add voter %s: %w", m.ID, err)
	}
	n.logger.Info("added voter", "peer", m.ID, "zone", m.Zone)
	return nil
}

// RemoveMember removes the member id from the raft configuration (leader
// only): to retire a node, or to replace a dead one, which can then join
// again, wiped, under the same ID. Unless allowZoneMajority, it refuses
// with a *ZoneMajorityError a voter set in which one zone would hold a
// majority, as Join does. The leader may remove itself: it steps down once
// the change commits. Its registry entry stays, unused.
func (n *Node) RemoveMember(ctx context.Context, id string, allowZoneMajority bool) error {
	if n.raft.State() != raft.Leader {
		return n.notLeader()
	}
	cf := n.raft.GetConfiguration()
	if err := cf.Error(); err != nil {
		return n.leadershipError(err)
	}
	found, voter := false, false
	var zones []string // the voters left
	n.mu.Lock()
	for _, s := range cf.Configuration().Servers {
		switch {
		case string(s.ID) == id:
			found, voter = true, s.Suffrage == raft.Voter
		case s.Suffrage == raft.Voter:
			zones = append(zones, zoneOf(n.members, string(s.ID)))
		}
	}
	n.mu.Unlock()
	switch {
	case !found:
		return fmt.Errorf("%w: %q", ErrNotMember, id)
	case voter && len(zones) == 0:
		return fmt.Errorf("%w (%s)", ErrLastVoter, id)
	case voter && !allowZoneMajority && !n.cfg.AllowZoneMajority:
		if len(zones) == 1 {
			// One voter left: every commit would be acknowledged within its
			// zone (MajorityZone lets a one-node cluster be; shrinking to
			// one is refused like any zone majority).
			return &ZoneMajorityError{Zone: zones[0], Counts: ZoneCounts(zones)}
		}
		if err := CheckZones(zones); err != nil {
			return err
		}
	}
	if err := waitFuture(ctx, n.raft.RemoveServer(raft.ServerID(id), 0, 0)); err != nil {
		return fmt.Errorf("remove member %s: %w", id, n.leadershipError(err))
	}
	n.logger.Info("removed member", "peer", id)
	return nil
}

func zoneOf(members map[string]Member, id string) string {
	if m, ok := members[id]; ok && m.Zone != "" {
		return m.Zone
	}
	return UnknownZone
}

func waitFuture(ctx context.Context, f raft.Future) error {
	errc := make(chan error, 1)
	go func() { errc <- f.Error() }()
	select {
	case err := <-errc:
		return err
	case <-ctx.Done():
		return errors.Join(ErrOutcomeUnknown, ctx.Err())
	}
}

// Status describes the cluster as this node sees it.
type Status struct {
	ID, Zone, State      string
	LeaderID, LeaderAddr string
	Term                 uint64
	CommitIndex          uint64
	AppliedIndex         uint64 // the logstore's applied index
	Members              []Member
	VotersPerZone        map[string]int
	SurvivesZoneLoss     bool
	Warnings             []string
}

// Status reports this node's view of the cluster.
func (n *Node) Status() (Status, error) {
	st := Status{
		ID: n.cfg.ID, Zone: n.cfg.Zone, State: n.raft.State().String(),
		Term: n.raft.CurrentTerm(), CommitIndex: n.raft.CommitIndex(), AppliedIndex: n.store.AppliedIndex(),
	}
	st.LeaderID, st.LeaderAddr = n.Leader()
	cf := n.raft.GetConfiguration()
	if err := cf.Error(); err != nil {
		return st, n.leadershipError(err)
	}
	var voterZones []string
	n.mu.Lock()
	for _, s := range cf.Configuration().Servers {
		m := n.members[string(s.ID)]
		m.ID, m.RaftAddr = string(s.ID), string(s.Address)
		m.Voter = s.Suffrage == raft.Voter
		m.Leader = m.ID == st.LeaderID
		if m.Voter {
			voterZones = append(voterZones, zoneOf(n.members, m.ID))
		}
		if m.Zone == "" {
			st.Warnings = append(st.Warnings, fmt.Sprintf("member %s has not registered its zone yet", m.ID))
		}
		st.Members = append(st.Members, m)
	}
	n.mu.Unlock()
	sort.Slice(st.Members, func(i, j int) bool { return st.Members[i].ID < st.Members[j].ID })
	st.VotersPerZone = ZoneCounts(voterZones)
	st.SurvivesZoneLoss = SurvivesZoneLoss(voterZones)
	if z, ok := MajorityZone(voterZones); ok {
		st.Warnings = append(st.Warnings, fmt.Sprintf("zone %q holds a majority of the voters (%s): commits may be acknowledged within one zone",
			z, formatCounts(st.VotersPerZone)))
	}
	if !st.SurvivesZoneLoss {
		st.Warnings = append(st.Warnings, "the cluster does not survive the loss of every zone")
	}
	return st, nil
}
