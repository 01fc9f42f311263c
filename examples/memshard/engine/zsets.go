package engine

import (
	"hash/fnv"

	"github.com/tidwall/btree"
)

// Redis's listpack limits (zset-max-listpack-entries / -value, defaults).
// memshard always uses the skiplist, but a sorted set that Redis would keep
// as a listpack stores its scores as text, which turns -0 into 0 and makes
// ZSCAN return everything at once; ZSet.big tracks that encoding.
const (
	zsetMaxListpackEntries = 128
	zsetMaxListpackValue   = 64
)

// ZSet is a sorted set value: a dict member→score and a span skiplist
// ordered by (score, member bytes) holding the same elements. Not safe for
// concurrent use.
type ZSet struct {
	dict map[string]float64
	zsl  *zskiplist
	// big is set once Redis would have converted the set to its skiplist
	// encoding (more than 128 elements or a member over 64 bytes); it is
	// never cleared, as in Redis, except for results computed afresh.
	big bool
	// scan indexes the members by hash for ZSCAN of a big set: built on
	// the first ZSCAN, then kept up to date; nil until then.
	scan *btree.BTreeG[zsetScanItem]
}

// zsetScanItem orders members by hash (the ZSCAN cursor) then bytes.
type zsetScanItem struct {
	hash   uint64
	member string
}

func zsetScanLess(a, b zsetScanItem) bool {
	return a.hash < b.hash || (a.hash == b.hash && a.member < b.member)
}

func zsetHash(m string) uint64 {
	h := fnv.New64a()
	h.Write([]byte(m))
	return h.Sum64()
}

// NewZSet returns an empty sorted set.
func NewZSet() *ZSet {
	return &ZSet{dict: make(map[string]float64), zsl: newZskiplist()}
}

// Len returns the number of members.
func (z *ZSet) Len() int { return len(z.dict) }

// Score returns member's score.
func (z *ZSet) Score(member string) (float64, bool) {
	s, ok := z.dict[member]
	return s, ok
}

// Encoding returns the encoding Redis 7.0 would report (OBJECT ENCODING).
func (z *ZSet) Encoding() string {
	if z.big {
		return "skiplist"
	}
	return "listpack"
}

// Range calls f for each member in (score, member) order until f returns false.
func (z *ZSet) Range(f func(member string, score float64) bool) {
	for x := z.zsl.first(); x != nil; x = x.level[0].forward {
		if !f(x.member, x.score) {
			return
		}
	}
}

// LoadsAsSkiplist reports whether Redis, loading z from an RDB file, would
// keep it in the skiplist encoding: more than 128 members, or one over 64
// bytes. Only then does a -0 score survive a snapshot (see Dump).
func (z *ZSet) LoadsAsSkiplist() bool {
	if z.Len() > zsetMaxListpackEntries {
		return true
	}
	for m := range z.dict {
		if len(m) > zsetMaxListpackValue {
			return true
		}
	}
	return false
}

// Clone returns a deep copy (for COPY), with the same encoding.
func (z *ZSet) Clone() any {
	cp := NewZSet()
	cp.big = z.big
	z.Range(func(m string, s float64) bool { cp.insert(m, s); return true })
	return cp
}

// normalize stores -0 as 0 in a listpack-encoded set, as Redis's text scores do.
func (z *ZSet) normalize(score float64) float64 {
	if !z.big && score == 0 {
		return 0
	}
	return score
}

// insert adds a member that is not present.
func (z *ZSet) insert(member string, score float64) {
	if !z.big && (len(z.dict)+1 > zsetMaxListpackEntries || len(member) > zsetMaxListpackValue) {
		z.big = true
	}
	score = z.normalize(score)
	n := z.zsl.insert(score, member)
	z.dict[n.member] = score
	if z.scan != nil {
		z.scan.Set(zsetScanItem{zsetHash(member), n.member})
	}
}

// update changes a present member's score.
func (z *ZSet) update(member string, cur, score float64) {
	score = z.normalize(score)
	n := z.zsl.updateScore(cur, member, score)
	z.dict[n.member] = score
}

// remove deletes member; it reports whether it was present.
func (z *ZSet) remove(member string) bool {
	score, ok := z.dict[member]
	if !ok {
		return false
	}
	z.zsl.delete(score, member)
	z.forget(member)
	return true
}

// forget drops member from the dict and scan index (the skiplist node is gone).
func (z *ZSet) forget(member string) {
	delete(z.dict, member)
	if z.scan != nil {
		z.scan.Delete(zsetScanItem{zsetHash(member), member})
	}
}

// zsetFromPairs builds a result set (ZUNIONSTORE, ZRANGESTORE...) with
// the encoding Redis converts such results to.
func zsetFromPairs(members []string, scores []float64) *ZSet {
	z := NewZSet()
	maxlen := 0
	for _, m := range members {
		maxlen = max(maxlen, len(m))
	}
	z.big = len(members) > zsetMaxListpackEntries || maxlen > zsetMaxListpackValue
	for i, m := range members {
		z.insert(m, scores[i])
	}
	return z
}

// zsetCommands: the sorted-set family.
func zsetCommands() []*Command {
	wdf := []string{FlagWrite, FlagDenyOOM, FlagFast}
	wf := []string{FlagWrite, FlagFast}
	rf := []string{FlagReadOnly, FlagFast}
	ro := []string{FlagReadOnly}
	w := []string{FlagWrite}
	storeFlags := []string{FlagWrite, FlagDenyOOM, "movablekeys"}
	key1 := func(name string, arity int, flags []string, h func(db *DB, c *Call)) *Command {
		return &Command{Name: name, Arity: arity, Flags: flags, FirstKey: 1, LastKey: 1, Step: 1, Handler: h}
	}
	store := func(name string, op zsetOp) *Command {
		return &Command{Name: name, Arity: -4, Flags: storeFlags, FirstKey: 1, LastKey: 1, Step: 1,
			KeysFunc: zsetStoreKeys, Handler: func(db *DB, c *Call) { zsetSetOpCommand(db, c, op, true) }}
	}
	return []*Command{
		key1("zadd", -4, wdf, func(db *DB, c *Call) { zaddGeneric(db, c, false) }),
		key1("zincrby", 4, wdf, func(db *DB, c *Call) { zaddGeneric(db, c, true) }),
		key1("zrem", -3, wf, zremCommand),
		key1("zcard", 2, rf, zcardCommand),
		key1("zcount", 4, rf, zcountCommand),
		key1("zlexcount", 4, rf, zlexcountCommand),
		key1("zscore", 3, rf, zscoreCommand),
		key1("zmscore", -3, rf, zmscoreCommand),
		key1("zrank", 3, rf, func(db *DB, c *Call) { zrankGeneric(db, c, false) }),
		key1("zrevrank", 3, rf, func(db *DB, c *Call) { zrankGeneric(db, c, true) }),
		key1("zrange", -4, ro, func(db *DB, c *Call) { zrangeGeneric(db, c, 1, zrangeAuto, false, true) }),
		key1("zrangebyscore", -4, ro, func(db *DB, c *Call) { zrangeGeneric(db, c, 1, zrangeScore, false, false) }),
		key1("zrevrangebyscore", -4, ro, func(db *DB, c *Call) { zrangeGeneric(db, c, 1, zrangeScore, true, false) }),
		key1("zrangebylex", -4, ro, func(db *DB, c *Call) { zrangeGeneric(db, c, 1, zrangeLex, false, false) }),
		key1("zrevrangebylex", -4, ro, func(db *DB, c *Call) { zrangeGeneric(db, c, 1, zrangeLex, true, false) }),
		key1("zrevrange", -4, ro, func(db *DB, c *Call) { zrangeGeneric(db, c, 1, zrangeRank, true, false) }),
		{Name: "zrangestore", Arity: -5, Flags: []string{FlagWrite, FlagDenyOOM}, FirstKey: 1, LastKey: 2, Step: 1,
			Handler: func(db *DB, c *Call) { zrangeGeneric(db, c, 2, zrangeAuto, false, true) }},
		key1("zpopmin", -2, wf, func(db *DB, c *Call) { zpopCommand(db, c, false) }),
		key1("zpopmax", -2, wf, func(db *DB, c *Call) { zpopCommand(db, c, true) }),
		key1("zremrangebyrank", 4, w, func(db *DB, c *Call) { zremrangeGeneric(db, c, zrangeRank) }),
		key1("zremrangebyscore", 4, w, func(db *DB, c *Call) { zremrangeGeneric(db, c, zrangeScore) }),
		key1("zremrangebylex", 4, w, func(db *DB, c *Call) { zremrangeGeneric(db, c, zrangeLex) }),
		store("zunionstore", zsetUnion),
		store("zinterstore", zsetInter),
		store("zdiffstore", zsetDiff),
		{Name: "zunion", Arity: -3, Flags: []string{FlagReadOnly, "movablekeys"}, KeysFunc: zsetReadKeys,
			Handler: func(db *DB, c *Call) { zsetSetOpCommand(db, c, zsetUnion, false) }},
		{Name: "zinter", Arity: -3, Flags: []string{FlagReadOnly, "movablekeys"}, KeysFunc: zsetReadKeys,
			Handler: func(db *DB, c *Call) { zsetSetOpCommand(db, c, zsetInter, false) }},
		{Name: "zdiff", Arity: -3, Flags: []string{FlagReadOnly, "movablekeys"}, KeysFunc: zsetReadKeys,
			Handler: func(db *DB, c *Call) { zsetSetOpCommand(db, c, zsetDiff, false) }},
		{Name: "zintercard", Arity: -3, Flags: []string{FlagReadOnly, "movablekeys"}, KeysFunc: zsetReadKeys, Handler: zintercardCommand},
		{Name: "zmpop", Arity: -4, Flags: []string{FlagWrite, "movablekeys"}, KeysFunc: mpopKeys, Handler: zmpopCommand},
		key1("zrandmember", -2, ro, zrandmemberCommand),
		key1("zscan", -3, ro, zscanCommand),
	}
}

// zsetStoreKeys returns the keys of ZUNIONSTORE-like argv: dst, then numkeys sources.
func zsetStoreKeys(argv [][]byte) [][]byte {
	return append([][]byte{argv[1]}, zsetNumKeys(argv, 2)...)
}

// zsetReadKeys returns the keys of ZUNION-like argv.
func zsetReadKeys(argv [][]byte) [][]byte { return zsetNumKeys(argv, 1) }

func zsetNumKeys(argv [][]byte, at int) [][]byte {
	if at >= len(argv) {
		return nil
	}
	n, ok := parseInt(argv[at])
	if !ok || n < 1 {
		return nil
	}
	rest := argv[at+1:]
	if int64(len(rest)) < n {
		return nil
	}
	return rest[:n]
}
