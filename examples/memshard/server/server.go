package server

import (
	"context"
	"crypto/rand"
	"crypto/tls"
	"encoding/hex"
	"errors"
	"log/slog"
	"net"
	"sync"
	"sync/atomic"
	"time"

	"github.com/quorumlog/quorumlog/examples/memshard/acl"
	"github.com/quorumlog/quorumlog/examples/memshard/engine"
)

// Defaults of Config, Redis 7.0's.
const (
	DefaultProtoMaxBulkLen        = 512 << 20 // proto-max-bulk-len
	DefaultMaxMultibulkLen        = 1 << 20
	DefaultClientQueryBufferLimit = 1 << 30 // client-query-buffer-limit
)

// Bounds of a connection's reply queue (see replyQueue).
const (
	maxQueuedReplyBytes = 1 << 20
	maxQueuedReplies    = 4096
)

// ErrServerClosed is returned by Serve after Close.
var ErrServerClosed = errors.New("server: closed")

// Config configures a Server.
type Config struct {
	// Backend runs the data commands. Required.
	Backend Backend
	// RequirePass, if set, is the default user's password: connections must
	// AUTH (or HELLO AUTH) before any other command. CONFIG SET requirepass
	// changes it at run time.
	RequirePass string
	// Logger receives connection-level events; nil discards them.
	Logger *slog.Logger
	// ProtoMaxBulkLen bounds one argument (default 512 MiB).
	ProtoMaxBulkLen int64
	// MaxMultibulkLen bounds the arguments of one command (default 1,048,576).
	// Redis 7.0 allows up to 2^31-1; memshard refuses more at once.
	MaxMultibulkLen int64
	// ClientQueryBufferLimit bounds the unparsed input of a connection
	// (default 1 GiB); a connection over it is closed without a reply, as
	// Redis does.
	ClientQueryBufferLimit int64
	// ClusterNodeTimeout is the backend's node timeout, which CONFIG GET
	// shows as cluster-node-timeout; zero shows Redis's default.
	ClusterNodeTimeout time.Duration
	// ConfigSet are parameters to set at start, name then value, as a
	// Redis configuration file's directives (CONFIG SET's rules apply).
	ConfigSet []string
	// Exit, if set, ends the process (SHUTDOWN); without it SHUTDOWN
	// fails. It is called once Shutdown has prepared the node.
	Exit func()
	// TLS, if set, makes every connection the server accepts a TLS one
	// (tls.go); CONFIG GET shows its files and port as Redis's tls-*
	// parameters, and port as 0.
	TLS *TLS
	// TLSHandshakeTimeout bounds each TLS handshake (default
	// DefaultTLSHandshakeTimeout).
	TLSHandshakeTimeout time.Duration
	// OnMaxmemory, if set, is called with the maxmemory parameter each
	// time it is set (0: none): the process may tune its garbage
	// collector to it.
	OnMaxmemory func(limit uint64)
}

// Server accepts RESP connections and serves them: it parses requests,
// answers connection and server commands itself and hands data commands to
// the Backend, releasing each reply only once its Ticket has settled.
type Server struct {
	cfg     Config
	backend Backend
	log     *slog.Logger
	runID   string
	started time.Time
	// tlsAccept is the listener's TLS configuration; nil: plaintext.
	tlsAccept *tls.Config

	ctx    context.Context // ends at Close; Backend.Wait calls derive from it
	cancel context.CancelFunc
	wg     sync.WaitGroup // accept loops and connection goroutines

	nextID atomic.Int64
	pass   atomic.Pointer[string] // requirepass; "" means none
	// users is the set of users this node serves (acl.go): the backend's,
	// with requirepass laid over its default user. usersMu orders its
	// writers; readers only load it.
	users   atomic.Pointer[acl.Users]
	usersMu sync.Mutex
	aclCmds sync.Map // command name → *acl.Command (acl.go)
	aclLog  aclLog
	// maxmemory is the maxmemory parameter (0: none), read on every
	// command (checkMemory).
	maxmemory atomic.Uint64
	slowlog   slowLog
	latency   latencyMonitor
	stats     serverStats
	config    configState // CONFIG GET and SET (config.go); its own lock
	pubsub    *pubsubRegistry
	tracker   *tracker      // CLIENT TRACKING (tracking.go)
	paused    pauseState    // CLIENT PAUSE (pause.go)
	notify    *notifier     // keyspace notifications (notify.go)
	monitors  monitorSet    // MONITOR connections (monitor.go)
	shutdown  shutdownState // SHUTDOWN in progress (shutdown.go)

	mu        sync.Mutex
	closed    bool
	listeners map[net.Listener]struct{}
	conns     map[int64]*conn // by ID
	// open is len(conns), read without mu: MEMORY DOCTOR's client count
	// is asked for under the backend's lock, which some holders of mu take.
	open atomic.Int64
}

type serverStats struct {
	connections atomic.Int64 // total_connections_received
	commands    atomic.Int64 // total_commands_processed
	netIn       atomic.Int64
	netOut      atomic.Int64
	errors      atomic.Int64 // total_error_replies
	rejected    atomic.Int64
	info        infoStats // the rest of INFO's counters (stats.go)
}

func (s *serverStats) reset() {
	s.connections.Store(0)
	s.commands.Store(0)
	s.netIn.Store(0)
	s.netOut.Store(0)
	s.errors.Store(0)
	s.rejected.Store(0)
	s.info.reset()
}

// New returns a Server for cfg. It starts sampling the rates INFO shows;
// Close stops it.
func New(cfg Config) (*Server, error) {
	if cfg.Backend == nil {
		return nil, errors.New("server: Config.Backend is nil")
	}
	if cfg.ProtoMaxBulkLen <= 0 {
		cfg.ProtoMaxBulkLen = DefaultProtoMaxBulkLen
	}
	if cfg.MaxMultibulkLen <= 0 {
		cfg.MaxMultibulkLen = DefaultMaxMultibulkLen
	}
	if cfg.TLSHandshakeTimeout <= 0 {
		cfg.TLSHandshakeTimeout = DefaultTLSHandshakeTimeout
	}
	if cfg.ClientQueryBufferLimit <= 0 {
		cfg.ClientQueryBufferLimit = DefaultClientQueryBufferLimit
	}
	log := cfg.Logger
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	s := &Server{
		cfg:       cfg,
		backend:   cfg.Backend,
		log:       log,
		runID:     randomHex(20),
		started:   time.Now(),
		listeners: make(map[net.Listener]struct{}),
		conns:     make(map[int64]*conn),
		pubsub:    newPubsubRegistry(),
	}
	s.config.init(cfg)
	if cfg.TLS != nil {
		s.tlsAccept = s.acceptConfig(cfg.TLS)
	}
	// Messages published on the shard's other nodes.
	cfg.Backend.OnMessage(func(sharded bool, channel, message []byte) { s.pubsub.publish(nil, sharded, channel, message) })
	s.tracker = newTracker(s)
	cfg.Backend.OnModified(s.tracker.modified)
	s.notify = &notifier{s: s, wake: make(chan struct{}, 1)}
	cfg.Backend.OnKeyspaceEvents(s.notify.keyspaceEvents)
	s.ctx, s.cancel = context.WithCancel(context.Background())
	pass := cfg.RequirePass
	s.pass.Store(&pass)
	cfg.Backend.OnUsers(s.aclRefresh)
	s.aclRefresh(engine.UsersChange{Users: cfg.Backend.Users()})
	s.stats.info.init(cfg.Backend)
	if len(cfg.ConfigSet)%2 != 0 {
		return nil, errors.New("server: ConfigSet needs a value for each name")
	}
	if len(cfg.ConfigSet) > 0 {
		pairs := make([][]byte, len(cfg.ConfigSet))
		for i, v := range cfg.ConfigSet {
			pairs[i] = []byte(v)
		}
		if msg := s.configSet(pairs); msg != "" {
			return nil, errors.New("server: " + msg)
		}
	}
	s.wg.Add(2)
	go s.sampleStats()
	go s.notify.loop(s.ctx)
	return s, nil
}

// Serve accepts connections on l until Close, or until Accept fails with a
// permanent error, which it returns. It closes l. After Close it returns
// ErrServerClosed.
func (s *Server) Serve(l net.Listener) error {
	s.mu.Lock()
	if s.closed {
		s.mu.Unlock()
		l.Close()
		return ErrServerClosed
	}
	s.listeners[l] = struct{}{}
	s.wg.Add(1)
	s.mu.Unlock()
	defer s.wg.Done()
	defer func() {
		s.mu.Lock()
		delete(s.listeners, l)
		s.mu.Unlock()
		l.Close()
	}()

	var backoff time.Duration
	for {
		nc, err := l.Accept()
		if err != nil {
			if s.isClosed() {
				return ErrServerClosed
			}
			if isTemporary(err) {
				backoff = min(max(2*backoff, 5*time.Millisecond), time.Second)
				time.Sleep(backoff)
				continue
			}
			return err
		}
		backoff = 0
		if !s.startConn(nc) {
			nc.Close()
			return ErrServerClosed
		}
	}
}

// isTemporary reports whether an Accept error is worth retrying (EMFILE,
// ECONNABORTED and the like report Temporary; timeouts too).
func isTemporary(err error) bool {
	var t interface{ Temporary() bool }
	var ne net.Error
	return errors.As(err, &t) && t.Temporary() || errors.As(err, &ne) && ne.Timeout()
}

func (s *Server) startConn(nc net.Conn) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.closed {
		return false
	}
	if s.overMaxClients() {
		s.rejectConn(nc)
		return true
	}
	s.setKeepAlive(nc)
	var c *conn
	if s.tlsAccept != nil {
		// The handshake is the connection's goroutine's (serve), which
		// counts it once done.
		c = newConn(s, nc, tls.Server(nc, s.tlsAccept))
	} else {
		c = newConn(s, nc, nc)
		s.stats.connections.Add(1)
	}
	s.conns[c.id] = c
	s.open.Add(1)
	s.wg.Add(2)
	go c.serve()
	go c.writeLoop()
	return true
}

func (s *Server) removeConn(c *conn) {
	s.mu.Lock()
	if _, ok := s.conns[c.id]; ok {
		delete(s.conns, c.id)
		s.open.Add(-1)
	}
	s.mu.Unlock()
}

func (s *Server) isClosed() bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.closed
}

// Close closes the listeners and every connection (pending replies are
// dropped), and returns once every goroutine of the server has. It is
// idempotent.
func (s *Server) Close() error {
	s.mu.Lock()
	if !s.closed {
		s.closed = true
		s.cancel()
		for l := range s.listeners {
			l.Close()
		}
		for _, c := range s.conns {
			c.kill()
		}
	}
	s.mu.Unlock()
	s.wg.Wait()
	return nil
}

// connList returns the open connections, by increasing ID.
func (s *Server) connList() []*conn {
	s.mu.Lock()
	out := make([]*conn, 0, len(s.conns))
	for _, c := range s.conns {
		// A killed connection is gone for CLIENT LIST and KILL, as Redis
		// frees a client it kills at once, though its goroutines may not
		// have ended yet.
		if !c.killed.Load() {
			out = append(out, c)
		}
	}
	s.mu.Unlock()
	sortConns(out)
	return out
}

// connByID returns the open connection with this ID, or nil.
func (s *Server) connByID(id int64) *conn {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.conns[id]
}

func (s *Server) password() string { return *s.pass.Load() }

func randomHex(n int) string {
	b := make([]byte, n)
	_, _ = rand.Read(b)
	return hex.EncodeToString(b)
}
