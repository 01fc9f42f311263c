package logstore

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
)

// loadedState is the in-memory state built from a state directory.
type loadedState struct {
	applied uint64
	nextNum uint64
	logs    map[string]*logState
}

// loadState reads META in the state directory sd and brings the files back
// to exactly what it describes: active segments are truncated to their
// recorded length (dropping torn or unsynced tails), files and log
// directories META does not list are removed, and deleted logs META still
// lists come back from trash. It never reads segment contents, so its cost
// grows with the number of logs and segment files, not records.
func loadState(sd string) (*loadedState, error) {
	b, err := os.ReadFile(filepath.Join(sd, metaFile))
	if err != nil {
		return nil, err
	}
	m, err := decodeMeta(b)
	if err != nil {
		return nil, err
	}
	st := &loadedState{applied: m.applied, nextNum: m.nextNum, logs: make(map[string]*logState, len(m.logs))}
	known := make(map[string]bool, len(m.logs))
	for i := range m.logs {
		ml := &m.logs[i]
		if err := recoverLogDir(sd, ml); err != nil {
			return nil, fmt.Errorf("log %q: %w", ml.name, err)
		}
		known[logDirName(ml.num)] = true
		st.logs[ml.name] = newLogState(ml)
	}
	if err := removeUnknown(filepath.Join(sd, "logs"), known); err != nil {
		return nil, err
	}
	if err := removeUnknown(filepath.Join(sd, "trash"), nil); err != nil {
		return nil, err
	}
	_ = os.Remove(filepath.Join(sd, metaFile+".tmp"))
	return st, nil
}

// newLogState builds the in-memory log described by ml. Its segments are
// unindexed: the first Read that needs one scans it (segment.scanEnd).
func newLogState(ml *metaLog) *logState {
	l := &logState{name: ml.name, num: ml.num, lastID: ml.lastID, trimmed: ml.trimmed, checksum: ml.checksum}
	l.segs = make([]*segment, len(ml.segs))
	for j, ms := range ml.segs {
		l.segs[j] = &segment{firstID: ms.firstID, size: ms.size, scanEnd: ms.size, sealed: j < len(ml.segs)-1}
		l.bytes += uint64(ms.size)
	}
	return l
}

// recoverLogDir makes the directory of ml hold exactly its META segments.
func recoverLogDir(sd string, ml *metaLog) error {
	dir := filepath.Join(sd, "logs", logDirName(ml.num))
	if _, err := os.Lstat(dir); errors.Is(err, os.ErrNotExist) {
		// Deleted after the Sync that wrote META: the delete never happened.
		err = os.Rename(filepath.Join(sd, "trash", logDirName(ml.num)), dir)
		if errors.Is(err, os.ErrNotExist) && len(ml.segs) == 0 {
			err = os.Mkdir(dir, 0o755)
		}
		if err != nil {
			return fmt.Errorf("directory missing: %w: %w", ErrCorrupt, err)
		}
	}
	want := make(map[string]bool, len(ml.segs))
	for _, sg := range ml.segs {
		want[segFileName(sg.firstID)] = true
	}
	ents, err := os.ReadDir(dir)
	if err != nil {
		return err
	}
	found := 0
	for _, e := range ents {
		if want[e.Name()] {
			found++
			continue
		}
		// Segments created after the Sync, or trimmed segments whose
		// deletion that Sync did not finish.
		if err := os.RemoveAll(filepath.Join(dir, e.Name())); err != nil {
			return err
		}
	}
	if found != len(ml.segs) {
		return fmt.Errorf("%d of %d segment files missing: %w", len(ml.segs)-found, len(ml.segs), ErrCorrupt)
	}
	if n := len(ml.segs); n > 0 {
		active := ml.segs[n-1]
		if err := os.Truncate(filepath.Join(dir, segFileName(active.firstID)), active.size); err != nil {
			return err
		}
	}
	return nil
}

// removeUnknown deletes the entries of dir not in keep.
func removeUnknown(dir string, keep map[string]bool) error {
	ents, err := os.ReadDir(dir)
	if err != nil {
		return err
	}
	for _, e := range ents {
		if !keep[e.Name()] {
			if err := os.RemoveAll(filepath.Join(dir, e.Name())); err != nil {
				return err
			}
		}
	}
	return nil
}
