package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"

	"github.com/quorumlog/quorumlog/client"
	"github.com/quorumlog/quorumlog/examples/memshard/shard"
)

const snapshotUsage = `Usage: memshard snapshot --snapshot-dir DIR [--log-endpoints A,B,C] [--shard NAME] [--trim=false]

Takes an off-box snapshot of a shard: restores the newest snapshot in DIR
(or starts empty), replays the shard log from the ID after it to the end,
writes the keyspace as a new snapshot (file SHARD.ID.snap, checksummed,
fsynced, renamed into place; the two newest are kept) and then trims the
log through that ID. It runs beside the shard's nodes and never pauses
them. Nodes started with the same --snapshot-dir restore the newest
snapshot instead of replaying the whole log, and a replica that falls
behind a trim restores it again. Run it periodically (cron, a timer).

Flags:
`

func runSnapshot(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("memshard snapshot", flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.Usage = func() { fmt.Fprint(stderr, snapshotUsage); fs.PrintDefaults() }
	endpoints := fs.String("log-endpoints", "127.0.0.1:7101,127.0.0.1:7102,127.0.0.1:7103", "QuorumLog gRPC endpoints, comma-separated")
	shardLog := fs.String("shard", "memshard", "the shard's log name")
	dir := fs.String("snapshot-dir", "", "directory of the shard's snapshots (required; shared with the nodes)")
	trim := fs.Bool("trim", true, "trim the shard log through the snapshot's ID once the snapshot is on disk")
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return err
		}
		return usageError{err}
	}
	if fs.NArg() > 0 {
		return usageError{fmt.Errorf("unexpected argument %q", fs.Arg(0))}
	}
	if *dir == "" {
		return usageError{errors.New("--snapshot-dir is required")}
	}
	if err := os.MkdirAll(*dir, 0o755); err != nil {
		return err
	}
	c, err := client.New(ctx, client.Config{Endpoints: splitList(*endpoints)})
	if err != nil {
		return err
	}
	defer c.Close()
	res, err := shard.TakeSnapshot(ctx, c, *shardLog, *dir, *trim)
	if err != nil {
		return err
	}
	if res.Path == "" {
		fmt.Fprintf(stdout, "snapshot of %s at ID %d is current; nothing written\n", res.Log, res.ID)
		return nil
	}
	fmt.Fprintf(stdout, "wrote %s: %d keys at ID %d (log records replayed: %d)", res.Path, res.Keys, res.ID, res.Applied)
	if res.Trimmed {
		fmt.Fprintf(stdout, "; trimmed the log through %d", res.ID)
	}
	fmt.Fprintln(stdout)
	return nil
}
