//go:build unix

package client

import (
	"os"
	"syscall"
)

// inode returns fi's inode number: a file renamed over another keeps the
// mtime it was written with, which may be older than the one it replaces.
func inode(fi os.FileInfo) uint64 {
	if st, ok := fi.Sys().(*syscall.Stat_t); ok {
		return uint64(st.Ino)
	}
	return 0
}
