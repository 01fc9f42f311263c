package engine

import (
	"math"
	"slices"
	"sort"
	"strings"
)

// ZUNIONSTORE, ZINTERSTORE, ZDIFFSTORE and their reading forms ZUNION,
// ZINTER, ZDIFF. Sets count as sorted sets whose scores are all 1. The
// stores propagate as sent: sources are sorted by cardinality with a
// stable sort, so a replica aggregates in the same order and gets the
// same sums bit for bit.

type zsetOp int

const (
	zsetUnion zsetOp = iota
	zsetInter
	zsetDiff
)

type zsetAggregate int

const (
	zsetAggSum zsetAggregate = iota
	zsetAggMin
	zsetAggMax
)

// zsetSource is one input: a sorted set, a set, or nothing (missing key).
type zsetSource struct {
	z      *ZSet
	s      *Set
	weight float64
}

func (src *zsetSource) len() int {
	switch {
	case src.z != nil:
		return src.z.Len()
	case src.s != nil:
		return src.s.Len()
	}
	return 0
}

// each calls f for every member and score.
func (src *zsetSource) each(f func(m string, score float64)) {
	switch {
	case src.z != nil:
		src.z.Range(func(m string, s float64) bool { f(m, s); return true })
	case src.s != nil:
		src.s.Each(func(m string) bool { f(m, 1); return true })
	}
}

// find returns member's score in the source.
func (src *zsetSource) find(m string) (float64, bool) {
	switch {
	case src.z != nil:
		return src.z.Score(m)
	case src.s != nil:
		if src.s.Has(m) {
			return 1, true
		}
	}
	return 0, false
}

func (src *zsetSource) same(o *zsetSource) bool {
	return (src.z != nil && src.z == o.z) || (src.s != nil && src.s == o.s)
}

func zsetAggregateInto(target *float64, val float64, agg zsetAggregate) {
	switch agg {
	case zsetAggSum:
		*target += val
		if math.IsNaN(*target) {
			*target = 0
		}
	case zsetAggMin:
		if val < *target {
			*target = val
		}
	case zsetAggMax:
		if val > *target {
			*target = val
		}
	}
}

// zsetSources reads the numkeys argument at argv[numIdx] and the keys
// after it (sorted sets, or sets with score 1), as
// zunionInterDiffGenericCommand does; j is the index after the keys.
func zsetSources(db *DB, c *Call, numIdx int) (src []zsetSource, j int, ok bool) {
	argv := c.Argv
	n, ok := argInt(c, argv[numIdx], "")
	if !ok {
		return nil, 0, false
	}
	if n < 1 {
		c.Out.Error("ERR at least 1 input key is needed for '" + strings.ToLower(string(argv[0])) + "' command")
		return nil, 0, false
	}
	if n > int64(len(argv)-numIdx-1) {
		c.Out.Error(ErrSyntax)
		return nil, 0, false
	}
	src = make([]zsetSource, n)
	j = numIdx + 1
	for i := range src {
		src[i].weight = 1
		if e := db.lookupRead(c, argv[j]); e != nil {
			switch v := e.Value.(type) {
			case *ZSet:
				src[i].z = v
			case *Set:
				src[i].s = v
			default:
				c.Out.Error(ErrWrongType)
				return nil, 0, false
			}
		}
		j++
	}
	return src, j, true
}

// zintercardCommand: ZINTERCARD numkeys key... [LIMIT limit], the size of
// the intersection, at most limit (0: no limit).
func zintercardCommand(db *DB, c *Call) {
	src, j, ok := zsetSources(db, c, 1)
	if !ok {
		return
	}
	var limit int64
	for j < len(c.Argv) {
		if len(c.Argv)-j >= 2 && equalFold(c.Argv[j], "limit") {
			if limit, ok = argPositive(c, c.Argv[j+1], "LIMIT can't be negative"); !ok {
				return
			}
			j += 2
			continue
		}
		c.Out.Error(ErrSyntax)
		return
	}
	members, _ := zsetSetOpCompute(zsetInter, zsetAggSum, src)
	n := int64(len(members))
	if limit > 0 {
		n = min(n, limit)
	}
	c.Out.Int(n)
}

// zsetSetOpCommand serves the six commands; store selects the *STORE forms.
func zsetSetOpCommand(db *DB, c *Call, op zsetOp, store bool) {
	argv := c.Argv
	numIdx := 1
	if store {
		numIdx = 2
	}
	src, j, ok := zsetSources(db, c, numIdx)
	if !ok {
		return
	}
	agg, withScores, ok := zsetSetOpOptions(c, op, store, src, j)
	if !ok {
		return
	}
	members, scores := zsetSetOpCompute(op, agg, src)
	if !store {
		zsetWritePairs(c, members, scores, withScores)
		return
	}
	dst := string(argv[1])
	changed := false
	if len(members) > 0 {
		db.Set(c, dst, zsetFromPairs(members, scores), 0)
		changed = true
		c.Out.Int(int64(len(members)))
		db.notifyKey(c, NotifyZSet, [...]string{zsetUnion: "zunionstore", zsetInter: "zinterstore", zsetDiff: "zdiffstore"}[op], dst)
	} else {
		changed = db.Delete(dst)
		c.Out.Int(0)
		if changed {
			db.notifyKey(c, NotifyGeneric, "del", dst)
		}
	}
	if changed {
		c.PropagateAsIs()
	}
}

// zsetSetOpOptions parses WEIGHTS, AGGREGATE and WITHSCORES from argv[j:].
func zsetSetOpOptions(c *Call, op zsetOp, store bool, src []zsetSource, j int) (agg zsetAggregate, withScores, ok bool) {
	argv := c.Argv
	for j < len(argv) {
		left := len(argv) - j
		switch {
		case op != zsetDiff && left >= len(src)+1 && equalFold(argv[j], "weights"):
			j++
			for i := range src {
				w, ok := zsetParseFloat(argv[j])
				if !ok {
					c.Out.Error(zsetErrWeight)
					return 0, false, false
				}
				src[i].weight = w
				j++
			}
		case op != zsetDiff && left >= 2 && equalFold(argv[j], "aggregate"):
			switch a := argv[j+1]; {
			case equalFold(a, "sum"):
				agg = zsetAggSum
			case equalFold(a, "min"):
				agg = zsetAggMin
			case equalFold(a, "max"):
				agg = zsetAggMax
			default:
				c.Out.Error(ErrSyntax)
				return 0, false, false
			}
			j += 2
		case !store && equalFold(argv[j], "withscores"):
			withScores = true
			j++
		default:
			c.Out.Error(ErrSyntax)
			return 0, false, false
		}
	}
	return agg, withScores, true
}

// zsetSetOpCompute returns the result's members and scores in
// (score, member) order.
func zsetSetOpCompute(op zsetOp, agg zsetAggregate, src []zsetSource) ([]string, []float64) {
	if op != zsetDiff {
		sort.SliceStable(src, func(a, b int) bool { return src[a].len() < src[b].len() })
	}
	acc := make(map[string]float64)
	switch op {
	case zsetUnion:
		for i := range src {
			w := src[i].weight
			src[i].each(func(m string, s float64) {
				score := w * s
				if math.IsNaN(score) {
					score = 0
				}
				if cur, ok := acc[m]; ok {
					zsetAggregateInto(&cur, score, agg)
					acc[m] = cur
				} else {
					acc[m] = score
				}
			})
		}
	case zsetInter:
		if src[0].len() == 0 {
			break
		}
		src[0].each(func(m string, s0 float64) {
			score := src[0].weight * s0
			if math.IsNaN(score) {
				score = 0
			}
			for k := 1; k < len(src); k++ {
				var v float64
				if src[k].same(&src[0]) {
					v = s0 * src[k].weight
				} else if s, ok := src[k].find(m); ok {
					v = s * src[k].weight
				} else {
					return
				}
				zsetAggregateInto(&score, v, agg)
			}
			acc[m] = score
		})
	case zsetDiff:
		src[0].each(func(m string, s0 float64) {
			for k := 1; k < len(src); k++ {
				if _, ok := src[k].find(m); ok {
					return
				}
			}
			acc[m] = s0
		})
	}
	members := make([]string, 0, len(acc))
	for m := range acc {
		members = append(members, m)
	}
	slices.SortFunc(members, func(a, b string) int {
		sa, sb := acc[a], acc[b]
		switch {
		case zslLess(sa, a, sb, b):
			return -1
		case zslLess(sb, b, sa, a):
			return 1
		}
		return 0
	})
	scores := make([]float64, len(members))
	for i, m := range members {
		scores[i] = acc[m]
	}
	return members, scores
}

// zsetWritePairs writes members with optional scores as ZRANGE does.
func zsetWritePairs(c *Call, members []string, scores []float64, withScores bool) {
	w := c.Out
	if withScores && w.Proto() == 2 {
		w.Array(2 * len(members))
	} else {
		w.Array(len(members))
	}
	for i, m := range members {
		if withScores && w.Proto() == 3 {
			w.Array(2)
		}
		w.BulkString(m)
		if withScores {
			w.Double(scores[i])
		}
	}
}
