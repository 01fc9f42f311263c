package engine

// ZSet is a sorted set value. (To be written.)
type ZSet struct{}

// zsetCommands: the sorted-set family. (To be written.)
func zsetCommands() []*Command { return nil }
