package engine

// stringCommands: GET SET SETNX SETEX PSETEX MGET MSET MSETNX INCR DECR INCRBY
// DECRBY INCRBYFLOAT APPEND STRLEN GETRANGE SETRANGE GETDEL GETEX GETSET.
// (To be written.)
func stringCommands() []*Command { return nil }
