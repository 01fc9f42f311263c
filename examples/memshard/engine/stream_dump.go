package engine

import "strconv"

// memUsage estimates a stream's bytes as Redis's MEMORY USAGE would: the
// stream and radix tree headers, and each node's key and listpack.
func (s *Stream) memUsage() int64 {
	const streamHeader, perNode = 120, 48
	sum := int64(streamHeader)
	for _, n := range s.nodes {
		sum += perNode + int64(allocSize(n.lpBytes()))
	}
	return sum
}

// dumpStream emits the commands that rebuild s under key: an XADD of
// every entry its nodes hold, deleted ones too (so that the new nodes
// fill as these did: their boundaries decide approximate trims), then the
// deletions (those past the greatest XDEL'd ID were trimmed: XTRIM
// repeats them without moving it), then XSETID for the last ID, the count
// of entries added and the greatest deleted ID, then the consumer groups
// (dumpGroups).
func dumpStream(key string, s *Stream, emit func(argv [][]byte) error) error {
	k := []byte(key)
	var trimmed streamID
	var dels []streamID
	for _, n := range s.nodes {
		for _, e := range n.entries {
			argv := [][]byte{[]byte("XADD"), k, []byte(e.id.String())}
			for _, f := range e.fields {
				argv = append(argv, []byte(f))
			}
			if err := emit(argv); err != nil {
				return err
			}
			if !e.deleted {
				continue
			}
			if e.id.cmp(s.maxDeleted) > 0 {
				trimmed = e.id
			} else {
				dels = append(dels, e.id)
			}
		}
	}
	if len(s.nodes) == 0 {
		// A stream emptied of every node: a stand-in entry, trimmed away.
		if err := emit([][]byte{[]byte("XADD"), k, []byte("0-1"), []byte("f"), []byte("v")}); err != nil {
			return err
		}
		if err := emit([][]byte{[]byte("XTRIM"), k, []byte("MAXLEN"), []byte("0")}); err != nil {
			return err
		}
	}
	if trimmed != (streamID{}) {
		next, _ := trimmed.incr()
		if err := emit([][]byte{[]byte("XTRIM"), k, []byte("MINID"), []byte("="), []byte(next.String())}); err != nil {
			return err
		}
	}
	for len(dels) > 0 {
		n := min(len(dels), dumpChunk)
		argv := [][]byte{[]byte("XDEL"), k}
		for _, id := range dels[:n] {
			argv = append(argv, []byte(id.String()))
		}
		if err := emit(argv); err != nil {
			return err
		}
		dels = dels[n:]
	}
	argv := [][]byte{[]byte("XSETID"), k, []byte(s.lastID.String()),
		[]byte("ENTRIESADDED"), strconv.AppendUint(nil, s.entriesAdded, 10)}
	if s.maxDeleted != (streamID{}) {
		argv = append(argv, []byte("MAXDELETEDID"), []byte(s.maxDeleted.String()))
	}
	if err := emit(argv); err != nil {
		return err
	}
	return dumpGroups(key, s, emit)
}
