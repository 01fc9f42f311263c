package logstore

import (
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"os"
)

const (
	segMagic      = "QLSG"
	segVersion    = 1
	segHeaderLen  = 16
	indexInterval = 64 // one sparse index entry per this many records
	scanChunk     = 256 << 10
)

// segment is one segment file of a log. Guarded by Store.mu; readers copy
// what they need and do their I/O on their own file handles.
type segment struct {
	firstID uint64
	// size is the number of bytes of the file that belong to the log (header
	// plus whole frames). Apply advances it only after the bytes are written.
	size int64
	// f is the write handle, opened lazily by Apply and closed by Sync once a
	// sealed segment is clean, or after a Sync when the log is deleted or the
	// segment trimmed. Readers borrow it (see readSegment).
	f      *os.File
	sealed bool
	dirty  bool // written since the last Sync cut

	// idx[k-idxBase] is the file offset of the frame of ID firstID+k*64.
	// When indexed, idxBase is 0 and idx covers the whole segment. Segments
	// found by Open start unindexed: Apply still indexes what it appends
	// (idxBase > 0 then), and the first Read below that scans [0, scanEnd)
	// once to fill in the front.
	idx     []int64
	idxBase int
	indexed bool
	scanEnd int64
}

// lastID returns the last ID stored in segs[i] of a log whose last ID is
// lastID.
func segLastID(segs []*segment, i int, lastID uint64) uint64 {
	if i+1 < len(segs) {
		return segs[i+1].firstID - 1
	}
	return lastID
}

// findSegment returns the index of the segment holding id (the last one whose
// first ID is <= id), or -1.
func findSegment(segs []*segment, id uint64) int {
	lo, hi := 0, len(segs) // invariant: segs[:lo] have firstID <= id
	for lo < hi {
		m := int(uint(lo+hi) >> 1)
		if segs[m].firstID <= id {
			lo = m + 1
		} else {
			hi = m
		}
	}
	return lo - 1
}

// indexedOffset returns the offset of the closest indexed frame at or below
// id and that frame's ID, or ok=false if the index has no such entry (the
// segment must be scanned first).
func (sg *segment) indexedOffset(id uint64) (off int64, at uint64, ok bool) {
	k := int((id - sg.firstID) / indexInterval)
	if k < sg.idxBase || len(sg.idx) == 0 {
		return 0, 0, false
	}
	k = min(k, sg.idxBase+len(sg.idx)-1)
	return sg.idx[k-sg.idxBase], sg.firstID + uint64(k)*indexInterval, true
}

// noteFrame records in the index that the frame of id starts at off.
func (sg *segment) noteFrame(id uint64, off int64) {
	n := id - sg.firstID
	if n%indexInterval != 0 {
		return
	}
	k := int(n / indexInterval)
	if len(sg.idx) == 0 && !sg.indexed {
		sg.idxBase = k
	}
	if k == sg.idxBase+len(sg.idx) {
		sg.idx = append(sg.idx, off)
	}
}

func appendSegHeader(dst []byte, firstID uint64) []byte {
	dst = append(dst, segMagic...)
	dst = append(dst, segVersion, 0, 0, 0)
	return binary.LittleEndian.AppendUint64(dst, firstID)
}

func checkSegHeader(b []byte, firstID uint64) error {
	if len(b) < segHeaderLen || string(b[:4]) != segMagic {
		return fmt.Errorf("bad segment magic: %w", ErrCorrupt)
	}
	if b[4] != segVersion {
		return fmt.Errorf("segment version %d, want %d: %w", b[4], segVersion, ErrCorrupt)
	}
	if got := binary.LittleEndian.Uint64(b[8:16]); got != firstID {
		return fmt.Errorf("segment header first ID %d, want %d: %w", got, firstID, ErrCorrupt)
	}
	return nil
}

// scanIndex reads frame headers of f over [0, end) and returns the index
// entries for IDs firstID, firstID+64, ... It checks the segment header and
// every frame header (not payloads: Read checks those when it returns them).
func scanIndex(f *os.File, firstID uint64, end int64) (idx []int64, scanned int64, err error) {
	buf := make([]byte, scanChunk)
	var hdr [segHeaderLen]byte
	if _, err := f.ReadAt(hdr[:], 0); err != nil {
		return nil, 0, readErr(err)
	}
	if err := checkSegHeader(hdr[:], firstID); err != nil {
		return nil, 0, err
	}
	off, id := int64(segHeaderLen), firstID
	bufOff, bufLen := int64(0), 0 // buf[:bufLen] holds file bytes from bufOff
	for off < end {
		if off < bufOff || off+frameHeaderLen > bufOff+int64(bufLen) {
			n := min(int64(len(buf)), end-off)
			if n < frameHeaderLen {
				return nil, scanned, fmt.Errorf("offset %d: frame header past segment end: %w", off, ErrCorrupt)
			}
			m, err := f.ReadAt(buf[:n], off)
			scanned += int64(m)
			if int64(m) < n {
				return nil, scanned, fmt.Errorf("offset %d: %w", off, readErr(err))
			}
			bufOff, bufLen = off, m
		}
		h, err := decodeFrameHeader(buf[off-bufOff:])
		if err == nil && h.id != id {
			err = fmt.Errorf("frame ID %d, want %d: %w", h.id, id, ErrCorrupt)
		}
		if err != nil {
			return nil, scanned, fmt.Errorf("offset %d: %w", off, err)
		}
		if (id-firstID)%indexInterval == 0 {
			idx = append(idx, off)
		}
		off += frameHeaderLen + int64(h.payloadLen)
		id++
	}
	if off != end {
		return nil, scanned, fmt.Errorf("last frame ends at %d, past %d: %w", off, end, ErrCorrupt)
	}
	return idx, scanned, nil
}

// readErr turns a short read into ErrCorrupt: a file shorter than its
// recorded size lost synced bytes.
func readErr(err error) error {
	if err == nil || errors.Is(err, io.EOF) {
		return fmt.Errorf("segment shorter than recorded: %w", ErrCorrupt)
	}
	return err
}
