package main

import (
	"context"
	"flag"
	"fmt"
	"text/tabwriter"

	"github.com/quorumlog/quorumlog/client"
)

var membersCommand = &command{
	name: "members",
	args: "[list | remove ID [--allow-zone-majority]]",
	summary: "list the cluster's members, or remove one\n" +
		"remove takes a member out of the raft configuration, to retire a node or to replace a dead one\n" +
		"(start the replacement with --join); it is refused if one zone would then hold a majority of\n" +
		"the voters, unless --allow-zone-majority, and for the last voter.",
	run: runMembers,
}

func runMembers(e *env, fs *flag.FlagSet, args []string) error {
	allow := fs.Bool("allow-zone-majority", false, "remove even if one zone then holds a majority of the voters")
	pos, err := e.parse(fs, args, 0, 2)
	if err != nil {
		return err
	}
	switch {
	case len(pos) == 0 || len(pos) == 1 && pos[0] == "list":
		return e.withClient(func(ctx context.Context, c *client.Client) error {
			st, err := c.Status(ctx)
			if err != nil {
				return err
			}
			tw := tabwriter.NewWriter(e.stdout, 0, 4, 2, ' ', 0)
			fmt.Fprintln(tw, "ID\tZONE\tSUFFRAGE\tLEADER\tRAFT ADDR\tGRPC ADDR")
			for _, m := range st.Members {
				leader := ""
				if m.Leader {
					leader = "*"
				}
				fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%s\n", m.ID, m.Zone, m.Suffrage, leader, m.RaftAddr, m.GRPCAddr)
			}
			return tw.Flush()
		})
	case len(pos) == 2 && pos[0] == "remove":
		return e.withClient(func(ctx context.Context, c *client.Client) error {
			if err := c.RemoveMember(ctx, pos[1], *allow); err != nil {
				return err
			}
			fmt.Fprintf(e.stdout, "removed member %s\n", pos[1])
			return nil
		})
	}
	return usagef("want 'members', 'members list' or 'members remove ID'")
}
