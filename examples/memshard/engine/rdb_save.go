package engine

import (
	"encoding/binary"
	"math"
	"slices"
	"strconv"
)

// DUMP's payload: a value serialised as Redis 7.0's rdbSaveObjectType and
// rdbSaveObject write it, then the RDB version and a CRC (rdb.go).
// Each type is written in the encoding Redis 7.0 keeps it in (the one
// OBJECT ENCODING names), which for every type but the hashtable-encoded
// set and hash gives Redis's bytes exactly: those two come in their
// hashtable's order, which is Redis's dict order there.

// RDB object types (rdb.h).
const (
	rdbTypeString           = 0
	rdbTypeList             = 1
	rdbTypeSet              = 2
	rdbTypeZSet             = 3
	rdbTypeHash             = 4
	rdbTypeZSet2            = 5
	rdbTypeModule           = 6
	rdbTypeModule2          = 7
	rdbTypeHashZipmap       = 9
	rdbTypeListZiplist      = 10
	rdbTypeSetIntset        = 11
	rdbTypeZSetZiplist      = 12
	rdbTypeHashZiplist      = 13
	rdbTypeListQuicklist    = 14
	rdbTypeStreamListpacks  = 15
	rdbTypeHashListpack     = 16
	rdbTypeZSetListpack     = 17
	rdbTypeListQuicklist2   = 18
	rdbTypeStreamListpacks2 = 19
)

// Quicklist node containers (quicklist.h).
const (
	quicklistPlain  = 1
	quicklistPacked = 2
)

// dumpPayload is createDumpPayload for e's value.
func dumpPayload(e *Entry) []byte {
	var b []byte
	switch v := e.Value.(type) {
	case []byte:
		// Room for the footer too: a 512 MB string is copied once.
		b = appendRDBString(append(make([]byte, 0, len(v)+32), rdbTypeString), v)
	case *List:
		b = appendQuicklist(append(b, rdbTypeListQuicklist2), v)
	case *Set:
		b = appendSet(b, v)
	case *Hash:
		b = appendHash(b, v)
	case *ZSet:
		b = appendZSet(b, v)
	case *Stream:
		b = appendStream(append(b, rdbTypeStreamListpacks2), v)
	}
	return appendDumpFooter(b)
}

// Quicklist node limits of Redis 7.0 with list-max-listpack-size -2 (8 kB
// a node) and the packed threshold (elements of 1 GB or more get a plain
// node of their own).
const (
	quicklistNodeMax      = 8192
	quicklistPackedThresh = 1 << 30
	quicklistOverhead     = 8 // SIZE_ESTIMATE_OVERHEAD: an element's listpack overhead, overestimated
)

// appendQuicklist writes l as the quicklist of its modelled nodes
// (quicklist.go), or, if it has none, of the nodes tail pushes of its
// elements fill (tailPushNodes). A list Redis edited inside (LINSERT,
// LREM...) may split elsewhere: the same elements, other node boundaries.
func appendQuicklist(b []byte, l *List) []byte {
	nodes := l.qlModel()
	if nodes == nil {
		nodes = tailPushNodes(l)
	}
	return appendQuicklistNodes(b, l, nodes)
}

// tailPushNodes returns the nodes Redis builds by pushing l's elements at
// the tail one by one (quicklistPushTail and _quicklistNodeAllowInsert): a
// node takes an element while its listpack's size plus the element's
// length and 8 bytes stays within 8 kB; an element of 1 GB or more gets a
// plain node.
func tailPushNodes(l *List) []qlNode {
	var nodes []qlNode
	for i := range l.Len() {
		v := l.At(i)
		if n := len(nodes); n > 0 && qlAllows(&nodes[n-1], len(v)) {
			nodes[n-1].count++
			nodes[n-1].sz += int32(lpStrElem(v))
			continue
		}
		nodes = append(nodes, newQLNode(v))
	}
	return nodes
}

// appendQuicklistNodes writes l's elements in the nodes given.
func appendQuicklistNodes(b []byte, l *List, nodes []qlNode) []byte {
	b = appendRDBLen(b, uint64(len(nodes)))
	i := 0
	for _, n := range nodes {
		if n.sz == 0 {
			b = appendRDBString(appendRDBLen(b, quicklistPlain), []byte(l.At(i)))
			i++
			continue
		}
		w := newLPWriter()
		for range int(n.count) {
			w.str(l.At(i))
			i++
		}
		b = appendRDBString(appendRDBLen(b, quicklistPacked), w.finish())
	}
	return b
}

func appendSet(b []byte, s *Set) []byte {
	if s.ht == nil {
		width := max(s.width, 2)
		for _, v := range s.ints {
			width = max(width, intsetWidth(v))
		}
		return appendRDBString(append(b, rdbTypeSetIntset), intsetEncode(s.ints, width))
	}
	b = appendRDBLen(append(b, rdbTypeSet), uint64(s.Len()))
	s.Each(func(m string) bool {
		b = appendRDBString(b, []byte(m))
		return true
	})
	return b
}

func appendHash(b []byte, h *Hash) []byte {
	if h.listpack {
		w := newLPWriter()
		h.Each(func(f, v string) bool {
			w.str(f)
			w.str(v)
			return true
		})
		return appendRDBString(append(b, rdbTypeHashListpack), w.finish())
	}
	b = appendRDBLen(append(b, rdbTypeHash), uint64(h.Len()))
	h.Each(func(f, v string) bool {
		b = appendRDBString(b, []byte(f))
		b = appendRDBString(b, []byte(v))
		return true
	})
	return b
}

// appendZSet writes a listpack-encoded set in score order, each score as
// zzlInsertAt stores it (lpScore), and a skiplist-encoded one from the
// greatest element to the smallest with binary scores, as rdbSaveObject
// does so that loading inserts at the head.
func appendZSet(b []byte, z *ZSet) []byte {
	if !z.big {
		w := newLPWriter()
		z.Range(func(m string, s float64) bool {
			w.str(m)
			lpScore(w, s)
			return true
		})
		return appendRDBString(append(b, rdbTypeZSetListpack), w.finish())
	}
	b = appendRDBLen(append(b, rdbTypeZSet2), uint64(z.Len()))
	for x := z.zsl.tail; x != nil; x = x.backward {
		b = appendRDBString(b, []byte(x.member))
		b = binary.LittleEndian.AppendUint64(b, math.Float64bits(x.score))
	}
	return b
}

// lpScore appends a listpack score as Redis 7.0's zzlInsertAt: an integer
// if the score is one within ±LLONG_MAX/2 (double2ll: -0 is 0), else its
// text (d2string: %.17g, inf, -inf).
func lpScore(w *lpWriter, s float64) {
	if s >= -math.MaxInt64/2 && s <= math.MaxInt64/2 && s == math.Trunc(s) {
		w.int(int64(s))
		return
	}
	switch {
	case math.IsInf(s, 1):
		w.str("inf")
	case math.IsInf(s, -1):
		w.str("-inf")
	default:
		w.str(strconv.FormatFloat(s, 'g', 17, 64))
	}
}

// appendStream writes s as RDB_TYPE_STREAM_LISTPACKS_2: each node's key
// (its master ID, big-endian) and listpack (streamNodeListpack), the
// length, last, first and greatest deleted IDs, the count of entries ever
// added, then the consumer groups by name, each with its PEL and its
// consumers by name.
func appendStream(b []byte, s *Stream) []byte {
	b = appendRDBLen(b, uint64(len(s.nodes)))
	for _, n := range s.nodes {
		b = appendRDBString(b, rawStreamID(n.master))
		b = appendRDBString(b, n.listpack())
	}
	first := s.firstID()
	for _, v := range []uint64{uint64(s.length), s.lastID.ms, s.lastID.seq, first.ms, first.seq,
		s.maxDeleted.ms, s.maxDeleted.seq, s.entriesAdded, uint64(len(s.groups))} {
		b = appendRDBLen(b, v)
	}
	for _, name := range s.groupNames() {
		g := s.groups[name]
		b = appendRDBString(b, []byte(name))
		b = appendRDBLen(appendRDBLen(b, g.lastID.ms), g.lastID.seq)
		b = appendRDBLen(b, uint64(g.entriesRead))
		b = appendRDBLen(b, uint64(len(g.pel)))
		for _, n := range g.pel {
			b = append(b, rawStreamID(n.id)...)
			b = binary.LittleEndian.AppendUint64(b, uint64(n.deliveryTime))
			b = appendRDBLen(b, uint64(n.deliveryCount))
		}
		names := make([]string, 0, len(g.consumers))
		for c := range g.consumers {
			names = append(names, c)
		}
		slices.Sort(names)
		b = appendRDBLen(b, uint64(len(names)))
		for _, c := range names {
			cons := g.consumers[c]
			b = appendRDBString(b, []byte(c))
			b = binary.LittleEndian.AppendUint64(b, uint64(cons.seenTime))
			b = appendRDBLen(b, uint64(len(cons.pel)))
			for _, n := range cons.pel {
				b = append(b, rawStreamID(n.id)...)
			}
		}
	}
	return b
}

// rawStreamID is streamEncodeID: ms and seq, big-endian.
func rawStreamID(id streamID) []byte {
	return binary.BigEndian.AppendUint64(binary.BigEndian.AppendUint64(make([]byte, 0, 16), id.ms), id.seq)
}

// Stream entry flags (t_stream.c).
const (
	streamFlagDeleted    = 1
	streamFlagSameFields = 2
)

// listpack is the node's listpack as Redis's streamAppendItem builds it
// (and XDEL flags its entries):
//
//	master := live | deleted | fields count | field names... | 0
//	entry  := flags | ms-ms0 | seq-seq0 | [fields count | field value...]
//	          (or the values only, with SAMEFIELDS) | element count
func (n *streamNode) listpack() []byte {
	w := newLPWriter()
	w.int(int64(n.live))
	w.int(int64(len(n.entries) - n.live))
	w.int(int64(len(n.masterFields)))
	for _, f := range n.masterFields {
		w.str(f)
	}
	w.int(0)
	for _, e := range n.entries {
		same := n.sameFields(e.fields)
		flags := int64(0)
		if same {
			flags |= streamFlagSameFields
		}
		if e.deleted {
			flags |= streamFlagDeleted
		}
		w.int(flags)
		w.int(int64(e.id.ms - n.master.ms))
		w.int(int64(e.id.seq - n.master.seq))
		count := int64(len(e.fields)/2 + 3)
		if !same {
			w.int(int64(len(e.fields) / 2))
			count += int64(len(e.fields)/2 + 1)
		}
		for i := 0; i < len(e.fields); i += 2 {
			if !same {
				w.str(e.fields[i])
			}
			w.str(e.fields[i+1])
		}
		w.int(count)
	}
	return w.finish()
}
