package engine

import (
	"bytes"
	"fmt"
	"math"
	"strconv"
)

// EXPIRE, PEXPIRE, EXPIREAT, PEXPIREAT, TTL, PTTL, EXPIRETIME, PEXPIRETIME
// and PERSIST. Every expiry is stored and propagated as an absolute unix
// time in milliseconds (PEXPIREAT); one already past deletes the key on a
// primary and propagates as DEL.

func expireCommands() []*Command {
	wf, rof := []string{FlagWrite, FlagFast}, []string{FlagReadOnly, FlagFast}
	return []*Command{
		{Name: "expire", Arity: -3, Flags: wf, FirstKey: 1, LastKey: 1, Step: 1, Handler: expireHandler("expire", 1000, false)},
		{Name: "pexpire", Arity: -3, Flags: wf, FirstKey: 1, LastKey: 1, Step: 1, Handler: expireHandler("pexpire", 1, false)},
		{Name: "expireat", Arity: -3, Flags: wf, FirstKey: 1, LastKey: 1, Step: 1, Handler: expireHandler("expireat", 1000, true)},
		{Name: "pexpireat", Arity: -3, Flags: wf, FirstKey: 1, LastKey: 1, Step: 1, Handler: expireHandler("pexpireat", 1, true)},
		{Name: "ttl", Arity: 2, Flags: rof, FirstKey: 1, LastKey: 1, Step: 1, Handler: expireTTL(false, false)},
		{Name: "pttl", Arity: 2, Flags: rof, FirstKey: 1, LastKey: 1, Step: 1, Handler: expireTTL(true, false)},
		{Name: "expiretime", Arity: 2, Flags: rof, FirstKey: 1, LastKey: 1, Step: 1, Handler: expireTTL(false, true)},
		{Name: "pexpiretime", Arity: 2, Flags: rof, FirstKey: 1, LastKey: 1, Step: 1, Handler: expireTTL(true, true)},
		{Name: "persist", Arity: 2, Flags: wf, FirstKey: 1, LastKey: 1, Step: 1, Handler: expirePersist},
	}
}

// expireInvalidTime is Redis's addReplyErrorExpireTime for cmd.
func expireInvalidTime(cmd string) string { return fmt.Sprintf(ErrInvalidExpir, cmd) }

// The NX, XX, GT and LT conditions of the EXPIRE family.
const (
	expireNX = 1 << iota
	expireXX
	expireGT
	expireLT
)

// expireParseFlags is parseExtendedExpireArgumentsOrReply: the conditions
// from Argv[3:]; it writes the error itself.
func expireParseFlags(c *Call) (int, bool) {
	flags := 0
	for _, arg := range c.Argv[3:] {
		opt := cString(arg)
		switch string(bytes.ToUpper(opt)) {
		case "NX":
			flags |= expireNX
		case "XX":
			flags |= expireXX
		case "GT":
			flags |= expireGT
		case "LT":
			flags |= expireLT
		default:
			c.Out.Error("ERR Unsupported option " + string(cString(opt))) // %s in Redis stops at NUL
			return 0, false
		}
	}
	if flags&expireNX != 0 && flags&(expireXX|expireGT|expireLT) != 0 {
		c.Out.Error("ERR NX and XX, GT or LT options at the same time are not compatible")
		return 0, false
	}
	if flags&expireGT != 0 && flags&expireLT != 0 {
		c.Out.Error("ERR GT and LT options at the same time are not compatible")
		return 0, false
	}
	return flags, true
}

// expireHandler is expireGenericCommand: unit is 1000 for seconds, 1 for
// milliseconds; absolute for the *AT forms, else relative to c.Now.
func expireHandler(name string, unit int64, absolute bool) func(db *DB, c *Call) {
	return func(db *DB, c *Call) {
		key := c.Argv[1]
		flags, ok := expireParseFlags(c)
		if !ok {
			return
		}
		when, ok := argInt(c, c.Argv[2], "")
		if !ok {
			return
		}
		if unit == 1000 {
			if when > math.MaxInt64/1000 || when < math.MinInt64/1000 {
				c.Out.Error(expireInvalidTime(name))
				return
			}
			when *= 1000
		}
		var base int64
		if !absolute {
			base = c.Now
		}
		if when > math.MaxInt64-base {
			c.Out.Error(expireInvalidTime(name))
			return
		}
		when += base
		e := db.Lookup(c, key)
		if e == nil || !expireAllowed(flags, e.ExpireAt, when) {
			c.Out.Int(0)
			return
		}
		if when <= c.Now && !c.Replay {
			db.Delete(string(key))
			db.notify(c, NotifyGeneric, "del", key)
			c.Out.Int(1)
			c.Propagate([]byte("DEL"), key)
			return
		}
		db.SetExpire(string(key), e, when)
		c.Out.Int(1)
		db.notify(c, NotifyGeneric, "expire", key)
		c.Propagate([]byte("PEXPIREAT"), key, strconv.AppendInt(nil, when, 10))
	}
}

// expireAllowed applies the NX/XX/GT/LT conditions to a key whose current
// expiry is cur (0: none, which GT and LT take as infinite).
func expireAllowed(flags int, cur, when int64) bool {
	switch {
	case flags&expireNX != 0 && cur != 0:
		return false
	case flags&expireXX != 0 && cur == 0:
		return false
	case flags&expireGT != 0 && (cur == 0 || when <= cur):
		return false
	case flags&expireLT != 0 && cur != 0 && when >= cur:
		return false
	}
	return true
}

// expireTTL is ttlGenericCommand (TTL, PTTL) and expiretimeGenericCommand
// (EXPIRETIME, PEXPIRETIME): -2 for a missing key, -1 for no expiry.
func expireTTL(ms, absolute bool) func(db *DB, c *Call) {
	return func(db *DB, c *Call) {
		c.noTouch = true
		e := db.lookupRead(c, c.Argv[1])
		switch {
		case e == nil:
			c.Out.Int(-2)
		case e.ExpireAt == 0:
			c.Out.Int(-1)
		default:
			ttl := e.ExpireAt
			if !absolute {
				ttl = max(ttl-c.Now, 0)
			}
			if !ms {
				ttl = expireRoundSeconds(ttl)
			}
			c.Out.Int(ttl)
		}
	}
}

// expireRoundSeconds is Redis's (ms+500)/1000 for ms >= 0, computed
// without the overflow near MaxInt64 (where redis-server's compiled code
// also gives the exact quotient).
func expireRoundSeconds(ms int64) int64 { return ms/1000 + (ms%1000+500)/1000 }

func expirePersist(db *DB, c *Call) {
	key := c.Argv[1]
	e := db.Lookup(c, key)
	if e == nil || e.ExpireAt == 0 {
		c.Out.Int(0)
		return
	}
	db.SetExpire(string(key), e, 0)
	db.notify(c, NotifyGeneric, "persist", key)
	c.Out.Int(1)
	c.PropagateAsIs()
}
