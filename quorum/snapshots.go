package quorum

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"time"

	"github.com/hashicorp/raft"

	"github.com/quorumlog/quorumlog/logstore"
)

// localSnapshotMarker starts the data of a snapshot taken on this node. Such
// a snapshot holds no data: it stands for the logstore's current state, which
// Open exports on demand (to send to a lagging follower). Sending a state
// newer than the snapshot's index is safe: the follower's store records the
// newer index and skips the entries raft then replays up to it.
const localSnapshotMarker = "quorumlog-local-snapshot v1 index="

// snapshotsRetained is how many snapshots stay on disk.
const snapshotsRetained = 2

// snapshotStore is a raft.SnapshotStore. A snapshot is a directory holding
// meta.json and data: either the local marker or an image received from a
// leader, which the FSM's Restore then reads.
type snapshotStore struct {
	dir    string
	store  *logstore.Store
	logger *slog.Logger
}

var _ raft.SnapshotStore = (*snapshotStore)(nil)

func newSnapshotStore(dir string, store *logstore.Store, logger *slog.Logger) (*snapshotStore, error) {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return nil, err
	}
	// Remove snapshots that were being written when the process stopped.
	tmps, _ := filepath.Glob(filepath.Join(dir, "*.tmp"))
	for _, t := range tmps {
		_ = os.RemoveAll(t)
	}
	return &snapshotStore{dir: dir, store: store, logger: logger}, nil
}

func (s *snapshotStore) Create(version raft.SnapshotVersion, index, term uint64, conf raft.Configuration,
	confIndex uint64, _ raft.Transport) (raft.SnapshotSink, error) {
	id := fmt.Sprintf("%d-%d-%d", term, index, time.Now().UnixMilli())
	tmp := filepath.Join(s.dir, id+".tmp")
	if err := os.MkdirAll(tmp, 0o755); err != nil {
		return nil, err
	}
	f, err := os.Create(filepath.Join(tmp, "data"))
	if err != nil {
		return nil, err
	}
	return &snapshotSink{
		s: s, f: f, tmp: tmp,
		meta: raft.SnapshotMeta{
			Version: version, ID: id, Index: index, Term: term,
			Configuration: conf, ConfigurationIndex: confIndex,
		},
	}, nil
}

func (s *snapshotStore) List() ([]*raft.SnapshotMeta, error) {
	entries, err := os.ReadDir(s.dir)
	if err != nil {
		return nil, err
	}
	var metas []*raft.SnapshotMeta
	for _, e := range entries {
		if !e.IsDir() || strings.HasSuffix(e.Name(), ".tmp") {
			continue
		}
		m, err := s.readMeta(e.Name())
		if err != nil {
			s.logger.Warn("skipping unreadable snapshot", "snapshot", e.Name(), "err", err)
			continue
		}
		metas = append(metas, m)
	}
	sort.Slice(metas, func(i, j int) bool {
		if metas[i].Term != metas[j].Term {
			return metas[i].Term > metas[j].Term
		}
		if metas[i].Index != metas[j].Index {
			return metas[i].Index > metas[j].Index
		}
		return metas[i].ID > metas[j].ID
	})
	return metas, nil
}

func (s *snapshotStore) readMeta(id string) (*raft.SnapshotMeta, error) {
	b, err := os.ReadFile(filepath.Join(s.dir, id, "meta.json"))
	if err != nil {
		return nil, err
	}
	var m raft.SnapshotMeta
	if err := json.Unmarshal(b, &m); err != nil {
		return nil, err
	}
	return &m, nil
}

func (s *snapshotStore) Open(id string) (*raft.SnapshotMeta, io.ReadCloser, error) {
	meta, err := s.readMeta(id)
	if err != nil {
		return nil, nil, err
	}
	f, err := os.Open(filepath.Join(s.dir, id, "data"))
	if err != nil {
		return nil, nil, err
	}
	head := make([]byte, len(localSnapshotMarker))
	n, _ := io.ReadFull(f, head)
	if n == len(head) && bytes.Equal(head, []byte(localSnapshotMarker)) {
		f.Close()
		img, err := s.store.Export()
		if err != nil {
			return nil, nil, fmt.Errorf("export logstore for snapshot %s: %w", id, err)
		}
		meta.Size = img.Size
		return meta, img, nil
	}
	if _, err := f.Seek(0, io.SeekStart); err != nil {
		f.Close()
		return nil, nil, err
	}
	return meta, f, nil
}

// reap removes all but the newest snapshotsRetained snapshots.
func (s *snapshotStore) reap() {
	metas, err := s.List()
	if err != nil {
		return
	}
	for i := snapshotsRetained; i < len(metas); i++ {
		if err := os.RemoveAll(filepath.Join(s.dir, metas[i].ID)); err != nil {
			s.logger.Warn("removing old snapshot", "snapshot", metas[i].ID, "err", err)
		}
	}
}

type snapshotSink struct {
	s    *snapshotStore
	f    *os.File
	tmp  string
	meta raft.SnapshotMeta
	done bool
}

func (k *snapshotSink) ID() string { return k.meta.ID }

func (k *snapshotSink) Write(p []byte) (int, error) {
	n, err := k.f.Write(p)
	k.meta.Size += int64(n)
	return n, err
}

// Close makes the snapshot durable and visible: data and meta are synced in
// the temporary directory, which is then renamed into place.
func (k *snapshotSink) Close() error {
	if k.done {
		return nil
	}
	k.done = true
	err := k.f.Sync()
	if cerr := k.f.Close(); err == nil {
		err = cerr
	}
	if err == nil {
		err = writeFileSync(filepath.Join(k.tmp, "meta.json"), mustJSON(k.meta))
	}
	if err == nil {
		err = syncDir(k.tmp)
	}
	if err == nil {
		err = os.Rename(k.tmp, filepath.Join(k.s.dir, k.meta.ID))
	}
	if err == nil {
		err = syncDir(k.s.dir)
	}
	if err != nil {
		_ = os.RemoveAll(k.tmp)
		return fmt.Errorf("persist snapshot %s: %w", k.meta.ID, err)
	}
	k.s.reap()
	return nil
}

func (k *snapshotSink) Cancel() error {
	if k.done {
		return nil
	}
	k.done = true
	_ = k.f.Close()
	return os.RemoveAll(k.tmp)
}

func mustJSON(v any) []byte {
	b, err := json.Marshal(v)
	if err != nil {
		panic(err) // SnapshotMeta always marshals
	}
	return b
}

func writeFileSync(path string, data []byte) error {
	f, err := os.Create(path)
	if err != nil {
		return err
	}
	_, err = f.Write(data)
	if err == nil {
		err = f.Sync()
	}
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	return err
}

func syncDir(dir string) error {
	d, err := os.Open(dir)
	if err != nil {
		return err
	}
	err = d.Sync()
	if cerr := d.Close(); err == nil {
		err = cerr
	}
	return err
}
