package main

import (
	"bytes"
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"strconv"
	"strings"
	"time"

	"github.com/quorumlog/quorumlog/client"
)

// Exit codes.
const (
	exitOK    = 0
	exitFail  = 1 // an operation failed
	exitUsage = 2 // bad command line
)

const defaultEndpoints = "127.0.0.1:7101,127.0.0.1:7102,127.0.0.1:7103"

// A command is one logctl subcommand, defined in its own file.
type command struct {
	name    string
	args    string // synopsis after the name, flags included
	summary string
	// run parses args with fs (which already holds the global flags) and
	// executes the command.
	run func(e *env, fs *flag.FlagSet, args []string) error
}

var commands = []*command{
	statusCommand,
	membersCommand,
	createCommand,
	deleteCommand,
	logsCommand,
	describeCommand,
	appendCommand,
	readCommand,
	trimCommand,
	benchCommand,
}

// env is what a command runs with: the streams and the global flags.
type env struct {
	ctx       context.Context
	stdin     io.Reader
	stdout    io.Writer
	stderr    io.Writer
	endpoints string
	timeout   time.Duration
	tls       tlsFiles
	cmd       *command
}

// usageError makes run print the usage and exit 2.
type usageError struct{ msg string }

func (e *usageError) Error() string { return e.msg }

func usagef(format string, args ...any) error { return &usageError{fmt.Sprintf(format, args...)} }

// run is logctl without the process: it returns the exit code.
func run(ctx context.Context, args []string, stdin io.Reader, stdout, stderr io.Writer) int {
	e := &env{ctx: ctx, stdin: stdin, stdout: stdout, stderr: stderr}
	root := flag.NewFlagSet("logctl", flag.ContinueOnError)
	e.globalFlags(root)
	var out bytes.Buffer
	root.SetOutput(&out)
	root.Usage = func() { e.mainUsage(root.Output()) }
	if err := root.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			_, _ = io.Copy(stdout, &out)
			return exitOK
		}
		_, _ = io.Copy(stderr, &out)
		return exitUsage
	}
	if root.NArg() == 0 {
		fmt.Fprintln(stderr, "logctl: no command")
		e.mainUsage(stderr)
		return exitUsage
	}
	name, rest := root.Arg(0), root.Args()[1:]
	if name == "help" {
		e.mainUsage(stdout)
		return exitOK
	}
	for _, cmd := range commands {
		if cmd.name == name {
			e.cmd = cmd
			return e.runCommand(rest)
		}
	}
	fmt.Fprintf(stderr, "logctl: unknown command %q\n", name)
	e.mainUsage(stderr)
	return exitUsage
}

func (e *env) globalFlags(fs *flag.FlagSet) {
	endpoints, timeout := e.endpoints, e.timeout
	if endpoints == "" {
		endpoints, timeout = defaultEndpoints, 10*time.Second
	}
	fs.StringVar(&e.endpoints, "endpoints", endpoints, "comma-separated gRPC `addresses` of cluster members")
	fs.DurationVar(&e.timeout, "timeout", timeout, "time limit of each operation (not of read --follow or bench); 0 for none")
	e.tls.register(fs)
}

func (e *env) mainUsage(w io.Writer) {
	fmt.Fprintln(w, "usage: logctl [--endpoints A,B,C] [--timeout D] [--tls-ca-file F [--tls-cert-file F --tls-key-file F] [--tls-crl-file F]] COMMAND [ARGS]")
	fmt.Fprintln(w, "\ncommands:")
	for _, cmd := range commands {
		summary, _, _ := strings.Cut(cmd.summary, "\n")
		fmt.Fprintf(w, "  %-9s %s\n", cmd.name, summary)
	}
	fmt.Fprintln(w, "\nRun 'logctl COMMAND --help' for a command's flags.")
	fmt.Fprintln(w, "Exit status: 0 success, 1 operation failed, 2 usage error.")
}

func (e *env) commandUsage(fs *flag.FlagSet, w io.Writer) {
	fmt.Fprintf(w, "usage: logctl %s %s\n\n%s\n\nflags:\n", e.cmd.name, e.cmd.args, e.cmd.summary)
	fs.SetOutput(w)
	fs.PrintDefaults()
}

func (e *env) runCommand(args []string) int {
	fs := flag.NewFlagSet(e.cmd.name, flag.ContinueOnError)
	e.globalFlags(fs) // global flags may also follow the command
	err := e.cmd.run(e, fs, args)
	var ue *usageError
	switch {
	case err == nil:
		return exitOK
	case errors.Is(err, flag.ErrHelp):
		e.commandUsage(fs, e.stdout)
		return exitOK
	case errors.As(err, &ue):
		if ue.msg != "" {
			fmt.Fprintf(e.stderr, "logctl: %s: %s\n", e.cmd.name, ue.msg)
		}
		e.commandUsage(fs, e.stderr)
		return exitUsage
	}
	fmt.Fprintf(e.stderr, "logctl: %s: %s\n", e.cmd.name, describe(err))
	return exitFail
}

// describe renders err as "CODE: message", and says where a refusal by
// the cluster's authorization rules comes from (retrying cannot help).
func describe(err error) string {
	msg := client.ErrorCode(err) + ": " + err.Error()
	if se, ok := err.(*client.StatusError); ok {
		msg = se.Error() // already "CODE: message"
	}
	if errors.Is(err, client.ErrPermissionDenied) {
		msg += " (the cluster's --tls-authz-file does not grant this client certificate that)"
	}
	return msg
}

// parse parses args, flags and positional arguments interleaved
// ("read LOG --follow"), and checks the number of positional arguments.
// "--" ends the flags.
func (e *env) parse(fs *flag.FlagSet, args []string, minArgs, maxArgs int) ([]string, error) {
	fs.SetOutput(io.Discard)
	fs.Usage = func() {}
	var pos []string
	for {
		if err := fs.Parse(args); err != nil {
			if errors.Is(err, flag.ErrHelp) {
				return nil, err
			}
			return nil, &usageError{err.Error()}
		}
		rest := fs.Args()
		if n := len(args) - len(rest); n > 0 && args[n-1] == "--" {
			pos = append(pos, rest...)
			break
		}
		if len(rest) == 0 {
			break
		}
		pos = append(pos, rest[0])
		args = rest[1:]
	}
	switch {
	case len(pos) < minArgs:
		return nil, usagef("missing arguments")
	case maxArgs >= 0 && len(pos) > maxArgs:
		return nil, usagef("unexpected arguments: %s", strings.Join(pos[maxArgs:], " "))
	}
	return pos, nil
}

// client connects to the cluster, with mod applied to the Config.
func (e *env) client(mod ...func(*client.Config)) (*client.Client, error) {
	var eps []string
	for _, ep := range strings.Split(e.endpoints, ",") {
		if ep = strings.TrimSpace(ep); ep != "" {
			eps = append(eps, ep)
		}
	}
	tlsCfg, err := e.tls.load()
	if err != nil {
		return nil, err
	}
	cfg := client.Config{Endpoints: eps, TLS: tlsCfg}
	for _, f := range mod {
		f(&cfg)
	}
	c, err := client.New(e.ctx, cfg)
	if errors.Is(err, client.ErrInvalidArgument) {
		return nil, usagef("--endpoints: %v", err)
	}
	return c, err
}

// opCtx bounds one operation by --timeout.
func (e *env) opCtx() (context.Context, context.CancelFunc) {
	if e.timeout <= 0 {
		return context.WithCancel(e.ctx)
	}
	return context.WithTimeout(e.ctx, e.timeout)
}

// withClient connects, runs f with an operation ctx, and closes.
func (e *env) withClient(f func(ctx context.Context, c *client.Client) error) error {
	c, err := e.client()
	if err != nil {
		return err
	}
	defer c.Close()
	ctx, cancel := e.opCtx()
	defer cancel()
	return f(ctx, c)
}

// optionalUint is a flag holding an ID that may be absent.
type optionalUint struct {
	set bool
	v   uint64
}

func (o *optionalUint) String() string {
	if o == nil || !o.set {
		return ""
	}
	return strconv.FormatUint(o.v, 10)
}

func (o *optionalUint) Set(s string) error {
	v, err := strconv.ParseUint(s, 10, 64)
	if err != nil {
		return errors.New("not an unsigned integer")
	}
	o.set, o.v = true, v
	return nil
}
