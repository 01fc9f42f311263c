package engine

import "encoding/binary"

// stream reads RDB_TYPE_STREAM_LISTPACKS (v1, Redis 5 and 6) and
// RDB_TYPE_STREAM_LISTPACKS_2 (Redis 7.0), as rdbLoadObject does. A v1
// stream has no count of entries added (the length stands for it), no
// greatest deleted ID, and groups without their count of entries read
// (estimated, as Redis's streamEstimateDistanceFromFirstEverEntry does).
//
// memshard refuses what Redis accepts but its stream structure cannot hold
// (see rdb_load.go): nodes out of order or empty, a node whose entries are
// not in order or do not start at its key, a length that is not the count
// of live entries, a last ID below an entry's, a PEL entry no consumer or
// two consumers own. The first ID of a v2 payload is not kept: memshard
// derives it from the entries, as Redis does for v1.
func (r *rdbReader) stream(v2 bool) (any, bool) {
	nodes, ok := r.u64()
	if !ok || nodes == rdbLenErr {
		return nil, false
	}
	s := &Stream{}
	var last streamID
	for i := range nodes {
		key, ok := r.str()
		if !ok || len(key) != 16 {
			return nil, false // "Stream node key entry is not the size of a stream ID"
		}
		lp, ok := r.str()
		if !ok {
			return nil, false
		}
		n, ok := decodeStreamNode(lp, streamID{binary.BigEndian.Uint64(key), binary.BigEndian.Uint64(key[8:])})
		if !ok || i > 0 && n.master.cmp(last) <= 0 {
			return nil, false
		}
		last = n.entries[len(n.entries)-1].id
		s.nodes = append(s.nodes, n)
		s.length += n.live
	}
	var f [3]uint64
	for i := range f {
		if f[i], ok = r.u64(); !ok {
			return nil, false
		}
	}
	s.lastID = streamID{f[1], f[2]}
	if f[0] != uint64(s.length) || len(s.nodes) > 0 && s.lastID.cmp(last) < 0 {
		return nil, false
	}
	s.entriesAdded = uint64(s.length)
	if v2 {
		var g [5]uint64 // first ID (derived instead), greatest deleted ID, entries added
		for i := range g {
			if g[i], ok = r.u64(); !ok {
				return nil, false
			}
		}
		s.maxDeleted = streamID{g[2], g[3]}
		s.entriesAdded = g[4]
	}
	if !r.streamGroups(s, v2) {
		return nil, false
	}
	return s, true
}

// decodeStreamNode parses a node's listpack (see streamNode.listpack),
// which must be exactly what Redis writes for its entries.
func decodeStreamNode(lp []byte, key streamID) (*streamNode, bool) {
	elems, ok := lpDecode(lp)
	if !ok {
		return nil, false
	}
	i := 0
	next := func() (int64, bool) {
		if i >= len(elems) || !elems[i].isInt {
			return 0, false
		}
		i++
		return elems[i-1].v, true
	}
	nextStr := func() (string, bool) {
		if i >= len(elems) {
			return "", false
		}
		i++
		return elems[i-1].String(), true
	}
	live, ok1 := next()
	deleted, ok2 := next()
	nf, ok3 := next()
	if !ok1 || !ok2 || !ok3 || live <= 0 || deleted < 0 || nf <= 0 || nf > int64(len(elems)) {
		return nil, false
	}
	fields := make([]string, 0, 2*nf)
	for range nf {
		f, ok := nextStr()
		if !ok {
			return nil, false
		}
		fields = append(fields, f, "")
	}
	if z, ok := next(); !ok || z != 0 {
		return nil, false
	}
	n := newStreamNode(key, fields)
	var prev streamID
	for i < len(elems) {
		flags, ok1 := next()
		dms, ok2 := next()
		dseq, ok3 := next()
		if !ok1 || !ok2 || !ok3 || flags&^(streamFlagDeleted|streamFlagSameFields) != 0 {
			return nil, false
		}
		id := streamID{key.ms + uint64(dms), key.seq + uint64(dseq)}
		var ef []string
		if flags&streamFlagSameFields != 0 {
			ef = make([]string, 0, 2*nf)
			for _, f := range n.masterFields {
				v, ok := nextStr()
				if !ok {
					return nil, false
				}
				ef = append(ef, f, v)
			}
		} else {
			c, ok := next()
			if !ok || c <= 0 || c > int64(len(elems)) {
				return nil, false
			}
			ef = make([]string, 0, 2*c)
			for range 2 * c {
				v, ok := nextStr()
				if !ok {
					return nil, false
				}
				ef = append(ef, v)
			}
		}
		same := n.sameFields(ef)
		want := int64(len(ef)/2 + 3) // lp-count: flags, IDs, values
		if !same {
			want += int64(len(ef)/2 + 1) // and the fields and their count
		}
		count, ok := next()
		if !ok || same != (flags&streamFlagSameFields != 0) || count != want {
			return nil, false
		}
		if len(n.entries) == 0 && id != key || len(n.entries) > 0 && id.cmp(prev) <= 0 {
			return nil, false
		}
		if len(n.entries) == 0 && !same {
			return nil, false // the master fields are the first entry's
		}
		n.bytes += n.entryBytes(id, ef)
		del := flags&streamFlagDeleted != 0
		n.entries = append(n.entries, streamEntry{id: id, fields: ef, deleted: del})
		if !del {
			n.live++
		}
		prev = id
	}
	if int64(n.live) != live || int64(len(n.entries)-n.live) != deleted || n.lpBytes() != len(lp) {
		return nil, false
	}
	return n, true
}

// streamGroups reads the consumer groups: name, last delivered ID, entries
// read (v2), the PEL (raw IDs, delivery times and counts), the consumers
// (name, seen time, their raw PEL IDs, each in the group's PEL).
func (r *rdbReader) streamGroups(s *Stream, v2 bool) bool {
	n, ok := r.u64()
	if !ok || n == rdbLenErr {
		return false
	}
	for range n {
		name, ok := r.str()
		if !ok || s.groups[string(name)] != nil {
			return false // "Duplicated consumer group name"
		}
		g := &streamGroup{consumers: map[string]*streamConsumer{}}
		ms, ok1 := r.u64()
		seq, ok2 := r.u64()
		if !ok1 || !ok2 {
			return false
		}
		g.lastID = streamID{ms, seq}
		if v2 {
			read, ok := r.u64()
			if !ok {
				return false
			}
			g.entriesRead = int64(read)
		} else {
			g.entriesRead = s.estimateRead(g.lastID)
		}
		if !r.streamPEL(g) || !r.streamConsumers(g) {
			return false
		}
		for _, nack := range g.pel {
			if nack.consumer == nil {
				return false // "Stream CG PEL entry without consumer", deep sanitization only in Redis
			}
		}
		if s.groups == nil {
			s.groups = map[string]*streamGroup{}
		}
		s.groups[string(name)] = g
	}
	return true
}

func (r *rdbReader) rawID() (streamID, bool) {
	b, ok := r.take(16)
	if !ok {
		return streamID{}, false
	}
	return streamID{binary.BigEndian.Uint64(b), binary.BigEndian.Uint64(b[8:])}, true
}

func (r *rdbReader) streamPEL(g *streamGroup) bool {
	n, ok := r.u64()
	if !ok || n == rdbLenErr {
		return false
	}
	for range n {
		id, ok1 := r.rawID()
		at, ok2 := r.millis()
		count, ok3 := r.u64()
		if !ok1 || !ok2 || !ok3 {
			return false
		}
		if len(g.pel) > 0 && g.pel[len(g.pel)-1].id.cmp(id) >= 0 {
			if g.pel.find(id) != nil {
				return false // "Duplicated global PEL entry loading stream consumer group"
			}
			g.pel.insert(&streamNACK{id: id, deliveryTime: at, deliveryCount: int64(count)})
			continue
		}
		g.pel = append(g.pel, &streamNACK{id: id, deliveryTime: at, deliveryCount: int64(count)})
	}
	return true
}

func (r *rdbReader) streamConsumers(g *streamGroup) bool {
	n, ok := r.u64()
	if !ok || n == rdbLenErr {
		return false
	}
	for range n {
		name, ok1 := r.str()
		seen, ok2 := r.millis()
		pel, ok3 := r.u64()
		if !ok1 || !ok2 || !ok3 || pel == rdbLenErr || g.consumers[string(name)] != nil {
			return false // "Duplicate stream consumer detected."
		}
		c := &streamConsumer{name: string(name), seenTime: seen}
		g.consumers[c.name] = c
		for range pel {
			id, ok := r.rawID()
			if !ok {
				return false
			}
			nack := g.pel.find(id)
			if nack == nil || nack.consumer != nil {
				return false // not in the group's PEL, or owned twice
			}
			nack.consumer = c
			c.pel.insert(nack)
		}
	}
	return true
}
