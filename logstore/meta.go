package logstore

import (
	"encoding/binary"
	"errors"
	"fmt"
	"hash/crc32"
	"math"
	"os"
	"path/filepath"
	"strconv"
	"strings"
)

const (
	metaFile    = "META"
	currentFile = "CURRENT"
	metaMagic   = "QLMT"
	metaVersion = 1
	// metaFixedLen is magic, version, padding, applied index, next log number
	// and log count; metaLogFixedLen is a log entry without name and segments.
	metaFixedLen    = 28
	metaLogFixedLen = 4 + 8 + 8 + 8 + 4 + 4
	metaSegLen      = 16
)

// metaState is the content of META: the store as of a Sync cut, or of an
// Export (images carry the same encoding).
type metaState struct {
	applied uint64
	nextNum uint64
	logs    []metaLog
}

type metaLog struct {
	name     string
	num      uint64
	lastID   uint64
	trimmed  uint64
	checksum uint32
	segs     []metaSeg // the last one is active
}

type metaSeg struct {
	firstID uint64
	size    int64
}

// encodeMeta appends the encoding of m to dst (see the package doc).
func encodeMeta(dst []byte, m *metaState) []byte {
	start := len(dst)
	dst = append(dst, metaMagic...)
	dst = append(dst, metaVersion, 0, 0, 0)
	dst = binary.LittleEndian.AppendUint64(dst, m.applied)
	dst = binary.LittleEndian.AppendUint64(dst, m.nextNum)
	dst = binary.LittleEndian.AppendUint32(dst, uint32(len(m.logs)))
	for i := range m.logs {
		l := &m.logs[i]
		dst = binary.LittleEndian.AppendUint32(dst, uint32(len(l.name)))
		dst = append(dst, l.name...)
		dst = binary.LittleEndian.AppendUint64(dst, l.num)
		dst = binary.LittleEndian.AppendUint64(dst, l.lastID)
		dst = binary.LittleEndian.AppendUint64(dst, l.trimmed)
		dst = binary.LittleEndian.AppendUint32(dst, l.checksum)
		dst = binary.LittleEndian.AppendUint32(dst, uint32(len(l.segs)))
		for _, sg := range l.segs {
			dst = binary.LittleEndian.AppendUint64(dst, sg.firstID)
			dst = binary.LittleEndian.AppendUint64(dst, uint64(sg.size))
		}
	}
	return binary.LittleEndian.AppendUint32(dst, crc32.Checksum(dst[start:], castagnoliTable))
}

// metaDecoder reads fields off a byte slice; the first short read sets bad
// and later reads return zeros, so decodeMeta checks once per entry.
type metaDecoder struct {
	b   []byte
	bad bool
}

func (d *metaDecoder) next(n int) []byte {
	if d.bad || len(d.b) < n {
		d.bad = true
		return make([]byte, n)
	}
	v := d.b[:n]
	d.b = d.b[n:]
	return v
}

func (d *metaDecoder) u32() uint32 { return binary.LittleEndian.Uint32(d.next(4)) }
func (d *metaDecoder) u64() uint64 { return binary.LittleEndian.Uint64(d.next(8)) }

// decodeMeta decodes and validates META bytes. Any bad byte or inconsistent
// value gives an error wrapping ErrCorrupt; it never panics.
func decodeMeta(b []byte) (*metaState, error) {
	if len(b) < metaFixedLen+4 {
		return nil, fmt.Errorf("meta: %d bytes: %w", len(b), ErrCorrupt)
	}
	body := b[:len(b)-4]
	if got, want := crc32.Checksum(body, castagnoliTable), binary.LittleEndian.Uint32(b[len(b)-4:]); got != want {
		return nil, fmt.Errorf("meta: crc %#x, want %#x: %w", got, want, ErrCorrupt)
	}
	if string(body[:4]) != metaMagic {
		return nil, fmt.Errorf("meta: bad magic: %w", ErrCorrupt)
	}
	if body[4] != metaVersion {
		return nil, fmt.Errorf("meta: version %d, want %d: %w", body[4], metaVersion, ErrCorrupt)
	}
	if body[5]|body[6]|body[7] != 0 {
		return nil, fmt.Errorf("meta: reserved bytes set: %w", ErrCorrupt)
	}
	d := &metaDecoder{b: body[8:]}
	m := &metaState{applied: d.u64(), nextNum: d.u64()}
	n := int(d.u32())
	if n > len(d.b)/metaLogFixedLen {
		return nil, fmt.Errorf("meta: %d logs in %d bytes: %w", n, len(d.b), ErrCorrupt)
	}
	m.logs = make([]metaLog, n)
	names := make(map[string]bool, n)
	nums := make(map[uint64]bool, n)
	for i := range m.logs {
		l := &m.logs[i]
		nameLen := int(d.u32())
		if nameLen > len(d.b) {
			return nil, fmt.Errorf("meta: log %d: name length %d: %w", i, nameLen, ErrCorrupt)
		}
		l.name = string(d.next(nameLen))
		l.num, l.lastID, l.trimmed = d.u64(), d.u64(), d.u64()
		l.checksum = d.u32()
		nsegs := int(d.u32())
		if d.bad || nsegs > len(d.b)/metaSegLen {
			return nil, fmt.Errorf("meta: log %d: truncated: %w", i, ErrCorrupt)
		}
		l.segs = make([]metaSeg, nsegs)
		for j := range l.segs {
			l.segs[j] = metaSeg{firstID: d.u64(), size: int64(d.u64())}
		}
		if err := l.validate(m.nextNum); err != nil {
			return nil, fmt.Errorf("meta: log %q: %w", l.name, err)
		}
		if names[l.name] || nums[l.num] {
			return nil, fmt.Errorf("meta: log %q or number %d twice: %w", l.name, l.num, ErrCorrupt)
		}
		names[l.name], nums[l.num] = true, true
	}
	if d.bad || len(d.b) != 0 {
		return nil, fmt.Errorf("meta: %d trailing bytes: %w", len(d.b), ErrCorrupt)
	}
	return m, nil
}

// validate checks the invariants Open relies on, so a META that passes its
// CRC but was written by a buggy or foreign writer cannot crash the store.
func (l *metaLog) validate(nextNum uint64) error {
	if l.num >= nextNum || l.trimmed > l.lastID || l.lastID == math.MaxUint64 {
		return fmt.Errorf("number %d (next %d), trimmed %d, last %d: %w", l.num, nextNum, l.trimmed, l.lastID, ErrCorrupt)
	}
	if len(l.segs) == 0 {
		if l.lastID != 0 {
			return fmt.Errorf("%d records but no segment: %w", l.lastID, ErrCorrupt)
		}
		return nil
	}
	for j, sg := range l.segs {
		if sg.size < segHeaderLen || sg.size > math.MaxInt64/2 || sg.firstID == 0 || sg.firstID > l.lastID+1 {
			return fmt.Errorf("segment %d: first ID %d, size %d: %w", j, sg.firstID, sg.size, ErrCorrupt)
		}
		if j > 0 && sg.firstID <= l.segs[j-1].firstID {
			return fmt.Errorf("segments out of order: %w", ErrCorrupt)
		}
	}
	if l.segs[0].firstID > l.trimmed+1 {
		return fmt.Errorf("first segment starts at %d, after first ID %d: %w", l.segs[0].firstID, l.trimmed+1, ErrCorrupt)
	}
	return nil
}

// writeFileAtomic replaces dir/name by data so that a crash leaves either the
// old or the new content: write a temp file, fsync it, rename it over, fsync
// the directory so the rename itself is durable.
func writeFileAtomic(dir, name string, data []byte) error {
	tmp := filepath.Join(dir, name+".tmp")
	f, err := os.OpenFile(tmp, os.O_WRONLY|os.O_CREATE|os.O_TRUNC, 0o644)
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
	if err == nil {
		err = os.Rename(tmp, filepath.Join(dir, name))
	}
	if err == nil {
		err = syncDir(dir)
	}
	if err != nil {
		_ = os.Remove(tmp)
	}
	return err
}

func syncDir(dir string) error {
	f, err := os.Open(dir)
	if err != nil {
		return err
	}
	err = f.Sync()
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	return err
}

// readCurrent returns the generation of the live state directory named by
// CURRENT. It is a decimal number and a newline, replaced atomically by
// Restore: that one rename is what makes a restore all-or-nothing.
func readCurrent(dir string) (uint64, error) {
	b, err := os.ReadFile(filepath.Join(dir, currentFile))
	if err != nil {
		return 0, err
	}
	s, ok := strings.CutSuffix(string(b), "\n")
	gen, err := strconv.ParseUint(s, 10, 64)
	if !ok || err != nil || gen == 0 {
		return 0, fmt.Errorf("CURRENT %q: %w", b, ErrCorrupt)
	}
	return gen, nil
}

func writeCurrent(dir string, gen uint64) error {
	return writeFileAtomic(dir, currentFile, []byte(strconv.FormatUint(gen, 10)+"\n"))
}

// makeStateDir creates an empty state directory (logs/, trash/) holding
// META m, everything fsynced, ready to be named by CURRENT.
func makeStateDir(dir string, m *metaState) error {
	for _, d := range []string{dir, filepath.Join(dir, "logs"), filepath.Join(dir, "trash")} {
		if err := os.Mkdir(d, 0o755); err != nil && !errors.Is(err, os.ErrExist) {
			return err
		}
	}
	for _, d := range []string{filepath.Join(dir, "logs"), filepath.Join(dir, "trash")} {
		if err := syncDir(d); err != nil {
			return err
		}
	}
	return writeFileAtomic(dir, metaFile, encodeMeta(nil, m))
}

// initStore creates generation 1 of a new store.
func initStore(dir string) (uint64, error) {
	const gen = 1
	sd := filepath.Join(dir, stateDirName(gen))
	if err := os.RemoveAll(sd); err != nil {
		return 0, err
	}
	if err := makeStateDir(sd, &metaState{nextNum: 1}); err != nil {
		return 0, err
	}
	if err := syncDir(dir); err != nil {
		return 0, err
	}
	return gen, writeCurrent(dir, gen)
}
