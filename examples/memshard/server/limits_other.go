//go:build !unix

package server

// openFilesLimit is 0 (unknown): maxclients is not checked against it.
func openFilesLimit() uint64 { return 0 }
