package engine

import "math"

// ZADD, ZINCRBY, ZREM, ZCARD, ZCOUNT, ZLEXCOUNT, ZSCORE, ZMSCORE, ZRANK,
// ZREVRANK. ZADD and ZINCRBY propagate as sent: the score arithmetic is
// IEEE and the replica holds the same set.

const (
	zsetErrNaN        = "ERR resulting score is not a number (NaN)"
	zsetErrXXNX       = "ERR XX and NX options at the same time are not compatible"
	zsetErrGTLTNX     = "ERR GT, LT, and/or NX options at the same time are not compatible"
	zsetErrIncrPair   = "ERR INCR option supports a single increment-element pair"
	zsetErrMinMax     = "ERR min or max is not a float"
	zsetErrLexRange   = "ERR min or max not valid string range item"
	zsetErrOutOfRange = "ERR value is out of range"
)

// zaddFlags are ZADD's options.
type zaddFlags struct{ nx, xx, gt, lt, ch, incr bool }

// zsetAdd is Redis's zsetAdd: it applies one score-member pair under the
// flags and reports what happened; nan is set (and nothing changed) when
// an increment gives NaN.
func (z *ZSet) add(score float64, member string, f zaddFlags) (added, updated, processed, nan bool, newscore float64) {
	cur, exists := z.dict[member]
	if !exists {
		if f.xx {
			return false, false, false, false, 0
		}
		z.insert(member, score)
		return true, false, true, false, score
	}
	if f.nx {
		return false, false, false, false, 0
	}
	if f.incr {
		score += cur
		if math.IsNaN(score) {
			return false, false, false, true, 0
		}
	}
	if (f.lt && score >= cur) || (f.gt && score <= cur) {
		return false, false, false, false, 0
	}
	if score != cur {
		z.update(member, cur, score)
		updated = true
	}
	return false, updated, true, false, score
}

func zaddGeneric(db *DB, c *Call, zincrby bool) {
	argv := c.Argv
	f := zaddFlags{incr: zincrby}
	i := 2
parse:
	for ; i < len(argv); i++ {
		switch a := argv[i]; {
		case equalFold(a, "nx"):
			f.nx = true
		case equalFold(a, "xx"):
			f.xx = true
		case equalFold(a, "ch"):
			f.ch = true
		case equalFold(a, "incr"):
			f.incr = true
		case equalFold(a, "gt"):
			f.gt = true
		case equalFold(a, "lt"):
			f.lt = true
		default:
			break parse
		}
	}
	elements := len(argv) - i
	switch {
	case elements%2 != 0 || elements == 0:
		c.Out.Error(ErrSyntax)
		return
	case f.nx && f.xx:
		c.Out.Error(zsetErrXXNX)
		return
	case (f.gt && f.nx) || (f.lt && f.nx) || (f.gt && f.lt):
		c.Out.Error(zsetErrGTLTNX)
		return
	case f.incr && elements > 2:
		c.Out.Error(zsetErrIncrPair)
		return
	}
	pairs := argv[i:]
	scores := make([]float64, len(pairs)/2)
	for j := range scores {
		s, ok := zsetParseFloat(pairs[2*j])
		if !ok {
			c.Out.Error(ErrNotFloat)
			return
		}
		scores[j] = s
	}
	key := argv[1]
	z, ok := lookupValue[*ZSet](db, c, key)
	if !ok {
		return
	}
	var added, updated, processed int
	var score float64
	created := z == nil && !f.xx
	if created {
		z = NewZSet()
	}
	if z != nil {
		for j, s := range scores {
			a, u, p, nan, ns := z.add(s, string(pairs[2*j+1]), f)
			if nan {
				c.Out.Error(zsetErrNaN)
				return
			}
			added += zsetB2i(a)
			updated += zsetB2i(u)
			processed += zsetB2i(p)
			score = ns
		}
	}
	if added+updated > 0 {
		if created {
			db.Set(c, string(key), z, 0)
		} else {
			db.Touch(string(key))
		}
		c.PropagateAsIs()
	}
	switch {
	case f.incr && processed > 0:
		c.Out.Double(score)
	case f.incr:
		c.Out.NullBulk()
	case f.ch:
		c.Out.Int(int64(added + updated))
	default:
		c.Out.Int(int64(added))
	}
	if added+updated > 0 {
		if f.incr {
			db.notify(c, NotifyZSet, "zincr", key)
		} else {
			db.notify(c, NotifyZSet, "zadd", key)
		}
	}
}

func zsetB2i(b bool) int {
	if b {
		return 1
	}
	return 0
}

// zsetRemoved raises event (if not "") for members removed from key's z,
// then removes key ("del") if z has no members left.
func zsetRemoved(db *DB, c *Call, key []byte, z *ZSet, event string) {
	if event != "" {
		db.notify(c, NotifyZSet, event, key)
	}
	if z.Len() == 0 {
		db.Delete(string(key))
		db.notify(c, NotifyGeneric, "del", key)
	} else {
		db.Touch(string(key))
	}
}

func zremCommand(db *DB, c *Call) {
	z, ok := lookupValue[*ZSet](db, c, c.Argv[1])
	if !ok {
		return
	}
	removed := 0
	if z != nil {
		for _, m := range c.Argv[2:] {
			if z.remove(string(m)) {
				removed++
				if z.Len() == 0 {
					break
				}
			}
		}
	}
	if removed > 0 {
		zsetRemoved(db, c, c.Argv[1], z, "zrem")
		c.PropagateAsIs()
	}
	c.Out.Int(int64(removed))
}

func zcardCommand(db *DB, c *Call) {
	z, ok := readValue[*ZSet](db, c, c.Argv[1])
	if !ok {
		return
	}
	if z == nil {
		c.Out.Int(0)
		return
	}
	c.Out.Int(int64(z.Len()))
}

func zscoreCommand(db *DB, c *Call) {
	z, ok := readValue[*ZSet](db, c, c.Argv[1])
	if !ok {
		return
	}
	if z != nil {
		if s, ok := z.dict[string(c.Argv[2])]; ok {
			c.Out.Double(s)
			return
		}
	}
	c.Out.NullBulk()
}

func zmscoreCommand(db *DB, c *Call) {
	z, ok := readValue[*ZSet](db, c, c.Argv[1])
	if !ok {
		return
	}
	c.Out.Array(len(c.Argv) - 2)
	for _, m := range c.Argv[2:] {
		if z != nil {
			if s, ok := z.dict[string(m)]; ok {
				c.Out.Double(s)
				continue
			}
		}
		c.Out.NullBulk()
	}
}

func zrankGeneric(db *DB, c *Call, rev bool) {
	z, ok := readValue[*ZSet](db, c, c.Argv[1])
	if !ok {
		return
	}
	if z != nil {
		m := string(c.Argv[2])
		if s, ok := z.dict[m]; ok {
			r := z.zsl.rank(s, m) - 1
			if rev {
				r = z.Len() - 1 - r
			}
			c.Out.Int(int64(r))
			return
		}
	}
	c.Out.NullBulk()
}

// countScore returns how many members lie in r, in O(log n).
func (z *ZSet) countScore(r *zsetScoreRange) int {
	first, firstRank := z.firstInScore(r)
	if first == nil {
		return 0
	}
	_, lastRank := z.lastInScore(r)
	return lastRank - firstRank + 1
}

func (z *ZSet) firstInScore(r *zsetScoreRange) (*zslNode, int) {
	if r.empty() {
		return nil, 0
	}
	return z.zsl.firstIn(func(n *zslNode) bool { return !r.gteMin(n.score) },
		func(n *zslNode) bool { return r.lteMax(n.score) })
}

func (z *ZSet) lastInScore(r *zsetScoreRange) (*zslNode, int) {
	if r.empty() {
		return nil, 0
	}
	return z.zsl.lastIn(func(n *zslNode) bool { return r.lteMax(n.score) },
		func(n *zslNode) bool { return r.gteMin(n.score) })
}

// Lexicographic ranges are meant for members of one score. Over different
// scores the members are not in lexicographic order, and what Redis answers
// depends on how it finds a range's ends; memshard finds them the same way,
// so that it answers the same. Both of Redis's encodings first test the
// range against the set's first and last members (zzlIsInLexRange,
// zslIsInLexRange). A set Redis keeps as a listpack (!z.big) is then walked
// from the head (or the tail) to the first member on the inner side of the
// bound (zzlFirstInLexRange); a skiplist is descended level by level
// (zslFirstInLexRange), which memshard's skiplist does too, though its
// random levels are not Redis's: for a big set over mixed scores the answer
// may differ, as it may between two Redis servers.

// lexOverlaps reports whether r may hold members of z: its bounds are not
// crossed, the last member is not below min and the first not above max.
func (z *ZSet) lexOverlaps(r *zsetLexRange) bool {
	if r.empty() || z.Len() == 0 {
		return false
	}
	return r.gteMin(z.zsl.tail.member) && r.lteMax(z.zsl.header.level[0].forward.member)
}

// firstInLex returns the first node of r, as Redis finds it, and its
// 0-based rank.
func (z *ZSet) firstInLex(r *zsetLexRange) (*zslNode, int) {
	if !z.lexOverlaps(r) {
		return nil, 0
	}
	if z.big {
		return z.zsl.firstIn(func(n *zslNode) bool { return !r.gteMin(n.member) },
			func(n *zslNode) bool { return r.lteMax(n.member) })
	}
	rank := 0
	for n := z.zsl.header.level[0].forward; n != nil; n = n.level[0].forward {
		if r.gteMin(n.member) {
			if r.lteMax(n.member) {
				return n, rank
			}
			return nil, 0
		}
		rank++
	}
	return nil, 0
}

// lastInLex returns the last node of r, as Redis finds it, and its 0-based
// rank.
func (z *ZSet) lastInLex(r *zsetLexRange) (*zslNode, int) {
	if !z.lexOverlaps(r) {
		return nil, 0
	}
	if z.big {
		return z.zsl.lastIn(func(n *zslNode) bool { return r.lteMax(n.member) },
			func(n *zslNode) bool { return r.gteMin(n.member) })
	}
	rank := z.Len() - 1
	for n := z.zsl.tail; n != nil; n = n.backward {
		if r.lteMax(n.member) {
			if r.gteMin(n.member) {
				return n, rank
			}
			return nil, 0
		}
		rank--
	}
	return nil, 0
}

func zcountCommand(db *DB, c *Call) {
	r, ok := zsetParseScoreRange(c.Argv[2], c.Argv[3])
	if !ok {
		c.Out.Error(zsetErrMinMax)
		return
	}
	z, ok := readValue[*ZSet](db, c, c.Argv[1])
	if !ok {
		return
	}
	if z == nil {
		c.Out.Int(0)
		return
	}
	c.Out.Int(int64(z.countScore(&r)))
}

func zlexcountCommand(db *DB, c *Call) {
	r, ok := zsetParseLexRange(c.Argv[2], c.Argv[3])
	if !ok {
		c.Out.Error(zsetErrLexRange)
		return
	}
	z, ok := readValue[*ZSet](db, c, c.Argv[1])
	if !ok {
		return
	}
	if z == nil {
		c.Out.Int(0)
		return
	}
	first, firstRank := z.firstInLex(&r)
	if first == nil {
		c.Out.Int(0)
		return
	}
	if !z.big { // Redis counts the members from the first while not above max
		count := 0
		for n := first; n != nil && r.lteMax(n.member); n = n.level[0].forward {
			count++
		}
		c.Out.Int(int64(count))
		return
	}
	// Redis counts by the ranks of both ends, whatever they are: with no
	// last end, everything from the first; over mixed scores, even less
	// than nothing.
	count := z.Len() - firstRank
	if last, lastRank := z.lastInLex(&r); last != nil {
		count -= z.Len() - 1 - lastRank
	}
	c.Out.Int(int64(count))
}
