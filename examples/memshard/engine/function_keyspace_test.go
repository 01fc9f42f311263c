package engine

// Keyspace hits and misses of functions, as redis-server 7.0.15 counts
// them: the commands a function runs count as they would on their own;
// FCALL and FUNCTION themselves count nothing. The cases run with
// keyspaceLibrary loaded.
func init() {
	const keyspaceLibrary = "#!lua name=ks\n" +
		"redis.register_function{function_name='ks_get', callback=function(keys) return redis.call('get', keys[1]) end, flags={'no-writes'}}\n" +
		"redis.register_function('ks_mget', function(keys) return redis.call('mget', unpack(keys)) end)\n" +
		"redis.register_function('ks_llen', function(keys) return redis.pcall('llen', keys[1]) end)\n" +
		"redis.register_function('ks_set', function(keys) return redis.call('set', keys[1], 'v') end)\n" +
		"redis.register_function{function_name='ks_exists', callback=function(keys) return redis.call('exists', unpack(keys)) end, flags={'no-writes'}}"
	load := func(h *harness) {
		h.redis.Do("FUNCTION", "FLUSH")
		h.diff("FUNCTION", "LOAD", keyspaceLibrary)
	}
	for _, name := range []string{"FCALL", "FCALL_RO", "FUNCTION"} {
		keyspacePrepare[name] = load
	}
	keyspaceCases["function"] = []keyspaceCase{
		{"FCALL ks_get 1 str", 1, 0}, {"FCALL ks_get 1 nokey", 0, 1}, {"FCALL ks_get 1 xstr", 0, 1},
		{"FCALL ks_llen 1 str", 1, 0}, {"FCALL ks_mget 3 str nokey xstr", 1, 2}, {"FCALL ks_set 1 str", 0, 0},
		{"FCALL ks_set 1 xstr", 0, 0}, {"FCALL ks_get 2 str", 0, 0}, {"FCALL ks_get x", 0, 0}, {"FCALL nosuch 0", 0, 0},
		{"FCALL_RO ks_exists 2 hash xhash", 1, 1}, {"FCALL_RO ks_get 1 list", 1, 0}, {"FCALL_RO ks_set 1 str", 0, 0},
		{"FUNCTION LIST", 0, 0}, {"FUNCTION LIST WITHCODE", 0, 0}, {"FUNCTION STATS", 0, 0}, {"FUNCTION DUMP", 0, 0},
		{"FUNCTION DELETE ks", 0, 0}, {"FUNCTION FLUSH", 0, 0}, {"FUNCTION KILL", 0, 0}, {"FUNCTION HELP", 0, 0},
		{"FUNCTION RESTORE x", 0, 0}, {"FUNCTION LOAD x", 0, 0}, {"FUNCTION FOO", 0, 0},
	}
}
