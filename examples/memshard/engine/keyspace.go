package engine

import (
	"cmp"
	"fmt"
	"hash/maphash"
	"math/bits"
	"math/rand/v2"
	"slices"

	"github.com/quorumlog/quorumlog/examples/memshard/hashslot"
)

// keyspaceBits sets the number of buckets of a keyspace: 2^14. A million
// keys make about 60 per bucket; SCAN sorts the part of one bucket it
// resumes in, so a call costs O(count + bucket log bucket).
const keyspaceBits = 14

// keyspace maps key names to entries. It is split into buckets by the top
// bits of a seeded 64-bit hash of the name, and that hash is SCAN's order:
// a cursor is the hash to resume from, and the keys from it on are found by
// sorting the rest of its bucket, then the buckets after it.
//
// This replaced a B-tree of every key in hash order kept beside one big map:
// SCAN is rare, but the tree's insert (a cache miss per level at a million
// keys) was a quarter of a replica's CPU under a SET load. Buckets are nil
// until their first key.
type keyspace struct {
	seed    maphash.Seed
	n       int
	buckets [1 << keyspaceBits]map[string]*Entry
	// occupied has bit b set while bucket b holds keys, and filled counts
	// them, so that random draws a non-empty bucket uniformly.
	occupied [1 << keyspaceBits / 64]uint64
	filled   int
	// slots counts the keys of each Redis Cluster hash slot (CLUSTER
	// COUNTKEYSINSLOT). Only set (for a new key), del and clear change it,
	// so a key's slot is hashed when it is created or deleted, never when
	// it is overwritten or read: SET of an existing key, the hottest path,
	// pays nothing. 64 KiB, where Redis keeps a list of each slot's keys
	// (16 bytes a key) that GETKEYSINSLOT walks.
	slots [hashslot.Count]uint32
}

func newKeyspace() *keyspace { return &keyspace{seed: maphash.MakeSeed()} }

func (ks *keyspace) bucketOf(h uint64) int { return int(h >> (64 - keyspaceBits)) }

func (ks *keyspace) get(key string) *Entry {
	return ks.buckets[ks.bucketOf(maphash.String(ks.seed, key))][key]
}

// getBytes is get for a key held as bytes, without converting it.
func (ks *keyspace) getBytes(key []byte) *Entry {
	return ks.buckets[ks.bucketOf(maphash.Bytes(ks.seed, key))][string(key)]
}

// set stores e under key; it reports whether key is new.
func (ks *keyspace) set(key string, e *Entry) bool {
	b := &ks.buckets[ks.bucketOf(maphash.String(ks.seed, key))]
	if *b == nil {
		*b = make(map[string]*Entry)
	}
	n := len(*b)
	(*b)[key] = e
	if len(*b) == n {
		return false
	}
	if n == 0 {
		ks.occupy(ks.bucketOf(maphash.String(ks.seed, key)), true)
	}
	ks.n++
	ks.slots[hashslot.Of(key)]++
	return true
}

// occupy records whether bucket b holds keys.
func (ks *keyspace) occupy(b int, full bool) {
	word, bit := b/64, uint64(1)<<(b%64)
	if full {
		ks.occupied[word] |= bit
		ks.filled++
	} else {
		ks.occupied[word] &^= bit
		ks.filled--
	}
}

// del removes key; it reports whether it was there.
func (ks *keyspace) del(key string) bool {
	i := ks.bucketOf(maphash.String(ks.seed, key))
	b := ks.buckets[i]
	if _, ok := b[key]; !ok {
		return false
	}
	delete(b, key)
	if len(b) == 0 {
		ks.occupy(i, false)
	}
	ks.n--
	ks.slots[hashslot.Of(key)]--
	return true
}

// each calls f for every key, in no particular order, until f returns false.
func (ks *keyspace) each(f func(key string, e *Entry) bool) {
	for _, b := range ks.buckets {
		for k, e := range b {
			if !f(k, e) {
				return
			}
		}
	}
}

func (ks *keyspace) clear() {
	ks.buckets = [1 << keyspaceBits]map[string]*Entry{}
	ks.occupied = [1 << keyspaceBits / 64]uint64{}
	ks.slots = [hashslot.Count]uint32{}
	ks.n, ks.filled = 0, 0
}

// inSlot returns up to limit keys of slot, in the keyspace's order, or
// nil if it has none. It walks the keyspace until it has them all: O(N)
// in the worst case, like KEYS.
func (ks *keyspace) inSlot(slot int, limit int64) []string {
	n := int(min(limit, int64(ks.slots[slot])))
	if n == 0 {
		return nil
	}
	keys := make([]string, 0, n)
	ks.each(func(k string, _ *Entry) bool {
		if hashslot.Of(k) == slot {
			keys = append(keys, k)
		}
		return len(keys) < n
	})
	return keys
}

// checkSlots recounts the keys of every slot and compares with the
// counts kept: an error names the first slot that differs. For tests.
func (ks *keyspace) checkSlots() error {
	var counts [hashslot.Count]uint32
	ks.each(func(k string, _ *Entry) bool {
		counts[hashslot.Of(k)]++
		return true
	})
	for slot := range counts {
		if counts[slot] != ks.slots[slot] {
			return fmt.Errorf("engine: slot %d holds %d keys, its count says %d", slot, counts[slot], ks.slots[slot])
		}
	}
	return nil
}

// random returns a key of a bucket drawn uniformly among the non-empty
// ones, itself drawn uniformly in its bucket: as Redis's dictGetRandomKey
// draws a bucket, then an element of its chain. (Walking from a random
// bucket to the next non-empty one, as this did, drew a key in proportion
// to the empty buckets before it: in a sparse keyspace some keys were
// almost never drawn, and eviction sampling never saw them.) The bucket
// is found in the occupancy bitmap, 256 words; nil if empty.
func (ks *keyspace) random() (string, *Entry) {
	if ks.n == 0 {
		return "", nil
	}
	if ks.filled*2 >= len(ks.buckets) {
		// Mostly full (a keyspace of more than about 12k keys): drawing
		// buckets until a non-empty one is as uniform, and cheaper.
		for range 64 {
			if b := ks.buckets[rand.IntN(len(ks.buckets))]; len(b) > 0 {
				return randomIn(b)
			}
		}
	}
	r := rand.IntN(ks.filled)
	for w, word := range ks.occupied {
		c := bits.OnesCount64(word)
		if r >= c {
			r -= c
			continue
		}
		for ; r > 0; r-- {
			word &= word - 1 // drop the lowest set bit
		}
		return randomIn(ks.buckets[w*64+bits.TrailingZeros64(word)])
	}
	panic("keyspace: occupancy bitmap out of step with the buckets")
}

// randomIn returns a key of the non-empty bucket b, drawn uniformly.
func randomIn(b map[string]*Entry) (string, *Entry) {
	skip := rand.IntN(len(b))
	for k, e := range b {
		if skip == 0 {
			return k, e
		}
		skip--
	}
	panic("keyspace: bucket changed while drawn from")
}

type scanItem struct {
	hash uint64
	key  string
}

// scan returns the keys whose hash is at least cursor in (hash, key)
// order: count of them (more only to finish a run of equal hashes), and
// the cursor to resume from (0 once no key is left). Every key present
// for a whole iteration is returned exactly once, whatever is added or
// deleted between calls.
func (ks *keyspace) scan(cursor uint64, count int) ([]string, uint64) {
	var keys []string
	var items []scanItem
	for b := ks.bucketOf(cursor); b < len(ks.buckets); b++ {
		items = items[:0]
		for k := range ks.buckets[b] {
			if h := maphash.String(ks.seed, k); h >= cursor {
				items = append(items, scanItem{h, k})
			}
		}
		slices.SortFunc(items, func(x, y scanItem) int {
			return cmp.Or(cmp.Compare(x.hash, y.hash), cmp.Compare(x.key, y.key))
		})
		for i, it := range items {
			if len(keys) >= count && it.hash != items[max(i-1, 0)].hash {
				return keys, it.hash // > the last key's hash >= cursor: never 0
			}
			keys = append(keys, it.key)
		}
		if len(keys) >= count {
			// The bucket is done: resume at the next one's first hash (0,
			// the end, after the last bucket).
			return keys, uint64(b+1) << (64 - keyspaceBits)
		}
	}
	return keys, 0
}
