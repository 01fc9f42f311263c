package main

import (
	"bytes"
	"path/filepath"
	"strings"
	"testing"

	"github.com/quorumlog/quorumlog/client/clienttest"
)

// The TLS flags are checked before anything starts: a missing, unreadable
// or mismatched file is an error naming it, as is a bad --tls-auth-clients.
func TestTLSFlags_Refused(t *testing.T) {
	pki := clienttest.NewPKI(t)
	cert, key := pki.Issue(t, "node")
	missing := filepath.Join(t.TempDir(), "missing.pem")
	for _, c := range []struct {
		args []string
		want string
	}{
		{[]string{"--tls-cert-file", missing, "--tls-key-file", key, "--tls-ca-cert-file", pki.CAFile}, missing},
		{[]string{"--tls-cert-file", cert, "--tls-key-file", missing, "--tls-ca-cert-file", pki.CAFile}, missing},
		{[]string{"--tls-cert-file", cert, "--tls-key-file", key, "--tls-ca-cert-file", missing}, missing},
		{[]string{"--tls-cert-file", cert, "--tls-key-file", pki.CAFile, "--tls-ca-cert-file", pki.CAFile}, "key file " + pki.CAFile},
		{[]string{"--tls-cert-file", key, "--tls-key-file", key, "--tls-ca-cert-file", pki.CAFile}, "cert file " + key},
		{[]string{"--tls-cert-file", cert, "--tls-key-file", key, "--tls-ca-cert-file", key}, "TLS CA cert file " + key + ": no PEM certificate"},
		{[]string{"--tls-cert-file", cert, "--tls-key-file", key}, "TLS needs --tls-cert-file, --tls-key-file and --tls-ca-cert-file"},
		{[]string{"--tls-cert-file", cert, "--tls-ca-cert-file", pki.CAFile}, "TLS needs --tls-cert-file, --tls-key-file and --tls-ca-cert-file"},
		{[]string{"--tls-ca-cert-file", pki.CAFile}, "without --tls-cert-file and --tls-key-file"},
		{[]string{"--tls-cert-file", cert, "--tls-key-file", key, "--tls-ca-cert-file", pki.CAFile, "--tls-auth-clients", "maybe"}, `--tls-auth-clients must be yes, no or optional, not "maybe"`},
	} {
		args := append([]string{"--id", "m1", "--addr", "127.0.0.1:0"}, c.args...)
		var stderr bytes.Buffer
		err := run(t.Context(), args, &stderr)
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("memshard %q = %v, want an error saying %q", c.args, err, c.want)
		}
	}
}
