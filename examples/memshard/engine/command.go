package engine

import (
	"fmt"
	"slices"
	"strings"

	"github.com/quorumlog/quorumlog/examples/memshard/migrate"
	"github.com/quorumlog/quorumlog/examples/memshard/resp"
)

// Command flags, as COMMAND INFO reports them.
const (
	FlagWrite    = "write"
	FlagReadOnly = "readonly"
	FlagDenyOOM  = "denyoom"
	FlagFast     = "fast"
	FlagAdmin    = "admin"
	FlagNoScript = "noscript"
	FlagLoading  = "loading"
	FlagStale    = "stale"
	FlagRandom   = "random" // nondeterministic output (kept for COMMAND INFO compatibility)
	FlagBlocking = "blocking"
	// FlagAsking: served for a slot being imported after ASKING
	// (RESTORE-ASKING, which MIGRATE sends).
	FlagAsking = "asking"
)

// Command describes one command: what COMMAND INFO says of it, and its handler.
type Command struct {
	Name  string // lower case
	Arity int    // Redis convention: N exact, -N at least N (name included)
	Flags []string
	// FirstKey, LastKey, Step locate the key arguments as in COMMAND INFO
	// (LastKey -1: the last argument; 0,0,0: no keys).
	FirstKey, LastKey, Step int
	// KeysFunc, if set, returns the key arguments (commands whose keys are
	// not at fixed positions, such as ZUNIONSTORE's numkeys form).
	KeysFunc func(argv [][]byte) [][]byte
	// Handler runs the command. Arity has been checked.
	Handler func(db *DB, c *Call)
	// Subcommands, for a container command (OBJECT), by lower-case name;
	// each has its full name ("object|encoding"). Table.Resolve picks one.
	Subcommands map[string]*Command
	// WriteFunc, if set, says whether a call with these arguments is a
	// write, for a command whose write-ness depends on them (EVAL: its
	// script's shebang flags). Flags stay what COMMAND INFO shows.
	WriteFunc func(argv [][]byte) bool
	// ReadsAnyKey: the command may read keys beyond those Keys names (a
	// script reads what it likes). The shard's client blocking layer then
	// holds its reply for every uncommitted write, not just its keys'.
	ReadsAnyKey bool
	// MayReplicateFunc, if set, says whether a call may replicate
	// something though it is not a write (Redis's may_replicate flag, which
	// COMMAND INFO does not show: PFCOUNT, EVAL of a script without a
	// shebang). CLIENT PAUSE WRITE postpones such calls.
	MayReplicateFunc func(argv [][]byte) bool
	// DenyOOMFunc, if set, says whether a call may grow memory though the
	// command is not flagged denyoom, or not though it is (EVAL and FCALL:
	// their script's flags), as Redis's getCommandFlags does.
	DenyOOMFunc func(argv [][]byte) bool
	// External: the command acts on another server (MIGRATE), through
	// Call.Migrate. The backend runs it alone, after the uncommitted
	// writes of its keys commit; memshard refuses it inside MULTI and
	// scripts, where it could not wait for them.
	External bool
}

// DenyOOMCall reports whether the call argv is refused when memory is
// over maxmemory (Redis's denyoom flag, for these arguments).
func (cmd *Command) DenyOOMCall(argv [][]byte) bool {
	if cmd.DenyOOMFunc != nil {
		return cmd.DenyOOMFunc(argv)
	}
	return cmd.HasFlag(FlagDenyOOM)
}

// IsWrite reports whether the command may modify the keyspace.
func (cmd *Command) IsWrite() bool { return cmd.HasFlag(FlagWrite) }

// MayReplicateCall reports whether the call argv may replicate though it
// is not a write (see MayReplicateFunc).
func (cmd *Command) MayReplicateCall(argv [][]byte) bool {
	return cmd.MayReplicateFunc != nil && cmd.MayReplicateFunc(argv)
}

// IsWriteCall reports whether the call argv is a write: WriteFunc's
// answer if the command has one, else IsWrite. Routing and replicas use it.
func (cmd *Command) IsWriteCall(argv [][]byte) bool {
	if cmd.WriteFunc != nil {
		return cmd.WriteFunc(argv)
	}
	return cmd.IsWrite()
}

func (cmd *Command) HasFlag(f string) bool {
	for _, x := range cmd.Flags {
		if x == f {
			return true
		}
	}
	return false
}

// Keys returns the key arguments of argv.
func (cmd *Command) Keys(argv [][]byte) [][]byte {
	if cmd.KeysFunc != nil {
		return cmd.KeysFunc(argv)
	}
	if cmd.FirstKey == 0 {
		return nil
	}
	last := cmd.LastKey
	if last < 0 {
		last = len(argv) + last
	}
	if cmd.Step <= 1 {
		// Contiguous keys are a piece of argv: no allocation on the
		// command path (the blocking layer and routing ask every command).
		last = min(last, len(argv)-1)
		if last < cmd.FirstKey {
			return nil
		}
		return argv[cmd.FirstKey : last+1 : last+1]
	}
	var keys [][]byte
	for i := cmd.FirstKey; i <= last && i < len(argv); i += max(cmd.Step, 1) {
		keys = append(keys, argv[i])
	}
	return keys
}

// Call is one execution of a command.
type Call struct {
	Argv [][]byte     // Argv[0] is the command name as the client sent it
	Out  *resp.Writer // the reply
	Now  int64        // unix milliseconds, fixed by the caller
	// Replay is set when applying effects from the log on a replica: the
	// command must do exactly what it says (no expiry of its own).
	Replay bool
	// ReadOnlyReplica is set for client reads served by a replica: expired
	// keys read as missing but are not deleted (the primary's DEL will come).
	ReadOnlyReplica bool
	// InExec is set for the commands of a MULTI block that EXEC runs; the
	// caller calls DB.EndExec after the last one.
	InExec bool
	// MayBlock lets a blocking command (BLPOP...) that finds nothing ask
	// to block (Blocked) instead of replying as a timeout.
	MayBlock bool
	// Blocked is set by a blocking command that asked to block: it
	// replied nothing, and the caller registers a Waiter (see blocking.go).
	Blocked *Block
	// TrackReads, if set, is called when a script run by this call runs a
	// read-only command, with the keys the script declared: what Redis
	// remembers then for the script's caller when it tracks keys (CLIENT
	// TRACKING), not the keys the command read.
	TrackReads func(keys [][]byte)
	// ScriptACL, if set, checks each command a script calls against the
	// permissions of the script's caller (Redis's scriptVerifyACL): it
	// returns the script error of a denial ("" if allowed), which it logs
	// if log is set (redis.call, redis.pcall; not redis.acl_check_cmd).
	ScriptACL func(argv [][]byte, log bool) string
	// Scripts, if set, is the backend's monitor of the script this call
	// runs (EVAL): BUSY replies and SCRIPT KILL (script_monitor.go).
	Scripts *ScriptMonitor
	// Monitor, if set, is called after each command this call runs (the
	// call's own, then each a script runs: script set), unless Redis keeps
	// it from MONITOR (flags admin, skip_monitor).
	Monitor func(argv [][]byte, script bool)
	// ScriptCalled, if set, is called after each command a script this
	// call runs calls or is refused (script_stats.go), for the server's
	// per-command stats and slow log, as Monitor is for MONITOR; and for
	// an error in the script's reply that the server cannot count from
	// the reply's first byte (nested, or already counted).
	ScriptCalled func(*ScriptCalled)
	// OOM: memory was over maxmemory when the command began (Redis's
	// pre_command_oom_state), so a script it runs may not call a denyoom
	// command before it has written.
	OOM bool
	// Migrate, if set, makes MIGRATE's exchange with its target (see
	// migrate.Pool); MIGRATE refuses to run without it.
	Migrate func(migrate.Request) migrate.Result
	// Memory, if set, returns the process's memory figures (the server's,
	// as INFO memory shows them) for MEMORY STATS and DOCTOR, which
	// refuse to run without it.
	Memory func() ProcessMemory

	effects [][][]byte
	// events are the keyspace notifications raised (notify.go), nil
	// until one is: a pointer keeps the Call, made for every command, in
	// its allocation size class.
	events      *[]Event
	expiredKeys int
	// noTouch is set by the commands that look keys up without counting
	// as an access (Redis's LOOKUP_NOTOUCH: TYPE, TTL, EXISTS, OBJECT).
	noTouch bool
	// noKeymiss is set by OBJECT, whose read of a missing key raises no
	// "keymiss" (LOOKUP_NONOTIFY).
	noKeymiss bool
}

// Propagate records one effect: a command whose replay reproduces (part of)
// the change this call made. The arguments are not copied (a 100 MB SET
// would hold its value once more): they must stay unchanged until the
// caller has taken the effects, which the primary encodes into its record
// as soon as the call returns. The list of them is copied, so that the one
// a call site builds (Propagate([]byte("SET"), key, val)) stays off the
// heap: a replica replays every effect, and records none. A Replay call
// records nothing: what it does is already in the log.
func (c *Call) Propagate(argv ...[]byte) {
	if c.Replay {
		return
	}
	c.effects = append(c.effects, slices.Clone(argv))
}

// PropagateOwned is Propagate of a list the caller made for the effect and
// gives away: it is kept, not copied.
func (c *Call) PropagateOwned(argv [][]byte) {
	if c.Replay {
		return
	}
	c.effects = append(c.effects, argv)
}

// PropagateAsIs records the call's own argv as its effect (for commands that
// are deterministic as sent).
func (c *Call) PropagateAsIs() { c.PropagateOwned(c.Argv) }

// Effects returns the effects recorded so far.
func (c *Call) Effects() [][][]byte { return c.effects }

// ResetEffects forgets recorded effects (the caller took them).
func (c *Call) ResetEffects() { c.effects = c.effects[:0] }

// ExpiredKeys returns how many keys this call deleted by passive expiry.
func (c *Call) ExpiredKeys() int { return c.expiredKeys }

// Table is the command table: every command memshard's engine knows.
type Table map[string]*Command

// NewTable builds the command table from every command family.
func NewTable() Table {
	t := make(Table)
	for _, family := range [][]*Command{
		keyCommands(), stringCommands(), hashCommands(), listCommands(), setCommands(), zsetCommands(), objectCommands(), memoryCommands(), blockingCommands(), hllCommands(), scriptCommands(), functionCommands(), geoCommands(), bitfieldCommands(), streamCommands(), aclCommands(), restoreCommands(), clusterCommands(),
	} {
		for _, cmd := range family {
			if _, dup := t[cmd.Name]; dup {
				panic("engine: command " + cmd.Name + " registered twice")
			}
			t[cmd.Name] = cmd
		}
	}
	return t
}

// Lookup finds the command named by argv[0], case-insensitively, without
// allocating: it runs for every command.
func (t Table) Lookup(name []byte) *Command { return LookupFold(t, name) }

// LookupFold returns m's value for name, matching the keys (lower case)
// without regard to the case of A-Z, as Redis's command dictionaries do
// (strcasecmp: ASCII only), and without allocating: the name of every
// command is looked up this way.
func LookupFold[V any](m map[string]V, name []byte) V {
	if v, ok := m[string(name)]; ok {
		return v
	}
	var lower [32]byte // longer than any command name
	if len(name) > len(lower) {
		var zero V
		return zero
	}
	for i, c := range name {
		if 'A' <= c && c <= 'Z' {
			c += 'a' - 'A'
		}
		lower[i] = c
	}
	return m[string(lower[:len(name)])]
}

// CheckArity reports whether argv has a valid number of arguments for cmd.
func (cmd *Command) CheckArity(argc int) bool {
	if cmd.Arity >= 0 {
		return argc == cmd.Arity
	}
	return argc >= -cmd.Arity
}

// helpReply writes a container's HELP reply as Redis's addReplyHelp does:
// a heading, lines (each a simple string), then HELP's own two.
func helpReply(c *Call, cmd string, lines []string) {
	all := append([]string{cmd + " <subcommand> [<arg> [value] [opt] ...]. Subcommands are:"}, lines...)
	all = append(all, "HELP", "    Prints this help.")
	c.Out.Array(len(all))
	for _, l := range all {
		c.Out.Simple(l)
	}
}

// Resolve returns the command argv runs, a container's subcommand (OBJECT
// ENCODING) or the command itself, or Redis 7.0's error for an unknown
// command or subcommand or a wrong number of arguments. With an arity
// error it still returns the command, whose call was rejected.
func (t Table) Resolve(argv [][]byte) (*Command, string) {
	cmd := t.Lookup(argv[0])
	if cmd == nil {
		return nil, UnknownCommandError(argv)
	}
	if cmd.Subcommands != nil && len(argv) >= 2 {
		sub := cmd.Subcommands[strings.ToLower(string(argv[1]))]
		if sub == nil {
			return nil, fmt.Sprintf("ERR unknown subcommand '%s'. Try %s HELP.", cStringN(argv[1], 128), strings.ToUpper(cmd.Name))
		}
		cmd = sub
	}
	if !cmd.CheckArity(len(argv)) {
		return cmd, ArityError(cmd.Name)
	}
	return cmd, ""
}

// Exec runs argv on db, writing the reply to c.Out: Resolve's errors, else
// the handler's reply.
func (t Table) Exec(db *DB, c *Call) {
	cmd, msg := t.Resolve(c.Argv)
	if msg != "" {
		c.Out.Error(msg)
		return
	}
	db.clock = uint32(c.Now / 1000)
	if db.created == 0 {
		db.created = db.clock
	}
	// MONITOR shows a command once it has run, but EVAL and FCALL
	// (skip_monitor) before they run, so that they come before the
	// commands they run, whatever becomes of them.
	monitor := c.Monitor != nil && cmd.Monitored()
	before := monitor && cmd.HasFlag("skip_monitor")
	if before {
		c.Monitor(c.Argv, false)
	}
	cmd.Handler(db, c)
	if monitor && !before {
		c.Monitor(c.Argv, false)
	}
}

// Monitored reports whether MONITOR shows the command's calls: Redis
// hides admin commands.
func (cmd *Command) Monitored() bool { return !cmd.HasFlag(FlagAdmin) }
