package engine

import (
	"bytes"
	"math"
	"strconv"
)

// A string value is a []byte owned by its entry: handlers copy arguments
// before storing them and modify the stored slice in place (APPEND,
// SETRANGE), then call db.Touch.

// stringsMaxLen is proto-max-bulk-len's default (512 MB), the largest string
// APPEND and SETRANGE may build.
const stringsMaxLen = 512 << 20

const errStringsTooLong = "ERR string exceeds maximum allowed size (proto-max-bulk-len)"

// stringCommands: GET SET SETNX SETEX PSETEX MGET MSET MSETNX INCR DECR INCRBY
// DECRBY INCRBYFLOAT APPEND STRLEN GETRANGE SUBSTR SETRANGE GETDEL GETEX
// GETSET.
func stringCommands() []*Command {
	ro, rof := []string{FlagReadOnly}, []string{FlagReadOnly, FlagFast}
	w, wf := []string{FlagWrite, FlagDenyOOM}, []string{FlagWrite, FlagDenyOOM, FlagFast}
	cmds := []*Command{
		{Name: "get", Arity: 2, Flags: rof, FirstKey: 1, LastKey: 1, Step: 1, Handler: stringsGet},
		{Name: "set", Arity: -3, Flags: w, FirstKey: 1, LastKey: 1, Step: 1, Handler: stringsSet},
		{Name: "setnx", Arity: 3, Flags: wf, FirstKey: 1, LastKey: 1, Step: 1, Handler: stringsSetNX},
		{Name: "setex", Arity: 4, Flags: w, FirstKey: 1, LastKey: 1, Step: 1, Handler: stringsSetEX},
		{Name: "psetex", Arity: 4, Flags: w, FirstKey: 1, LastKey: 1, Step: 1, Handler: stringsPSetEX},
		{Name: "mget", Arity: -2, Flags: rof, FirstKey: 1, LastKey: -1, Step: 1, Handler: stringsMGet},
		{Name: "mset", Arity: -3, Flags: w, FirstKey: 1, LastKey: -1, Step: 2, Handler: stringsMSet},
		{Name: "msetnx", Arity: -3, Flags: w, FirstKey: 1, LastKey: -1, Step: 2, Handler: stringsMSetNX},
		{Name: "append", Arity: 3, Flags: wf, FirstKey: 1, LastKey: 1, Step: 1, Handler: stringsAppend},
		{Name: "strlen", Arity: 2, Flags: rof, FirstKey: 1, LastKey: 1, Step: 1, Handler: stringsStrlen},
		{Name: "getrange", Arity: 4, Flags: ro, FirstKey: 1, LastKey: 1, Step: 1, Handler: stringsGetRange},
		{Name: "setbit", Arity: 4, Flags: w, FirstKey: 1, LastKey: 1, Step: 1, Handler: setbitCommand},
		{Name: "getbit", Arity: 3, Flags: rof, FirstKey: 1, LastKey: 1, Step: 1, Handler: getbitCommand},
		{Name: "bitcount", Arity: -2, Flags: ro, FirstKey: 1, LastKey: 1, Step: 1, Handler: bitcountCommand},
		{Name: "bitpos", Arity: -3, Flags: ro, FirstKey: 1, LastKey: 1, Step: 1, Handler: bitposCommand},
		{Name: "bitop", Arity: -4, Flags: w, FirstKey: 2, LastKey: -1, Step: 1, Handler: bitopCommand},
		{Name: "lcs", Arity: -3, Flags: ro, FirstKey: 1, LastKey: 2, Step: 1, Handler: lcsCommand},
		{Name: "substr", Arity: 4, Flags: ro, FirstKey: 1, LastKey: 1, Step: 1, Handler: stringsGetRange},
		{Name: "setrange", Arity: 4, Flags: w, FirstKey: 1, LastKey: 1, Step: 1, Handler: stringsSetRange},
		{Name: "getdel", Arity: 2, Flags: []string{FlagWrite, FlagFast}, FirstKey: 1, LastKey: 1, Step: 1, Handler: stringsGetDel},
		{Name: "getex", Arity: -2, Flags: []string{FlagWrite, FlagFast}, FirstKey: 1, LastKey: 1, Step: 1, Handler: stringsGetEx},
		{Name: "getset", Arity: 3, Flags: wf, FirstKey: 1, LastKey: 1, Step: 1, Handler: stringsGetSet},
	}
	return append(cmds, incrCommands()...)
}

// stringsLookup returns key's entry (nil if missing) and string value; ok
// is false, and the WRONGTYPE error written, for a value of another type.
// For a key the command only writes (APPEND, SETRANGE).
func stringsLookup(db *DB, c *Call, key []byte) (e *Entry, v []byte, ok bool) {
	return stringsOf(c, db.Lookup(c, key))
}

// stringsRead is stringsLookup for a key the command reads: it counts a
// keyspace hit or miss (see lookupRead).
func stringsRead(db *DB, c *Call, key []byte) (e *Entry, v []byte, ok bool) {
	return stringsOf(c, db.lookupRead(c, key))
}

// stringsOf returns e and its string value; ok is false, and the
// WRONGTYPE error written, for a value of another type.
func stringsOf(c *Call, e *Entry) (_ *Entry, v []byte, ok bool) {
	if e == nil {
		return nil, nil, true
	}
	v, isString := e.Value.([]byte)
	if !isString {
		c.Out.Error(ErrWrongType)
		return e, nil, false
	}
	return e, v, true
}

func stringsCopy(b []byte) []byte { return append(make([]byte, 0, len(b)), b...) }

func stringsGet(db *DB, c *Call) {
	e, v, ok := stringsRead(db, c, c.Argv[1])
	switch {
	case !ok:
	case e == nil:
		c.Out.NullBulk()
	default:
		c.Out.Bulk(v)
	}
}

// SET's and GETEX's options (Redis's OBJ_* flags).
const (
	stringsNX = 1 << iota
	stringsXX
	stringsGetFlag
	stringsKeepTTL
	stringsPersist
	stringsEX
	stringsPX
	stringsEXAT
	stringsPXAT
)

const stringsAnyExpire = stringsEX | stringsPX | stringsEXAT | stringsPXAT

// stringsExpireOpts maps the expire options of SET and GETEX to their flags.
var stringsExpireOpts = map[string]int{"EX": stringsEX, "PX": stringsPX, "EXAT": stringsEXAT, "PXAT": stringsPXAT}

// stringsParseOptions is parseExtendedStringArgumentsOrReply: the options
// of SET (from Argv[3], isSet) or GETEX (from Argv[2]), with Redis's rules
// on which may be combined; repeating an option is allowed. It writes the
// syntax error itself.
func stringsParseOptions(c *Call, isSet bool) (flags int, expire []byte, ok bool) {
	j := 2
	if isSet {
		j = 3
	}
	for ; j < len(c.Argv); j++ {
		opt := string(bytes.ToUpper(cString(c.Argv[j])))
		hasNext := j < len(c.Argv)-1
		switch {
		case opt == "NX" && flags&stringsXX == 0 && isSet:
			flags |= stringsNX
		case opt == "XX" && flags&stringsNX == 0 && isSet:
			flags |= stringsXX
		case opt == "GET" && isSet:
			flags |= stringsGetFlag
		case opt == "KEEPTTL" && flags&(stringsPersist|stringsAnyExpire) == 0 && isSet:
			flags |= stringsKeepTTL
		case opt == "PERSIST" && !isSet && flags&(stringsAnyExpire|stringsKeepTTL) == 0:
			flags |= stringsPersist
		case stringsExpireOpts[opt] != 0 && hasNext &&
			flags&(stringsKeepTTL|stringsPersist|stringsAnyExpire&^stringsExpireOpts[opt]) == 0:
			// EX, PX, EXAT or PXAT: exclusive of each other (repeating one
			// is allowed), of KEEPTTL and of PERSIST.
			flags |= stringsExpireOpts[opt]
			expire = c.Argv[j+1]
			j++
		default:
			c.Out.Error(ErrSyntax)
			return 0, nil, false
		}
	}
	return flags, expire, true
}

// stringsExpireAt is getExpireMillisecondsOrReply: the absolute expiry in
// unix ms for an EX/PX/EXAT/PXAT argument, or the "invalid expire time"
// error (non-positive, or overflowing) written in the command's name.
func stringsExpireAt(c *Call, flags int, arg []byte, cmd string) (int64, bool) {
	ms, ok := argInt(c, arg, "")
	if !ok {
		return 0, false
	}
	seconds := flags&(stringsEX|stringsEXAT) != 0
	if ms <= 0 || (seconds && ms > math.MaxInt64/1000) {
		c.Out.Error(expireInvalidTime(cmd))
		return 0, false
	}
	if seconds {
		ms *= 1000
	}
	if flags&(stringsEX|stringsPX) != 0 {
		ms += c.Now // wraps negative on overflow, as in C
	}
	if ms <= 0 {
		c.Out.Error(expireInvalidTime(cmd))
		return 0, false
	}
	return ms, true
}

func stringsSet(db *DB, c *Call) {
	flags, expire, ok := stringsParseOptions(c, true)
	if !ok {
		return
	}
	stringsSetGeneric(db, c, flags, expire, c.Argv[2], "set", nil, nil)
}

func stringsSetNX(db *DB, c *Call) {
	stringsSetGeneric(db, c, stringsNX, nil, c.Argv[2], "setnx", func() { c.Out.Int(1) }, func() { c.Out.Int(0) })
}

func stringsSetEX(db *DB, c *Call) {
	stringsSetGeneric(db, c, stringsEX, c.Argv[2], c.Argv[3], "setex", nil, nil)
}

func stringsPSetEX(db *DB, c *Call) {
	stringsSetGeneric(db, c, stringsPX, c.Argv[2], c.Argv[3], "psetex", nil, nil)
}

// stringsSetGeneric is Redis's setGenericCommand. okReply and abortReply
// default to +OK and a null bulk. The effect is SET key value, with PXAT
// <absolute ms> for an expiry or KEEPTTL: never relative, never NX/XX/GET.
func stringsSetGeneric(db *DB, c *Call, flags int, expire, val []byte, cmd string, okReply, abortReply func()) {
	key := c.Argv[1]
	var at int64
	if expire != nil {
		var ok bool
		if at, ok = stringsExpireAt(c, flags, expire, cmd); !ok {
			return
		}
	}
	if flags&stringsGetFlag != 0 {
		e, v, ok := stringsRead(db, c, key)
		if !ok {
			return
		}
		if e == nil {
			c.Out.NullBulk()
		} else {
			c.Out.Bulk(v)
		}
	}
	e := db.Lookup(c, key)
	if (flags&stringsNX != 0 && e != nil) || (flags&stringsXX != 0 && e == nil) {
		if flags&stringsGetFlag == 0 {
			if abortReply != nil {
				abortReply()
			} else {
				c.Out.NullBulk()
			}
		}
		return
	}
	switch {
	case expire != nil:
		db.setArg(c, string(key), stringsCopy(val), at)
		db.notify(c, NotifyString, "set", key)
		db.notify(c, NotifyGeneric, "expire", key)
		c.Propagate([]byte("SET"), key, val, []byte("PXAT"), strconv.AppendInt(nil, at, 10))
	case flags&stringsKeepTTL != 0 && e != nil:
		db.setArg(c, string(key), stringsCopy(val), e.ExpireAt)
		db.notify(c, NotifyString, "set", key)
		c.Propagate([]byte("SET"), key, val, []byte("KEEPTTL"))
	default:
		db.setArg(c, string(key), stringsCopy(val), 0)
		db.notify(c, NotifyString, "set", key)
		c.Propagate([]byte("SET"), key, val)
	}
	if flags&stringsGetFlag == 0 {
		if okReply != nil {
			okReply()
		} else {
			c.Out.OK()
		}
	}
}

func stringsMGet(db *DB, c *Call) {
	c.Out.Array(len(c.Argv) - 1)
	for _, key := range c.Argv[1:] {
		if v, ok := stringsValue(db.lookupRead(c, key)); ok {
			c.Out.Bulk(v)
		} else {
			c.Out.NullBulk()
		}
	}
}

// stringsValue returns e's string value; ok is false for a nil entry or
// another type.
func stringsValue(e *Entry) (v []byte, ok bool) {
	if e == nil {
		return nil, false
	}
	v, ok = e.Value.([]byte)
	return v, ok
}

func stringsMSet(db *DB, c *Call) {
	if len(c.Argv)%2 == 0 {
		c.Out.Error(ArityError("mset"))
		return
	}
	stringsMSetAll(db, c)
	c.Out.OK()
}

// stringsMSetAll sets every key/value pair of Argv (the last pair of a
// repeated key wins, as in Redis) and propagates them as one MSET.
func stringsMSetAll(db *DB, c *Call) {
	for i := 1; i < len(c.Argv); i += 2 {
		db.setArg(c, string(c.Argv[i]), stringsCopy(c.Argv[i+1]), 0)
		db.notify(c, NotifyString, "set", c.Argv[i])
	}
	eff := append([][]byte{[]byte("MSET")}, c.Argv[1:]...)
	c.PropagateOwned(eff)
}

func stringsMSetNX(db *DB, c *Call) {
	if len(c.Argv)%2 == 0 {
		c.Out.Error(ArityError("msetnx"))
		return
	}
	for i := 1; i < len(c.Argv); i += 2 {
		if db.Lookup(c, c.Argv[i]) != nil {
			c.Out.Int(0)
			return
		}
	}
	stringsMSetAll(db, c)
	c.Out.Int(1)
}

func stringsAppend(db *DB, c *Call) {
	key, add := c.Argv[1], c.Argv[2]
	e, v, ok := stringsLookup(db, c, key)
	if !ok {
		return
	}
	if e == nil {
		db.setArg(c, string(key), stringsCopy(add), 0) // Redis stores the argument
		db.notify(c, NotifyString, "append", key)
		c.Out.Int(int64(len(add)))
		c.PropagateAsIs()
		return
	}
	if len(v)+len(add) > stringsMaxLen {
		c.Out.Error(errStringsTooLong)
		return
	}
	e.Value, e.strEnc, e.execArg = append(v, add...), strRaw, false
	db.Touch(string(key))
	db.notify(c, NotifyString, "append", key)
	c.Out.Int(int64(len(v) + len(add)))
	c.PropagateAsIs()
}

func stringsStrlen(db *DB, c *Call) {
	_, v, ok := stringsRead(db, c, c.Argv[1])
	if ok {
		c.Out.Int(int64(len(v)))
	}
}

func stringsGetRange(db *DB, c *Call) {
	start, ok1 := argInt(c, c.Argv[2], "")
	if !ok1 {
		return
	}
	end, ok2 := argInt(c, c.Argv[3], "")
	if !ok2 {
		return
	}
	e, v, ok := stringsRead(db, c, c.Argv[1])
	if !ok {
		return
	}
	if e == nil || (start < 0 && end < 0 && start > end) {
		c.Out.Bulk(nil)
		return
	}
	n := int64(len(v))
	if start < 0 {
		start += n
	}
	if end < 0 {
		end += n
	}
	start, end = max(start, 0), max(end, 0)
	if end >= n {
		end = n - 1
	}
	if start > end || n == 0 {
		c.Out.Bulk(nil)
		return
	}
	c.Out.Bulk(v[start : end+1])
}

func stringsSetRange(db *DB, c *Call) {
	key, val := c.Argv[1], c.Argv[3]
	offset, ok := argInt(c, c.Argv[2], "")
	if !ok {
		return
	}
	if offset < 0 {
		c.Out.Error("ERR offset is out of range")
		return
	}
	e, v, ok := stringsLookup(db, c, key)
	if !ok {
		return
	}
	if len(val) == 0 { // setting nothing: no key is created, nothing changes
		c.Out.Int(int64(len(v)))
		return
	}
	if offset > stringsMaxLen-int64(len(val)) {
		c.Out.Error(errStringsTooLong)
		return
	}
	end := int(offset) + len(val)
	if end > len(v) {
		v = append(v, make([]byte, end-len(v))...)
	}
	copy(v[offset:], val)
	if e == nil {
		e = db.Set(c, string(key), v, 0)
	} else {
		e.Value = v
		db.Touch(string(key))
	}
	e.strEnc, e.execArg = strRaw, false
	db.notify(c, NotifyString, "setrange", key)
	c.Out.Int(int64(len(v)))
	c.PropagateAsIs()
}

func stringsGetDel(db *DB, c *Call) {
	key := c.Argv[1]
	e, v, ok := stringsRead(db, c, key)
	switch {
	case !ok:
	case e == nil:
		c.Out.NullBulk()
	default:
		c.Out.Bulk(v)
		db.Delete(string(key))
		db.notify(c, NotifyGeneric, "del", key)
		c.Propagate([]byte("DEL"), key)
	}
}

func stringsGetSet(db *DB, c *Call) {
	key, val := c.Argv[1], c.Argv[2]
	e, v, ok := stringsRead(db, c, key)
	if !ok {
		return
	}
	if e == nil {
		c.Out.NullBulk()
	} else {
		c.Out.Bulk(v)
	}
	db.setArg(c, string(key), stringsCopy(val), 0)
	db.notify(c, NotifyString, "set", key)
	c.Propagate([]byte("SET"), key, val)
}

// stringsGetEx is GETEX: the value, and an expiry change propagated as
// PEXPIREAT (or DEL for an EXAT/PXAT already past, PERSIST for PERSIST).
func stringsGetEx(db *DB, c *Call) {
	key := c.Argv[1]
	flags, expire, ok := stringsParseOptions(c, false)
	if !ok {
		return
	}
	e, v, ok := stringsRead(db, c, key)
	if !ok {
		return
	}
	if e == nil {
		c.Out.NullBulk()
		return
	}
	var at int64
	if expire != nil {
		if at, ok = stringsExpireAt(c, flags, expire, "getex"); !ok {
			return
		}
	}
	c.Out.Bulk(v)
	switch {
	case flags&(stringsEXAT|stringsPXAT) != 0 && at <= c.Now && !c.Replay:
		db.Delete(string(key))
		db.notify(c, NotifyGeneric, "del", key)
		c.Propagate([]byte("DEL"), key)
	case expire != nil:
		db.SetExpire(string(key), e, at)
		db.notify(c, NotifyGeneric, "expire", key)
		c.Propagate([]byte("PEXPIREAT"), key, strconv.AppendInt(nil, at, 10))
	case flags&stringsPersist != 0 && e.ExpireAt != 0:
		db.SetExpire(string(key), e, 0)
		db.notify(c, NotifyGeneric, "persist", key)
		c.Propagate([]byte("PERSIST"), key)
	}
}
