package server

import (
	"fmt"
	"math"

	"github.com/quorumlog/quorumlog/examples/memshard/engine"
)

// The request parser follows Redis 7.0's processMultibulkBuffer and
// processInlineBuffer (networking.c) byte for byte, including their quirks:
// lines are found with strchr (a NUL byte hides the rest of the buffer), the
// two bytes after a header's CR and after a bulk's payload are skipped
// unchecked, and *0 / *-N / empty inline lines are requests that do nothing.
//
// redcon.ReadNextCommand is not used: it waits for the bytes of any length it
// is announced (no limit can be applied before it allocates), panics on
// "*1\r\n$-2\r\n" (a negative bulk length slices backwards), treats lines
// starting with '$' as Tile38's native protocol, and splits inline commands
// differently from sdssplitargs (no \x escapes, no quotes inside a token).

const (
	inlineMaxSize      = 64 * 1024 // PROTO_INLINE_MAX_SIZE
	unauthMaxMultibulk = 10        // authRequired limits of processMultibulkBuffer
	unauthMaxBulk      = 16384
)

// protoError is a protocol error: its text is the error reply (with code);
// the connection is closed once it has been sent.
type protoError string

func (e protoError) Error() string { return string(e) }

const (
	errInvalidMultibulk = protoError("ERR Protocol error: invalid multibulk length")
	errInvalidBulk      = protoError("ERR Protocol error: invalid bulk length")
	errUnauthMultibulk  = protoError("ERR Protocol error: unauthenticated multibulk length")
	errUnauthBulk       = protoError("ERR Protocol error: unauthenticated bulk length")
	errBigMultibulk     = protoError("ERR Protocol error: too big mbulk count string")
	errBigBulk          = protoError("ERR Protocol error: too big bulk count string")
	errBigInline        = protoError("ERR Protocol error: too big inline request")
	errUnbalanced       = protoError("ERR Protocol error: unbalanced quotes in request")
)

type span struct{ start, end int }

// parser splits a connection's input into commands. It keeps the state of a
// multibulk request that has not fully arrived, as offsets from the
// request's first byte, so the caller may move the unconsumed input.
type parser struct {
	maxBulk      int64
	maxMultibulk int64

	inMultibulk bool
	remaining   int   // arguments still to read
	bulk        int64 // length of the argument being read; -1 before its header
	pos         int   // bytes of the request parsed so far
	spans       []span
	argv        [][]byte
}

// next parses one request from b, the unconsumed input, which starts at the
// request's first byte. It returns n == 0 if the request is incomplete, else
// the bytes it took and its arguments (none for a request that does
// nothing). argv aliases b and is valid until the next call. unauth applies
// Redis's lower limits for connections that must still authenticate.
func (p *parser) next(b []byte, unauth bool) (argv [][]byte, n int, err error) {
	if len(b) == 0 {
		return nil, 0, nil
	}
	if !p.inMultibulk {
		if b[0] != '*' {
			return parseInline(b)
		}
		cr := indexUntilNUL(b, '\r')
		if cr < 0 {
			if len(b) > inlineMaxSize {
				return nil, 0, errBigMultibulk
			}
			return nil, 0, nil
		}
		if cr > len(b)-2 {
			return nil, 0, nil
		}
		ll, ok := string2ll(b[1:cr])
		if !ok || ll > math.MaxInt32 || ll > p.maxMultibulk {
			return nil, 0, errInvalidMultibulk
		}
		if ll > unauthMaxMultibulk && unauth {
			return nil, 0, errUnauthMultibulk
		}
		if ll <= 0 {
			return nil, cr + 2, nil
		}
		p.inMultibulk, p.remaining, p.bulk, p.pos = true, int(ll), -1, cr+2
		p.spans = p.spans[:0]
	}
	for p.remaining > 0 {
		if p.bulk < 0 {
			rest := b[p.pos:]
			cr := indexUntilNUL(rest, '\r')
			if cr < 0 {
				if len(rest) > inlineMaxSize {
					return nil, 0, p.fail(errBigBulk)
				}
				return nil, 0, nil
			}
			if cr > len(rest)-2 {
				return nil, 0, nil
			}
			if rest[0] != '$' {
				return nil, 0, p.fail(protoError(fmt.Sprintf("ERR Protocol error: expected '$', got '%c'", rest[0])))
			}
			ll, ok := string2ll(rest[1:cr])
			if !ok || ll < 0 || ll > p.maxBulk {
				return nil, 0, p.fail(errInvalidBulk)
			}
			if ll > unauthMaxBulk && unauth {
				return nil, 0, p.fail(errUnauthBulk)
			}
			p.pos += cr + 2
			p.bulk = ll
		}
		if int64(len(b)-p.pos) < p.bulk+2 {
			return nil, 0, nil
		}
		end := p.pos + int(p.bulk)
		p.spans = append(p.spans, span{p.pos, end})
		p.pos = end + 2
		p.bulk = -1
		p.remaining--
	}
	argv = p.argv[:0]
	for _, s := range p.spans {
		argv = append(argv, b[s.start:s.end:s.end])
	}
	p.argv = argv
	n = p.pos
	p.inMultibulk, p.pos = false, 0
	return argv, n, nil
}

func (p *parser) fail(err error) error {
	p.inMultibulk, p.pos = false, 0
	return err
}

// need returns how many bytes of input, from the request's first byte, the
// parser knows it needs before it can make progress (0 if unknown).
func (p *parser) need() int64 {
	if p.inMultibulk && p.bulk >= 0 {
		return int64(p.pos) + p.bulk + 2
	}
	return 0
}

// parseInline parses an inline request (telnet, redis-cli's inline mode).
func parseInline(b []byte) ([][]byte, int, error) {
	nl := indexUntilNUL(b, '\n')
	if nl < 0 {
		if len(b) > inlineMaxSize {
			return nil, 0, errBigInline
		}
		return nil, 0, nil
	}
	end := nl
	if end > 0 && b[end-1] == '\r' {
		end--
	}
	argv, ok := engine.SplitArgs(b[:end])
	if !ok {
		return nil, 0, errUnbalanced
	}
	return argv, nl + 1, nil
}

// indexUntilNUL is strchr: the index of the first c in b, or -1 if there is
// none or a NUL byte comes first.
func indexUntilNUL(b []byte, c byte) int {
	for i, x := range b {
		if x == c {
			return i
		}
		if x == 0 {
			return -1
		}
	}
	return -1
}

// string2ll is Redis's string2ll (util.c): an optional '-', then digits
// without leading zeros ("0" alone excepted), no sign '+', no spaces, within
// int64, shorter than 21 bytes.
func string2ll(s []byte) (int64, bool) {
	if len(s) == 0 || len(s) >= 21 {
		return 0, false
	}
	if len(s) == 1 && s[0] == '0' {
		return 0, true
	}
	neg := false
	if s[0] == '-' {
		neg = true
		s = s[1:]
		if len(s) == 0 {
			return 0, false
		}
	}
	if s[0] < '1' || s[0] > '9' {
		return 0, false
	}
	var v uint64
	for _, c := range s {
		if c < '0' || c > '9' {
			return 0, false
		}
		if v > math.MaxUint64/10 {
			return 0, false
		}
		v *= 10
		if v > math.MaxUint64-uint64(c-'0') {
			return 0, false
		}
		v += uint64(c - '0')
	}
	if neg {
		if v > 1<<63 {
			return 0, false
		}
		return -int64(v), true
	}
	if v > math.MaxInt64 {
		return 0, false
	}
	return int64(v), true
}

// isSpace is C's isspace in the "C" locale.
func isSpace(c byte) bool {
	return c == ' ' || c == '\t' || c == '\n' || c == '\v' || c == '\f' || c == '\r'
}
