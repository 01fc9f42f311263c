package engine

import "github.com/quorumlog/quorumlog/examples/memshard/glob"

// stringMatch is Redis's stringmatchlen(pattern, s, nocase=0).
func stringMatch(pattern, s []byte) bool { return glob.Match(pattern, s) }

// stringMatchNoCase is stringmatchlen(pattern, s, nocase=1).
func stringMatchNoCase(pattern, s []byte) bool { return glob.MatchNoCase(pattern, s) }
