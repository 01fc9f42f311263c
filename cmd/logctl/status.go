package main

import (
	"context"
	"flag"
	"fmt"
	"maps"
	"slices"
	"strings"
	"sync"
	"text/tabwriter"

	"github.com/quorumlog/quorumlog/client"
)

var statusCommand = &command{
	name:    "status",
	args:    "",
	summary: "show the cluster's members, zones, leader and raft progress",
	run:     runStatus,
}

func runStatus(e *env, fs *flag.FlagSet, args []string) error {
	if _, err := e.parse(fs, args, 0, 0); err != nil {
		return err
	}
	return e.withClient(func(ctx context.Context, c *client.Client) error {
		st, err := c.Status(ctx)
		if err != nil {
			return err
		}
		nodes := memberStatuses(ctx, c, st)
		tw := tabwriter.NewWriter(e.stdout, 0, 4, 2, ' ', 0)
		fmt.Fprintln(tw, "ID\tZONE\tSUFFRAGE\tLEADER\tRAFT ADDR\tGRPC ADDR\tCOMMIT\tAPPLIED")
		var warnings []string
		for i, m := range st.Members {
			leader, commit, applied := "", "-", "-"
			if m.Leader {
				leader = "*"
			}
			if ns := nodes[i]; ns.err != nil {
				warnings = append(warnings, fmt.Sprintf("node %s (%s) unreachable: %s", m.ID, m.GRPCAddr, describe(ns.err)))
			} else if ns.st != nil {
				commit, applied = fmt.Sprint(ns.st.CommitIndex), fmt.Sprint(ns.st.AppliedIndex)
			}
			fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n", m.ID, m.Zone, m.Suffrage, leader, m.RaftAddr, m.GRPCAddr, commit, applied)
		}
		if err := tw.Flush(); err != nil {
			return err
		}
		fmt.Fprintf(e.stdout, "\nserving node: %s (%s, zone %s, term %d, commit index %d, applied index %d)\n",
			st.NodeID, st.State, st.Zone, st.Term, st.CommitIndex, st.AppliedIndex)
		leader := st.LeaderID
		if leader == "" {
			leader = "none"
		}
		fmt.Fprintf(e.stdout, "leader: %s\n", leader)
		var zones []string
		for _, z := range slices.Sorted(maps.Keys(st.VotersPerZone)) {
			zones = append(zones, fmt.Sprintf("%s=%d", z, st.VotersPerZone[z]))
		}
		fmt.Fprintf(e.stdout, "voters per zone: %s\n", strings.Join(zones, " "))
		survives := "no"
		if st.SurvivesZoneLoss {
			survives = "yes"
		}
		fmt.Fprintf(e.stdout, "survives zone loss: %s\n", survives)
		if st.MaxRecordBytes > 0 {
			fmt.Fprintf(e.stdout, "record limit: %d bytes\n", st.MaxRecordBytes)
		}
		for _, w := range append(st.Warnings, warnings...) {
			fmt.Fprintf(e.stdout, "warning: %s\n", w)
		}
		return nil
	})
}

type nodeStatus struct {
	st  *client.Status
	err error
}

// memberStatuses asks every member for its own status, concurrently.
func memberStatuses(ctx context.Context, c *client.Client, st *client.Status) []nodeStatus {
	out := make([]nodeStatus, len(st.Members))
	var wg sync.WaitGroup
	for i, m := range st.Members {
		if m.GRPCAddr == "" {
			continue
		}
		if m.GRPCAddr == st.Endpoint {
			out[i].st = st
			continue
		}
		wg.Go(func() {
			out[i].st, out[i].err = c.StatusOf(ctx, m.GRPCAddr)
		})
	}
	wg.Wait()
	return out
}
