package engine

import (
	"math/rand/v2"
	"sort"
)

// hashTable is an insertion-ordered table of string keys with O(1) lookup,
// insert and delete. Hashes use it for both of Redis's encodings and sets
// for their hashtable encoding.
//
// A deleted entry leaves a tombstone, so the others keep their order (as in
// a listpack); tombstones are compacted away, order preserved, once they
// outnumber the live entries. Each entry carries a sequence number that
// grows with insertion: scan cursors are sequence numbers, so a scan
// survives compaction and returns every entry present throughout.
type hashTable[V any] struct {
	ents []hashEntry[V]
	idx  map[string]int // key -> index in ents
	dead int            // tombstones in ents
	seq  uint64         // sequence number of the last insertion
}

type hashEntry[V any] struct {
	key  string
	val  V
	seq  uint64
	live bool
}

func newHashTable[V any](n int) *hashTable[V] {
	return &hashTable[V]{ents: make([]hashEntry[V], 0, n), idx: make(map[string]int, n)}
}

func (t *hashTable[V]) len() int { return len(t.idx) }

func (t *hashTable[V]) get(k string) (V, bool) {
	if i, ok := t.idx[k]; ok {
		return t.ents[i].val, true
	}
	var zero V
	return zero, false
}

func (t *hashTable[V]) has(k string) bool {
	_, ok := t.idx[k]
	return ok
}

// set stores v under k, in place if k exists; it reports whether k is new.
func (t *hashTable[V]) set(k string, v V) bool {
	if i, ok := t.idx[k]; ok {
		t.ents[i].val = v
		return false
	}
	t.seq++
	t.idx[k] = len(t.ents)
	t.ents = append(t.ents, hashEntry[V]{key: k, val: v, seq: t.seq, live: true})
	return true
}

// del removes k; it reports whether k existed.
func (t *hashTable[V]) del(k string) bool {
	i, ok := t.idx[k]
	if !ok {
		return false
	}
	delete(t.idx, k)
	var zero V
	t.ents[i] = hashEntry[V]{seq: t.ents[i].seq, val: zero}
	t.dead++
	if len(t.idx) == 0 {
		t.ents, t.dead = t.ents[:0], 0
	} else if t.dead > 16 && t.dead > len(t.idx) {
		t.compact()
	}
	return true
}

func (t *hashTable[V]) compact() {
	n := 0
	for _, e := range t.ents {
		if e.live {
			t.ents[n] = e
			t.idx[e.key] = n
			n++
		}
	}
	clear(t.ents[n:])
	t.ents, t.dead = t.ents[:n], 0
}

// each calls f for every entry in order until f returns false.
func (t *hashTable[V]) each(f func(k string, v V) bool) {
	for i := range t.ents {
		if e := &t.ents[i]; e.live && !f(e.key, e.val) {
			return
		}
	}
}

// random returns a uniformly chosen entry. t must not be empty. Tombstones
// never outnumber live entries by more than 16, so the expected number of
// draws is small.
func (t *hashTable[V]) random() (string, V) {
	for {
		if e := &t.ents[rand.IntN(len(t.ents))]; e.live {
			return e.key, e.val
		}
	}
}

// scan calls f for up to count entries starting at cursor (0: the start)
// and returns the cursor to continue from, 0 when done.
func (t *hashTable[V]) scan(cursor uint64, count int64, f func(k string, v V)) uint64 {
	i := sort.Search(len(t.ents), func(i int) bool { return t.ents[i].seq >= cursor })
	for ; i < len(t.ents) && count > 0; i++ {
		if e := &t.ents[i]; e.live {
			f(e.key, e.val)
			count--
		}
	}
	for ; i < len(t.ents); i++ {
		if t.ents[i].live {
			return t.ents[i].seq
		}
	}
	return 0
}

// clone returns a copy of t.
func (t *hashTable[V]) clone() *hashTable[V] {
	c := newHashTable[V](t.len())
	t.each(func(k string, v V) bool {
		c.set(k, v)
		return true
	})
	return c
}
