package quorum

import (
	"errors"
	"hash/crc32"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"

	"github.com/quorumlog/quorumlog/logstore"
)

func sampleOps() []logstore.Op {
	c := crc32.MakeTable(crc32.Castagnoli)
	return []logstore.Op{
		{Kind: logstore.OpCreate, Log: "orders"},
		{Kind: logstore.OpAppend, Log: "orders", Records: []logstore.Record{
			{Payload: []byte("a"), CRC: crc32.Checksum([]byte("a"), c)},
			{Payload: []byte("bb"), CRC: crc32.Checksum([]byte("bb"), c)},
		}},
		{Kind: logstore.OpAppend, Log: "orders", Conditional: true, ExpectedLastID: 2,
			Records: []logstore.Record{{Payload: []byte("ccc"), CRC: 7}}},
		{Kind: logstore.OpAppend, Log: "orders", Conditional: true, ExpectedLastID: 3, CheckChecksum: true, ExpectedChecksum: 0xdeadbeef,
			Records: []logstore.Record{{Payload: []byte("d"), CRC: 9}}},
		{Kind: logstore.OpTrim, Log: "orders", ThroughID: 1},
		{Kind: logstore.OpDelete, Log: "x.y-z"},
	}
}

func TestEntry_RoundTrip(t *testing.T) {
	ops := sampleOps()
	got, err := decodeEntry(appendEntry(nil, ops))
	if err != nil {
		t.Fatalf("decodeEntry: %v", err)
	}
	if diff := cmp.Diff(ops, got, cmpopts.EquateEmpty()); diff != "" {
		t.Errorf("decodeEntry(appendEntry(ops)) mismatch (-want +got):\n%s", diff)
	}
	for i := range ops {
		if n := len(appendOp(nil, &ops[i])); n > encodedOpSize(&ops[i]) {
			t.Errorf("op %d encodes to %d bytes, above its bound %d", i, n, encodedOpSize(&ops[i]))
		}
	}
}

func TestEntry_RejectsTruncations(t *testing.T) {
	data := appendEntry(nil, sampleOps())
	for n := 0; n < len(data); n++ {
		if _, err := decodeEntry(data[:n]); !errors.Is(err, ErrBadEntry) {
			t.Fatalf("decodeEntry(first %d of %d bytes) = %v, want ErrBadEntry", n, len(data), err)
		}
	}
	if _, err := decodeEntry(append(data, 0)); !errors.Is(err, ErrBadEntry) {
		t.Errorf("decodeEntry(trailing byte) = %v, want ErrBadEntry", err)
	}
}

func FuzzDecodeEntry(f *testing.F) {
	f.Add(appendEntry(nil, sampleOps()))
	f.Add([]byte{1, 0})
	f.Add([]byte{1, 0xff, 0xff, 0xff, 0xff, 0x0f})
	f.Fuzz(func(t *testing.T, data []byte) {
		ops, err := decodeEntry(data)
		if err != nil {
			if !errors.Is(err, ErrBadEntry) {
				t.Fatalf("decodeEntry error %v is not ErrBadEntry", err)
			}
			return
		}
		again, err := decodeEntry(appendEntry(nil, ops))
		if err != nil {
			t.Fatalf("re-decode of re-encoded ops: %v", err)
		}
		if diff := cmp.Diff(ops, again, cmpopts.EquateEmpty()); diff != "" {
			t.Fatalf("decode(encode(decode(x))) != decode(x):\n%s", diff)
		}
	})
}
