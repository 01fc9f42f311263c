package engine

import (
	"strings"
	"testing"
	"time"

	"github.com/quorumlog/quorumlog/examples/memshard/acl"
	"github.com/quorumlog/quorumlog/examples/memshard/resp"
)

// aclRun runs argv on db as a client's command and returns its reply and
// effects.
func aclRun(t *testing.T, table Table, db *DB, argv ...string) (string, [][][]byte) {
	t.Helper()
	c := &Call{Out: resp.NewWriter(2), Now: time.Now().UnixMilli()}
	for _, a := range argv {
		c.Argv = append(c.Argv, []byte(a))
	}
	table.Exec(db, c)
	return string(c.Out.Bytes()), c.Effects()
}

func replay(t *testing.T, table Table, db *DB, effects [][][]byte) {
	t.Helper()
	for _, e := range effects {
		c := &Call{Argv: e, Out: resp.NewWriter(2), Now: time.Now().UnixMilli(), Replay: true}
		table.Exec(db, c)
		if b := c.Out.Bytes(); len(b) > 0 && b[0] == '-' {
			t.Fatalf("replaying %q: %q", e, b)
		}
	}
}

func describeAll(db *DB) string {
	us := db.Users()
	var b strings.Builder
	for _, n := range us.Names() {
		b.WriteString(n + " " + us.Get(n).Describe(acl.Redis()) + "\n")
	}
	return b.String()
}

// TestACLEffects: the effects of ACL SETUSER and DELUSER rebuild the same
// users on a replica, and so does a dump (the default user only once set);
// refused commands leave no effect.
func TestACLEffects(t *testing.T) {
	table := NewTable()
	primary, replica := New(), New()
	var changes []UsersChange
	replica.SetUsersHook(func(ch UsersChange) { changes = append(changes, ch) })
	for _, argv := range [][]string{
		{"ACL", "SETUSER", "a", "on", ">p", "~k*", "+get", "(~x +set)"},
		{"ACL", "SETUSER", "a", "skip-sanitize-payload", "&c"},
		{"ACL", "SETUSER", "b", "on", "nopass", "allcommands", "allkeys", `("~q\"r" +hget)`},
		{"ACL", "SETUSER", "c"},
		{"ACL", "SETUSER", "a", "bogus"},
		{"ACL", "DELUSER", "c", "nosuch"},
		{"ACL", "DELUSER", "nosuch"},
		{"ACL", "DELUSER", "default"},
	} {
		_, effects := aclRun(t, table, primary, argv...)
		if strings.Contains(strings.Join(argv, " "), "bogus") || argv[2] == "nosuch" || argv[2] == "default" {
			if len(effects) != 0 {
				t.Errorf("%q: effects %q, want none", argv, effects)
			}
		}
		replay(t, table, replica, effects)
	}
	if got, want := describeAll(replica), describeAll(primary); got != want {
		t.Errorf("replica's users:\n%s\nprimary's:\n%s", got, want)
	}
	if len(changes) == 0 || changes[len(changes)-1].Deleted[0] != "c" {
		t.Errorf("last change of the replica's users = %+v, want c deleted", changes)
	}
	// A dump leaves out the default user until it is set.
	var dumped [][][]byte
	if err := primary.Dump(func(argv [][]byte) error { dumped = append(dumped, argv); return nil }); err != nil {
		t.Fatal(err)
	}
	for _, argv := range dumped {
		if string(argv[2]) == "default" {
			t.Errorf("dump holds the default user, never set: %q", argv)
		}
	}
	restored := New()
	replay(t, table, restored, dumped)
	if got, want := describeAll(restored), describeAll(primary); got != want {
		t.Errorf("restored users:\n%s\nprimary's:\n%s", got, want)
	}
	aclRun(t, table, primary, "ACL", "SETUSER", "default", "resetpass", ">x")
	dumped = nil
	_ = primary.Dump(func(argv [][]byte) error { dumped = append(dumped, argv); return nil })
	restored = New()
	replay(t, table, restored, dumped)
	if got, want := describeAll(restored), describeAll(primary); got != want || !restored.Users().DefaultSet() {
		t.Errorf("restored users:\n%s\nprimary's:\n%s", got, want)
	}
}

// TestACLEffects_PubsubDefault: a user made under acl-pubsub-default
// allchannels on the primary is the same on a replica whose setting is
// resetchannels: the effect spells its channels out.
func TestACLEffects_PubsubDefault(t *testing.T) {
	table := NewTable()
	primary, replica := New(), New()
	primary.SetACLPubsubDefault(true)
	for _, argv := range [][]string{
		{"ACL", "SETUSER", "a", "on", "(~x +get)"}, {"ACL", "SETUSER", "b", "reset"}, {"ACL", "SETUSER", "c", "resetchannels", "&n"},
	} {
		_, effects := aclRun(t, table, primary, argv...)
		replay(t, table, replica, effects)
	}
	got, want := describeAll(replica), describeAll(primary)
	if got != want || !strings.Contains(want, "a on &* -@all (~x &* -@all +get)") {
		t.Errorf("replica's users:\n%s\nprimary's:\n%s", got, want)
	}
}
