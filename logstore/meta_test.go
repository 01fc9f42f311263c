package logstore

import (
	"bytes"
	"errors"
	"testing"

	"github.com/google/go-cmp/cmp"
)

func sampleMeta() *metaState {
	return &metaState{applied: 99, nextNum: 5, logs: []metaLog{
		{name: ".", num: 1},
		{name: "a", num: 3, lastID: 500, trimmed: 120, checksum: 0xdeadbeef,
			segs: []metaSeg{{firstID: 101, size: 4096}, {firstID: 301, size: 100}}},
	}}
}

func TestMeta_RoundTrip(t *testing.T) {
	m := sampleMeta()
	got, err := decodeMeta(encodeMeta(nil, m))
	if err != nil {
		t.Fatalf("decodeMeta = %v", err)
	}
	if diff := cmp.Diff(m, got, cmp.AllowUnexported(metaState{}, metaLog{}, metaSeg{}), equateEmpty); diff != "" {
		t.Errorf("(-want +got):\n%s", diff)
	}
}

func TestMeta_RejectsInconsistent(t *testing.T) {
	for name, mutate := range map[string]func(m *metaState){
		"num >= next":       func(m *metaState) { m.logs[1].num = 5 },
		"trim past last":    func(m *metaState) { m.logs[1].trimmed = 501 },
		"segments unsorted": func(m *metaState) { m.logs[1].segs[1].firstID = 50 },
		"gap before first":  func(m *metaState) { m.logs[1].segs[0].firstID = 200 },
		"records, no segs":  func(m *metaState) { m.logs[1].segs = nil },
		"duplicate name":    func(m *metaState) { m.logs[0].name = "a" },
		"tiny segment":      func(m *metaState) { m.logs[1].segs[1].size = 3 },
	} {
		m := sampleMeta()
		mutate(m)
		if _, err := decodeMeta(encodeMeta(nil, m)); !errors.Is(err, ErrCorrupt) {
			t.Errorf("%s: decodeMeta = %v, want ErrCorrupt", name, err)
		}
	}
}

// FuzzDecodeMeta checks that decoding arbitrary bytes never panics, fails
// only with ErrCorrupt, and that whatever decodes re-encodes to the same
// bytes (the format has one encoding per state).
func FuzzDecodeMeta(f *testing.F) {
	f.Add(encodeMeta(nil, sampleMeta()))
	f.Add(encodeMeta(nil, &metaState{nextNum: 1}))
	f.Add([]byte("QLMT"))
	f.Fuzz(func(t *testing.T, data []byte) {
		m, err := decodeMeta(data)
		if err != nil {
			if !errors.Is(err, ErrCorrupt) {
				t.Fatalf("decodeMeta = %v, want ErrCorrupt", err)
			}
			return
		}
		if re := encodeMeta(nil, m); !bytes.Equal(re, data) {
			t.Fatalf("re-encoded META differs:\n%x\n%x", re, data)
		}
	})
}
