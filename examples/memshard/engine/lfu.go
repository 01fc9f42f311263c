package engine

import "math/rand/v2"

// LFU: with an LFU maxmemory-policy Redis keeps, in each object's 24-bit
// access field, a logarithmic access counter (8 bits) and when it was
// last decremented, in minutes (16 bits), instead of the access time
// (evict.c). memshard keeps the same in Entry.lru, under the same rules,
// so OBJECT FREQ and the LFU policies' choices match Redis's.

// lfuInitVal is LFU_INIT_VAL: a new key's counter, so that it is not
// evicted before it has had a chance to be accessed.
const lfuInitVal = 5

// lfuNow is LFUGetTimeInMinutes: the DB's clock in minutes, on 16 bits.
func (db *DB) lfuNow() uint32 { return (db.clock / 60) & 65535 }

// lfuNew is a new object's access field under an LFU policy.
func (db *DB) lfuNew() uint32 { return db.lfuNow()<<8 | lfuInitVal }

// lfuDecrAndReturn is LFUDecrAndReturn: the counter of access field lru,
// decremented by one for each lfu-decay-time minutes since it was last
// decremented (not stored: an access stores it, OBJECT FREQ only reads).
func (db *DB) lfuDecrAndReturn(lru uint32) uint32 {
	ldt, counter := lru>>8, lru&255
	if db.maxmem.LFUDecayTime == 0 {
		return counter
	}
	now := db.lfuNow()
	elapsed := now - ldt
	if now < ldt {
		elapsed = 65535 - ldt + now
	}
	periods := elapsed / uint32(db.maxmem.LFUDecayTime)
	if periods > counter {
		return 0
	}
	return counter - periods
}

// lfuAccess is updateLFU: the access field after one more access.
func (db *DB) lfuAccess(lru uint32) uint32 {
	counter := db.lfuDecrAndReturn(lru)
	if counter < 255 {
		// LFULogIncr: the higher the counter, the less likely it grows.
		base := max(float64(counter)-lfuInitVal, 0)
		if rand.Float64() < 1/(base*float64(db.maxmem.LFULogFactor)+1) {
			counter++
		}
	}
	return db.lfuNow()<<8 | counter
}
