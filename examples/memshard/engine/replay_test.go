package engine

import (
	"testing"

	"github.com/quorumlog/quorumlog/examples/memshard/resp"
)

// A replayed effect changes the DB as the same command from a client does,
// but records no effects of its own: it is already in the log.
func TestReplay_RecordsNoEffects(t *testing.T) {
	table := NewTable()
	for _, replay := range []bool{false, true} {
		db := New()
		c := &Call{Argv: toBytes([]string{"SET", "k", "v", "PXAT", "99999999999999"}), Out: resp.NewWriter(2), Now: 100, Replay: replay}
		table.Exec(db, c)
		if e := db.Raw("k"); e == nil || string(e.Value.([]byte)) != "v" || e.ExpireAt != 99999999999999 {
			t.Fatalf("replay=%v: SET left %+v", replay, e)
		}
		if got := len(c.Effects()); (got == 0) != replay {
			t.Fatalf("replay=%v: %d effects recorded", replay, got)
		}
	}
}

// The STORE forms of the set algebra store under the empty key too, even
// when a replayed effect carries that argument as nil (a decoder may).
func TestReplay_SetStoreIntoTheEmptyKey(t *testing.T) {
	table := NewTable()
	for _, cmd := range []string{"SUNIONSTORE", "SINTERSTORE", "SDIFFSTORE"} {
		db := New()
		table.Exec(db, &Call{Argv: toBytes([]string{"SADD", "src", "a"}), Out: resp.NewWriter(2), Now: 100})
		w := resp.NewWriter(2)
		table.Exec(db, &Call{Argv: [][]byte{[]byte(cmd), nil, []byte("src")}, Out: w, Now: 100, Replay: true})
		if got := string(w.Bytes()); got != ":1\r\n" {
			t.Errorf("%s nil src replied %q, want :1", cmd, got)
		}
		if e := db.Raw(""); e == nil || e.TypeName() != TypeSet {
			t.Errorf("%s nil src left key \"\" = %+v, want a set", cmd, e)
		}
	}
}
