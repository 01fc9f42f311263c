package client_test

import (
	"context"
	"crypto/tls"
	"strings"
	"testing"
	"time"

	"google.golang.org/grpc"
	"google.golang.org/grpc/credentials"

	"github.com/quorumlog/quorumlog/client"
	"github.com/quorumlog/quorumlog/client/clienttest"
)

// With Config.TLS the client verifies the servers and presents its own
// certificate; a cluster that requires client certificates refuses a
// client without one and a plaintext client.
func TestClient_TLS(t *testing.T) {
	pki := clienttest.NewPKI(t)
	srvCert, srvKey := pki.Issue(t, "server")
	cliCert, cliKey := pki.Issue(t, "client")
	pair, err := tls.LoadX509KeyPair(srvCert, srvKey)
	if err != nil {
		t.Fatal(err)
	}
	pool, err := client.LoadCertPool(pki.CAFile)
	if err != nil {
		t.Fatal(err)
	}
	fc := clienttest.New(t, 3, grpc.Creds(credentials.NewTLS(&tls.Config{
		Certificates: []tls.Certificate{pair},
		ClientCAs:    pool,
		ClientAuth:   tls.RequireAndVerifyClientCert,
	})))
	fc.SetLeader(1)

	withCert, err := client.LoadTLS(pki.CAFile, cliCert, cliKey)
	if err != nil {
		t.Fatal(err)
	}
	c := newClient(t, fc, func(cfg *client.Config) { cfg.TLS = withCert; cfg.Endpoints = fc.Addrs()[:1] })
	mustCreate(t, c, "l")
	if got := mustAppend(t, c, "l", "a"); got.LastID != 1 {
		t.Errorf("Append over TLS = %+v, want id 1", got)
	}

	noCert, err := client.LoadTLS(pki.CAFile, "", "")
	if err != nil {
		t.Fatal(err)
	}
	otherCA, err := client.LoadTLS(clienttest.NewPKI(t).CAFile, cliCert, cliKey)
	if err != nil {
		t.Fatal(err)
	}
	// Each refusal names its cause: the client's error carries the failed
	// connection's reason.
	for _, tc := range []struct {
		name string
		cfg  *tls.Config
		want string
	}{
		{"no client certificate", noCert, "tls: certificate required"},
		{"server from an unknown CA", otherCA, "x509: certificate signed by unknown authority"},
		{"plaintext", nil, "error reading server preface"},
	} {
		c := newClient(t, fc, func(c *client.Config) { c.TLS = tc.cfg; c.DialTimeout = time.Second })
		ctx, cancel := context.WithTimeout(t.Context(), 2*time.Second)
		_, err := c.Describe(ctx, "l")
		cancel()
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%s: Describe = %v, want an error saying %q", tc.name, err, tc.want)
		}
	}
}

func TestLoadTLS_Errors(t *testing.T) {
	pki := clienttest.NewPKI(t)
	cert, key := pki.Issue(t, "client")
	for _, tc := range []struct{ name, ca, cert, key string }{
		{"no CA", "", cert, key},
		{"cert without key", pki.CAFile, cert, ""},
		{"missing CA file", "/nonexistent/ca.pem", "", ""},
		{"CA file without a certificate", key, "", ""},
		{"key is not the cert's", pki.CAFile, cert, pki.CAFile},
	} {
		if _, err := client.LoadTLS(tc.ca, tc.cert, tc.key); err == nil {
			t.Errorf("%s: LoadTLS succeeded", tc.name)
		}
	}
	if _, err := client.LoadTLS(pki.CAFile, "", ""); err != nil {
		t.Errorf("CA alone: %v", err)
	}
}
