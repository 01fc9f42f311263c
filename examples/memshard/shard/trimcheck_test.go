package shard

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/quorumlog/quorumlog/client"
)

// The snapshot process trims the shard log only while every registered
// node restores from its store: a node with another store, none, or an
// older registration that does not say, could not rebuild past the trim.
// The snapshot is written either way. A directory named through a link
// is the same store; a forgotten node no longer counts, and the log is
// then trimmed through the snapshot taken while it did.
func TestTakeSnapshot_TrimsOnlyWhenEveryNodeRestoresFromTheStore(t *testing.T) {
	ts := newTestShard(t, 0) // the logs alone, written by hand
	ctx := t.Context()
	for _, l := range []string{"shard1", "shard1.members"} {
		if err := ts.log.CreateLog(ctx, l); err != nil {
			t.Fatal(err)
		}
	}
	dir := t.TempDir()
	store := mustDirStore(t, dir)
	link := filepath.Join(t.TempDir(), "link")
	if err := os.Symlink(dir, link); err != nil {
		t.Fatal(err)
	}
	other := mustDirStore(t, t.TempDir()).String()
	register := func(payload string) {
		t.Helper()
		if _, err := ts.log.Append(ctx, "shard1.members", [][]byte{[]byte(payload)}); err != nil {
			t.Fatal(err)
		}
	}
	write := func() {
		t.Helper()
		rec := appendEffectsRecord(nil, [][][]byte{{[]byte("SET"), []byte("k"), []byte("v")}})
		if _, err := ts.log.Append(ctx, "shard1", [][]byte{rec}); err != nil {
			t.Fatal(err)
		}
	}
	snapshot := func(step string, wantTrim bool, wantNamed ...string) {
		t.Helper()
		write()
		res, err := TakeSnapshot(ctx, ts.log, "shard1", store, true)
		info, derr := ts.log.Describe(ctx, "shard1", client.Linearizable())
		if derr != nil {
			t.Fatal(derr)
		}
		if res.Name == "" {
			t.Fatalf("%s: no snapshot written (%v)", step, err)
		}
		if wantTrim {
			if err != nil || !res.Trimmed || info.FirstID != res.ID+1 {
				t.Fatalf("%s: TakeSnapshot = trimmed %v, %v; log starts at %d; want trimmed through %d", step, res.Trimmed, err, info.FirstID, res.ID)
			}
			return
		}
		if !errors.Is(err, ErrTrimUnsafe) || res.Trimmed || info.FirstID > res.ID {
			t.Fatalf("%s: TakeSnapshot = trimmed %v, %v; log starts at %d; want ErrTrimUnsafe and no trim", step, res.Trimmed, err, info.FirstID)
		}
		for _, name := range wantNamed {
			if !strings.Contains(err.Error(), name) {
				t.Errorf("%s: error %q does not name %q", step, err, name)
			}
		}
	}

	snapshot("no node registered", true)
	register(`{"id":"m1","addr":"127.0.0.1:1","snapshots":"` + store.String() + `"}`)
	register(`{"id":"m2","addr":"127.0.0.1:2","snapshots":"` + mustDirStore(t, link).String() + `"}`)
	snapshot("m1 and m2 on the store, m2 through a link", true)
	register(`{"id":"m3","addr":"127.0.0.1:3","snapshots":""}`)
	register(`{"id":"m4","addr":"127.0.0.1:4","snapshots":"` + other + `"}`)
	snapshot("m3 without a store, m4 on another", false, "m3 (no snapshot store)", "m4 (restores from "+other+")")
	register(`{"id":"m3","addr":"127.0.0.1:3","snapshots":"` + store.String() + `"}`)
	register(`{"id":"m4","addr":"127.0.0.1:4","snapshots":"` + store.String() + `"}`)
	snapshot("m3 and m4 restarted on the store", true)
	register(`{"id":"m5","addr":"127.0.0.1:5"}`)
	snapshot("m5 registered by an older memshard", false, "m5 (registered by an older memshard")
	// Forgotten, m5 no longer counts, and the snapshot taken while it did
	// (still the newest: nothing was written since) is now trimmed through.
	register(`{"id":"m5","forget":true}`)
	res, err := TakeSnapshot(ctx, ts.log, "shard1", store, true)
	info, derr := ts.log.Describe(ctx, "shard1", client.Linearizable())
	if err != nil || derr != nil || res.Name != "" || !res.Trimmed || info.FirstID != res.ID+1 {
		t.Fatalf("m5 forgotten: TakeSnapshot = %+v, %v; log starts at %d (%v); want the current snapshot, trimmed through", res, err, info.FirstID, derr)
	}
	res, err = TakeSnapshot(ctx, ts.log, "shard1", store, true)
	if err != nil || res.Name != "" || res.Trimmed {
		t.Fatalf("once more: TakeSnapshot = %+v, %v; want the current snapshot, nothing to trim", res, err)
	}
}
