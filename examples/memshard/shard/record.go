package shard

import (
	"encoding/binary"
	"errors"
	"fmt"
)

// The shard log's record format. Every record starts with the format
// version it needs: the oldest engine version that can read it, so that a
// node of an older engine keeps following a log until it meets a record it
// cannot read, and then stops applying and says so rather than guess.
//
//	record    := version:u8 | kind:u8 | body
//	effects   := count:uvarint | command*count       (kind 'E', version 1)
//	command   := argc:uvarint | (len:uvarint | arg)*argc
//	heartbeat := node | addr | lease_ms:uvarint       (kind 'H', version 1: the primary renews its lease)
//	elect     := node | addr | lease_ms:uvarint       (kind 'V', version 1: a replica takes over)
//	node, addr := len:uvarint | bytes
//	part      := index:uvarint | bytes                (kinds 'P' and 'L', version 2)
//
// A batch whose effects record is larger than the log takes goes in
// several records, parts: each carries the next slice of the encoded
// effects record, and the last one is 'L' (parts.go).
const (
	formatVersion = 2 // the newest version this engine reads and writes

	effectsVersion = 1 // of kinds 'E', 'H' and 'V'
	partsVersion   = 2 // of kinds 'P' and 'L'

	kindEffects   = 'E'
	kindHeartbeat = 'H'
	kindElect     = 'V'
	kindPart      = 'P'
	kindLastPart  = 'L'
)

var (
	errBadRecord = errors.New("shard: malformed log record")
	// ErrNewerFormat means the log holds a record written by a newer engine.
	ErrNewerFormat = errors.New("shard: record written by a newer engine version")
)

// record is a decoded log record.
type record struct {
	kind    byte
	effects [][][]byte // kindEffects
	node    string     // kindHeartbeat, kindElect
	addr    string
	leaseMs uint64
	part    []byte // kindPart, kindLastPart: a slice of an effects record
}

// effectsRecord is the record of the open batch, encoded as its effects
// arrive: the engine does not copy what it propagates, and the record is
// the only copy of the effects the primary keeps. The header, whose count
// is known only at the end, goes in room kept for it in front.
type effectsRecord struct {
	buf   []byte // recordHeaderBytes of room, then the encoded effects
	count int
	hint  int // the last record's size, up to maxRecordHint: room to start with
}

// maxRecordHint bounds the room a new record starts with: a batch of one
// 100 MB SET must not make every record after it that large.
const maxRecordHint = 64 << 10

// add encodes one effect.
func (r *effectsRecord) add(argv [][]byte) {
	if r.buf == nil {
		r.buf = make([]byte, recordHeaderBytes, recordHeaderBytes+max(effectBytes(argv), r.hint))
	}
	r.buf = appendCommand(r.buf, argv)
	r.count++
}

// size is what the effects take in the record so far.
func (r *effectsRecord) size() int { return max(len(r.buf)-recordHeaderBytes, 0) }

// finish returns the record, the same bytes appendEffectsRecord makes, and
// empties r.
func (r *effectsRecord) finish() []byte {
	head := binary.AppendUvarint([]byte{effectsVersion, kindEffects}, uint64(r.count))
	rec := r.buf[recordHeaderBytes-len(head):]
	copy(rec, head)
	*r = effectsRecord{hint: min(len(rec), maxRecordHint)}
	return rec
}

func appendCommand(dst []byte, argv [][]byte) []byte {
	dst = binary.AppendUvarint(dst, uint64(len(argv)))
	for _, a := range argv {
		dst = binary.AppendUvarint(dst, uint64(len(a)))
		dst = append(dst, a...)
	}
	return dst
}

func appendEffectsRecord(dst []byte, effects [][][]byte) []byte {
	dst = append(dst, effectsVersion, kindEffects)
	dst = binary.AppendUvarint(dst, uint64(len(effects)))
	for _, argv := range effects {
		dst = appendCommand(dst, argv)
	}
	return dst
}

func appendLeaseRecord(dst []byte, kind byte, node, addr string, leaseMs uint64) []byte {
	dst = append(dst, effectsVersion, kind)
	dst = binary.AppendUvarint(dst, uint64(len(node)))
	dst = append(dst, node...)
	dst = binary.AppendUvarint(dst, uint64(len(addr)))
	dst = append(dst, addr...)
	return binary.AppendUvarint(dst, leaseMs)
}

// argsChunk is how many arguments decodeRecord makes room for at once.
const argsChunk = 256

func decodeRecord(b []byte) (record, error) {
	if len(b) < 2 {
		return record{}, errBadRecord
	}
	if b[0] > formatVersion {
		return record{}, fmt.Errorf("%w: version %d, this node speaks %d", ErrNewerFormat, b[0], formatVersion)
	}
	r := record{kind: b[1]}
	d := reader{b: b[2:]}
	switch r.kind {
	case kindEffects:
		n := d.uvarint()
		// Each effect takes at least two bytes: no more effects than that
		// are made room for, however large n says it is.
		r.effects = make([][][]byte, 0, min(n, uint64(len(d.b)/2)))
		// The effects' arguments are cut from shared chunks, not one
		// allocation each: a replica decodes every record.
		var args [][]byte
		for i := uint64(0); i < n && d.err == nil; i++ {
			argc := d.uvarint()
			if argc == 0 || argc > uint64(len(d.b)) {
				d.err = errBadRecord
				break
			}
			if uint64(cap(args)-len(args)) < argc {
				args = make([][]byte, 0, max(argc, argsChunk))
			}
			argv := args[len(args) : len(args)+int(argc) : len(args)+int(argc)]
			args = args[:len(args)+int(argc)]
			for j := range argv {
				argv[j] = d.bytes()
			}
			r.effects = append(r.effects, argv)
		}
	case kindHeartbeat, kindElect:
		r.node = string(d.bytes())
		r.addr = string(d.bytes())
		r.leaseMs = d.uvarint()
	case kindPart, kindLastPart:
		if b[0] < partsVersion {
			return record{}, fmt.Errorf("%w: a part in a version %d record", errBadRecord, b[0])
		}
		r.part, d.b = d.b, nil
	default:
		return record{}, fmt.Errorf("%w: kind %q", errBadRecord, r.kind)
	}
	if d.err == nil && len(d.b) != 0 {
		d.err = errBadRecord
	}
	return r, d.err
}

type reader struct {
	b   []byte
	err error
}

func (r *reader) uvarint() uint64 {
	if r.err != nil {
		return 0
	}
	v, n := binary.Uvarint(r.b)
	if n <= 0 {
		r.err = errBadRecord
		return 0
	}
	r.b = r.b[n:]
	return v
}

func (r *reader) bytes() []byte {
	n := r.uvarint()
	if r.err != nil || n > uint64(len(r.b)) {
		r.err = errBadRecord
		return nil
	}
	v := r.b[:n:n]
	r.b = r.b[n:]
	return v
}

// Record is a decoded shard log record, for tools and tests that inspect
// the log. Kind is 'E' (effects), 'H' (heartbeat) or 'V' (elect); Node and
// Addr are set for 'H' and 'V', Effects for 'E'.
type Record struct {
	Kind       byte
	Node, Addr string
	Effects    [][][]byte
}

// Records decodes the records of a shard log read in order, joining the
// parts of a batch that spans several records into the one effects record
// they form. Start it at the log's first ID or after a complete record.
type Records struct{ parts assembler }

// Next decodes the next record of the log. ok is false while the record
// is a part whose batch continues in the next one. A record written by a
// newer engine is ErrNewerFormat.
func (rs *Records) Next(b []byte) (rec Record, ok bool, err error) {
	r, ok, err := rs.parts.add(b)
	if !ok || err != nil {
		return Record{}, ok, err
	}
	return Record{Kind: r.kind, Node: r.node, Addr: r.addr, Effects: r.effects}, true, nil
}
