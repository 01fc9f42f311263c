package engine

import (
	"strconv"
	"testing"
	"time"

	"github.com/quorumlog/quorumlog/examples/memshard/resp"
)

// BenchmarkExec measures the command path of SET and GET on a DB of 1000
// keys, as the primary runs it (effects recorded, taken and dropped).
func BenchmarkExec(b *testing.B) {
	for _, name := range []string{"SET", "GET"} {
		b.Run(name, func(b *testing.B) { benchmarkExec(b, name, nil) })
	}
}

func benchmarkExec(b *testing.B, name string, setup func(db *DB)) {
	db, table, w := New(), NewTable(), resp.NewWriter(2)
	if setup != nil {
		setup(db)
	}
	keys := make([][]byte, 1000)
	for i := range keys {
		keys[i] = []byte("key:" + strconv.Itoa(i))
		table.Exec(db, &Call{Argv: [][]byte{[]byte("SET"), keys[i], []byte("value")}, Out: w, Now: time.Now().UnixMilli()})
	}
	value := []byte("a value of some thirty bytes..")
	now := time.Now().UnixMilli()
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		w.Reset()
		argv := [][]byte{[]byte(name), keys[i%len(keys)]}
		if name == "SET" {
			argv = append(argv, value)
		}
		c := Call{Argv: argv, Out: w, Now: now}
		table.Exec(db, &c)
		_ = c.Effects()
	}
}
