package main

import (
	"log/slog"
	"net"
	"net/http"
	"net/http/pprof"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/promhttp"
)

// serveDebug serves Prometheus metrics from g at /metrics and net/http/pprof
// at /debug/pprof/ (for `go tool pprof http://ADDR/debug/pprof/profile`) on
// addr. It runs until the process exits.
func serveDebug(addr string, g prometheus.Gatherer, logger *slog.Logger) error {
	lis, err := net.Listen("tcp", addr)
	if err != nil {
		return err
	}
	mux := http.NewServeMux()
	mux.Handle("/metrics", promhttp.HandlerFor(g, promhttp.HandlerOpts{
		ErrorLog: slog.NewLogLogger(logger.Handler(), slog.LevelWarn),
	}))
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
	logger.Info("serving metrics and pprof", "addr", lis.Addr().String())
	return nil
}
