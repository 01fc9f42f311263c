package logstore

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"time"
)

const (
	// maxOpenWriters is how many write handles of clean (synced) active
	// segments Sync leaves open. Handles of segments written since the last
	// Sync stay open until the next one fsyncs them, so the total is bounded
	// by this plus the number of logs written between two Syncs.
	maxOpenWriters = 1024
	// syncWorkers bounds the fsyncs in flight: a disk merges concurrent
	// fsyncs into fewer journal commits, which matters with thousands of logs.
	syncWorkers = 8
)

// syncCut is what Sync captures under the lock.
type syncCut struct {
	dir     string // state directory
	meta    *metaState
	synced  []*segment
	files   []*os.File
	dirs    []uint64 // log directories with new entries
	close   []*os.File
	remove  []segName
	trash   []uint64
	newLogs bool
}

// Sync makes the current state durable and returns the applied index it
// covers: Open will recover exactly this state. It fsyncs every segment
// written since the last Sync and the directories that gained files, then
// replaces META atomically. Only after that does it delete what the new META
// no longer needs (trimmed segments, deleted logs), so a crash at any point
// recovers either the previous or this Sync. The state is captured under the
// lock but the I/O runs outside it: Apply continues meanwhile, and what it
// writes is covered by the next Sync.
func (s *Store) Sync() (uint64, error) {
	s.syncMu.Lock()
	defer s.syncMu.Unlock()
	start := time.Now()
	c, err := s.cut()
	if err != nil {
		return 0, err
	}
	if err := c.syncData(); err != nil {
		return 0, fmt.Errorf("logstore: sync %d: %w", c.meta.applied, err)
	}
	if err := writeFileAtomic(c.dir, metaFile, encodeMeta(nil, c.meta)); err != nil {
		return 0, fmt.Errorf("logstore: sync %d: write META: %w", c.meta.applied, err)
	}
	// META is durable: the files below are garbage now. A failure to delete
	// them leaks space until Open, which removes what META does not list.
	for _, n := range c.remove {
		p := filepath.Join(c.dir, "logs", logDirName(n.num), segFileName(n.firstID))
		if err := os.Remove(p); err != nil && !errors.Is(err, os.ErrNotExist) {
			s.logger.Warn("logstore: removing trimmed segment", "path", p, "err", err)
		}
	}
	for _, num := range c.trash {
		if err := os.RemoveAll(filepath.Join(c.dir, "trash", logDirName(num))); err != nil {
			s.logger.Warn("logstore: removing deleted log", "num", num, "err", err)
		}
	}
	for _, f := range c.close {
		_ = f.Close()
	}
	for _, f := range s.releaseClean(c.synced) {
		_ = f.Close()
	}
	dur := time.Since(start)
	s.metrics.fsyncSeconds.Observe(dur.Seconds())
	s.logger.Debug("logstore synced", "index", c.meta.applied, "files", len(c.files), "dur", dur)
	return c.meta.applied, nil
}

// cut captures the state to make durable and takes over the pending lists.
func (s *Store) cut() (*syncCut, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.closed {
		return nil, ErrClosed
	}
	if s.broken != nil {
		// The state is partly applied: recording it would lose the entry.
		return nil, s.broken
	}
	c := &syncCut{
		dir: s.dir, meta: s.metaLocked(),
		close: s.pendingClose, remove: s.pendingRemove, trash: s.pendingTrash, newLogs: s.newLogs,
	}
	for _, sg := range s.dirty {
		if sg.dirty && sg.f != nil {
			c.synced = append(c.synced, sg)
			c.files = append(c.files, sg.f)
			sg.dirty = false
		}
	}
	for num := range s.dirtyDirs {
		c.dirs = append(c.dirs, num)
	}
	s.dirty, s.dirtyDirs = nil, make(map[uint64]struct{})
	s.pendingClose, s.pendingRemove, s.pendingTrash, s.newLogs = nil, nil, nil, false
	return c, nil
}

// metaLocked returns the META of the current state, logs sorted by name.
func (s *Store) metaLocked() *metaState {
	m := &metaState{applied: s.applied, nextNum: s.nextNum, logs: make([]metaLog, 0, len(s.logs))}
	for _, l := range s.logs {
		ml := metaLog{name: l.name, num: l.num, lastID: l.lastID, trimmed: l.trimmed, checksum: l.checksum}
		ml.segs = make([]metaSeg, len(l.segs))
		for i, sg := range l.segs {
			ml.segs[i] = metaSeg{firstID: sg.firstID, size: sg.size}
		}
		m.logs = append(m.logs, ml)
	}
	slices.SortFunc(m.logs, func(a, b metaLog) int { return strings.Compare(a.name, b.name) })
	return m
}

// syncData fsyncs the captured segments and directories. A log directory
// may have moved to trash since the cut; it is fsynced there.
func (c *syncCut) syncData() error {
	jobs := make([]func() error, 0, len(c.files)+len(c.dirs)+1)
	for _, f := range c.files {
		jobs = append(jobs, f.Sync)
	}
	for _, num := range c.dirs {
		jobs = append(jobs, func() error {
			err := syncDir(filepath.Join(c.dir, "logs", logDirName(num)))
			if errors.Is(err, os.ErrNotExist) {
				err = syncDir(filepath.Join(c.dir, "trash", logDirName(num)))
			}
			return err
		})
	}
	if c.newLogs {
		jobs = append(jobs, func() error { return syncDir(filepath.Join(c.dir, "logs")) })
	}
	return runParallel(jobs, syncWorkers)
}

// runParallel runs jobs on at most n goroutines and returns their errors.
func runParallel(jobs []func() error, n int) error {
	var (
		wg   sync.WaitGroup
		mu   sync.Mutex
		errs []error
		next = make(chan func() error)
	)
	for range min(n, len(jobs)) {
		wg.Go(func() {
			for job := range next {
				if err := job(); err != nil {
					mu.Lock()
					errs = append(errs, err)
					mu.Unlock()
				}
			}
		})
	}
	for _, job := range jobs {
		next <- job
	}
	close(next)
	wg.Wait()
	return errors.Join(errs...)
}

// releaseClean detaches the write handles Sync no longer needs: sealed
// segments it just made clean, and clean active segments beyond
// maxOpenWriters. The caller closes them.
func (s *Store) releaseClean(synced []*segment) []*os.File {
	s.mu.Lock()
	defer s.mu.Unlock()
	var files []*os.File
	for _, sg := range synced {
		if sg.sealed && !sg.dirty && sg.f != nil {
			files = append(files, sg.f)
			sg.f = nil
			s.openWriters--
		}
	}
	if s.openWriters <= maxOpenWriters {
		return files
	}
	for _, l := range s.logs {
		if s.openWriters <= maxOpenWriters {
			break
		}
		for _, sg := range l.segs {
			if !sg.dirty && sg.f != nil && l.pw == nil {
				files = append(files, sg.f)
				sg.f = nil
				s.openWriters--
			}
		}
	}
	return files
}
