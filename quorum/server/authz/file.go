package authz

import (
	"context"
	"log/slog"
	"os"
	"sync"
	"sync/atomic"
	"time"
)

// CheckInterval is how often Run looks at the file: changes take effect
// within about this long, and calls never stat the file themselves.
const CheckInterval = time.Second

// File is a rules file that is re-read when it changes. Rules returns the
// rules in force; Check (or Run, which calls it every CheckInterval)
// re-reads the file if its stat changed. A changed file that does not
// parse is logged once and the previous rules stay in force, as the TLS
// files' reloader does.
type File struct {
	path     string
	logger   *slog.Logger
	validate func(*Rules) error // nil: every file that parses is good
	rules    atomic.Pointer[Rules]

	mu     sync.Mutex  // serialises Check
	loaded os.FileInfo // the stat of the version in force
	failed os.FileInfo // the stat of the last version that failed, logged once
}

// Open reads and parses the rules file at path. Any fault (unreadable,
// a bad line: a *ParseError, or validate's error) is returned. validate,
// if set, also vets every later version (quorumlogd refuses rules that
// would shut its own certificate out of cluster calls); one it refuses
// is treated as a file that does not parse. logger (nil discards) gets
// the outcome of later reloads.
func Open(path string, logger *slog.Logger, validate func(*Rules) error) (*File, error) {
	if logger == nil {
		logger = slog.New(slog.DiscardHandler)
	}
	f := &File{path: path, logger: logger, validate: validate}
	fi, r, err := f.read()
	if err != nil {
		return nil, err
	}
	f.loaded = fi
	f.rules.Store(r)
	return f, nil
}

// Path is the file's path.
func (f *File) Path() string { return f.path }

// Rules returns the rules in force: one atomic load.
func (f *File) Rules() *Rules { return f.rules.Load() }

// read stats, then reads and parses the file. Stat first: a change made
// between the two is seen by the next Check.
func (f *File) read() (os.FileInfo, *Rules, error) {
	fi, err := os.Stat(f.path)
	if err != nil {
		return nil, nil, err
	}
	data, err := os.ReadFile(f.path)
	if err != nil {
		return nil, nil, err
	}
	r, err := Parse(f.path, data)
	if err != nil {
		return nil, nil, err
	}
	if f.validate != nil {
		if err := f.validate(r); err != nil {
			return nil, nil, err
		}
	}
	return fi, r, nil
}

// Check re-reads the file if it changed (another file renamed over it,
// another size or modification time) and swaps in its rules. It reports
// whether new rules took effect.
func (f *File) Check() bool {
	f.mu.Lock()
	defer f.mu.Unlock()
	fi, err := os.Stat(f.path)
	switch {
	case err == nil && sameStat(fi, f.loaded):
		f.failed = nil
		return false
	case err != nil:
		if _, logged := f.failed.(missing); !logged {
			f.logger.Error("authz: the rules file cannot be read; the previous rules stay in force", "file", f.path, "err", err)
			f.failed = missing{}
		}
		return false
	case sameStat(fi, f.failed):
		return false // this version was already refused and logged
	}
	_, r, err := f.read()
	if err != nil {
		f.logger.Error("authz: the changed rules file does not load; the previous rules stay in force", "file", f.path, "err", err)
		f.failed = fi
		return false
	}
	f.loaded, f.failed = fi, nil
	f.rules.Store(r)
	f.logger.Info("authz: rules file reloaded", "file", f.path)
	return true
}

// Run calls Check every CheckInterval until ctx ends.
func (f *File) Run(ctx context.Context) {
	t := time.NewTicker(CheckInterval)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
			f.Check()
		}
	}
}

func sameStat(a, b os.FileInfo) bool {
	if a == nil || b == nil {
		return false
	}
	if _, ok := b.(missing); ok {
		return false
	}
	return os.SameFile(a, b) && a.Size() == b.Size() && a.ModTime().Equal(b.ModTime())
}

// missing stands for a file that could not be stat'ed, once that was logged.
type missing struct{ os.FileInfo }
