package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"syscall"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	err := run(ctx, os.Args[1:], os.Stdout, os.Stderr)
	if err == nil || errors.Is(err, flag.ErrHelp) {
		return
	}
	if !errors.Is(err, errIncomplete) { // run has said why
		fmt.Fprintln(os.Stderr, "respload:", err)
	}
	var u usageError
	if errors.As(err, &u) {
		os.Exit(2)
	}
	os.Exit(1)
}

// errIncomplete is run's error when the result was printed but is not a
// clean run: a request failed, or the run stopped early.
var errIncomplete = errors.New("respload: the run had failures or stopped early")

// run parses args, runs the load and prints its result. Its error is a
// usageError for bad flags, errIncomplete after printing a run with
// failures or stopped early, or the connection error (nothing printed).
func run(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	cfg, err := parseFlags(args, stderr)
	if err != nil {
		return err
	}
	res, err := load(ctx, cfg)
	if err != nil {
		return err
	}
	human := res.Human(cfg)
	if cfg.Plain {
		fmt.Fprintln(stdout, res.Plain())
		fmt.Fprintln(stderr, human)
	} else {
		fmt.Fprintln(stdout, human)
	}
	if res.Failed > 0 {
		fmt.Fprintf(stderr, "respload: %d of %d requests failed; the first: %s\n", res.Failed, res.Done, res.FirstFailure)
	}
	if res.Done < cfg.Requests {
		fmt.Fprintf(stderr, "respload: stopped (%s) after %d of %d requests\n", res.Stopped, res.Done, cfg.Requests)
	}
	if res.Failed > 0 || res.Done < cfg.Requests {
		return errIncomplete
	}
	return nil
}
