package cmdgen

import "strconv"

// Functions in the random streams, on the string keys: FUNCTION LOAD
// REPLACE of one of two versions of a library (the second drops a
// function, adds one, and takes no-writes off gen_get), now and then
// FUNCTION DELETE of it, and FCALL or FCALL_RO of its functions, which
// write and read the keys, fail on the wrong type or a non-integer, or do
// not exist (yet, or any more). Libraries outlive FLUSHALL: a stream
// starts with whatever the one before left.
func init() {
	commands = append(commands,
		c("s", "FUNCTION", func(g *Gen) []string {
			if g.r.IntN(6) == 0 {
				return []string{"DELETE", "gen"}
			}
			return []string{"LOAD", "REPLACE", g.pick(genLibrary1, genLibrary2)}
		}),
		c("s", "FCALL", fcallArgs),
		c("s", "FCALL_RO", fcallArgs),
	)
}

const (
	genLibrary1 = "#!lua name=gen\n" +
		"redis.register_function('gen_set', function(keys, args) return redis.call('set', keys[1], args[1]) end)\n" +
		"redis.register_function('gen_incr', function(keys, args) return redis.call('incrby', keys[1], args[1]) end)\n" +
		"redis.register_function{function_name='gen_get', callback=function(keys) return redis.call('get', keys[1]) end, flags={'no-writes'}}\n" +
		"redis.register_function('gen_append', function(keys, args) redis.call('append', keys[1], args[1]) return redis.call('strlen', keys[1]) end)"
	genLibrary2 = "#!lua name=gen\n" +
		"redis.register_function('gen_set', function(keys, args) return redis.call('set', keys[1], args[1]) end)\n" +
		"redis.register_function('gen_incr', function(keys, args) return redis.call('incrby', keys[1], args[1]) end)\n" +
		"redis.register_function('gen_get', function(keys) return {redis.call('get', keys[1]), redis.call('exists', keys[1])} end)\n" +
		"redis.register_function('gen_del', function(keys) return redis.call('del', unpack(keys)) end)"
)

// fcallArgs draws a function of either version (or none), its keys and an
// argument.
func fcallArgs(g *Gen) []string {
	fn := g.pick("gen_set", "gen_incr", "gen_get", "gen_append", "gen_del", "GEN_GET", "gen_none")
	keys := g.keys(2)
	arg := g.value()
	if fn == "gen_incr" {
		arg = g.num()
	}
	return append(append([]string{fn, strconv.Itoa(len(keys))}, keys...), arg)
}
