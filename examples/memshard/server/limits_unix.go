//go:build unix

package server

import "syscall"

// openFilesLimit is the process's open files limit (RLIMIT_NOFILE's soft
// limit), or 0 if unknown.
func openFilesLimit() uint64 {
	var rl syscall.Rlimit
	if err := syscall.Getrlimit(syscall.RLIMIT_NOFILE, &rl); err != nil {
		return 0
	}
	return uint64(rl.Cur)
}
