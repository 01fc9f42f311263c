// Command logctl is QuorumLog's operator CLI: cluster status, log
// management, appends and reads by hand, and a load benchmark. It is one
// more client of package client.
//
// Usage: logctl [--endpoints A,B,C] [--timeout D] COMMAND [ARGS]; run
// "logctl help" for the commands and "logctl COMMAND --help" for their flags.
package main

import (
	"context"
	"os"
	"os/signal"
	"syscall"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	code := run(ctx, os.Args[1:], os.Stdin, os.Stdout, os.Stderr)
	stop()
	os.Exit(code)
}
