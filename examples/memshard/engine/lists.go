package engine

// List is a list value. (To be written.)
type List struct{}

// listCommands: LPUSH RPUSH LPUSHX RPUSHX LPOP RPOP LLEN LRANGE LINDEX LSET
// LINSERT LREM LTRIM LPOS LMOVE RPOPLPUSH. (To be written.)
func listCommands() []*Command { return nil }
