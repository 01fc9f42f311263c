package server

import (
	"testing"
)

// TestSortClusterMode: SORT's BY with a pattern and GET, refused in cluster
// mode, compared with a redis-server in cluster mode serving every slot
// (memshard presents itself as a one-shard cluster); BY a constant is
// allowed there and means "do not sort".
func TestSortClusterMode(t *testing.T) {
	rc := startServingRedisCluster(t)
	_, addr := startServer(t, Config{})
	mc := dial(t, addr)
	for _, argv := range [][]string{
		{"RPUSH", "{l}", "3", "1", "2"}, {"SET", "w_1", "9"},
		{"SORT", "{l}", "BY", "w_*"}, {"SORT", "{l}", "BY", "w_*", "LIMIT", "x", "y"}, {"SORT", "{l}", "LIMIT", "x", "y", "BY", "w_*"},
		{"SORT", "{l}", "GET", "#"}, {"SORT", "{l}", "GET", "w_*"}, {"SORT", "{l}", "BY", "nosort", "GET", "#"},
		{"SORT", "{l}", "BY", "nosort"}, {"SORT", "{l}", "BY", "w_1", "DESC"}, {"SORT_RO", "{l}", "BY", "w_*"},
		{"SORT", "{l}", "GET"}, {"SORT", "{l}", "BY", "w_*", "STORE", "{l}x"}, {"EXISTS", "{l}x"},
	} {
		if want, got := rc.Do(argv...), mc.Do(argv...); string(got) != string(want) {
			t.Errorf("%q:\n memshard %q\n redis    %q", argv, got, want)
		}
	}
}
