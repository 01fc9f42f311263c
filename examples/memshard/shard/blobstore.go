package shard

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
)

// BlobStore is where snapshots live, off the serving nodes: a directory
// (local, or a network file system the nodes share) or an S3-compatible
// bucket. Names are flat (no "/") and a blob is immutable once created.
type BlobStore interface {
	// Create starts a blob; it becomes visible under name, whole, only
	// when Commit returns nil.
	Create(ctx context.Context, name string) (BlobWriter, error)
	// Open returns the blob's bytes, seekable; an error wrapping
	// os.ErrNotExist if there is none.
	Open(ctx context.Context, name string) (io.ReadSeekCloser, error)
	// List returns the names that start with prefix, in any order.
	List(ctx context.Context, prefix string) ([]string, error)
	// Delete removes the blob; a missing one is not an error.
	Delete(ctx context.Context, name string) error
	// String says where the store is, for messages, and to tell whether
	// two nodes use the same store.
	String() string
}

// BlobWriter is a blob being written.
type BlobWriter interface {
	io.Writer
	// Commit makes the blob durable and visible. The writer is done
	// either way.
	Commit() error
	// Abort discards the blob (after a failed Write or Commit too).
	Abort()
}

// OpenBlobStore opens the store a flag names: "s3://BUCKET[/PREFIX]" for
// an S3-compatible bucket (see S3Config for its endpoint and credentials),
// anything else a directory, which must exist.
func OpenBlobStore(location string, s3 S3Config) (BlobStore, error) {
	if rest, ok := strings.CutPrefix(location, "s3://"); ok {
		bucket, prefix, _ := strings.Cut(rest, "/")
		s3.Bucket, s3.Prefix = bucket, prefix
		return NewS3Store(s3)
	}
	return NewDirStore(location)
}

// dirStore keeps blobs as files of one directory. A blob is written to a
// temporary file in the directory, fsynced, renamed to its name and the
// directory fsynced: after a crash it is there whole or not at all.
type dirStore struct{ dir string }

// NewDirStore returns the store of the existing directory dir. The store
// names it by its absolute path, links resolved, so that two names of one
// directory say the same (String; see checkTrimSafe).
func NewDirStore(dir string) (BlobStore, error) {
	st, err := os.Stat(dir)
	if err != nil {
		return nil, fmt.Errorf("shard: snapshot directory: %w", err)
	}
	if !st.IsDir() {
		return nil, fmt.Errorf("shard: snapshot directory %s is not a directory", dir)
	}
	if abs, err := filepath.Abs(dir); err == nil {
		dir = abs
		if real, err := filepath.EvalSymlinks(abs); err == nil {
			dir = real
		}
	}
	return dirStore{dir}, nil
}

func (d dirStore) String() string { return d.dir }

func (d dirStore) Create(_ context.Context, name string) (BlobWriter, error) {
	if err := checkBlobName(name); err != nil {
		return nil, err
	}
	f, err := os.CreateTemp(d.dir, "."+name+".*.tmp")
	if err != nil {
		return nil, err
	}
	return &dirWriter{f: f, path: filepath.Join(d.dir, name), dir: d.dir}, nil
}

func (d dirStore) Open(_ context.Context, name string) (io.ReadSeekCloser, error) {
	if err := checkBlobName(name); err != nil {
		return nil, err
	}
	return os.Open(filepath.Join(d.dir, name))
}

func (d dirStore) List(_ context.Context, prefix string) ([]string, error) {
	ents, err := os.ReadDir(d.dir)
	if err != nil {
		return nil, fmt.Errorf("shard: snapshot directory: %w", err)
	}
	var names []string
	for _, e := range ents {
		if n := e.Name(); strings.HasPrefix(n, prefix) && !strings.HasPrefix(n, ".") && e.Type().IsRegular() {
			names = append(names, n)
		}
	}
	return names, nil
}

func (d dirStore) Delete(_ context.Context, name string) error {
	if err := checkBlobName(name); err != nil {
		return err
	}
	if err := os.Remove(filepath.Join(d.dir, name)); err != nil && !errors.Is(err, os.ErrNotExist) {
		return err
	}
	return nil
}

type dirWriter struct {
	f         *os.File
	path, dir string
}

func (w *dirWriter) Write(p []byte) (int, error) { return w.f.Write(p) }

func (w *dirWriter) Commit() error {
	err := w.f.Sync()
	if cerr := w.f.Close(); err == nil {
		err = cerr
	}
	if err == nil {
		err = os.Rename(w.f.Name(), w.path)
	}
	if err != nil {
		os.Remove(w.f.Name())
		return err
	}
	return syncDir(w.dir)
}

func (w *dirWriter) Abort() {
	w.f.Close()
	os.Remove(w.f.Name())
}

func syncDir(dir string) error {
	d, err := os.Open(dir)
	if err != nil {
		return err
	}
	defer d.Close()
	return d.Sync()
}

// checkBlobName refuses names that are not one plain file name.
func checkBlobName(name string) error {
	if name == "" || strings.ContainsAny(name, "/\\\x00") || strings.HasPrefix(name, ".") {
		return fmt.Errorf("shard: %q cannot name a snapshot", name)
	}
	return nil
}
