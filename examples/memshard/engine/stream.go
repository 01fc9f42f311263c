package engine

import (
	"math"
	"sort"
	"strconv"
)

// The stream type. Redis keeps a stream as a radix tree of listpack nodes;
// which entries share a node is visible to clients, because approximate
// trimming ("MAXLEN ~", "MINID ~") removes whole nodes only. So Stream
// models the nodes: which entries each holds (deleted ones included, as
// Redis only flags them until their node empties) and the listpack bytes
// Redis's node would take, which decide where a new node starts.

// Redis 7.0's defaults for stream-node-max-entries and stream-node-max-bytes.
const (
	streamNodeMaxEntries = 100
	streamNodeMaxBytes   = 4096
	// streamTrimDefaultLimit is the work limit of an approximate trim
	// without LIMIT: 100 * stream-node-max-entries.
	streamTrimDefaultLimit = 100 * streamNodeMaxEntries
)

// streamID is an entry ID, ms-seq.
type streamID struct{ ms, seq uint64 }

var streamMaxID = streamID{math.MaxUint64, math.MaxUint64}

func (a streamID) cmp(b streamID) int {
	switch {
	case a.ms != b.ms:
		if a.ms < b.ms {
			return -1
		}
		return 1
	case a.seq < b.seq:
		return -1
	case a.seq > b.seq:
		return 1
	}
	return 0
}

func (a streamID) String() string {
	return strconv.FormatUint(a.ms, 10) + "-" + strconv.FormatUint(a.seq, 10)
}

// incr returns the next ID; ok is false past the last possible one.
func (a streamID) incr() (streamID, bool) {
	switch {
	case a.seq < math.MaxUint64:
		return streamID{a.ms, a.seq + 1}, true
	case a.ms < math.MaxUint64:
		return streamID{a.ms + 1, 0}, true
	}
	return streamID{}, false
}

// decr returns the previous ID; ok is false before 0-0.
func (a streamID) decr() (streamID, bool) {
	switch {
	case a.seq > 0:
		return streamID{a.ms, a.seq - 1}, true
	case a.ms > 0:
		return streamID{a.ms - 1, math.MaxUint64}, true
	}
	return streamID{}, false
}

type streamEntry struct {
	id      streamID
	fields  []string // field, value, field, value...
	deleted bool
}

// streamNode is one listpack of Redis's radix tree.
type streamNode struct {
	master       streamID // the ID of its first entry, the node's key
	masterFields []string // the first entry's field names
	entries      []streamEntry
	live         int // entries not deleted
	// bytes is the listpack's size in bytes but for its two counters
	// (live and deleted entries), whose size varies: see lpBytes.
	bytes int
}

// lpBytes is the size of the node's listpack as Redis's lpBytes gives it.
func (n *streamNode) lpBytes() int {
	return n.bytes + lpIntElem(int64(n.live)) + lpIntElem(int64(len(n.entries)-n.live))
}

// Stream is a stream value.
type Stream struct {
	nodes        []*streamNode
	length       int
	lastID       streamID // the last ID added (or set by XSETID)
	entriesAdded uint64   // every entry ever added
	maxDeleted   streamID // the greatest ID XDEL removed

	groups map[string]*streamGroup // consumer groups by name (stream_group.go)
}

// Len returns the number of entries.
func (s *Stream) Len() int { return s.length }

// Clone returns a deep copy of s (entries' strings are immutable: shared).
func (s *Stream) Clone() *Stream {
	out := *s
	out.nodes = make([]*streamNode, len(s.nodes))
	for i, n := range s.nodes {
		c := *n
		c.entries = append([]streamEntry(nil), n.entries...)
		out.nodes[i] = &c
	}
	s.cloneGroups(&out)
	return &out
}

// Encoding is what OBJECT ENCODING reports.
func (s *Stream) Encoding() string { return "stream" }

// Listpack sizes, as Redis's listpack.c encodes elements: an element is
// its encoding (a small integer in 1 to 9 bytes, or a string with a 1, 2
// or 5 byte length header) and a back-length of 1 to 5 bytes.

func lpBacklen(l int) int {
	switch {
	case l <= 127:
		return 1
	case l < 16383:
		return 2
	case l < 2097151:
		return 3
	case l < 268435455:
		return 4
	}
	return 5
}

func lpIntElem(v int64) int {
	enc := 9
	switch {
	case v >= 0 && v <= 127:
		enc = 1
	case v >= -4096 && v <= 4095:
		enc = 2
	case v >= -32768 && v <= 32767:
		enc = 3
	case v >= -8388608 && v <= 8388607:
		enc = 4
	case v >= -2147483648 && v <= 2147483647:
		enc = 5
	}
	return enc + lpBacklen(enc)
}

// lpStrElem is the size of a string element: listpack stores a string
// that reads as an integer (string2ll) as that integer.
func lpStrElem(s string) int {
	if v, ok := parseInt([]byte(s)); ok {
		return lpIntElem(v)
	}
	enc := 5 + len(s)
	switch {
	case len(s) < 64:
		enc = 1 + len(s)
	case len(s) < 4096:
		enc = 2 + len(s)
	}
	return enc + lpBacklen(enc)
}

// sameFields reports whether fields has exactly the node's master fields.
func (n *streamNode) sameFields(fields []string) bool {
	if len(fields)/2 != len(n.masterFields) {
		return false
	}
	for i, f := range n.masterFields {
		if fields[2*i] != f {
			return false
		}
	}
	return true
}

// entryBytes is the listpack size of an entry added to n.
func (n *streamNode) entryBytes(id streamID, fields []string) int {
	same := n.sameFields(fields)
	flags, count := int64(0), int64(len(fields)/2+3)
	if same {
		flags = 2
	}
	b := lpIntElem(flags) + lpIntElem(int64(id.ms-n.master.ms)) + lpIntElem(int64(id.seq-n.master.seq))
	if !same {
		b += lpIntElem(int64(len(fields) / 2))
		count += int64(len(fields)/2 + 1)
	}
	for i := 0; i < len(fields); i += 2 {
		if !same {
			b += lpStrElem(fields[i])
		}
		b += lpStrElem(fields[i+1])
	}
	return b + lpIntElem(count)
}

// newStreamNode starts a node whose master entry takes fields' names.
func newStreamNode(id streamID, fields []string) *streamNode {
	n := &streamNode{master: id}
	// Header and end byte, number of master fields, their names, and the
	// master entry's terminating 0.
	n.bytes = 6 + 1 + lpIntElem(int64(len(fields)/2)) + lpIntElem(0)
	for i := 0; i < len(fields); i += 2 {
		n.masterFields = append(n.masterFields, fields[i])
		n.bytes += lpStrElem(fields[i])
	}
	return n
}

// add appends an entry whose ID is greater than every ID in s, in the
// tail node or, when that one is full as Redis sees it, a new one.
func (s *Stream) add(id streamID, fields []string) {
	var tail *streamNode
	if len(s.nodes) > 0 {
		tail = s.nodes[len(s.nodes)-1]
		total := 0
		for _, f := range fields {
			total += len(f)
		}
		if tail.lpBytes()+total >= streamNodeMaxBytes || len(tail.entries) >= streamNodeMaxEntries {
			tail = nil
		}
	}
	if tail == nil {
		tail = newStreamNode(id, fields)
		s.nodes = append(s.nodes, tail)
	}
	tail.bytes += tail.entryBytes(id, fields)
	tail.entries = append(tail.entries, streamEntry{id: id, fields: fields})
	tail.live++
	s.length++
	s.entriesAdded++
	s.lastID = id
}

// seek returns the position of the first entry (deleted or not) whose ID
// is at least id: node index and entry index (len(s.nodes) if none).
func (s *Stream) seek(id streamID) (int, int) {
	ni := sort.Search(len(s.nodes), func(i int) bool {
		e := s.nodes[i].entries
		return e[len(e)-1].id.cmp(id) >= 0
	})
	if ni == len(s.nodes) {
		return ni, 0
	}
	e := s.nodes[ni].entries
	return ni, sort.Search(len(e), func(i int) bool { return e[i].id.cmp(id) >= 0 })
}

// rangeEntries calls f for the live entries from start to end inclusive,
// in ID order (reverse: from end down to start), until f returns false.
func (s *Stream) rangeEntries(start, end streamID, reverse bool, f func(e *streamEntry) bool) {
	if start.cmp(end) > 0 {
		return
	}
	if !reverse {
		ni, ei := s.seek(start)
		for ; ni < len(s.nodes); ni, ei = ni+1, 0 {
			for n := s.nodes[ni]; ei < len(n.entries); ei++ {
				e := &n.entries[ei]
				if e.id.cmp(end) > 0 {
					return
				}
				if !e.deleted && !f(e) {
					return
				}
			}
		}
		return
	}
	// The last entry at most end: the one before the first above it.
	ni, ei := len(s.nodes), 0
	if after, ok := end.incr(); ok {
		ni, ei = s.seek(after)
	}
	for {
		if ei == 0 {
			if ni == 0 {
				return
			}
			ni--
			ei = len(s.nodes[ni].entries)
		}
		ei--
		e := &s.nodes[ni].entries[ei]
		if e.id.cmp(start) < 0 {
			return
		}
		if !e.deleted && !f(e) {
			return
		}
	}
}

// lastValid returns the ID of the last live entry (0-0 if none).
func (s *Stream) lastValid() streamID {
	id := streamID{}
	s.rangeEntries(streamID{}, streamMaxID, true, func(e *streamEntry) bool { id = e.id; return false })
	return id
}

// firstValid returns the ID of the first live entry, or, as Redis's
// streamGetEdgeID, the greatest possible ID if there is none.
func (s *Stream) firstValid() streamID {
	id := streamMaxID
	s.rangeEntries(streamID{}, streamMaxID, false, func(e *streamEntry) bool { id = e.id; return false })
	return id
}

// remove deletes the live entry id: it is flagged deleted, and its node
// goes once no live entry is left in it. It reports whether there was one.
func (s *Stream) remove(id streamID) bool {
	ni, ei := s.seek(id)
	if ni == len(s.nodes) {
		return false
	}
	n := s.nodes[ni]
	if ei == len(n.entries) || n.entries[ei].id != id || n.entries[ei].deleted {
		return false
	}
	n.entries[ei].deleted = true
	n.live--
	s.length--
	if n.live == 0 {
		s.nodes = append(s.nodes[:ni], s.nodes[ni+1:]...)
	}
	return true
}

// streamTrimArgs is a trimming strategy: MAXLEN maxlen or MINID minid,
// exact or approximate, with a limit on the entries removed (0: none).
type streamTrimArgs struct {
	strategy string // "", "maxlen" or "minid"
	maxlen   int64
	minid    streamID
	approx   bool
	limit    int64
	argIdx   int // the position of the threshold in argv
}

// trim removes entries from the front as Redis's streamTrim does: whole
// nodes while they may all go (and the limit allows), then, if exact, the
// entries of the next node that must go are flagged deleted. It returns
// how many entries it removed.
func (s *Stream) trim(a *streamTrimArgs) int64 {
	var deleted int64
	for len(s.nodes) > 0 {
		if a.strategy == "maxlen" && int64(s.length) <= a.maxlen {
			break
		}
		n := s.nodes[0]
		live := int64(n.live)
		if a.limit != 0 && deleted+live > a.limit {
			break
		}
		var whole bool
		if a.strategy == "maxlen" {
			whole = int64(s.length)-live >= a.maxlen
		} else {
			whole = n.entries[len(n.entries)-1].id.cmp(a.minid) < 0
		}
		if whole {
			s.nodes = s.nodes[1:]
			s.length -= n.live
			deleted += live
			continue
		}
		if a.approx {
			break
		}
		for i := range n.entries {
			e := &n.entries[i]
			if a.strategy == "maxlen" && int64(s.length) <= a.maxlen ||
				a.strategy == "minid" && e.id.cmp(a.minid) >= 0 {
				break
			}
			if !e.deleted {
				e.deleted = true
				n.live--
				s.length--
				deleted++
			}
		}
		break
	}
	return deleted
}
