package shard

import (
	"bytes"
	"encoding/binary"
	"fmt"
)

// A batch is one atomic unit of the shard's history: all of its effects
// apply, or none. Most batches fit one log record (the primary seals a
// batch before it outgrows one, batch.go), but a single write or MULTI
// block may be larger than the log's --max-record-bytes (a 10 MB SET, an
// SPOP of a million members). Such a batch goes in several records, parts,
// appended back to back by the primary, each conditional on the one before:
//
//	part := index:uvarint | bytes   (kind 'P', or 'L' for the last)
//
// The parts' bytes, joined in order, are the batch's effects record. An
// applier holds the parts until the last one and then applies the batch
// whole; a primary releases the batch's replies only once its last part
// has committed. A primary deposed or crashed halfway never writes the
// last part: the next record is the ELECT of its successor, which ends the
// unfinished batch, so none of it ever applies.
//
// A position inside an unfinished batch is not a state of the keyspace:
// snapshots are taken at the last complete record before it (snapshotter.go).

// partsLeft is a batch being appended in parts. Each part is cut from the
// batch's record when its turn comes, so that a 100 MB batch is held once
// more by one part, not by all of them.
type partsLeft struct {
	rec   []byte // what is left of the batch's record
	index uint64 // the next part's
	seq   uint64 // the batch's ticket
	conns int
}

// next cuts the next part record, of at most limit bytes.
func (p *partsLeft) next(limit int) []byte {
	head := binary.AppendUvarint([]byte{partsVersion, kindPart}, p.index)
	n := min(len(p.rec), limit-len(head))
	if n == len(p.rec) {
		head[1] = kindLastPart
	}
	part := append(make([]byte, 0, len(head)+n), head...)
	part = append(part, p.rec[:n]...)
	p.rec = p.rec[n:]
	p.index++
	return part
}

// assembler decodes the records of a shard log in order and joins the parts
// of a batch that spans several records into the one effects record they
// form.
type assembler struct {
	parts [][]byte // the parts so far of an unfinished batch, copied
	size  int      // their bytes
}

// add decodes the next record b. ok is false if b is a part of a batch
// that is not finished yet.
func (a *assembler) add(b []byte) (r record, ok bool, err error) {
	r, err = decodeRecord(b)
	if err != nil {
		return record{}, false, err
	}
	switch r.kind {
	case kindPart, kindLastPart:
		d := reader{b: r.part}
		if i := d.uvarint(); d.err != nil || i != uint64(len(a.parts)) {
			return record{}, false, fmt.Errorf("%w: part %d of a batch, after %d parts", errBadRecord, i, len(a.parts))
		}
		a.parts = append(a.parts, bytes.Clone(d.b))
		a.size += len(d.b)
		if r.kind == kindPart {
			return record{}, false, nil
		}
		// Joined once at its size: a buffer grown part by part would
		// leave as much again behind it, for a 100 MB value 128 MB.
		whole := make([]byte, 0, a.size)
		for i, p := range a.parts {
			whole = append(whole, p...)
			a.parts[i] = nil
		}
		a.reset()
		if r, err = decodeRecord(whole); err == nil && r.kind != kindEffects {
			err = fmt.Errorf("%w: parts that join into a record of kind %q", errBadRecord, r.kind)
		}
		return r, err == nil, err
	case kindElect:
		// A primary deposed before it wrote the last part of a batch: the
		// batch never committed, and never will.
		a.reset()
	default:
		if a.pending() {
			return record{}, false, fmt.Errorf("%w: a record of kind %q between the parts of a batch", errBadRecord, r.kind)
		}
	}
	return r, true, nil
}

// pending reports whether parts of an unfinished batch are held.
func (a *assembler) pending() bool { return len(a.parts) > 0 }

func (a *assembler) reset() { *a = assembler{} }
