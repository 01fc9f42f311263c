package engine

import (
	"math"
	"slices"
	"strconv"
)

// dumpChunk is the most elements one dumped command carries; a bigger
// value takes several commands, so no single command grows with the value.
const dumpChunk = 512

// Dump calls emit with commands that, executed in order on an empty DB as
// effects (Call.Replay), rebuild every ACL user (first, by name: ACL
// SETUSER with the user's canonical rules), every function library it
// holds (then, by name: FUNCTION LOAD REPLACE with the library's code)
// and every key: its value, in its iteration order, and its expiry. It is how a snapshot
// is written. Keys come in no particular order. argv is emit's to keep.
//
// Keys past their expiry are dumped too, with it: as on a replica, a key
// exists until the primary's DEL for it arrives in the log, and effects that
// follow in the log may still find it (the primary's clock decides, not the
// dumper's).
//
// Encodings are those a fresh build of each value gets, as when Redis loads
// an RDB file: a set or hash that grew past the listpack or intset limits
// and shrank again comes back in the compact encoding. A value in an
// encoding only RESTORE or a shrunk intset gives (keepsPayloadEncoding),
// which Redis's RDB file keeps, is dumped as RESTORE of its payload.
func (db *DB) Dump(emit func(argv [][]byte) error) error {
	if err := db.dumpUsers(emit); err != nil {
		return err
	}
	err := db.dumpFunctions(emit)
	if err != nil {
		return err
	}
	db.keys.each(func(k string, e *Entry) bool {
		if err = dumpValue(k, e.Value, emit); err != nil {
			return false
		}
		if e.ExpireAt != 0 {
			argv := [][]byte{[]byte("PEXPIREAT"), []byte(k), strconv.AppendInt(nil, e.ExpireAt, 10)}
			err = emit(argv)
		}
		return err == nil
	})
	return err
}

func dumpValue(key string, v any, emit func(argv [][]byte) error) error {
	if keepsPayloadEncoding(v) {
		// An encoding no build by commands gives, which Redis keeps
		// through an RDB file: the value goes in as its DUMP payload.
		return emit([][]byte{[]byte("RESTORE"), []byte(key), []byte("0"), dumpPayload(&Entry{Value: v}), []byte("REPLACE")})
	}
	var (
		argv [][]byte
		head int // the command name and key
		err  error
	)
	start := func(cmd string) {
		argv = append(argv[:0:0], []byte(cmd), []byte(key))
		head = 2
	}
	add := func(args ...string) {
		for _, a := range args {
			argv = append(argv, []byte(a))
		}
		if len(argv)-head >= dumpChunk*len(args) {
			err, argv = emit(argv), append(argv[:0:0], argv[:head]...)
		}
	}
	flush := func() error {
		if err == nil && len(argv) > head {
			err = emit(argv)
		}
		return err
	}
	switch v := v.(type) {
	case []byte:
		return emit([][]byte{[]byte("SET"), []byte(key), append([]byte(nil), v...)})
	case *List:
		start("RPUSH")
		for i := 0; i < v.Len() && err == nil; i++ {
			add(v.At(i))
		}
	case *Set:
		start("SADD")
		v.Each(func(m string) bool { add(m); return err == nil })
	case *Hash:
		start("HSET")
		v.Each(func(f, val string) bool { add(f, val); return err == nil })
	case *Stream:
		return dumpStream(key, v, emit)
	case *ZSet:
		// Redis loads a set that LoadsAsSkiplist straight into that
		// encoding, which keeps -0 scores; ZADD stores as 0 the -0 of a
		// member it adds while the set is listpack-sized. So such members
		// go in with a stand-in score, and get -0 once the set is whole.
		keep := v.LoadsAsSkiplist()
		var negZero []string
		start("ZADD")
		v.Range(func(m string, score float64) bool {
			if keep && score == 0 && math.Signbit(score) {
				negZero = append(negZero, m)
				score = 1
			}
			add(strconv.FormatFloat(score, 'g', -1, 64), m)
			return err == nil
		})
		if len(negZero) == 0 {
			break
		}
		if err = flush(); err != nil {
			return err
		}
		start("ZADD")
		for _, m := range negZero {
			add("-0", m)
		}
	}
	return flush()
}

// keepsPayloadEncoding reports whether v is in an encoding commands do not
// build afresh but Redis keeps through an RDB file: a listpack hash or
// sorted set holding an element longer than 64 bytes (as RESTORE leaves
// one), an intset wider than its integers need (one shrank), a list whose
// quicklist nodes are not those of tail pushes (LPUSH built it).
func keepsPayloadEncoding(v any) bool {
	switch v := v.(type) {
	case *Hash:
		long := false
		if v.listpack {
			v.Each(func(f, val string) bool {
				long = len(f) > hashMaxListpackValue || len(val) > hashMaxListpackValue
				return !long
			})
		}
		return long
	case *ZSet:
		if !v.big {
			for m := range v.dict {
				if len(m) > zsetMaxListpackValue {
					return true
				}
			}
		}
	case *List:
		model := v.qlModel()
		return model != nil && !slices.Equal(model, tailPushNodes(v))
	case *Set:
		if v.ht == nil {
			need := 2
			for _, i := range v.ints {
				need = max(need, intsetWidth(i))
			}
			return v.width > need
		}
	}
	return false
}
