package engine

import (
	"strconv"
	"strings"
)

// DUMP key and RESTORE / RESTORE-ASKING key ttl payload [REPLACE] [ABSTTL]
// [IDLETIME seconds] [FREQ frequency], as Redis 7.0's dumpCommand and
// restoreCommand (cluster.c). The payload is rdb_save.go's and
// rdb_load.go's. MIGRATE, which sends them to another server, is in
// migrate.go.

func restoreCommands() []*Command {
	restore := func(name string, flags ...string) *Command {
		return &Command{Name: name, Arity: -4, Flags: append([]string{FlagWrite, FlagDenyOOM}, flags...),
			FirstKey: 1, LastKey: 1, Step: 1, Handler: restoreCmd}
	}
	return []*Command{
		{Name: "dump", Arity: 2, Flags: []string{FlagReadOnly}, FirstKey: 1, LastKey: 1, Step: 1, Handler: dumpCmd},
		restore("restore"),
		restore("restore-asking", FlagAsking),
		migrateCommandDef(),
	}
}

func dumpCmd(db *DB, c *Call) {
	e := db.lookupRead(c, c.Argv[1])
	if e == nil {
		c.Out.NullBulk()
		return
	}
	c.Out.Bulk(dumpPayload(e))
}

const (
	errBusyKey      = "BUSYKEY Target key name already exists."
	errBadTTL       = "ERR Invalid TTL value, must be >= 0"
	errBadIdle      = "ERR Invalid IDLETIME value, must be >= 0"
	errBadFreq      = "ERR Invalid FREQ value, must be >= 0 and <= 255"
	errBadDump      = "ERR " + errBadFunctionDump
	errBadDumpValue = "ERR Bad data format"
)

// restoreArgs are RESTORE's options.
type restoreArgs struct {
	replace, absTTL bool
	idle, freq      int64 // -1: none
}

// parseRestoreArgs reads the options as restoreCommand does: IDLETIME and
// FREQ exclude each other (the second is a syntax error).
func parseRestoreArgs(c *Call) (restoreArgs, bool) {
	a := restoreArgs{idle: -1, freq: -1}
	for j := 4; j < len(c.Argv); j++ {
		more := len(c.Argv) - j - 1
		switch opt := strings.ToLower(string(cString(c.Argv[j]))); {
		case opt == "replace":
			a.replace = true
		case opt == "absttl":
			a.absTTL = true
		case opt == "idletime" && more >= 1 && a.freq == -1:
			v, ok := argInt(c, c.Argv[j+1], "")
			if !ok {
				return a, false
			}
			if v < 0 {
				c.Out.Error(errBadIdle)
				return a, false
			}
			a.idle = v
			j++
		case opt == "freq" && more >= 1 && a.idle == -1:
			v, ok := argInt(c, c.Argv[j+1], "")
			if !ok {
				return a, false
			}
			if v < 0 || v > 255 {
				c.Out.Error(errBadFreq)
				return a, false
			}
			a.freq = v
			j++
		default:
			c.Out.Error(ErrSyntax)
			return a, false
		}
	}
	return a, true
}

// restoreCmd checks, in Redis's order, the options, that the key is free
// (unless REPLACE), the TTL, the payload's footer, then its object. A TTL
// already past deletes the key REPLACE names and creates nothing (a DEL
// then is the effect); otherwise the effect is the command with its TTL
// made absolute (ABSTTL), so that a replica or a log replay sets the
// primary's expiry. A replayed RESTORE creates its key even if the TTL
// has passed since, as a Redis replica does.
func restoreCmd(db *DB, c *Call) {
	a, ok := parseRestoreArgs(c)
	if !ok {
		return
	}
	key := c.Argv[1]
	if !a.replace && db.Lookup(c, key) != nil {
		c.Out.Error(errBusyKey)
		return
	}
	ttl, ok := argInt(c, c.Argv[2], "")
	if !ok {
		return
	}
	if ttl < 0 {
		c.Out.Error(errBadTTL)
		return
	}
	payload := c.Argv[3]
	if !verifyDumpPayload(payload) {
		c.Out.Error(errBadDump)
		return
	}
	v, ok := loadPayload(payload)
	if !ok {
		c.Out.Error(errBadDumpValue)
		return
	}
	if ttl != 0 && !a.absTTL {
		ttl += c.Now
	}
	if ttl != 0 && !c.Replay && ttl <= c.Now {
		if a.replace && db.Delete(string(key)) {
			db.notify(c, NotifyGeneric, "del", key)
			c.Propagate([]byte("DEL"), key)
		}
		c.Out.OK()
		return
	}
	e, _ := db.store(string(key), v, ttl)
	db.signalCreated(string(key), v) // Redis deletes the key replaced, then adds it
	if _, ok := v.(*Stream); ok {
		db.signalReady(string(key)) // dbAdd signals a new stream too
	}
	db.notify(c, NotifyNew, "new", key)
	// objectSetLRUOrLFU: FREQ under an LFU policy, IDLETIME under another;
	// the other option is checked and ignored.
	switch {
	case db.lfu && a.freq >= 0:
		*db.accessField(e) = db.lfuNow()<<8 | uint32(a.freq)
	case !db.lfu && a.idle >= 0:
		db.setIdle(e, a.idle)
	}
	db.notify(c, NotifyGeneric, "restore", key)
	c.Out.OK()
	if ttl == 0 || a.absTTL {
		c.PropagateAsIs()
		return
	}
	argv := append(append([][]byte(nil), c.Argv...), []byte("ABSTTL"))
	argv[2] = strconv.AppendInt(nil, ttl, 10)
	c.PropagateOwned(argv)
}

// lruClockMax is Redis's LRU_CLOCK_MAX: its access times are seconds on a
// 24-bit clock.
const lruClockMax = 1<<24 - 1

// setIdle sets e's access time idle seconds back as Redis 7.0's
// objectSetLRUOrLFU does it, on its 24-bit LRU clock of seconds: the idle
// time in milliseconds (which wraps past 64 bits) back to seconds, the
// access time that far back on the clock (its low 24 bits: an idle time
// longer than the clock's value wraps around), which OBJECT IDLETIME then
// reads back (estimateObjectIdleTime). A shared integer's access time is
// the shared object's.
func (db *DB) setIdle(e *Entry, idle int64) {
	clock := int64(db.clock) & lruClockMax
	idle = int64(uint64(idle)*1000) / 1000
	at := (clock - idle) & lruClockMax
	shown := clock - at
	if at > clock {
		shown = clock + lruClockMax - at
	}
	lru := uint32(max(int64(db.clock)-shown, 1))
	if n, ok := e.sharedInt(); ok {
		db.sharedLRU[n] = lru
		return
	}
	e.lru = lru
}
