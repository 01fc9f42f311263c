package main

import (
	"bufio"
	"errors"
	"fmt"
)

// maxDepth bounds the nesting of aggregate replies readReply follows:
// respload's commands get none, so deeper nesting is a broken stream.
const maxDepth = 32

// errProtocol is a reply stream that is not RESP.
var errProtocol = errors.New("respload: protocol error")

// reply is one RESP reply, reduced to what respload checks.
type reply struct {
	kind byte   // the type byte: '+', '-', ':', '$', '*', or a RESP3 one
	n    int64  // ':' its integer; '$' '*' and the other sized types, their length
	text []byte // '+' '-' ':' and the other line types: the line without type and CRLF; valid until the next read
}

// readReply reads one complete reply from r (RESP2, or RESP3), skipping
// the contents of bulk strings and aggregates. It allocates nothing.
func readReply(r *bufio.Reader) (reply, error) { return readNested(r, 0) }

func readNested(r *bufio.Reader, depth int) (reply, error) {
	line, err := r.ReadSlice('\n')
	if err != nil {
		if errors.Is(err, bufio.ErrBufferFull) {
			return reply{}, fmt.Errorf("%w: a reply line longer than %d bytes", errProtocol, r.Size())
		}
		return reply{}, err
	}
	if len(line) < 3 || line[len(line)-2] != '\r' {
		return reply{}, fmt.Errorf("%w: bad reply line %q", errProtocol, line)
	}
	rep := reply{kind: line[0], text: line[1 : len(line)-2]}
	switch rep.kind {
	case '+', '-', '_', ',', '#':
		return rep, nil
	case ':', '(':
		if rep.kind == ':' {
			if rep.n, err = parseInt(rep.text); err != nil {
				return reply{}, err
			}
		}
		return rep, nil
	}
	if rep.n, err = parseInt(rep.text); err != nil {
		return reply{}, err
	}
	rep.text = nil
	switch rep.kind {
	case '$', '=', '!':
		if rep.n < 0 { // RESP2's null bulk string
			return rep, nil
		}
		if _, err := r.Discard(int(rep.n)); err != nil {
			return reply{}, err
		}
		crlf, err := r.ReadSlice('\n')
		if err != nil {
			return reply{}, err
		}
		if len(crlf) != 2 || crlf[0] != '\r' {
			return reply{}, fmt.Errorf("%w: a bulk string not ended by CRLF", errProtocol)
		}
		return rep, nil
	case '*', '~', '>', '%', '|':
		if depth == maxDepth {
			return reply{}, fmt.Errorf("%w: replies nested deeper than %d", errProtocol, maxDepth)
		}
		n := rep.n
		if rep.kind == '%' || rep.kind == '|' {
			n *= 2
		}
		for range max(n, 0) {
			if _, err := readNested(r, depth+1); err != nil {
				return reply{}, err
			}
		}
		if rep.kind == '|' { // an attribute precedes the real reply
			return readNested(r, depth+1)
		}
		return rep, nil
	}
	return reply{}, fmt.Errorf("%w: unknown reply type %q", errProtocol, rep.kind)
}

// parseInt parses a RESP integer or length without allocating.
func parseInt(b []byte) (int64, error) {
	neg := len(b) > 0 && b[0] == '-'
	if neg {
		b = b[1:]
	}
	if len(b) == 0 || len(b) > 18 { // 18 digits cannot overflow int64
		return 0, fmt.Errorf("%w: bad integer %q", errProtocol, b)
	}
	var n int64
	for _, c := range b {
		if c < '0' || c > '9' {
			return 0, fmt.Errorf("%w: bad integer %q", errProtocol, b)
		}
		n = n*10 + int64(c-'0')
	}
	if neg {
		n = -n
	}
	return n, nil
}
