package server

import (
	"fmt"
	"hash/fnv"
	"os"
	"runtime"
	"runtime/debug"
	"strconv"
	"strings"
	"time"
)

// The fields of INFO's server, clients, persistence, stats, replication
// and cpu sections, in genRedisInfoString's order. Fields of things
// memshard does not have (RDB, AOF, forks, Lua, pub/sub, tracking,
// defrag, Redis's replication stream) hold what an idle Redis with
// persistence off prints.

func (s *Server) serverFields() (fields, extra []infoField) {
	now := time.Now()
	_, port := splitAddr(s.backend.Topology().Self.Addr)
	exe, _ := os.Executable()
	up := int64(now.Sub(s.started).Seconds())
	hz := s.configValue("hz")
	sha, dirty, buildID := buildIdentity()
	return []infoField{
			{"redis_version", serverVersion},
			{"redis_git_sha1", sha},
			{"redis_git_dirty", dirty},
			{"redis_build_id", buildID},
			{"redis_mode", "cluster"},
			{"os", osName()},
			{"arch_bits", strconv.Itoa(strconv.IntSize)},
			{"monotonic_clock", "POSIX clock_gettime"}, // the Go runtime's clock
			{"multiplexing_api", pollerName()},
			{"atomicvar_api", "c11-builtin"},
			{"gcc_version", "0.0.0"},
			{"process_id", strconv.Itoa(os.Getpid())},
			{"process_supervised", "no"},
			{"run_id", s.runID},
			{"tcp_port", strconv.Itoa(port)},
			{"server_time_usec", strconv.FormatInt(now.UnixMicro(), 10)},
			{"uptime_in_seconds", strconv.FormatInt(up, 10)},
			{"uptime_in_days", strconv.FormatInt(up/86400, 10)},
			{"hz", hz},
			{"configured_hz", hz},
			{"lru_clock", strconv.FormatInt(now.Unix()&(1<<24-1), 10)}, // LRU_CLOCK_RESOLUTION 1 s, 24 bits
			{"executable", exe},
			{"config_file", ""},
			{"io_threads_active", "0"},
		}, []infoField{
			{"memshard_go_version", runtime.Version()},
		}
}

// buildIdentity describes the memshard binary as Redis describes its
// own: the commit's first 8 hex digits ("00000000" if unknown), whether
// the tree had local changes, and a hash of the build (Go version,
// module versions, build settings) in hex.
func buildIdentity() (sha, dirty, id string) {
	sha, dirty = "00000000", "0"
	bi, ok := debug.ReadBuildInfo()
	if !ok {
		return sha, dirty, "0"
	}
	for _, st := range bi.Settings {
		switch st.Key {
		case "vcs.revision":
			if len(st.Value) >= 8 {
				sha = st.Value[:8]
			}
		case "vcs.modified":
			if st.Value == "true" {
				dirty = "1"
			}
		}
	}
	h := fnv.New64a()
	h.Write([]byte(bi.String()))
	return sha, dirty, strconv.FormatUint(h.Sum64(), 16)
}

// pollerName is the Go runtime's network poller: what multiplexing_api
// names for Redis's event loop.
func pollerName() string {
	switch runtime.GOOS {
	case "linux", "android":
		return "epoll"
	case "darwin", "ios", "freebsd", "netbsd", "openbsd", "dragonfly":
		return "kqueue"
	case "solaris", "illumos":
		return "evport"
	case "windows":
		return "iocp"
	}
	return "select"
}

func (s *Server) clientsFields() []infoField {
	s.mu.Lock()
	n := len(s.conns)
	s.mu.Unlock()
	trackClients, _, _, _ := s.tracker.info()
	return []infoField{
		{"connected_clients", strconv.Itoa(n)},
		{"cluster_connections", "0"}, // memshard nodes share no cluster bus
		{"maxclients", s.configValue("maxclients")},
		{"client_recent_max_input_buffer", "0"},
		{"client_recent_max_output_buffer", "0"},
		{"blocked_clients", i64(s.stats.info.blocked.Load())},
		{"tracking_clients", trackClients},
		{"clients_in_timeout_table", "0"},
	}
}

func (s *Server) persistenceFields() []infoField {
	return []infoField{
		{"loading", "0"},
		{"async_loading", "0"},
		{"current_cow_peak", "0"},
		{"current_cow_size", "0"},
		{"current_cow_size_age", "0"},
		{"current_fork_perc", "0.00"},
		{"current_save_keys_processed", "0"},
		{"current_save_keys_total", "0"},
		{"rdb_changes_since_last_save", "0"},
		{"rdb_bgsave_in_progress", "0"},
		{"rdb_last_save_time", strconv.FormatInt(s.started.Unix(), 10)}, // Redis: its start, until a save
		{"rdb_last_bgsave_status", "ok"},
		{"rdb_last_bgsave_time_sec", "-1"},
		{"rdb_current_bgsave_time_sec", "-1"},
		{"rdb_saves", "0"},
		{"rdb_last_cow_size", "0"},
		{"rdb_last_load_keys_expired", "0"},
		{"rdb_last_load_keys_loaded", "0"},
		{"aof_enabled", "0"},
		{"aof_rewrite_in_progress", "0"},
		{"aof_rewrite_scheduled", "0"},
		{"aof_last_rewrite_time_sec", "-1"},
		{"aof_current_rewrite_time_sec", "-1"},
		{"aof_last_bgrewrite_status", "ok"},
		{"aof_rewrites", "0"},
		{"aof_rewrites_consecutive_failures", "0"},
		{"aof_last_write_status", "ok"},
		{"aof_last_cow_size", "0"},
		{"module_fork_in_progress", "0"},
		{"module_fork_last_cow_size", "0"},
	}
}

func (s *Server) statsFields() []infoField {
	_, trackKeys, trackItems, trackPrefixes := s.tracker.info()
	st, is := &s.stats, &s.stats.info
	kbps := func(which int) string { return fmt.Sprintf("%.2f", float32(is.instantaneous(which))/1024) }
	chans, pats, shardChans := s.pubsub.counts()
	return []infoField{
		{"total_connections_received", i64(st.connections.Load())},
		{"total_commands_processed", i64(st.commands.Load())},
		{"instantaneous_ops_per_sec", i64(is.instantaneous(rateOps))},
		{"total_net_input_bytes", i64(st.netIn.Load())},
		{"total_net_output_bytes", i64(st.netOut.Load())},
		{"total_net_repl_input_bytes", "0"},
		{"total_net_repl_output_bytes", "0"},
		{"instantaneous_input_kbps", kbps(rateNetIn)},
		{"instantaneous_output_kbps", kbps(rateNetOut)},
		{"instantaneous_input_repl_kbps", "0.00"},
		{"instantaneous_output_repl_kbps", "0.00"},
		{"rejected_connections", i64(st.rejected.Load())},
		{"sync_full", "0"},
		{"sync_partial_ok", "0"},
		{"sync_partial_err", "0"},
		{"expired_keys", "0"},
		{"expired_stale_perc", "0.00"},
		{"expired_time_cap_reached_count", "0"},
		{"expire_cycle_cpu_milliseconds", "0"},
		{"evicted_keys", "0"},
		{"evicted_clients", "0"},
		{"total_eviction_exceeded_time", "0"},
		{"current_eviction_exceeded_time", "0"},
		{"keyspace_hits", "0"},
		{"keyspace_misses", "0"},
		{"pubsub_channels", strconv.Itoa(chans)},
		{"pubsub_patterns", strconv.Itoa(pats)},
		{"pubsubshard_channels", strconv.Itoa(shardChans)},
		{"latest_fork_usec", "0"},
		{"total_forks", "0"},
		{"migrate_cached_sockets", "0"},
		{"slave_expires_tracked_keys", "0"},
		{"active_defrag_hits", "0"},
		{"active_defrag_misses", "0"},
		{"active_defrag_key_hits", "0"},
		{"active_defrag_key_misses", "0"},
		{"total_active_defrag_time", "0"},
		{"current_active_defrag_time", "0"},
		{"tracking_total_keys", trackKeys},
		{"tracking_total_items", trackItems},
		{"tracking_total_prefixes", trackPrefixes},
		{"unexpected_error_replies", "0"},
		{"total_error_replies", i64(st.errors.Load())},
		{"dump_payload_sanitizations", "0"},
		{"total_reads_processed", i64(is.reads.Load())},
		{"total_writes_processed", i64(is.writes.Load())},
		{"io_threaded_reads_processed", "0"},
		{"io_threaded_writes_processed", "0"},
		{"reply_buffer_shrinks", "0"},
		{"reply_buffer_expands", "0"},
	}
}

// replicationFields describes the shard as Redis describes its
// replication: the primary is the master, the others its replicas. The
// shard's history is its log, not a Redis replication stream: the
// replication ID is the primary's node ID (it changes at failover, as
// Redis's does), offsets are applied log IDs, and there is no backlog.
func (s *Server) replicationFields() (fields, extra []infoField) {
	topo := s.backend.Topology()
	offset := u64(topo.AppliedID)
	if topo.Role == "slave" {
		host, port := splitAddr(topo.Primary.Addr)
		link, lastIO := "up", "0"
		if !topo.Serving {
			link, lastIO = "down", "-1"
		}
		fields = append(fields,
			infoField{"role", "slave"},
			infoField{"master_host", host},
			infoField{"master_port", strconv.Itoa(port)},
			infoField{"master_link_status", link},
			infoField{"master_last_io_seconds_ago", lastIO},
			infoField{"master_sync_in_progress", "0"},
			infoField{"slave_read_repl_offset", offset},
			infoField{"slave_repl_offset", offset},
		)
		if !topo.Serving {
			fields = append(fields, infoField{"master_link_down_since_seconds", "-1"})
		}
		fields = append(fields,
			infoField{"slave_priority", "100"},
			infoField{"slave_read_only", "1"},
			infoField{"replica_announced", "1"},
			infoField{"connected_slaves", "0"},
		)
	} else {
		reps := liveReplicas(topo) // as ROLE: the replicas not seen as failed
		fields = append(fields,
			infoField{"role", "master"},
			infoField{"connected_slaves", strconv.Itoa(len(reps))},
		)
		for i, r := range reps {
			host, port := splitAddr(r.Addr)
			fields = append(fields, infoField{"slave" + strconv.Itoa(i),
				fmt.Sprintf("ip=%s,port=%d,state=online,offset=%s,lag=0", host, port, offset)})
		}
	}
	replID := topo.Primary.ID
	if replID == "" {
		replID = topo.Self.ID
	}
	fields = append(fields,
		infoField{"master_failover_state", "no-failover"},
		infoField{"master_replid", replID},
		infoField{"master_replid2", strings.Repeat("0", 40)},
		infoField{"master_repl_offset", offset},
		infoField{"second_repl_offset", "-1"},
		infoField{"repl_backlog_active", "0"},
		infoField{"repl_backlog_size", "1048576"},
		infoField{"repl_backlog_first_byte_offset", "0"},
		infoField{"repl_backlog_histlen", "0"},
	)
	return fields, []infoField{{"memshard_lag_ids", u64(topo.LagIDs)}}
}

// cpuFields: memshard starts no child processes, and its goroutines move
// between threads, so the main thread's figures are the process's.
func cpuFields() []infoField {
	sys, user := cpuTimes()
	return []infoField{
		{"used_cpu_sys", fmt.Sprintf("%.6f", sys)},
		{"used_cpu_user", fmt.Sprintf("%.6f", user)},
		{"used_cpu_sys_children", "0.000000"},
		{"used_cpu_user_children", "0.000000"},
		{"used_cpu_sys_main_thread", fmt.Sprintf("%.6f", sys)},
		{"used_cpu_user_main_thread", fmt.Sprintf("%.6f", user)},
	}
}

func i64(n int64) string { return strconv.FormatInt(n, 10) }
