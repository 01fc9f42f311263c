package main

import (
	"errors"
	"io"
	"strings"
	"testing"
)

// --max-record-bytes outside 1..32 MiB is a usage error, before the node
// opens anything: an append is one raft entry, and raft-wal reads back
// entries of at most 64 MiB.
func TestMaxRecordBytesFlag_Refused(t *testing.T) {
	for _, v := range []string{"0", "-1", "33554433"} {
		dir := t.TempDir()
		err := run(t.Context(), []string{"--id", "n1", "--zone", "a", "--data-dir", dir, "--max-record-bytes", v}, io.Discard, io.Discard)
		var u usageError
		if !errors.As(err, &u) || !strings.Contains(err.Error(), "--max-record-bytes must be between 1 and 33554432") {
			t.Errorf("--max-record-bytes %s: %v, want the usage error", v, err)
		}
	}
}

// --raft-log-bytes below 64 MiB is a usage error: an append may take 48 MiB.
func TestRaftLogBytesFlag_Refused(t *testing.T) {
	err := run(t.Context(), []string{"--id", "n1", "--zone", "a", "--data-dir", t.TempDir(), "--raft-log-bytes", "1000"}, io.Discard, io.Discard)
	var u usageError
	if !errors.As(err, &u) || !strings.Contains(err.Error(), "--raft-log-bytes must be at least 67108864") {
		t.Errorf("--raft-log-bytes 1000: %v, want the usage error", err)
	}
}

// --max-sync-duration under a second is a usage error: healthy fsyncs of
// large entries may take that long.
func TestMaxSyncDurationFlag_Refused(t *testing.T) {
	for _, v := range []string{"0s", "-1s", "500ms"} {
		err := run(t.Context(), []string{"--id", "n1", "--zone", "a", "--data-dir", t.TempDir(), "--max-sync-duration", v}, io.Discard, io.Discard)
		var u usageError
		if !errors.As(err, &u) || !strings.Contains(err.Error(), "--max-sync-duration must be at least 1s") {
			t.Errorf("--max-sync-duration %s: %v, want the usage error", v, err)
		}
	}
}

// --tls-crl-file without the TLS files is a usage error, for a node and
// for "dev" (which takes the node's --tls-* flags), before anything
// starts.
func TestTLSCRLFlag_WithoutTLS(t *testing.T) {
	for _, args := range [][]string{
		{"--id", "n1", "--zone", "a", "--data-dir", t.TempDir(), "--tls-crl-file", "crl.pem"},
		{"dev", "--data-dir", t.TempDir(), "--tls-crl-file", "crl.pem"},
	} {
		err := run(t.Context(), args, io.Discard, io.Discard)
		var u usageError
		if !errors.As(err, &u) || !strings.Contains(err.Error(), "--tls-crl-file needs TLS") {
			t.Errorf("quorumlogd %q: %v, want the usage error", args, err)
		}
	}
}
