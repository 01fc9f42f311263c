package client_test

import (
	"bytes"
	"context"
	"crypto/tls"
	"log/slog"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"google.golang.org/grpc"
	"google.golang.org/grpc/credentials"

	"github.com/quorumlog/quorumlog/client"
	"github.com/quorumlog/quorumlog/client/clienttest"
)

// A client that cannot connect says why, in the words of the usual
// mistakes: TLS against plaintext and the reverse, a CA that did not sign
// the server's certificate, a missing or foreign client certificate
// (the refusal of which depends on whether the client sends it at all).
func TestClient_ConnectErrorsSayWhy(t *testing.T) {
	pki, other := clienttest.NewPKI(t), clienttest.NewPKI(t)
	cliCert, cliKey := pki.Issue(t, "client")
	strangerCert, strangerKey := other.Issue(t, "stranger")
	secure := clienttest.New(t, 1, grpc.Creds(credentials.NewTLS(pki.ServerTLS(t, "server"))))
	secure.SetLeader(0)
	plain := clienttest.New(t, 1)
	plain.SetLeader(0)

	load := func(ca, cert, key string) *tls.Config {
		cfg, err := client.LoadTLS(ca, cert, key)
		if err != nil {
			t.Fatal(err)
		}
		return cfg
	}
	for _, tc := range []struct {
		name    string
		fc      *clienttest.Cluster
		tls     *tls.Config
		want    string
		succeed bool
	}{
		{"plaintext client, TLS server", secure, nil, "(it may require TLS)", false},
		{"no client certificate", secure, load(pki.CAFile, "", ""), "the server requires a client certificate, and none is configured", false},
		{"server's CA unknown", secure, load(other.CAFile, cliCert, cliKey), "TLS handshake: tls: failed to verify certificate: x509: certificate signed by unknown authority", false},
		{"client certificate of another CA", secure, load(pki.CAFile, strangerCert, strangerKey), "", false},
		{"TLS client, plaintext server", plain, load(pki.CAFile, cliCert, cliKey), "TLS handshake: tls: first record does not look like a TLS handshake", false},
		{"good certificate", secure, load(pki.CAFile, cliCert, cliKey), "", true},
	} {
		// A certificate of a CA the server does not list is not sent, or
		// the server refuses it: either way the error names it.
		sayWhy := regexp.MustCompile(regexp.QuoteMeta(tc.want))
		if tc.want == "" && !tc.succeed {
			sayWhy = regexp.MustCompile(`client certificate|client's certificate|server refused the connection: remote error: tls: `)
		}
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel() // each failure takes its 2s deadline
			var logged lockedBuffer
			c := newClient(t, tc.fc, func(cfg *client.Config) {
				cfg.TLS, cfg.DialTimeout = tc.tls, 500*time.Millisecond
				cfg.Logger = slog.New(slog.NewTextHandler(&logged, &slog.HandlerOptions{Level: slog.LevelWarn}))
			})
			ctx, cancel := context.WithTimeout(t.Context(), 2*time.Second)
			defer cancel()
			err := c.CreateLog(ctx, strings.ReplaceAll(tc.name, " ", "-"))
			switch {
			case tc.succeed && err != nil:
				t.Errorf("CreateLog = %v, want success", err)
			case !tc.succeed && (err == nil || !sayWhy.MatchString(err.Error())):
				t.Errorf("CreateLog = %v, want an error saying %q", err, sayWhy)
			}
			// The cause is logged too, for callers that retry without a
			// deadline and so never see the error.
			if log := logged.String(); tc.succeed != (log == "") || !tc.succeed && !sayWhy.MatchString(log) {
				t.Errorf("logged %q, want a warning saying %q", log, sayWhy)
			}
		})
	}
}

// lockedBuffer is a bytes.Buffer safe for concurrent use.
type lockedBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (l *lockedBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}

func (l *lockedBuffer) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.String()
}
