package main

// --tls-authz-file: the rules that authorize gRPC calls by the client
// certificate (quorum/server/authz). Nodes call each other's gRPC port
// (read index for linearizable reads on followers, join) with their own
// certificate, so a node's certificate must be granted cluster: a node
// whose own certificate the rules do not grant it refuses to start, and a
// later version of the file that would take it away is refused (logged,
// the previous rules kept), as a file that does not parse.

import (
	"crypto/tls"
	"fmt"
	"log/slog"

	"github.com/quorumlog/quorumlog/quorum/server/authz"
)

// loadAuthz opens f.authzFile, vetting it and every later version against
// this node's certificate as it is at start.
func (f tlsFlags) loadAuthz(logger *slog.Logger) (*authz.File, error) {
	pair, err := tls.LoadX509KeyPair(f.certFile, f.keyFile)
	if err != nil {
		return nil, fmt.Errorf("--tls-cert-file %s: %w", f.certFile, err)
	}
	self := pair.Leaf
	validate := func(r *authz.Rules) error {
		if r.Allowed(self, authz.Cluster, "") {
			return nil
		}
		who := authz.Principal(self)
		return fmt.Errorf("%s does not grant cluster to this node's certificate (%s), which nodes need for their calls to each other: add the line %q", f.authzFile, who, who+" cluster")
	}
	af, err := authz.Open(f.authzFile, logger, validate)
	if err != nil {
		return nil, fmt.Errorf("--tls-authz-file: %w", err)
	}
	return af, nil
}
