package engine

import (
	"math"
	"math/big"
	"math/rand/v2"
	"strconv"
)

// Redis 7.0's defaults for small hashes (hash-max-listpack-*).
const (
	hashMaxListpackEntries = 512
	hashMaxListpackValue   = 64
)

// Hash is a hash value: fields in insertion order (an update keeps a
// field's place, a deletion closes the gap), as a Redis listpack keeps
// them, with O(1) access. Redis converts a hash to a hashtable, once and for
// good, when it grows past 128 fields or stores a field or value longer
// than 64 bytes; the order stays the same here (a hashtable's order is
// unspecified), but HSCAN then pages with a cursor instead of returning
// everything at once.
type Hash struct {
	t        *hashTable[string]
	listpack bool
}

// NewHash returns an empty hash.
func NewHash() *Hash { return &Hash{t: newHashTable[string](0), listpack: true} }

// Len returns the number of fields.
func (h *Hash) Len() int { return h.t.len() }

// Get returns the value of field.
func (h *Hash) Get(field string) (string, bool) { return h.t.get(field) }

// Set sets field to value; it reports whether the field is new.
func (h *Hash) Set(field, value string) bool {
	if h.listpack && (len(field) > hashMaxListpackValue || len(value) > hashMaxListpackValue) {
		h.listpack = false
	}
	added := h.t.set(field, value)
	if h.listpack && h.t.len() > hashMaxListpackEntries {
		h.listpack = false
	}
	return added
}

// Delete removes field; it reports whether it existed.
func (h *Hash) Delete(field string) bool { return h.t.del(field) }

// Each calls f for every field and value in order until f returns false.
func (h *Hash) Each(f func(field, value string) bool) { h.t.each(f) }

// Encoding returns the encoding Redis 7.0 would report: listpack or hashtable.
func (h *Hash) Encoding() string {
	if h.listpack {
		return "listpack"
	}
	return "hashtable"
}

// Clone returns a deep copy of h.
func (h *Hash) Clone() *Hash { return &Hash{t: h.t.clone(), listpack: h.listpack} }

func hashCommands() []*Command {
	w, r := []string{FlagWrite, FlagDenyOOM, FlagFast}, []string{FlagReadOnly, FlagFast}
	cmd := func(name string, arity int, flags []string, h func(*DB, *Call)) *Command {
		return &Command{Name: name, Arity: arity, Flags: flags, FirstKey: 1, LastKey: 1, Step: 1, Handler: h}
	}
	return []*Command{
		cmd("hset", -4, w, hsetCommand),
		cmd("hmset", -4, w, hsetCommand),
		cmd("hsetnx", 4, w, hsetnxCommand),
		cmd("hget", 3, r, hgetCommand),
		cmd("hmget", -3, r, hmgetCommand),
		cmd("hdel", -3, []string{FlagWrite, FlagFast}, hdelCommand),
		cmd("hexists", 3, r, hexistsCommand),
		cmd("hlen", 2, r, hlenCommand),
		cmd("hstrlen", 3, r, hstrlenCommand),
		cmd("hkeys", 2, []string{FlagReadOnly}, hkeysCommand),
		cmd("hvals", 2, []string{FlagReadOnly}, hvalsCommand),
		cmd("hgetall", 2, []string{FlagReadOnly}, hgetallCommand),
		cmd("hincrby", 4, w, hincrbyCommand),
		cmd("hincrbyfloat", 4, w, hincrbyfloatCommand),
		cmd("hrandfield", -2, []string{FlagReadOnly}, hrandfieldCommand),
		cmd("hscan", -3, []string{FlagReadOnly}, hscanCommand),
	}
}

// hashLookupOrCreate is hashTypeLookupWriteOrCreate: it adds an empty hash
// if key is missing (the caller must then add a field).
func hashLookupOrCreate(db *DB, c *Call, key []byte) (*Hash, bool) {
	h, ok := lookupValue[*Hash](db, c, key)
	if !ok || h != nil {
		return h, ok
	}
	h = NewHash()
	db.Set(c, string(key), h, 0)
	return h, true
}

func hsetCommand(db *DB, c *Call) {
	if len(c.Argv)%2 == 1 {
		c.Out.Error(ArityError(string(c.Argv[0])))
		return
	}
	h, ok := hashLookupOrCreate(db, c, c.Argv[1])
	if !ok {
		return
	}
	created := 0
	for i := 2; i < len(c.Argv); i += 2 {
		if h.Set(string(c.Argv[i]), string(c.Argv[i+1])) {
			created++
		}
	}
	if c.Argv[0][1] == 's' || c.Argv[0][1] == 'S' {
		c.Out.Int(int64(created))
	} else {
		c.Out.OK()
	}
	db.Touch(string(c.Argv[1]))
	db.notify(c, NotifyHash, "hset", c.Argv[1])
	c.PropagateAsIs()
}

func hsetnxCommand(db *DB, c *Call) {
	h, ok := lookupValue[*Hash](db, c, c.Argv[1])
	if !ok {
		return
	}
	if h != nil && h.t.has(string(c.Argv[2])) {
		c.Out.Int(0)
		return
	}
	if h == nil {
		h, _ = hashLookupOrCreate(db, c, c.Argv[1])
	}
	h.Set(string(c.Argv[2]), string(c.Argv[3]))
	c.Out.Int(1)
	db.Touch(string(c.Argv[1]))
	db.notify(c, NotifyHash, "hset", c.Argv[1])
	c.PropagateAsIs()
}

func hgetCommand(db *DB, c *Call) {
	h, ok := readValue[*Hash](db, c, c.Argv[1])
	if !ok {
		return
	}
	if h != nil {
		if v, found := h.Get(string(c.Argv[2])); found {
			c.Out.BulkString(v)
			return
		}
	}
	c.Out.NullBulk()
}

func hmgetCommand(db *DB, c *Call) {
	h, ok := readValue[*Hash](db, c, c.Argv[1])
	if !ok {
		return
	}
	c.Out.Array(len(c.Argv) - 2)
	for _, f := range c.Argv[2:] {
		if h != nil {
			if v, found := h.Get(string(f)); found {
				c.Out.BulkString(v)
				continue
			}
		}
		c.Out.NullBulk()
	}
}

func hdelCommand(db *DB, c *Call) {
	h, ok := lookupValue[*Hash](db, c, c.Argv[1])
	if !ok {
		return
	}
	if h == nil {
		c.Out.Int(0)
		return
	}
	removeElements(db, c, h.Delete, h.Len, NotifyHash, "hdel")
}

func hexistsCommand(db *DB, c *Call) {
	h, ok := readValue[*Hash](db, c, c.Argv[1])
	if !ok {
		return
	}
	if h != nil && h.t.has(string(c.Argv[2])) {
		c.Out.Int(1)
	} else {
		c.Out.Int(0)
	}
}

func hlenCommand(db *DB, c *Call) {
	h, ok := readValue[*Hash](db, c, c.Argv[1])
	if !ok {
		return
	}
	if h == nil {
		c.Out.Int(0)
		return
	}
	c.Out.Int(int64(h.Len()))
}

func hstrlenCommand(db *DB, c *Call) {
	h, ok := readValue[*Hash](db, c, c.Argv[1])
	if !ok {
		return
	}
	n := 0
	if h != nil {
		v, _ := h.Get(string(c.Argv[2]))
		n = len(v)
	}
	c.Out.Int(int64(n))
}

func hkeysCommand(db *DB, c *Call)   { hashGetAll(db, c, true, false) }
func hvalsCommand(db *DB, c *Call)   { hashGetAll(db, c, false, true) }
func hgetallCommand(db *DB, c *Call) { hashGetAll(db, c, true, true) }

// hashGetAll is genericHgetallCommand: HGETALL is a map, HKEYS and HVALS
// are arrays.
func hashGetAll(db *DB, c *Call, fields, values bool) {
	h, ok := readValue[*Hash](db, c, c.Argv[1])
	if !ok {
		return
	}
	n := 0
	if h != nil {
		n = h.Len()
	}
	if fields && values {
		c.Out.Map(n)
	} else {
		c.Out.Array(n)
	}
	if h == nil {
		return
	}
	h.Each(func(f, v string) bool {
		if fields {
			c.Out.BulkString(f)
		}
		if values {
			c.Out.BulkString(v)
		}
		return true
	})
}

func hincrbyCommand(db *DB, c *Call) {
	incr, ok := argInt(c, c.Argv[3], "")
	if !ok {
		return
	}
	h, ok := hashLookupOrCreate(db, c, c.Argv[1])
	if !ok {
		return
	}
	var value int64
	if v, found := h.Get(string(c.Argv[2])); found {
		if value, ok = parseInt([]byte(v)); !ok {
			c.Out.Error("ERR hash value is not an integer")
			return
		}
	}
	if incr < 0 && value < 0 && incr < math.MinInt64-value ||
		incr > 0 && value > 0 && incr > math.MaxInt64-value {
		c.Out.Error(ErrOverflow)
		return
	}
	value += incr
	h.Set(string(c.Argv[2]), strconv.FormatInt(value, 10))
	c.Out.Int(value)
	db.Touch(string(c.Argv[1]))
	db.notify(c, NotifyHash, "hincrby", c.Argv[1])
	c.PropagateAsIs()
}

func hincrbyfloatCommand(db *DB, c *Call) {
	incr, ok := parseLongDouble(c.Argv[3])
	if !ok {
		c.Out.Error(ErrNotFloat)
		return
	}
	if incr.IsInf() {
		c.Out.Error("ERR value is NaN or Infinity")
		return
	}
	h, ok := hashLookupOrCreate(db, c, c.Argv[1])
	if !ok {
		return
	}
	field := string(c.Argv[2])
	value := new(big.Float).SetPrec(ldPrec)
	if v, found := h.Get(field); found {
		if value, ok = parseLongDouble([]byte(v)); !ok {
			c.Out.Error("ERR hash value is not a float")
			return
		}
		if value.IsInf() {
			c.Out.Error("ERR increment would produce NaN or Infinity")
			return
		}
	}
	sum, ok := addLongDouble(value, incr)
	if !ok {
		c.Out.Error("ERR increment would produce NaN or Infinity")
		return
	}
	s := string(formatLongDouble(sum))
	h.Set(field, s)
	c.Out.BulkString(s)
	db.Touch(string(c.Argv[1]))
	db.notify(c, NotifyHash, "hincrbyfloat", c.Argv[1])
	c.Propagate([]byte("HSET"), c.Argv[1], c.Argv[2], []byte(s))
}

func hrandfieldCommand(db *DB, c *Call) {
	if len(c.Argv) >= 3 {
		n, ok := argRange(c, c.Argv[2], -math.MaxInt64, math.MaxInt64, "")
		if !ok {
			return
		}
		withValues := false
		if len(c.Argv) > 4 || len(c.Argv) == 4 && !equalFold(c.Argv[3], "withvalues") {
			c.Out.Error(ErrSyntax)
			return
		} else if len(c.Argv) == 4 {
			withValues = true
			if n < -math.MaxInt64/2 || n > math.MaxInt64/2 {
				c.Out.Error("ERR value is out of range")
				return
			}
		}
		hashRandWithCount(db, c, n, withValues)
		return
	}
	h, ok := readValue[*Hash](db, c, c.Argv[1])
	if !ok {
		return
	}
	if h == nil {
		c.Out.NullBulk()
		return
	}
	f, _ := h.t.random()
	c.Out.BulkString(f)
}

// hashRandWithCount is hrandfieldWithCountCommand: a negative count may
// repeat fields; a positive one returns distinct fields, the whole hash in
// order if count reaches its size.
func hashRandWithCount(db *DB, c *Call, n int64, withValues bool) {
	h, ok := readValue[*Hash](db, c, c.Argv[1])
	if !ok {
		return
	}
	if h == nil || n == 0 {
		c.Out.Array(0)
		return
	}
	w := c.Out
	pair := func(f, v string) {
		if withValues && w.Proto() == 3 {
			w.Array(2)
		}
		w.BulkString(f)
		if withValues {
			w.BulkString(v)
		}
	}
	header := func(n int64) {
		if withValues && w.Proto() == 2 {
			w.Array(int(2 * n))
		} else {
			w.Array(int(n))
		}
	}
	count, uniq := n, true
	if n < 0 {
		count, uniq = -n, false
	}
	size := int64(h.Len())
	switch {
	case !uniq || count == 1:
		header(count)
		for range count {
			pair(h.t.random())
		}
	case count >= size:
		header(size)
		h.Each(func(f, v string) bool {
			pair(f, v)
			return true
		})
	default:
		header(count)
		for _, i := range hashSampleTable(h.t, int(count)) {
			e := h.t.ents[i]
			pair(e.key, e.val)
		}
	}
}

// hashSampleTable returns count distinct random entry indexes of t
// (count < t.len()), in random order.
func hashSampleTable[V any](t *hashTable[V], count int) []int {
	size := t.len()
	if count*3 > size {
		// Most of the table: shuffle the live indexes partially.
		all := make([]int, 0, size)
		for i := range t.ents {
			if t.ents[i].live {
				all = append(all, i)
			}
		}
		for i := range count {
			j := i + rand.IntN(len(all)-i)
			all[i], all[j] = all[j], all[i]
		}
		return all[:count]
	}
	seen := make(map[int]struct{}, count)
	out := make([]int, 0, count)
	for len(out) < count {
		i := rand.IntN(len(t.ents))
		if _, dup := seen[i]; dup || !t.ents[i].live {
			continue
		}
		seen[i] = struct{}{}
		out = append(out, i)
	}
	return out
}

func hscanCommand(db *DB, c *Call) {
	h, cursor, o, ok := scanKeyArgs[*Hash](db, c)
	if !ok {
		return
	}
	var out []string
	add := func(f, v string) {
		if o.match(f) {
			out = append(out, f, v)
		}
	}
	if h.listpack {
		h.Each(func(f, v string) bool {
			add(f, v)
			return true
		})
		cursor = 0
	} else {
		cursor = h.t.scan(cursor, o.count, add)
	}
	writeScanReply(c.Out, cursor, out)
}
