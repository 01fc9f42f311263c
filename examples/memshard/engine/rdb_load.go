package engine

import (
	"bytes"
	"encoding/binary"
	"math"
)

// RESTORE's decoding of a payload into memshard's own structures, as
// Redis 7.0's rdbLoadObjectType and rdbLoadObject read it: every object
// type Redis 7.0 loads, the old encodings included, converted on load as
// Redis converts them (a ziplist hash becomes a listpack or a hashtable,
// any list a quicklist), each value then in the encoding Redis gives it.
//
// Redis validates the compact encodings of the current types (listpacks,
// intsets) only shallowly by default (sanitize-dump-payload no): a payload
// whose header is right but whose insides are not is accepted, and breaks
// or crashes a later command. memshard validates everything, always, and
// refuses what Redis would accept but could not serve: a listpack whose
// entries do not parse, duplicate fields or members, an unsorted intset or
// listpack sorted set, a NaN score, a stream whose entries, length or last
// ID disagree, or whose PEL entries have no consumer or two
// (restore_knowndiff_test.go pins these).

// loadPayload decodes the object in p, a payload whose footer
// verifyDumpPayload accepted. The object may run into the footer, as in
// Redis (its rio reads the whole buffer); bytes after it are ignored.
// ok is false for what Redis answers "Bad data format".
func loadPayload(p []byte) (v any, ok bool) {
	r := &rdbReader{b: p}
	t, ok := r.take(1)
	if !ok {
		return nil, false
	}
	switch t[0] {
	case rdbTypeString:
		s, ok := r.str()
		return s, ok
	case rdbTypeList:
		return r.linkedList()
	case rdbTypeSet:
		return r.set()
	case rdbTypeZSet, rdbTypeZSet2:
		return r.zset(t[0] == rdbTypeZSet2)
	case rdbTypeHash:
		return r.hash()
	case rdbTypeHashZipmap:
		return r.encodedHash(zipmapDecode, true)
	case rdbTypeHashZiplist:
		return r.encodedHash(zlDecode, true)
	case rdbTypeHashListpack:
		return r.encodedHash(lpDecodeStrings, false)
	case rdbTypeListZiplist:
		return r.ziplistList()
	case rdbTypeSetIntset:
		return r.intset()
	case rdbTypeZSetZiplist:
		return r.encodedZSet(zlDecode)
	case rdbTypeZSetListpack:
		return r.encodedZSet(lpDecodeStrings)
	case rdbTypeListQuicklist, rdbTypeListQuicklist2:
		return r.quicklist(t[0] == rdbTypeListQuicklist2)
	case rdbTypeStreamListpacks, rdbTypeStreamListpacks2:
		return r.stream(t[0] == rdbTypeStreamListpacks2)
	}
	// Modules (6, 7: memshard loads none, as a Redis without the module)
	// and types Redis 7.0 does not know.
	return nil, false
}

// count reads a number of elements: one that cannot be (RDB_LENERR) or
// zero (Redis refuses empty keys) fails.
func (r *rdbReader) count() (uint64, bool) {
	n, enc, ok := r.readLen()
	return n, ok && !enc && n != rdbLenErr && n > 0
}

// u64 reads a length used as a number (an ID part, a counter).
func (r *rdbReader) u64() (uint64, bool) {
	n, enc, ok := r.readLen()
	return n, ok && !enc
}

// millis reads rdbLoadMillisecondTime's 8 bytes, little-endian.
func (r *rdbReader) millis() (int64, bool) {
	b, ok := r.take(8)
	if !ok {
		return 0, false
	}
	return int64(binary.LittleEndian.Uint64(b)), true
}

func (r *rdbReader) linkedList() (any, bool) {
	n, ok := r.count()
	if !ok {
		return nil, false
	}
	l := NewList()
	for range n {
		s, ok := r.str()
		if !ok {
			return nil, false
		}
		l.PushBack(string(s))
	}
	return l, true
}

func (r *rdbReader) set() (any, bool) {
	n, ok := r.count()
	if !ok {
		return nil, false
	}
	s := NewSet()
	for range n {
		m, ok := r.str()
		if !ok || !s.Add(string(m)) {
			return nil, false // "Duplicate set members detected"
		}
	}
	return s, true
}

func (r *rdbReader) hash() (any, bool) {
	n, ok := r.count()
	if !ok {
		return nil, false
	}
	h := NewHash()
	for range n {
		f, ok1 := r.str()
		v, ok2 := r.str()
		if !ok1 || !ok2 || !h.Set(string(f), string(v)) {
			return nil, false // "Duplicate hash fields detected"
		}
	}
	return h, true
}

// zset reads RDB_TYPE_ZSET (scores as text) and RDB_TYPE_ZSET_2 (binary
// doubles): a listpack when it has at most 128 members none longer than
// 64 bytes, else a skiplist.
func (r *rdbReader) zset(binaryScores bool) (any, bool) {
	n, ok := r.count()
	if !ok {
		return nil, false
	}
	var elems []zsetElem
	seen := make(map[string]struct{})
	big := n > zsetMaxListpackEntries
	for range n {
		m, ok := r.str()
		if !ok {
			return nil, false
		}
		var s float64
		if binaryScores {
			b, ok := r.take(8)
			if !ok {
				return nil, false
			}
			s = math.Float64frombits(binary.LittleEndian.Uint64(b))
		} else if s, ok = r.textScore(); !ok {
			return nil, false
		}
		if math.IsNaN(s) {
			return nil, false // "Zset with NAN score detected"
		}
		if _, dup := seen[string(m)]; dup {
			return nil, false // "Duplicate zset fields detected"
		}
		seen[string(m)] = struct{}{}
		big = big || len(m) > zsetMaxListpackValue
		elems = append(elems, zsetElem{string(m), s})
	}
	return loadedZSet(elems, big), true
}

type zsetElem struct {
	m string
	s float64
}

// loadedZSet builds a sorted set of distinct elems in the encoding given
// (big: skiplist), which may not be the one a ZADD of them would choose.
func loadedZSet(elems []zsetElem, big bool) *ZSet {
	z := NewZSet()
	z.big = true // no conversion while inserting
	for _, e := range elems {
		if !big && e.s == 0 {
			e.s = 0 // a listpack keeps -0 as 0
		}
		z.insert(e.m, e.s)
	}
	z.big = big
	return z
}

// textScore is rdbLoadDoubleValue: a length byte (253 NaN, 254 +inf,
// 255 -inf) then that many bytes of text, read as sscanf's %lg reads it.
func (r *rdbReader) textScore() (float64, bool) {
	h, ok := r.take(1)
	if !ok {
		return 0, false
	}
	switch h[0] {
	case 253:
		return math.NaN(), true
	case 254:
		return math.Inf(1), true
	case 255:
		return math.Inf(-1), true
	}
	b, ok := r.take(uint64(h[0]))
	if !ok {
		return 0, false
	}
	if i := bytes.IndexByte(b, 0); i >= 0 {
		b = b[:i]
	}
	v, end, _ := strtodC(b)
	return v, end > 0
}

// encodedHash reads a hash as a zipmap, ziplist or listpack of fields and
// values: not empty, no duplicate field. Redis converts it to a hashtable
// when it has more than 512 fields, or, for the zipmap and ziplist it
// converts anyway, a field or value longer than 64 bytes; a listpack with
// long values stays one.
func (r *rdbReader) encodedHash(decode func([]byte) ([]string, bool), checkLengths bool) (any, bool) {
	b, ok := r.str()
	if !ok {
		return nil, false
	}
	kv, ok := decode(b)
	if !ok || len(kv) == 0 || len(kv)%2 != 0 {
		return nil, false
	}
	h := NewHash()
	for i := 0; i < len(kv); i += 2 {
		if !h.t.set(kv[i], kv[i+1]) {
			return nil, false
		}
	}
	listpack := h.Len() <= hashMaxListpackEntries
	if listpack && checkLengths {
		for _, s := range kv {
			if len(s) > hashMaxListpackValue {
				listpack = false
				break
			}
		}
	}
	h.listpack = listpack
	return h, true
}

func lpDecodeStrings(p []byte) ([]string, bool) {
	elems, ok := lpDecode(p)
	if !ok {
		return nil, false
	}
	out := make([]string, len(elems))
	for i, e := range elems {
		out[i] = e.String()
	}
	return out, true
}

func (r *rdbReader) ziplistList() (any, bool) {
	b, ok := r.str()
	if !ok {
		return nil, false
	}
	elems, ok := zlDecode(b)
	if !ok || len(elems) == 0 {
		return nil, false
	}
	l := NewList()
	for _, e := range elems {
		l.PushBack(e)
	}
	l.qlSet([]qlNode{lpNodeOf(elems)}) // one node, as Redis converts it
	return l, true
}

// lpNodeOf is the node of a listpack holding elems.
func lpNodeOf(elems []string) qlNode {
	sz := lpEmpty
	for _, e := range elems {
		sz += lpStrElem(e)
	}
	return qlNode{count: int32(len(elems)), sz: int32(sz)}
}

func (r *rdbReader) intset() (any, bool) {
	b, ok := r.str()
	if !ok {
		return nil, false
	}
	ints, width, ok := intsetDecode(b)
	if !ok {
		return nil, false
	}
	s := &Set{ints: ints, width: width}
	if len(ints) > setMaxIntsetEntries {
		s.toHashtable()
	}
	return s, true
}

// encodedZSet reads a sorted set as a ziplist or listpack of members and
// scores, in order. Redis reads a score's text with strtod (its first 127
// bytes); it converts the set to a skiplist when it has more than 128
// members, whatever their lengths.
func (r *rdbReader) encodedZSet(decode func([]byte) ([]string, bool)) (any, bool) {
	b, ok := r.str()
	if !ok {
		return nil, false
	}
	kv, ok := decode(b)
	if !ok || len(kv) == 0 || len(kv)%2 != 0 {
		return nil, false
	}
	elems := make([]zsetElem, 0, len(kv)/2)
	seen := make(map[string]struct{}, len(kv)/2)
	prevScore, prev := math.Inf(-1), ""
	for i := 0; i < len(kv); i += 2 {
		text := []byte(kv[i+1])
		if len(text) > 127 {
			text = text[:127]
		}
		if j := bytes.IndexByte(text, 0); j >= 0 {
			text = text[:j]
		}
		s, _, _ := strtodC(text)
		m := kv[i]
		if _, dup := seen[m]; dup || math.IsNaN(s) || i > 0 && !zslLess(prevScore, prev, s, m) {
			return nil, false // NaN, duplicate or out of order: refused
		}
		seen[m] = struct{}{}
		elems = append(elems, zsetElem{m, s})
		prevScore, prev = s, m
	}
	return loadedZSet(elems, len(elems) > zsetMaxListpackEntries), true
}

// quicklist reads RDB_TYPE_LIST_QUICKLIST (nodes are ziplists) and
// RDB_TYPE_LIST_QUICKLIST_2 (a container, then a listpack or, for a plain
// node, the element itself). Empty nodes are skipped; an empty list is
// refused.
func (r *rdbReader) quicklist(v2 bool) (any, bool) {
	n, ok := r.count()
	if !ok {
		return nil, false
	}
	l := NewList()
	var nodes []qlNode // Redis keeps the payload's nodes
	for range n {
		container := uint64(quicklistPacked)
		if v2 {
			if container, ok = r.u64(); !ok || container != quicklistPlain && container != quicklistPacked {
				return nil, false
			}
		}
		b, ok := r.str()
		if !ok || len(b) == 0 {
			return nil, false
		}
		if container == quicklistPlain {
			l.PushBack(string(b))
			nodes = append(nodes, qlNode{count: 1})
			continue
		}
		var elems []string
		if v2 {
			elems, ok = lpDecodeStrings(b)
		} else {
			elems, ok = zlDecode(b)
		}
		if !ok {
			return nil, false
		}
		for _, e := range elems {
			l.PushBack(e)
		}
		switch {
		case len(elems) == 0: // skipped, as Redis skips an empty node
		case v2:
			nodes = append(nodes, qlNode{count: int32(len(elems)), sz: int32(len(b))})
		default:
			nodes = append(nodes, lpNodeOf(elems))
		}
	}
	l.qlSet(nodes)
	return l, l.Len() > 0
}
