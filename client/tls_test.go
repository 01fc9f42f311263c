package client_test

import (
	"testing"

	"google.golang.org/grpc"
	"google.golang.org/grpc/credentials"

	"github.com/quorumlog/quorumlog/client"
	"github.com/quorumlog/quorumlog/client/clienttest"
)

// With Config.TLS the client verifies the servers and presents its own
// certificate, and finds the leader from a follower over TLS. The
// refusals are TestClient_ConnectErrorsSayWhy's.
func TestClient_TLS(t *testing.T) {
	pki := clienttest.NewPKI(t)
	cliCert, cliKey := pki.Issue(t, "client")
	fc := clienttest.New(t, 3, grpc.Creds(credentials.NewTLS(pki.ServerTLS(t, "server"))))
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
