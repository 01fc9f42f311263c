package shard

import (
	"encoding/binary"
)

// DefaultMaxRecordBytes is the record limit assumed when the log's nodes
// do not report theirs: QuorumLog's default --max-record-bytes.
const DefaultMaxRecordBytes = 1 << 20

// Bytes an effects record adds to its effects (version, kind, count), and
// the most the primary's rewrite can add to a command (EX 1 becomes PXAT
// and 13 digits): what a MULTI block makes room for before it runs.
const (
	recordHeaderBytes = 2 + binary.MaxVarintLen64
	effectGrowthBytes = 64
)

// batch is a sealed batch: full, waiting for its turn to be appended.
type batch struct {
	seq   uint64
	rec   []byte // its effects record
	keys  []string
	conns int
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

// makeRoomLocked seals the open batch if n more bytes of effects would not
// fit in its record: the effects to come then start a new batch, which
// keeps its own ticket and goes in the next record (or records, if they
// alone do not fit one: parts.go).
func (s *Shard) makeRoomLocked(n int) {
	if s.open.count == 0 || recordHeaderBytes+s.open.size()+n <= s.maxRecord {
		return
	}
	s.sealed = append(s.sealed, batch{seq: s.openSeq, rec: s.open.finish(), keys: s.openKeys, conns: s.openConns})
	s.openKeys, s.openConns = nil, 0
	s.openSeq++
}
