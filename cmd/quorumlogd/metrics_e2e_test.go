package main

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/quorumlog/quorumlog/cmd/internal/proctest"
)

// debugClient keeps no idle connections, so no goroutine outlives a test
// (TestMain checks with goleak).
var debugClient = &http.Client{Timeout: 5 * time.Second, Transport: &http.Transport{DisableKeepAlives: true}}

// scrape GETs http://addr/metrics and returns the body.
func scrape(addr string) (string, error) {
	resp, err := debugClient.Get("http://" + addr + "/metrics")
	if err != nil {
		return "", err
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		return "", err
	}
	if resp.StatusCode != http.StatusOK {
		return "", fmt.Errorf("GET /metrics: %s\n%s", resp.Status, b)
	}
	return string(b), nil
}

func TestE2E_MetricsOnDebugAddr(t *testing.T) {
	c := prepareCluster(t, clusterOptions{})
	debug := proctest.FreeAddrs(t, len(c.nodes))
	for i, nd := range c.nodes {
		nd.args = append(nd.args, "--debug-addr", debug[i])
		c.start(i)
	}
	c.waitReady()
	l := c.leader()
	cl := c.client()
	ctx, cancel := context.WithTimeout(t.Context(), 20*time.Second)
	defer cancel()
	if err := cl.CreateLog(ctx, "metrics"); err != nil {
		t.Fatalf("CreateLog: %v", err)
	}
	if _, err := cl.Append(ctx, "metrics", [][]byte{[]byte("a"), []byte("b")}); err != nil {
		t.Fatalf("Append: %v", err)
	}

	for i := range c.nodes {
		wantLeader := "quorumlog_quorum_is_leader 0"
		if i == l {
			wantLeader = "quorumlog_quorum_is_leader 1"
		}
		want := []string{
			wantLeader,
			"quorumlog_logstore_records_appended_total ",
			"quorumlog_logstore_recent_bytes 0", // nobody follows a log here
			"quorumlog_server_read_streams 0",
			"raft_", // hashicorp/raft's go-metrics, bridged
			"go_goroutines ",
			"process_cpu_seconds_total ",
		}
		if i == l {
			want = append(want,
				"quorumlog_quorum_commit_seconds_count ",
				`quorumlog_server_requests_total{code="OK",method="AppendStream.Append"} 1`,
				`quorumlog_server_requests_total{code="OK",method="CreateLog"} 1`,
			)
		}
		proctest.WaitFor(t, 10*time.Second, func() error {
			body, err := scrape(debug[i])
			if err != nil {
				return err
			}
			for _, w := range want {
				if !strings.Contains(body, w) {
					return fmt.Errorf("%s's /metrics lacks %q", c.nodes[i].id, w)
				}
			}
			return nil
		})
	}
	// pprof still answers next to /metrics.
	resp, err := debugClient.Get("http://" + debug[l] + "/debug/pprof/cmdline")
	if err != nil {
		t.Fatalf("GET /debug/pprof/cmdline: %v", err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		t.Errorf("GET /debug/pprof/cmdline: %s", resp.Status)
	}
}
