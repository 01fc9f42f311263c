package logstore

import (
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"sync"
)

// readChunk is how much Read asks of the file per pread.
const readChunk = 64 << 10

// errVanished means a segment file disappeared under a reader (the log was
// deleted or the segment trimmed and removed by Sync); Read retries from
// fresh metadata, which then reports ErrNoLog or ErrTrimmed.
var errVanished = errors.New("logstore: segment file vanished")

// readBufs recycles Read's scratch buffers; payloads are copied out of them.
var readBufs = sync.Pool{New: func() any { b := make([]byte, readChunk); return &b }}

// readPlan is what Read copies under the lock: enough to do its I/O without it.
type readPlan struct {
	dir    string // state directory: a Restore switches to another
	name   string
	num    uint64
	fromID uint64
	segs   []readSeg
}

type readSeg struct {
	sg      *segment // only to install a scanned index, under the lock
	f       *os.File // the segment's write handle if open (see readSegment)
	firstID uint64
	lastID  uint64
	size    int64
	scanEnd int64
	off     int64  // where to start reading
	at      uint64 // ID of the frame at off
	indexed bool   // off/at are set; otherwise the segment must be scanned
}

// Read returns the records of log with ID >= fromID in order: at most max
// records and, after the first record, at most maxBytes payload bytes in
// total. fromID 0 means FirstID. Reading below FirstID gives a *RangeError
// wrapping ErrTrimmed, above LastID+1 one wrapping ErrBeyondTail; reading at
// LastID+1 (or max <= 0) returns no records and no error.
//
// Read checks the CRCs of every frame it reads from a file and returns an
// error wrapping ErrCorrupt if one fails. Records a followed log still holds
// in memory (recentRecords: what the last Applies appended, copied there
// from the very bytes written) are returned from there, under the lock. It
// is safe concurrently with Apply: it holds the store lock only to copy the
// log's metadata (or those records), and reads with pread. The returned
// payloads are the caller's.
func (s *Store) Read(log string, fromID uint64, max int, maxBytes int) ([]Record, error) {
	for attempt := 0; ; attempt++ {
		p, recent, err := s.planRead(log, fromID, max, maxBytes)
		if err != nil || p == nil {
			return recent, err
		}
		recs, err := s.readPlanned(p, max, maxBytes)
		if errors.Is(err, errVanished) && attempt < 3 {
			continue
		}
		return recs, err
	}
}

// planRead checks the range and copies the segments Read will visit, or
// returns the records at once if the log's recent records hold fromID.
func (s *Store) planRead(log string, fromID uint64, maxRecs, maxBytes int) (*readPlan, []Record, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.closed {
		return nil, nil, ErrClosed
	}
	l := s.logs[log]
	if l == nil {
		return nil, nil, fmt.Errorf("read %q: %w", log, ErrNoLog)
	}
	if fromID == 0 {
		fromID = l.trimmed + 1
	}
	switch {
	case fromID <= l.trimmed:
		return nil, nil, &RangeError{Log: log, FirstID: l.trimmed + 1, LastID: l.lastID, Err: ErrTrimmed}
	case fromID > l.lastID+1:
		return nil, nil, &RangeError{Log: log, FirstID: l.trimmed + 1, LastID: l.lastID, Err: ErrBeyondTail}
	case fromID == l.lastID+1 || maxRecs <= 0:
		return nil, nil, nil
	}
	if recs, ok := l.recent.read(fromID, maxRecs, maxBytes); ok {
		s.metrics.recentReads.Inc()
		return nil, recs, nil
	}
	p := &readPlan{dir: s.dir, name: log, num: l.num, fromID: fromID}
	i := findSegment(l.segs, fromID)
	if i < 0 {
		return nil, nil, fmt.Errorf("read %q: no segment holds ID %d: %w", log, fromID, ErrCorrupt)
	}
	for want := uint64(maxRecs); i < len(l.segs) && want > 0; i++ {
		sg := l.segs[i]
		rs := readSeg{sg: sg, f: sg.f, firstID: sg.firstID, lastID: segLastID(l.segs, i, l.lastID), size: sg.size, scanEnd: sg.scanEnd}
		start := max(fromID, sg.firstID)
		if start == sg.firstID {
			rs.off, rs.at, rs.indexed = segHeaderLen, sg.firstID, true
		} else {
			rs.off, rs.at, rs.indexed = sg.indexedOffset(start)
		}
		p.segs = append(p.segs, rs)
		want -= min(want, rs.lastID-start+1)
	}
	return p, nil, nil
}

// readPlanned does the I/O of a planned read.
func (s *Store) readPlanned(p *readPlan, maxRecs, maxBytes int) ([]Record, error) {
	bp := readBufs.Get().(*[]byte)
	defer readBufs.Put(bp)
	n := 0 // records planned, to size the slices once
	for _, rs := range p.segs {
		n += int(rs.lastID - max(p.fromID, rs.firstID) + 1)
	}
	n = min(n, maxRecs, 1<<16)
	var (
		recs  = make([]Record, 0, n)
		ends  = make([]int, 0, n) // end of each record's payload in arena
		arena []byte
		total int
	)
	for i := range p.segs {
		rs := &p.segs[i]
		done, err := s.readSegment(p, rs, bp, func(r Record) bool {
			if len(recs) > 0 && total+len(r.Payload) > maxBytes {
				return false
			}
			total += len(r.Payload)
			arena = append(arena, r.Payload...)
			ends = append(ends, len(arena))
			recs = append(recs, Record{ID: r.ID, CRC: r.CRC})
			return len(recs) < maxRecs
		})
		if err != nil {
			return nil, err
		}
		if done {
			break
		}
	}
	start := 0
	for i := range recs {
		recs[i].Payload = arena[start:ends[i]:ends[i]]
		start = ends[i]
	}
	return recs, nil
}

// readSegment passes the records of rs with ID >= p.fromID to emit until emit
// returns false (done=true) or the segment ends.
//
// A segment being written (the tail, where followers of a log read) has its
// write handle open: the read borrows it, saving an open and a close per
// read. os.File reference-counts its descriptor, so a Sync that closes the
// handle meanwhile makes the pread fail with os.ErrClosed, never read
// another file; the read is then retried from a fresh plan.
func (s *Store) readSegment(p *readPlan, rs *readSeg, bp *[]byte, emit func(Record) bool) (done bool, err error) {
	if rs.f != nil {
		done, err = s.readSegmentFile(rs.f, p, rs, bp, emit)
		if errors.Is(err, os.ErrClosed) {
			err = errVanished
		}
		return done, err
	}
	f, err := os.Open(filepath.Join(p.dir, "logs", logDirName(p.num), segFileName(rs.firstID)))
	if errors.Is(err, os.ErrNotExist) {
		return false, errVanished
	}
	if err != nil {
		return false, err
	}
	defer f.Close()
	return s.readSegmentFile(f, p, rs, bp, emit)
}

func (s *Store) readSegmentFile(f *os.File, p *readPlan, rs *readSeg, bp *[]byte, emit func(Record) bool) (done bool, err error) {
	if !rs.indexed {
		if err := s.indexSegment(f, p, rs); err != nil {
			return false, err
		}
	}
	r := frameReader{f: f, buf: *bp, off: rs.off, limit: rs.size}
	defer func() { *bp = r.buf }()
	if rs.off == segHeaderLen {
		// Starting at the front: check the segment header, in the same pread.
		// (A read that starts mid-segment uses an index, which was built by
		// this process or by a scan that checked the header.)
		r.off = 0
		err := r.fill(segHeaderLen)
		if err == nil {
			err = checkSegHeader(r.buf[:segHeaderLen], rs.firstID)
		}
		if err != nil {
			return false, fmt.Errorf("read log %q segment %d: %w", p.name, rs.firstID, err)
		}
		r.start, r.off = segHeaderLen, segHeaderLen
	}
	for id := rs.at; id <= rs.lastID; id++ {
		off := r.off
		frame, err := r.next()
		var rec Record
		if err == nil {
			rec, _, err = decodeFrame(frame)
		}
		if err == nil && rec.ID != id {
			err = fmt.Errorf("frame ID %d, want %d: %w", rec.ID, id, ErrCorrupt)
		}
		if err != nil {
			return false, fmt.Errorf("read log %q segment %d offset %d: %w", p.name, rs.firstID, off, err)
		}
		if id >= p.fromID && !emit(rec) {
			return true, nil
		}
	}
	return false, nil
}

// indexSegment scans a segment Open found, installs its index and sets
// rs.off/at for the read.
func (s *Store) indexSegment(f *os.File, p *readPlan, rs *readSeg) error {
	idx, scanned, err := scanIndex(f, rs.firstID, rs.scanEnd)
	s.scannedBytes.Add(uint64(scanned))
	if err != nil {
		return fmt.Errorf("index log %q segment %d: %w", p.name, rs.firstID, err)
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	sg := rs.sg
	if !sg.indexed {
		// Apply indexed what it appended since Open; it starts where the
		// scanned part ends unless nothing was appended.
		if len(sg.idx) > 0 && sg.idxBase == len(idx) {
			idx = append(idx, sg.idx...)
		}
		sg.idx, sg.idxBase, sg.indexed = idx, 0, true
	}
	var ok bool
	if rs.off, rs.at, ok = sg.indexedOffset(max(p.fromID, rs.firstID)); !ok {
		return fmt.Errorf("index log %q segment %d: empty: %w", p.name, rs.firstID, ErrCorrupt)
	}
	return nil
}

// frameReader reads consecutive frames of a file through a buffer.
type frameReader struct {
	f          *os.File
	buf        []byte
	start, end int   // buf[start:end] holds file bytes from off
	off        int64 // file offset of the next frame
	limit      int64 // end of the segment's data
}

// next returns the bytes of the next frame, valid until the following call.
func (r *frameReader) next() ([]byte, error) {
	if err := r.fill(frameHeaderLen); err != nil {
		return nil, err
	}
	h, err := decodeFrameHeader(r.buf[r.start:r.end])
	if err != nil {
		return nil, err
	}
	n := frameHeaderLen + h.payloadLen
	if err := r.fill(n); err != nil {
		return nil, err
	}
	frame := r.buf[r.start : r.start+n]
	r.start += n
	r.off += int64(n)
	return frame, nil
}

// fill makes buf[start:end] hold at least n bytes.
func (r *frameReader) fill(n int) error {
	if r.end-r.start >= n {
		return nil
	}
	if r.off+int64(n) > r.limit {
		return fmt.Errorf("frame past segment end %d: %w", r.limit, ErrCorrupt)
	}
	if n > len(r.buf) {
		nb := make([]byte, n)
		copy(nb, r.buf[r.start:r.end])
		r.buf = nb
	} else {
		copy(r.buf, r.buf[r.start:r.end])
	}
	r.end -= r.start
	r.start = 0
	want := int(min(int64(len(r.buf)), r.limit-r.off))
	m, err := r.f.ReadAt(r.buf[r.end:want], r.off+int64(r.end))
	r.end += m
	if r.end < n {
		if err == nil || errors.Is(err, io.EOF) {
			return fmt.Errorf("segment shorter than recorded %d: %w", r.limit, ErrCorrupt)
		}
		return err
	}
	return nil
}
