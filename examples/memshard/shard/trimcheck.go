package shard

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"maps"
	"slices"
	"strings"

	"github.com/quorumlog/quorumlog/client"
)

// ErrTrimUnsafe is returned by TakeSnapshot when it wrote a snapshot but
// did not trim the log because a node of the shard restores snapshots
// from elsewhere (or from nowhere): past the trim that node could not
// rebuild its keyspace, and would stop serving once it fell behind or
// restarted.
var ErrTrimUnsafe = errors.New("shard: a node of the shard does not restore from this snapshot store")

// checkTrimSafe returns nil if every node registered in the shard's
// members log restores from store, as its latest registration says; else
// an error wrapping ErrTrimUnsafe that names the nodes that do not and
// where they restore from. A retired node is removed with CLUSTER FORGET.
// A shard with no registered node is safe to trim: a node started later
// without the store says it cannot serve.
//
// A node's store is compared by its String: a directory by its absolute
// path, which a directory shared over a network file system must have
// on every machine.
func checkTrimSafe(ctx context.Context, c *client.Client, log string, store BlobStore) error {
	latest, err := readMembers(ctx, c, log)
	if err != nil {
		return fmt.Errorf("shard: read the nodes of log %q to check they restore from %s: %w", log, store, err)
	}
	want := store.String()
	var bad []string
	for _, id := range slices.Sorted(maps.Keys(latest)) {
		switch m := latest[id]; {
		case m.Snapshots == nil:
			bad = append(bad, id+" (registered by an older memshard that does not say)")
		case *m.Snapshots == "":
			bad = append(bad, id+" (no snapshot store)")
		case *m.Snapshots != want:
			bad = append(bad, fmt.Sprintf("%s (restores from %s)", id, *m.Snapshots))
		}
	}
	if len(bad) > 0 {
		return fmt.Errorf("%w %s: %s", ErrTrimUnsafe, want, strings.Join(bad, ", "))
	}
	return nil
}

// readMembers returns the latest registration of every node in the
// members log of the shard log, but for those forgotten since (CLUSTER
// FORGET); none if the members log does not exist.
func readMembers(ctx context.Context, c *client.Client, log string) (map[string]memberRecord, error) {
	latest := make(map[string]memberRecord)
	r, err := c.Read(ctx, membersLogOf(log), 0, client.Linearizable())
	if errors.Is(err, client.ErrNotFound) {
		return latest, nil
	}
	if err != nil {
		return nil, err
	}
	defer r.Close()
	for {
		ev, err := r.Next()
		switch {
		case errors.Is(err, io.EOF):
			return latest, nil
		case errors.Is(err, client.ErrNotFound):
			return latest, nil
		case err != nil:
			return nil, err
		case ev.CaughtUp:
			continue
		}
		var m memberRecord
		switch {
		case json.Unmarshal(ev.Record.Payload, &m) != nil || m.ID == "":
		case m.Forget:
			delete(latest, m.ID)
		default:
			latest[m.ID] = m
		}
	}
}
