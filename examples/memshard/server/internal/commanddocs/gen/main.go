// Command gen writes docs.json and info.json, Redis 7.0.15's COMMAND DOCS
// and COMMAND INFO for every command memshard implements, captured from
// redis-server (see package commanddocs). It runs from the commanddocs
// directory, as go generate runs it:
//
//	go run ./gen [-dir .]
//
// It needs Debian's redis-server 7.0.15 on PATH (apt-get install -y
// redis-server) and refuses any other version.
package main

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"net"
	"os"
	"os/signal"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"time"

	"github.com/quorumlog/quorumlog/examples/memshard/engine"
	"github.com/quorumlog/quorumlog/examples/memshard/redisdiff"
	"github.com/quorumlog/quorumlog/examples/memshard/resp"
	"github.com/quorumlog/quorumlog/examples/memshard/server"
	"github.com/quorumlog/quorumlog/examples/memshard/server/internal/commanddocs"
)

// redisVersion is the only redis-server the docs may come from.
const redisVersion = "7.0.15"

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if err := run(ctx, os.Args[1:], os.Stderr); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			os.Exit(0)
		}
		fmt.Fprintln(os.Stderr, "gen:", err)
		os.Exit(1)
	}
}

func run(ctx context.Context, args []string, stderr io.Writer) error {
	fs := flag.NewFlagSet("gen", flag.ContinueOnError)
	fs.SetOutput(stderr)
	dir := fs.String("dir", ".", "directory to write docs.json and info.json to")
	aclDir := fs.String("acldir", "../../../acl", "directory to write the ACL catalog, commands.json, to")
	if err := fs.Parse(args); err != nil {
		return err
	}
	rs, stopRedis, err := redisdiff.Launch()
	if err != nil {
		return err
	}
	defer stopRedis()
	names := server.CommandNames(engine.NewTable())
	docs, info, err := capture(ctx, rs.Addr, names)
	if err != nil {
		return err
	}
	aclData, err := captureACLFile(ctx, rs.Addr, info.RedisVersion)
	if err != nil {
		return err
	}
	if err := os.WriteFile(filepath.Join(*aclDir, "commands.json"), aclData, 0o644); err != nil {
		return err
	}
	docsData, err := encodeDocs(docs)
	if err != nil {
		return err
	}
	infoData, err := encodeInfo(info)
	if err != nil {
		return err
	}
	for file, data := range map[string][]byte{"docs.json": docsData, "info.json": infoData} {
		if err := os.WriteFile(filepath.Join(*dir, file), data, 0o644); err != nil {
			return err
		}
	}
	fmt.Fprintf(stderr, "gen: COMMAND DOCS and INFO of %d commands from redis-server %s: docs.json %d bytes, info.json %d bytes\n",
		len(names), docs.RedisVersion, len(docsData), len(infoData))
	return nil
}

// captureACLFile returns commands.json for the redis-server at addr.
func captureACLFile(ctx context.Context, addr, version string) ([]byte, error) {
	c3, err := dial(ctx, addr)
	if err != nil {
		return nil, err
	}
	defer c3.close()
	if _, _, err := c3.do("HELLO", "3"); err != nil {
		return nil, err
	}
	f, err := captureACL(c3, version)
	if err != nil {
		return nil, err
	}
	return encodeACL(f)
}

// capture asks the redis-server at addr for the docs and the COMMAND INFO
// entries of names, in RESP3 (parsed) and in RESP2, and checks that
// Doc.Write and Info.Write give back both replies.
func capture(ctx context.Context, addr string, names []string) (*commanddocs.File, *commanddocs.InfoFile, error) {
	c2, err := dial(ctx, addr)
	if err != nil {
		return nil, nil, err
	}
	defer c2.close()
	c3, err := dial(ctx, addr)
	if err != nil {
		return nil, nil, err
	}
	defer c3.close()
	if _, _, err := c3.do("HELLO", "3"); err != nil {
		return nil, nil, err
	}
	info, _, err := c2.do("INFO", "server")
	if err != nil {
		return nil, nil, err
	}
	version := "unknown"
	for line := range strings.SplitSeq(info.text, "\r\n") {
		if v, ok := strings.CutPrefix(line, "redis_version:"); ok {
			version = v
		}
	}
	if version != redisVersion {
		return nil, nil, fmt.Errorf("redis-server on PATH is %s, want %s (Debian's; apt-get install -y redis-server)", version, redisVersion)
	}
	docs := &commanddocs.File{RedisVersion: version, Commands: make(map[string]*commanddocs.Doc, len(names))}
	infos := &commanddocs.InfoFile{RedisVersion: version, Commands: make(map[string]*commanddocs.Info, len(names))}
	for _, name := range names {
		d, err := captureDoc(c2, c3, name)
		if err != nil {
			return nil, nil, err
		}
		docs.Commands[name] = d
		in, err := captureInfo(c2, c3, name)
		if err != nil {
			return nil, nil, err
		}
		infos.Commands[name] = in
	}
	return docs, infos, nil
}

// captureDoc asks for the docs of name and checks that Doc.Write gives
// back Redis's replies.
func captureDoc(c2, c3 *client, name string) (*commanddocs.Doc, error) {
	n, raw3, err := c3.do("COMMAND", "DOCS", name)
	if err != nil {
		return nil, err
	}
	_, raw2, err := c2.do("COMMAND", "DOCS", name)
	if err != nil {
		return nil, err
	}
	pairs, err := mapPairs(n)
	if err != nil {
		return nil, fmt.Errorf("COMMAND DOCS %s: %w", name, err)
	}
	if len(pairs) != 1 || pairs[0].key != name {
		return nil, fmt.Errorf("COMMAND DOCS %s: redis-server %s does not have it (%d entries)", name, redisVersion, len(pairs))
	}
	d, subs, err := toDoc(pairs[0].val)
	if err != nil {
		return nil, fmt.Errorf("COMMAND DOCS %s: %w", name, err)
	}
	for proto, want := range map[int][]byte{2: raw2, 3: raw3} {
		if got := rewrite(proto, name, d, subs); !bytes.Equal(got, want) {
			return nil, fmt.Errorf("COMMAND DOCS %s in RESP%d: the captured docs write\n%q\nnot redis-server's\n%q", name, proto, got, want)
		}
	}
	return d, nil
}

// sub is a subcommand's entry in its container's docs.
type sub struct {
	name string
	doc  *commanddocs.Doc
}

// rewrite writes a COMMAND DOCS reply for name from its captured docs.
func rewrite(proto int, name string, d *commanddocs.Doc, subs []sub) []byte {
	w := resp.NewWriter(proto)
	w.Map(1)
	w.BulkString(name)
	d.Write(w, len(subs))
	for _, s := range subs {
		w.BulkString(s.name)
		s.doc.Write(w, 0)
	}
	return w.Bytes()
}

// toDoc converts a command's docs map. Every key must be one Doc knows and
// every string non-empty (docs.json leaves empty ones out).
func toDoc(n *node) (*commanddocs.Doc, []sub, error) {
	pairs, err := mapPairs(n)
	if err != nil {
		return nil, nil, err
	}
	d := &commanddocs.Doc{}
	var subs []sub
	for _, p := range pairs {
		var err error
		switch p.key {
		case "summary":
			d.Summary, err = bulk(p.val)
		case "since":
			d.Since, err = bulk(p.val)
		case "group":
			d.Group, err = bulk(p.val)
		case "complexity":
			d.Complexity, err = bulk(p.val)
		case "doc_flags":
			d.DocFlags, err = simpleSet(p.val)
		case "deprecated_since":
			d.DeprecatedSince, err = bulk(p.val)
		case "replaced_by":
			d.ReplacedBy, err = bulk(p.val)
		case "history":
			d.History, err = history(p.val)
		case "arguments":
			d.Arguments, err = toArgs(p.val)
		case "subcommands":
			subs, err = toSubs(p.val)
		default:
			err = errors.New("unknown key")
		}
		if err != nil {
			return nil, nil, fmt.Errorf("%s: %w", p.key, err)
		}
	}
	return d, subs, nil
}

func toSubs(n *node) ([]sub, error) {
	pairs, err := mapPairs(n)
	if err != nil {
		return nil, err
	}
	var subs []sub
	for _, p := range pairs {
		d, nested, err := toDoc(p.val)
		if err != nil {
			return nil, fmt.Errorf("%s: %w", p.key, err)
		}
		if len(nested) > 0 {
			return nil, fmt.Errorf("%s: subcommands of a subcommand", p.key)
		}
		subs = append(subs, sub{p.key, d})
	}
	return subs, nil
}

func toArgs(n *node) ([]*commanddocs.Arg, error) {
	if n.kind != '*' {
		return nil, fmt.Errorf("%q, want an array", n.kind)
	}
	args := make([]*commanddocs.Arg, 0, len(n.elems))
	for i, e := range n.elems {
		a, err := toArg(e)
		if err != nil {
			return nil, fmt.Errorf("argument %d: %w", i, err)
		}
		args = append(args, a)
	}
	return args, nil
}

func toArg(n *node) (*commanddocs.Arg, error) {
	pairs, err := mapPairs(n)
	if err != nil {
		return nil, err
	}
	a := &commanddocs.Arg{}
	for _, p := range pairs {
		var err error
		switch p.key {
		case "name":
			a.Name, err = bulk(p.val)
		case "type":
			a.Type, err = bulk(p.val)
		case "key_spec_index":
			var i int
			i, err = integer(p.val)
			a.KeySpecIndex = &i
		case "token":
			// Possibly empty: MIGRATE's key form is the token "".
			if p.val.kind != '$' {
				err = fmt.Errorf("%q, want a bulk string", p.val.kind)
				break
			}
			a.Token = &p.val.text
		case "summary":
			a.Summary, err = bulk(p.val)
		case "since":
			a.Since, err = bulk(p.val)
		case "deprecated_since":
			a.DeprecatedSince, err = bulk(p.val)
		case "flags":
			a.Flags, err = simpleSet(p.val)
		case "arguments":
			a.Arguments, err = toArgs(p.val)
		default:
			err = errors.New("unknown key")
		}
		if err != nil {
			return nil, fmt.Errorf("%s: %w", p.key, err)
		}
	}
	return a, nil
}

func bulk(n *node) (string, error) {
	if n.kind != '$' || n.text == "" {
		return "", fmt.Errorf("%c%q, want a non-empty bulk string", n.kind, n.text)
	}
	return n.text, nil
}

func integer(n *node) (int, error) {
	if n.kind != ':' {
		return 0, fmt.Errorf("%q, want an integer", n.kind)
	}
	return strconv.Atoi(n.text)
}

func simpleSet(n *node) ([]string, error) {
	if n.kind != '~' || len(n.elems) == 0 {
		return nil, fmt.Errorf("%q of %d, want a non-empty set", n.kind, len(n.elems))
	}
	var ss []string
	for _, e := range n.elems {
		if e.kind != '+' {
			return nil, fmt.Errorf("element %q, want a simple string", e.kind)
		}
		ss = append(ss, e.text)
	}
	return ss, nil
}

func history(n *node) ([][2]string, error) {
	if n.kind != '~' || len(n.elems) == 0 {
		return nil, fmt.Errorf("%q of %d, want a non-empty set", n.kind, len(n.elems))
	}
	var h [][2]string
	for _, e := range n.elems {
		if e.kind != '*' || len(e.elems) != 2 {
			return nil, fmt.Errorf("entry %q of %d, want an array of 2", e.kind, len(e.elems))
		}
		v, err := bulk(e.elems[0])
		if err != nil {
			return nil, err
		}
		c, err := bulk(e.elems[1])
		if err != nil {
			return nil, err
		}
		h = append(h, [2]string{v, c})
	}
	return h, nil
}

// pair is a key and its value in a map reply.
type pair struct {
	key string
	val *node
}

// mapPairs returns the entries of a RESP3 map whose keys are bulk strings.
func mapPairs(n *node) ([]pair, error) {
	if n.kind != '%' {
		return nil, fmt.Errorf("%q, want a map", n.kind)
	}
	var pairs []pair
	for i := 0; i < len(n.elems); i += 2 {
		if n.elems[i].kind != '$' {
			return nil, fmt.Errorf("key %q, want a bulk string", n.elems[i].kind)
		}
		pairs = append(pairs, pair{n.elems[i].text, n.elems[i+1]})
	}
	return pairs, nil
}

// node is one parsed reply.
type node struct {
	kind  byte    // the RESP type byte: '$', '+', '-', ':', '*', '~', '%'
	text  string  // a string's content; an integer's digits
	elems []*node // an aggregate's elements; a map's keys and values alternate
}

// client is a connection to redis-server.
type client struct {
	nc   net.Conn
	r    *bufio.Reader
	stop func() bool
}

// dial connects to addr; the connection closes when ctx ends.
func dial(ctx context.Context, addr string) (*client, error) {
	var d net.Dialer
	nc, err := d.DialContext(ctx, "tcp", addr)
	if err != nil {
		return nil, err
	}
	return &client{nc: nc, r: bufio.NewReader(nc), stop: context.AfterFunc(ctx, func() { nc.Close() })}, nil
}

func (c *client) close() {
	c.stop()
	c.nc.Close()
}

// do sends argv and returns the reply, parsed and raw. An error reply is
// an error.
func (c *client) do(argv ...string) (*node, []byte, error) {
	_ = c.nc.SetDeadline(time.Now().Add(10 * time.Second))
	if _, err := c.nc.Write(redisdiff.Encode(argv...)); err != nil {
		return nil, nil, err
	}
	var raw bytes.Buffer
	n, err := readNode(c.r, &raw)
	if err != nil {
		return nil, nil, fmt.Errorf("%q: %w", argv, err)
	}
	if n.kind == '-' {
		return nil, nil, fmt.Errorf("%q: %s", argv, n.text)
	}
	return n, raw.Bytes(), nil
}

// readNode reads one reply from r, appending its bytes to raw. Null
// replies and the RESP3 types COMMAND DOCS and INFO do not use are errors.
func readNode(r *bufio.Reader, raw *bytes.Buffer) (*node, error) {
	line, err := r.ReadString('\n')
	if err != nil {
		return nil, err
	}
	raw.WriteString(line)
	if len(line) < 3 || !strings.HasSuffix(line, "\r\n") {
		return nil, fmt.Errorf("bad line %q", line)
	}
	n := &node{kind: line[0], text: line[1 : len(line)-2]}
	switch n.kind {
	case '+', '-', ':':
		return n, nil
	case '$':
		size, err := strconv.Atoi(n.text)
		if err != nil || size < 0 {
			return nil, fmt.Errorf("bad bulk length %q", line)
		}
		b := make([]byte, size+2)
		if _, err := io.ReadFull(r, b); err != nil {
			return nil, err
		}
		raw.Write(b)
		n.text = string(b[:size])
		return n, nil
	case '*', '~', '%':
		size, err := strconv.Atoi(n.text)
		if err != nil || size < 0 {
			return nil, fmt.Errorf("bad aggregate length %q", line)
		}
		if n.kind == '%' {
			size *= 2
		}
		n.text = ""
		for range size {
			e, err := readNode(r, raw)
			if err != nil {
				return nil, err
			}
			n.elems = append(n.elems, e)
		}
		return n, nil
	}
	return nil, fmt.Errorf("unexpected reply %q", line)
}
