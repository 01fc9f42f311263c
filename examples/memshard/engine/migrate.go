package engine

import (
	"bytes"
	"math"
	"strconv"
	"strings"
	"time"

	"github.com/quorumlog/quorumlog/examples/memshard/migrate"
	"github.com/quorumlog/quorumlog/examples/memshard/resp"
)

// MIGRATE host port key|"" destination-db timeout [COPY] [REPLACE]
// [AUTH password | AUTH2 username password] [KEYS key ...], as Redis 7.0's
// migrateCommand (cluster.c): the keys' DUMP payloads go to the target as
// RESTORE-ASKING commands (memshard is a cluster node), and each key the
// target acknowledged is deleted here unless COPY, its DEL the effect.
//
// The exchange itself is the caller's (Call.Migrate): a Redis server
// blocks in it, and memshard's primary blocks its commands but not its
// log, which goes on renewing the lease and committing (shard package).

// migrateCommandDef is MIGRATE's table entry.
func migrateCommandDef() *Command {
	return &Command{Name: "migrate", Arity: -6, Flags: []string{FlagWrite, "movablekeys"},
		FirstKey: 3, LastKey: 3, Step: 1, KeysFunc: migrateKeys, Handler: migrateCommand, External: true}
}

// migrateKeys is Redis's migrateGetKeys: the key argument, or, when it is
// empty, whatever follows the first KEYS from the sixth argument on.
func migrateKeys(argv [][]byte) [][]byte {
	if len(argv) < 4 {
		return nil
	}
	if len(argv[3]) == 0 {
		for i := 6; i < len(argv); i++ {
			if bytes.EqualFold(argv[i], []byte("keys")) {
				return argv[i+1:]
			}
		}
	}
	return argv[3:4]
}

// migrateArgs are MIGRATE's options.
type migrateArgs struct {
	copy, replace      bool
	username, password string
	auth               bool
	keys               [][]byte
	redacted           []int // AUTH's and AUTH2's arguments, as parsed
}

// parseMigrateArgs reads MIGRATE's options as migrateCommand does, in its
// order of checks; on an error it replies and returns false.
func parseMigrateArgs(c *Call) (migrateArgs, bool) {
	a := migrateArgs{keys: c.Argv[3:4]}
	argv := c.Argv
	for j := 6; j < len(argv); j++ {
		more := len(argv) - 1 - j
		switch strings.ToLower(string(argv[j])) {
		case "copy":
			a.copy = true
		case "replace":
			a.replace = true
		case "auth":
			if more < 1 {
				c.Out.Error(ErrSyntax)
				return a, false
			}
			j++
			a.auth, a.password = true, string(argv[j])
			a.redacted = append(a.redacted, j)
		case "auth2":
			if more < 2 {
				c.Out.Error(ErrSyntax)
				return a, false
			}
			a.auth, a.username, a.password = true, string(argv[j+1]), string(argv[j+2])
			a.redacted = append(a.redacted, j+1, j+2)
			j += 2
		case "keys":
			if len(argv[3]) != 0 {
				c.Out.Error("ERR When using MIGRATE KEYS option, the key argument must be set to the empty string")
				return a, false
			}
			a.keys = argv[j+1:]
			return a, true
		default:
			c.Out.Error(ErrSyntax)
			return a, false
		}
	}
	return a, true
}

// MigrateRedactions returns the arguments of a MIGRATE call that MONITOR
// and the slow log show as "(redacted)": its passwords and user names, as
// far as its options parse (Redis redacts them as it reads them).
func MigrateRedactions(argv [][]byte) []int {
	if len(argv) < 6 {
		return nil
	}
	c := &Call{Argv: argv, Out: resp.NewWriter(2)}
	a, _ := parseMigrateArgs(c)
	return a.redacted
}

func migrateCommand(db *DB, c *Call) {
	a, ok := parseMigrateArgs(c)
	if !ok {
		return
	}
	timeout, ok := argInt(c, c.Argv[5], "")
	if !ok {
		return
	}
	dbid, ok := argInt(c, c.Argv[4], "")
	if !ok {
		return
	}
	if timeout <= 0 {
		timeout = 1000
	}
	// The keys that are here; none: NOKEY, not an error (they may have
	// just expired).
	var keys [][]byte
	var entries []*Entry
	for _, k := range a.keys {
		if e := db.lookupRead(c, k); e != nil {
			keys, entries = append(keys, k), append(entries, e)
		}
	}
	if len(keys) == 0 {
		c.Out.Simple("NOKEY")
		return
	}
	if c.Migrate == nil {
		c.Out.Error(ErrMigrateHere)
		return
	}
	req := migrate.Request{
		Host: string(c.Argv[1]), Port: string(c.Argv[2]),
		Timeout: time.Duration(min(timeout, math.MaxInt64/int64(time.Millisecond))) * time.Millisecond,
		DB:      dbid, Username: a.username,
	}
	if a.auth {
		req.Auth, req.Password = true, a.password
	}
	var sent [][]byte
	for i, e := range entries {
		var ttl int64
		if e.ExpireAt != 0 {
			if ttl = e.ExpireAt - c.Now; ttl < 0 {
				continue
			}
			ttl = max(ttl, 1)
		}
		argv := [][]byte{[]byte("RESTORE-ASKING"), keys[i], strconv.AppendInt(nil, ttl, 10), dumpPayload(e)}
		if a.replace {
			argv = append(argv, []byte("REPLACE"))
		}
		req.Restores = append(req.Restores, argv)
		sent = append(sent, keys[i])
	}
	res := c.Migrate(req)
	if !a.copy {
		// The keys the target has now are gone from here, replicated as
		// one DEL, as Redis rewrites MIGRATE for its replicas.
		deleted := [][]byte{[]byte("DEL")}
		for j, acked := range res.Acked {
			if acked && db.Delete(string(sent[j])) {
				db.notify(c, NotifyGeneric, "del", sent[j])
				deleted = append(deleted, sent[j])
			}
		}
		if len(deleted) > 1 {
			c.PropagateOwned(deleted)
		}
	}
	if res.Err != "" {
		c.Out.Error(res.Err)
		return
	}
	c.Out.OK()
}

// ErrMigrateHere answers a MIGRATE inside MULTI (when it is queued) or a
// script, which memshard refuses where Redis runs it: what it sends to
// another server cannot wait, inside the block, for the writes before it
// to commit (nobody may see a write that could still be lost).
const ErrMigrateHere = "ERR MIGRATE is not allowed inside MULTI or a script on memshard"

// IsMigrate reports whether name is MIGRATE's: the backends run it apart,
// and check every command's name for it without a table lookup.
func IsMigrate(name []byte) bool {
	return len(name) == len("migrate") && bytes.EqualFold(name, []byte("migrate"))
}
