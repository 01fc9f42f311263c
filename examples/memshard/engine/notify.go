package engine

// Keyspace notifications (Redis's notify.c, notify-keyspace-events). A
// command raises an event where Redis calls notifyKeyspaceEvent, if its
// class is enabled on the DB; the events are kept on the Call, in order,
// and whoever ran it takes them (Call.Events) and publishes them, once the
// write they tell of is durable. The engine publishes nothing itself.

// The classes of notify-keyspace-events, with Redis's values (server.h).
// NotifyKeyspace and NotifyKeyevent say which channels carry an event; the
// others are the classes of events.
const (
	NotifyKeyspace = 1 << 0  // K: __keyspace@0__:<key>, the event as message
	NotifyKeyevent = 1 << 1  // E: __keyevent@0__:<event>, the key as message
	NotifyGeneric  = 1 << 2  // g: DEL, EXPIRE, RENAME, ...
	NotifyString   = 1 << 3  // $
	NotifyList     = 1 << 4  // l
	NotifySet      = 1 << 5  // s
	NotifyHash     = 1 << 6  // h
	NotifyZSet     = 1 << 7  // z
	NotifyExpired  = 1 << 8  // x: a key deleted because it expired
	NotifyEvicted  = 1 << 9  // e: a key evicted for maxmemory (memshard evicts nothing)
	NotifyStream   = 1 << 10 // t
	NotifyKeyMiss  = 1 << 11 // m: a read of a missing key
	NotifyLoaded   = 1 << 12 // modules only
	NotifyModule   = 1 << 13 // d: module events (memshard has no modules)
	NotifyNew      = 1 << 14 // n: a key created
	// NotifyAll is what 'A' stands for: every class but m and n.
	NotifyAll = NotifyGeneric | NotifyString | NotifyList | NotifySet | NotifyHash | NotifyZSet |
		NotifyExpired | NotifyEvicted | NotifyStream | NotifyModule
)

// Event is one keyspace notification a call raised.
type Event struct {
	Class int    // one of the Notify classes
	Name  string // the event: "set", "lpush", "expired", ...
	Key   string
	// At is the length of the call's reply (Call.Out) when the event was
	// raised: Redis writes the notification it sends to the connection
	// that caused it at that point of the reply (RESP3).
	At int
}

// SetNotify sets the keyspace notifications the DB's commands raise
// (notify-keyspace-events as Notify flags). Without NotifyKeyspace or
// NotifyKeyevent nothing would be published, so none is raised.
func (db *DB) SetNotify(flags int) {
	if flags&(NotifyKeyspace|NotifyKeyevent) == 0 {
		flags = 0
	}
	db.notifyFlags = flags
}

// Notify returns the flags SetNotify set (0 if it cleared them).
func (db *DB) Notify() int { return db.notifyFlags }

// notify raises event of class for key (Redis's notifyKeyspaceEvent), if
// the class is enabled. It returns at once otherwise: every write calls it.
func (db *DB) notify(c *Call, class int, event string, key []byte) {
	if db.notifyFlags&class == 0 {
		return
	}
	c.addEvent(class, event, string(key))
}

// notifyKey is notify for a key held as a string.
func (db *DB) notifyKey(c *Call, class int, event, key string) {
	if db.notifyFlags&class == 0 {
		return
	}
	c.addEvent(class, event, key)
}

func (c *Call) addEvent(class int, event, key string) {
	c.appendEvent(Event{Class: class, Name: event, Key: key, At: c.replyLen()})
}

func (c *Call) appendEvent(ev Event) {
	if c.events == nil {
		c.events = new([]Event)
	}
	*c.events = append(*c.events, ev)
}

// replyLen is the length of the reply written so far.
func (c *Call) replyLen() int {
	if c.Out == nil {
		return 0
	}
	return c.Out.Len()
}

// Events returns the keyspace notifications the call raised, in order.
// The caller may keep the slice: the call appends to it no more.
func (c *Call) Events() []Event {
	if c.events == nil {
		return nil
	}
	return *c.events
}

// shiftEvents moves the events from the from-th on by bytes in the reply:
// they were raised while the reply was being written to another writer,
// now appended to c.Out at bytes.
func (c *Call) shiftEvents(from, bytes int) {
	ev := c.Events()
	for i := from; i < len(ev); i++ {
		ev[i].At += bytes
	}
}

// takeEvents moves the events of sub, a command a script ran, to c, the
// script's call: Redis sends them as they happen, before the script's
// reply.
func (c *Call) takeEvents(sub *Call) {
	for _, ev := range sub.Events() {
		ev.At = c.replyLen()
		c.appendEvent(ev)
	}
}
