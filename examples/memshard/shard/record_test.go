package shard

import (
	"bytes"
	"errors"
	"fmt"
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

// The open batch's record, encoded effect by effect with its header put
// in front at the end, is byte for byte what appendEffectsRecord makes,
// for counts whose uvarint takes one, two or three bytes, and again after
// a finish (reused room, the size hint of a large record before it).
func TestEffectsRecord_SameBytesAsAppendEffectsRecord(t *testing.T) {
	var r effectsRecord
	for _, n := range []int{1, 2, 127, 128, 300, 20000, 1} {
		var effects [][][]byte
		for i := range n {
			argv := [][]byte{[]byte("SET"), fmt.Appendf(nil, "k%d", i), bytes.Repeat([]byte("v"), i%200)}
			if i%7 == 0 {
				argv = append(argv, []byte{}) // an empty argument stays one
			}
			effects = append(effects, argv)
			r.add(argv)
		}
		if got, want := r.finish(), appendEffectsRecord(nil, effects); !bytes.Equal(got, want) {
			t.Fatalf("%d effects: record of %d bytes differs from appendEffectsRecord's %d", n, len(got), len(want))
		}
		if r.count != 0 || r.buf != nil || r.hint > maxRecordHint {
			t.Fatalf("after finish: count %d, buffer %v, hint %d", r.count, r.buf != nil, r.hint)
		}
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
