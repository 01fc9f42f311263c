package server

import (
	"fmt"
	"os"
	"runtime"
	"strings"
	"time"
)

// INFO [section ...]: Redis 7.0's sections, in its order, "# Name" headers
// and name:value lines separated by CRLF, sections by an empty line; a
// verbatim string in RESP3. server, clients, stats, replication, cpu,
// cluster are this package's; memory, persistence, stats, replication and
// keyspace append Backend.Info's lines.

var infoSections = []string{"server", "clients", "memory", "persistence", "stats", "replication", "cpu", "modules", "errorstats", "cluster", "keyspace"}

func infoCmd(c *conn, argv [][]byte) Ticket {
	want := map[string]bool{}
	if len(argv) == 1 {
		want["default"] = true
	}
	for _, a := range argv[1:] {
		want[strings.ToLower(string(a))] = true
	}
	all := want["default"] || want["all"] || want["everything"]
	var b strings.Builder
	n := 0
	for _, sec := range infoSections {
		if !all && !want[sec] {
			continue
		}
		if n > 0 {
			b.WriteString("\r\n")
		}
		n++
		b.WriteString("# ")
		b.WriteString(infoTitle(sec))
		b.WriteString("\r\n")
		c.s.infoSection(&b, sec)
		if extra := c.s.backend.Info(sec); extra != "" {
			for _, line := range strings.Split(strings.TrimRight(extra, "\r\n"), "\n") {
				b.WriteString(strings.TrimSuffix(line, "\r"))
				b.WriteString("\r\n")
			}
		}
	}
	c.verbatim(b.String())
	return 0
}

func infoTitle(sec string) string {
	if sec == "cpu" {
		return "CPU"
	}
	return strings.ToUpper(sec[:1]) + sec[1:]
}

func (s *Server) infoSection(b *strings.Builder, sec string) {
	kv := func(k string, v any) { fmt.Fprintf(b, "%s:%v\r\n", k, v) }
	switch sec {
	case "server":
		now := time.Now()
		_, port := splitAddr(s.backend.Topology().Self.Addr)
		exe, _ := os.Executable()
		up := int64(now.Sub(s.started).Seconds())
		kv("redis_version", serverVersion)
		kv("redis_git_sha1", "00000000")
		kv("redis_git_dirty", 0)
		kv("redis_build_id", "0")
		kv("redis_mode", "cluster")
		kv("os", runtime.GOOS+" "+runtime.GOARCH)
		kv("arch_bits", 64)
		kv("monotonic_clock", "POSIX clock_gettime")
		kv("multiplexing_api", "epoll")
		kv("atomicvar_api", "c11-builtin")
		kv("gcc_version", "0.0.0")
		kv("process_id", os.Getpid())
		kv("process_supervised", "no")
		kv("run_id", s.runID)
		kv("tcp_port", port)
		kv("server_time_usec", now.UnixMicro())
		kv("uptime_in_seconds", up)
		kv("uptime_in_days", up/86400)
		kv("hz", 10)
		kv("configured_hz", 10)
		kv("lru_clock", now.Unix()&(1<<24-1))
		kv("executable", exe)
		kv("config_file", "")
		kv("io_threads_active", 0)
		kv("memshard_go_version", runtime.Version())
	case "clients":
		s.mu.Lock()
		n := len(s.conns)
		s.mu.Unlock()
		kv("connected_clients", n)
		kv("cluster_connections", 0)
		kv("maxclients", 10000)
		kv("client_recent_max_input_buffer", 0)
		kv("client_recent_max_output_buffer", 0)
		kv("blocked_clients", 0)
		kv("tracking_clients", 0)
		kv("clients_in_timeout_table", 0)
	case "memory":
		var m runtime.MemStats
		runtime.ReadMemStats(&m)
		kv("used_memory", m.HeapAlloc)
		kv("used_memory_human", humanBytes(m.HeapAlloc))
		kv("used_memory_rss", m.Sys)
		kv("used_memory_rss_human", humanBytes(m.Sys))
		kv("maxmemory", 0)
		kv("maxmemory_human", "0B")
		kv("maxmemory_policy", "noeviction")
		kv("mem_allocator", "go")
	case "stats":
		kv("total_connections_received", s.stats.connections.Load())
		kv("total_commands_processed", s.stats.commands.Load())
		kv("instantaneous_ops_per_sec", 0)
		kv("total_net_input_bytes", s.stats.netIn.Load())
		kv("total_net_output_bytes", s.stats.netOut.Load())
		kv("rejected_connections", s.stats.rejected.Load())
		kv("total_error_replies", s.stats.errors.Load())
	case "replication":
		topo := s.backend.Topology()
		if topo.Role == "slave" {
			host, port := splitAddr(topo.Primary.Addr)
			link := "up"
			if !topo.Serving {
				link = "down"
			}
			kv("role", "slave")
			kv("master_host", host)
			kv("master_port", port)
			kv("master_link_status", link)
			kv("slave_repl_offset", topo.AppliedID)
			kv("slave_read_only", 1)
			kv("connected_slaves", 0)
		} else {
			kv("role", "master")
			kv("connected_slaves", len(topo.Replicas))
			for i, r := range topo.Replicas {
				host, port := splitAddr(r.Addr)
				kv(fmt.Sprintf("slave%d", i), fmt.Sprintf("ip=%s,port=%d,state=online,offset=%d,lag=0", host, port, topo.AppliedID))
			}
		}
		kv("master_repl_offset", topo.AppliedID)
		kv("memshard_lag_ids", topo.LagIDs)
	case "cpu":
		sys, user := cpuTimes()
		kv("used_cpu_sys", fmt.Sprintf("%.6f", sys))
		kv("used_cpu_user", fmt.Sprintf("%.6f", user))
	case "cluster":
		kv("cluster_enabled", 1)
	}
}

func humanBytes(n uint64) string {
	switch {
	case n < 1024:
		return fmt.Sprintf("%dB", n)
	case n < 1<<20:
		return fmt.Sprintf("%.2fK", float64(n)/1024)
	case n < 1<<30:
		return fmt.Sprintf("%.2fM", float64(n)/(1<<20))
	}
	return fmt.Sprintf("%.2fG", float64(n)/(1<<30))
}
