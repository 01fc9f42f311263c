package logstore

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"time"
)

// OpKind is the kind of an Op.
type OpKind uint8

// The op kinds. The zero OpKind is invalid, so a forgotten Kind fails.
const (
	OpCreate OpKind = iota + 1 // create an empty log
	OpDelete                   // delete a log and all its records
	OpAppend                   // append records, optionally conditional on the last ID
	OpTrim                     // make records <= ThroughID unreadable
)

func (k OpKind) String() string {
	switch k {
	case OpCreate:
		return "create"
	case OpDelete:
		return "delete"
	case OpAppend:
		return "append"
	case OpTrim:
		return "trim"
	}
	return fmt.Sprintf("OpKind(%d)", uint8(k))
}

// Op is one operation of a raft entry.
type Op struct {
	Kind OpKind
	Log  string
	// Records to append (OpAppend). IDs are ignored and assigned; CRCs must
	// already be verified by the caller and are stored as given.
	Records []Record
	// Conditional makes an OpAppend apply only if the log's LastID equals
	// ExpectedLastID and, with CheckChecksum, its running checksum equals
	// ExpectedChecksum.
	Conditional      bool
	ExpectedLastID   uint64
	CheckChecksum    bool
	ExpectedChecksum uint32
	// ThroughID is the trim point of an OpTrim; it is clamped to LastID and
	// a trim at or below the current trim point changes nothing.
	ThroughID uint64
}

// Result is the outcome of one Op.
type Result struct {
	// OpAppend: the IDs assigned (an append of no records gives FirstID =
	// LastID+1). OpTrim: FirstID is the first readable ID after the trim and
	// LastID the log's last ID.
	FirstID, LastID uint64
	// Checksum is the running checksum after LastID (OpAppend).
	Checksum uint32
	// Err is ErrNoLog, ErrExists or a *ConditionError (possibly wrapped): the
	// op changed nothing. It is an outcome, identical on every replica.
	Err error
}

// pendingWrite buffers the frames one Apply adds to one log's active
// segment, so the entry costs one write per touched log.
type pendingWrite struct {
	l        *logState // nil once the log was deleted within the entry
	seg      *segment
	off      int64 // file offset of buf[0]
	buf      []byte
	appended bool
}

// maxKeptBuf is the largest write buffer kept for reuse; a rare huge entry
// should not pin its buffer forever.
const maxKeptBuf = 4 << 20

// Apply applies the ops of raft entry index in order and sets results[i] to
// the outcome of ops[i]; len(results) must equal len(ops). index must be
// above AppliedIndex, else Apply returns an error and changes nothing.
//
// Per-op failures go into results[i].Err and change nothing for that op. A
// non-nil error means an I/O failure left the store in an unknown state: the
// caller must stop (crash); every later Apply returns the same error, and
// the next Open recovers the last Sync. Apply advances AppliedIndex even when
// ops is empty, and wakes the Wait callers of every log it appended to. The
// writes are not fsynced: the raft log is the durable copy until Sync.
func (s *Store) Apply(index uint64, ops []Op, results []Result) error {
	if len(results) != len(ops) {
		return fmt.Errorf("logstore: apply %d: %d results for %d ops", index, len(results), len(ops))
	}
	start := time.Now()
	s.mu.Lock()
	defer s.mu.Unlock()
	switch {
	case s.closed:
		return ErrClosed
	case s.broken != nil:
		return s.broken
	case index <= s.applied:
		return fmt.Errorf("logstore: apply %d: already applied through %d", index, s.applied)
	}
	var err error
	appended := 0
	for i := range ops {
		if results[i], err = s.applyOp(&ops[i]); err != nil {
			break
		}
		if ops[i].Kind == OpAppend && results[i].Err == nil {
			appended += len(ops[i].Records)
		}
	}
	if ferr := s.flushTouchedLocked(); err == nil {
		err = ferr
	}
	if err != nil {
		s.broken = fmt.Errorf("logstore: apply %d: %w", index, err)
		return s.broken
	}
	s.applied = index
	if s.appliedCh != nil {
		close(s.appliedCh)
		s.appliedCh = nil
	}
	s.setSizeLocked()
	s.metrics.observeApply(start, appended)
	return nil
}

// applyOp applies one op. A returned error is an I/O failure.
func (s *Store) applyOp(op *Op) (Result, error) {
	if op.Kind == OpCreate {
		return s.create(op.Log)
	}
	l := s.logs[op.Log]
	if l == nil {
		return Result{Err: fmt.Errorf("%s %q: %w", op.Kind, op.Log, ErrNoLog)}, nil
	}
	switch op.Kind {
	case OpDelete:
		return Result{}, s.delete(l)
	case OpAppend:
		if op.Conditional && (op.ExpectedLastID != l.lastID || op.CheckChecksum && op.ExpectedChecksum != l.checksum) {
			return Result{Err: &ConditionError{Log: l.name, Expected: op.ExpectedLastID, Actual: l.lastID,
				ExpectedChecksum: op.ExpectedChecksum, ActualChecksum: l.checksum, CheckedChecksum: op.CheckChecksum}}, nil
		}
		return s.appendRecords(l, op.Records)
	case OpTrim:
		s.trim(l, op.ThroughID)
		return Result{FirstID: l.trimmed + 1, LastID: l.lastID}, nil
	}
	return Result{Err: fmt.Errorf("logstore: log %q: unknown op kind %d", op.Log, op.Kind)}, nil
}

func (s *Store) create(name string) (Result, error) {
	if s.logs[name] != nil {
		return Result{Err: fmt.Errorf("create %q: %w", name, ErrExists)}, nil
	}
	num := s.nextNum
	// A leftover directory of this number can only come from a state whose
	// META never listed it; its files are overwritten (O_TRUNC) or ignored.
	if err := os.Mkdir(s.logDir(num), 0o755); err != nil && !errors.Is(err, os.ErrExist) {
		return Result{}, err
	}
	s.nextNum++
	s.newLogs = true
	s.logs[name] = &logState{name: name, num: num}
	return Result{FirstID: 1}, nil
}

// delete drops l from memory at once and moves its directory to trash; Sync
// deletes it for good once a META without l is durable, and Open brings it
// back if the durable META still lists l.
func (s *Store) delete(l *logState) error {
	if l.pw != nil {
		l.pw.l = nil // its frames are never written: the log is gone
		l.pw = nil
	}
	for _, sg := range l.segs {
		s.dropSegment(sg)
	}
	s.bytes -= l.bytes
	s.recentBytes -= l.recent.bytes
	delete(s.logs, l.name)
	delete(s.dirtyDirs, l.num)
	l.gone = true
	l.wake()
	s.pendingTrash = append(s.pendingTrash, l.num)
	return os.Rename(s.logDir(l.num), filepath.Join(s.dir, "trash", logDirName(l.num)))
}

// dropSegment detaches sg from syncing; its handle is closed after the next
// Sync (a running Sync may still be fsyncing it).
func (s *Store) dropSegment(sg *segment) {
	if sg.f != nil {
		s.pendingClose = append(s.pendingClose, sg.f)
		sg.f = nil
		s.openWriters--
	}
	sg.dirty = false
}

// trim moves l's trim point to min(through, lastID) if that is higher and
// forgets sealed segments wholly at or below it; their files are deleted by
// the Sync whose META covers the trim.
func (s *Store) trim(l *logState, through uint64) {
	through = min(through, l.lastID)
	if through <= l.trimmed {
		return
	}
	l.trimmed = through
	k := 0
	for k < len(l.segs)-1 && l.segs[k+1].firstID-1 <= through {
		sg := l.segs[k]
		s.dropSegment(sg)
		s.pendingRemove = append(s.pendingRemove, segName{l.num, sg.firstID})
		l.bytes -= uint64(sg.size)
		s.bytes -= uint64(sg.size)
		k++
	}
	if k > 0 {
		l.segs = slices.Clone(l.segs[k:])
	}
}

// appendRecords assigns IDs to recs and buffers their frames.
func (s *Store) appendRecords(l *logState, recs []Record) (Result, error) {
	res := Result{FirstID: l.lastID + 1}
	for i := range recs {
		r := &recs[i]
		sg, err := s.activeSegment(l)
		if err != nil {
			return Result{}, err
		}
		pw, err := s.pending(l, sg)
		if err != nil {
			return Result{}, err
		}
		id := l.lastID + 1
		n := len(pw.buf)
		pw.buf = appendFrame(pw.buf, id, r.Payload, r.CRC)
		sg.noteFrame(id, sg.size)
		sg.size += int64(len(pw.buf) - n)
		l.bytes += uint64(len(pw.buf) - n)
		s.bytes += uint64(len(pw.buf) - n)
		l.checksum = nextChecksum(l.checksum, len(r.Payload), r.CRC)
		l.lastID = id
		pw.appended = true
		s.noteRecent(l, Record{ID: id, Payload: r.Payload, CRC: r.CRC})
	}
	res.LastID, res.Checksum = l.lastID, l.checksum
	return res, nil
}

// activeSegment returns the segment the next record of l goes to, sealing
// the active one and creating a new one once it reached SegmentBytes.
func (s *Store) activeSegment(l *logState) (*segment, error) {
	if n := len(l.segs); n > 0 && l.segs[n-1].size < s.cfg.SegmentBytes {
		return l.segs[n-1], nil
	}
	firstID := l.lastID + 1
	f, err := os.OpenFile(s.segPath(l.num, firstID), os.O_RDWR|os.O_CREATE|os.O_TRUNC, 0o644)
	if err != nil {
		return nil, err
	}
	if n := len(l.segs); n > 0 {
		l.segs[n-1].sealed = true
	}
	s.openWriters++
	sg := &segment{firstID: firstID, f: f, indexed: true}
	l.segs = append(l.segs, sg)
	s.dirtyDirs[l.num] = struct{}{}
	pw, err := s.pending(l, sg)
	if err != nil {
		return nil, err
	}
	pw.buf = appendSegHeader(pw.buf, firstID)
	sg.size = segHeaderLen
	l.bytes += segHeaderLen
	s.bytes += segHeaderLen
	return sg, nil
}

// pending returns l's write buffer for sg, flushing what it holds for an
// earlier (now sealed) segment.
func (s *Store) pending(l *logState, sg *segment) (*pendingWrite, error) {
	pw := l.pw
	if pw == nil {
		if n := len(s.pwFree); n > 0 {
			pw, s.pwFree = s.pwFree[n-1], s.pwFree[:n-1]
		} else {
			pw = new(pendingWrite)
		}
		pw.l, pw.seg, pw.off, pw.buf, pw.appended = l, sg, sg.size, pw.buf[:0], false
		l.pw = pw
		s.touched = append(s.touched, pw)
		return pw, nil
	}
	if pw.seg != sg {
		if err := s.flush(pw); err != nil {
			return nil, err
		}
		pw.seg, pw.off, pw.buf = sg, sg.size, pw.buf[:0]
	}
	return pw, nil
}

// flush writes pw's buffer with one pwrite and marks its segment dirty.
func (s *Store) flush(pw *pendingWrite) error {
	if pw.l == nil || len(pw.buf) == 0 {
		return nil
	}
	sg := pw.seg
	if sg.f == nil {
		f, err := os.OpenFile(s.segPath(pw.l.num, sg.firstID), os.O_RDWR, 0)
		if err != nil {
			return err
		}
		sg.f = f
		s.openWriters++
	}
	if _, err := sg.f.WriteAt(pw.buf, pw.off); err != nil {
		return fmt.Errorf("write log %q segment %d: %w", pw.l.name, sg.firstID, err)
	}
	if !sg.dirty {
		sg.dirty = true
		s.dirty = append(s.dirty, sg)
	}
	return nil
}

// flushTouchedLocked writes every buffer of the entry, wakes the waiters of
// the logs appended to and recycles the buffers.
func (s *Store) flushTouchedLocked() error {
	var err error
	for i, pw := range s.touched {
		if err == nil {
			err = s.flush(pw)
		}
		if pw.l != nil {
			if pw.appended {
				pw.l.wake()
			}
			pw.l.pw = nil
		}
		pw.l, pw.seg = nil, nil
		if cap(pw.buf) > maxKeptBuf {
			pw.buf = nil
		}
		s.pwFree = append(s.pwFree, pw)
		s.touched[i] = nil
	}
	s.touched = s.touched[:0]
	return err
}
