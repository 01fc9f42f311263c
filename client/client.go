package client

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"log/slog"
	"math"
	"net"
	"slices"
	"sync"
	"sync/atomic"
	"time"

	"google.golang.org/grpc"
	"google.golang.org/grpc/backoff"
	"google.golang.org/grpc/connectivity"

	"github.com/quorumlog/quorumlog/api/quorumlogpb"
)

// Config configures a Client. The zero value of every field but Endpoints
// is usable.
type Config struct {
	// Endpoints are gRPC addresses ("host:port") of any cluster members.
	// The client learns the other members from Status.
	Endpoints []string
	// DialTimeout bounds connecting to one endpoint. Default 5s.
	DialTimeout time.Duration
	// Logger receives debug logs of retries and redirects. nil discards.
	Logger *slog.Logger
	// MaxInFlight bounds the appends that are queued on or sent over the
	// append streams and not yet answered. An Append beyond it waits (or
	// fails with its ctx): backpressure instead of unbounded memory.
	// Default 4096.
	MaxInFlight int
	// UnaryAppend sends each Append as its own unary RPC instead of
	// pipelining it over the shared AppendStream. Slower; for comparison
	// and for servers without streams.
	UnaryAppend bool
	// RetryBackoff is the first wait between retries; it doubles up to
	// MaxRetryBackoff. Defaults 10ms and 1s.
	RetryBackoff    time.Duration
	MaxRetryBackoff time.Duration
	// TLS, if set, secures every connection to the cluster: the servers'
	// certificates are verified against TLS.RootCAs, and TLS.Certificates
	// is presented when a server asks for a client certificate (or the
	// callbacks of a TLSReloader.ClientConfig do both, as the files are at
	// each new connection). nil connects in plaintext. LoadTLS builds one
	// from PEM files that it re-reads when they change.
	TLS *tls.Config
	// DialOptions are added after the client's own (transport credentials,
	// fast reconnect backoff, a dialer setting SO_REUSEADDR), so they may
	// override them; see DialFrom.
	DialOptions []grpc.DialOption
}

// Default values of Config fields.
const (
	DefaultDialTimeout     = 5 * time.Second
	DefaultMaxInFlight     = 4096
	DefaultRetryBackoff    = 10 * time.Millisecond
	DefaultMaxRetryBackoff = time.Second
)

func (cfg *Config) setDefaults() {
	if cfg.DialTimeout == 0 {
		cfg.DialTimeout = DefaultDialTimeout
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.New(slog.DiscardHandler)
	}
	if cfg.MaxInFlight == 0 {
		cfg.MaxInFlight = DefaultMaxInFlight
	}
	if cfg.RetryBackoff == 0 {
		cfg.RetryBackoff = DefaultRetryBackoff
	}
	if cfg.MaxRetryBackoff == 0 {
		cfg.MaxRetryBackoff = DefaultMaxRetryBackoff
	}
}

// Validate reports the first problem of cfg. Zero values count as valid:
// New replaces them by defaults.
func (cfg *Config) Validate() error {
	if len(cfg.Endpoints) == 0 {
		return fmt.Errorf("%w: no endpoints", ErrInvalidArgument)
	}
	for _, ep := range cfg.Endpoints {
		if _, _, err := net.SplitHostPort(ep); err != nil {
			return fmt.Errorf("%w: endpoint %q: %w", ErrInvalidArgument, ep, err)
		}
	}
	switch {
	case cfg.DialTimeout < 0:
		return fmt.Errorf("%w: negative DialTimeout", ErrInvalidArgument)
	case cfg.MaxInFlight < 0:
		return fmt.Errorf("%w: negative MaxInFlight", ErrInvalidArgument)
	case cfg.RetryBackoff < 0 || cfg.MaxRetryBackoff < 0:
		return fmt.Errorf("%w: negative retry backoff", ErrInvalidArgument)
	}
	return nil
}

// Client is a QuorumLog client. It is safe for concurrent use; share one
// per process. Close it to release its connections and goroutines.
type Client struct {
	cfg     Config
	logger  *slog.Logger
	dialOps []grpc.DialOption // after the credentials, which are per conn (conndiag.go)
	slots   chan struct{}     // in-flight stream appends; see Config.MaxInFlight

	wg sync.WaitGroup // append stream goroutines; Add only under mu while !closed

	mu sync.Mutex
	// Guarded by mu:
	closed bool
	addrs  []string         // known endpoints: cfg.Endpoints, then learned members
	conns  map[string]*conn // by address, created on first use, kept until Close
	// streams holds every append stream whose goroutines may run, also
	// draining ones no longer attached to their conn.
	streams  map[*appendStream]struct{}
	leader   string // last known leader address; "" unknown
	readFrom int    // index into addrs of the endpoint reads try first
}

// conn is one gRPC connection, kept per address and reused by every call.
type conn struct {
	addr    string
	cc      *grpc.ClientConn
	log     quorumlogpb.LogServiceClient
	cluster quorumlogpb.ClusterServiceClient
	failure connFailure // why connecting last failed (conndiag.go)

	// maxMessage is the largest request the node accepts, once asked
	// (appendsize.go): 0 not asked since the stream last opened, -1 the
	// node does not say.
	maxMessage atomic.Int64

	openMu sync.Mutex // serializes opening the append stream; taken before Client.mu
	// stream is the append stream on this connection, nil if none yet.
	// Guarded by Client.mu.
	stream *appendStream
}

// New returns a client of the cluster at cfg.Endpoints. It copies cfg and
// fills in defaults. New does not wait for the network: connections are
// made, and the leader found, by the first request that needs them; ctx is
// only checked, never kept.
func New(ctx context.Context, cfg Config) (*Client, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	cfg.Endpoints = slices.Clone(cfg.Endpoints)
	cfg.DialOptions = slices.Clone(cfg.DialOptions)
	if cfg.TLS != nil {
		cfg.TLS = cfg.TLS.Clone() // credentials.NewTLS keeps it; so may the caller
	}
	cfg.setDefaults()
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	c := &Client{
		cfg:     cfg,
		logger:  cfg.Logger,
		slots:   make(chan struct{}, cfg.MaxInFlight),
		conns:   make(map[string]*conn),
		streams: make(map[*appendStream]struct{}),
	}
	c.dialOps = append([]grpc.DialOption{
		grpc.WithContextDialer(dialer(nil)), // SO_REUSEADDR (dial.go)
		// A cluster's --max-record-bytes may exceed gRPC's default 4 MiB
		// message, and a record it accepted must read back: the servers bound
		// what they send, as etcd's client assumes too.
		grpc.WithDefaultCallOptions(grpc.MaxCallRecvMsgSize(math.MaxInt32)),
		grpc.WithConnectParams(grpc.ConnectParams{
			Backoff: backoff.Config{
				BaseDelay:  50 * time.Millisecond,
				Multiplier: 1.6,
				Jitter:     0.2,
				MaxDelay:   time.Second,
			},
			MinConnectTimeout: cfg.DialTimeout,
		}),
	}, cfg.DialOptions...)
	for _, ep := range cfg.Endpoints {
		c.addAddrLocked(ep)
	}
	return c, nil
}

// Close cancels every append stream (appends in flight on them end with
// ErrOutcomeUnknown, queued ones with ErrClosed), waits for the client's
// goroutines and closes its connections. Readers fail with ErrClosed or a
// connection error. Close is idempotent.
func (c *Client) Close() error {
	c.mu.Lock()
	if c.closed {
		c.mu.Unlock()
		return nil
	}
	c.closed = true
	var streams []*appendStream
	for s := range c.streams {
		streams = append(streams, s)
	}
	conns := make([]*conn, 0, len(c.conns))
	for _, cn := range c.conns {
		conns = append(conns, cn)
	}
	c.mu.Unlock()
	for _, s := range streams {
		s.fail(ErrClosed, nil)
	}
	c.wg.Wait()
	var errs []error
	for _, cn := range conns {
		if err := cn.cc.Close(); err != nil {
			errs = append(errs, fmt.Errorf("close %s: %w", cn.addr, err))
		}
	}
	return errors.Join(errs...)
}

func (c *Client) addAddrLocked(addr string) {
	if addr != "" && !slices.Contains(c.addrs, addr) {
		c.addrs = append(c.addrs, addr)
	}
}

// conn returns the connection to addr, creating it on first use.
func (c *Client) conn(addr string) (*conn, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.closed {
		return nil, ErrClosed
	}
	if cn := c.conns[addr]; cn != nil {
		return cn, nil
	}
	cn := &conn{addr: addr}
	cn.failure.addr, cn.failure.logger = addr, c.logger
	creds := newDiagCreds(c.cfg.TLS, &cn.failure)
	cc, err := grpc.NewClient(addr, append([]grpc.DialOption{grpc.WithTransportCredentials(creds)}, c.dialOps...)...)
	if err != nil {
		return nil, fmt.Errorf("%w: endpoint %q: %w", ErrInvalidArgument, addr, err)
	}
	cn.cc = cc
	cn.log = quorumlogpb.NewLogServiceClient(cc)
	cn.cluster = quorumlogpb.NewClusterServiceClient(cc)
	c.conns[addr] = cn
	return cn, nil
}

// ready waits until cn is connected, at most DialTimeout. An error means
// no request could have been sent on cn: it is a *notSentError.
func (c *Client) ready(ctx context.Context, cn *conn) error {
	ctx, cancel := context.WithTimeout(ctx, c.cfg.DialTimeout)
	defer cancel()
	for {
		s := cn.cc.GetState()
		switch s {
		case connectivity.Ready:
			return nil
		case connectivity.Idle:
			cn.cc.Connect()
		case connectivity.TransientFailure:
			if why := cn.failure.report(); why != nil {
				return &notSentError{fmt.Errorf("%s: cannot connect: %w", cn.addr, why)}
			}
			return &notSentError{fmt.Errorf("%s: cannot connect", cn.addr)}
		case connectivity.Shutdown:
			return &notSentError{ErrClosed}
		}
		if !cn.cc.WaitForStateChange(ctx, s) {
			if why := cn.failure.report(); why != nil {
				return &notSentError{fmt.Errorf("%s: connect: %w (last attempt: %w)", cn.addr, ctx.Err(), why)}
			}
			return &notSentError{fmt.Errorf("%s: connect: %w", cn.addr, ctx.Err())}
		}
	}
}

// sleep waits the backoff of the given retry (1, 2, …) or until ctx ends.
func (c *Client) sleep(ctx context.Context, retry int) error {
	d := c.cfg.RetryBackoff
	for i := 1; i < retry && d < c.cfg.MaxRetryBackoff; i++ {
		d *= 2
	}
	d = min(d, c.cfg.MaxRetryBackoff)
	d = d/2 + jitter(d/2)
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

// onAny runs a read-only call on some node, moving on to the next known
// endpoint when one is unreachable or UNAVAILABLE, until ctx ends.
func (c *Client) onAny(ctx context.Context, call func(ctx context.Context, cn *conn) error) error {
	var last error
	for try := 0; ; try++ {
		c.mu.Lock()
		if c.closed {
			c.mu.Unlock()
			return ErrClosed
		}
		addrs := slices.Clone(c.addrs)
		start := c.readFrom
		c.mu.Unlock()
		if try > 0 {
			if err := c.sleep(ctx, try); err != nil {
				return unavailable(last, err)
			}
		}
		for i := range addrs {
			idx := (start + i) % len(addrs)
			cn, err := c.conn(addrs[idx])
			if err != nil {
				return err
			}
			err = c.ready(ctx, cn)
			if err == nil {
				err = mapError(call(ctx, cn))
			}
			if ctx.Err() != nil {
				return mapError(ctx.Err())
			}
			if err == nil || !(isNotSent(err) || errors.Is(err, ErrUnavailable)) {
				c.mu.Lock()
				c.readFrom = idx
				c.mu.Unlock()
				return err
			}
			c.logger.Debug("client: endpoint unavailable", "peer", cn.addr, "err", err)
			last = err
		}
	}
}

// write runs a write on the leader until it gets an answer. It retries,
// following leader hints, when the request was not sent or the node said
// NotLeader (not proposed). An unknown outcome is returned, unless
// retryUnknown, in which case the write is retried and uncertain reports
// that an earlier attempt may have committed.
func (c *Client) write(ctx context.Context, retryUnknown bool, attempt func(ctx context.Context, cn *conn) error) (uncertain bool, err error) {
	var last error
	hint := ""
	for try := 0; ; try++ {
		if try > 0 && hint == "" {
			if err := c.sleep(ctx, try); err != nil {
				return uncertain, c.gaveUp(uncertain, last, err)
			}
		}
		addr := hint
		hint = ""
		if addr == "" {
			if addr, err = c.findLeader(ctx); err != nil {
				return uncertain, c.gaveUp(uncertain, last, err)
			}
		}
		cn, err := c.conn(addr)
		if err != nil {
			return uncertain, err
		}
		err = attempt(ctx, cn)
		if err == nil {
			return uncertain, nil
		}
		last = err
		if nl, ok := notLeaderOf(err); ok {
			c.logger.Debug("client: not leader", "peer", addr, "leader", nl.GetLeaderAddr())
			c.forgetLeader(addr, nl.GetLeaderAddr())
			if nl.GetLeaderAddr() != addr {
				hint = nl.GetLeaderAddr()
			}
		} else if isNotSent(err) {
			c.logger.Debug("client: request not sent", "peer", addr, "err", err)
			c.forgetLeader(addr, "")
		} else if errors.Is(err, ErrOutcomeUnknown) && retryUnknown && ctx.Err() == nil {
			c.logger.Debug("client: outcome unknown, retrying", "peer", addr, "err", err)
			uncertain = true
			c.forgetLeader(addr, "")
		} else {
			return uncertain, err
		}
		if ctx.Err() != nil {
			return uncertain, c.gaveUp(uncertain, last, ctx.Err())
		}
	}
}

// gaveUp is the error of a write whose ctx ended while it was retrying.
func (c *Client) gaveUp(uncertain bool, last, err error) error {
	if errors.Is(err, ErrClosed) {
		return err
	}
	if uncertain {
		return outcomeUnknown(fmt.Errorf("%w (last error: %v)", err, last))
	}
	if errors.Is(err, ErrUnavailable) {
		return err
	}
	return unavailable(last, err)
}

// forgetLeader notes that addr is not (or no longer reachably) the leader;
// hint, if not empty, is the leader's address according to addr.
func (c *Client) forgetLeader(addr, hint string) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if hint != "" && hint != addr {
		c.leader = hint
		c.addAddrLocked(hint)
	} else if c.leader == addr {
		c.leader = ""
	}
}

// findLeader returns the last known leader or asks the known endpoints'
// Status for it, with backoff, until ctx ends.
func (c *Client) findLeader(ctx context.Context) (string, error) {
	var last error
	for try := 0; ; try++ {
		c.mu.Lock()
		closed, leader, addrs := c.closed, c.leader, slices.Clone(c.addrs)
		c.mu.Unlock()
		switch {
		case closed:
			return "", ErrClosed
		case leader != "":
			return leader, nil
		}
		if try > 0 {
			if err := c.sleep(ctx, try); err != nil {
				return "", unavailable(last, fmt.Errorf("no leader found: %w", err))
			}
		}
		for _, addr := range addrs {
			st, err := c.statusOf(ctx, addr)
			if err != nil {
				last = err
				if ctx.Err() != nil {
					break
				}
				continue
			}
			if l := st.leaderGRPCAddr(); l != "" {
				c.mu.Lock()
				c.leader = l
				c.addAddrLocked(l)
				c.mu.Unlock()
				return l, nil
			}
			last = fmt.Errorf("%s knows no leader", addr)
		}
	}
}
