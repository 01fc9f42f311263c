//go:build !linux

package server

import "runtime"

// osName is INFO's os field; off Linux, the Go platform names.
func osName() string { return runtime.GOOS + " " + runtime.GOARCH }

// processRSS is unknown off Linux: INFO shows the runtime's resident figure.
func processRSS() uint64 { return 0 }

// totalSystemMemory is unknown off Linux.
func totalSystemMemory() uint64 { return 0 }
