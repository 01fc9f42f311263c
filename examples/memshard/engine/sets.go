package engine

import (
	"math/rand/v2"
	"slices"
	"strconv"
)

// setMaxIntsetEntries is Redis 7.0's set-max-intset-entries default.
const setMaxIntsetEntries = 512

// Set is a set value in one of Redis 7.0's two encodings: an intset (a
// sorted array of int64, while every member is a canonical integer and
// there are at most 512 of them; members come out in ascending numeric
// order) or a hashtable (an insertion-ordered hashTable; Redis leaves that
// order unspecified). A set moves from intset to hashtable once, as Redis's
// does; only a new set (SADD to a missing key, the *STORE commands, SPOP's
// rebuild) starts again as an intset.
type Set struct {
	ints []int64 // the intset encoding, when ht is nil
	ht   *hashTable[struct{}]
	// width is the size of the intset's integers, which grows with the
	// integers added and never shrinks, as Redis's intset encoding (DUMP
	// writes it); 0 until an integer is added.
	width int
}

// NewSet returns an empty set in the intset encoding.
func NewSet() *Set { return &Set{} }

// setNewFor is setTypeCreate: an intset if first is an integer, else a
// hashtable.
func setNewFor(first string) *Set {
	if _, ok := parseInt([]byte(first)); ok {
		return &Set{}
	}
	return &Set{ht: newHashTable[struct{}](0)}
}

// Len returns the number of members.
func (s *Set) Len() int {
	if s.ht != nil {
		return s.ht.len()
	}
	return len(s.ints)
}

// Encoding returns the encoding Redis 7.0 would report: intset or hashtable.
func (s *Set) Encoding() string {
	if s.ht != nil {
		return "hashtable"
	}
	return "intset"
}

// Has reports whether m is a member.
func (s *Set) Has(m string) bool {
	if s.ht != nil {
		return s.ht.has(m)
	}
	v, ok := parseInt([]byte(m))
	if !ok {
		return false
	}
	_, found := slices.BinarySearch(s.ints, v)
	return found
}

// Add adds m; it reports whether m is new.
func (s *Set) Add(m string) bool {
	if s.ht == nil {
		v, ok := parseInt([]byte(m))
		if ok {
			i, found := slices.BinarySearch(s.ints, v)
			if found {
				return false
			}
			s.ints = slices.Insert(s.ints, i, v)
			s.width = max(s.width, intsetWidth(v))
			if len(s.ints) > setMaxIntsetEntries {
				s.toHashtable()
			}
			return true
		}
		s.toHashtable()
	}
	return s.ht.set(m, struct{}{})
}

func (s *Set) toHashtable() {
	s.ht = newHashTable[struct{}](len(s.ints))
	for _, v := range s.ints {
		s.ht.set(strconv.FormatInt(v, 10), struct{}{})
	}
	s.ints = nil
}

// Remove removes m; it reports whether it was a member.
func (s *Set) Remove(m string) bool {
	if s.ht != nil {
		return s.ht.del(m)
	}
	v, ok := parseInt([]byte(m))
	if !ok {
		return false
	}
	i, found := slices.BinarySearch(s.ints, v)
	if found {
		s.ints = slices.Delete(s.ints, i, i+1)
	}
	return found
}

// Each calls f for every member in the encoding's order until f returns false.
func (s *Set) Each(f func(m string) bool) {
	if s.ht != nil {
		s.ht.each(func(k string, _ struct{}) bool { return f(k) })
		return
	}
	for _, v := range s.ints {
		if !f(strconv.FormatInt(v, 10)) {
			return
		}
	}
}

// Random returns a uniformly chosen member. s must not be empty.
func (s *Set) Random() string {
	if s.ht != nil {
		k, _ := s.ht.random()
		return k
	}
	return strconv.FormatInt(s.ints[rand.IntN(len(s.ints))], 10)
}

// sample returns count distinct random members (0 < count < Len()), in
// random order.
func (s *Set) sample(count int) []string {
	out := make([]string, 0, count)
	if s.ht != nil {
		for _, i := range hashSampleTable(s.ht, count) {
			out = append(out, s.ht.ents[i].key)
		}
		return out
	}
	perm := rand.Perm(len(s.ints))
	for _, i := range perm[:count] {
		out = append(out, strconv.FormatInt(s.ints[i], 10))
	}
	return out
}

// Clone returns a deep copy of s.
func (s *Set) Clone() *Set {
	if s.ht != nil {
		return &Set{ht: s.ht.clone()}
	}
	return &Set{ints: slices.Clone(s.ints), width: s.width}
}

func setCommands() []*Command {
	cmd := func(name string, arity int, flags []string, last int, h func(*DB, *Call)) *Command {
		return &Command{Name: name, Arity: arity, Flags: flags, FirstKey: 1, LastKey: last, Step: 1, Handler: h}
	}
	r, rf := []string{FlagReadOnly}, []string{FlagReadOnly, FlagFast}
	ws := []string{FlagWrite, FlagDenyOOM}
	return []*Command{
		cmd("sadd", -3, []string{FlagWrite, FlagDenyOOM, FlagFast}, 1, saddCommand),
		cmd("srem", -3, []string{FlagWrite, FlagFast}, 1, sremCommand),
		cmd("scard", 2, rf, 1, scardCommand),
		cmd("sismember", 3, rf, 1, sismemberCommand),
		cmd("smismember", -3, rf, 1, smismemberCommand),
		cmd("smembers", 2, r, 1, smembersCommand),
		cmd("spop", -2, []string{FlagWrite, FlagFast}, 1, spopCommand),
		cmd("srandmember", -2, r, 1, srandmemberCommand),
		cmd("smove", 4, []string{FlagWrite, FlagFast}, 2, smoveCommand),
		cmd("sinter", -2, r, -1, sinterCommand),
		{Name: "sintercard", Arity: -3, Flags: []string{FlagReadOnly, "movablekeys"}, KeysFunc: setIntercardKeys, Handler: sintercardCommand},
		cmd("sinterstore", -3, ws, -1, sinterstoreCommand),
		cmd("sunion", -2, r, -1, sunionCommand),
		cmd("sunionstore", -3, ws, -1, sunionstoreCommand),
		cmd("sdiff", -2, r, -1, sdiffCommand),
		cmd("sdiffstore", -3, ws, -1, sdiffstoreCommand),
		cmd("sscan", -3, r, 1, sscanCommand),
	}
}

func saddCommand(db *DB, c *Call) {
	s, ok := lookupValue[*Set](db, c, c.Argv[1])
	if !ok {
		return
	}
	key := string(c.Argv[1])
	if s == nil {
		s = setNewFor(string(c.Argv[2]))
		db.Set(c, key, s, 0)
	}
	added := 0
	for _, m := range c.Argv[2:] {
		if s.Add(string(m)) {
			added++
		}
	}
	if added > 0 {
		db.Touch(key)
		db.notifyKey(c, NotifySet, "sadd", key)
		c.PropagateAsIs()
	}
	c.Out.Int(int64(added))
}

func sremCommand(db *DB, c *Call) {
	s, ok := lookupValue[*Set](db, c, c.Argv[1])
	if !ok {
		return
	}
	if s == nil {
		c.Out.Int(0)
		return
	}
	removeElements(db, c, s.Remove, s.Len, NotifySet, "srem")
}

func scardCommand(db *DB, c *Call) {
	s, ok := readValue[*Set](db, c, c.Argv[1])
	if !ok {
		return
	}
	if s == nil {
		c.Out.Int(0)
		return
	}
	c.Out.Int(int64(s.Len()))
}

func sismemberCommand(db *DB, c *Call) {
	s, ok := readValue[*Set](db, c, c.Argv[1])
	if !ok {
		return
	}
	if s != nil && s.Has(string(c.Argv[2])) {
		c.Out.Int(1)
	} else {
		c.Out.Int(0)
	}
}

func smismemberCommand(db *DB, c *Call) {
	s, ok := readValue[*Set](db, c, c.Argv[1])
	if !ok {
		return
	}
	c.Out.Array(len(c.Argv) - 2)
	for _, m := range c.Argv[2:] {
		if s != nil && s.Has(string(m)) {
			c.Out.Int(1)
		} else {
			c.Out.Int(0)
		}
	}
}

func smembersCommand(db *DB, c *Call) {
	s, ok := readValue[*Set](db, c, c.Argv[1])
	if !ok {
		return
	}
	if s == nil {
		c.Out.Set(0)
		return
	}
	setWrite(c, s)
}

// setWrite replies s as a set, in its encoding's order.
func setWrite(c *Call, s *Set) {
	c.Out.Set(s.Len())
	s.Each(func(m string) bool {
		c.Out.BulkString(m)
		return true
	})
}

func spopCommand(db *DB, c *Call) {
	if len(c.Argv) == 3 {
		spopWithCount(db, c)
		return
	} else if len(c.Argv) > 3 {
		c.Out.Error(ErrSyntax)
		return
	}
	s, ok := lookupValue[*Set](db, c, c.Argv[1])
	if !ok {
		return
	}
	if s == nil {
		c.Out.NullBulk()
		return
	}
	m := s.Random()
	s.Remove(m)
	key := string(c.Argv[1])
	db.notifyKey(c, NotifySet, "spop", key)
	c.Out.BulkString(m)
	if s.Len() == 0 {
		db.Delete(key)
		db.notifyKey(c, NotifyGeneric, "del", key)
	} else {
		db.Touch(key)
	}
	c.Propagate([]byte("SREM"), c.Argv[1], []byte(m))
}

// spopWithCount is spopWithCountCommand. Its effect is one SREM of the
// popped members, or, when they were all of the set, DEL of the key (as
// Redis propagates it: the effect stays small however large the set).
func spopWithCount(db *DB, c *Call) {
	n, ok := argPositive(c, c.Argv[2], "")
	if !ok {
		return
	}
	s, ok := lookupValue[*Set](db, c, c.Argv[1])
	if !ok {
		return
	}
	if s == nil || n == 0 {
		c.Out.Set(0)
		return
	}
	key := string(c.Argv[1])
	size := int64(s.Len())
	db.notifyKey(c, NotifySet, "spop", key)
	var popped []string
	switch {
	case n >= size:
		// Redis replies with the SUNION of the set: a fresh set's order.
		u := NewSet()
		s.Each(func(m string) bool {
			u.Add(m)
			popped = append(popped, m)
			return true
		})
		setWrite(c, u)
		db.Delete(key)
		db.notifyKey(c, NotifyGeneric, "del", key)
		c.Propagate([]byte("DEL"), c.Argv[1])
		return
	case (size-n)*5 > n:
		popped = s.sample(int(n))
		for _, m := range popped {
			s.Remove(m)
		}
		db.Touch(key)
		setWriteMembers(c, popped)
	default:
		// Most of the set goes: Redis builds a new set of the members that
		// remain (which may make it an intset again) and pops the rest.
		keep := s.sample(int(size - n))
		ns := setNewFor(keep[0])
		for _, m := range keep {
			ns.Add(m)
			s.Remove(m)
		}
		s.Each(func(m string) bool {
			popped = append(popped, m)
			return true
		})
		db.Set(c, key, ns, db.Raw(key).ExpireAt)
		setWriteMembers(c, popped)
	}
	argv := make([][]byte, 0, 2+len(popped))
	argv = append(argv, []byte("SREM"), c.Argv[1])
	for _, m := range popped {
		argv = append(argv, []byte(m))
	}
	c.PropagateOwned(argv)
}

func setWriteMembers(c *Call, ms []string) {
	c.Out.Set(len(ms))
	for _, m := range ms {
		c.Out.BulkString(m)
	}
}

func srandmemberCommand(db *DB, c *Call) {
	if len(c.Argv) == 3 {
		srandmemberWithCount(db, c)
		return
	} else if len(c.Argv) > 3 {
		c.Out.Error(ErrSyntax)
		return
	}
	s, ok := readValue[*Set](db, c, c.Argv[1])
	if !ok {
		return
	}
	if s == nil {
		c.Out.NullBulk()
		return
	}
	c.Out.BulkString(s.Random())
}

func srandmemberWithCount(db *DB, c *Call) {
	n, ok := argRange(c, c.Argv[2], -1<<63+1, 1<<63-1, "")
	if !ok {
		return
	}
	count, uniq := n, true
	if n < 0 {
		count, uniq = -n, false
	}
	s, ok := readValue[*Set](db, c, c.Argv[1])
	if !ok {
		return
	}
	if s == nil || count == 0 {
		c.Out.Array(0)
		return
	}
	size := int64(s.Len())
	switch {
	case !uniq || count == 1:
		c.Out.Array(int(count))
		for range count {
			c.Out.BulkString(s.Random())
		}
	case count >= size:
		c.Out.Array(int(size))
		s.Each(func(m string) bool {
			c.Out.BulkString(m)
			return true
		})
	default:
		ms := s.sample(int(count))
		c.Out.Array(len(ms))
		for _, m := range ms {
			c.Out.BulkString(m)
		}
	}
}

func smoveCommand(db *DB, c *Call) {
	src, ok := lookupValue[*Set](db, c, c.Argv[1])
	if !ok {
		return
	}
	dstEntry := db.Lookup(c, c.Argv[2])
	if src == nil {
		c.Out.Int(0)
		return
	}
	var dst *Set
	if dstEntry != nil {
		if dst, ok = dstEntry.Value.(*Set); !ok {
			c.Out.Error(ErrWrongType)
			return
		}
	}
	m := string(c.Argv[3])
	if src == dst {
		if src.Has(m) {
			c.Out.Int(1)
		} else {
			c.Out.Int(0)
		}
		return
	}
	if !src.Remove(m) {
		c.Out.Int(0)
		return
	}
	skey, dkey := string(c.Argv[1]), string(c.Argv[2])
	db.notifyKey(c, NotifySet, "srem", skey)
	if src.Len() == 0 {
		db.Delete(skey)
		db.notifyKey(c, NotifyGeneric, "del", skey)
	} else {
		db.Touch(skey)
	}
	if dst == nil {
		dst = setNewFor(m)
		db.Set(c, dkey, dst, 0)
	}
	if dst.Add(m) {
		db.Touch(dkey)
		db.notifyKey(c, NotifySet, "sadd", dkey)
	}
	c.PropagateAsIs()
	c.Out.Int(1)
}

func sscanCommand(db *DB, c *Call) {
	s, cursor, o, ok := scanKeyArgs[*Set](db, c)
	if !ok {
		return
	}
	var out []string
	add := func(m string) {
		if o.match(m) {
			out = append(out, m)
		}
	}
	if s.ht == nil {
		s.Each(func(m string) bool {
			add(m)
			return true
		})
		cursor = 0
	} else {
		cursor = s.ht.scan(cursor, o.count, func(k string, _ struct{}) { add(k) })
	}
	writeScanReply(c.Out, cursor, out)
}
