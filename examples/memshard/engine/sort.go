package engine

import (
	"bytes"
	"math"
	"math/big"
	"slices"
)

// SORT and SORT_RO as Redis 7.0 answers them in cluster mode, which is how
// memshard presents itself: BY with a pattern and GET are refused there
// (they read other keys), so a BY is only ever a constant that means "do
// not sort", and elements sort by their own value: as numbers (strtod)
// or, with ALPHA, as strings.

const (
	errSortBy    = "ERR BY option of SORT denied in Cluster mode."
	errSortGet   = "ERR GET option of SORT denied in Cluster mode."
	errSortScore = "ERR One or more scores can't be converted into double"
)

func sortCommands() []*Command {
	return []*Command{
		{Name: "sort", Arity: -2, Flags: []string{FlagWrite, FlagDenyOOM, "movablekeys"}, FirstKey: 1, LastKey: 1, Step: 1, KeysFunc: sortKeys, Handler: func(db *DB, c *Call) { sortCommand(db, c, false) }},
		{Name: "sort_ro", Arity: -2, Flags: []string{FlagReadOnly, "movablekeys"}, FirstKey: 1, LastKey: 1, Step: 1, Handler: func(db *DB, c *Call) { sortCommand(db, c, true) }},
	}
}

// sortKeys returns SORT's key and its STORE destination, if any, as
// Redis's sortGetKeys finds it: LIMIT's, BY's and GET's arguments are
// skipped, and the last STORE wins.
func sortKeys(argv [][]byte) [][]byte {
	keys := argv[1:2:2]
	store := -1
	for i := 2; i < len(argv); i++ {
		switch a := argv[i]; {
		case equalFold(a, "limit"):
			i += 2
		case equalFold(a, "get"), equalFold(a, "by"):
			i++
		case equalFold(a, "store") && i+1 < len(argv):
			store = i + 1
		}
	}
	if store > 0 {
		keys = append(keys, argv[store])
	}
	return keys
}

// sortOptions are SORT's parsed options.
type sortOptions struct {
	desc, alpha, dontsort  bool
	limitStart, limitCount int64 // -1, -1 without LIMIT
	store                  []byte
}

// parseSortOptions parses the options after the key as Redis does, left
// to right; it replies the first error.
func parseSortOptions(c *Call, readonly bool) (o sortOptions, ok bool) {
	o.limitStart, o.limitCount = -1, -1
	argv := c.Argv
	for j := 2; j < len(argv); j++ {
		left := len(argv) - j - 1
		switch a := argv[j]; {
		case equalFold(a, "asc"):
			o.desc = false
		case equalFold(a, "desc"):
			o.desc = true
		case equalFold(a, "alpha"):
			o.alpha = true
		case equalFold(a, "limit") && left >= 2:
			start, ok1 := parseInt(argv[j+1])
			count, ok2 := parseInt(argv[j+2])
			if !ok1 || !ok2 {
				c.Out.Error(ErrNotInteger)
				return o, false
			}
			o.limitStart, o.limitCount = start, count
			j += 2
		case !readonly && equalFold(a, "store") && left >= 1:
			o.store = argv[j+1]
			j++
		case equalFold(a, "by") && left >= 1:
			if bytes.IndexByte(argv[j+1], '*') < 0 {
				o.dontsort = true
			} else {
				c.Out.Error(errSortBy)
				return o, false
			}
			j++
		case equalFold(a, "get") && left >= 1:
			c.Out.Error(errSortGet)
			return o, false
		default:
			c.Out.Error(ErrSyntax)
			return o, false
		}
	}
	return o, true
}

// sortItem is one element and the number it sorts by.
type sortItem struct {
	v     string
	score float64
}

func sortCommand(db *DB, c *Call, readonly bool) {
	o, ok := parseSortOptions(c, readonly)
	if !ok {
		return
	}
	e := db.lookupRead(c, c.Argv[1])
	var n int
	switch v := valueOrNil(e).(type) {
	case nil:
	case *List:
		n = v.Len()
	case *Set:
		n = v.Len()
		// A set's own order is not stable across replicas: one stored
		// is sorted, as strings.
		if o.dontsort && o.store != nil {
			o.dontsort, o.alpha = false, true
		}
	case *ZSet:
		n = v.Len()
		v.big = true // Redis converts a small sorted set for SORT, and keeps it so
	default:
		c.Out.Error(ErrWrongType)
		return
	}

	// LIMIT, with Redis's arithmetic (its inputs clamped to the size
	// first, so that nothing overflows).
	start := min(max(o.limitStart, 0), int64(n))
	count := min(max(o.limitCount, -1), int64(n))
	end := int64(n) - 1
	if count >= 0 {
		end = start + count - 1
	}
	if start >= int64(n) {
		start, end = int64(n)-1, int64(n)-2
	}
	end = min(end, int64(n)-1)

	var items []sortItem
	switch v := valueOrNil(e).(type) {
	case *List:
		if o.dontsort {
			// In list order (reversed for DESC), just the range.
			for i := start; i <= end; i++ {
				idx := int(i)
				if o.desc {
					idx = n - 1 - int(i)
				}
				items = append(items, sortItem{v: v.At(idx)})
			}
			end, start = end-start, 0
		} else {
			for i := range n {
				items = append(items, sortItem{v: v.At(i)})
			}
		}
	case *Set:
		v.Each(func(m string) bool {
			items = append(items, sortItem{v: m})
			return true
		})
	case *ZSet:
		if o.dontsort {
			// In score order (reversed for DESC), just the range.
			if end >= start {
				x := v.zsl.byRank(int(start) + 1)
				if o.desc {
					x = v.zsl.byRank(n - int(start))
				}
				for i := start; i <= end; i++ {
					items = append(items, sortItem{v: x.member})
					if o.desc {
						x = x.backward
					} else {
						x = x.level[0].forward
					}
				}
			}
			end, start = end-start, 0
		} else {
			for m := range v.dict {
				items = append(items, sortItem{v: m})
			}
		}
	}

	if !o.dontsort {
		if !o.alpha {
			for i := range items {
				score, ok := sortScore(items[i].v)
				if !ok {
					c.Out.Error(errSortScore)
					return
				}
				items[i].score = score
			}
		}
		slices.SortFunc(items, func(a, b sortItem) int { return sortCompare(a, b, o) })
	}

	out := items
	if end >= start {
		out = items[start : end+1]
	} else {
		out = nil
	}
	if o.store == nil {
		c.Out.Array(len(out))
		for _, it := range out {
			c.Out.BulkString(it.v)
		}
		return
	}
	dst := string(o.store)
	if len(out) > 0 {
		l := NewList()
		for _, it := range out {
			l.PushBack(it.v)
		}
		db.Set(c, dst, l, 0)
		db.notify(c, NotifyList, "sortstore", o.store)
		// A replica rebuilds the list as stored, not by sorting again.
		effect := [][]byte{[]byte("RPUSH"), o.store}
		for _, it := range out {
			effect = append(effect, []byte(it.v))
		}
		c.Propagate([]byte("DEL"), o.store)
		c.PropagateOwned(effect)
	} else if db.Lookup(c, o.store) != nil && db.Delete(dst) {
		db.notify(c, NotifyGeneric, "del", o.store)
		c.Propagate([]byte("DEL"), o.store)
	}
	c.Out.Int(int64(len(out)))
}

func valueOrNil(e *Entry) any {
	if e == nil {
		return nil
	}
	return e.Value
}

// sortCompare orders two elements as Redis's sortCompare: by score, ties
// by the elements' bytes; with ALPHA by the elements, compared as C
// strings (strcoll in the C locale, which stops at a NUL) unless the
// result is stored (then binary-safe).
func sortCompare(a, b sortItem, o sortOptions) int {
	var cmp int
	switch {
	case !o.alpha && a.score > b.score:
		cmp = 1
	case !o.alpha && a.score < b.score:
		cmp = -1
	case !o.alpha || o.store != nil:
		cmp = bytes.Compare([]byte(a.v), []byte(b.v))
	default:
		cmp = bytes.Compare(cPrefix(a.v), cPrefix(b.v))
	}
	if o.desc {
		return -cmp
	}
	return cmp
}

// cPrefix is s up to its first NUL, as a C string function sees it.
func cPrefix(s string) []byte {
	if i := bytes.IndexByte([]byte(s), 0); i >= 0 {
		return []byte(s[:i])
	}
	return []byte(s)
}

// sortScore parses an element as SORT does: strtod after leading
// whitespace, accepted if it stops at the end (or at a NUL), is not NaN,
// and did not set ERANGE (overflow, or an inexact result below the
// normal range, as glibc reports it).
func sortScore(s string) (float64, bool) {
	b := []byte(s)
	v, end, erange := strtodC(b)
	if end < len(b) && b[end] != 0 || math.IsNaN(v) || erange {
		return 0, false
	}
	if v != 0 && !math.IsInf(v, 0) && math.Abs(v) < 0x1p-1022 && !exactSubnormal(bytes.TrimLeftFunc(b[:end], func(r rune) bool { return r < 0x80 && isCSpace(byte(r)) }), v) {
		return 0, false
	}
	return v, true
}

// exactSubnormal reports whether the strtod input s denotes exactly the
// subnormal v (glibc sets ERANGE for an inexact one).
func exactSubnormal(s []byte, v float64) bool {
	x, _, err := big.ParseFloat(string(s), 0, 4096, big.ToNearestEven)
	if err != nil {
		return false
	}
	return x.Cmp(new(big.Float).SetFloat64(v)) == 0
}
