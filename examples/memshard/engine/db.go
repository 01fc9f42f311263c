package engine

import "github.com/quorumlog/quorumlog/examples/memshard/acl"

// Value types held by keys.
const (
	TypeString = "string"
	TypeList   = "list"
	TypeSet    = "set"
	TypeZSet   = "zset"
	TypeHash   = "hash"
	TypeStream = "stream"
)

// Entry is one key's value and expiry.
type Entry struct {
	// Value is one of: []byte (string), *List, *Set, *ZSet, *Hash.
	Value any
	// ExpireAt is the absolute expiry in unix milliseconds; 0 means none.
	ExpireAt int64
	// lru is when the key was last accessed, in unix seconds (Redis's LRU
	// clock, whose unit is a second): OBJECT IDLETIME.
	lru uint32
	// strEnc says how a string value came to be, which decides the
	// encoding OBJECT ENCODING reports (see Entry.encoding).
	strEnc strEncoding
	// execArg: the value is an argument of a command EXEC is running,
	// which Redis stores as is; the transaction holds it too until EXEC
	// ends, so OBJECT REFCOUNT says 2 meanwhile (DB.EndExec).
	execArg bool
}

// TypeName returns the Redis type name of e's value.
func (e *Entry) TypeName() string {
	switch e.Value.(type) {
	case []byte:
		return TypeString
	case *List:
		return TypeList
	case *Set:
		return TypeSet
	case *ZSet:
		return TypeZSet
	case *Hash:
		return TypeHash
	case *Stream:
		return TypeStream
	}
	return "none"
}

// DB is the keyspace.
type DB struct {
	execArgs []*Entry // entries whose execArg is set, until EndExec
	keys     *keyspace
	expires  map[string]struct{} // keys with an expiry, for active expiry
	modified func(key string)    // called on every key modification (WATCH)
	flushed  func()              // called when FLUSHALL or FLUSHDB empties the DB
	flushing bool                // Flush is signalling its keys to modified
	dirty    uint64              // count of changes, for INFO / persistence stats

	// hits and misses count the read lookups that found a key and that
	// did not (Redis's keyspace_hits and keyspace_misses): only
	// lookupRead touches them. Never reset: the server shows them
	// relative to CONFIG RESETSTAT.
	hits, misses uint64

	// clock is the time of the command being run, in unix seconds: new
	// and accessed keys take it as their access time (Entry.lru).
	clock uint32
	// sharedLRU is the access time of each of Redis's shared integers
	// (0 to 9999): every key holding one shares its object, and so its
	// idle time. Zero means never accessed: since created, the time of
	// the DB's first command.
	sharedLRU [sharedIntegers]uint32
	created   uint32

	// The clients blocked on keys (blocking.go): each key's in the order
	// they blocked, and the keys created since the last ServeBlocked that
	// some of them wait on, in order of creation.
	waiting  map[string][]*Waiter
	ready    []string
	readySet map[string]bool

	scripts   *scriptCache  // EVAL's script cache and Lua state (script.go)
	functions *functionLibs // the function libraries and their Lua state (function.go)

	// users are the shard's ACL users (acl.go); nil until first asked
	// for: the default user only. usersHook hears of each change.
	users     *acl.Users
	usersHook func(UsersChange)
	// aclAllChannels is acl-pubsub-default allchannels: a user ACL
	// SETUSER creates, its new selectors and "reset" get every channel.
	// An effect spells the channels out, so a replay never reads it.
	aclAllChannels bool

	// notifyFlags are the keyspace notifications the commands raise
	// (SetNotify, notify.go); 0: none.
	notifyFlags int

	// evictPool holds the best candidates for eviction seen so far, by
	// ascending score (evict.go).
	evictPool []evictionCandidate
	// maxmem is the node's maxmemory configuration (SetMaxmemory). Under
	// an LFU policy (lfu) Entry.lru holds an access counter (lfu.go); with
	// maxmemory set and an LRU or LFU policy, a small integer stored is a
	// value of its own, not a shared object (noSharedInts), as in Redis,
	// so each key has its own access field.
	maxmem       Maxmemory
	lfu          bool
	noSharedInts bool
}

// SetMaxmemory sets the node's maxmemory configuration: it decides what
// an access records (time or LFU counter) and whether small integers are
// shared, for values stored from now on, as Redis's configuration does.
func (db *DB) SetMaxmemory(m Maxmemory) {
	db.maxmem = m
	db.lfu = m.Policy.lfu()
	db.noSharedInts = m.Limit > 0 && m.Policy != NoEviction && !m.Policy.random() && m.Policy != VolatileTTL
}

// New returns an empty DB.
func New() *DB {
	return &DB{keys: newKeyspace(), expires: make(map[string]struct{})}
}

// SetModifiedHook sets f to be called with the key of every modification,
// including deletion by expiry and FLUSHALL (once per key). Used by WATCH.
func (db *DB) SetModifiedHook(f func(key string)) { db.modified = f }

// SetFlushHook sets f to be called when FLUSHALL or FLUSHDB empties the
// DB, before the modification hook hears of each key it held: client-side
// caching (CLIENT TRACKING) invalidates everything at once, as Redis's
// signalFlushedDb does, not key by key.
func (db *DB) SetFlushHook(f func()) { db.flushed = f }

// Flushing reports whether the modification hook is being called for the
// keys of a flush (see SetFlushHook).
func (db *DB) Flushing() bool { return db.flushing }

// Len returns the number of keys (expired keys not yet removed included).
func (db *DB) Len() int { return db.keys.n }

// Expiring returns the number of keys that have an expiry.
func (db *DB) Expiring() int { return len(db.expires) }

// Changes returns the number of changes made so far.
func (db *DB) Changes() uint64 { return db.dirty }

// KeyspaceStats returns how many read lookups found their key (hits) and
// how many did not (misses), as Redis counts keyspace_hits and
// keyspace_misses: once per key a command reads, whatever its type; never
// for a key a command only writes; never for a replayed effect.
func (db *DB) KeyspaceStats() (hits, misses uint64) { return db.hits, db.misses }

// AddKeyspaceStats adds to the counts KeyspaceStats returns: an owner that
// replaces its DB carries the old one's over (Redis's counters outlive a
// full resync: only CONFIG RESETSTAT zeroes them).
func (db *DB) AddKeyspaceStats(hits, misses uint64) {
	db.hits += hits
	db.misses += misses
}

// Touch reports a modification of key to the hook and counts it.
func (db *DB) Touch(key string) {
	db.dirty++
	db.signalModified(key)
}

// signalModified reports key to the hook (WATCH) without counting a change:
// Redis's signalModifiedKey, which some commands call even when they change
// nothing (LTRIM of a range that keeps everything).
func (db *DB) signalModified(key string) {
	if db.modified != nil {
		db.modified(key)
	}
}

// expired reports whether e is logically expired at now.
func expired(e *Entry, now int64) bool { return e.ExpireAt != 0 && e.ExpireAt <= now }

// Lookup returns key's entry, or nil if it does not exist or is expired. On
// a primary an expired key is deleted and a DEL effect recorded; a replica
// serving a client read leaves it (the primary's DEL will come); a replayed
// effect sees every key, expired or not. It counts no keyspace hit or
// miss: it is Redis's lookupKeyWrite; commands reading a key use
// lookupRead.
func (db *DB) Lookup(c *Call, key []byte) *Entry {
	e := db.keys.getBytes(key)
	if e == nil {
		return nil
	}
	if c.Replay {
		// The primary's effects act on keys as the primary saw them, as a
		// Redis replica applies its master's stream: expiry is the
		// primary's to decide, and its DEL will come.
		db.touch(e)
		return e
	}
	if expired(e, c.Now) {
		if !c.ReadOnlyReplica {
			db.expireKey(c, string(key))
		}
		return nil
	}
	if !c.noTouch {
		db.touch(e)
	}
	return e
}

// touch records an access to e (OBJECT IDLETIME): at its own access time,
// or, for a value Redis keeps as a shared integer, at that object's.
func (db *DB) touch(e *Entry) {
	field := db.accessField(e)
	if db.lfu {
		*field = db.lfuAccess(*field)
		return
	}
	*field = db.clock
}

// accessField is where e's accesses are recorded: its own field, or that
// of the shared integer it holds.
func (db *DB) accessField(e *Entry) *uint32 {
	if n, ok := e.sharedInt(); ok {
		return &db.sharedLRU[n]
	}
	return &e.lru
}

// newAccess is a new value's access field: now, or a new LFU counter.
func (db *DB) newAccess() uint32 {
	if db.lfu {
		return db.lfuNew()
	}
	return db.clock
}

// idle returns how many seconds ago e was last accessed.
func (db *DB) idle(e *Entry) uint32 {
	at := e.lru
	if n, ok := e.sharedInt(); ok {
		if at = db.sharedLRU[n]; at == 0 {
			at = db.created
		}
	}
	return db.clock - min(at, db.clock)
}

// lookupRead is Lookup for a key the command reads (Redis's
// lookupKeyRead): it counts a keyspace hit if the key exists, whatever its
// type, else a miss (an expired key included). Commands that only write a
// key (lookupKeyWrite in Redis: SET, INCR, LPUSH, SMOVE, ...) use Lookup
// and count nothing. A replayed effect counts nothing either: a Redis
// replica applying its master's stream does not, and the primary counted
// the command already. A client read on a replica counts, as in Redis.
// A miss raises "keymiss" (but for OBJECT), replayed or not.
func (db *DB) lookupRead(c *Call, key []byte) *Entry {
	e := db.Lookup(c, key)
	if !c.Replay {
		if e != nil {
			db.hits++
		} else {
			db.misses++
		}
	}
	// A Redis replica notifies of its master's reads of missing keys
	// (SINTERSTORE of a missing source), though it does not count them.
	if e == nil && !c.noKeymiss {
		db.notify(c, NotifyKeyMiss, "keymiss", key)
	}
	return e
}

// lookupValue returns key's value as a T, the zero T (nil) if key is
// missing; ok is false if the key holds another type, after replying
// WRONGTYPE. Each type's write commands look their keys up with it.
func lookupValue[T any](db *DB, c *Call, key []byte) (v T, ok bool) {
	return valueAs[T](c, db.Lookup(c, key))
}

// readValue is lookupValue for a key the command reads: it counts a
// keyspace hit or miss (see lookupRead). Each type's read commands, and
// the sources of the *STORE commands, read their keys with it.
func readValue[T any](db *DB, c *Call, key []byte) (v T, ok bool) {
	return valueAs[T](c, db.lookupRead(c, key))
}

// valueAs returns e's value as a T (the zero T for a nil e); ok is false,
// after replying WRONGTYPE, for a value of another type.
func valueAs[T any](c *Call, e *Entry) (v T, ok bool) {
	if e == nil {
		return v, true
	}
	v, ok = e.Value.(T)
	if !ok {
		c.Out.Error(ErrWrongType)
	}
	return v, ok
}

// expireKey deletes an expired key, raises "expired" and propagates DEL
// (deleteExpiredKeyAndPropagate).
func (db *DB) expireKey(c *Call, key string) {
	db.Delete(key)
	db.notifyKey(c, NotifyExpired, "expired", key)
	c.Propagate([]byte("DEL"), []byte(key))
	c.expiredKeys++
}

// Set stores value under key, replacing any entry, with expireAt (0: none).
// A new key raises "new", as Redis's dbAdd does.
func (db *DB) Set(c *Call, key string, value any, expireAt int64) *Entry {
	e, created := db.store(key, value, expireAt)
	if created {
		db.notifyKey(c, NotifyNew, "new", key)
	}
	return e
}

// store is Set without the notification: it reports whether key is new.
func (db *DB) store(key string, value any, expireAt int64) (e *Entry, created bool) {
	e = &Entry{Value: value, ExpireAt: expireAt, lru: db.newAccess()}
	if db.noSharedInts && e.isSmallInt() {
		e.strEnc = strIntCopy // a new object, not a shared one
	}
	if created = db.keys.set(key, e); created && db.waiting != nil {
		db.signalCreated(key, value)
	}
	if expireAt != 0 {
		db.expires[key] = struct{}{}
	} else {
		delete(db.expires, key)
	}
	db.Touch(key)
	return e, created
}

// signalCreated notes the creation of key holding value, for the clients
// blocked on it (Redis's dbAdd signals a new list or sorted set).
func (db *DB) signalCreated(key string, value any) {
	switch value.(type) {
	case *List, *ZSet:
		db.signalReady(key)
	}
}

// setArg stores value, the command's argument Redis would store as is, as
// key's string (stored whole), and notes that EXEC holds it if c runs in
// one.
func (db *DB) setArg(c *Call, key string, value []byte, expireAt int64) *Entry {
	e := db.Set(c, key, value, expireAt)
	db.holdForExec(c, e)
	return e
}

// holdForExec notes that e's value is held by the EXEC that c runs in, if
// it runs in one.
func (db *DB) holdForExec(c *Call, e *Entry) {
	if c.InExec {
		e.execArg = true
		db.execArgs = append(db.execArgs, e)
	}
}

// EndExec ends an EXEC block: the arguments its commands stored are no
// longer held by the transaction.
func (db *DB) EndExec() {
	for _, e := range db.execArgs {
		e.execArg = false
	}
	db.execArgs = db.execArgs[:0]
}

// SetExpire changes key's expiry (0: persist). The key must exist.
func (db *DB) SetExpire(key string, e *Entry, expireAt int64) {
	e.ExpireAt = expireAt
	if expireAt != 0 {
		db.expires[key] = struct{}{}
	} else {
		delete(db.expires, key)
	}
	db.Touch(key)
}

// Delete removes key; it reports whether it existed.
func (db *DB) Delete(key string) bool {
	if !db.keys.del(key) {
		return false
	}
	delete(db.expires, key)
	db.Touch(key)
	return true
}

// Raw returns key's entry without any expiry check (nil if absent).
func (db *DB) Raw(key string) *Entry { return db.keys.get(key) }

// Keys calls f for every key, in no particular order, until f returns false.
// Expired keys are included; callers check.
func (db *DB) Keys(f func(key string, e *Entry) bool) {
	db.keys.each(f)
}

// Flush deletes every key.
func (db *DB) Flush() {
	if db.flushed != nil {
		db.flushed()
	}
	db.flushing = true
	defer func() { db.flushing = false }()
	db.keys.each(func(k string, _ *Entry) bool {
		db.Touch(k)
		return true
	})
	db.keys.clear()
	clear(db.expires)
}

// ActiveExpire deletes up to max keys that are expired at now, recording a
// DEL effect for each in c. It returns how many it deleted. Primary only.
func (db *DB) ActiveExpire(c *Call, max int) int {
	n := 0
	for k := range db.expires {
		if n >= max {
			break
		}
		if e := db.keys.get(k); e != nil && expired(e, c.Now) {
			db.expireKey(c, k)
			n++
		}
	}
	return n
}
