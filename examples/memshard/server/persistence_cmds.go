package server

// SAVE, BGSAVE, BGREWRITEAOF and LASTSAVE. A memshard node keeps no RDB
// file and no AOF: every write is in the shard's QuorumLog log before its
// reply, and off-box snapshots are the separate `memshard snapshot`
// process's. So the commands that would write those files say so, rather
// than report a save that did not happen.

const (
	errNoRDB = "ERR memshard writes no RDB file: every write is in the shard's QuorumLog log before its reply (snapshots: memshard snapshot)"
	errNoAOF = "ERR memshard has no append-only file: every write is in the shard's QuorumLog log before its reply"
)

// saveCmd is SAVE and BGSAVE [SCHEDULE].
func saveCmd(c *conn, argv [][]byte) Ticket {
	if len(argv) > 2 || len(argv) == 2 && !equalFold(argv[1], "schedule") {
		c.errorReply("ERR syntax error")
		return 0
	}
	c.errorReply(errNoRDB)
	return 0
}

func bgrewriteaofCmd(c *conn, argv [][]byte) Ticket {
	c.errorReply(errNoAOF)
	return 0
}

// lastsaveCmd is LASTSAVE: the node's start, as a Redis that has not
// saved since it started answers (INFO's rdb_last_save_time).
func lastsaveCmd(c *conn, argv [][]byte) Ticket {
	c.w.Int(c.s.started.Unix())
	return 0
}
