package engine

import (
	"sort"
	"strconv"
)

// Consumer groups of a stream (Redis 7.0's streamCG, streamConsumer and
// streamNACK). A group remembers the last ID it delivered, how many
// entries it has read (its entries_read counter, which XINFO's lag comes
// from), its consumers and its pending entries list (PEL): the entries
// delivered and not yet acknowledged, each owned by one consumer, whose
// own PEL holds the same NACK.

// streamInvalidRead is Redis's SCG_INVALID_ENTRIES_READ: a group whose
// count of entries read is unknown.
const streamInvalidRead = -1

// streamNACK is a pending entry.
type streamNACK struct {
	id            streamID
	consumer      *streamConsumer
	deliveryTime  int64 // unix milliseconds of the last delivery
	deliveryCount int64
}

// streamPEL is a pending entries list in ID order (Redis's rax). Entries
// are mostly appended (IDs grow) and removed near the front (XACK in
// order), so a sorted slice serves.
type streamPEL []*streamNACK

// search returns the position of the first NACK whose ID is at least id.
func (p streamPEL) search(id streamID) int {
	return sort.Search(len(p), func(i int) bool { return p[i].id.cmp(id) >= 0 })
}

func (p streamPEL) find(id streamID) *streamNACK {
	if i := p.search(id); i < len(p) && p[i].id == id {
		return p[i]
	}
	return nil
}

// insert adds n, whose ID is not in p.
func (p *streamPEL) insert(n *streamNACK) {
	i := p.search(n.id)
	*p = append(*p, nil)
	copy((*p)[i+1:], (*p)[i:])
	(*p)[i] = n
}

func (p *streamPEL) remove(id streamID) {
	if i := p.search(id); i < len(*p) && (*p)[i].id == id {
		*p = append((*p)[:i], (*p)[i+1:]...)
	}
}

type streamConsumer struct {
	name     string
	seenTime int64 // unix milliseconds of its last read or claim (XINFO's idle)
	pel      streamPEL
}

type streamGroup struct {
	lastID      streamID
	entriesRead int64 // streamInvalidRead if unknown
	pel         streamPEL
	consumers   map[string]*streamConsumer
}

// group returns the group named name, or nil.
func (s *Stream) group(name []byte) *streamGroup { return s.groups[string(name)] }

// groupNames returns the names of s's groups in Redis's order (bytes).
func (s *Stream) groupNames() []string {
	names := make([]string, 0, len(s.groups))
	for n := range s.groups {
		names = append(names, n)
	}
	sort.Strings(names)
	return names
}

// sortedConsumers returns g's consumers in name order, as Redis's rax.
func (g *streamGroup) sortedConsumers() []*streamConsumer {
	out := make([]*streamConsumer, 0, len(g.consumers))
	for _, c := range g.consumers {
		out = append(out, c)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].name < out[j].name })
	return out
}

// consumer returns g's consumer name, created if missing (at now); a
// refresh marks it seen now (Redis's streamLookupConsumer without
// SLC_NOREFRESH).
func (g *streamGroup) consumer(name string, now int64, refresh bool) (cons *streamConsumer, created bool) {
	if cons = g.consumers[name]; cons != nil {
		if refresh {
			cons.seenTime = now
		}
		return cons, false
	}
	cons = &streamConsumer{name: name, seenTime: now}
	g.consumers[name] = cons
	return cons, true
}

// ack removes n from its group's and consumer's PELs.
func (g *streamGroup) ack(n *streamNACK) {
	g.pel.remove(n.id)
	n.consumer.pel.remove(n.id)
}

// assign makes n owned by cons (it may be unowned: a new NACK).
func (n *streamNACK) assign(cons *streamConsumer) {
	if n.consumer == cons {
		return
	}
	if n.consumer != nil {
		n.consumer.pel.remove(n.id)
	}
	cons.pel.insert(n)
	n.consumer = cons
}

// firstID is Redis's s->first_id: the first live entry's ID, 0-0 when
// the stream is empty.
func (s *Stream) firstID() streamID {
	if s.length == 0 {
		return streamID{}
	}
	return s.firstValid()
}

// entryExists reports whether id is a live entry of s.
func (s *Stream) entryExists(id streamID) bool {
	found := false
	s.rangeEntries(id, id, false, func(*streamEntry) bool { found = true; return false })
	return found
}

// hasTombstones is Redis's streamRangeHasTombstones from start to the end:
// whether an entry at or after start may have been deleted.
func (s *Stream) hasTombstones(start streamID) bool {
	if s.length == 0 || s.maxDeleted == (streamID{}) || s.firstID().cmp(s.maxDeleted) > 0 {
		return false
	}
	return start.cmp(s.maxDeleted) <= 0
}

// estimateRead is Redis's streamEstimateDistanceFromFirstEverEntry: the
// number of entries added up to id, if it can be known.
func (s *Stream) estimateRead(id streamID) int64 {
	if s.entriesAdded == 0 {
		return 0
	}
	// An empty stream has read everything up to its last ID.
	if s.length == 0 && id.cmp(s.lastID) <= 0 {
		return int64(s.entriesAdded)
	}
	cmpLast := id.cmp(s.lastID)
	if cmpLast == 0 {
		return int64(s.entriesAdded)
	}
	if cmpLast > 0 {
		return streamInvalidRead
	}
	first := s.firstID()
	if s.maxDeleted == (streamID{}) || s.maxDeleted.cmp(first) < 0 {
		switch id.cmp(first) {
		case -1:
			return int64(s.entriesAdded) - int64(s.length)
		case 0:
			return int64(s.entriesAdded) - int64(s.length) + 1
		}
	}
	return streamInvalidRead
}

// lag is XINFO GROUPS's lag of g (Redis's streamReplyWithCGLag); ok is
// false when it cannot be known.
func (s *Stream) lag(g *streamGroup) (int64, bool) {
	if s.entriesAdded == 0 {
		return 0, true
	}
	if g.entriesRead != streamInvalidRead && !s.hasTombstones(g.lastID) {
		return int64(s.entriesAdded) - g.entriesRead, true
	}
	if read := s.estimateRead(g.lastID); read != streamInvalidRead {
		return int64(s.entriesAdded) - read, true
	}
	return 0, false
}

// cloneGroups copies s's groups into out (Clone): new consumers and NACKs.
func (s *Stream) cloneGroups(out *Stream) {
	if s.groups == nil {
		return
	}
	out.groups = make(map[string]*streamGroup, len(s.groups))
	for name, g := range s.groups {
		ng := &streamGroup{lastID: g.lastID, entriesRead: g.entriesRead, consumers: make(map[string]*streamConsumer, len(g.consumers))}
		for cname, cons := range g.consumers {
			nc := &streamConsumer{name: cname, seenTime: cons.seenTime}
			for _, n := range cons.pel {
				nn := *n
				nn.consumer = nc
				nc.pel = append(nc.pel, &nn)
			}
			ng.consumers[cname] = nc
		}
		for _, n := range g.pel {
			ng.pel = append(ng.pel, ng.consumers[n.consumer.name].pel.find(n.id))
		}
		out.groups[name] = ng
	}
}

// dumpGroups emits the commands that rebuild s's groups under key, after
// the stream itself: XGROUP CREATE with the last delivered ID and the
// entries read, XGROUP CREATECONSUMER for every consumer, and an XCLAIM
// ... FORCE JUSTID per pending entry with its owner, delivery time and
// count (a replayed XCLAIM FORCE takes an entry the stream no longer
// holds too: see xclaimCommand).
func dumpGroups(key string, s *Stream, emit func(argv [][]byte) error) error {
	k := []byte(key)
	for _, name := range s.groupNames() {
		g := s.groups[name]
		if err := emit([][]byte{[]byte("XGROUP"), []byte("CREATE"), k, []byte(name), []byte(g.lastID.String()),
			[]byte("ENTRIESREAD"), strconv.AppendInt(nil, g.entriesRead, 10)}); err != nil {
			return err
		}
		for _, cons := range g.sortedConsumers() {
			if err := emit([][]byte{[]byte("XGROUP"), []byte("CREATECONSUMER"), k, []byte(name), []byte(cons.name)}); err != nil {
				return err
			}
		}
		for _, n := range g.pel {
			if err := emit(streamClaimEffect(k, []byte(name), n, nil)); err != nil {
				return err
			}
		}
	}
	return nil
}

// streamClaimEffect is the XCLAIM that gives a replica the pending entry
// n as it is (Redis's streamPropagateXCLAIM): owner, delivery time and
// count, and the group's last ID if lastID is set.
func streamClaimEffect(key, group []byte, n *streamNACK, lastID *streamID) [][]byte {
	argv := [][]byte{[]byte("XCLAIM"), key, group, []byte(n.consumer.name), []byte("0"), []byte(n.id.String()),
		[]byte("TIME"), strconv.AppendInt(nil, n.deliveryTime, 10),
		[]byte("RETRYCOUNT"), strconv.AppendInt(nil, n.deliveryCount, 10), []byte("FORCE"), []byte("JUSTID")}
	if lastID != nil {
		argv = append(argv, []byte("LASTID"), []byte(lastID.String()))
	}
	return argv
}

// streamSetIDEffect is the XGROUP SETID that gives a replica g's last ID
// and entries read.
func streamSetIDEffect(key, group []byte, g *streamGroup) [][]byte {
	return [][]byte{[]byte("XGROUP"), []byte("SETID"), key, group, []byte(g.lastID.String()),
		[]byte("ENTRIESREAD"), strconv.AppendInt(nil, g.entriesRead, 10)}
}
