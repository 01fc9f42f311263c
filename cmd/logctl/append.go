package main

import (
	"bufio"
	"context"
	"flag"
	"fmt"
	"io"

	"github.com/quorumlog/quorumlog/client"
)

var appendCommand = &command{
	name: "append",
	args: "LOG [--if-last-id N] [DATA ...]",
	summary: "append one record per DATA argument (or per line of stdin if none) in one atomic append;\n" +
		"prints the first and last ID and the log's running checksum",
	run: runAppend,
}

// maxLine bounds one stdin line (one record).
const maxLine = 64 << 20

func runAppend(e *env, fs *flag.FlagSet, args []string) error {
	var ifLastID optionalUint
	fs.Var(&ifLastID, "if-last-id", "append only if the log's last ID is `N` (conditional append)")
	pos, err := e.parse(fs, args, 1, -1)
	if err != nil {
		return err
	}
	log := pos[0]
	var payloads [][]byte
	for _, d := range pos[1:] {
		payloads = append(payloads, []byte(d))
	}
	if len(pos) == 1 {
		if payloads, err = readLines(e.stdin); err != nil {
			return fmt.Errorf("read stdin: %w", err)
		}
		if len(payloads) == 0 {
			return usagef("no DATA arguments and nothing on stdin")
		}
	}
	var opts []client.AppendOption
	if ifLastID.set {
		opts = append(opts, client.IfLastID(ifLastID.v))
	}
	return e.withClient(func(ctx context.Context, c *client.Client) error {
		res, err := c.Append(ctx, log, payloads, opts...)
		if err != nil {
			return err
		}
		fmt.Fprintf(e.stdout, "first_id=%d last_id=%d checksum=0x%08x\n", res.FirstID, res.LastID, res.Checksum)
		return nil
	})
}

func readLines(r io.Reader) ([][]byte, error) {
	if r == nil {
		return nil, nil
	}
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 64<<10), maxLine)
	var lines [][]byte
	for sc.Scan() {
		lines = append(lines, append([]byte(nil), sc.Bytes()...))
	}
	return lines, sc.Err()
}
