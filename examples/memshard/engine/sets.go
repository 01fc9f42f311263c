package engine

// Set is a set value. (To be written.)
type Set struct{}

// setCommands: SADD SREM SCARD SISMEMBER SMISMEMBER SMEMBERS SPOP SRANDMEMBER
// SMOVE SINTER SINTERCARD SINTERSTORE SUNION SUNIONSTORE SDIFF SDIFFSTORE
// SSCAN. (To be written.)
func setCommands() []*Command { return nil }
