package engine

// The list commands. Every write here is deterministic as sent (pops take
// from the ends, never at random), so effects are the commands themselves.

func listCommands() []*Command {
	cmd := func(name string, arity int, flags []string, last int, h func(*DB, *Call)) *Command {
		return &Command{Name: name, Arity: arity, Flags: flags, FirstKey: 1, LastKey: last, Step: 1, Handler: h}
	}
	wf := []string{FlagWrite, FlagDenyOOM, FlagFast}
	return []*Command{
		cmd("lpush", -3, wf, 1, func(db *DB, c *Call) { listPush(db, c, true, false) }),
		cmd("rpush", -3, wf, 1, func(db *DB, c *Call) { listPush(db, c, false, false) }),
		cmd("lpushx", -3, wf, 1, func(db *DB, c *Call) { listPush(db, c, true, true) }),
		cmd("rpushx", -3, wf, 1, func(db *DB, c *Call) { listPush(db, c, false, true) }),
		cmd("lpop", -2, []string{FlagWrite, FlagFast}, 1, func(db *DB, c *Call) { listPop(db, c, true) }),
		cmd("rpop", -2, []string{FlagWrite, FlagFast}, 1, func(db *DB, c *Call) { listPop(db, c, false) }),
		cmd("llen", 2, []string{FlagReadOnly, FlagFast}, 1, llenCommand),
		cmd("lrange", 4, []string{FlagReadOnly}, 1, lrangeCommand),
		cmd("lindex", 3, []string{FlagReadOnly}, 1, lindexCommand),
		cmd("lset", 4, []string{FlagWrite, FlagDenyOOM}, 1, lsetCommand),
		cmd("linsert", 5, []string{FlagWrite, FlagDenyOOM}, 1, linsertCommand),
		cmd("lrem", 4, []string{FlagWrite}, 1, lremCommand),
		cmd("ltrim", 4, []string{FlagWrite}, 1, ltrimCommand),
		cmd("lpos", -3, []string{FlagReadOnly}, 1, lposCommand),
		cmd("lmove", 5, []string{FlagWrite, FlagDenyOOM}, 2, lmoveCommand),
		cmd("rpoplpush", 3, []string{FlagWrite, FlagDenyOOM}, 2, rpoplpushCommand),
		{Name: "lmpop", Arity: -4, Flags: []string{FlagWrite, "movablekeys"}, KeysFunc: mpopKeys, Handler: lmpopCommand},
	}
}

func listPush(db *DB, c *Call, front, onlyExisting bool) {
	l, ok := lookupValue[*List](db, c, c.Argv[1])
	if !ok {
		return
	}
	if l == nil {
		if onlyExisting {
			c.Out.Int(0)
			return
		}
		l = NewList()
		db.Set(c, string(c.Argv[1]), l, 0)
	}
	for _, v := range c.Argv[2:] {
		if front {
			l.PushFront(string(v))
		} else {
			l.PushBack(string(v))
		}
	}
	db.Touch(string(c.Argv[1]))
	c.PropagateAsIs()
	c.Out.Int(int64(l.Len()))
	db.notify(c, NotifyList, listEvent(front, "push"), c.Argv[1])
}

// listEvent is "l"+op or "r"+op: the event of a push or pop at an end.
func listEvent(front bool, op string) string {
	switch {
	case front && op == "push":
		return "lpush"
	case op == "push":
		return "rpush"
	case front:
		return "lpop"
	}
	return "rpop"
}

// listPopped is listElementsRemoved: the events of a pop from key's end
// (front: head), and the deletion of the list if it is empty.
func listPopped(db *DB, c *Call, key string, l *List, front bool) {
	db.notifyKey(c, NotifyList, listEvent(front, "pop"), key)
	if l.Len() == 0 {
		db.Delete(key)
		db.notifyKey(c, NotifyGeneric, "del", key)
	} else {
		db.Touch(key)
	}
}

func listPop(db *DB, c *Call, front bool) {
	hasCount := len(c.Argv) == 3
	var count int64
	if len(c.Argv) > 3 {
		c.Out.Error(ArityError(string(c.Argv[0])))
		return
	} else if hasCount {
		var ok bool
		if count, ok = argPositive(c, c.Argv[2], ""); !ok {
			return
		}
	}
	l, ok := lookupValue[*List](db, c, c.Argv[1])
	if !ok {
		return
	}
	if l == nil {
		if hasCount {
			c.Out.NullArray()
		} else {
			c.Out.NullBulk()
		}
		return
	}
	if hasCount && count == 0 {
		c.Out.Array(0)
		return
	}
	pop := func() string {
		if front {
			return l.PopFront()
		}
		return l.PopBack()
	}
	if !hasCount {
		c.Out.BulkString(pop())
	} else {
		n := min(count, int64(l.Len()))
		c.Out.Array(int(n))
		for range n {
			c.Out.BulkString(pop())
		}
	}
	listPopped(db, c, string(c.Argv[1]), l, front)
	c.PropagateAsIs()
}

func llenCommand(db *DB, c *Call) {
	l, ok := readValue[*List](db, c, c.Argv[1])
	if !ok {
		return
	}
	if l == nil {
		c.Out.Int(0)
		return
	}
	c.Out.Int(int64(l.Len()))
}

func lrangeCommand(db *DB, c *Call) {
	start, ok := argInt(c, c.Argv[2], "")
	if !ok {
		return
	}
	end, ok := argInt(c, c.Argv[3], "")
	if !ok {
		return
	}
	l, ok := readValue[*List](db, c, c.Argv[1])
	if !ok {
		return
	}
	if l == nil {
		c.Out.Array(0)
		return
	}
	start, end, ok = indexRange(start, end, int64(l.Len()))
	if !ok {
		c.Out.Array(0)
		return
	}
	c.Out.Array(int(end - start + 1))
	for i := start; i <= end; i++ {
		c.Out.BulkString(l.At(int(i)))
	}
}

// listIndex converts a possibly negative index; ok is false if out of range.
func listIndex(i int64, n int) (int, bool) {
	if i < 0 {
		i += int64(n)
	}
	if i < 0 || i >= int64(n) {
		return 0, false
	}
	return int(i), true
}

func lindexCommand(db *DB, c *Call) {
	l, ok := readValue[*List](db, c, c.Argv[1])
	if !ok {
		return
	}
	if l == nil {
		c.Out.NullBulk()
		return
	}
	idx, ok := argInt(c, c.Argv[2], "")
	if !ok {
		return
	}
	if i, ok := listIndex(idx, l.Len()); ok {
		c.Out.BulkString(l.At(i))
	} else {
		c.Out.NullBulk()
	}
}

func lsetCommand(db *DB, c *Call) {
	l, ok := lookupValue[*List](db, c, c.Argv[1])
	if !ok {
		return
	}
	if l == nil {
		c.Out.Error(ErrNoSuchKey)
		return
	}
	idx, ok := argInt(c, c.Argv[2], "")
	if !ok {
		return
	}
	i, ok := listIndex(idx, l.Len())
	if !ok {
		c.Out.Error(ErrIndexRange)
		return
	}
	l.SetAt(i, string(c.Argv[3]))
	db.Touch(string(c.Argv[1]))
	c.PropagateAsIs()
	c.Out.OK()
	db.notify(c, NotifyList, "lset", c.Argv[1])
}

func linsertCommand(db *DB, c *Call) {
	var after bool
	switch {
	case equalFold(c.Argv[2], "after"):
		after = true
	case equalFold(c.Argv[2], "before"):
	default:
		c.Out.Error(ErrSyntax)
		return
	}
	l, ok := lookupValue[*List](db, c, c.Argv[1])
	if !ok {
		return
	}
	if l == nil {
		c.Out.Int(0)
		return
	}
	pivot := string(c.Argv[3])
	for i := 0; i < l.Len(); i++ {
		if l.At(i) == pivot {
			if after {
				i++
			}
			l.Insert(i, string(c.Argv[4]))
			db.Touch(string(c.Argv[1]))
			db.notify(c, NotifyList, "linsert", c.Argv[1])
			c.PropagateAsIs()
			c.Out.Int(int64(l.Len()))
			return
		}
	}
	c.Out.Int(-1)
}

func lremCommand(db *DB, c *Call) {
	toRemove, ok := argInt(c, c.Argv[2], "")
	if !ok {
		return
	}
	l, ok := lookupValue[*List](db, c, c.Argv[1])
	if !ok {
		return
	}
	if l == nil {
		c.Out.Int(0)
		return
	}
	elem := string(c.Argv[3])
	fromTail := toRemove < 0
	if fromTail {
		toRemove = -toRemove // stays negative for MinInt64: no limit, as in Redis
	}
	// Mark the indexes to remove, scanning from the chosen end.
	var removed int64
	drop := make(map[int]struct{})
	n := l.Len()
	for k := 0; k < n; k++ {
		i := k
		if fromTail {
			i = n - 1 - k
		}
		if l.At(i) == elem {
			drop[i] = struct{}{}
			removed++
			if toRemove != 0 && removed == toRemove {
				break
			}
		}
	}
	if removed > 0 {
		l.Filter(func(i int, _ string) bool {
			_, d := drop[i]
			return !d
		})
		key := string(c.Argv[1])
		db.notifyKey(c, NotifyList, "lrem", key)
		if l.Len() == 0 {
			db.Delete(key)
			db.notifyKey(c, NotifyGeneric, "del", key)
		} else {
			db.Touch(key)
		}
		c.PropagateAsIs()
	}
	c.Out.Int(removed)
}

func ltrimCommand(db *DB, c *Call) {
	start, ok := argInt(c, c.Argv[2], "")
	if !ok {
		return
	}
	end, ok := argInt(c, c.Argv[3], "")
	if !ok {
		return
	}
	l, ok := lookupValue[*List](db, c, c.Argv[1])
	if !ok {
		return
	}
	if l == nil {
		c.Out.OK()
		return
	}
	n := int64(l.Len())
	keep := int64(0)
	if start, end, ok = indexRange(start, end, n); ok {
		keep = end - start + 1
	} else {
		start = 0
	}
	key := string(c.Argv[1])
	db.notifyKey(c, NotifyList, "ltrim", key) // even if it trims nothing
	if keep < n {
		if keep == 0 {
			db.Delete(key)
			db.notifyKey(c, NotifyGeneric, "del", key)
		} else {
			l.Trim(int(start), int(keep))
			db.Touch(key)
		}
		c.PropagateAsIs()
	} else {
		db.signalModified(key) // as Redis: a WATCH of the list fails even so
	}
	c.Out.OK()
}

func lposCommand(db *DB, c *Call) {
	rank, count, maxLen := int64(1), int64(-1), int64(0)
	for j := 3; j < len(c.Argv); j++ {
		more := len(c.Argv) - 1 - j
		var ok bool
		switch {
		case equalFold(c.Argv[j], "rank") && more > 0:
			j++
			if rank, ok = argInt(c, c.Argv[j], ""); !ok {
				return
			}
			if rank == 0 {
				c.Out.Error("ERR RANK can't be zero: use 1 to start from the first match, 2 from the second ... or use negative to start from the end of the list")
				return
			}
		case equalFold(c.Argv[j], "count") && more > 0:
			j++
			if count, ok = argPositive(c, c.Argv[j], "COUNT can't be negative"); !ok {
				return
			}
		case equalFold(c.Argv[j], "maxlen") && more > 0:
			j++
			if maxLen, ok = argPositive(c, c.Argv[j], "MAXLEN can't be negative"); !ok {
				return
			}
		default:
			c.Out.Error(ErrSyntax)
			return
		}
	}
	fromTail := rank < 0
	if fromTail {
		rank = -rank
	}
	l, ok := readValue[*List](db, c, c.Argv[1])
	if !ok {
		return
	}
	if l == nil {
		if count != -1 {
			c.Out.Array(0)
		} else {
			c.Out.NullBulk()
		}
		return
	}
	elem := string(c.Argv[2])
	n := int64(l.Len())
	var matches int64
	var found []int64
	for k := int64(0); k < n && (maxLen == 0 || k < maxLen); k++ {
		i := k
		if fromTail {
			i = n - 1 - k
		}
		if l.At(int(i)) != elem {
			continue
		}
		matches++
		if matches >= rank {
			found = append(found, i)
			if count == -1 || count != 0 && matches-rank+1 >= count {
				break
			}
		}
	}
	if count != -1 {
		c.Out.Array(len(found))
		for _, i := range found {
			c.Out.Int(i)
		}
		return
	}
	if len(found) > 0 {
		c.Out.Int(found[0])
	} else {
		c.Out.NullBulk()
	}
}

// listWhere parses LEFT or RIGHT; it replies a syntax error otherwise.
func listWhere(c *Call, b []byte) (front, ok bool) {
	switch {
	case equalFold(b, "left"):
		return true, true
	case equalFold(b, "right"):
		return false, true
	}
	c.Out.Error(ErrSyntax)
	return false, false
}

func lmoveCommand(db *DB, c *Call) {
	if from, to, ok := listWheres(c); ok {
		listMove(db, c, from, to)
	}
}

// listWheres parses LMOVE's and BLMOVE's two ends (argv[3], argv[4]).
func listWheres(c *Call) (from, to, ok bool) {
	if from, ok = listWhere(c, c.Argv[3]); ok {
		to, ok = listWhere(c, c.Argv[4])
	}
	return from, to, ok
}

func rpoplpushCommand(db *DB, c *Call) { listMove(db, c, false, true) }

// listMove pops from the source's end (front: head) and pushes onto the
// destination's.
func listMove(db *DB, c *Call, fromFront, toFront bool) {
	src, ok := lookupValue[*List](db, c, c.Argv[1])
	if !ok {
		return
	}
	if src == nil {
		c.Out.NullBulk()
		return
	}
	dst, ok := lookupValue[*List](db, c, c.Argv[2])
	if !ok {
		return
	}
	var v string
	if fromFront {
		v = src.PopFront()
	} else {
		v = src.PopBack()
	}
	dkey := string(c.Argv[2])
	if dst == nil {
		dst = NewList()
		db.Set(c, dkey, dst, 0)
	}
	if toFront {
		dst.PushFront(v)
	} else {
		dst.PushBack(v)
	}
	db.Touch(dkey)
	// As Redis's lmoveGenericCommand: the push's event and the reply,
	// then the pop's.
	db.notifyKey(c, NotifyList, listEvent(toFront, "push"), dkey)
	c.Out.BulkString(v)
	listPopped(db, c, string(c.Argv[1]), src, fromFront)
	// LMOVE for RPOPLPUSH, BLMOVE and BRPOPLPUSH too: the effect must not
	// block, and says both ends.
	c.Propagate([]byte("LMOVE"), c.Argv[1], c.Argv[2], listEnd(fromFront), listEnd(toFront))
}

func listEnd(front bool) []byte {
	if front {
		return []byte("LEFT")
	}
	return []byte("RIGHT")
}
