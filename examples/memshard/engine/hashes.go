package engine

// Hash is a hash value. (To be written.)
type Hash struct{}

// hashCommands: HSET HSETNX HGET HMSET HMGET HDEL HEXISTS HLEN HSTRLEN HKEYS
// HVALS HGETALL HINCRBY HINCRBYFLOAT HRANDFIELD HSCAN. (To be written.)
func hashCommands() []*Command { return nil }
