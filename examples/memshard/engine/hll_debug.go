package engine

import (
	"fmt"
	"strings"
)

// PFDEBUG GETREG|DECODE|ENCODING|TODENSE key, as Redis 7.0.15's
// pfdebugCommand (hyperloglog.c): HLL internals for tests and operators.
// The key is looked up as a write (no keyspace hit or miss) and its value
// unshared, before the subcommand is even known, as Redis does. GETREG
// and TODENSE turn a sparse HLL dense, a change Redis propagates without
// signaling the key (WATCH does not see it); here its effect is PFDEBUG
// TODENSE, which makes the same bytes on a replica.

func pfdebugCommandDef() *Command {
	return &Command{Name: "pfdebug", Arity: 3, Flags: []string{FlagWrite, FlagDenyOOM, FlagAdmin},
		FirstKey: 2, LastKey: 2, Step: 1, Handler: pfdebugCommand}
}

func pfdebugCommand(db *DB, c *Call) {
	key := c.Argv[2]
	e := db.Lookup(c, key)
	if e == nil {
		c.Out.Error("ERR The specified key does not exist")
		return
	}
	v, ok := hllOf(c, e)
	if !ok {
		return
	}
	e.strEnc, e.execArg = strRaw, false // dbUnshareStringValue
	switch strings.ToLower(string(c.Argv[1])) {
	case "getreg":
		if v, ok = hllDebugToDense(db, c, e, v); !ok {
			return
		}
		r := v[hllHdrSize:]
		c.Out.Array(hllRegisters)
		for i := range hllRegisters {
			c.Out.Int(int64(hllDenseGet(r, i)))
		}
	case "decode":
		if v[4] != hllSparse {
			c.Out.Error("ERR HLL encoding is not sparse")
			return
		}
		c.Out.BulkString(hllDecode(v))
	case "encoding":
		if v[4] == hllSparse {
			c.Out.Simple("sparse")
		} else {
			c.Out.Simple("dense")
		}
	case "todense":
		sparse := v[4] == hllSparse
		if _, ok = hllDebugToDense(db, c, e, v); !ok {
			return
		}
		if sparse {
			c.Out.Int(1)
		} else {
			c.Out.Int(0)
		}
	default:
		c.Out.Error(fmt.Sprintf("ERR Unknown PFDEBUG subcommand '%s'", c.Argv[1]))
	}
}

// hllDebugToDense turns e's sparse HLL v dense, counting a change and
// recording its effect; a dense v is returned as is. On corrupted sparse
// data it replies Redis's error and returns false.
func hllDebugToDense(db *DB, c *Call, e *Entry, v []byte) ([]byte, bool) {
	if v[4] != hllSparse {
		return v, true
	}
	d, ok := hllSparseToDense(v)
	if !ok {
		c.Out.Error(errHLLInvalid)
		return nil, false
	}
	e.Value = d
	db.dirty++
	c.Propagate([]byte("PFDEBUG"), []byte("TODENSE"), c.Argv[2])
	return d, true
}

// hllDecode is PFDEBUG DECODE's text of the sparse HLL v: each opcode as
// "z:run" (ZERO), "Z:run" (XZERO) or "v:value,run" (VAL), space-separated.
// An XZERO cut short at the end reads past it as Redis does (hllOp).
func hllDecode(v []byte) string {
	var b strings.Builder
	for i := hllHdrSize; i < len(v); {
		size, run, val := hllOp(v, i)
		if b.Len() > 0 {
			b.WriteByte(' ')
		}
		switch {
		case val != 0:
			fmt.Fprintf(&b, "v:%d,%d", val, run)
		case size == 2:
			fmt.Fprintf(&b, "Z:%d", run)
		default:
			fmt.Fprintf(&b, "z:%d", run)
		}
		i += size
	}
	return b.String()
}
