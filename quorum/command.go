package quorum

import (
	"encoding/binary"
	"errors"
	"fmt"

	"github.com/hashicorp/raft-wal/segment"

	"github.com/quorumlog/quorumlog/logstore"
)

// The raft entry format. One entry carries the operations of many client
// requests (group commit); the FSM applies them in order.
//
//	entry  := version:u8 (=1) | count:uvarint | op*count
//	op     := kind:u8 | len(log):uvarint | log | body
//	body   := (create, delete)  nothing
//	        | (append)          flags:u8 (bit0 = conditional, bit1 = checksum condition)
//	                            | expected_last_id:uvarint | [expected_checksum:u32le if bit1]
//	                            | n:uvarint | (crc32c:u32le | len:uvarint | payload)*n
//	        | (trim)            through_id:uvarint
//
// Payloads are not copied on decode: decoded records alias the entry's bytes.
const entryVersion = 1

// Append flags.
const (
	flagConditional = 1 << 0
	flagChecksum    = 1 << 1
)

// ErrBadEntry means a raft entry could not be decoded. A committed entry that
// does not decode is a bug or corruption: replicas would diverge, so the FSM
// panics on it.
var ErrBadEntry = errors.New("quorum: malformed raft entry")

// maxOpsPerEntry bounds the count field so a corrupt entry cannot make the
// decoder allocate without limit.
const maxOpsPerEntry = 1 << 20

// appendEntry encodes ops as one raft entry onto dst.
func appendEntry(dst []byte, ops []logstore.Op) []byte {
	dst = append(dst, entryVersion)
	dst = binary.AppendUvarint(dst, uint64(len(ops)))
	for i := range ops {
		dst = appendOp(dst, &ops[i])
	}
	return dst
}

func appendOp(dst []byte, op *logstore.Op) []byte {
	dst = append(dst, byte(op.Kind))
	dst = binary.AppendUvarint(dst, uint64(len(op.Log)))
	dst = append(dst, op.Log...)
	switch op.Kind {
	case logstore.OpAppend:
		var flags byte
		if op.Conditional {
			flags |= flagConditional
		}
		if op.CheckChecksum {
			flags |= flagChecksum
		}
		dst = append(dst, flags)
		dst = binary.AppendUvarint(dst, op.ExpectedLastID)
		if op.CheckChecksum {
			dst = binary.LittleEndian.AppendUint32(dst, op.ExpectedChecksum)
		}
		dst = binary.AppendUvarint(dst, uint64(len(op.Records)))
		for _, r := range op.Records {
			dst = binary.LittleEndian.AppendUint32(dst, r.CRC)
			dst = binary.AppendUvarint(dst, uint64(len(r.Payload)))
			dst = append(dst, r.Payload...)
		}
	case logstore.OpTrim:
		dst = binary.AppendUvarint(dst, op.ThroughID)
	}
	return dst
}

// maxEntryBytes bounds the encoded size of one raft entry, and so of one
// operation (an append is one entry, or part of one). raft-wal writes an
// entry of any size but refuses to read back one over segment.MaxEntrySize
// (64 MiB) as corrupt, which would stop the node for good; the margin is
// for raft's own framing of the entry.
const maxEntryBytes = segment.MaxEntrySize - 64<<10

// entryHeaderBytes bounds what an entry adds to its operations (version,
// operation count).
const entryHeaderBytes = 1 + binary.MaxVarintLen64

// encodedOpSize is an upper bound of op's encoded size, used to cut batches.
func encodedOpSize(op *logstore.Op) int {
	n := 1 + binary.MaxVarintLen64 + len(op.Log) + 1 + 2*binary.MaxVarintLen64 + 4
	for _, r := range op.Records {
		n += 4 + binary.MaxVarintLen64 + len(r.Payload)
	}
	return n
}

// decodeEntry decodes a raft entry. Records alias data.
func decodeEntry(data []byte) ([]logstore.Op, error) {
	d := decoder{buf: data}
	if v := d.byte(); d.err == nil && v != entryVersion {
		return nil, fmt.Errorf("%w: version %d", ErrBadEntry, v)
	}
	n := d.uvarint()
	if d.err == nil && n > maxOpsPerEntry {
		return nil, fmt.Errorf("%w: %d operations", ErrBadEntry, n)
	}
	var ops []logstore.Op
	if d.err == nil {
		ops = make([]logstore.Op, 0, min(n, uint64(len(data))))
	}
	for i := uint64(0); i < n && d.err == nil; i++ {
		var op logstore.Op
		op.Kind = logstore.OpKind(d.byte())
		op.Log = string(d.bytes(d.uvarint()))
		switch op.Kind {
		case logstore.OpCreate, logstore.OpDelete:
		case logstore.OpAppend:
			flags := d.byte()
			if flags&^(flagConditional|flagChecksum) != 0 {
				d.fail("append flags")
			}
			op.Conditional = flags&flagConditional != 0
			op.CheckChecksum = flags&flagChecksum != 0
			op.ExpectedLastID = d.uvarint()
			if op.CheckChecksum {
				op.ExpectedChecksum = d.uint32()
			}
			nrec := d.uvarint()
			if d.err == nil && nrec > uint64(len(d.buf)) {
				d.fail("record count")
			}
			if d.err == nil {
				op.Records = make([]logstore.Record, nrec)
			}
			for j := range op.Records {
				op.Records[j].CRC = d.uint32()
				op.Records[j].Payload = d.bytes(d.uvarint())
			}
		case logstore.OpTrim:
			op.ThroughID = d.uvarint()
		default:
			d.fail(fmt.Sprintf("operation kind %d", op.Kind))
		}
		ops = append(ops, op)
	}
	if d.err == nil && len(d.buf) != 0 {
		d.fail("trailing bytes")
	}
	if d.err != nil {
		return nil, d.err
	}
	return ops, nil
}

// decoder reads fields from buf; the first failure sticks in err and every
// later read returns zero values.
type decoder struct {
	buf []byte
	err error
}

func (d *decoder) fail(what string) {
	if d.err == nil {
		d.err = fmt.Errorf("%w: bad %s", ErrBadEntry, what)
	}
	d.buf = nil
}

func (d *decoder) byte() byte {
	if len(d.buf) < 1 {
		d.fail("length")
		return 0
	}
	b := d.buf[0]
	d.buf = d.buf[1:]
	return b
}

func (d *decoder) uint32() uint32 {
	if len(d.buf) < 4 {
		d.fail("length")
		return 0
	}
	v := binary.LittleEndian.Uint32(d.buf)
	d.buf = d.buf[4:]
	return v
}

func (d *decoder) uvarint() uint64 {
	v, n := binary.Uvarint(d.buf)
	if n <= 0 {
		d.fail("varint")
		return 0
	}
	d.buf = d.buf[n:]
	return v
}

func (d *decoder) bytes(n uint64) []byte {
	if n > uint64(len(d.buf)) {
		d.fail("length")
		return nil
	}
	b := d.buf[:n:n]
	d.buf = d.buf[n:]
	return b
}
