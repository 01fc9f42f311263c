package engine

import (
	"math"
	"math/rand/v2"

	"github.com/tidwall/btree"
)

// ZPOPMIN, ZPOPMAX, ZRANDMEMBER and ZSCAN.

func zpopCommand(db *DB, c *Call, max bool) {
	if len(c.Argv) > 3 {
		c.Out.Error(ErrSyntax)
		return
	}
	count := int64(-1)
	if len(c.Argv) == 3 {
		n, ok := argPositive(c, c.Argv[2], "")
		if !ok {
			return
		}
		count = n
	}
	nested := c.Out.Proto() == 3 && count != -1
	key := c.Argv[1]
	z, ok := lookupValue[*ZSet](db, c, key)
	if !ok {
		return
	}
	if z == nil || count == 0 {
		c.Out.Array(0)
		return
	}
	if count == -1 {
		count = 1
	}
	n := int(min(count, int64(z.Len())))
	if nested {
		c.Out.Array(n)
	} else {
		c.Out.Array(2 * n)
	}
	for i := range n {
		x := z.zsl.first()
		if max {
			x = z.zsl.tail
		}
		member, score := x.member, x.score
		z.remove(member)
		if i == 0 { // as Redis: after the (deferred) length, before the first
			db.notify(c, NotifyZSet, zpopEvent(max), key)
		}
		if nested {
			c.Out.Array(2)
		}
		c.Out.BulkString(member)
		c.Out.Double(score)
	}
	zsetRemoved(db, c, key, z, "")
	c.PropagateAsIs()
}

func zpopEvent(max bool) string {
	if max {
		return "zpopmax"
	}
	return "zpopmin"
}

func zrandmemberCommand(db *DB, c *Call) {
	if len(c.Argv) == 2 {
		z, ok := readValue[*ZSet](db, c, c.Argv[1])
		if !ok {
			return
		}
		if z == nil {
			c.Out.NullBulk()
			return
		}
		c.Out.BulkString(z.zsl.byRank(1 + rand.IntN(z.Len())).member)
		return
	}
	l, ok := argRange(c, c.Argv[2], -math.MaxInt64, math.MaxInt64, "")
	if !ok {
		return
	}
	withScores := false
	if len(c.Argv) > 4 || (len(c.Argv) == 4 && !equalFold(c.Argv[3], "withscores")) {
		c.Out.Error(ErrSyntax)
		return
	}
	if len(c.Argv) == 4 {
		withScores = true
		if l < -math.MaxInt64/2 || l > math.MaxInt64/2 {
			c.Out.Error(zsetErrOutOfRange)
			return
		}
	}
	z, ok := readValue[*ZSet](db, c, c.Argv[1])
	if !ok {
		return
	}
	if z == nil || l == 0 {
		c.Out.Array(0)
		return
	}
	zsetRandWithCount(c, z, l, withScores)
}

// zsetRandWithCount replies count random members: with repetitions for a
// negative count, else distinct ones (all of them, highest first, when
// count reaches the size, as Redis 7.0 does).
func zsetRandWithCount(c *Call, z *ZSet, l int64, withScores bool) {
	size := z.Len()
	var nodes []*zslNode
	switch {
	case l < 0 || l == 1:
		count := l
		if l < 0 {
			count = -l
		}
		// Written as it goes: a huge negative count is served without
		// holding its members.
		zsetWriteHeader(c, int(count), withScores)
		for range count {
			zsetWriteNode(c, z.zsl.byRank(1+rand.IntN(size)), withScores)
		}
		return
	case l >= int64(size):
		for x := z.zsl.tail; x != nil; x = x.backward {
			nodes = append(nodes, x)
		}
	case l*3 > int64(size):
		// Selection sampling over the whole list (Knuth's algorithm S).
		need := int(l)
		left := size
		for x := z.zsl.first(); x != nil && need > 0; x = x.level[0].forward {
			if rand.IntN(left) < need {
				nodes = append(nodes, x)
				need--
			}
			left--
		}
		rand.Shuffle(len(nodes), func(i, j int) { nodes[i], nodes[j] = nodes[j], nodes[i] })
	default:
		seen := make(map[int]struct{}, l)
		for len(nodes) < int(l) {
			r := rand.IntN(size)
			if _, dup := seen[r]; dup {
				continue
			}
			seen[r] = struct{}{}
			nodes = append(nodes, z.zsl.byRank(r+1))
		}
	}
	zsetWriteHeader(c, len(nodes), withScores)
	for _, n := range nodes {
		zsetWriteNode(c, n, withScores)
	}
}

func zsetWriteHeader(c *Call, n int, withScores bool) {
	if withScores && c.Out.Proto() == 2 {
		c.Out.Array(2 * n)
	} else {
		c.Out.Array(n)
	}
}

func zsetWriteNode(c *Call, n *zslNode, withScores bool) {
	if withScores && c.Out.Proto() == 3 {
		c.Out.Array(2)
	}
	c.Out.BulkString(n.member)
	if withScores {
		c.Out.Double(n.score)
	}
}

// zscanCommand is ZSCAN key cursor [MATCH pattern] [COUNT count]. A set
// Redis would hold as a listpack is returned whole with cursor 0, in
// order, as Redis does; a big one is walked in member-hash order, the
// cursor being the hash to resume from, so members present for the whole
// scan are returned at least once whatever changes between calls.
func zscanCommand(db *DB, c *Call) {
	z, cursor, o, ok := scanKeyArgs[*ZSet](db, c)
	if !ok {
		return
	}
	var items []string // member, score, ...
	add := func(m string, s float64) {
		if o.match(m) {
			items = append(items, m, zsetFormatScore(s))
		}
	}
	next := uint64(0)
	if !z.big {
		z.Range(func(m string, s float64) bool { add(m, s); return true })
	} else {
		next = z.scanFrom(cursor, int(min(o.count, math.MaxInt32)), add)
	}
	writeScanReply(c.Out, next, items)
}

// scanFrom visits about count members with hash >= cursor (all of those
// sharing the last hash) and returns the next cursor, 0 at the end.
func (z *ZSet) scanFrom(cursor uint64, count int, f func(m string, s float64)) uint64 {
	if z.scan == nil {
		z.scan = btree.NewBTreeGOptions(zsetScanLess, btree.Options{NoLocks: true})
		for m := range z.dict {
			z.scan.Set(zsetScanItem{zsetHash(m), m})
		}
	}
	next := uint64(0)
	n := 0
	var last uint64
	z.scan.Ascend(zsetScanItem{hash: cursor}, func(it zsetScanItem) bool {
		if n >= count && it.hash != last {
			next = it.hash
			return false
		}
		f(it.member, z.dict[it.member])
		last = it.hash
		n++
		return true
	})
	return next
}
