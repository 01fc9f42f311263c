package shard

import (
	"bufio"
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"hash"
	"hash/crc32"
	"io"
	"slices"
	"strconv"
	"strings"

	"github.com/quorumlog/quorumlog/examples/memshard/engine"
	"github.com/quorumlog/quorumlog/examples/memshard/resp"
)

// A snapshot is the keyspace as of one ID of the shard log: a node restores
// it, then replays the log from the next ID. Snapshots are written by a
// separate process (TakeSnapshot, `memshard snapshot`), never by a serving
// node, into a BlobStore the nodes share: a directory or an S3 bucket.
//
//	file    := magic | header | chunk* | 0:uvarint | crc32c:u32le
//	header  := len:uvarint | log | id:uvarint | sum:u32le | node | addr   (node, log, addr: len:uvarint | bytes)
//	chunk   := len:uvarint | effects record (record.go: version, 'E', commands)
//
// The CRC-32C covers every byte before it. The chunks are effects records,
// so the engine-version guard of the log applies to snapshots too.
const (
	snapshotMagic      = "MEMSHARD SNAPSHOT\n"
	snapshotSuffix     = ".snap"
	snapshotChunk      = 256     // commands per chunk, at most
	snapshotChunkBytes = 1 << 20 // argument bytes per chunk, about (one big value may exceed it)
	maxSnapshotPart    = 1 << 30 // a header or chunk length above this is corruption
	snapshotsKept      = 2       // the newest snapshots of a log kept in the store
)

var (
	// ErrNoSnapshot means the store holds no snapshot of the log.
	ErrNoSnapshot = errors.New("shard: no snapshot")
	// ErrBadSnapshot means a snapshot file is corrupt or truncated.
	ErrBadSnapshot = errors.New("shard: corrupt snapshot")
)

// SnapshotInfo says what a snapshot covers.
type SnapshotInfo struct {
	Log  string // the shard log
	ID   uint64 // the last log ID it includes
	Sum  uint32 // the log's running checksum after ID
	Node string // the primary as of ID (node ID and RESP address), if any
	Addr string
	Keys int // keys restored (set by ReadSnapshot)
}

// snapshotName is the file name of log's snapshot at id: sorting names
// sorts by ID.
func snapshotName(log string, id uint64) string {
	return fmt.Sprintf("%s.%020d%s", log, id, snapshotSuffix)
}

// WriteSnapshot writes db as log's snapshot at info.ID into store (a blob
// appears whole or not at all; see BlobStore), then deletes all but the
// newest snapshotsKept snapshots of the log. It returns the blob's name.
func WriteSnapshot(ctx context.Context, store BlobStore, info SnapshotInfo, db *engine.DB) (name string, err error) {
	if err := checkLogName(info.Log); err != nil {
		return "", err
	}
	name = snapshotName(info.Log, info.ID)
	bw, err := store.Create(ctx, name)
	if err != nil {
		return "", fmt.Errorf("shard: write snapshot: %w", err)
	}
	crc := crc32.New(crc32.MakeTable(crc32.Castagnoli))
	w := bufio.NewWriterSize(io.MultiWriter(bw, crc), 1<<20)
	if err := encodeSnapshot(w, crc, info, db); err != nil {
		bw.Abort()
		return "", fmt.Errorf("shard: write snapshot: %w", err)
	}
	if err := bw.Commit(); err != nil {
		bw.Abort()
		return "", fmt.Errorf("shard: write snapshot %s to %s: %w", name, store, err)
	}
	old, _ := listSnapshots(ctx, store, info.Log)
	for len(old) > snapshotsKept {
		store.Delete(ctx, snapshotName(info.Log, old[0]))
		old = old[1:]
	}
	return name, nil
}

func encodeSnapshot(w *bufio.Writer, crc hash.Hash32, info SnapshotInfo, db *engine.DB) error {
	w.WriteString(snapshotMagic)
	var h []byte
	h = appendBytes(h, info.Log)
	h = binary.AppendUvarint(h, info.ID)
	h = binary.LittleEndian.AppendUint32(h, info.Sum)
	h = appendBytes(h, info.Node)
	h = appendBytes(h, info.Addr)
	writePart(w, h)
	var cmds [][][]byte
	var rec []byte
	size := 0
	flush := func() {
		rec = appendEffectsRecord(rec[:0], cmds)
		cmds, size = cmds[:0], 0
		writePart(w, rec)
	}
	db.Dump(func(argv [][]byte) error {
		cmds = append(cmds, argv)
		for _, a := range argv {
			size += len(a)
		}
		if len(cmds) == snapshotChunk || size >= snapshotChunkBytes {
			flush()
		}
		return nil
	})
	if len(cmds) > 0 {
		flush()
	}
	w.Write(binary.AppendUvarint(nil, 0))
	if err := w.Flush(); err != nil { // bufio keeps the first write error
		return err
	}
	// The CRC of everything written so far goes last.
	w.Write(binary.LittleEndian.AppendUint32(nil, crc.Sum32()))
	return w.Flush()
}

func appendBytes(dst []byte, s string) []byte {
	dst = binary.AppendUvarint(dst, uint64(len(s)))
	return append(dst, s...)
}

func writePart(w *bufio.Writer, b []byte) {
	w.Write(binary.AppendUvarint(nil, uint64(len(b))))
	w.Write(b)
}

// ReadSnapshot rebuilds a snapshot from f into a new DB. It checks the
// CRC-32C of the whole file before it executes anything, then the magic,
// every length and every record, and returns the DB only if all of them
// hold: a corrupt, truncated or trailing-garbage file is ErrBadSnapshot, a
// snapshot written by a newer engine is ErrNewerFormat. Only the commands
// Dump writes are executed.
func ReadSnapshot(f io.ReadSeeker) (SnapshotInfo, *engine.DB, error) {
	var info SnapshotInfo
	if err := checkSnapshotCRC(f); err != nil {
		return info, nil, err
	}
	if _, err := f.Seek(0, io.SeekStart); err != nil {
		return info, nil, err
	}
	br := bufio.NewReader(f)
	magic := make([]byte, len(snapshotMagic))
	if _, err := io.ReadFull(br, magic); err != nil || string(magic) != snapshotMagic {
		return info, nil, fmt.Errorf("%w: not a memshard snapshot", ErrBadSnapshot)
	}
	h, err := readPart(br)
	if err != nil {
		return info, nil, err
	}
	d := reader{b: h}
	info.Log = string(d.bytes())
	info.ID = d.uvarint()
	if d.err == nil && len(d.b) >= 4 {
		info.Sum = binary.LittleEndian.Uint32(d.b)
		d.b = d.b[4:]
	} else {
		d.err = errBadRecord
	}
	info.Node = string(d.bytes())
	info.Addr = string(d.bytes())
	if d.err != nil || len(d.b) != 0 {
		return info, nil, fmt.Errorf("%w: bad header", ErrBadSnapshot)
	}
	db := engine.New()
	table := engine.NewTable()
	out := resp.NewWriter(2)
	now := nowMs()
	for {
		b, err := readPart(br)
		if err != nil {
			return info, nil, err
		}
		if b == nil {
			break
		}
		rec, err := decodeRecord(b)
		if errors.Is(err, ErrNewerFormat) {
			return info, nil, err
		}
		if err != nil || rec.kind != kindEffects {
			return info, nil, fmt.Errorf("%w: bad chunk", ErrBadSnapshot)
		}
		for _, argv := range rec.effects {
			if !isDumpCommand(argv) {
				return info, nil, fmt.Errorf("%w: command %q in a snapshot", ErrBadSnapshot, argv[0])
			}
			out.Reset()
			table.Exec(db, &engine.Call{Argv: argv, Out: out, Now: now, Replay: true})
			if reply := out.Bytes(); len(reply) > 0 && reply[0] == '-' {
				return info, nil, fmt.Errorf("%w: command %q: %s", ErrBadSnapshot, argv[0], strings.TrimSpace(string(reply)))
			}
		}
	}
	// Only the checksum, verified above, may follow the end marker.
	var sum [4]byte
	if _, err := io.ReadFull(br, sum[:]); err != nil {
		return info, nil, fmt.Errorf("%w: truncated", ErrBadSnapshot)
	}
	if _, err := br.ReadByte(); err != io.EOF {
		return info, nil, fmt.Errorf("%w: data after the end marker", ErrBadSnapshot)
	}
	info.Keys = db.Len()
	return info, db, nil
}

// dumpCommands are the commands engine.Dump writes (a stream is rebuilt
// with XADD, XTRIM, XDEL and XSETID, its groups with XGROUP CREATE and
// CREATECONSUMER and XCLAIM; a value in an encoding only RESTORE gives,
// with RESTORE), besides a library's FUNCTION LOAD REPLACE and a user's
// ACL SETUSER.
var dumpCommands = map[string]bool{
	"SET": true, "RPUSH": true, "SADD": true, "HSET": true, "ZADD": true, "PEXPIREAT": true,
	"XADD": true, "XTRIM": true, "XDEL": true, "XSETID": true, "XGROUP": true, "XCLAIM": true,
	"RESTORE": true,
}

// isDumpCommand reports whether argv is a command engine.Dump writes: one
// of dumpCommands, FUNCTION LOAD REPLACE <code> (no other FUNCTION) or
// ACL SETUSER <user> [rule ...] (no other ACL).
func isDumpCommand(argv [][]byte) bool {
	name := strings.ToUpper(string(argv[0]))
	if name == "ACL" {
		return len(argv) >= 3 && strings.EqualFold(string(argv[1]), "setuser")
	}
	if name == "FUNCTION" {
		return len(argv) == 4 && strings.EqualFold(string(argv[1]), "load") && strings.EqualFold(string(argv[2]), "replace")
	}
	return dumpCommands[name]
}

// checkSnapshotCRC checks that f's last four bytes are the CRC-32C of the
// bytes before them.
func checkSnapshotCRC(f io.ReadSeeker) error {
	size, err := f.Seek(0, io.SeekEnd)
	if err != nil {
		return err
	}
	if size < int64(len(snapshotMagic))+4 {
		return fmt.Errorf("%w: %d bytes", ErrBadSnapshot, size)
	}
	if _, err := f.Seek(0, io.SeekStart); err != nil {
		return err
	}
	crc := crc32.New(crc32.MakeTable(crc32.Castagnoli))
	if _, err := io.CopyN(crc, f, size-4); err != nil {
		return err
	}
	var sum [4]byte
	if _, err := io.ReadFull(f, sum[:]); err != nil {
		return err
	}
	if binary.LittleEndian.Uint32(sum[:]) != crc.Sum32() {
		return fmt.Errorf("%w: checksum mismatch", ErrBadSnapshot)
	}
	return nil
}

// readPart reads one length-prefixed part; nil at the end marker.
func readPart(r *bufio.Reader) ([]byte, error) {
	n, err := binary.ReadUvarint(r)
	if err != nil || n > maxSnapshotPart {
		return nil, fmt.Errorf("%w: truncated or bad length", ErrBadSnapshot)
	}
	if n == 0 {
		return nil, nil
	}
	// ReadAll grows with the bytes that arrive: a corrupt length allocates
	// no more than the file holds.
	b, err := io.ReadAll(io.LimitReader(r, int64(n)))
	if err != nil || uint64(len(b)) != n {
		return nil, fmt.Errorf("%w: truncated", ErrBadSnapshot)
	}
	return b, nil
}

// LoadLatestSnapshot restores the newest snapshot of log in store. It is
// ErrNoSnapshot if there is none; a corrupt newest snapshot is an error,
// never a silent fall back to an older one (the log may be trimmed past it).
func LoadLatestSnapshot(ctx context.Context, store BlobStore, log string) (SnapshotInfo, *engine.DB, error) {
	ids, err := listSnapshots(ctx, store, log)
	if err != nil {
		return SnapshotInfo{}, nil, err
	}
	if len(ids) == 0 {
		return SnapshotInfo{}, nil, fmt.Errorf("%w of log %q in %s", ErrNoSnapshot, log, store)
	}
	return readSnapshotBlob(ctx, store, log, ids[len(ids)-1])
}

// readSnapshotBlob restores log's snapshot at id from store, checking that
// the blob holds what its name says.
func readSnapshotBlob(ctx context.Context, store BlobStore, log string, id uint64) (SnapshotInfo, *engine.DB, error) {
	name := snapshotName(log, id)
	f, err := store.Open(ctx, name)
	if err != nil {
		return SnapshotInfo{}, nil, err
	}
	defer f.Close()
	info, db, err := ReadSnapshot(f)
	if err != nil {
		return SnapshotInfo{}, nil, fmt.Errorf("%s in %s: %w", name, store, err)
	}
	if info.Log != log || info.ID != id {
		return SnapshotInfo{}, nil, fmt.Errorf("%s in %s: %w: it holds log %q at ID %d", name, store, ErrBadSnapshot, info.Log, info.ID)
	}
	return info, db, nil
}

// listSnapshots returns the IDs of log's snapshots in store, ascending.
func listSnapshots(ctx context.Context, store BlobStore, log string) ([]uint64, error) {
	names, err := store.List(ctx, log+".")
	if err != nil {
		return nil, err
	}
	var ids []uint64
	for _, n := range names {
		mid, ok := strings.CutSuffix(strings.TrimPrefix(n, log+"."), snapshotSuffix)
		if id, err := strconv.ParseUint(mid, 10, 64); ok && err == nil && len(mid) == 20 {
			ids = append(ids, id)
		}
	}
	slices.Sort(ids)
	return ids, nil
}

func checkLogName(log string) error {
	if checkBlobName(log) != nil { // a snapshot's name starts with its log's
		return fmt.Errorf("shard: log name %q cannot name a snapshot file", log)
	}
	return nil
}
