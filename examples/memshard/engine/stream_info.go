package engine

import "encoding/binary"

// XINFO STREAM key [FULL [COUNT count]], as Redis 7.0's
// xinfoReplyWithStreamInfo answers it.

// xinfoStreamDefaultCount is how many entries and pending entries FULL
// shows when COUNT is not given (0 means all).
const xinfoStreamDefaultCount = 10

// xinfoStream answers XINFO STREAM for s, whose key has been looked up.
func xinfoStream(c *Call, s *Stream) {
	argv := c.Argv
	full, count := false, int64(xinfoStreamDefaultCount)
	if len(argv) > 3 {
		if len(argv) != 4 && len(argv) != 6 || !equalFold(argv[3], "full") {
			streamSubcommandSyntaxError(c)
			return
		}
		full = true
		if len(argv) == 6 {
			if !equalFold(argv[4], "count") {
				streamSubcommandSyntaxError(c)
				return
			}
			n, ok := parseInt(argv[5])
			if !ok {
				c.Out.Error(ErrNotInteger)
				return
			}
			count = max(n, 0)
		}
	}
	if full {
		c.Out.Map(9)
	} else {
		c.Out.Map(10)
	}
	c.Out.BulkString("length")
	c.Out.Int(int64(s.length))
	c.Out.BulkString("radix-tree-keys")
	c.Out.Int(int64(len(s.nodes)))
	c.Out.BulkString("radix-tree-nodes")
	c.Out.Int(int64(s.raxNodes()))
	c.Out.BulkString("last-generated-id")
	c.Out.BulkString(s.lastID.String())
	c.Out.BulkString("max-deleted-entry-id")
	c.Out.BulkString(s.maxDeleted.String())
	c.Out.BulkString("entries-added")
	c.Out.Int(int64(s.entriesAdded))
	c.Out.BulkString("recorded-first-entry-id")
	c.Out.BulkString(s.firstID().String())
	if !full {
		c.Out.BulkString("groups")
		c.Out.Int(int64(len(s.groups)))
		for _, edge := range []struct {
			name    string
			reverse bool
		}{{"first-entry", false}, {"last-entry", true}} {
			c.Out.BulkString(edge.name)
			var first *streamEntry
			s.rangeEntries(streamID{}, streamMaxID, edge.reverse, func(e *streamEntry) bool { first = e; return false })
			if first == nil {
				c.Out.NullBulk()
			} else {
				streamReplyEntry(c, first)
			}
		}
		return
	}
	c.Out.BulkString("entries")
	streamReplyRange(c, s, streamID{}, streamMaxID, count, false)
	c.Out.BulkString("groups")
	names := s.groupNames()
	c.Out.Array(len(names))
	for _, name := range names {
		xinfoStreamGroup(c, s, name, count)
	}
}

// xinfoStreamGroup writes one group of XINFO STREAM FULL: at most count
// pending entries (0: all) for the group and for each consumer.
func xinfoStreamGroup(c *Call, s *Stream, name string, count int64) {
	g := s.groups[name]
	shown := func(pel streamPEL) streamPEL {
		if count > 0 && int64(len(pel)) > count {
			return pel[:count]
		}
		return pel
	}
	c.Out.Map(7)
	c.Out.BulkString("name")
	c.Out.BulkString(name)
	streamReplyGroupPosition(c, s, g)
	c.Out.BulkString("pel-count")
	c.Out.Int(int64(len(g.pel)))
	c.Out.BulkString("pending")
	pel := shown(g.pel)
	c.Out.Array(len(pel))
	for _, n := range pel {
		c.Out.Array(4)
		c.Out.BulkString(n.id.String())
		c.Out.BulkString(n.consumer.name)
		c.Out.Int(n.deliveryTime)
		c.Out.Int(n.deliveryCount)
	}
	c.Out.BulkString("consumers")
	conss := g.sortedConsumers()
	c.Out.Array(len(conss))
	for _, cons := range conss {
		c.Out.Map(4)
		c.Out.BulkString("name")
		c.Out.BulkString(cons.name)
		c.Out.BulkString("seen-time")
		c.Out.Int(cons.seenTime)
		c.Out.BulkString("pel-count")
		c.Out.Int(int64(len(cons.pel)))
		c.Out.BulkString("pending")
		pel := shown(cons.pel)
		c.Out.Array(len(pel))
		for _, n := range pel {
			c.Out.Array(3)
			c.Out.BulkString(n.id.String())
			c.Out.Int(n.deliveryTime)
			c.Out.Int(n.deliveryCount)
		}
	}
}

// raxNodes is XINFO STREAM's radix-tree-nodes: the number of nodes of the
// radix tree (Redis's rax) that indexes s's listpack nodes by their first
// IDs, as 16 big-endian bytes. The keys are all of one length, so none is
// a prefix of another, and such a rax has one shape whatever the order of
// insertions and removals: an insertion splits a compressed node where the
// new key leaves it, and a removal merges the chain of single-child nodes
// it leaves. raxNodesOf counts that shape.
func (s *Stream) raxNodes() int {
	keys := make([]string, len(s.nodes))
	for i, n := range s.nodes {
		var k [16]byte
		binary.BigEndian.PutUint64(k[:8], n.master.ms)
		binary.BigEndian.PutUint64(k[8:], n.master.seq)
		keys[i] = string(k[:])
	}
	if len(keys) == 0 {
		return 1 // the empty root
	}
	return raxNodesOf(keys)
}

// raxNodesOf counts the nodes of the rax subtree holding keys (sorted,
// distinct, all of one length, at least one) from the node reached by
// their common history: the node itself, which is a key node once the
// keys are empty strings; else a compressed node for a common prefix and
// the branching node after it, or the branching node at once, with one
// subtree per next byte.
func raxNodesOf(keys []string) int {
	if len(keys[0]) == 0 {
		return 1 // a key: the end of its path
	}
	if len(keys) == 1 {
		return 2 // the rest of the key, compressed, and the key's node
	}
	n := 1 // this node: compressed over the common prefix, or branching
	p := commonPrefix(keys[0], keys[len(keys)-1])
	if p > 0 {
		n++ // the branching node after the prefix
	}
	for i := 0; i < len(keys); {
		j := i + 1
		for j < len(keys) && keys[j][p] == keys[i][p] {
			j++
		}
		rest := make([]string, j-i)
		for k := i; k < j; k++ {
			rest[k-i] = keys[k][p+1:]
		}
		n += raxNodesOf(rest)
		i = j
	}
	return n
}

// commonPrefix is the length of a and b's common prefix; for the first
// and last of sorted strings, that of them all.
func commonPrefix(a, b string) int {
	n := min(len(a), len(b))
	for i := 0; i < n; i++ {
		if a[i] != b[i] {
			return i
		}
	}
	return n
}
