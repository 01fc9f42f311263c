package engine

import "strconv"

// ZRANGE and its older forms, ZRANGESTORE, ZREMRANGEBYRANK/SCORE/LEX.
//
// Lexicographic ranges over members of different scores are unspecified
// in Redis (its answer depends on the skiplist's random levels), so the
// lex forms that write propagate as rank forms: ZREMRANGEBYLEX as
// ZREMRANGEBYRANK, ZRANGESTORE ... BYLEX as BYSCORE with a LIMIT that
// picks the same ranks, in the same order.

type zrangeType int

const (
	zrangeAuto zrangeType = iota
	zrangeRank
	zrangeScore
	zrangeLex
)

const (
	zsetErrLimit     = "ERR syntax error, LIMIT is only supported in combination with either BYSCORE or BYLEX"
	zsetErrLexScores = "ERR syntax error, WITHSCORES not supported in combination with BYLEX"
	zsetErrWeight    = "ERR weight value is not a float"
)

// zrangeArgs is a parsed range request.
type zrangeArgs struct {
	typ        zrangeType
	rev        bool
	withScores bool
	offset     int64
	limit      int64 // -1: none
	start, end int64 // rank ranges
	score      zsetScoreRange
	lex        zsetLexRange
}

// zrangeParse parses argv from the source key at argStart, writing any error.
func zrangeParse(c *Call, argStart int, typ zrangeType, rev, autoDir, store bool) (a zrangeArgs, ok bool) {
	argv := c.Argv
	a = zrangeArgs{typ: typ, rev: rev, limit: -1}
	dirSet := !autoDir
	for j := argStart + 3; j < len(argv); j++ {
		left := len(argv) - j - 1
		switch x := argv[j]; {
		case !store && equalFold(x, "withscores"):
			a.withScores = true
		case equalFold(x, "limit") && left >= 2:
			var ok1, ok2 bool
			if a.offset, ok1 = argInt(c, argv[j+1], ""); !ok1 {
				return a, false
			}
			if a.limit, ok2 = argInt(c, argv[j+2], ""); !ok2 {
				return a, false
			}
			j += 2
		case !dirSet && equalFold(x, "rev"):
			a.rev, dirSet = true, true
		case a.typ == zrangeAuto && equalFold(x, "bylex"):
			a.typ = zrangeLex
		case a.typ == zrangeAuto && equalFold(x, "byscore"):
			a.typ = zrangeScore
		default:
			c.Out.Error(ErrSyntax)
			return a, false
		}
	}
	if a.typ == zrangeAuto {
		a.typ = zrangeRank
	}
	if a.limit != -1 && a.typ == zrangeRank {
		c.Out.Error(zsetErrLimit)
		return a, false
	}
	if a.withScores && a.typ == zrangeLex {
		c.Out.Error(zsetErrLexScores)
		return a, false
	}
	minArg, maxArg := argv[argStart+1], argv[argStart+2]
	if a.rev && a.typ != zrangeRank {
		minArg, maxArg = maxArg, minArg
	}
	switch a.typ {
	case zrangeRank:
		var ok1, ok2 bool
		if a.start, ok1 = argInt(c, minArg, ""); !ok1 {
			return a, false
		}
		if a.end, ok2 = argInt(c, maxArg, ""); !ok2 {
			return a, false
		}
	case zrangeScore:
		if a.score, ok = zsetParseScoreRange(minArg, maxArg); !ok {
			c.Out.Error(zsetErrMinMax)
			return a, false
		}
	case zrangeLex:
		if a.lex, ok = zsetParseLexRange(minArg, maxArg); !ok {
			c.Out.Error(zsetErrLexRange)
			return a, false
		}
	}
	return a, true
}

// collect returns the nodes a selects from z, in reply order, and the
// 0-based rank of the first one (in z's ascending order).
func (z *ZSet) collect(a *zrangeArgs) (nodes []*zslNode, rank int) {
	step := func(n *zslNode) *zslNode {
		if a.rev {
			return n.backward
		}
		return n.level[0].forward
	}
	if a.typ == zrangeRank {
		start64, end64, ok := indexRange(a.start, a.end, int64(z.Len()))
		if !ok {
			return nil, 0
		}
		start, end := int(start64), int(end64)
		rank = start
		if a.rev {
			rank = z.Len() - 1 - start
		}
		nodes = make([]*zslNode, 0, end-start+1)
		for n := z.zsl.byRank(rank + 1); n != nil && len(nodes) < end-start+1; n = step(n) {
			nodes = append(nodes, n)
		}
		return nodes, rank
	}
	if a.offset < 0 || (a.offset > 0 && a.offset >= int64(z.Len())) || a.limit == 0 {
		return nil, 0
	}
	var n *zslNode
	var inRange func(n *zslNode) bool
	switch {
	case a.typ == zrangeScore && !a.rev:
		n, rank = z.firstInScore(&a.score)
		inRange = func(n *zslNode) bool { return a.score.lteMax(n.score) }
	case a.typ == zrangeScore:
		n, rank = z.lastInScore(&a.score)
		inRange = func(n *zslNode) bool { return a.score.gteMin(n.score) }
	case !a.rev:
		n, rank = z.firstInLex(&a.lex)
		inRange = func(n *zslNode) bool { return a.lex.lteMax(n.member) }
	default:
		n, rank = z.lastInLex(&a.lex)
		inRange = func(n *zslNode) bool { return a.lex.gteMin(n.member) }
	}
	if n == nil {
		return nil, 0
	}
	if a.offset > 0 {
		if a.rev {
			rank -= int(a.offset)
		} else {
			rank += int(a.offset)
		}
		n = z.zsl.byRank(rank + 1)
	}
	for ; n != nil && inRange(n) && (a.limit < 0 || int64(len(nodes)) < a.limit); n = step(n) {
		nodes = append(nodes, n)
	}
	return nodes, rank
}

// zsetWriteNodes writes nodes as ZRANGE does: members, with scores flat
// in RESP2 or as [member, score] pairs in RESP3.
func zsetWriteNodes(c *Call, nodes []*zslNode, withScores bool) {
	w := c.Out
	if withScores && w.Proto() == 2 {
		w.Array(2 * len(nodes))
	} else {
		w.Array(len(nodes))
	}
	for _, n := range nodes {
		if withScores && w.Proto() == 3 {
			w.Array(2)
		}
		w.BulkString(n.member)
		if withScores {
			w.Double(n.score)
		}
	}
}

// zrangeGeneric serves ZRANGE (autoDir), ZRANGESTORE (argStart 2) and the
// older forms with a fixed type and direction.
func zrangeGeneric(db *DB, c *Call, argStart int, typ zrangeType, rev, autoDir bool) {
	store := argStart == 2
	a, ok := zrangeParse(c, argStart, typ, rev, autoDir, store)
	if !ok {
		return
	}
	z, ok := readValue[*ZSet](db, c, c.Argv[argStart])
	if !ok {
		return
	}
	var nodes []*zslNode
	rank := 0
	if z != nil {
		nodes, rank = z.collect(&a)
	}
	if !store {
		zsetWriteNodes(c, nodes, a.withScores)
		return
	}
	zrangeStore(db, c, &a, z, nodes, rank)
}

// zrangeStore writes ZRANGESTORE's result to the destination. A result
// set is filled in reply order as Redis fills it: a rank range of more
// than 128 starts in the skiplist encoding, the others start small.
func zrangeStore(db *DB, c *Call, a *zrangeArgs, src *ZSet, nodes []*zslNode, rank int) {
	dst := c.Argv[1]
	changed := false
	if len(nodes) > 0 {
		z := NewZSet()
		z.big = a.typ == zrangeRank && len(nodes) > zsetMaxListpackEntries
		for _, n := range nodes {
			z.insert(n.member, n.score)
		}
		db.Set(c, string(dst), z, 0)
		changed = true
		c.Out.Int(int64(len(nodes)))
		db.notify(c, NotifyZSet, "zrangestore", dst)
	} else {
		changed = db.Delete(string(dst))
		c.Out.Int(0)
		if changed {
			db.notify(c, NotifyGeneric, "del", dst)
		}
	}
	if !changed {
		return
	}
	if a.typ != zrangeLex || src == nil {
		c.PropagateAsIs()
		return
	}
	// The same ranks in the same order, by score (see the file comment).
	off := rank
	if a.rev {
		off = src.Len() - 1 - rank
	}
	if len(nodes) == 0 {
		off = 0
	}
	lo, hi := "-inf", "+inf"
	args := [][]byte{[]byte("ZRANGESTORE"), dst, c.Argv[2]}
	if a.rev {
		lo, hi = hi, lo
	}
	args = append(args, []byte(lo), []byte(hi), []byte("BYSCORE"))
	if a.rev {
		args = append(args, []byte("REV"))
	}
	args = append(args, []byte("LIMIT"), []byte(strconv.Itoa(off)), []byte(strconv.Itoa(len(nodes))))
	c.PropagateOwned(args)
}

// zremrangeGeneric serves ZREMRANGEBYRANK, ZREMRANGEBYSCORE and ZREMRANGEBYLEX.
func zremrangeGeneric(db *DB, c *Call, typ zrangeType) {
	var start, end int64
	var sr zsetScoreRange
	var lr zsetLexRange
	var ok bool
	switch typ {
	case zrangeRank:
		if start, ok = argInt(c, c.Argv[2], ""); !ok {
			return
		}
		if end, ok = argInt(c, c.Argv[3], ""); !ok {
			return
		}
	case zrangeScore:
		if sr, ok = zsetParseScoreRange(c.Argv[2], c.Argv[3]); !ok {
			c.Out.Error(zsetErrMinMax)
			return
		}
	case zrangeLex:
		if lr, ok = zsetParseLexRange(c.Argv[2], c.Argv[3]); !ok {
			c.Out.Error(zsetErrLexRange)
			return
		}
	}
	key := c.Argv[1]
	z, ok := lookupValue[*ZSet](db, c, key)
	if !ok {
		return
	}
	if z == nil {
		c.Out.Int(0)
		return
	}
	drop := func(n *zslNode) { z.forget(n.member) }
	removed, rank := 0, 0
	switch {
	case typ == zrangeRank:
		s, e, ok := indexRange(start, end, int64(z.Len()))
		if !ok {
			c.Out.Int(0)
			return
		}
		removed = z.zsl.deleteRangeByRank(int(s)+1, int(e)+1, drop)
	case typ == zrangeScore:
		removed, _ = z.zsl.deleteFrom(func(n *zslNode) bool { return !sr.gteMin(n.score) },
			func(n *zslNode) bool { return sr.lteMax(n.score) }, drop)
	case z.big: // by lex, zslDeleteRangeByLex: no test of the range's ends first
		removed, rank = z.zsl.deleteFrom(func(n *zslNode) bool { return !lr.gteMin(n.member) },
			func(n *zslNode) bool { return lr.lteMax(n.member) }, drop)
	default: // by lex, zzlDeleteRangeByLex: from the first, while not above max
		var first *zslNode
		if first, rank = z.firstInLex(&lr); first != nil {
			n := 0
			for x := first; x != nil && lr.lteMax(x.member); x = x.level[0].forward {
				n++
			}
			removed = z.zsl.deleteRangeByRank(rank+1, rank+n, drop)
		}
	}
	if removed > 0 {
		zsetRemoved(db, c, key, z, [...]string{zrangeRank: "zremrangebyrank", zrangeScore: "zremrangebyscore", zrangeLex: "zremrangebylex"}[typ])
		if typ == zrangeLex {
			c.Propagate([]byte("ZREMRANGEBYRANK"), key, []byte(strconv.Itoa(rank)), []byte(strconv.Itoa(rank+removed-1)))
		} else {
			c.PropagateAsIs()
		}
	}
	c.Out.Int(int64(removed))
}
