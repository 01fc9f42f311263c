package engine

import (
	"bytes"
	"fmt"
	"strings"
)

// keyCommands: DEL UNLINK EXISTS TYPE KEYS SCAN RENAME RENAMENX COPY EXPIRE
// PEXPIRE EXPIREAT PEXPIREAT TTL PTTL EXPIRETIME PEXPIRETIME PERSIST
// RANDOMKEY TOUCH DBSIZE FLUSHDB FLUSHALL MOVE SWAPDB.
//
// memshard has one database, 0, and answers as Redis configured with
// "databases 1": COPY ... DB n, MOVE key n and SWAPDB with n other than 0
// reply "ERR DB index is out of range"; MOVE to 0 is a move onto itself.
func keyCommands() []*Command {
	rof := []string{FlagReadOnly, FlagFast}
	cmds := []*Command{
		{Name: "del", Arity: -2, Flags: []string{FlagWrite}, FirstKey: 1, LastKey: -1, Step: 1, Handler: keysDel},
		{Name: "unlink", Arity: -2, Flags: []string{FlagWrite, FlagFast}, FirstKey: 1, LastKey: -1, Step: 1, Handler: keysDel},
		{Name: "exists", Arity: -2, Flags: rof, FirstKey: 1, LastKey: -1, Step: 1, Handler: keysExists},
		{Name: "touch", Arity: -2, Flags: rof, FirstKey: 1, LastKey: -1, Step: 1, Handler: keysExists},
		{Name: "type", Arity: 2, Flags: rof, FirstKey: 1, LastKey: 1, Step: 1, Handler: keysType},
		{Name: "rename", Arity: 3, Flags: []string{FlagWrite}, FirstKey: 1, LastKey: 2, Step: 1, Handler: keysRename(false)},
		{Name: "renamenx", Arity: 3, Flags: []string{FlagWrite, FlagFast}, FirstKey: 1, LastKey: 2, Step: 1, Handler: keysRename(true)},
		{Name: "copy", Arity: -3, Flags: []string{FlagWrite, FlagDenyOOM}, FirstKey: 1, LastKey: 2, Step: 1, Handler: keysCopy},
		{Name: "randomkey", Arity: 1, Flags: []string{FlagReadOnly}, Handler: keysRandom},
		{Name: "dbsize", Arity: 1, Flags: rof, Handler: keysDBSize},
		{Name: "flushdb", Arity: -1, Flags: []string{FlagWrite}, Handler: keysFlush},
		{Name: "flushall", Arity: -1, Flags: []string{FlagWrite}, Handler: keysFlush},
		{Name: "move", Arity: 3, Flags: []string{FlagWrite, FlagFast}, FirstKey: 1, LastKey: 1, Step: 1, Handler: keysMove},
		{Name: "swapdb", Arity: 3, Flags: []string{FlagWrite, FlagFast}, Handler: keysSwapDB},
	}
	cmds = append(cmds, expireCommands()...)
	cmds = append(cmds, sortCommands()...)
	return append(cmds, scanCommands()...)
}

// keysDel is DEL and UNLINK: it propagates itself with only the keys it
// deleted (nothing if none; a key found expired propagates its own DEL).
func keysDel(db *DB, c *Call) {
	deleted := [][]byte{c.Argv[0]}
	for _, key := range c.Argv[1:] {
		// A replayed DEL deletes even a key that is logically expired: it
		// is often the primary's DEL of exactly that key.
		if (c.Replay || db.Lookup(c, key) != nil) && db.Delete(string(key)) {
			db.notify(c, NotifyGeneric, "del", key)
			deleted = append(deleted, key)
		}
	}
	c.Out.Int(int64(len(deleted) - 1))
	if len(deleted) > 1 {
		c.PropagateOwned(deleted)
	}
}

// keysExists is EXISTS and TOUCH: how many of the keys exist, a repeated
// key counting each time.
func keysExists(db *DB, c *Call) {
	c.noTouch = true
	var n int64
	for _, key := range c.Argv[1:] {
		if db.lookupRead(c, key) != nil {
			n++
		}
	}
	c.Out.Int(n)
}

func keysType(db *DB, c *Call) {
	c.noTouch = true
	e := db.lookupRead(c, c.Argv[1])
	if e == nil {
		c.Out.Simple("none")
		return
	}
	c.Out.Simple(e.TypeName())
}

// keysRename is RENAME and RENAMENX: the value and its expiry move to the
// new name. Deterministic, it propagates as sent.
func keysRename(nx bool) func(db *DB, c *Call) {
	return func(db *DB, c *Call) { keysRenameGeneric(db, c, nx) }
}

func keysRenameGeneric(db *DB, c *Call, nx bool) {
	src, dst := c.Argv[1], c.Argv[2]
	e := db.Lookup(c, src)
	if e == nil {
		c.Out.Error(ErrNoSuchKey)
		return
	}
	if bytes.Equal(src, dst) {
		if nx {
			c.Out.Int(0)
		} else {
			c.Out.OK()
		}
		return
	}
	if db.Lookup(c, dst) != nil && nx {
		c.Out.Int(0)
		return
	}
	// src goes first: Redis signals the change of src, then of dst (the
	// order CLIENT TRACKING invalidates them in).
	db.Delete(string(src))
	moved, _ := db.store(string(dst), e.Value, e.ExpireAt) // the same object, in Redis
	db.signalCreated(string(dst), e.Value)                 // Redis deletes dst, then adds it
	db.notify(c, NotifyNew, "new", dst)
	moved.strEnc = e.strEnc
	if e.execArg {
		moved.execArg = true
		db.execArgs = append(db.execArgs, moved)
	}
	db.notify(c, NotifyGeneric, "rename_from", src)
	db.notify(c, NotifyGeneric, "rename_to", dst)
	if nx {
		c.Out.Int(1)
	} else {
		c.Out.OK()
	}
	c.PropagateAsIs()
}

// keysCopy is COPY source destination [DB 0] [REPLACE]. Deterministic, it
// propagates as sent.
func keysCopy(db *DB, c *Call) {
	replace := false
	for j := 3; j < len(c.Argv); j++ {
		opt := strings.ToUpper(string(cString(c.Argv[j])))
		switch {
		case opt == "REPLACE":
			replace = true
		case opt == "DB" && j+1 < len(c.Argv):
			n, ok := argInt(c, c.Argv[j+1], "")
			if !ok {
				return
			}
			if n != int64(int32(n)) {
				c.Out.Error("ERR value is out of range, value must between -2147483648 and 2147483647")
				return
			}
			if n != 0 {
				c.Out.Error("ERR DB index is out of range")
				return
			}
			j++
		default:
			c.Out.Error(ErrSyntax)
			return
		}
	}
	src, dst := c.Argv[1], c.Argv[2]
	if bytes.Equal(src, dst) {
		c.Out.Error("ERR source and destination objects are the same")
		return
	}
	e := db.lookupRead(c, src) // Redis reads COPY's source, writes its destination
	if e == nil {
		c.Out.Int(0)
		return
	}
	if db.Lookup(c, dst) != nil && !replace {
		c.Out.Int(0)
		return
	}
	v := keysClone(e.Value)
	moved, _ := db.store(string(dst), v, e.ExpireAt)
	moved.strEnc = e.copiedEncoding()
	db.signalCreated(string(dst), v) // Redis deletes dst, then adds it
	db.notify(c, NotifyNew, "new", dst)
	db.notify(c, NotifyGeneric, "copy_to", dst)
	c.Out.Int(1)
	c.PropagateAsIs()
}

// keysClone returns a deep copy of a value, sharing nothing with it.
func keysClone(v any) any {
	switch x := v.(type) {
	case []byte:
		return stringsCopy(x)
	case *List:
		return x.Clone()
	case *Set:
		return x.Clone()
	case *ZSet:
		return x.Clone()
	case *Hash:
		return x.Clone()
	case *Stream:
		return x.Clone()
	}
	panic(fmt.Sprintf("engine: COPY of a %T", v))
}

// keysRandomTries is how often RANDOMKEY draws an expired key it may not
// delete (on a replica) before returning it anyway, as Redis does when
// every key has an expiry.
const keysRandomTries = 100

// keysRandom is RANDOMKEY. The draw is a random bucket of the keyspace and
// Go's randomized map iteration start: O(1), like Redis's
// dictGetFairRandomKey, and no fairer. An expired key
// drawn on a primary is deleted (DEL) and another drawn.
func keysRandom(db *DB, c *Call) {
	for tries := 1; ; tries++ {
		key, e := db.keys.random()
		if e == nil {
			c.Out.NullBulk()
			return
		}
		if !expired(e, c.Now) {
			c.Out.BulkString(key)
			return
		}
		if !c.Replay && !c.ReadOnlyReplica {
			db.Lookup(c, []byte(key)) // deletes it, propagating DEL
			continue
		}
		if tries >= keysRandomTries && len(db.expires) == db.Len() {
			c.Out.BulkString(key)
			return
		}
	}
}

func keysDBSize(db *DB, c *Call) { c.Out.Int(int64(db.Len())) }

// keysFlush is FLUSHDB and FLUSHALL [ASYNC|SYNC] (both flush the one
// database, synchronously). It propagates as sent.
func keysFlush(db *DB, c *Call) {
	if len(c.Argv) > 2 {
		c.Out.Error(ErrSyntax)
		return
	}
	if len(c.Argv) == 2 {
		switch strings.ToUpper(string(cString(c.Argv[1]))) {
		case "SYNC", "ASYNC":
		default:
			c.Out.Error(ErrSyntax)
			return
		}
	}
	db.Flush()
	c.Out.OK()
	c.PropagateAsIs()
}

// keysMove is MOVE key db with one database: an index that is not an int
// is an error, any but 0 is out of range, and 0 is where the key is.
func keysMove(_ *DB, c *Call) {
	if n, ok := argDBIndex(c, c.Argv[2], ""); !ok {
		return
	} else if n != 0 {
		c.Out.Error("ERR DB index is out of range")
		return
	}
	c.Out.Error("ERR source and destination objects are the same")
}

// keysSwapDB is SWAPDB with one database: swapping 0 with itself changes
// nothing (and propagates nothing).
func keysSwapDB(_ *DB, c *Call) {
	a, ok := argDBIndex(c, c.Argv[1], "invalid first DB index")
	if !ok {
		return
	}
	b, ok := argDBIndex(c, c.Argv[2], "invalid second DB index")
	if !ok {
		return
	}
	if a != 0 || b != 0 {
		c.Out.Error("ERR DB index is out of range")
		return
	}
	c.Out.OK()
}

// argDBIndex is getIntFromObjectOrReply: an int (32 bits), else msg or
// Redis's not-an-integer or out-of-range error.
func argDBIndex(c *Call, b []byte, msg string) (int64, bool) {
	n, ok := parseInt(b)
	switch {
	case ok && n == int64(int32(n)):
		return n, true
	case msg != "":
		c.Out.Error("ERR " + msg)
	case !ok:
		c.Out.Error(ErrNotInteger)
	default:
		c.Out.Error("ERR value is out of range, value must between -2147483648 and 2147483647")
	}
	return 0, false
}
