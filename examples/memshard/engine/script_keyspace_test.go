package engine

// Keyspace hits and misses of scripts, as redis-server 7.0.15 counts them:
// the commands a script runs count as they would on their own; EVAL and
// SCRIPT themselves count nothing. (A script here has no spaces: a case is
// split on them.)
func init() {
	const none = "0000000000000000000000000000000000000000" // a SHA1 no script has here
	keyspaceCases["script"] = []keyspaceCase{
		{"EVAL return(redis.call('get',KEYS[1])) 1 str", 1, 0}, {"EVAL return(redis.call('get',KEYS[1])) 1 nokey", 0, 1},
		{"EVAL return(redis.call('get',KEYS[1])) 1 xstr", 0, 1}, {"EVAL return(redis.call('llen',KEYS[1])) 1 str", 1, 0},
		{"EVAL return(redis.call('mget',KEYS[1],KEYS[2],KEYS[3])) 3 str nokey xstr", 1, 2},
		{"EVAL return(redis.call('set',KEYS[1],'v')) 1 str", 0, 0}, {"EVAL return(redis.call('lpush',KEYS[1],'v')) 1 str", 0, 0},
		{"EVAL return(redis.pcall('hget',KEYS[1],'f')) 1 hash", 1, 0}, {"EVAL return(1) 0", 0, 0}, {"EVAL return(1) x", 0, 0},
		{"EVAL return(redis.call('get',KEYS[1])) 2 str", 0, 0}, {"EVAL return(", 0, 0},
		{"EVAL_RO return(redis.call('exists',KEYS[1],KEYS[2])) 2 hash xhash", 1, 1},
		{"EVAL_RO return(redis.call('del',KEYS[1])) 1 str", 0, 0},
		{"EVALSHA " + none + " 1 str", 0, 0}, {"EVALSHA abc 0", 0, 0},
		{"EVALSHA_RO " + none + " 1 str", 0, 0},
		{"SCRIPT EXISTS abc", 0, 0}, {"SCRIPT FLUSH", 0, 0}, {"SCRIPT HELP", 0, 0}, {"SCRIPT KILL", 0, 0},
		{"SCRIPT LOAD return(1)", 0, 0}, {"SCRIPT FOO", 0, 0},
	}
}
