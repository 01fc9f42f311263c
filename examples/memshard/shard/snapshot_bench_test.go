package shard

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/quorumlog/quorumlog/examples/memshard/engine"
	"github.com/quorumlog/quorumlog/examples/memshard/resp"
)

// benchDB is n string keys of 100 bytes (as redis-benchmark -d 100 makes)
// plus one list, set, hash and zset of n/10 elements each.
func benchDB(b *testing.B, n int) *engine.DB {
	db, table, out := engine.New(), engine.NewTable(), resp.NewWriter(2)
	val := bytes.Repeat([]byte("x"), 100)
	exec := func(argv ...[]byte) {
		out.Reset()
		table.Exec(db, &engine.Call{Argv: argv, Out: out, Now: time.Now().UnixMilli()})
	}
	for i := range n {
		exec([]byte("SET"), fmt.Appendf(nil, "key:%012d", i), val)
		if i%10 == 0 {
			m := fmt.Appendf(nil, "m%d", i)
			exec([]byte("RPUSH"), []byte("list"), m)
			exec([]byte("SADD"), []byte("set"), m)
			exec([]byte("HSET"), []byte("hash"), m, val)
			exec([]byte("ZADD"), []byte("zset"), fmt.Appendf(nil, "%d", i), m)
		}
	}
	return db
}

// BenchmarkSnapshot writes and restores a snapshot of 100,000 keys
// (go test -run '^$' -bench Snapshot ./examples/memshard/shard); it reports
// the file size and keys per second.
func BenchmarkSnapshot(b *testing.B) {
	const n = 100_000
	db := benchDB(b, n)
	dir := b.TempDir()
	ctx, st := context.Background(), mustDirStore(b, dir)
	b.Run("write", func(b *testing.B) {
		var size int64
		for i := range b.N {
			name, err := WriteSnapshot(ctx, st, SnapshotInfo{Log: "bench", ID: uint64(i + 1)}, db)
			if err != nil {
				b.Fatal(err)
			}
			fi, _ := os.Stat(filepath.Join(dir, name))
			size = fi.Size()
		}
		b.ReportMetric(float64(size)/1e6, "MB")
		b.ReportMetric(float64(db.Len())*float64(b.N)/b.Elapsed().Seconds(), "keys/s")
	})
	b.Run("restore", func(b *testing.B) {
		for range b.N {
			info, got, err := LoadLatestSnapshot(ctx, st, "bench")
			if err != nil || got.Len() != db.Len() {
				b.Fatalf("restore: %v, %d keys (info %+v)", err, got.Len(), info)
			}
		}
		b.ReportMetric(float64(db.Len())*float64(b.N)/b.Elapsed().Seconds(), "keys/s")
	})
}
