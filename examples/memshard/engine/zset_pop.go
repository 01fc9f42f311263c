package engine

import (
	"bytes"
	"math"
	"math/rand/v2"
	"strconv"

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
		n, ok := zsetParseInt(c.Argv[2])
		if !ok || n < 0 {
			c.Out.Error(zsetErrPositive)
			return
		}
		count = n
	}
	nested := c.Out.Proto() == 3 && count != -1
	key := c.Argv[1]
	z, ok := zsetLookup(db, c, key)
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
	for range n {
		x := z.zsl.first()
		if max {
			x = z.zsl.tail
		}
		member, score := x.member, x.score
		z.remove(member)
		if nested {
			c.Out.Array(2)
		}
		c.Out.BulkString(member)
		c.Out.Double(score)
	}
	zsetDeleteIfEmpty(db, key, z)
	c.PropagateAsIs()
}

func zrandmemberCommand(db *DB, c *Call) {
	if len(c.Argv) == 2 {
		z, ok := zsetLookup(db, c, c.Argv[1])
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
	l, ok := zsetParseInt(c.Argv[2])
	if !ok {
		c.Out.Error(ErrNotInteger)
		return
	}
	if l == math.MinInt64 {
		c.Out.Error("ERR value is out of range, value must between -9223372036854775807 and 9223372036854775807")
		return
	}
	withScores := false
	if len(c.Argv) > 4 || (len(c.Argv) == 4 && !zsetEqualFold(c.Argv[3], "withscores")) {
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
	z, ok := zsetLookup(db, c, c.Argv[1])
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
	cursor, ok := zsetParseCursor(c.Argv[2])
	if !ok {
		c.Out.Error(zsetErrInvalidCur)
		return
	}
	z, ok := zsetLookup(db, c, c.Argv[1])
	if !ok {
		return
	}
	if z == nil {
		c.Out.Array(2)
		c.Out.BulkString("0")
		c.Out.Array(0)
		return
	}
	count := int64(10)
	var pattern []byte
	for i := 3; i < len(c.Argv); i += 2 {
		left := len(c.Argv) - i - 1
		switch {
		case zsetEqualFold(c.Argv[i], "count") && left >= 1:
			n, ok := zsetArgInt(c, c.Argv[i+1])
			if !ok {
				return
			}
			if n < 1 {
				c.Out.Error(ErrSyntax)
				return
			}
			count = n
		case zsetEqualFold(c.Argv[i], "match") && left >= 1:
			pattern = c.Argv[i+1]
			if len(pattern) == 1 && pattern[0] == '*' {
				pattern = nil
			}
		default:
			c.Out.Error(ErrSyntax)
			return
		}
	}
	var items []string // member, score, ...
	add := func(m string, s float64) {
		if pattern == nil || zsetMatch(pattern, []byte(m)) {
			items = append(items, m, zsetFormatScore(s))
		}
	}
	next := uint64(0)
	if !z.big {
		z.Range(func(m string, s float64) bool { add(m, s); return true })
	} else {
		next = z.scanFrom(cursor, int(min(count, math.MaxInt32)), add)
	}
	c.Out.Array(2)
	c.Out.BulkString(strconv.FormatUint(next, 10))
	c.Out.Array(len(items))
	for _, it := range items {
		c.Out.BulkString(it)
	}
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

// zsetParseCursor parses a SCAN cursor as Redis's strtoul-based parser:
// no leading space, a whole unsigned decimal (a sign is allowed and
// wraps, as strtoul does), no overflow.
func zsetParseCursor(b []byte) (uint64, bool) {
	if i := bytes.IndexByte(b, 0); i >= 0 {
		b = b[:i] // strtoul stops at the C string's end
	}
	if len(b) == 0 || zsetIsSpace(b[0]) {
		return 0, len(b) == 0
	}
	neg := false
	s := b
	if s[0] == '+' || s[0] == '-' {
		neg = s[0] == '-'
		s = s[1:]
	}
	if len(s) == 0 {
		return 0, false
	}
	v, err := strconv.ParseUint(string(s), 10, 64)
	if err != nil {
		return 0, false
	}
	if neg {
		v = -v
	}
	return v, true
}

// zsetMatch is Redis's stringmatchlen (case-sensitive) glob match.
func zsetMatch(pattern, s []byte) bool {
	skipLonger := false
	return zsetMatchAt(pattern, s, &skipLonger, 0)
}

func zsetMatchAt(p, s []byte, skipLonger *bool, nesting int) bool {
	if nesting > 1000 {
		return false
	}
	for len(p) > 0 && len(s) > 0 {
		switch p[0] {
		case '*':
			for len(p) > 1 && p[1] == '*' {
				p = p[1:]
			}
			if len(p) == 1 {
				return true
			}
			for len(s) > 0 {
				if zsetMatchAt(p[1:], s, skipLonger, nesting+1) {
					return true
				}
				if *skipLonger {
					return false
				}
				s = s[1:]
			}
			*skipLonger = true
			return false
		case '?':
			s = s[1:]
		case '[':
			p = p[1:]
			not := len(p) > 0 && p[0] == '^'
			if not {
				p = p[1:]
			}
			match := false
			for {
				if len(p) > 0 && p[0] == '\\' && len(p) >= 2 {
					p = p[1:]
					if p[0] == s[0] {
						match = true
					}
				} else if len(p) == 0 || p[0] == ']' {
					break
				} else if len(p) >= 3 && p[1] == '-' {
					start, end := int8(p[0]), int8(p[2])
					if start > end {
						start, end = end, start
					}
					if c := int8(s[0]); c >= start && c <= end {
						match = true
					}
					p = p[2:]
				} else if p[0] == s[0] {
					match = true
				}
				p = p[1:]
			}
			if not {
				match = !match
			}
			if !match {
				return false
			}
			s = s[1:]
		case '\\':
			if len(p) >= 2 {
				p = p[1:]
			}
			fallthrough
		default:
			if p[0] != s[0] {
				return false
			}
			s = s[1:]
		}
		if len(p) > 0 {
			p = p[1:] // an unterminated class has consumed the whole pattern
		}
		if len(s) == 0 {
			for len(p) > 0 && p[0] == '*' {
				p = p[1:]
			}
			break
		}
	}
	return len(p) == 0 && len(s) == 0
}
