package main

import (
	"context"
	"flag"
	"fmt"
	"text/tabwriter"

	"github.com/quorumlog/quorumlog/client"
)

var logsCommand = &command{
	name:    "logs",
	args:    "",
	summary: "list every log with its IDs, record count and size",
	run:     runLogs,
}

func runLogs(e *env, fs *flag.FlagSet, args []string) error {
	if _, err := e.parse(fs, args, 0, 0); err != nil {
		return err
	}
	return e.withClient(func(ctx context.Context, c *client.Client) error {
		infos, err := c.ListLogs(ctx)
		if err != nil {
			return err
		}
		tw := tabwriter.NewWriter(e.stdout, 0, 4, 2, ' ', 0)
		fmt.Fprintln(tw, "NAME\tFIRST ID\tLAST ID\tRECORDS\tBYTES\tCHECKSUM")
		for _, l := range infos {
			fmt.Fprintf(tw, "%s\t%d\t%d\t%d\t%d\t0x%08x\n", l.Name, l.FirstID, l.LastID, l.Records, l.Bytes, l.Checksum)
		}
		return tw.Flush()
	})
}
