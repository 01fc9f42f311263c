package engine

import (
	"math"
	"strconv"

	"github.com/quorumlog/quorumlog/examples/memshard/resp"
)

// The cursor, options and reply shared by the SCAN family (SCAN parses its
// own options: see scanScan).

const errInvalidCursor = "ERR invalid cursor"

// parseScanCursor parses a SCAN cursor as Redis's parseScanCursorOrReply:
// C's strtoul in base 10 over the string up to a NUL ("" is 0, "-1" is
// 2^64-1), no leading space, no overflow.
func parseScanCursor(b []byte) (uint64, bool) {
	if len(b) > 0 && isCSpace(b[0]) {
		return 0, false
	}
	b = cString(b)
	i, neg := 0, false
	if i < len(b) && (b[i] == '+' || b[i] == '-') {
		neg = b[i] == '-'
		i++
	}
	if i == len(b) { // no digits: strtoul converts nothing, the end is the start
		return 0, len(b) == 0
	}
	var v uint64
	for ; i < len(b); i++ {
		d := b[i]
		if d < '0' || d > '9' {
			return 0, false
		}
		if v > (math.MaxUint64-uint64(d-'0'))/10 {
			return 0, false
		}
		v = v*10 + uint64(d-'0')
	}
	if neg {
		v = -v
	}
	return v, true
}

// scanKeyArgs starts HSCAN, SSCAN and ZSCAN (key cursor [options]) in
// Redis's order: it parses the cursor, looks the key up as a T, replies
// the empty scan if it is missing, then parses the options. ok is false
// when it has replied.
func scanKeyArgs[T comparable](db *DB, c *Call) (v T, cursor uint64, o scanOpts, ok bool) {
	if cursor, ok = parseScanCursor(c.Argv[2]); !ok {
		c.Out.Error(errInvalidCursor)
		return v, 0, o, false
	}
	if v, ok = readValue[T](db, c, c.Argv[1]); !ok {
		return v, 0, o, false
	}
	var missing T
	if v == missing {
		writeScanReply(c.Out, 0, nil)
		return v, 0, o, false
	}
	o, ok = parseScanOptions(c, c.Argv[3:])
	return v, cursor, o, ok
}

// scanOpts are the COUNT and MATCH options of HSCAN, SSCAN and ZSCAN.
type scanOpts struct {
	count  int64
	pat    []byte
	usePat bool
}

// parseScanOptions parses the options after the cursor as
// scanGenericCommand does for a key's elements, replying with the error if
// they are invalid.
func parseScanOptions(c *Call, args [][]byte) (scanOpts, bool) {
	o := scanOpts{count: 10}
	for i := 0; i < len(args); {
		more := len(args) - i
		switch {
		case equalFold(args[i], "count") && more >= 2:
			n, ok := argInt(c, args[i+1], "")
			if !ok {
				return o, false
			}
			if n < 1 {
				c.Out.Error(ErrSyntax)
				return o, false
			}
			o.count = n
			i += 2
		case equalFold(args[i], "match") && more >= 2:
			o.pat = args[i+1]
			o.usePat = !(len(o.pat) == 1 && o.pat[0] == '*')
			i += 2
		default:
			c.Out.Error(ErrSyntax)
			return o, false
		}
	}
	return o, true
}

// match reports whether s passes the MATCH option.
func (o *scanOpts) match(s string) bool {
	return !o.usePat || stringMatch(o.pat, []byte(s))
}

// writeScanReply writes a SCAN reply: the cursor and the elements.
func writeScanReply(w *resp.Writer, cursor uint64, elems []string) {
	w.Array(2)
	w.BulkString(strconv.FormatUint(cursor, 10))
	w.Array(len(elems))
	for _, e := range elems {
		w.BulkString(e)
	}
}
