package main

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"time"
)

// maxKeyspace is the keyspace that the 12-digit key suffix can hold.
const maxKeyspace = 1_000_000_000_000

// Config is one load run. The zero value is not usable: parseFlags fills
// the defaults, tests set every field they need and call Validate.
type Config struct {
	Addr        string        // host:port of the server
	Clients     int           // connections, each with one request outstanding
	Requests    int           // requests in total
	Keyspace    int64         // keys are key:<n>, n random in [0, Keyspace)
	Size        int           // value bytes
	Wait        int           // WAIT's numreplicas; 0: no WAIT
	WaitTimeout int           // WAIT's timeout in ms (0: Redis waits for ever)
	MaxDuration time.Duration // the run stops after this long
	Plain       bool          // print the machine line
	Seed        uint64        // seeds the keys' random numbers; 0: random
}

// usageError is a bad flag: main exits 2.
type usageError struct{ err error }

func (u usageError) Error() string { return u.err.Error() }
func (u usageError) Unwrap() error { return u.err }

// parseFlags returns the Config of args, with defaults as redis-benchmark
// -c 50 -n 200000 -d 100 -r 1000000.
func parseFlags(args []string, stderr io.Writer) (Config, error) {
	fs := flag.NewFlagSet("respload", flag.ContinueOnError)
	fs.SetOutput(stderr)
	var c Config
	fs.StringVar(&c.Addr, "addr", "127.0.0.1:6379", "server address, host:port")
	fs.IntVar(&c.Clients, "clients", 50, "connections, each with exactly one request outstanding")
	fs.IntVar(&c.Requests, "requests", 200000, "requests in total")
	fs.Int64Var(&c.Keyspace, "keyspace", 1000000, "keys are key:<12 digits>, a random number in [0, keyspace)")
	fs.IntVar(&c.Size, "size", 100, "value size in bytes")
	fs.IntVar(&c.Wait, "wait", 0, "if N > 0, every SET is followed by WAIT N <wait-timeout>, and a reply below N is a failed request")
	fs.IntVar(&c.WaitTimeout, "wait-timeout", 1000, "WAIT's timeout in milliseconds (0: wait for ever)")
	fs.DurationVar(&c.MaxDuration, "max-duration", 5*time.Minute, "stop after this long, whether or not every request is done")
	fs.BoolVar(&c.Plain, "plain", false, "print one machine line 'ops/s p50 p99 p999 failed' (ms) on stdout, the human line on stderr")
	fs.Uint64Var(&c.Seed, "seed", 0, "seed of the keys' random numbers (0: a random seed)")
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return c, err
		}
		return c, usageError{err}
	}
	if fs.NArg() > 0 {
		return c, usageError{fmt.Errorf("unexpected arguments %q", fs.Args())}
	}
	if err := c.Validate(); err != nil {
		return c, usageError{err}
	}
	return c, nil
}

// Validate reports the first field out of range.
func (c Config) Validate() error {
	switch {
	case c.Addr == "":
		return errors.New("--addr is empty")
	case c.Clients < 1:
		return fmt.Errorf("--clients %d: want at least 1", c.Clients)
	case c.Requests < 1:
		return fmt.Errorf("--requests %d: want at least 1", c.Requests)
	case c.Keyspace < 1 || c.Keyspace > maxKeyspace:
		return fmt.Errorf("--keyspace %d: want 1 to %d (12 digits)", c.Keyspace, int64(maxKeyspace))
	case c.Size < 0 || c.Size > 512<<20:
		return fmt.Errorf("--size %d: want 0 to %d (Redis's largest string)", c.Size, 512<<20)
	case c.Wait < 0:
		return fmt.Errorf("--wait %d: want 0 (off) or more replicas", c.Wait)
	case c.WaitTimeout < 0:
		return fmt.Errorf("--wait-timeout %d: want 0 or more milliseconds", c.WaitTimeout)
	case c.MaxDuration <= 0:
		return fmt.Errorf("--max-duration %v: want more than 0", c.MaxDuration)
	}
	return nil
}
