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
