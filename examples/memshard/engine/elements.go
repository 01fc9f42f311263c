package engine

// removeElements is the body of HDEL and SREM on an existing key: it
// removes each of Argv[2:] with remove, deleting the key (and stopping)
// once size reports it empty; if anything went it touches the key and
// propagates the command as sent; it replies the number removed.
func removeElements(db *DB, c *Call, remove func(string) bool, size func() int) {
	key := string(c.Argv[1])
	deleted := 0
	for _, e := range c.Argv[2:] {
		if remove(string(e)) {
			deleted++
			if size() == 0 {
				db.Delete(key)
				break
			}
		}
	}
	if deleted > 0 {
		db.Touch(key)
		c.PropagateAsIs()
	}
	c.Out.Int(int64(deleted))
}
