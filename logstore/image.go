package logstore

import (
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
	"hash/crc32"
	"io"
	"os"
	"path/filepath"
)

const (
	imageMagic     = "QLIM"
	imageVersion   = 1
	imageHeaderLen = 16
	maxImageMeta   = 1 << 32
)

// Image is a consistent copy of the store's state at applied index Index,
// made by Export. It reads as exactly Size bytes (see the package doc for
// the format) and must be closed to release its file handles. An Image is
// not safe for concurrent use.
type Image struct {
	Index uint64
	Size  int64

	parts  []io.Reader // header+META, then one reader per segment
	files  []*os.File
	crc    uint32
	tail   []byte // the trailer, once parts are exhausted
	done   bool
	closed bool
}

var _ io.ReadCloser = (*Image)(nil)

// Export captures the current state and returns it as an Image. The cut is
// taken under the store lock, and the segment files are opened then, so
// segments that a later Apply trims or deletes (and a later Sync removes)
// stay readable through the Image. Opening costs one open(2) per segment
// under the lock; Export is rare (raft snapshots to lagging followers).
func (s *Store) Export() (*Image, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.closed {
		return nil, ErrClosed
	}
	if s.broken != nil {
		return nil, s.broken
	}
	m := s.metaLocked()
	meta := encodeMeta(nil, m)
	head := make([]byte, imageHeaderLen, imageHeaderLen+len(meta))
	copy(head, imageMagic)
	head[4] = imageVersion
	binary.LittleEndian.PutUint64(head[8:], uint64(len(meta)))
	head = append(head, meta...)
	im := &Image{Index: m.applied, Size: int64(len(head)) + 4, parts: []io.Reader{bytes.NewReader(head)}}
	for _, ml := range m.logs {
		for _, sg := range ml.segs {
			f, err := os.Open(s.segPath(ml.num, sg.firstID))
			if err != nil {
				im.Close()
				return nil, fmt.Errorf("logstore: export: %w", err)
			}
			im.files = append(im.files, f)
			im.parts = append(im.parts, &exactReader{r: io.NewSectionReader(f, 0, sg.size), n: sg.size})
			im.Size += sg.size
		}
	}
	return im, nil
}

// Read implements io.Reader. After Close it returns ErrClosed.
func (im *Image) Read(p []byte) (int, error) {
	if im.closed {
		return 0, ErrClosed
	}
	for len(im.parts) > 0 {
		n, err := im.parts[0].Read(p)
		im.crc = crc32.Update(im.crc, castagnoliTable, p[:n])
		if err == io.EOF {
			im.parts = im.parts[1:]
			err = nil
		}
		if n > 0 || err != nil {
			return n, err
		}
	}
	if !im.done {
		im.done = true
		im.tail = binary.LittleEndian.AppendUint32(nil, im.crc)
	}
	if len(im.tail) == 0 {
		return 0, io.EOF
	}
	n := copy(p, im.tail)
	im.tail = im.tail[n:]
	return n, nil
}

// Close releases the image's file handles. It is idempotent.
func (im *Image) Close() error {
	var errs []error
	for _, f := range im.files {
		errs = append(errs, f.Close())
	}
	im.files, im.parts, im.closed = nil, nil, true
	return errors.Join(errs...)
}

// exactReader reads exactly n bytes from r or fails: a segment that shrank
// must not silently shorten the image.
type exactReader struct {
	r io.Reader
	n int64
}

func (e *exactReader) Read(p []byte) (int, error) {
	if e.n <= 0 {
		return 0, io.EOF
	}
	p = p[:min(int64(len(p)), e.n)]
	n, err := e.r.Read(p)
	e.n -= int64(n)
	if err == io.EOF && e.n > 0 {
		err = fmt.Errorf("logstore: export: segment shorter than recorded: %w", ErrCorrupt)
	}
	return n, err
}

// crcReader hashes what it reads.
type crcReader struct {
	r   io.Reader
	crc uint32
}

func (c *crcReader) Read(p []byte) (int, error) {
	n, err := c.r.Read(p)
	c.crc = crc32.Update(c.crc, castagnoliTable, p[:n])
	return n, err
}

// Restore replaces the whole state by an image made by Export, here or on
// another machine. It builds the new state in a fresh state directory,
// fsyncs it, then switches CURRENT to it with one atomic rename, so a crash
// leaves either the old or the new state. Afterwards AppliedIndex is the
// image's index. Waiters of logs the image lacks get ErrNoLog; the others
// are woken and re-check. Apply must not run concurrently (raft does not).
func (s *Store) Restore(r io.Reader) error {
	s.syncMu.Lock()
	defer s.syncMu.Unlock()
	s.mu.Lock()
	closed, gen := s.closed, s.gen
	s.mu.Unlock()
	if closed {
		return ErrClosed
	}
	gen++
	sd := filepath.Join(s.cfg.Dir, stateDirName(gen))
	m, err := buildState(sd, r)
	if err != nil {
		_ = os.RemoveAll(sd)
		return fmt.Errorf("logstore: restore: %w", err)
	}
	st := &loadedState{applied: m.applied, nextNum: m.nextNum, logs: make(map[string]*logState, len(m.logs))}
	for i := range m.logs {
		st.logs[m.logs[i].name] = newLogState(&m.logs[i])
	}

	s.mu.Lock()
	if s.closed {
		s.mu.Unlock()
		_ = os.RemoveAll(sd)
		return ErrClosed
	}
	// The commit point. Under the lock so no Apply writes to the old state
	// after it; one small fsync.
	if err := writeCurrent(s.cfg.Dir, gen); err != nil {
		s.mu.Unlock()
		_ = os.RemoveAll(sd)
		return fmt.Errorf("logstore: restore: %w", err)
	}
	oldDir := s.dir
	files := s.releaseFilesLocked()
	for _, l := range s.logs {
		l.gone = true
		l.wake()
	}
	if s.appliedCh != nil {
		close(s.appliedCh)
		s.appliedCh = nil
	}
	s.install(gen, st)
	s.broken = nil
	s.dirtyDirs, s.newLogs = make(map[uint64]struct{}), false
	s.pendingRemove, s.pendingTrash = nil, nil
	s.mu.Unlock()

	for _, f := range files {
		_ = f.Close()
	}
	if err := os.RemoveAll(oldDir); err != nil {
		s.logger.Warn("logstore: removing replaced state", "dir", oldDir, "err", err)
	}
	s.logger.Info("logstore restored", "index", m.applied, "logs", len(m.logs))
	return nil
}

// buildState writes the state of image r into the new directory sd, fsynced,
// and returns its META.
func buildState(sd string, r io.Reader) (*metaState, error) {
	cr := &crcReader{r: r}
	var head [imageHeaderLen]byte
	if _, err := io.ReadFull(cr, head[:]); err != nil {
		return nil, imageErr(err)
	}
	if string(head[:4]) != imageMagic || head[4] != imageVersion {
		return nil, fmt.Errorf("bad image header: %w", ErrCorrupt)
	}
	metaLen := binary.LittleEndian.Uint64(head[8:])
	if metaLen > maxImageMeta {
		return nil, fmt.Errorf("image META of %d bytes: %w", metaLen, ErrCorrupt)
	}
	meta := make([]byte, metaLen)
	if _, err := io.ReadFull(cr, meta); err != nil {
		return nil, imageErr(err)
	}
	m, err := decodeMeta(meta)
	if err != nil {
		return nil, err
	}
	if err := os.RemoveAll(sd); err != nil {
		return nil, err
	}
	if err := makeStateDir(sd, &metaState{nextNum: 1}); err != nil {
		return nil, err
	}
	var jobs []func() error
	for _, ml := range m.logs {
		dir := filepath.Join(sd, "logs", logDirName(ml.num))
		if err := os.Mkdir(dir, 0o755); err != nil {
			return nil, err
		}
		jobs = append(jobs, func() error { return syncDir(dir) })
		for _, sg := range ml.segs {
			p := filepath.Join(dir, segFileName(sg.firstID))
			if err := copyFile(p, cr, sg.size); err != nil {
				return nil, err
			}
			jobs = append(jobs, func() error { return syncPath(p) })
		}
	}
	want := cr.crc
	var trailer [4]byte
	if _, err := io.ReadFull(r, trailer[:]); err != nil {
		return nil, imageErr(err)
	}
	if got := binary.LittleEndian.Uint32(trailer[:]); got != want {
		return nil, fmt.Errorf("image crc %#x, want %#x: %w", got, want, ErrCorrupt)
	}
	jobs = append(jobs, func() error { return syncDir(filepath.Join(sd, "logs")) })
	if err := runParallel(jobs, syncWorkers); err != nil {
		return nil, err
	}
	if err := writeFileAtomic(sd, metaFile, meta); err != nil {
		return nil, err
	}
	return m, syncDir(filepath.Dir(sd))
}

func imageErr(err error) error {
	if errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF) {
		return fmt.Errorf("image truncated: %w", ErrCorrupt)
	}
	return err
}

// copyFile creates path holding the next n bytes of r.
func copyFile(path string, r io.Reader, n int64) error {
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o644)
	if err != nil {
		return err
	}
	_, err = io.CopyN(f, r, n)
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	return imageErr(err)
}

// syncPath fsyncs the file at path. Linux flushes a file's dirty pages on
// fsync through any handle, so the writer need not keep its handle open.
func syncPath(path string) error {
	f, err := os.Open(path)
	if err != nil {
		return err
	}
	err = f.Sync()
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	return err
}
