package logstore

// Limits of a log's recent records (see recentRecords), and of all logs'
// together: with thousands of followed logs, those past the store's budget
// are read from their files.
const (
	recentMaxRecords  = 256
	recentMaxBytes    = 256 << 10
	recentStoreBudget = 64 << 20
)

// noteRecent keeps rec among l's recent records if somebody waits on l and
// the store's budget allows, and otherwise drops what l holds. Under mu.
func (s *Store) noteRecent(l *logState, rec Record) {
	before := l.recent.bytes
	if l.waitCh != nil && s.recentBytes < s.recentBudget {
		l.recent.add(rec)
	} else if len(l.recent.recs) > 0 {
		l.recent.reset()
	}
	s.recentBytes += l.recent.bytes - before
}

// recentRecords is the tail of a log kept in memory for its followers: a
// reader waiting at the end of a log (Wait, then Read) is served the records
// the next Apply appended from here, without a pread and a CRC check per
// record. It holds copies of the payloads, oldest first, with contiguous
// IDs, and only while somebody waits on the log: an Apply that finds no
// waiter drops it, so logs nobody follows cost no memory. What it holds is
// bounded by recentMaxRecords and recentMaxBytes per followed log, and by
// recentStoreBudget in all.
type recentRecords struct {
	recs  []Record
	bytes int
}

// add appends rec (its payload copied), which must follow the last record
// held, dropping the oldest ones beyond the limits.
func (r *recentRecords) add(rec Record) {
	if n := len(r.recs); n > 0 && r.recs[n-1].ID+1 != rec.ID {
		r.reset()
	}
	rec.Payload = append([]byte(nil), rec.Payload...)
	r.recs = append(r.recs, rec)
	r.bytes += len(rec.Payload)
	if len(r.recs) <= recentMaxRecords && r.bytes <= recentMaxBytes {
		return
	}
	// Drop down to three quarters of the limits, so that the shift below
	// (rather than a reslice, which would let the array creep) is rare.
	drop := 0
	for drop < len(r.recs)-1 && (len(r.recs)-drop > recentMaxRecords*3/4 || r.bytes > recentMaxBytes*3/4) {
		r.bytes -= len(r.recs[drop].Payload)
		drop++
	}
	n := copy(r.recs, r.recs[drop:])
	clear(r.recs[n:])
	r.recs = r.recs[:n]
}

func (r *recentRecords) reset() {
	clear(r.recs)
	r.recs = r.recs[:0]
	r.bytes = 0
}

// read returns copies of the records from fromID on, as Read would (at most
// maxRecs, and after the first at most maxBytes of payload), and ok=false
// if fromID is not held.
func (r *recentRecords) read(fromID uint64, maxRecs, maxBytes int) (recs []Record, ok bool) {
	if len(r.recs) == 0 || fromID < r.recs[0].ID || fromID > r.recs[len(r.recs)-1].ID {
		return nil, false
	}
	held := r.recs[fromID-r.recs[0].ID:]
	n, total := 0, 0
	for n < len(held) && n < maxRecs {
		if n > 0 && total+len(held[n].Payload) > maxBytes {
			break
		}
		total += len(held[n].Payload)
		n++
	}
	arena := make([]byte, 0, total)
	recs = make([]Record, n)
	for i, h := range held[:n] {
		start := len(arena)
		arena = append(arena, h.Payload...)
		recs[i] = Record{ID: h.ID, CRC: h.CRC, Payload: arena[start:len(arena):len(arena)]}
	}
	return recs, true
}
