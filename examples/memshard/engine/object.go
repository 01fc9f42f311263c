package engine

import "math"

// OBJECT ENCODING | REFCOUNT | IDLETIME | FREQ | HELP, as Redis 7.0 answers
// them: IDLETIME unless the maxmemory-policy is an LFU one, FREQ only
// then.

func objectCommands() []*Command {
	keyed := func(name string, h func(db *DB, c *Call, e *Entry)) *Command {
		return &Command{Name: "object|" + name, Arity: 3, Flags: []string{FlagReadOnly}, FirstKey: 2, LastKey: 2, Step: 1,
			Handler: func(db *DB, c *Call) {
				c.noTouch = true   // OBJECT is no access (LOOKUP_NOTOUCH)
				c.noKeymiss = true // nor a key miss (LOOKUP_NONOTIFY)
				if e := db.lookupRead(c, c.Argv[2]); e == nil {
					c.Out.NullBulk()
				} else {
					h(db, c, e)
				}
			}}
	}
	subs := []*Command{
		keyed("encoding", func(_ *DB, c *Call, e *Entry) { c.Out.BulkString(e.encoding()) }),
		keyed("refcount", func(_ *DB, c *Call, e *Entry) { c.Out.Int(e.refcount()) }),
		keyed("idletime", func(db *DB, c *Call, e *Entry) {
			if db.lfu {
				c.Out.Error(errObjectIdle)
				return
			}
			c.Out.Int(int64(db.idle(e)))
		}),
		keyed("freq", func(db *DB, c *Call, e *Entry) {
			if !db.lfu {
				c.Out.Error(errObjectFreq)
				return
			}
			c.Out.Int(int64(db.lfuDecrAndReturn(*db.accessField(e))))
		}),
		{Name: "object|help", Arity: 2, Flags: []string{FlagLoading, FlagStale}, Handler: objectHelp},
	}
	object := &Command{Name: "object", Arity: -2, Subcommands: map[string]*Command{}}
	for _, s := range subs {
		object.Subcommands[s.Name[len("object|"):]] = s
	}
	// The key, for the blocking layer and routing: a subcommand's.
	object.KeysFunc = func(argv [][]byte) [][]byte {
		if len(argv) == 3 {
			return argv[2:3]
		}
		return nil
	}
	return []*Command{object}
}

const errObjectIdle = "ERR An LFU maxmemory policy is selected, idle time not tracked. " +
	"Please note that when switching between policies at runtime LRU and LFU data will take some time to adjust."

const errObjectFreq = "ERR An LFU maxmemory policy is not selected, access frequency not tracked. " +
	"Please note that when switching between policies at runtime LRU and LFU data will take some time to adjust."

func objectHelp(_ *DB, c *Call) {
	helpReply(c, "OBJECT", []string{
		"ENCODING <key>",
		"    Return the kind of internal representation used in order to store the value",
		"    associated with a <key>.",
		"FREQ <key>",
		"    Return the access frequency index of the <key>. The returned integer is",
		"    proportional to the logarithm of the recent access frequency of the key.",
		"IDLETIME <key>",
		"    Return the idle time of the <key>, that is the approximated number of",
		"    seconds elapsed since the last access to the key.",
		"REFCOUNT <key>",
		"    Return the number of references of the value associated with the specified",
		"    <key>.",
	})
}

// strEncoding says how a string value came to be, which decides the
// encoding Redis 7.0 gives it (object.c).
type strEncoding uint8

const (
	// strEncoded: stored whole (SET, MSET, GETSET, INCR, APPEND to a new
	// key, a replayed or restored SET): Redis's tryObjectEncoding makes
	// it an int if it reads as a long, else embstr up to 44 bytes, else
	// raw. An int from 0 to 9999 is then Redis's shared object.
	strEncoded strEncoding = iota
	// strRaw: changed in place by APPEND or SETRANGE: raw, always.
	strRaw
	// strFromFloat: INCRBYFLOAT's result: embstr up to 44 bytes, else raw.
	strFromFloat
	// strIntCopy: COPY of an int: an int, but not the shared object.
	strIntCopy
)

// embstrMax is OBJ_ENCODING_EMBSTR_SIZE_LIMIT.
const embstrMax = 44

// sharedIntegers is OBJ_SHARED_INTEGERS: Redis keeps one object for each
// integer below it (with maxmemory 0, as memshard's is in effect).
const sharedIntegers = 10000

// encoding is the encoding OBJECT ENCODING reports for e's value.
func (e *Entry) encoding() string {
	switch v := e.Value.(type) {
	case []byte:
		if e.isInt(v) {
			return "int"
		}
		if len(v) <= embstrMax && e.strEnc != strRaw {
			return "embstr"
		}
		return "raw"
	case *List:
		return v.Encoding()
	case *Set:
		return v.Encoding()
	case *Hash:
		return v.Encoding()
	case *ZSet:
		return v.Encoding()
	case *Stream:
		return v.Encoding()
	}
	return "unknown"
}

func (e *Entry) isInt(v []byte) bool {
	switch e.strEnc {
	case strEncoded:
		_, ok := parseInt(v)
		return ok
	case strIntCopy:
		return true
	}
	return false
}

// refcount is OBJECT REFCOUNT's answer: Redis's shared integers report
// INT_MAX; an argument stored by a command of the EXEC running is also
// referenced by the transaction; every other value is referenced once.
func (e *Entry) refcount() int64 {
	if _, ok := e.sharedInt(); ok {
		return math.MaxInt32
	}
	if e.execArg {
		return 2
	}
	return 1
}

// isSmallInt reports whether e's value would be one of Redis's shared
// integers if stored whole (sharedInt).
func (e *Entry) isSmallInt() bool {
	v, ok := e.Value.([]byte)
	if !ok || len(v) > 4 {
		return false
	}
	n, ok := parseInt(v)
	return ok && n >= 0
}

// sharedInt reports whether e's value is one of Redis's shared integers,
// and which: a string stored whole that reads as 0 to 9999. Cheap enough
// for every lookup: the length test rules out almost everything else.
func (e *Entry) sharedInt() (int, bool) {
	v, ok := e.Value.([]byte)
	if !ok || len(v) > 4 || e.strEnc != strEncoded {
		return 0, false
	}
	n, ok := parseInt(v)
	return int(n), ok && n >= 0
}

// copiedEncoding is the strEncoding of a COPY of e: Redis's
// dupStringObject keeps the encoding, but an int it copies is not shared.
func (e *Entry) copiedEncoding() strEncoding {
	if v, ok := e.Value.([]byte); ok && e.isInt(v) {
		return strIntCopy
	}
	return e.strEnc
}
