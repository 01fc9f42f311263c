package shard

import (
	"context"
	"errors"
	"fmt"
	"io"

	"github.com/quorumlog/quorumlog/client"
	"github.com/quorumlog/quorumlog/examples/memshard/engine"
	"github.com/quorumlog/quorumlog/examples/memshard/resp"
)

// SnapshotResult is what TakeSnapshot did.
type SnapshotResult struct {
	SnapshotInfo
	Name    string // the snapshot blob written; empty if nothing was new
	Applied int    // log records applied on top of the previous snapshot (a batch in parts counts once)
	Trimmed bool   // the log was trimmed through ID
}

// TakeSnapshot is the off-box snapshot process: it restores the newest
// snapshot of log from store (or starts empty), replays the log from the ID
// after it to the current end, writes the result as a new snapshot and, if
// trim is set, trims the log through the snapshot's ID (through the newest
// snapshot's if nothing is new and the log still holds what it covers). It
// runs beside the shard, never inside a serving node, so the primary never
// pauses for it.
//
// It refuses to work from a log that is trimmed past the newest snapshot
// (the records in between are gone) and stops at a record written by a
// newer engine. It trims only if every node of the shard restores from
// store (ErrTrimUnsafe otherwise, with the snapshot written).
func TakeSnapshot(ctx context.Context, c *client.Client, log string, store BlobStore, trim bool) (SnapshotResult, error) {
	if err := checkLogName(log); err != nil {
		return SnapshotResult{}, err
	}
	info, db, err := LoadLatestSnapshot(ctx, store, log)
	switch {
	case errors.Is(err, ErrNoSnapshot):
		info, db = SnapshotInfo{Log: log}, engine.New()
	case err != nil:
		return SnapshotResult{}, err
	}
	res := SnapshotResult{SnapshotInfo: info}
	// Linearizable: the snapshot covers every write acknowledged before it
	// started, whichever node serves the read.
	r, err := c.Read(ctx, log, info.ID+1, client.Linearizable())
	if err != nil {
		return res, err
	}
	defer r.Close()
	table := engine.NewTable()
	out := resp.NewWriter(2)
	// The snapshot ends at the last record that leaves a state of the
	// keyspace: not inside a batch whose parts continue (parts.go).
	var parts assembler
	readID, readSum := info.ID, info.Sum
	for {
		ev, err := r.Next()
		if errors.Is(err, io.EOF) {
			break
		}
		var re *client.RangeError
		if errors.As(err, &re) && re.FirstID > info.ID+1 {
			return res, fmt.Errorf("shard: log %q is trimmed to ID %d, past the newest snapshot (ID %d): the records between are gone", log, re.FirstID, info.ID)
		}
		if err != nil {
			return res, err
		}
		if ev.CaughtUp {
			continue
		}
		readID, readSum = ev.Record.ID, client.Checksum(readSum, ev.Record.Payload)
		rec, whole, err := parts.add(ev.Record.Payload)
		if err != nil {
			return res, fmt.Errorf("shard: log %q record %d: %w", log, ev.Record.ID, err)
		}
		if !whole {
			continue
		}
		switch rec.kind {
		case kindEffects:
			applyEffects(table, db, rec.effects, out)
		case kindHeartbeat, kindElect:
			info.Node, info.Addr = rec.node, rec.addr
		}
		info.ID, info.Sum = readID, readSum
		res.Applied++
	}
	res.SnapshotInfo = info
	if res.Applied == 0 {
		// The newest snapshot is current. The log may still hold what it
		// covers (its trim was refused or failed): trim it now if asked.
		if !trim || info.ID == 0 {
			return res, nil
		}
		d, err := c.Describe(ctx, log, client.Linearizable())
		if err != nil || d.FirstID > info.ID {
			return res, err
		}
	} else {
		if res.Name, err = WriteSnapshot(ctx, store, info, db); err != nil {
			return res, err
		}
		res.Keys = db.Len()
		// Trimming is irreversible: read the snapshot back from the store first.
		_, back, err := readSnapshotBlob(ctx, store, log, info.ID)
		if err == nil && back.Len() != res.Keys {
			err = fmt.Errorf("%d keys read back, %d written", back.Len(), res.Keys)
		}
		if err != nil {
			return res, fmt.Errorf("shard: snapshot %s does not read back as written, so the log is not trimmed: %w", res.Name, err)
		}
	}
	if trim {
		if err := checkTrimSafe(ctx, c, log, store); err != nil {
			return res, fmt.Errorf("shard: snapshot of log %q at ID %d stored; the log not trimmed: %w", log, info.ID, err)
		}
		if _, err := c.Trim(ctx, log, info.ID); err != nil {
			return res, fmt.Errorf("shard: snapshot of log %q at ID %d stored; trim through it: %w", log, info.ID, err)
		}
		res.Trimmed = true
	}
	return res, nil
}

// applyEffects executes one record's effects on db, as a replica does.
func applyEffects(table engine.Table, db *engine.DB, effects [][][]byte, out *resp.Writer) {
	now := nowMs()
	c := new(engine.Call) // one for the record, not one for each effect
	for _, argv := range effects {
		out.Reset()
		*c = engine.Call{Argv: argv, Out: out, Now: now, Replay: true}
		table.Exec(db, c)
	}
}
