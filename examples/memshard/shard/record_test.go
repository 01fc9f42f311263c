package shard

import (
	"errors"
	"testing"

	"github.com/google/go-cmp/cmp"
)

func TestRecord_RoundTrip(t *testing.T) {
	effects := [][][]byte{{[]byte("SET"), []byte("k"), []byte("v\r\n\x00")}, {[]byte("DEL"), []byte("x")}}
	got, err := decodeRecord(appendEffectsRecord(nil, effects))
	if err != nil || got.kind != kindEffects {
		t.Fatalf("decode effects = %+v, %v", got, err)
	}
	if diff := cmp.Diff(effects, got.effects); diff != "" {
		t.Fatalf("effects differ:\n%s", diff)
	}
	got, err = decodeRecord(appendLeaseRecord(nil, kindElect, "n1", "127.0.0.1:6379", 2000))
	if err != nil || got.kind != kindElect || got.node != "n1" || got.addr != "127.0.0.1:6379" || got.leaseMs != 2000 {
		t.Fatalf("decode elect = %+v, %v", got, err)
	}
	if _, err := decodeRecord([]byte{formatVersion + 1, kindEffects, 0}); !errors.Is(err, ErrNewerFormat) {
		t.Fatalf("newer version = %v, want ErrNewerFormat", err)
	}
}

func FuzzDecodeRecord(f *testing.F) {
	f.Add(appendEffectsRecord(nil, [][][]byte{{[]byte("SET"), []byte("a"), []byte("b")}}))
	f.Add(appendLeaseRecord(nil, kindHeartbeat, "n", "a:1", 5))
	f.Add(splitRecord(appendEffectsRecord(nil, [][][]byte{{[]byte("SET"), []byte("a"), make([]byte, 2000)}}), 1024)[0])
	f.Fuzz(func(t *testing.T, b []byte) {
		r, err := decodeRecord(b)
		if err != nil {
			return
		}
		var again []byte
		switch r.kind {
		case kindEffects:
			again = appendEffectsRecord(nil, r.effects)
		case kindPart, kindLastPart:
			again = append([]byte{partsVersion, r.kind}, r.part...)
		default:
			again = appendLeaseRecord(nil, r.kind, r.node, r.addr, r.leaseMs)
		}
		r2, err := decodeRecord(again)
		if err != nil || !cmp.Equal(r, r2, cmp.AllowUnexported(record{})) {
			t.Fatalf("re-encoded record differs: %+v vs %+v (%v)", r, r2, err)
		}
	})
}
