package engine

import "github.com/quorumlog/quorumlog/examples/memshard/hashslot"

// The two CLUSTER subcommands that read the keyspace: COUNTKEYSINSLOT and
// GETKEYSINSLOT. The server answers every other CLUSTER subcommand; it
// hands these to the backend as data commands (keyless reads), so that
// the client blocking layer holds their replies for every uncommitted
// write, MULTI runs them in order, and scripts may call them, as Redis's
// scripts may. A replica answers from its own keys, as Redis's does.

func clusterCommands() []*Command {
	flags := []string{FlagStale}
	return []*Command{{Name: "cluster", Arity: -2, Subcommands: map[string]*Command{
		"countkeysinslot": {Name: "cluster|countkeysinslot", Arity: 3, Flags: flags, Handler: clusterCountKeysInSlot},
		"getkeysinslot":   {Name: "cluster|getkeysinslot", Arity: 4, Flags: flags, Handler: clusterGetKeysInSlot},
	}}}
}

// clusterCountKeysInSlot: CLUSTER COUNTKEYSINSLOT slot, from the counts
// the keyspace keeps (expired keys not yet deleted included, as Redis's
// countKeysInSlot counts them).
func clusterCountKeysInSlot(db *DB, c *Call) {
	slot, ok := parseInt(c.Argv[2])
	switch {
	case !ok:
		c.Out.Error(ErrNotInteger)
	case slot < 0 || slot >= hashslot.Count:
		c.Out.Error("ERR Invalid slot")
	default:
		c.Out.Int(int64(db.keys.slots[slot]))
	}
}

// clusterGetKeysInSlot: CLUSTER GETKEYSINSLOT slot count. Redis lists a
// slot's keys newest first (its per-slot key list); memshard keeps no
// such list and lists them in the keyspace's order.
func clusterGetKeysInSlot(db *DB, c *Call) {
	slot, ok := parseInt(c.Argv[2])
	if !ok {
		c.Out.Error(ErrNotInteger)
		return
	}
	count, ok := parseInt(c.Argv[3])
	if !ok {
		c.Out.Error(ErrNotInteger)
		return
	}
	if slot < 0 || slot >= hashslot.Count || count < 0 {
		c.Out.Error("ERR Invalid slot or number of keys")
		return
	}
	keys := db.keys.inSlot(int(slot), count)
	c.Out.Array(len(keys))
	for _, k := range keys {
		c.Out.BulkString(k)
	}
}

// CheckSlotCounts recounts the keys of every hash slot and compares with
// the counts CLUSTER COUNTKEYSINSLOT answers from; the error names the
// first slot that differs. Tests call it after their command streams.
func (db *DB) CheckSlotCounts() error { return db.keys.checkSlots() }
