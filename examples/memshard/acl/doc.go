// Package acl is Redis 7.0's access control lists for memshard: users,
// the rules ACL SETUSER parses (ACLSetUser in Redis's acl.c), their
// canonical description (ACL LIST, ACL GETUSER) and the permission checks
// each command goes through (ACLCheckAllUserCommandPerm).
//
// Commands and categories come from Redis's own table (commands.json,
// written by make command-docs from redis-server 7.0.15): rules may name
// every Redis command, whether or not memshard implements it.
//
// A User is immutable once built: Set returns a new one, and a Users set
// is replaced as a whole. Connections read the current set through
// an atomic pointer, without a lock, on every command.
//
// One difference from Redis remains: Redis describes single commands in
// the order of its command dictionary, a hash order that changes from
// process to process (two redis-servers describe the same user with
// "+get +set" and "+set +get"); memshard describes them in the catalog's
// order, by name, a command's subcommands after it.
package acl
