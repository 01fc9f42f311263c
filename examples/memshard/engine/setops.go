package engine

import "sort"

// SINTER, SUNION, SDIFF and their CARD and STORE forms, as Redis 7.0's
// sinterGenericCommand and sunionDiffGenericCommand compute them (which set
// is iterated decides the reply's order). The STORE forms are deterministic,
// so their effect is the command itself.

func sinterCommand(db *DB, c *Call) { setInter(db, c, c.Argv[1:], nil, false, false, 0) }

func sinterstoreCommand(db *DB, c *Call) { setInter(db, c, c.Argv[2:], c.Argv[1], true, false, 0) }

func sintercardCommand(db *DB, c *Call) {
	numKeys, ok := argRange(c, c.Argv[1], 1, 1<<63-1, "numkeys should be greater than 0")
	if !ok {
		return
	}
	if numKeys > int64(len(c.Argv)-2) {
		c.Out.Error("ERR Number of keys can't be greater than number of args")
		return
	}
	var limit int64
	for j := 2 + int(numKeys); j < len(c.Argv); j++ {
		more := len(c.Argv) - 1 - j
		if equalFold(c.Argv[j], "limit") && more > 0 {
			j++
			if limit, ok = argPositive(c, c.Argv[j], "LIMIT can't be negative"); !ok {
				return
			}
		} else {
			c.Out.Error(ErrSyntax)
			return
		}
	}
	setInter(db, c, c.Argv[2:2+numKeys], nil, false, true, limit)
}

// setIntercardKeys returns SINTERCARD's key arguments.
func setIntercardKeys(argv [][]byte) [][]byte {
	if len(argv) < 3 {
		return nil
	}
	n, ok := parseInt(argv[1])
	if !ok || n < 1 || n > int64(len(argv)-2) {
		return nil
	}
	return argv[2 : 2+n]
}

// setLoad looks up every key; a missing key is a nil set. ok is false after
// a WRONGTYPE reply.
func setLoad(db *DB, c *Call, keys [][]byte) ([]*Set, bool) {
	sets := make([]*Set, len(keys))
	for i, k := range keys {
		s, ok := readValue[*Set](db, c, k)
		if !ok {
			return nil, false
		}
		sets[i] = s
	}
	return sets, true
}

// setStore stores result under dst (deleting dst if result is empty),
// replies with its size, raises event (or "del"), and records the command
// as the effect if it changed anything.
func setStore(db *DB, c *Call, dst []byte, result *Set, event string) {
	key := string(dst)
	if result.Len() > 0 {
		db.Set(c, key, result, 0)
		c.Out.Int(int64(result.Len()))
		db.notify(c, NotifySet, event, dst)
		c.PropagateAsIs()
		return
	}
	c.Out.Int(0)
	if db.Delete(key) {
		db.notify(c, NotifyGeneric, "del", dst)
		c.PropagateAsIs()
	}
}

// setInter serves SINTER, SINTERCARD (cardOnly) and SINTERSTORE (store,
// into dst). Whether to store is its own flag: dst may be the empty key,
// which a replayed effect can carry as nil.
func setInter(db *DB, c *Call, keys [][]byte, dst []byte, store, cardOnly bool, limit int64) {
	sets, ok := setLoad(db, c, keys)
	if !ok {
		return
	}
	for _, s := range sets {
		if s == nil {
			switch {
			case store:
				// An empty source: Redis deletes dst before it replies.
				if db.Delete(string(dst)) {
					db.notify(c, NotifyGeneric, "del", dst)
					c.PropagateAsIs()
				}
				c.Out.Int(0)
			case cardOnly:
				c.Out.Int(0)
			default:
				c.Out.Set(0)
			}
			return
		}
	}
	sort.SliceStable(sets, func(i, j int) bool { return sets[i].Len() < sets[j].Len() })
	var result *Set
	if store {
		result = NewSet()
	}
	var members []string
	var card int64
	sets[0].Each(func(m string) bool {
		for _, s := range sets[1:] {
			if s != sets[0] && !s.Has(m) {
				return true
			}
		}
		switch {
		case cardOnly:
			card++
			return limit == 0 || card < limit
		case store:
			result.Add(m)
		default:
			members = append(members, m)
		}
		return true
	})
	switch {
	case cardOnly:
		c.Out.Int(card)
	case store:
		setStore(db, c, dst, result, "sinterstore")
	default:
		setWriteMembers(c, members)
	}
}

func sunionCommand(db *DB, c *Call)      { setUnionDiff(db, c, c.Argv[1:], nil, false, false) }
func sunionstoreCommand(db *DB, c *Call) { setUnionDiff(db, c, c.Argv[2:], c.Argv[1], true, false) }
func sdiffCommand(db *DB, c *Call)       { setUnionDiff(db, c, c.Argv[1:], nil, false, true) }
func sdiffstoreCommand(db *DB, c *Call)  { setUnionDiff(db, c, c.Argv[2:], c.Argv[1], true, true) }

// setUnionDiff serves SUNION, SDIFF (diff) and their STORE forms (store,
// into dst; see setInter).
func setUnionDiff(db *DB, c *Call, keys [][]byte, dst []byte, store, diff bool) {
	sets, ok := setLoad(db, c, keys)
	if !ok {
		return
	}
	sameSet := false
	for _, s := range sets[1:] {
		if s != nil && s == sets[0] {
			sameSet = true
		}
	}
	result := NewSet()
	addAll := func(s *Set) {
		s.Each(func(m string) bool {
			result.Add(m)
			return true
		})
	}
	switch {
	case !diff:
		for _, s := range sets {
			if s != nil {
				addAll(s)
			}
		}
	case sets[0] == nil || sameSet:
	default:
		var one, two int
		for _, s := range sets {
			if s != nil {
				one += sets[0].Len()
				two += s.Len()
			}
		}
		if one/2 <= two {
			// Algorithm 1: keep the first set's members found in no other.
			others := sets[1:]
			sort.SliceStable(others, func(i, j int) bool { return setLen(others[i]) > setLen(others[j]) })
			sets[0].Each(func(m string) bool {
				for _, s := range others {
					if s != nil && s.Has(m) {
						return true
					}
				}
				result.Add(m)
				return true
			})
		} else {
			// Algorithm 2: add the first set, remove the others.
			addAll(sets[0])
			for _, s := range sets[1:] {
				if s == nil {
					continue
				}
				s.Each(func(m string) bool {
					result.Remove(m)
					return true
				})
				if result.Len() == 0 {
					break
				}
			}
		}
	}
	if store {
		event := "sunionstore"
		if diff {
			event = "sdiffstore"
		}
		setStore(db, c, dst, result, event)
		return
	}
	setWrite(c, result)
}

// setLen is the size of s, 0 for a missing set.
func setLen(s *Set) int {
	if s == nil {
		return 0
	}
	return s.Len()
}
