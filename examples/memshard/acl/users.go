package acl

import (
	"maps"
	"slices"
)

// Users is a set of users, the default user always among them. A Users is
// never modified once built: SetUser and DelUsers return a new set.
type Users struct {
	byName map[string]*User
	names  []string // sorted as Redis's radix tree orders them: bytewise
	// defaultSet: the default user was set by ACL SETUSER (the server's
	// requirepass applies only to a default user never set).
	defaultSet bool
}

// DefaultSet reports whether the default user was set by ACL SETUSER.
func (us *Users) DefaultSet() bool { return us.defaultSet }

// NewUsers returns the set a Redis server starts with: the default user.
func NewUsers(cat *Catalog) *Users {
	return &Users{byName: map[string]*User{"default": DefaultUser(cat)}, names: []string{"default"}}
}

// Get returns the user named name, nil if there is none.
func (us *Users) Get(name string) *User { return us.byName[name] }

// Names returns the users' names, sorted bytewise (ACL USERS).
func (us *Users) Names() []string { return us.names }

// Len returns the number of users.
func (us *Users) Len() int { return len(us.names) }

// With returns the set with u added or replacing the user of its name.
func (us *Users) With(u *User) *Users {
	n := &Users{byName: maps.Clone(us.byName), names: us.names, defaultSet: us.defaultSet || u.Name == "default"}
	if _, ok := n.byName[u.Name]; !ok {
		n.names = slices.Clone(us.names)
		i, _ := slices.BinarySearch(n.names, u.Name)
		n.names = slices.Insert(n.names, i, u.Name)
	}
	n.byName[u.Name] = u
	return n
}

// Without returns the set without the users named names, and how many of
// them it had. The default user is never removed (the caller refuses).
func (us *Users) Without(names []string) (*Users, int) {
	n := &Users{byName: maps.Clone(us.byName), defaultSet: us.defaultSet}
	deleted := 0
	for _, name := range names {
		if _, ok := n.byName[name]; ok && name != "default" {
			delete(n.byName, name)
			deleted++
		}
	}
	if deleted == 0 {
		return us, 0
	}
	n.names = slices.DeleteFunc(slices.Clone(us.names), func(s string) bool { _, ok := n.byName[s]; return !ok })
	return n, deleted
}

// WithDefault returns the set with u as its default user, not counted as
// set by ACL SETUSER (the server's requirepass).
func (us *Users) WithDefault(u *User) *Users {
	n := us.With(u)
	n.defaultSet = us.defaultSet
	return n
}
