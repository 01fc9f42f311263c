package engine

import "github.com/quorumlog/quorumlog/examples/memshard/splitargs"

// SplitArgs is Redis's sdssplitargs: see splitargs.Split.
func SplitArgs(line []byte) (argv [][]byte, ok bool) { return splitargs.Split(line) }
