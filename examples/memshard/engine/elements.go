package engine

// removeElements is the body of HDEL and SREM on an existing key: it
// removes each of Argv[2:] with remove, deleting the key (and stopping)
// once size reports it empty; if anything went it touches the key, raises
// event of class (and "del" for a key deleted) and propagates the command
// as sent; it replies the number removed.
func removeElements(db *DB, c *Call, remove func(string) bool, size func() int, class int, event string) {
	key := string(c.Argv[1])
	deleted, keyRemoved := 0, false
	for _, e := range c.Argv[2:] {
		if remove(string(e)) {
			deleted++
			if size() == 0 {
				db.Delete(key)
				keyRemoved = true
				break
			}
		}
	}
	if deleted > 0 {
		db.Touch(key)
		db.notifyKey(c, class, event, key)
		if keyRemoved {
			db.notifyKey(c, NotifyGeneric, "del", key)
		}
		c.PropagateAsIs()
	}
	c.Out.Int(int64(deleted))
}
