package server

import "testing"

func pubsubScenarios() []bscenario {
	return []bscenario{
		{"channel", []bstep{
			bdo(1, "SUBSCRIBE", "a", "b"), bread(1), bdo(3, "PUBLISH", "a", "hello"), bread(1), bdo(3, "PUBLISH", "b", ""), bread(1),
			bdo(3, "PUBLISH", "c", "x"), bdo(1, "PING"),
		}},
		{"order", []bstep{
			bdo(1, "SUBSCRIBE", "a"), bdo(3, "PUBLISH", "a", "1"), bdo(3, "PUBLISH", "a", "2"), bdo(3, "PUBLISH", "a", "3"),
			bread(1), bread(1), bread(1),
		}},
		{"patterns", []bstep{
			bdo(1, "PSUBSCRIBE", "news.*"), bdo(2, "SUBSCRIBE", "news.art"), bdo(3, "PUBLISH", "news.art", "x"), bread(1), bread(2),
			bdo(3, "PUBLISH", "news", "y"), bdo(3, "PUBLISH", "news.music", "z"), bread(1), bdo(2, "PING"),
		}},
		// Patterns are tried in an order Redis does not define (its dict's):
		// one pattern per connection here.
		{"channel-and-pattern", []bstep{
			bdo(1, "SUBSCRIBE", "a"), bdo(1, "PSUBSCRIBE", "a*"), bdo(2, "PSUBSCRIBE", "?"), bdo(3, "PUBLISH", "a", "m"), bread(1), bread(1), bread(2),
			bdo(2, "PUNSUBSCRIBE", "?"), bdo(3, "PUBLISH", "a", "n"), bread(1), bread(1), bdo(2, "PING"),
		}},
		{"resp3", []bstep{
			bquiet(1, "HELLO", "3"), bdo(1, "SUBSCRIBE", "a"), bdo(1, "PSUBSCRIBE", "a*"), bdo(3, "PUBLISH", "a", "m"), bread(1), bread(1),
			bdo(1, "SET", "k", "v"), bdo(3, "PUBLISH", "a", "n"), bread(1), bread(1), bdo(1, "GET", "k"), bdo(1, "PING"),
		}},
		{"unsubscribed-gets-nothing", []bstep{
			bdo(1, "SUBSCRIBE", "a", "b"), bread(1), bdo(1, "UNSUBSCRIBE", "a"), bdo(3, "PUBLISH", "a", "m"), bdo(3, "PUBLISH", "b", "m"),
			bread(1), bdo(1, "UNSUBSCRIBE"), bdo(3, "PUBLISH", "b", "m"), bdo(1, "PING"),
		}},
		{"sharded", []bstep{
			bdo(1, "SSUBSCRIBE", "s", "t"), bread(1), bdo(2, "SUBSCRIBE", "s"), bdo(3, "SPUBLISH", "s", "m"), bread(1),
			bdo(3, "PUBLISH", "s", "n"), bread(2), bdo(1, "PING"), bdo(1, "SUNSUBSCRIBE", "s"), bdo(3, "SPUBLISH", "s", "o"),
		}},
		{"pubsub-introspection", []bstep{
			bdo(1, "SUBSCRIBE", "a", "b"), bread(1), bdo(2, "SUBSCRIBE", "a"), bdo(2, "PSUBSCRIBE", "x*", "y*"), bread(2), bdo(3, "SSUBSCRIBE", "s"),
			bdo(4, "PUBSUB", "CHANNELS", "a*"), bdo(4, "PUBSUB", "NUMSUB", "a", "b", "c", "x*"), bdo(4, "PUBSUB", "NUMPAT"),
			bdo(4, "PUBSUB", "SHARDCHANNELS"), bdo(4, "PUBSUB", "SHARDNUMSUB", "s", "a"), bdo(4, "PUBSUB", "CHANNELS", "z"),
			bdo(4, "INFO", "stats"), bdo(4, "CLIENT", "LIST", "ID", "$1", "$2", "$3"), bdo(4, "CLIENT", "LIST", "TYPE", "normal"),
			bdo(2, "PUNSUBSCRIBE"), bread(2), bdo(4, "PUBSUB", "NUMPAT"),
		}},
		{"client-kill-type-pubsub", []bstep{
			bdo(1, "SUBSCRIBE", "a"), bdo(2, "PSUBSCRIBE", "b"), bdo(4, "CLIENT", "KILL", "TYPE", "pubsub"),
			buntil(":0\r\n", "PUBSUB", "NUMPAT"), buntil("*2\r\n$1\r\na\r\n:0\r\n", "PUBSUB", "NUMSUB", "a"), bdo(4, "PUBLISH", "a", "m"),
		}},
		{"disconnect-unsubscribes", []bstep{
			bdo(1, "SUBSCRIBE", "a"), bclose(1), buntil("*2\r\n$1\r\na\r\n:0\r\n", "PUBSUB", "NUMSUB", "a"), bdo(3, "PUBLISH", "a", "m"),
		}},
		{"reset-unsubscribes", []bstep{
			bdo(1, "SUBSCRIBE", "a"), bdo(1, "PSUBSCRIBE", "*"), bdo(1, "RESET"), bdo(3, "PUBLISH", "a", "m"), bdo(1, "GET", "k"),
		}},
		{"subscribe-in-multi", []bstep{
			bdo(1, "MULTI"), bdo(1, "SUBSCRIBE", "a"), bdo(1, "PING"), bdo(1, "EXEC"), bdo(3, "PUBLISH", "a", "m"), bread(1),
		}},
	}
}

// TestDiffPubSub runs the Pub/Sub scenarios on redis-server and memshard
// (standalone) and compares what every connection read.
func TestDiffPubSub(t *testing.T) { diffScenarios(t, pubsubScenarios()) }
