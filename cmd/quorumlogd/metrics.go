package main

import (
	"fmt"

	gometrics "github.com/hashicorp/go-metrics/compat"
	gometricsprom "github.com/hashicorp/go-metrics/compat/prometheus"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
)

// newRegistry returns the process's metrics registry: Go runtime and process
// collectors, and hashicorp/raft's own metrics (raft_*). Nodes and services
// register theirs (quorumlog_*) through their Config.
func newRegistry() (*prometheus.Registry, error) {
	reg := prometheus.NewRegistry()
	reg.MustRegister(
		collectors.NewGoCollector(),
		collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}),
	)
	if err := bridgeRaftMetrics(reg); err != nil {
		return nil, err
	}
	return reg, nil
}

// bridgeRaftMetrics routes the process-global go-metrics sink, which
// hashicorp/raft and raft-boltdb report to, into reg. There is one such sink
// per process: in `quorumlogd dev` the raft_* series are the three nodes'
// merged. The compat packages follow whichever go-metrics implementation raft
// is built with (armon/go-metrics unless the hashicorpmetrics build tag).
func bridgeRaftMetrics(reg prometheus.Registerer) error {
	opts := gometricsprom.DefaultPrometheusOpts
	opts.Registerer = reg
	opts.Name = "quorumlogd_raft_metrics_bridge"
	sink, err := gometricsprom.NewPrometheusSinkFrom(opts)
	if err != nil {
		return fmt.Errorf("raft metrics: %w", err)
	}
	conf := gometrics.DefaultConfig("") // no prefix: raft's names, e.g. raft_commitTime
	conf.EnableHostname = false
	conf.EnableHostnameLabel = false
	conf.EnableRuntimeMetrics = false // the Go collector covers the runtime
	if _, err := gometrics.NewGlobal(conf, sink); err != nil {
		return fmt.Errorf("raft metrics: %w", err)
	}
	return nil
}
