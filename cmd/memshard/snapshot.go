package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"time"

	"github.com/quorumlog/quorumlog/client"
	"github.com/quorumlog/quorumlog/examples/memshard/shard"
)

const snapshotUsage = `Usage: memshard snapshot (--snapshot-dir DIR | --snapshot-s3 s3://BUCKET[/PREFIX]) [--log-endpoints A,B,C] [--shard NAME] [--trim=false] [--every D]

Takes an off-box snapshot of a shard: restores the newest snapshot in the
store (or starts empty), replays the shard log from the ID after it to the
end, writes the keyspace as a new snapshot (blob SHARD.ID.snap,
checksummed; in a directory fsynced and renamed into place, in S3 one PUT;
the two newest are kept), reads it back, and then trims the log through
that ID. It runs beside the shard's nodes and never pauses them. Nodes
started with the same store restore the newest snapshot instead of
replaying the whole log, and a replica that falls behind a trim restores
it again. It trims only if every node registered in the shard restores
from the same store (a directory by its absolute path): a node with
another store or none could not rebuild past the trim, so the snapshot is
written, the log left whole, and the command fails naming the node
(remove a retired node with CLUSTER FORGET). Run it periodically (cron, a
timer) or keep it running with --every.

Flags:
`

func runSnapshot(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("memshard snapshot", flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.Usage = func() { fmt.Fprint(stderr, snapshotUsage); fs.PrintDefaults() }
	endpoints := fs.String("log-endpoints", "127.0.0.1:7101,127.0.0.1:7102,127.0.0.1:7103", "QuorumLog gRPC endpoints, comma-separated")
	shardLog := fs.String("shard", "memshard", "the shard's log name")
	storeFlags := addSnapshotStoreFlags(fs, "directory of the shard's snapshots, shared with the nodes (created if missing)")
	trim := fs.Bool("trim", true, "trim the shard log through the snapshot's ID once the snapshot is stored and reads back")
	every := fs.Duration("every", 0, "keep running and take a snapshot at this interval (0: take one and exit)")
	logTLS := addLogTLSFlags(fs)
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	logTLSConfig, err := logTLS.load(nil) // its errors go to no log: it has none
	if err != nil {
		return err
	}
	if *every < 0 {
		return usageError{errors.New("--every must not be negative")}
	}
	store, err := storeFlags.open(true)
	if err != nil {
		return err
	}
	if store == nil {
		return usageError{errors.New("--snapshot-dir or --snapshot-s3 is required")}
	}
	c, err := client.New(ctx, client.Config{Endpoints: splitList(*endpoints), TLS: logTLSConfig})
	if err != nil {
		return err
	}
	defer c.Close()
	for {
		err := snapshotOnce(ctx, c, *shardLog, store, *trim, stdout)
		if *every == 0 {
			return err
		}
		if err != nil && ctx.Err() == nil {
			fmt.Fprintln(stderr, "memshard snapshot:", err) // keep going: the next one may work
		}
		select {
		case <-ctx.Done():
			return nil
		case <-time.After(*every):
		}
	}
}

func snapshotOnce(ctx context.Context, c *client.Client, log string, store shard.BlobStore, trim bool, stdout io.Writer) error {
	start := time.Now()
	res, err := shard.TakeSnapshot(ctx, c, log, store, trim)
	unsafe := errors.Is(err, shard.ErrTrimUnsafe) // written, not trimmed
	if err != nil && !unsafe {
		return err
	}
	if res.Name == "" {
		fmt.Fprintf(stdout, "snapshot of %s at ID %d is current; nothing written", res.Log, res.ID)
	} else {
		fmt.Fprintf(stdout, "wrote %s to %s: %d keys at ID %d (log records replayed: %d, %v)", res.Name, store, res.Keys, res.ID, res.Applied, time.Since(start).Round(time.Millisecond))
	}
	switch {
	case res.Trimmed:
		fmt.Fprintf(stdout, "; trimmed the log through %d", res.ID)
	case unsafe:
		fmt.Fprint(stdout, "; the log is not trimmed")
	}
	fmt.Fprintln(stdout)
	if unsafe {
		return fmt.Errorf("%w (start those nodes with --snapshot-dir or --snapshot-s3 naming this store, remove retired ones with CLUSTER FORGET, or snapshot with --trim=false)", err)
	}
	return nil
}
