package server

import (
	"context"
	"github.com/quorumlog/quorumlog/examples/memshard/acl"
	"slices"
	"sync"
	"sync/atomic"

	"github.com/quorumlog/quorumlog/examples/memshard/engine"
	"github.com/quorumlog/quorumlog/examples/memshard/resp"
)

// fakeBackend is a Backend whose writes return increasing tickets that
// settle only when the test says so, and whose topology the test sets.
type fakeBackend struct {
	table engine.Table
	topo  atomic.Pointer[Topology]
	// A test hands over by storing a channel in handoverEnd and setting
	// handingOver; closing the channel ends it.
	handingOver atomic.Bool
	handoverEnd atomic.Value
	scripts     engine.ScriptMonitor // no script ever runs
	users       engine.UsersBoard    // the default user only

	mu      sync.Mutex
	cond    sync.Cond
	next    Ticket
	settled map[Ticket]string // settled tickets and the error they settled with
	// With notifications on, a SET raises "set" (before its reply) and
	// hands it to events with its ticket.
	notify int
	events func(*ConnState, Ticket, []engine.Event)
}

func newFakeBackend() *fakeBackend {
	f := &fakeBackend{settled: map[Ticket]string{}}
	f.cond.L = &f.mu
	f.users.Publish(engine.UsersChange{Users: acl.NewUsers(acl.Redis())})
	nop := func(*engine.DB, *engine.Call) {}
	f.table = engine.Table{
		"set":      {Name: "set", Arity: -3, Flags: []string{engine.FlagWrite}, FirstKey: 1, LastKey: 1, Step: 1, Handler: nop},
		"get":      {Name: "get", Arity: 2, Flags: []string{engine.FlagReadOnly}, FirstKey: 1, LastKey: 1, Step: 1, Handler: nop},
		"dbsize":   {Name: "dbsize", Arity: 1, Flags: []string{engine.FlagReadOnly}, Handler: nop},
		"flushall": {Name: "flushall", Arity: -1, Flags: []string{engine.FlagWrite}, Handler: nop},
	}
	f.setTopology(Topology{Role: "master", Self: Node{ID: "a", Addr: "127.0.0.1:1"}, Primary: Node{ID: "a", Addr: "127.0.0.1:1"}, Serving: true})
	return f
}

func (f *fakeBackend) setTopology(t Topology) { f.topo.Store(&t) }

// tickets returns the last ticket a write got.
func (f *fakeBackend) tickets() Ticket {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.next
}

// settle settles ticket t with errMsg ("" for success).
func (f *fakeBackend) settle(t Ticket, errMsg string) {
	f.mu.Lock()
	f.settled[t] = errMsg
	f.cond.Broadcast()
	f.mu.Unlock()
}

func (f *fakeBackend) Table() engine.Table { return f.table }

// Do: SET replies +OK with a new ticket; GET replies the key's name; the
// others reply :0.
func (f *fakeBackend) Do(conn *ConnState, argv [][]byte, w *resp.Writer) Ticket {
	switch cmd := f.table.Lookup(argv[0]); cmd.Name {
	case "set":
		at := w.Len()
		w.OK()
		f.mu.Lock()
		defer f.mu.Unlock()
		f.next++
		if f.notify != 0 && f.events != nil {
			f.events(conn, f.next, []engine.Event{{Class: engine.NotifyString, Name: "set", Key: string(argv[1]), At: at}})
		}
		return f.next
	case "get":
		w.Bulk(argv[1])
	default:
		w.Int(0)
	}
	return 0
}

func (f *fakeBackend) Block(ctx context.Context, conn *ConnState, argv [][]byte, w *resp.Writer, onBlock func()) BlockResult {
	return BlockResult{Ticket: f.Do(conn, argv, w)}
}

func (f *fakeBackend) Publish(sharded bool, channel, message []byte)         {}
func (f *fakeBackend) OnMessage(func(sharded bool, channel, message []byte)) {}
func (f *fakeBackend) OnModified(func(by *ConnState, mods []Modified))       {}
func (f *fakeBackend) PauseExpiry(bool)                                      {}

func (f *fakeBackend) Scripts() *engine.ScriptMonitor { return &f.scripts }
func (f *fakeBackend) ScriptCounts() (int, int, int)  { return 0, 0, 0 }
func (f *fakeBackend) KeyCounts() (int, int)          { return 0, 0 }
func (f *fakeBackend) SetMaxmemory(engine.Maxmemory)  {}

// Evict implements Backend: the fake holds no keys and is never out of
// memory.
func (f *fakeBackend) Evict() bool { return false }

func (f *fakeBackend) SetNotify(flags int) {
	f.mu.Lock()
	f.notify = flags
	f.mu.Unlock()
}

func (f *fakeBackend) OnKeyspaceEvents(deliver func(*ConnState, Ticket, []engine.Event)) {
	f.mu.Lock()
	f.events = deliver
	f.mu.Unlock()
}

func (f *fakeBackend) Exec(conn *ConnState, queued [][][]byte, w *resp.Writer) Ticket {
	w.Array(len(queued))
	var t Ticket
	for _, argv := range queued {
		t = max(t, f.Do(conn, argv, w))
	}
	return t
}

func (f *fakeBackend) Watch(conn *ConnState, keys [][]byte) {}
func (f *fakeBackend) Unwatch(conn *ConnState)              {}

func (f *fakeBackend) Wait(ctx context.Context, t Ticket) string {
	stop := context.AfterFunc(ctx, func() {
		f.mu.Lock()
		f.cond.Broadcast()
		f.mu.Unlock()
	})
	defer stop()
	f.mu.Lock()
	defer f.mu.Unlock()
	for {
		if e, ok := f.settled[t]; ok {
			return e
		}
		if ctx.Err() != nil {
			return "ERR connection closed"
		}
		f.cond.Wait()
	}
}

func (f *fakeBackend) Topology() Topology { return *f.topo.Load() }

// AwaitHandover waits until handoverEnd (set by a test) is closed.
func (f *fakeBackend) AwaitHandover(ctx context.Context) {
	if end, _ := f.handoverEnd.Load().(chan struct{}); end != nil {
		select {
		case <-end:
		case <-ctx.Done():
		}
	}
}

func (f *fakeBackend) Failover(context.Context, bool) string {
	return "ERR You should send CLUSTER FAILOVER to a replica"
}
func (f *fakeBackend) Route() Route {
	r := routeOf(f.Topology())
	r.HandingOver = f.handingOver.Load()
	return r
}
func (f *fakeBackend) Info(section string) string { return "" }

// Forget drops the node from the fake topology's replicas.
func (f *fakeBackend) Forget(_ context.Context, id string) error {
	t := f.Topology()
	t.Replicas = slices.DeleteFunc(slices.Clone(t.Replicas), func(n Node) bool { return n.ID == id })
	f.setTopology(t)
	return nil
}

func routeOf(t Topology) Route {
	return Route{Serving: t.Serving, Primary: t.Role == "master", PrimaryAddr: t.Primary.Addr}
}

func (f *fakeBackend) SetACLPubsubDefault(bool)            {}
func (f *fakeBackend) Users() *acl.Users                   { return f.users.Load() }
func (f *fakeBackend) OnUsers(fn func(engine.UsersChange)) { f.users.OnChange(fn) }
