package engine

import (
	"math"
	"strconv"
	"strings"
)

// KEYS and SCAN.

func scanCommands() []*Command {
	return []*Command{
		{Name: "keys", Arity: 2, Flags: []string{FlagReadOnly}, Handler: scanKeys},
		{Name: "scan", Arity: -2, Flags: []string{FlagReadOnly}, Handler: scanScan},
	}
}

// scanKeys is KEYS pattern. Like Redis 7.0 it skips expired keys without
// deleting them.
func scanKeys(db *DB, c *Call) {
	pattern := c.Argv[1]
	all := string(pattern) == "*"
	var keys []string
	db.Keys(func(k string, e *Entry) bool {
		if (all || stringMatch(pattern, []byte(k))) && !expired(e, c.Now) {
			keys = append(keys, k)
		}
		return true
	})
	c.Out.Array(len(keys))
	for _, k := range keys {
		c.Out.BulkString(k)
	}
}

// scanScan is SCAN cursor [MATCH pattern] [COUNT count] [TYPE type].
//
// Keys are visited in the order of a 64-bit hash of their name (see
// keyspace), and the cursor is the hash to resume from: every key present
// for the whole iteration is returned exactly once (Redis promises at least
// once), and the cursor 0 ends it. Keys sharing a hash are returned together, so a
// call may return more than COUNT keys.
func scanScan(db *DB, c *Call) {
	cursor, ok := parseScanCursor(c.Argv[1])
	if !ok {
		c.Out.Error(errInvalidCursor)
		return
	}
	count := int64(10)
	var pattern, typ []byte
	for i := 2; i < len(c.Argv); i += 2 {
		opt := strings.ToUpper(string(cString(c.Argv[i])))
		if i+1 >= len(c.Argv) {
			c.Out.Error(ErrSyntax)
			return
		}
		switch opt {
		case "COUNT":
			if count, ok = argInt(c, c.Argv[i+1], ""); !ok {
				return
			}
			if count < 1 {
				c.Out.Error(ErrSyntax)
				return
			}
		case "MATCH":
			pattern = c.Argv[i+1]
			if string(pattern) == "*" {
				pattern = nil
			}
		case "TYPE":
			typ = cString(c.Argv[i+1])
		default:
			c.Out.Error(ErrSyntax)
			return
		}
	}
	keys, next := db.keys.scan(cursor, int(min(count, math.MaxInt32)))
	out := keys[:0]
	for _, k := range keys {
		if pattern != nil && !stringMatch(pattern, []byte(k)) {
			continue
		}
		if typ == nil {
			if db.Lookup(c, []byte(k)) != nil { // an expired key is deleted here
				out = append(out, k)
			}
			continue
		}
		// As Redis 7.0 does, the type is read first, by a read lookup (a
		// keyspace hit, or a miss for an expired key, which is deleted):
		// an expired key reads as "none", and then is no longer there to
		// be filtered out as expired.
		name := "none"
		if e := db.lookupRead(c, []byte(k)); e != nil {
			name = e.TypeName()
		}
		if strings.EqualFold(string(typ), name) {
			out = append(out, k)
		}
	}
	c.Out.Array(2)
	c.Out.BulkString(strconv.FormatUint(next, 10))
	c.Out.Array(len(out))
	for _, k := range out {
		c.Out.BulkString(k)
	}
}
