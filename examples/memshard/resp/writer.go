// Package resp writes Redis protocol replies in RESP2 or RESP3.
package resp

import (
	"math"
	"strconv"
	"strings"
)

// Writer appends replies to a buffer in the connection's protocol version.
// The zero value writes RESP2. Not safe for concurrent use.
type Writer struct {
	buf   []byte
	proto int // 2 or 3
}

// NewWriter returns a Writer for protocol version proto (2 or 3).
func NewWriter(proto int) *Writer { return &Writer{proto: proto} }

// Proto returns the protocol version (2 or 3).
func (w *Writer) Proto() int {
	if w.proto == 3 {
		return 3
	}
	return 2
}

// SetProto switches the protocol version for later replies.
func (w *Writer) SetProto(p int) { w.proto = p }

// Bytes returns the buffered replies. They stay valid until the next write or Reset.
func (w *Writer) Bytes() []byte { return w.buf }

// Len returns the number of buffered bytes.
func (w *Writer) Len() int { return len(w.buf) }

// Truncate drops everything written after the first n bytes.
func (w *Writer) Truncate(n int) { w.buf = w.buf[:n] }

// Reset empties the buffer, keeping its memory.
func (w *Writer) Reset() { w.buf = w.buf[:0] }

// Raw appends already-encoded protocol bytes.
func (w *Writer) Raw(b []byte) { w.buf = append(w.buf, b...) }

// OK writes +OK.
func (w *Writer) OK() { w.buf = append(w.buf, "+OK\r\n"...) }

// Simple writes a simple string (+s). s must not contain CR or LF.
func (w *Writer) Simple(s string) {
	w.buf = append(w.buf, '+')
	w.buf = append(w.buf, s...)
	w.buf = append(w.buf, '\r', '\n')
}

// Error writes an error reply. msg starts with its code, as Redis's do:
// "ERR syntax error", "WRONGTYPE Operation against ...". As Redis does, CR
// and LF are trimmed from both ends and the rest become spaces.
func (w *Writer) Error(msg string) {
	w.buf = append(w.buf, '-')
	if strings.ContainsAny(msg, "\r\n") {
		msg = strings.NewReplacer("\r", " ", "\n", " ").Replace(strings.Trim(msg, "\r\n"))
	}
	w.buf = append(w.buf, msg...)
	w.buf = append(w.buf, '\r', '\n')
}

// Int writes an integer reply (:n).
func (w *Writer) Int(n int64) {
	w.buf = append(w.buf, ':')
	w.buf = strconv.AppendInt(w.buf, n, 10)
	w.buf = append(w.buf, '\r', '\n')
}

// Bulk writes a bulk string.
func (w *Writer) Bulk(b []byte) {
	w.buf = append(w.buf, '$')
	w.buf = strconv.AppendInt(w.buf, int64(len(b)), 10)
	w.buf = append(w.buf, '\r', '\n')
	w.buf = append(w.buf, b...)
	w.buf = append(w.buf, '\r', '\n')
}

// BulkString writes a bulk string.
func (w *Writer) BulkString(s string) {
	w.buf = append(w.buf, '$')
	w.buf = strconv.AppendInt(w.buf, int64(len(s)), 10)
	w.buf = append(w.buf, '\r', '\n')
	w.buf = append(w.buf, s...)
	w.buf = append(w.buf, '\r', '\n')
}

// BulkInt writes n as a bulk string.
func (w *Writer) BulkInt(n int64) { w.BulkString(strconv.FormatInt(n, 10)) }

// NullBulk writes a null bulk string: $-1 in RESP2, _ in RESP3.
func (w *Writer) NullBulk() {
	if w.Proto() == 3 {
		w.buf = append(w.buf, "_\r\n"...)
		return
	}
	w.buf = append(w.buf, "$-1\r\n"...)
}

// NullArray writes a null array: *-1 in RESP2, _ in RESP3.
func (w *Writer) NullArray() {
	if w.Proto() == 3 {
		w.buf = append(w.buf, "_\r\n"...)
		return
	}
	w.buf = append(w.buf, "*-1\r\n"...)
}

func (w *Writer) header(c byte, n int) {
	w.buf = append(w.buf, c)
	w.buf = strconv.AppendInt(w.buf, int64(n), 10)
	w.buf = append(w.buf, '\r', '\n')
}

// Array starts an array of n elements.
func (w *Writer) Array(n int) { w.header('*', n) }

// Push starts a push of n elements (Pub/Sub messages and confirmations):
// >n in RESP3, an array in RESP2.
func (w *Writer) Push(n int) {
	if w.Proto() == 3 {
		w.header('>', n)
		return
	}
	w.header('*', n)
}

// Map starts a map of n key-value pairs: %n in RESP3, an array of 2n in RESP2.
func (w *Writer) Map(n int) {
	if w.Proto() == 3 {
		w.header('%', n)
		return
	}
	w.header('*', 2*n)
}

// Set starts a set of n elements: ~n in RESP3, an array in RESP2.
func (w *Writer) Set(n int) {
	if w.Proto() == 3 {
		w.header('~', n)
		return
	}
	w.header('*', n)
}

// Double writes a double as Redis 7.0 does: ",%.17g" in RESP3, a bulk
// string in RESP2; infinities are "inf" and "-inf".
func (w *Writer) Double(f float64) {
	var s string
	switch {
	case math.IsInf(f, 1):
		s = "inf"
	case math.IsInf(f, -1):
		s = "-inf"
	default:
		s = strconv.FormatFloat(f, 'g', 17, 64)
	}
	if w.Proto() == 3 {
		w.buf = append(w.buf, ',')
		w.buf = append(w.buf, s...)
		w.buf = append(w.buf, '\r', '\n')
		return
	}
	w.BulkString(s)
}

// Bool writes a boolean: #t/#f in RESP3, :1/:0 in RESP2.
func (w *Writer) Bool(b bool) {
	if w.Proto() == 3 {
		if b {
			w.buf = append(w.buf, "#t\r\n"...)
		} else {
			w.buf = append(w.buf, "#f\r\n"...)
		}
		return
	}
	if b {
		w.Int(1)
	} else {
		w.Int(0)
	}
}
