// Package migrate is the sending side of MIGRATE: the connections a node
// keeps to the servers it migrates keys to (Redis's
// migrate_cached_sockets) and the exchange of one MIGRATE on them, as Redis
// 7.0's migrateCommand makes it (cluster.c): optional AUTH, SELECT when the
// cached connection has another database selected, the RESTORE commands in
// one write, then one reply line for each.
//
// It knows nothing of keys or payloads: the engine builds the RESTORE
// commands, and deletes the keys whose RESTORE the target acknowledged.
package migrate

import (
	"bufio"
	"crypto/tls"
	"errors"
	"fmt"
	"net"
	"strconv"
	"sync"
	"sync/atomic"
	"time"

	"github.com/quorumlog/quorumlog/examples/memshard/resp"
)

// Redis's limits on cached connections: at most 64, each closed after 10 s
// unused (MIGRATE_SOCKET_CACHE_ITEMS, MIGRATE_SOCKET_CACHE_TTL).
const (
	cacheItems = 64
	cacheTTL   = 10 * time.Second
	// writeChunk is how much one write sends, with its own timeout: Redis
	// sends the commands in 64 KiB chunks, each given the whole timeout.
	writeChunk = 64 * 1024
	// maxLine is the longest reply line read, as Redis's 1024-byte
	// buffers (longer lines are cut; the rest is discarded).
	maxLine = 1024
)

// Request is one MIGRATE's exchange with its target.
type Request struct {
	Host, Port string // as the client gave them: the cache is keyed by "host:port"
	// Timeout bounds the connect, each write and each reply read.
	Timeout time.Duration
	DB      int64
	// Auth: AUTH [Username] Password goes first (MIGRATE's AUTH and
	// AUTH2; Username "" for AUTH).
	Auth               bool
	Username, Password string
	// Restores are the commands to send, one per key: RESTORE or
	// RESTORE-ASKING key ttl payload [REPLACE].
	Restores [][][]byte
}

// Result is how a MIGRATE ended.
type Result struct {
	// Acked says, for each of Request.Restores, whether the target
	// answered it with success: those keys are migrated (and, without
	// COPY, deleted here) even when Err is set.
	Acked []bool
	// Err is the error reply (without "-") to send instead of +OK: the
	// target's first error, or an I/O failure. "" on success.
	Err string
}

// Error replies of a failed exchange, as Redis words them.
const (
	errConnect = "IOERR error or timeout connecting to the client"
	errWriting = "IOERR error or timeout writing to target instance"
	errReading = "IOERR error or timeout reading to target instance"
)

// Pool is a node's cache of connections to MIGRATE targets. It is safe for
// concurrent use; one MIGRATE runs at a time, as in Redis.
type Pool struct {
	mu     sync.Mutex
	conns  map[string]*cached
	idle   *time.Timer // closes connections unused for cacheTTL
	closed bool
	// open is len(conns), read without mu (INFO's migrate_cached_sockets
	// must not wait for a MIGRATE in progress).
	open atomic.Int32
	// tls, if set, is the configuration of TLS connections to targets.
	tls *tls.Config
}

// Len returns how many connections the pool keeps open (INFO stats'
// migrate_cached_sockets).
func (p *Pool) Len() int { return int(p.open.Load()) }

// cached is one connection to a target and the database selected on it.
type cached struct {
	nc      net.Conn
	r       *bufio.Reader
	lastDB  int64 // -1: unknown, SELECT first
	lastUse time.Time
}

// NewPool returns an empty Pool.
func NewPool() *Pool { return &Pool{conns: make(map[string]*cached)} }

// NewTLSPool returns an empty Pool whose connections are TLS ones, made
// with cfg (its ServerName set to each target's host): as Redis's MIGRATE
// connects with TLS when tls-cluster is yes.
func NewTLSPool(cfg *tls.Config) *Pool {
	p := NewPool()
	p.tls = cfg
	return p
}

// Close closes every cached connection.
func (p *Pool) Close() {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.closed = true
	if p.idle != nil {
		p.idle.Stop()
	}
	for name := range p.conns {
		p.closeLocked(name)
	}
}

// exchange is what one attempt on a connection gave.
type exchange struct {
	acked      []bool
	failed     bool   // the target refused a key
	targetErr  string // its first error line, "-" removed
	sockErr    error  // the connection failed
	writing    bool   // ... while writing
	inRestores bool   // ... while reading the RESTOREs' replies
	failedAt   int    // ... at this RESTORE's reply
}

// Migrate sends req's commands and reads their replies. A connection
// that fails before any RESTORE is acknowledged (a cached one the target
// has closed, typically) is replaced and the whole exchange tried once
// more, unless it timed out, as Redis does.
func (p *Pool) Migrate(req Request) Result {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.closed { // the node is stopping
		return Result{Acked: make([]bool, len(req.Restores)), Err: errConnect}
	}
	defer p.armIdleLocked()
	name := req.Host + ":" + req.Port
	for mayRetry := true; ; mayRetry = false {
		cs, err := p.connLocked(name, req)
		var x exchange
		switch {
		case err == nil:
			x = cs.exchange(req)
		case dialFailedAtWrite(err):
			// Redis connects without waiting for the outcome: a refused
			// connection shows as a failed write.
			x = exchange{acked: make([]bool, len(req.Restores)), sockErr: err, writing: true}
		default:
			return Result{Acked: make([]bool, len(req.Restores)), Err: errConnect}
		}
		if x.sockErr == nil {
			if x.failed {
				cs.lastDB = -1 // the database selected there is no longer known
				return Result{Acked: x.acked, Err: "ERR Target instance replied with error: " + x.targetErr}
			}
			cs.lastDB = req.DB
			return Result{Acked: x.acked}
		}
		p.closeLocked(name)
		if x.failed {
			return Result{Acked: x.acked, Err: "ERR Target instance replied with error: " + x.targetErr}
		}
		var notRedis *notRedisError
		if errors.As(x.sockErr, &notRedis) {
			return Result{Acked: x.acked, Err: notRedis.Error()}
		}
		if (!x.inRestores || x.failedAt == 0) && mayRetry && !isTimeout(x.sockErr) {
			continue
		}
		if x.writing {
			return Result{Acked: x.acked, Err: errWriting}
		}
		return Result{Acked: x.acked, Err: errReading}
	}
}

// exchange writes req's commands on cs and reads a line for each.
func (cs *cached) exchange(req Request) exchange {
	x := exchange{acked: make([]bool, len(req.Restores))}
	selectDB := cs.lastDB != req.DB
	buf := encode(req, selectDB)
	for pos := 0; pos < len(buf); {
		n := min(len(buf)-pos, writeChunk)
		_ = cs.nc.SetWriteDeadline(time.Now().Add(req.Timeout))
		if _, err := cs.nc.Write(buf[pos : pos+n]); err != nil {
			x.sockErr, x.writing = err, true
			return x
		}
		pos += n
	}
	var authReply, selectReply string
	var err error
	if req.Auth {
		if authReply, err = cs.replyLine(req.Timeout); err != nil {
			x.sockErr = err
			return x
		}
	}
	if selectDB {
		if selectReply, err = cs.replyLine(req.Timeout); err != nil {
			x.sockErr = err
			return x
		}
	}
	x.inRestores = true
	for j := range req.Restores {
		line, err := cs.replyLine(req.Timeout)
		if err != nil {
			x.sockErr, x.failedAt = err, j
			return x
		}
		// An AUTH or SELECT error fails every key, the first error is
		// the reply.
		failed, errLine := false, ""
		for _, l := range []string{authReply, selectReply, line} {
			if !failed && len(l) > 0 && l[0] == '-' {
				failed, errLine = true, l[1:] // possibly empty: "-"
			}
		}
		switch {
		case !failed:
			x.acked[j] = true
		case !x.failed:
			x.failed, x.targetErr = true, errLine
		}
	}
	return x
}

// notRedisError is a reply line that is neither +OK nor an error: the
// target is not a Redis server (Redis would take it for success).
type notRedisError struct{ line string }

func (e *notRedisError) Error() string {
	return fmt.Sprintf("IOERR the target's reply is not a Redis reply to RESTORE: %q", e.line)
}

// replyLine reads the reply line of AUTH, SELECT or RESTORE: +OK or an
// error. Anything else is a notRedisError, so that a key is never deleted
// on the word of a server that did not store it.
func (cs *cached) replyLine(timeout time.Duration) (string, error) {
	line, err := cs.readLine(timeout)
	if err == nil && line != "+OK" && (line == "" || line[0] != '-') {
		return "", &notRedisError{line: line}
	}
	return line, err
}

// readLine reads one reply line, without its CR LF, within timeout; a
// line longer than Redis's buffer is cut to it.
func (cs *cached) readLine(timeout time.Duration) (string, error) {
	_ = cs.nc.SetReadDeadline(time.Now().Add(timeout))
	var line []byte
	for {
		chunk, err := cs.r.ReadSlice('\n')
		if len(line) < maxLine-1 {
			line = append(line, chunk[:min(len(chunk), maxLine-1-len(line))]...)
		}
		if err == nil {
			break
		}
		if !errors.Is(err, bufio.ErrBufferFull) {
			return "", err
		}
	}
	if n := len(line); n > 0 && line[n-1] == '\n' {
		line = line[:n-1]
	}
	if n := len(line); n > 0 && line[n-1] == '\r' {
		line = line[:n-1]
	}
	return string(line), nil
}

// encode is the commands of one exchange in RESP: AUTH if asked, SELECT
// if needed, then the RESTOREs.
func encode(req Request, selectDB bool) []byte {
	w := resp.NewWriter(2)
	command := func(argv ...[]byte) {
		w.Array(len(argv))
		for _, a := range argv {
			w.Bulk(a)
		}
	}
	if req.Auth {
		if req.Username != "" {
			command([]byte("AUTH"), []byte(req.Username), []byte(req.Password))
		} else {
			command([]byte("AUTH"), []byte(req.Password))
		}
	}
	if selectDB {
		command([]byte("SELECT"), strconv.AppendInt(nil, req.DB, 10))
	}
	for _, argv := range req.Restores {
		command(argv...)
	}
	return w.Bytes()
}

// connLocked returns the cached connection to name, or a new one.
func (p *Pool) connLocked(name string, req Request) (*cached, error) {
	now := time.Now()
	if cs := p.conns[name]; cs != nil {
		cs.lastUse = now
		return cs, nil
	}
	if len(p.conns) >= cacheItems {
		for victim := range p.conns { // map order: a random one, as Redis drops
			p.closeLocked(victim)
			break
		}
	}
	nc, err := net.DialTimeout("tcp", net.JoinHostPort(req.Host, strconv.Itoa(atoi(req.Port))), req.Timeout)
	if err != nil {
		return nil, err
	}
	if p.tls != nil {
		if nc, err = handshake(nc, p.tls, req); err != nil {
			return nil, err
		}
	}
	cs := &cached{nc: nc, r: bufio.NewReaderSize(nc, maxLine), lastDB: -1, lastUse: now}
	p.conns[name] = cs
	p.open.Store(int32(len(p.conns)))
	return cs, nil
}

// handshake makes nc a TLS connection to req's target, within its timeout.
// A failure, as one to connect, closes nc.
func handshake(nc net.Conn, cfg *tls.Config, req Request) (net.Conn, error) {
	cfg = cfg.Clone()
	cfg.ServerName = req.Host
	tc := tls.Client(nc, cfg)
	_ = tc.SetDeadline(time.Now().Add(req.Timeout))
	if err := tc.Handshake(); err != nil {
		nc.Close()
		return nil, err
	}
	_ = tc.SetDeadline(time.Time{})
	return tc, nil
}

func (p *Pool) closeLocked(name string) {
	if cs := p.conns[name]; cs != nil {
		cs.nc.Close()
		delete(p.conns, name)
		p.open.Store(int32(len(p.conns)))
	}
}

// armIdleLocked makes sure connections left unused for cacheTTL get
// closed (Redis's migrateCloseTimedoutSockets, run every second).
func (p *Pool) armIdleLocked() {
	if len(p.conns) == 0 || p.closed {
		return
	}
	if p.idle == nil {
		p.idle = time.AfterFunc(cacheTTL, p.closeIdle)
		return
	}
	p.idle.Reset(cacheTTL)
}

// closeIdle closes the connections unused for cacheTTL.
func (p *Pool) closeIdle() {
	p.mu.Lock()
	defer p.mu.Unlock()
	now := time.Now()
	for name, cs := range p.conns {
		if now.Sub(cs.lastUse) >= cacheTTL {
			p.closeLocked(name)
		}
	}
	if len(p.conns) > 0 && !p.closed {
		p.idle.Reset(time.Second)
	}
}

// dialFailedAtWrite reports a dial error that Redis, which connects
// without waiting for the outcome, only sees when it writes: anything
// but a name that does not resolve or a connect that timed out.
func dialFailedAtWrite(err error) bool {
	var dnsErr *net.DNSError
	return !errors.As(err, &dnsErr) && !isTimeout(err)
}

func isTimeout(err error) bool {
	var ne net.Error
	return errors.As(err, &ne) && ne.Timeout()
}

// atoi is C's atoi, as Redis reads MIGRATE's port: the leading digits, 0
// if none.
func atoi(s string) int {
	n, i, neg := 0, 0, false
	for i < len(s) && (s[i] == ' ' || s[i] >= '\t' && s[i] <= '\r') {
		i++
	}
	if i < len(s) && (s[i] == '+' || s[i] == '-') {
		neg = s[i] == '-'
		i++
	}
	for ; i < len(s) && s[i] >= '0' && s[i] <= '9' && n < 1<<20; i++ {
		n = n*10 + int(s[i]-'0')
	}
	if neg {
		return -n
	}
	return n
}
