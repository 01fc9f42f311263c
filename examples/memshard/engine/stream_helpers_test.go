package engine

// streamReplicaRead is the read checkReplica compares a stream with.
func streamReplicaRead(key string) []string { return []string{"XRANGE", key, "-", "+"} }
