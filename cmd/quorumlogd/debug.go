package main

import (
	"log/slog"
	"net"
	"net/http"
	"net/http/pprof"
)

// serveDebug serves net/http/pprof on addr (for `go tool pprof
// http://ADDR/debug/pprof/profile`). It runs until the process exits.
func serveDebug(addr string, logger *slog.Logger) error {
	lis, err := net.Listen("tcp", addr)
	if err != nil {
		return err
	}
	mux := http.NewServeMux()
	mux.HandleFunc("/debug/pprof/", pprof.Index)
	mux.HandleFunc("/debug/pprof/cmdline", pprof.Cmdline)
	mux.HandleFunc("/debug/pprof/profile", pprof.Profile)
	mux.HandleFunc("/debug/pprof/symbol", pprof.Symbol)
	mux.HandleFunc("/debug/pprof/trace", pprof.Trace)
	go func() {
		if err := http.Serve(lis, mux); err != nil {
			logger.Warn("debug server stopped", "err", err)
		}
	}()
	logger.Info("serving pprof", "addr", lis.Addr().String())
	return nil
}
