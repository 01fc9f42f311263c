package engine

import "strconv"

// LMPOP, ZMPOP and ZINTERCARD, the Redis 7.0 multi-key forms of LPOP/RPOP,
// ZPOPMIN/ZPOPMAX and ZINTER (BLMPOP and BZMPOP, in blocking.go, share
// their parsing and popping). Like Redis, LMPOP and ZMPOP propagate as the
// single-key pop of what they took, with its count.

// mpopArgs parses numkeys at argv[at], then where (one of the two names, case
// ignored) and an optional COUNT, as lmpopGenericCommand and
// zmpopGenericCommand do. keys are the numkeys keys; first is true for
// the first name (LEFT, MIN).
func mpopArgs(c *Call, at int, first, second string) (keys [][]byte, isFirst bool, count int64, ok bool) {
	numkeys, ok := argRange(c, c.Argv[at], 1, 1<<63-1, "numkeys should be greater than 0")
	if !ok {
		return nil, false, 0, false
	}
	// where must follow the keys; a numkeys past the arguments is a
	// syntax error (compared before adding: numkeys may be near 2^63).
	if numkeys >= int64(len(c.Argv)-at-1) {
		c.Out.Error(ErrSyntax)
		return nil, false, 0, false
	}
	whereIdx := at + 1 + int(numkeys)
	switch where := c.Argv[whereIdx]; {
	case equalFold(where, first):
		isFirst = true
	case equalFold(where, second):
	default:
		c.Out.Error(ErrSyntax)
		return nil, false, 0, false
	}
	count = -1
	for j := whereIdx + 1; j < len(c.Argv); j++ {
		more := len(c.Argv) - 1 - j
		if count == -1 && equalFold(c.Argv[j], "count") && more > 0 {
			j++
			if count, ok = argRange(c, c.Argv[j], 1, 1<<63-1, "count should be greater than 0"); !ok {
				return nil, false, 0, false
			}
		} else {
			c.Out.Error(ErrSyntax)
			return nil, false, 0, false
		}
	}
	if count == -1 {
		count = 1
	}
	return c.Argv[at+1 : whereIdx], isFirst, count, true
}

// lmpopCommand pops up to count elements from the first non-empty list
// among the keys; a key of another type before it is WRONGTYPE.
func lmpopCommand(db *DB, c *Call) {
	keys, left, count, ok := mpopArgs(c, 1, "left", "right")
	if ok && !lmpopFrom(db, c, keys, left, count) {
		c.Out.NullArray()
	}
}

// lmpopFrom pops from the first non-empty list among keys; it reports
// false, having replied nothing, if there is none.
func lmpopFrom(db *DB, c *Call, keys [][]byte, left bool, count int64) (replied bool) {
	for _, key := range keys {
		l, ok := lookupValue[*List](db, c, key)
		if !ok {
			return true
		}
		if l == nil || l.Len() == 0 {
			continue
		}
		n := min(count, int64(l.Len()))
		c.Out.Array(2)
		c.Out.Bulk(key)
		c.Out.Array(int(n))
		for range n {
			if left {
				c.Out.BulkString(l.PopFront())
			} else {
				c.Out.BulkString(l.PopBack())
			}
		}
		listPopped(db, c, string(key), l, left)
		pop := "RPOP"
		if left {
			pop = "LPOP"
		}
		c.Propagate([]byte(pop), key, strconv.AppendInt(nil, n, 10))
		return true
	}
	return false
}

// zmpopCommand pops up to count members from the first sorted set among
// the keys (an existing sorted set is never empty); the first existing
// key of another type is WRONGTYPE.
func zmpopCommand(db *DB, c *Call) {
	keys, minFirst, count, ok := mpopArgs(c, 1, "min", "max")
	if ok && !zmpopFrom(db, c, keys, minFirst, count) {
		c.Out.NullArray()
	}
}

// zmpopFrom pops from the first sorted set among keys; it reports false,
// having replied nothing, if there is none.
func zmpopFrom(db *DB, c *Call, keys [][]byte, minFirst bool, count int64) (replied bool) {
	for _, key := range keys {
		z, ok := lookupValue[*ZSet](db, c, key)
		if !ok {
			return true
		}
		if z == nil {
			continue
		}
		n := int(min(count, int64(z.Len())))
		c.Out.Array(2)
		c.Out.Bulk(key)
		c.Out.Array(n)
		for i := range n {
			x := z.zsl.tail
			if minFirst {
				x = z.zsl.first()
			}
			member, score := x.member, x.score
			z.remove(member)
			if i == 0 {
				db.notify(c, NotifyZSet, zpopEvent(!minFirst), key)
			}
			c.Out.Array(2)
			c.Out.BulkString(member)
			c.Out.Double(score)
		}
		zsetRemoved(db, c, key, z, "")
		pop := "ZPOPMAX"
		if minFirst {
			pop = "ZPOPMIN"
		}
		c.Propagate([]byte(pop), key, strconv.AppendInt(nil, int64(n), 10))
		return true
	}
	return false
}

// mpopKeys returns LMPOP's and ZMPOP's keys: numkeys of them after it;
// blockingMpopKeys BLMPOP's and BZMPOP's, after the timeout and numkeys.
func mpopKeys(argv [][]byte) [][]byte { return zsetNumKeys(argv, 1) }

func blockingMpopKeys(argv [][]byte) [][]byte { return zsetNumKeys(argv, 2) }
