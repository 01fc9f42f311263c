//go:build linux

package server

import (
	"bufio"
	"bytes"
	"os"
	"strconv"
	"strings"
	"syscall"
)

// osName is INFO's os field as Redis writes it: uname's sysname, release
// and machine ("Linux 6.1.0-18-amd64 x86_64").
func osName() string {
	var u syscall.Utsname
	if syscall.Uname(&u) != nil {
		return "Linux"
	}
	return cField(u.Sysname[:]) + " " + cField(u.Release[:]) + " " + cField(u.Machine[:])
}

// cField is a NUL-terminated Utsname field (int8 or uint8 by platform).
func cField[T int8 | uint8](f []T) string {
	b := make([]byte, 0, len(f))
	for _, c := range f {
		if c == 0 {
			break
		}
		b = append(b, byte(c))
	}
	return string(b)
}

// processRSS is the process's resident set in bytes, as Redis reads it
// from /proc (zmalloc_get_rss); 0 if unknown.
func processRSS() uint64 {
	b, err := os.ReadFile("/proc/self/statm")
	if err != nil {
		return 0
	}
	f := bytes.Fields(b)
	if len(f) < 2 {
		return 0
	}
	pages, err := strconv.ParseUint(string(f[1]), 10, 64)
	if err != nil {
		return 0
	}
	return pages * uint64(os.Getpagesize())
}

// totalSystemMemory is the machine's physical memory in bytes (MemTotal,
// what Redis's sysconf(_SC_PHYS_PAGES) * page size gives); 0 if unknown.
func totalSystemMemory() uint64 {
	f, err := os.Open("/proc/meminfo")
	if err != nil {
		return 0
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		rest, ok := strings.CutPrefix(sc.Text(), "MemTotal:")
		if !ok {
			continue
		}
		kb, err := strconv.ParseUint(strings.TrimSuffix(strings.TrimSpace(rest), " kB"), 10, 64)
		if err != nil {
			return 0
		}
		return kb * 1024
	}
	return 0
}
