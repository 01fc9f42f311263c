package server

import "strings"

// connCommand is a command the server answers itself: a connection, server,
// transaction or cluster command. Its metadata is what COMMAND INFO shows,
// as Redis 7.0 describes the same command.
type connCommand struct {
	name     string // lower case; "client|setname" for a subcommand
	arity    int
	flags    []string
	acl      []string
	group    string // COMMAND DOCS group
	summary  string
	firstKey int
	lastKey  int
	step     int
	noAuth   bool // allowed before AUTH
	// protectedBy names the setting that would allow a protected command
	// (enable-debug-command, enable-module-command). Its default, "no",
	// is the only value memshard has: the command is always refused.
	protectedBy string
	runsInMulti bool // executed, not queued, inside MULTI
	// inEngine: the engine's command of the same name runs it, as a data
	// command (lookup returns that one), because it reads the keyspace:
	// CLUSTER COUNTKEYSINSLOT and GETKEYSINSLOT. The entry here only
	// describes it (COMMAND, HELP, the subcommand's place in CLUSTER).
	inEngine bool
	handler  func(c *conn, argv [][]byte) Ticket
	subs     map[string]*connCommand
}

// connTable holds the connection commands by name; built in init because
// COMMAND's handler reads it.
var connTable map[string]*connCommand

func init() { connTable = buildConnTable() }

var (
	fConn   = []string{"noscript", "loading", "stale", "fast", "no_auth", "allow_busy"}
	fMulti  = []string{"noscript", "loading", "stale", "fast", "allow_busy"}
	fClient = []string{"noscript", "loading", "stale"}
	fAdmin  = []string{"admin", "noscript", "loading", "stale"}
	aConn   = []string{"@fast", "@connection"}
	aSlowC  = []string{"@slow", "@connection"}
	aAdmin  = []string{"@admin", "@slow", "@dangerous"}
	aTx     = []string{"@fast", "@transaction"}
	fPubsub = []string{"pubsub", "noscript", "loading", "stale"}
	aPubsub = []string{"@pubsub", "@slow"}
)

func buildConnTable() map[string]*connCommand {
	cmds := []*connCommand{
		{name: "ping", arity: -1, flags: []string{"fast", "sentinel"}, acl: aConn, group: "connection", summary: "Ping the server", handler: pingCmd},
		{name: "echo", arity: 2, flags: []string{"loading", "stale", "fast"}, acl: aConn, group: "connection", summary: "Echo the given string", handler: echoCmd},
		{name: "hello", arity: -1, flags: append(fConn[:5:5], "sentinel", "allow_busy"), acl: aConn, group: "connection", summary: "Handshake with Redis", handler: helloCmd},
		{name: "auth", arity: -2, flags: append(fConn[:5:5], "sentinel", "allow_busy"), acl: aConn, group: "connection", summary: "Authenticate to the server", handler: authCmd},
		{name: "select", arity: 2, flags: []string{"loading", "stale", "fast"}, acl: aConn, group: "connection", summary: "Change the selected database for the current connection", handler: selectCmd},
		{name: "quit", arity: -1, flags: fConn, acl: aConn, group: "connection", summary: "Close the connection", runsInMulti: true, handler: quitCmd},
		{name: "reset", arity: 1, flags: fConn, acl: aConn, group: "connection", summary: "Reset the connection", runsInMulti: true, handler: resetCmd},
		{name: "asking", arity: 1, flags: []string{"fast"}, acl: []string{"@fast", "@connection"}, group: "cluster", summary: "Sent by cluster clients after an -ASK redirect", handler: askingCmd},
		{name: "failover", arity: -1, flags: []string{"admin", "noscript", "stale"}, acl: []string{"@admin", "@slow", "@dangerous"}, group: "server", summary: "Start a coordinated failover between this server and one of its replicas.", handler: failoverCmd},
		{name: "replicaof", arity: 3, flags: []string{"admin", "noscript", "stale", "no_async_loading"}, acl: []string{"@admin", "@slow", "@dangerous"}, group: "server", summary: "Make the server a replica of another instance, or promote it as master.", handler: replicaofCmd},
		{name: "slaveof", arity: 3, flags: []string{"admin", "noscript", "stale", "no_async_loading"}, acl: []string{"@admin", "@slow", "@dangerous"}, group: "server", summary: "Make the server a replica of another instance, or promote it as master.", handler: replicaofCmd},
		{name: "readonly", arity: 1, flags: []string{"loading", "stale", "fast"}, acl: aConn, group: "cluster", summary: "Enables read queries for a connection to a cluster replica node", handler: readonlyCmd},
		{name: "readwrite", arity: 1, flags: []string{"loading", "stale", "fast"}, acl: aConn, group: "cluster", summary: "Disables read queries for a connection to a cluster replica node", handler: readwriteCmd},
		{name: "monitor", arity: 1, flags: []string{"admin", "noscript", "loading", "stale"}, acl: []string{"@admin", "@slow", "@dangerous"}, group: "server", summary: "Listen for all requests received by the server in real time", handler: monitorCmd},
		{name: "shutdown", arity: -1, flags: []string{"admin", "noscript", "loading", "stale", "no_multi", "allow_busy"}, acl: []string{"@admin", "@slow", "@dangerous"}, group: "server", summary: "Synchronously save the dataset to disk and then shut down the server", handler: shutdownCmd},
		{name: "lastsave", arity: 1, flags: []string{"loading", "stale", "fast"}, acl: []string{"@admin", "@fast", "@dangerous"}, group: "server", summary: "Get the UNIX time stamp of the last successful save to disk", handler: lastsaveCmd},
		{name: "pfselftest", arity: 1, flags: []string{"admin"}, acl: []string{"@hyperloglog", "@admin", "@slow", "@dangerous"}, group: "hyperloglog", summary: "An internal command for testing HyperLogLog values", handler: pfselftestCmd},
		{name: "save", arity: 1, flags: []string{"admin", "noscript", "no_async_loading", "no_multi"}, acl: aAdmin, group: "server", summary: "Synchronously save the dataset to disk", handler: saveCmd},
		{name: "bgsave", arity: -1, flags: []string{"admin", "noscript", "no_async_loading"}, acl: aAdmin, group: "server", summary: "Asynchronously save the dataset to disk", handler: saveCmd},
		{name: "bgrewriteaof", arity: 1, flags: []string{"admin", "noscript", "no_async_loading"}, acl: aAdmin, group: "server", summary: "Asynchronously rewrite the append-only file", handler: bgrewriteaofCmd},
		{name: "time", arity: 1, flags: []string{"loading", "stale", "fast"}, acl: []string{"@fast"}, group: "server", summary: "Return the current server time", handler: timeCmd},
		{name: "role", arity: 1, flags: []string{"noscript", "loading", "stale", "fast", "sentinel"}, acl: []string{"@admin", "@fast", "@dangerous"}, group: "server", summary: "Return the role of the instance in the context of replication", handler: roleCmd},
		{name: "wait", arity: 3, flags: []string{"noscript"}, acl: aSlowC, group: "generic", summary: "Wait for the synchronous replication of all the write commands sent in the context of the current connection", handler: waitCmd},
		{name: "lolwut", arity: -1, flags: []string{"readonly", "fast"}, acl: []string{"@read", "@fast"}, group: "server", summary: "Display some computer art and the Redis version", handler: lolwutCmd},
		{name: "info", arity: -1, flags: []string{"loading", "stale", "sentinel"}, acl: []string{"@slow", "@dangerous"}, group: "server", summary: "Get information and statistics about the server", handler: infoCmd},
		{name: "multi", arity: 1, flags: fMulti, acl: aTx, group: "transactions", summary: "Mark the start of a transaction block", runsInMulti: true, handler: multiCmd},
		{name: "exec", arity: 1, flags: []string{"noscript", "loading", "stale", "skip_slowlog"}, acl: []string{"@slow", "@transaction"}, group: "transactions", summary: "Execute all commands issued after MULTI", runsInMulti: true, handler: execCmd},
		{name: "discard", arity: 1, flags: fMulti, acl: aTx, group: "transactions", summary: "Discard all commands issued after MULTI", runsInMulti: true, handler: discardCmd},
		{name: "watch", arity: -2, flags: fMulti, acl: aTx, group: "transactions", summary: "Watch the given keys to determine execution of the MULTI/EXEC block", firstKey: 1, lastKey: -1, step: 1, runsInMulti: true, handler: watchCmd},
		{name: "unwatch", arity: 1, flags: fMulti, acl: aTx, group: "transactions", summary: "Forget about all watched keys", handler: unwatchCmd},
		{name: "client", arity: -2, acl: []string{"@slow"}, group: "connection", summary: "A container for client connection commands", subs: clientSubcommands()},
		{name: "command", arity: -1, flags: []string{"loading", "stale"}, acl: aSlowC, group: "server", summary: "Get array of Redis command details", handler: commandCmd, subs: commandSubcommands()},
		{name: "config", arity: -2, acl: []string{"@slow"}, group: "server", summary: "A container for server configuration commands", subs: configSubcommands()},
		{name: "cluster", arity: -2, acl: []string{"@slow"}, group: "cluster", summary: "A container for cluster commands", subs: clusterSubcommands()},
		{name: "debug", arity: -2, flags: []string{"admin", "noscript", "loading", "stale"}, acl: aAdmin, group: "server", summary: "A container for debugging commands", protectedBy: "enable-debug-command", handler: protectedCmd},
		{name: "module", arity: -2, acl: []string{"@slow"}, group: "server", summary: "A container for module commands", subs: moduleSubcommands()},
		{name: "latency", arity: -2, acl: []string{"@slow"}, group: "server", summary: "A container for latency diagnostics commands", subs: latencySubcommands()},
		{name: "subscribe", arity: -2, flags: fPubsub, acl: aPubsub, group: "pubsub", summary: "Listen for messages published to the given channels", handler: subscribeCmd(kindChannel)},
		{name: "psubscribe", arity: -2, flags: fPubsub, acl: aPubsub, group: "pubsub", summary: "Listen for messages published to channels matching the given patterns", handler: subscribeCmd(kindPattern)},
		{name: "ssubscribe", arity: -2, flags: fPubsub, acl: aPubsub, group: "pubsub", summary: "Listen for messages published to the given shard channels", firstKey: 1, lastKey: -1, step: 1, handler: subscribeCmd(kindShard)},
		{name: "unsubscribe", arity: -1, flags: fPubsub, acl: aPubsub, group: "pubsub", summary: "Stop listening for messages posted to the given channels", handler: unsubscribeCmd(kindChannel)},
		{name: "punsubscribe", arity: -1, flags: fPubsub, acl: aPubsub, group: "pubsub", summary: "Stop listening for messages posted to channels matching the given patterns", handler: unsubscribeCmd(kindPattern)},
		{name: "sunsubscribe", arity: -1, flags: fPubsub, acl: aPubsub, group: "pubsub", summary: "Stop listening for messages posted to the given shard channels", firstKey: 1, lastKey: -1, step: 1, handler: unsubscribeCmd(kindShard)},
		{name: "publish", arity: 3, flags: []string{"pubsub", "loading", "stale", "fast"}, acl: []string{"@pubsub", "@fast"}, group: "pubsub", summary: "Post a message to a channel", handler: publishCmd(false)},
		{name: "spublish", arity: 3, flags: []string{"pubsub", "loading", "stale", "fast"}, acl: []string{"@pubsub", "@fast"}, group: "pubsub", summary: "Post a message to a shard channel", firstKey: 1, lastKey: 1, step: 1, handler: publishCmd(true)},
		{name: "pubsub", arity: -2, acl: []string{"@slow"}, group: "pubsub", summary: "A container for Pub/Sub commands", subs: pubsubSubcommands()},
		{name: "acl", arity: -2, acl: []string{"@slow"}, group: "server", summary: "A container for Access List Control commands", subs: aclSubcommands()},
		{name: "slowlog", arity: -2, acl: []string{"@slow"}, group: "server", summary: "A container for slow log commands", subs: slowlogSubcommands()},
	}
	t := make(map[string]*connCommand, len(cmds))
	for _, cc := range cmds {
		cc.noAuth = hasFlag(cc.flags, "no_auth")
		for _, sub := range cc.subs {
			sub.name = cc.name + "|" + sub.name
			if sub.group == "" {
				sub.group = cc.group
			}
		}
		t[cc.name] = cc
	}
	return t
}

func hasFlag(flags []string, f string) bool {
	for _, x := range flags {
		if x == f {
			return true
		}
	}
	return false
}

// subTable indexes subcommands by name.
func subTable(subs ...*connCommand) map[string]*connCommand {
	t := make(map[string]*connCommand, len(subs))
	for _, s := range subs {
		t[strings.ToLower(s.name)] = s
	}
	return t
}
