package main

import (
	"context"
	"flag"
	"fmt"

	"github.com/quorumlog/quorumlog/client"
)

var trimCommand = &command{
	name:    "trim",
	args:    "LOG --through ID",
	summary: "make every record with an ID up to --through unreadable",
	run:     runTrim,
}

func runTrim(e *env, fs *flag.FlagSet, args []string) error {
	var through optionalUint
	fs.Var(&through, "through", "trim records with IDs up to and including `ID` (required)")
	pos, err := e.parse(fs, args, 1, 1)
	if err != nil {
		return err
	}
	if !through.set {
		return usagef("--through is required")
	}
	return e.withClient(func(ctx context.Context, c *client.Client) error {
		res, err := c.Trim(ctx, pos[0], through.v)
		if err != nil {
			return err
		}
		fmt.Fprintf(e.stdout, "first_id=%d last_id=%d\n", res.FirstID, res.LastID)
		return nil
	})
}
