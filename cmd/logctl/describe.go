package main

import (
	"context"
	"flag"
	"fmt"

	"github.com/quorumlog/quorumlog/client"
)

var describeCommand = &command{
	name:    "describe",
	args:    "LOG [--serializable]",
	summary: "show a log's IDs, size and running checksum",
	run:     runDescribe,
}

func runDescribe(e *env, fs *flag.FlagSet, args []string) error {
	serializable := fs.Bool("serializable", false, "answer from the serving node's applied state, without asking the leader (may miss recent appends)")
	pos, err := e.parse(fs, args, 1, 1)
	if err != nil {
		return err
	}
	var opts []client.ReadOption
	if !*serializable {
		opts = append(opts, client.Linearizable())
	}
	return e.withClient(func(ctx context.Context, c *client.Client) error {
		info, err := c.Describe(ctx, pos[0], opts...)
		if err != nil {
			return err
		}
		fmt.Fprintf(e.stdout, "name: %s\nfirst id: %d\nlast id: %d\nrecords: %d\nbytes: %d\ntrimmed through: %d\nchecksum: 0x%08x\n",
			info.Name, info.FirstID, info.LastID, info.Records, info.Bytes, info.TrimmedThrough, info.Checksum)
		return nil
	})
}
