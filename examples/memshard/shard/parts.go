package shard

import (
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

// splitRecord cuts rec, an effects record larger than limit bytes, into
// part records of at most limit bytes each.
func splitRecord(rec []byte, limit int) [][]byte {
	var parts [][]byte
	for i := 0; len(rec) > 0; i++ {
		head := append([]byte{partsVersion, kindPart}, binary.AppendUvarint(nil, uint64(i))...)
		n := min(len(rec), limit-len(head))
		if n == len(rec) {
			head[1] = kindLastPart
		}
		parts = append(parts, append(head, rec[:n]...))
		rec = rec[n:]
	}
	return parts
}

// assembler decodes the records of a shard log in order and joins the parts
// of a batch that spans several records into the one effects record they
// form.
type assembler struct {
	buf  []byte // the parts so far of an unfinished batch
	held uint64 // how many parts buf holds
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
		if i := d.uvarint(); d.err != nil || i != a.held {
			return record{}, false, fmt.Errorf("%w: part %d of a batch, after %d parts", errBadRecord, i, a.held)
		}
		a.buf = append(a.buf, d.b...)
		a.held++
		if r.kind == kindPart {
			return record{}, false, nil
		}
		whole := a.buf
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
		if a.held > 0 {
			return record{}, false, fmt.Errorf("%w: a record of kind %q between the parts of a batch", errBadRecord, r.kind)
		}
	}
	return r, true, nil
}

// pending reports whether parts of an unfinished batch are held.
func (a *assembler) pending() bool { return a.held > 0 }

func (a *assembler) reset() { *a = assembler{} }
