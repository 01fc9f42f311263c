package main

import (
	"context"
	"flag"
	"fmt"

	"github.com/quorumlog/quorumlog/client"
)

var createCommand = &command{
	name:    "create",
	args:    "LOG",
	summary: "create an empty log",
	run:     runCreate,
}

func runCreate(e *env, fs *flag.FlagSet, args []string) error {
	pos, err := e.parse(fs, args, 1, 1)
	if err != nil {
		return err
	}
	return e.withClient(func(ctx context.Context, c *client.Client) error {
		if err := c.CreateLog(ctx, pos[0]); err != nil {
			return err
		}
		fmt.Fprintf(e.stdout, "created %s\n", pos[0])
		return nil
	})
}
