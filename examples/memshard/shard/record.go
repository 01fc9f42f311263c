package shard

import (
	"encoding/binary"
	"errors"
	"fmt"
)

// The shard log's record format. Every record starts with the engine
// format version that wrote it; a node that meets a newer version stops
// applying and says so rather than guess.
//
//	record    := version:u8 | kind:u8 | body
//	effects   := count:uvarint | command*count       (kind 'E')
//	command   := argc:uvarint | (len:uvarint | arg)*argc
//	heartbeat := node | addr | lease_ms:uvarint       (kind 'H': the primary renews its lease)
//	elect     := node | addr | lease_ms:uvarint       (kind 'V': a replica takes over)
//	node, addr := len:uvarint | bytes
const (
	formatVersion = 1

	kindEffects   = 'E'
	kindHeartbeat = 'H'
	kindElect     = 'V'
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
}

func appendEffectsRecord(dst []byte, effects [][][]byte) []byte {
	dst = append(dst, formatVersion, kindEffects)
	dst = binary.AppendUvarint(dst, uint64(len(effects)))
	for _, argv := range effects {
		dst = binary.AppendUvarint(dst, uint64(len(argv)))
		for _, a := range argv {
			dst = binary.AppendUvarint(dst, uint64(len(a)))
			dst = append(dst, a...)
		}
	}
	return dst
}

func appendLeaseRecord(dst []byte, kind byte, node, addr string, leaseMs uint64) []byte {
	dst = append(dst, formatVersion, kind)
	dst = binary.AppendUvarint(dst, uint64(len(node)))
	dst = append(dst, node...)
	dst = binary.AppendUvarint(dst, uint64(len(addr)))
	dst = append(dst, addr...)
	return binary.AppendUvarint(dst, leaseMs)
}

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
		for i := uint64(0); i < n && d.err == nil; i++ {
			argc := d.uvarint()
			if argc == 0 || argc > uint64(len(d.b)) {
				d.err = errBadRecord
				break
			}
			argv := make([][]byte, argc)
			for j := range argv {
				argv[j] = d.bytes()
			}
			r.effects = append(r.effects, argv)
		}
	case kindHeartbeat, kindElect:
		r.node = string(d.bytes())
		r.addr = string(d.bytes())
		r.leaseMs = d.uvarint()
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

// DecodeRecord decodes one record of a shard log. A record written by a
// newer engine is ErrNewerFormat.
func DecodeRecord(b []byte) (Record, error) {
	r, err := decodeRecord(b)
	if err != nil {
		return Record{}, err
	}
	return Record{Kind: r.kind, Node: r.node, Addr: r.addr, Effects: r.effects}, nil
}
