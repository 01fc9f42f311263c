package server

import (
	"fmt"
	"slices"
	"strconv"
	"strings"

	"github.com/quorumlog/quorumlog/examples/memshard/engine"
	"github.com/quorumlog/quorumlog/examples/memshard/hashslot"
)

// memshard presents its shard as a Redis Cluster of one shard: the primary
// owns all 16384 slots, the replicas replicate it. A replica redirects
// commands with keys to the primary (MOVED), except reads on a READONLY
// connection; a node that is not serving answers data commands with
// CLUSTERDOWN, which cluster clients retry after refreshing the topology.
// Cross-slot commands are served (the shard owns every slot): memshard
// never replies CROSSSLOT.

// redirect returns the error that replaces data command dc's reply on this
// node, or "" if the node serves it.
func (c *conn) redirect(dc *engine.Command, argv [][]byte) string {
	route := c.route()
	if !route.Serving {
		return errClusterDown
	}
	if route.Primary {
		return ""
	}
	keys := dc.Keys(argv)
	write := dc.IsWriteCall(argv) // EVAL's depends on its script
	if len(keys) == 0 {
		if write {
			return errReadOnly
		}
		return ""
	}
	return c.movedOrServe(route, write, keys[0])
}

// redirectKeys is redirect for a connection command with keys (WATCH).
func (c *conn) redirectKeys(write bool, keys [][]byte) string {
	route := c.route()
	if !route.Serving {
		return errClusterDown
	}
	if route.Primary || len(keys) == 0 {
		return ""
	}
	return c.movedOrServe(route, write, keys[0])
}

// route is the backend's Route, once a handover in progress has ended.
func (c *conn) route() Route {
	route := c.s.backend.Route()
	if route.HandingOver {
		c.s.backend.AwaitHandover(c.ctx)
		route = c.s.backend.Route()
	}
	return route
}

func (c *conn) movedOrServe(route Route, write bool, key []byte) string {
	if c.state.ReadOnly && !write {
		return ""
	}
	if route.PrimaryAddr == "" {
		return errClusterDown
	}
	return fmt.Sprintf("MOVED %d %s", hashslot.Of(key), route.PrimaryAddr)
}

func clusterSubcommands() map[string]*connCommand {
	f := []string{"stale"}
	return subTable(
		&connCommand{name: "info", arity: 2, flags: f, acl: []string{"@slow"}, handler: clusterInfoCmd},
		&connCommand{name: "myid", arity: 2, flags: f, acl: []string{"@slow"}, handler: clusterMyIDCmd},
		&connCommand{name: "slots", arity: 2, flags: f, acl: []string{"@slow"}, handler: clusterSlotsCmd},
		&connCommand{name: "shards", arity: 2, flags: f, acl: []string{"@slow"}, handler: clusterShardsCmd},
		&connCommand{name: "nodes", arity: 2, flags: f, acl: []string{"@slow"}, handler: clusterNodesCmd},
		&connCommand{name: "replicas", arity: 3, flags: []string{"admin", "stale"}, acl: aAdmin, handler: clusterReplicasCmd},
		&connCommand{name: "slaves", arity: 3, flags: []string{"admin", "stale"}, acl: aAdmin, handler: clusterReplicasCmd},
		&connCommand{name: "keyslot", arity: 3, flags: f, acl: []string{"@slow"}, handler: clusterKeySlotCmd},
		&connCommand{name: "failover", arity: -2, flags: []string{"admin", "stale", "no_async_loading"}, acl: aAdmin, handler: clusterFailoverCmd},
		&connCommand{name: "forget", arity: 3, flags: []string{"admin", "stale", "no_async_loading"}, acl: aAdmin, handler: clusterForgetCmd},
		&connCommand{name: "help", arity: 2, flags: []string{"loading", "stale"}, acl: []string{"@slow"}, handler: clusterHelpCmd},
		// Run by the engine (engine/cluster.go): they read the keyspace.
		&connCommand{name: "countkeysinslot", arity: 3, flags: f, acl: []string{"@slow"}, inEngine: true},
		&connCommand{name: "getkeysinslot", arity: 4, flags: f, acl: []string{"@slow"}, inEngine: true},
		&connCommand{name: "links", arity: 2, flags: f, acl: []string{"@slow"}, handler: clusterLinksCmd},
		&connCommand{name: "count-failure-reports", arity: 3, flags: []string{"admin", "stale"}, acl: aAdmin, handler: clusterCountFailureReportsCmd},
	)
}

// clusterNode is a node as the cluster commands list it.
type clusterNode struct {
	Node
	primary bool
}

// clusterNodes lists the primary then the replicas, with this node among
// them even if the topology omits it.
func clusterNodes(topo Topology) []clusterNode {
	var out []clusterNode
	seen := map[string]bool{}
	add := func(n Node, primary bool) {
		if n.ID == "" && n.Addr == "" || seen[n.ID] {
			return
		}
		seen[n.ID] = true
		out = append(out, clusterNode{n, primary})
	}
	add(topo.Primary, true)
	for _, r := range topo.Replicas {
		add(r, false)
	}
	add(topo.Self, topo.Role != "slave")
	return out
}

func clusterInfoCmd(c *conn, argv [][]byte) Ticket {
	topo := c.s.backend.Topology()
	state := "ok"
	if !topo.Serving {
		state = "fail"
	}
	var b strings.Builder
	fmt.Fprintf(&b, "cluster_state:%s\r\n", state)
	b.WriteString("cluster_slots_assigned:16384\r\ncluster_slots_ok:16384\r\ncluster_slots_pfail:0\r\ncluster_slots_fail:0\r\n")
	fmt.Fprintf(&b, "cluster_known_nodes:%d\r\n", len(clusterNodes(topo)))
	b.WriteString("cluster_size:1\r\ncluster_current_epoch:0\r\ncluster_my_epoch:0\r\n")
	b.WriteString("cluster_stats_messages_sent:0\r\ncluster_stats_messages_received:0\r\ntotal_cluster_links_buffer_limit_exceeded:0\r\n")
	c.verbatim(b.String())
	return 0
}

func clusterMyIDCmd(c *conn, argv [][]byte) Ticket {
	c.w.BulkString(c.s.backend.Topology().Self.ID)
	return 0
}

func clusterKeySlotCmd(c *conn, argv [][]byte) Ticket {
	c.w.Int(int64(hashslot.Of(argv[2])))
	return 0
}

// clusterSlotsCmd: one range, 0-16383, served by the primary then the
// replicas, each as [ip, port, id, {}] (Redis 7.0's four fields). As in
// Redis, a failed replica is left out, so clients stop reading from it.
func clusterSlotsCmd(c *conn, argv [][]byte) Ticket {
	topo := c.s.backend.Topology()
	nodes := clusterNodes(topo)
	if len(nodes) == 0 || !nodes[0].primary {
		c.w.Array(0)
		return 0
	}
	nodes = slices.DeleteFunc(nodes, func(n clusterNode) bool { return !n.primary && n.Failed })
	w := c.w
	w.Array(1)
	w.Array(2 + len(nodes))
	w.Int(0)
	w.Int(hashslot.Count - 1)
	for _, n := range nodes {
		host, port := splitAddr(n.Addr)
		w.Array(4)
		w.BulkString(host)
		w.Int(int64(port))
		w.BulkString(n.ID)
		w.Map(0)
	}
	return 0
}

// clusterShardsCmd: Redis 7.0's CLUSTER SHARDS for the one shard.
func clusterShardsCmd(c *conn, argv [][]byte) Ticket {
	topo := c.s.backend.Topology()
	nodes := clusterNodes(topo)
	w := c.w
	w.Array(1)
	w.Map(2)
	w.BulkString("slots")
	if len(nodes) > 0 && nodes[0].primary {
		w.Array(2)
		w.Int(0)
		w.Int(hashslot.Count - 1)
	} else {
		w.Array(0)
	}
	w.BulkString("nodes")
	w.Array(len(nodes))
	for _, n := range nodes {
		host, port := splitAddr(n.Addr)
		role := "master"
		if !n.primary {
			role = "replica"
		}
		w.Map(7)
		w.BulkString("id")
		w.BulkString(n.ID)
		// A Redis node with tls-cluster yes and port 0 (as memshard with
		// TLS serves) shows its port as tls-port, and no plaintext one.
		if c.s.cfg.TLS != nil {
			w.BulkString("tls-port")
		} else {
			w.BulkString("port")
		}
		w.Int(int64(port))
		w.BulkString("ip")
		w.BulkString(host)
		w.BulkString("endpoint")
		w.BulkString(host)
		w.BulkString("role")
		w.BulkString(role)
		w.BulkString("replication-offset")
		w.Int(int64(topo.AppliedID))
		w.BulkString("health")
		if n.Failed {
			w.BulkString("failed")
		} else {
			w.BulkString("online")
		}
	}
	return 0
}

// nodeLine is one line of CLUSTER NODES, in Redis 7.0's format:
// <id> <ip:port@cport> <flags> <master> <ping-sent> <pong-recv> <config-epoch> <link-state> <slot>...
func nodeLine(topo Topology, n clusterNode) string {
	host, port := splitAddr(n.Addr)
	flags, master := "master", "-"
	if !n.primary {
		flags = "slave"
		if topo.Primary.ID != "" {
			master = topo.Primary.ID
		}
	}
	ping, pong, link := n.PingSentMS, n.PongMS, "connected"
	if n.ID == topo.Self.ID {
		flags = "myself," + flags
		ping, pong = 0, 0
	}
	if n.Failed {
		flags += ",fail"
		link = "disconnected"
	}
	line := fmt.Sprintf("%s %s:%d@%d %s %s %d %d 0 %s", n.ID, host, port, port+10000, flags, master, ping, pong, link)
	if n.primary {
		line += " 0-16383"
	}
	return line + "\n"
}

func clusterNodesCmd(c *conn, argv [][]byte) Ticket {
	topo := c.s.backend.Topology()
	var b strings.Builder
	for _, n := range clusterNodes(topo) {
		b.WriteString(nodeLine(topo, n))
	}
	c.verbatim(b.String())
	return 0
}

func clusterReplicasCmd(c *conn, argv [][]byte) Ticket {
	topo := c.s.backend.Topology()
	id := string(argv[2])
	nodes := clusterNodes(topo)
	found := false
	for _, n := range nodes {
		if n.ID == id {
			found = true
			if !n.primary {
				c.errorReply("ERR The specified node is not a master")
				return 0
			}
		}
	}
	if !found {
		c.errorReply("ERR Unknown node " + cString(argv[2], len(argv[2])))
		return 0
	}
	var lines []string
	for _, n := range nodes {
		if !n.primary {
			lines = append(lines, nodeLine(topo, n))
		}
	}
	c.w.Array(len(lines))
	for _, l := range lines {
		c.w.BulkString(l)
	}
	return 0
}

// clusterForgetCmd removes a node from the shard as every node sees it: a
// retired node that stays registered keeps `memshard snapshot` from
// trimming the log (a node it does not know restores from its store). As
// in Redis 7.2, one FORGET reaches every node; a forgotten node that is
// still running comes back when it restarts, as Redis's does once its
// ban ends.
func clusterForgetCmd(c *conn, argv [][]byte) Ticket {
	topo := c.s.backend.Topology()
	id := string(argv[2])
	switch {
	case id == topo.Self.ID:
		c.errorReply("ERR I tried hard but I can't forget myself...")
		return 0
	case topo.Role == "slave" && id == topo.Primary.ID:
		c.errorReply("ERR Can't forget my master!")
		return 0
	case !slices.ContainsFunc(clusterNodes(topo), func(n clusterNode) bool { return n.ID == id }):
		c.errorReply("ERR Unknown node " + cString(argv[2], len(argv[2])))
		return 0
	}
	if err := c.s.backend.Forget(c.ctx, id); err != nil {
		c.errorReply(err.Error())
		return 0
	}
	c.w.OK()
	return 0
}

// clusterLinksCmd: CLUSTER LINKS lists a Redis node's cluster bus
// connections to its peers. memshard's nodes have no cluster bus (they
// meet through the log), so it answers as a cluster-enabled Redis without
// peers does: no link.
func clusterLinksCmd(c *conn, argv [][]byte) Ticket {
	c.w.Array(0)
	return 0
}

// clusterCountFailureReportsCmd: CLUSTER COUNT-FAILURE-REPORTS node-id.
// Redis counts the failure reports other primaries gossiped about the
// node; memshard has no gossip (the log decides roles), so a node the
// shard knows has none.
func clusterCountFailureReportsCmd(c *conn, argv [][]byte) Ticket {
	id := string(argv[2])
	if id == "" || !slices.ContainsFunc(clusterNodes(c.s.backend.Topology()), func(n clusterNode) bool { return n.ID == id }) {
		c.errorReply("ERR Unknown node " + cString(argv[2], len(argv[2])))
		return 0
	}
	c.w.Int(0)
	return 0
}

// clusterFailoverCmd: CLUSTER FAILOVER [FORCE|TAKEOVER], on a replica,
// makes it the primary (Backend.Failover). Like Redis's, it replies OK once
// the failover has started, not once it is over.
func clusterFailoverCmd(c *conn, argv [][]byte) Ticket {
	if len(argv) > 3 {
		c.errorReply(fmt.Sprintf("ERR unknown subcommand or wrong number of arguments for '%s'. Try CLUSTER HELP.", cString(argv[1], len(argv[1]))))
		return 0
	}
	force := false
	if len(argv) == 3 {
		switch {
		case equalFold(argv[2], "force"), equalFold(argv[2], "takeover"):
			force = true
		default:
			c.errorReply("ERR syntax error")
			return 0
		}
	}
	if msg := c.s.backend.Failover(c.ctx, force); msg != "" {
		c.errorReply(msg)
		return 0
	}
	c.w.OK()
	return 0
}

func clusterHelpCmd(c *conn, argv [][]byte) Ticket {
	c.help("CLUSTER", []string{
		"COUNT-FAILURE-REPORTS <node-id>", "    Return number of failure reports for <node-id>.",
		"COUNTKEYSINSLOT <slot>", "    Return the number of keys in <slot>.",
		"FAILOVER [FORCE|TAKEOVER]", "    Promote current replica node to being a master.",
		"FORGET <node-id>", "    Remove a node from the cluster.",
		"GETKEYSINSLOT <slot> <count>", "    Return key names stored by current node in a slot.",
		"INFO", "    Return information about the cluster.",
		"KEYSLOT <key>", "    Return the hash slot for <key>.",
		"MYID", "    Return the node id.",
		"NODES", "    Return cluster configuration seen by node. Output format:",
		"    <id> <ip:port> <flags> <master> <pings> <pongs> <epoch> <link> <slot> ...",
		"REPLICAS <node-id>", "    Return <node-id> replicas.",
		"SLOTS", "    Return information about slots range mappings. Each range is made of:",
		"    start, end, master and replicas IP addresses, ports and ids",
		"SHARDS", "    Return information about slot range mappings and the nodes associated with them.",
		"LINKS", "    Return information about all network links between this node and its peers.",
		"    Output format is an array where each array element is a map containing attributes of a link",
	})
	return 0
}

// help replies a HELP subcommand: lines as status replies, framed as
// Redis's addReplyHelp does.
func (c *conn) help(cmd string, lines []string) {
	all := append([]string{cmd + " <subcommand> [<arg> [value] [opt] ...]. Subcommands are:"}, lines...)
	all = append(all, "HELP", "    Prints this help.")
	c.w.Array(len(all))
	for _, l := range all {
		c.w.Simple(l)
	}
}

// verbatim replies a verbatim string of format txt: RESP3's =, RESP2's bulk.
func (c *conn) verbatim(s string) {
	if c.w.Proto() != 3 {
		c.w.BulkString(s)
		return
	}
	c.w.Raw([]byte("=" + strconv.Itoa(len(s)+4) + "\r\ntxt:" + s + "\r\n"))
}

// askingCmd is ASKING. A cluster client sends it before retrying a command
// on the node an -ASK redirect named, during a slot migration; a shard
// owns every slot and never migrates one, so it only says OK.
func askingCmd(c *conn, argv [][]byte) Ticket {
	c.w.OK()
	return 0
}

// failoverCmd is FAILOVER, which a Redis in cluster mode, as memshard
// answers, refuses: a shard's primary changes through CLUSTER FAILOVER.
func failoverCmd(c *conn, argv [][]byte) Ticket {
	c.errorReply("ERR FAILOVER not allowed in cluster mode. Use CLUSTER FAILOVER command instead.")
	return 0
}

// replicaofCmd is REPLICAOF and SLAVEOF, which a Redis in cluster mode
// refuses: the log, not a command, decides who a node follows.
func replicaofCmd(c *conn, argv [][]byte) Ticket {
	c.errorReply("ERR REPLICAOF not allowed in cluster mode.")
	return 0
}
