package quorum

import (
	"crypto/tls"
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"time"

	"github.com/hashicorp/raft"
	"github.com/prometheus/client_golang/prometheus"
)

// Raft log stores a node can use. The stable store (term, vote) is always
// raft-boltdb.
const (
	LogStoreBolt = "bolt" // raft-boltdb/v2
	LogStoreWAL  = "wal"  // raft-wal
)

// DefaultLogStore is the raft log store used when Config.LogStore is empty.
// See the README's "Raft log store" section for the measurement behind it.
const DefaultLogStore = LogStoreWAL

// Peer is a voter named in a bootstrap configuration.
type Peer struct {
	ID       string
	RaftAddr string
	Zone     string // may be empty only with AllowZoneMajority
}

// Config configures a Node. The zero value of every tuning field means its
// default; Open copies the Config and never changes the caller's.
type Config struct {
	ID       string // unique, stable node ID (required)
	Zone     string // the node's zone label (required)
	DataDir  string // holds the raft log, stable store, snapshots and logstore (required)
	RaftAddr string // raft TCP transport address, bound and advertised (required unless Transport is set)
	GRPCAddr string // the node's client-facing address, published in the member registry

	LogStore string // LogStoreBolt or LogStoreWAL; default DefaultLogStore

	// Bootstrap, on the first start of a new cluster, names its voters. It is
	// ignored (with a log line) when DataDir already holds raft state.
	Bootstrap []Peer
	// AllowZoneMajority accepts voter sets in which one zone holds a
	// majority; Status then carries a warning.
	AllowZoneMajority bool

	Logger *slog.Logger // nil discards

	// Metrics, if set, registers the node's quorumlog_quorum_* and its
	// logstore's quorumlog_logstore_* metrics; Close unregisters them. Nil
	// registers nothing. Nodes sharing one registry need distinct ones:
	// prometheus.WrapRegistererWith(prometheus.Labels{"node": id}, reg).
	Metrics prometheus.Registerer

	// Transport replaces the TCP transport (tests use raft.InmemTransport).
	Transport raft.Transport
	// RaftTLS, if set, makes the TCP transport mutual TLS (TLS 1.2 at
	// least): Certificates is this node's certificate, presented both when
	// it accepts a connection and when it dials one; RootCAs is the CA
	// that signed every node's, against which a peer is verified both ways
	// (a dialled peer's certificate must name the host of its raft
	// address). Instead of the static two, it may have callbacks asked on
	// each handshake, so that the files can rotate
	// (client.TLSReloader.MutualConfig): GetConfigForClient for accepted
	// connections (its ClientCAs verify the peer; a client certificate is
	// required whatever it says), GetClientCertificate and, with
	// InsecureSkipVerify, a VerifyConnection that verifies the dialled
	// peer against ConnectionState.ServerName (set to the host of its raft
	// address even for an IP). Nil: plaintext. Open does not change it.
	RaftTLS *tls.Config

	// Group commit: the sequencer puts at most MaxBatchRecords records and about
	// MaxBatchBytes bytes in one raft entry; up to Proposers entries are in flight
	// at once; at most QueueSize proposals wait (then ErrBusy).
	MaxBatchRecords int
	MaxBatchBytes   int
	Proposers       int
	QueueSize       int

	SnapshotInterval  time.Duration // how often raft checks for a snapshot; default 30s
	SnapshotThreshold uint64        // entries since the last snapshot that trigger one; default 8192
	TrailingLogs      uint64        // raft entries kept after a snapshot; default 100,000
	// RaftLogBytes bounds the raft log in bytes as well (retention.go): a
	// snapshot once half of it was applied since the last, and behind it as
	// many entries as half of it holds at their recent size (at most
	// TrailingLogs). Default DefaultRaftLogBytes.
	RaftLogBytes      int64
	RetentionInterval time.Duration // how often the byte budget is checked; default 1s
	// MaxSyncDuration is how long a raft log write may take before the
	// node stops (stall.go); default DefaultMaxSyncDuration.
	MaxSyncDuration time.Duration
	// OnStall, if set, is called once a raft log write has taken longer
	// than MaxSyncDuration, with the reason; it should end the process
	// (the node cannot be closed: Close would wait for the write). If it
	// returns, or is nil, the node panics.
	OnStall      func(error)
	SegmentBytes int64 // logstore segment size; default the logstore's

	// Tune, if set, may adjust the raft configuration last (tests shorten timeouts).
	Tune func(*raft.Config)
}

// DefaultRaftLogBytes is the default Config.RaftLogBytes.
const DefaultRaftLogBytes = 1 << 30

func (c *Config) setDefaults() {
	if c.LogStore == "" {
		c.LogStore = DefaultLogStore
	}
	if c.Logger == nil {
		c.Logger = slog.New(slog.DiscardHandler)
	}
	if c.MaxBatchRecords == 0 {
		c.MaxBatchRecords = 1024
	}
	if c.MaxBatchBytes == 0 {
		c.MaxBatchBytes = 4 << 20
	}
	if c.Proposers == 0 {
		c.Proposers = 4
	}
	if c.QueueSize == 0 {
		c.QueueSize = 1 << 16
	}
	if c.SnapshotInterval == 0 {
		c.SnapshotInterval = 30 * time.Second
	}
	if c.SnapshotThreshold == 0 {
		c.SnapshotThreshold = 8192
	}
	if c.TrailingLogs == 0 {
		c.TrailingLogs = 100_000
	}
	if c.RaftLogBytes == 0 {
		c.RaftLogBytes = DefaultRaftLogBytes
	}
	if c.RetentionInterval == 0 {
		c.RetentionInterval = time.Second
	}
	if c.MaxSyncDuration == 0 {
		c.MaxSyncDuration = DefaultMaxSyncDuration
	}
}

// Validate reports the first problem with c.
func (c *Config) Validate() error {
	switch {
	case c.ID == "":
		return errors.New("quorum: node ID is required")
	case c.Zone == "":
		return errors.New("quorum: zone is required")
	case c.DataDir == "":
		return errors.New("quorum: data dir is required")
	case c.RaftAddr == "" && c.Transport == nil:
		return errors.New("quorum: raft address is required")
	case c.MaxSyncDuration < 0:
		return fmt.Errorf("quorum: max sync duration %v is negative", c.MaxSyncDuration)
	case c.RaftTLS != nil && c.Transport != nil:
		return errors.New("quorum: raft TLS applies to the TCP transport only, not to Config.Transport")
	}
	if c.RaftTLS != nil {
		if err := validateRaftTLS(c.RaftTLS); err != nil {
			return err
		}
	}
	if c.LogStore != "" && c.LogStore != LogStoreBolt && c.LogStore != LogStoreWAL {
		return fmt.Errorf("quorum: raft log store %q: want %q or %q", c.LogStore, LogStoreBolt, LogStoreWAL)
	}
	if len(c.Bootstrap) > 0 {
		return c.validateBootstrap()
	}
	return nil
}

func (c *Config) validateBootstrap() error {
	seen := make(map[string]bool)
	self := false
	zones := make([]string, 0, len(c.Bootstrap))
	for _, p := range c.Bootstrap {
		if p.ID == "" || p.RaftAddr == "" {
			return fmt.Errorf("quorum: bootstrap peer %+v needs an ID and a raft address", p)
		}
		if seen[p.ID] {
			return fmt.Errorf("quorum: bootstrap names %q twice", p.ID)
		}
		seen[p.ID] = true
		if p.ID == c.ID {
			self = true
			if p.Zone != "" && p.Zone != c.Zone {
				return fmt.Errorf("quorum: bootstrap puts %s in zone %q but this node's zone is %q", p.ID, p.Zone, c.Zone)
			}
		}
		if p.Zone == "" && !c.AllowZoneMajority {
			return fmt.Errorf("quorum: bootstrap peer %s has no zone: write ID=RAFTADDR@ZONE (or pass --allow-zone-majority)", p.ID)
		}
		zones = append(zones, p.Zone)
	}
	if !self {
		return fmt.Errorf("quorum: bootstrap peers do not include this node (%s)", c.ID)
	}
	if !c.AllowZoneMajority {
		return CheckZones(zones)
	}
	return nil
}

// ParsePeers parses "ID=RAFTADDR[@ZONE],..." as given to --bootstrap.
func ParsePeers(s string) ([]Peer, error) {
	var peers []Peer
	for _, part := range strings.Split(s, ",") {
		part = strings.TrimSpace(part)
		if part == "" {
			continue
		}
		id, rest, ok := strings.Cut(part, "=")
		if !ok || id == "" || rest == "" {
			return nil, fmt.Errorf("quorum: bootstrap entry %q: want ID=RAFTADDR@ZONE", part)
		}
		addr, zone, _ := strings.Cut(rest, "@")
		peers = append(peers, Peer{ID: id, RaftAddr: addr, Zone: zone})
	}
	if len(peers) == 0 {
		return nil, errors.New("quorum: empty bootstrap list")
	}
	return peers, nil
}
