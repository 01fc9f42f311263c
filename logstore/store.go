package logstore

import (
	"errors"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"sync/atomic"

	"github.com/prometheus/client_golang/prometheus"
)

// Errors returned by the Store. Per-op outcomes of Apply (ErrNoLog,
// ErrExists, *ConditionError) are reported in Result.Err; the others come from
// Read, Describe, Wait and the lifecycle methods. Match them with errors.Is.
var (
	// ErrNoLog means the named log does not exist, or was deleted while the
	// caller waited on it.
	ErrNoLog = errors.New("logstore: no such log")
	// ErrExists means OpCreate named a log that already exists.
	ErrExists = errors.New("logstore: log already exists")
	// ErrTrimmed means a read started below the log's trim point; it comes
	// wrapped in a *RangeError that carries the first readable ID.
	ErrTrimmed = errors.New("logstore: records trimmed")
	// ErrBeyondTail means a read started above LastID+1; it comes wrapped in
	// a *RangeError that carries the log's last ID.
	ErrBeyondTail = errors.New("logstore: read beyond tail")
	// ErrCorrupt means stored bytes failed a check: a frame's CRCs or ID, a
	// segment header, META, CURRENT or a restore image.
	ErrCorrupt = errors.New("logstore: corrupt data")
	// ErrClosed is returned by every method called after Close.
	ErrClosed = errors.New("logstore: store closed")
	// ErrConditionFailed matches (errors.Is) every *ConditionError.
	ErrConditionFailed = errors.New("logstore: condition failed")
)

// ConditionError is the Result.Err of a conditional append whose expected
// last ID (or checksum) did not match. Actual and ActualChecksum are the
// log's last ID and running checksum when the op was applied.
type ConditionError struct {
	Log                              string
	Expected, Actual                 uint64
	CheckedChecksum                  bool // the op also required ExpectedChecksum
	ExpectedChecksum, ActualChecksum uint32
}

func (e *ConditionError) Error() string {
	if e.CheckedChecksum && e.Expected == e.Actual {
		return fmt.Sprintf("logstore: log %q: condition failed: expected checksum %08x at last ID %d, actual %08x",
			e.Log, e.ExpectedChecksum, e.Actual, e.ActualChecksum)
	}
	return fmt.Sprintf("logstore: log %q: condition failed: expected last ID %d, actual %d", e.Log, e.Expected, e.Actual)
}

// Is makes errors.Is(err, ErrConditionFailed) true.
func (e *ConditionError) Is(target error) bool { return target == ErrConditionFailed }

// RangeError reports a read outside the log's readable range [FirstID,
// LastID+1]. Err is ErrTrimmed or ErrBeyondTail.
type RangeError struct {
	Log             string
	FirstID, LastID uint64
	Err             error
}

func (e *RangeError) Error() string {
	return fmt.Sprintf("log %q holds IDs %d to %d: %v", e.Log, e.FirstID, e.LastID, e.Err)
}

func (e *RangeError) Unwrap() error { return e.Err }

// DefaultSegmentBytes is the size at which a log's active segment is sealed
// when Config.SegmentBytes is zero.
const DefaultSegmentBytes = 64 << 20

// Config configures a Store. The zero value plus a Dir is usable.
type Config struct {
	// Dir is the directory holding the store; required. Open creates it.
	Dir string
	// SegmentBytes seals a log's active segment once it reaches this size.
	// Zero means DefaultSegmentBytes.
	SegmentBytes int64
	// Logger receives lifecycle messages; nil discards them.
	Logger *slog.Logger
	// Metrics, if set, registers the store's quorumlog_logstore_* metrics
	// (see metrics.go); Close unregisters them. Nil registers nothing.
	Metrics prometheus.Registerer
}

// Validate reports whether c can be used by Open.
func (c Config) Validate() error {
	if c.Dir == "" {
		return errors.New("logstore: Config.Dir is required")
	}
	if c.SegmentBytes < 0 {
		return fmt.Errorf("logstore: Config.SegmentBytes %d is negative", c.SegmentBytes)
	}
	return nil
}

// Record is one stored record. CRC is the CRC-32C (Castagnoli) of Payload,
// computed by the writer.
type Record struct {
	ID      uint64
	Payload []byte
	CRC     uint32
}

// Info describes a log.
type Info struct {
	Name string
	// FirstID is TrimmedThrough+1; an empty log has LastID 0 and FirstID 1.
	FirstID, LastID, TrimmedThrough uint64
	// Records is LastID - TrimmedThrough.
	Records uint64
	// Bytes is the size of the log's segment files still held by the store;
	// it drops when trimmed segments are removed from memory, not when Sync
	// deletes their files.
	Bytes uint64
	// Checksum is the running checksum after LastID (see the package doc).
	Checksum uint32
}

// Store is the durable storage of many named logs. All methods are safe for
// concurrent use, but Apply calls must come in raft order from one goroutine
// at a time (as raft's FSM does).
type Store struct {
	cfg     Config
	logger  *slog.Logger
	metrics *metrics

	// syncMu serializes Sync, Restore and Close, so at most one of them
	// touches META, CURRENT and pending deletions. Lock order: syncMu -> mu.
	syncMu sync.Mutex

	// mu guards every field below, every *logState and *segment reachable
	// from logs, and the write handles (segment.f). Apply holds it for the
	// whole entry including its page-cache writes (no fsync), so readers see
	// an entry entirely or not at all; Read, Sync and Export hold it only to
	// copy metadata and never across fsync or reads.
	mu        sync.Mutex
	closed    bool
	broken    error  // set by a failed Apply: every later Apply fails too
	dir       string // current state directory: Dir/state-<gen>
	gen       uint64
	applied   uint64
	appliedCh chan struct{} // closed and cleared by Apply; nil until a WaitApplied
	nextNum   uint64        // number of the next created log's directory
	logs      map[string]*logState
	bytes     uint64 // sum of every log's bytes, for the metrics

	// Since the last Sync cut: segments written, log dirs that got new files,
	// files to close, trimmed segments and deleted logs to delete once a
	// META without them is durable.
	dirty         []*segment
	newLogs       bool // logs/ gained a directory
	openWriters   int  // segments with a write handle (segment.f != nil)
	dirtyDirs     map[uint64]struct{}
	pendingClose  []*os.File
	pendingRemove []segName
	pendingTrash  []uint64

	// Reused by Apply: the logs touched by the current entry.
	touched []*pendingWrite
	pwFree  []*pendingWrite

	// scannedBytes counts bytes read to build segment indexes; tests use it to
	// check that Open and Read never scan more than they should.
	scannedBytes atomic.Uint64
	recentBytes  int // payload bytes held by every log's recent records (under mu)
	recentBudget int // recentStoreBudget; tests lower it
}

// segName names a segment file: log directory number and first ID.
type segName struct{ num, firstID uint64 }

// logState is one log in memory. Guarded by Store.mu.
type logState struct {
	name     string
	num      uint64 // directory number; identifies this incarnation of name
	lastID   uint64
	trimmed  uint64
	checksum uint32
	bytes    uint64     // sum of segs[i].size
	segs     []*segment // by firstID; the last one is active; empty until the first append
	waitCh   chan struct{}
	gone     bool          // deleted or replaced by Restore
	pw       *pendingWrite // this entry's buffered writes; non-nil only inside Apply
	recent   recentRecords // the last records appended, while followed
}

func (l *logState) info() Info {
	return Info{
		Name:           l.name,
		FirstID:        l.trimmed + 1,
		LastID:         l.lastID,
		TrimmedThrough: l.trimmed,
		Records:        l.lastID - l.trimmed,
		Bytes:          l.bytes,
		Checksum:       l.checksum,
	}
}

// wake releases everyone blocked in Wait on l.
func (l *logState) wake() {
	if l.waitCh != nil {
		close(l.waitCh)
		l.waitCh = nil
	}
}

func logDirName(num uint64) string      { return fmt.Sprintf("%020d", num) }
func segFileName(firstID uint64) string { return fmt.Sprintf("%020d.seg", firstID) }
func stateDirName(gen uint64) string    { return fmt.Sprintf("state-%020d", gen) }

func (s *Store) logDir(num uint64) string {
	return filepath.Join(s.dir, "logs", logDirName(num))
}

func (s *Store) segPath(num, firstID uint64) string {
	return filepath.Join(s.dir, "logs", logDirName(num), segFileName(firstID))
}

// Open opens (creating if needed) the store in cfg.Dir and recovers the
// state of the last Sync: later writes, torn tails and logs created since are
// discarded. The caller replays raft entries above AppliedIndex.
func Open(cfg Config) (*Store, error) {
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	if cfg.SegmentBytes == 0 {
		cfg.SegmentBytes = DefaultSegmentBytes
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.New(slog.DiscardHandler)
	}
	s := &Store{cfg: cfg, logger: cfg.Logger, dirtyDirs: make(map[uint64]struct{}), recentBudget: recentStoreBudget}
	if err := os.MkdirAll(cfg.Dir, 0o755); err != nil {
		return nil, fmt.Errorf("logstore: %w", err)
	}
	gen, err := readCurrent(cfg.Dir)
	if errors.Is(err, os.ErrNotExist) {
		gen, err = initStore(cfg.Dir)
	}
	if err != nil {
		return nil, fmt.Errorf("logstore: open %s: %w", cfg.Dir, err)
	}
	st, err := loadState(filepath.Join(cfg.Dir, stateDirName(gen)))
	if err != nil {
		return nil, fmt.Errorf("logstore: open %s: %w", cfg.Dir, err)
	}
	removeStale(cfg.Dir, stateDirName(gen))
	if s.metrics, err = newMetrics(cfg.Metrics); err != nil {
		return nil, err
	}
	s.install(gen, st)
	s.logger.Info("logstore opened", "dir", cfg.Dir, "index", st.applied, "logs", len(st.logs))
	return s, nil
}

// install makes st the store's state. Called by Open and, under mu, Restore.
func (s *Store) install(gen uint64, st *loadedState) {
	s.gen = gen
	s.dir = filepath.Join(s.cfg.Dir, stateDirName(gen))
	s.applied = st.applied
	s.nextNum = st.nextNum
	s.logs = st.logs
	s.bytes, s.recentBytes = 0, 0
	for _, l := range s.logs {
		s.bytes += l.bytes
	}
	s.setSizeLocked()
}

// removeStale deletes whatever the store directory holds besides CURRENT and
// the live state directory: states left by an interrupted Restore, temp files.
func removeStale(dir, keep string) {
	ents, _ := os.ReadDir(dir)
	for _, e := range ents {
		if n := e.Name(); n != keep && n != currentFile && (strings.HasPrefix(n, "state-") || strings.HasSuffix(n, ".tmp")) {
			_ = os.RemoveAll(filepath.Join(dir, n))
		}
	}
}

// Close releases the store's files and wakes every waiter with ErrClosed. It
// waits for a running Sync. Writes since the last Sync stay on disk but will
// be discarded by the next Open. Close is idempotent.
func (s *Store) Close() error {
	s.syncMu.Lock()
	defer s.syncMu.Unlock()
	s.mu.Lock()
	if s.closed {
		s.mu.Unlock()
		return nil
	}
	s.closed = true
	files := s.releaseFilesLocked()
	for _, l := range s.logs {
		l.wake()
	}
	if s.appliedCh != nil {
		close(s.appliedCh)
		s.appliedCh = nil
	}
	s.mu.Unlock()
	s.metrics.unregister()
	var errs []error
	for _, f := range files {
		errs = append(errs, f.Close())
	}
	return errors.Join(errs...)
}

// releaseFilesLocked detaches every open write handle and pending close so
// the caller can close them outside mu.
func (s *Store) releaseFilesLocked() []*os.File {
	files := s.pendingClose
	for _, l := range s.logs {
		for _, sg := range l.segs {
			if sg.f != nil {
				files = append(files, sg.f)
				sg.f = nil
			}
			sg.dirty = false
		}
	}
	s.pendingClose, s.dirty, s.openWriters = nil, nil, 0
	return files
}

// AppliedIndex returns the index of the last applied raft entry.
func (s *Store) AppliedIndex() uint64 {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.applied
}

// Describe returns the current Info of log.
func (s *Store) Describe(log string) (Info, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.closed {
		return Info{}, ErrClosed
	}
	l := s.logs[log]
	if l == nil {
		return Info{}, fmt.Errorf("describe %q: %w", log, ErrNoLog)
	}
	return l.info(), nil
}

// List returns the Info of every log, sorted by name. It returns nil after
// Close.
func (s *Store) List() []Info {
	s.mu.Lock()
	if s.closed {
		s.mu.Unlock()
		return nil
	}
	infos := make([]Info, 0, len(s.logs))
	for _, l := range s.logs {
		infos = append(infos, l.info())
	}
	s.mu.Unlock()
	slices.SortFunc(infos, func(a, b Info) int { return strings.Compare(a.Name, b.Name) })
	return infos
}
