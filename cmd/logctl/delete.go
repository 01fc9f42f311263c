package main

import (
	"context"
	"flag"
	"fmt"

	"github.com/quorumlog/quorumlog/client"
)

var deleteCommand = &command{
	name:    "delete",
	args:    "LOG",
	summary: "delete a log and all its records",
	run:     runDelete,
}

func runDelete(e *env, fs *flag.FlagSet, args []string) error {
	pos, err := e.parse(fs, args, 1, 1)
	if err != nil {
		return err
	}
	return e.withClient(func(ctx context.Context, c *client.Client) error {
		if err := c.DeleteLog(ctx, pos[0]); err != nil {
			return err
		}
		fmt.Fprintf(e.stdout, "deleted %s\n", pos[0])
		return nil
	})
}
