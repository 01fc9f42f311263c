package engine

import (
	"bytes"
	"sync"
	"sync/atomic"

	"github.com/quorumlog/quorumlog/examples/memshard/acl"
)

// The shard's ACL users live in the DB, as function libraries do: ACL
// SETUSER and ACL DELUSER are writes whose effects go to the log (SETUSER's
// as the user's canonical rules, so that every node rebuilds the same user),
// and a snapshot holds them (Dump). The server answers every other ACL
// subcommand, and checks permissions, from the set the DB publishes
// through the users hook (SetUsersHook) after each change.

// UsersChange is one change of the DB's users: the new set, and the users
// it deleted.
type UsersChange struct {
	Users   *acl.Users
	Deleted []string
}

// Users returns the DB's users.
func (db *DB) Users() *acl.Users {
	if db.users == nil {
		db.users = acl.NewUsers(acl.Redis())
	}
	return db.users
}

// SetACLPubsubDefault sets acl-pubsub-default: allChannels for
// allchannels, else resetchannels (Redis 7.0's default).
func (db *DB) SetACLPubsubDefault(allChannels bool) { db.aclAllChannels = allChannels }

// SetUsersHook sets f to be called, under the caller's lock, with each
// change of the users.
func (db *DB) SetUsersHook(f func(UsersChange)) { db.usersHook = f }

func (db *DB) setUsers(us *acl.Users, deleted []string) {
	db.users = us
	if db.usersHook != nil {
		db.usersHook(UsersChange{Users: us, Deleted: deleted})
	}
}

func aclCommands() []*Command {
	always := func([][]byte) bool { return true }
	flags := []string{FlagAdmin, FlagNoScript, FlagLoading, FlagStale}
	// The container says it too: a backend that looks up argv[0] alone
	// (a replica refusing writes) must see SETUSER and DELUSER as writes.
	isWrite := func(argv [][]byte) bool {
		return len(argv) > 1 && (bytes.EqualFold(argv[1], []byte("setuser")) || bytes.EqualFold(argv[1], []byte("deluser")))
	}
	acl := &Command{Name: "acl", Arity: -2, WriteFunc: isWrite, Subcommands: map[string]*Command{
		"setuser": {Name: "acl|setuser", Arity: -3, Flags: flags, WriteFunc: always, Handler: aclSetUser},
		"deluser": {Name: "acl|deluser", Arity: -3, Flags: flags, WriteFunc: always, Handler: aclDelUser},
	}}
	return []*Command{acl}
}

// aclSetUser: ACL SETUSER username [rule ...]. The server has checked the
// username (no spaces).
func aclSetUser(db *DB, c *Call) {
	cat := acl.Redis()
	name := string(c.Argv[2])
	rules := make([]string, len(c.Argv)-3)
	for i, r := range c.Argv[3:] {
		rules[i] = string(r)
	}
	us := db.Users()
	u := us.Get(name)
	allChannels := db.aclAllChannels && !c.Replay
	switch {
	case c.Replay:
		// An effect holds the user's every rule: it rebuilds the user
		// from nothing, as the primary has it.
		u = acl.NewUser(cat, name)
	case u == nil:
		u = acl.NewUserWith(cat, name, allChannels)
	}
	nu, err := u.SetWith(cat, allChannels, rules...)
	if err != nil {
		c.Out.Error("ERR " + err.Error())
		return
	}
	effect := [][]byte{[]byte("ACL"), []byte("SETUSER"), []byte(name)}
	for _, r := range nu.Rules(cat) {
		effect = append(effect, []byte(r))
	}
	c.PropagateOwned(effect)
	db.dirty++
	db.setUsers(us.With(nu), nil)
	c.Out.OK()
}

// aclDelUser: ACL DELUSER username [username ...].
func aclDelUser(db *DB, c *Call) {
	names := make([]string, 0, len(c.Argv)-2)
	for _, n := range c.Argv[2:] {
		if string(n) == "default" {
			c.Out.Error("ERR The 'default' user cannot be removed")
			return
		}
		names = append(names, string(n))
	}
	us, deleted := db.Users().Without(names)
	if deleted > 0 {
		c.PropagateAsIs()
		db.dirty++
		var gone []string
		for _, n := range names {
			if us.Get(n) == nil && db.users.Get(n) != nil {
				gone = append(gone, n)
			}
		}
		db.setUsers(us, gone)
	}
	c.Out.Int(int64(deleted))
}

// dumpUsers emits ACL SETUSER for every user, but for the default user
// if no ACL SETUSER ever set it: each node's requirepass applies to it then.
func (db *DB) dumpUsers(emit func(argv [][]byte) error) error {
	cat := acl.Redis()
	us := db.Users()
	for _, name := range us.Names() {
		if name == "default" && !us.DefaultSet() {
			continue
		}
		argv := [][]byte{[]byte("ACL"), []byte("SETUSER"), []byte(name)}
		for _, r := range us.Get(name).Rules(cat) {
			argv = append(argv, []byte(r))
		}
		if err := emit(argv); err != nil {
			return err
		}
	}
	return nil
}

// UsersBoard publishes the users of a backend's DB to readers that must not
// take the backend's lock (every command checks its permissions): the DB's
// users hook and a DB replacing another publish to it. The zero value has
// no users (Load returns nil) until the first Publish.
type UsersBoard struct {
	cur atomic.Pointer[acl.Users]
	mu  sync.Mutex
	f   func(UsersChange)
}

// Publish makes ch.Users the current set and tells the OnChange function.
func (b *UsersBoard) Publish(ch UsersChange) {
	b.cur.Store(ch.Users)
	b.mu.Lock()
	f := b.f
	b.mu.Unlock()
	if f != nil {
		f(ch)
	}
}

// Load returns the current set.
func (b *UsersBoard) Load() *acl.Users { return b.cur.Load() }

// OnChange sets the function Publish calls (with the publisher's locks
// held: it must not block).
func (b *UsersBoard) OnChange(f func(UsersChange)) {
	b.mu.Lock()
	b.f = f
	b.mu.Unlock()
}
