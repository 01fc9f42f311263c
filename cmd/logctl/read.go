package main

import (
	"bufio"
	"context"
	"encoding/base64"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"unicode/utf8"

	"github.com/quorumlog/quorumlog/client"
)

var readCommand = &command{
	name: "read",
	args: "LOG [--from ID] [--follow] [--limit N] [--json] [--serializable]",
	summary: "print records, one payload per line (or one JSON object per line with --json);\n" +
		"caught-up markers and progress go to stderr",
	run: runRead,
}

// jsonRecord is one line of --json output. Payload is the payload as a
// string when it is valid UTF-8, else its base64 and Encoding is "base64".
type jsonRecord struct {
	ID       uint64 `json:"id"`
	Payload  string `json:"payload"`
	Encoding string `json:"encoding,omitempty"`
}

func runRead(e *env, fs *flag.FlagSet, args []string) error {
	from := fs.Uint64("from", 0, "first `ID` to read; 0 for the log's first readable ID")
	follow := fs.Bool("follow", false, "keep reading as records commit, until interrupted (--timeout does not apply)")
	limit := fs.Uint64("limit", 0, "stop after `N` records; 0 for no limit")
	asJSON := fs.Bool("json", false, `print {"id":…,"payload":…} per record`)
	serializable := fs.Bool("serializable", false, "read what the serving node has applied, without asking the leader (may miss recent appends)")
	pos, err := e.parse(fs, args, 1, 1)
	if err != nil {
		return err
	}
	opts := []client.ReadOption{client.Limit(*limit)}
	if *follow {
		opts = append(opts, client.Follow())
	}
	if !*serializable {
		opts = append(opts, client.Linearizable())
	}
	c, err := e.client()
	if err != nil {
		return err
	}
	defer c.Close()
	ctx, cancel := e.opCtx()
	if *follow {
		ctx, cancel = context.WithCancel(e.ctx)
	}
	defer cancel()
	r, err := c.Read(ctx, pos[0], *from, opts...)
	if err != nil {
		return err
	}
	defer r.Close()

	out := bufio.NewWriter(e.stdout)
	defer out.Flush()
	enc := json.NewEncoder(out)
	var n uint64
	for {
		ev, err := r.Next()
		if err == io.EOF {
			break
		}
		if err != nil {
			if *follow && e.ctx.Err() != nil {
				break // interrupted: a normal end of a tail read
			}
			return err
		}
		if ev.CaughtUp {
			if err := out.Flush(); err != nil {
				return err
			}
			fmt.Fprintf(e.stderr, "logctl: caught up at id %d (%d records read)\n", ev.LastID, n)
			continue
		}
		n++
		if *asJSON {
			jr := jsonRecord{ID: ev.Record.ID, Payload: string(ev.Record.Payload)}
			if !utf8.Valid(ev.Record.Payload) {
				jr.Payload, jr.Encoding = base64.StdEncoding.EncodeToString(ev.Record.Payload), "base64"
			}
			err = enc.Encode(jr)
		} else {
			_, _ = out.Write(ev.Record.Payload)
			err = out.WriteByte('\n')
		}
		if err != nil {
			return err
		}
	}
	return out.Flush()
}
