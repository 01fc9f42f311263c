package logstore

import (
	"encoding/binary"
	"fmt"
	"hash/crc32"
)

// castagnoliTable is the CRC-32C table used for payload CRCs, frame header
// CRCs, META and image checksums and the running checksum. CRC-32C has
// hardware support on amd64 and arm64, so checksumming costs little next to
// the copy.
var castagnoliTable = crc32.MakeTable(crc32.Castagnoli)

const (
	// frameHeaderLen is the size of a frame header:
	// len u32 | id u64 | payload crc u32 | header crc u32.
	frameHeaderLen = 20
	// maxPayloadLen bounds a payload so that a corrupt length cannot make a
	// reader allocate gigabytes; the frame length field itself allows 4 GiB.
	maxPayloadLen = 1 << 30
)

// crc32c returns the CRC-32C of b, the checksum a writer puts in Record.CRC.
func crc32c(b []byte) uint32 { return crc32.Checksum(b, castagnoliTable) }

// nextChecksum advances a log's running checksum by one record: the CRC-32C
// update of c with le32(payloadLen) || le32(payloadCRC). It hashes only the
// record's length and CRC, so it costs the same for any payload size and a
// client can recompute it from what it read. The update is spelled out
// (crc32.Update on a local array makes it escape: one allocation per record).
func nextChecksum(c uint32, payloadLen int, payloadCRC uint32) uint32 {
	c = ^c
	for _, v := range [2]uint32{uint32(payloadLen), payloadCRC} {
		for range 4 {
			c = castagnoliTable[byte(c)^byte(v)] ^ (c >> 8)
			v >>= 8
		}
	}
	return ^c
}

// appendFrame appends the frame of record id to dst and returns the extended
// slice. payloadCRC is written as given: the caller verified it against the
// payload, and storing the writer's CRC keeps the check end to end.
func appendFrame(dst []byte, id uint64, payload []byte, payloadCRC uint32) []byte {
	n := len(dst)
	dst = append(dst, make([]byte, frameHeaderLen)...)
	h := dst[n : n+frameHeaderLen]
	binary.LittleEndian.PutUint32(h[0:4], uint32(len(payload)))
	binary.LittleEndian.PutUint64(h[4:12], id)
	binary.LittleEndian.PutUint32(h[12:16], payloadCRC)
	binary.LittleEndian.PutUint32(h[16:20], crc32.Checksum(h[0:16], castagnoliTable))
	return append(dst, payload...)
}

// frameHeader is a decoded and verified frame header.
type frameHeader struct {
	payloadLen int
	id         uint64
	payloadCRC uint32
}

// decodeFrameHeader decodes and verifies the header at the start of buf.
// Index building and readers use it to learn a frame's length before they
// have its payload.
func decodeFrameHeader(buf []byte) (frameHeader, error) {
	if len(buf) < frameHeaderLen {
		return frameHeader{}, fmt.Errorf("short frame header (%d bytes): %w", len(buf), ErrCorrupt)
	}
	if got, want := crc32.Checksum(buf[0:16], castagnoliTable), binary.LittleEndian.Uint32(buf[16:20]); got != want {
		return frameHeader{}, fmt.Errorf("frame header crc %#x, want %#x: %w", got, want, ErrCorrupt)
	}
	h := frameHeader{
		payloadLen: int(binary.LittleEndian.Uint32(buf[0:4])),
		id:         binary.LittleEndian.Uint64(buf[4:12]),
		payloadCRC: binary.LittleEndian.Uint32(buf[12:16]),
	}
	if h.payloadLen > maxPayloadLen {
		return frameHeader{}, fmt.Errorf("frame length %d: %w", h.payloadLen, ErrCorrupt)
	}
	return h, nil
}

// decodeFrame decodes the frame at the start of buf and returns its record
// and encoded length. Any bad byte (header, length or payload) gives an error
// wrapping ErrCorrupt; it never panics. Record.Payload aliases buf.
func decodeFrame(buf []byte) (Record, int, error) {
	h, err := decodeFrameHeader(buf)
	if err != nil {
		return Record{}, 0, err
	}
	n := frameHeaderLen + h.payloadLen
	if len(buf) < n {
		return Record{}, 0, fmt.Errorf("frame of %d bytes truncated to %d: %w", n, len(buf), ErrCorrupt)
	}
	p := buf[frameHeaderLen:n:n]
	if got := crc32c(p); got != h.payloadCRC {
		return Record{}, 0, fmt.Errorf("record %d payload crc %#x, want %#x: %w", h.id, got, h.payloadCRC, ErrCorrupt)
	}
	return Record{ID: h.id, Payload: p, CRC: h.payloadCRC}, n, nil
}
