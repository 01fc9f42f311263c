// Command quorumlogd runs a QuorumLog node, or with "dev" a local
// three-node cluster in one process.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"os"
	"os/signal"
	"syscall"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if err := run(ctx, os.Args[1:], os.Stdout, os.Stderr); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			os.Exit(0)
		}
		var u usageError
		if errors.As(err, &u) {
			fmt.Fprintln(os.Stderr, "quorumlogd:", err)
			os.Exit(2)
		}
		fmt.Fprintln(os.Stderr, "quorumlogd:", err)
		os.Exit(1)
	}
}
