package main

import (
	"bytes"
	"path/filepath"
	"strings"
	"testing"
)

// Flags naming the snapshot store are checked before anything starts: a
// clear error, nothing listening, nothing written.
func TestSnapshotStoreFlags_Refused(t *testing.T) {
	missing := filepath.Join(t.TempDir(), "missing")
	for _, c := range []struct {
		args []string
		want string
	}{
		{[]string{"--id", "m1", "--snapshot-dir", t.TempDir(), "--snapshot-s3", "s3://bucket"}, "exclusive"},
		{[]string{"--id", "m1", "--snapshot-s3", "https://bucket"}, "s3://BUCKET"},
		{[]string{"--id", "m1", "--s3-endpoint", "http://127.0.0.1:9000"}, "need --snapshot-s3"},
		{[]string{"--id", "m1", "--snapshot-s3", "s3://bucket", "--s3-endpoint", "ftp://127.0.0.1"}, "http:// or https://"},
		{[]string{"--id", "m1", "--snapshot-s3", "s3://b"}, "bucket"},
		{[]string{"--id", "m1", "--snapshot-dir", missing}, "snapshot directory"},
		{[]string{"--standalone", "--snapshot-dir", t.TempDir()}, "keeps no snapshots"},
		{[]string{"snapshot"}, "--snapshot-dir or --snapshot-s3 is required"},
		{[]string{"snapshot", "--snapshot-s3", "s3://bucket/p", "--snapshot-dir", t.TempDir()}, "exclusive"},
	} {
		args := c.args
		if args[0] != "snapshot" {
			args = append(args, "--addr", "127.0.0.1:0")
		}
		var stderr bytes.Buffer
		err := run(t.Context(), args, &stderr)
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("memshard %q = %v, want an error saying %q", c.args, err, c.want)
		}
	}
}
