package engine

// Keyspace hits and misses of ACL SETUSER and ACL DELUSER, the ACL
// subcommands the engine runs: none, as in redis-server 7.0.15.
func init() {
	keyspaceCases["acl"] = []keyspaceCase{
		{"ACL SETUSER ks on >p ~str +get", 0, 0}, {"ACL SETUSER ks bogus", 0, 0}, {"ACL DELUSER ks", 0, 0},
		{"ACL DELUSER nosuch", 0, 0},
	}
}
