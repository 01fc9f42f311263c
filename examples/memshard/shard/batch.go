package shard

import (
	"encoding/binary"
	"fmt"
)

// DefaultMaxRecordBytes is the record limit assumed when the log's nodes
// do not report theirs: QuorumLog's default --max-record-bytes.
const DefaultMaxRecordBytes = 1 << 20

// Bytes an effects record adds to its effects (version, kind, count), and
// the most the primary's rewrite can add to a command (EX 1 becomes PXAT
// and 13 digits): a write whose arguments fit the limit with this much to
// spare fits as an effect, unless its effects outgrow its arguments (SPOP
// with a count becomes an SREM of the members; the log refuses that record
// and the primary steps down, failing the write).
const (
	recordHeaderBytes = 2 + binary.MaxVarintLen64
	effectGrowthBytes = 64
)

// batch is a sealed batch: full, waiting for its turn to be appended.
type batch struct {
	seq     uint64
	effects [][][]byte
	keys    []string
	conns   int
}

// effectBytes is what argv takes in an effects record.
func effectBytes(argv [][]byte) int {
	n := uvarintLen(len(argv))
	for _, a := range argv {
		n += uvarintLen(len(a)) + len(a)
	}
	return n
}

func uvarintLen(n int) int {
	var b [binary.MaxVarintLen64]byte
	return binary.PutUvarint(b[:], uint64(n))
}

// writesBytes bounds what writes' effects take in a record: their
// arguments plus what the primary's rewrite may add to each.
func writesBytes(writes ...[][]byte) int {
	n := 0
	for _, argv := range writes {
		n += effectBytes(argv) + effectGrowthBytes
	}
	return n
}

// tooLargeLocked says why writes whose effects (n bytes, writesBytes)
// could not fit one log record are refused (an error text without its
// code), or "" if they fit. A primary must refuse them before it runs
// them: it cannot log what it has done, and cannot undo it.
func (s *Shard) tooLargeLocked(n int) string {
	n += recordHeaderBytes
	if n <= s.maxRecord {
		return ""
	}
	return fmt.Sprintf("the write needs %d bytes in the shard's log, more than its record limit of %d (--max-record-bytes)", n, s.maxRecord)
}

// makeRoomLocked seals the open batch if n more bytes of effects would not
// fit in its record: the effects to come then start a new batch, which
// keeps its own ticket and goes in the next record.
func (s *Shard) makeRoomLocked(n int) {
	if len(s.open) == 0 || recordHeaderBytes+s.openBytes+n <= s.maxRecord {
		return
	}
	s.sealed = append(s.sealed, batch{seq: s.openSeq, effects: s.open, keys: s.openKeys, conns: s.openConns})
	s.open, s.openKeys, s.openConns, s.openBytes = nil, nil, 0, 0
	s.openSeq++
}
