package main

import (
	"bytes"
	"strings"
	"testing"
)

// Out-of-range tuning flags are usage errors, caught before anything starts.
func TestTuningFlags_Refused(t *testing.T) {
	for _, c := range []struct {
		args []string
		want string
	}{
		{[]string{"--pipeline", "0"}, "--pipeline must be at least 1"},
		{[]string{"--gather-wait", "-1ms"}, "--gather-wait must be at least 0"},
		{[]string{"--gather-wait", "200ms"}, "below a tenth of --lease"}, // the default lease is 2s
		{[]string{"--lease", "1s", "--gather-wait", "100ms"}, "below a tenth of --lease"},
		{[]string{"--max-record-bytes", "100"}, "--max-record-bytes must be 0 (ask the log) or at least 1024"},
	} {
		args := append([]string{"--id", "m1", "--addr", "127.0.0.1:0"}, c.args...)
		var stderr bytes.Buffer
		err := run(t.Context(), args, &stderr)
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("memshard %q = %v, want an error saying %q", c.args, err, c.want)
		}
	}
}
