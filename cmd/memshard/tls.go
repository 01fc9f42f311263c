package main

import (
	"crypto/tls"
	"flag"
	"fmt"

	"github.com/quorumlog/quorumlog/examples/memshard/server"
)

// respTLSFlags are the flags of TLS on the RESP port, named after Redis's
// configuration. Kept apart from the other flags (and from --log-tls-*,
// the log's) so that each lives in its own lines.
type respTLSFlags struct {
	cert, key, ca, authClients *string
}

func addRespTLSFlags(fs *flag.FlagSet) *respTLSFlags {
	return &respTLSFlags{
		cert: fs.String("tls-cert-file", "", "PEM certificate (chain) of this node. With it and --tls-key-file, --addr serves TLS only, "+
			"as MemoryDB: one port, encrypted; every address the node advertises (CLUSTER SLOTS/SHARDS/NODES, MOVED, ROLE, INFO) is then a TLS endpoint, "+
			"and the node's own connections to the other nodes (probes, CLUSTER FAILOVER's handover, MIGRATE) use TLS with this certificate as client certificate. "+
			"Give every node of a shard TLS, or none"),
		key: fs.String("tls-key-file", "", "PEM private key of --tls-cert-file"),
		ca:  fs.String("tls-ca-cert-file", "", "PEM certificates of the CA that verifies clients' and other nodes' certificates (required with TLS)"),
		authClients: fs.String("tls-auth-clients", "yes", "with TLS, whether clients must present a certificate the CA signed: "+
			"yes, no (none asked) or optional (verified if given); CONFIG SET tls-auth-clients changes it"),
	}
}

// load returns the node's TLS identity and the configuration of its own
// outgoing connections, or nils without --tls-cert-file and --tls-key-file.
// Its errors name the flag and the file at fault.
func (f *respTLSFlags) load() (*server.TLS, *tls.Config, []string, error) {
	switch *f.authClients {
	case "yes", "no", "optional":
	default:
		return nil, nil, nil, usageError{fmt.Errorf("--tls-auth-clients must be yes, no or optional, not %q", *f.authClients)}
	}
	if *f.cert == "" && *f.key == "" {
		if *f.ca != "" {
			return nil, nil, nil, usageError{fmt.Errorf("--tls-ca-cert-file %s without --tls-cert-file and --tls-key-file: TLS needs all three", *f.ca)}
		}
		return nil, nil, nil, nil
	}
	if *f.cert == "" || *f.key == "" || *f.ca == "" {
		return nil, nil, nil, usageError{fmt.Errorf("TLS needs --tls-cert-file, --tls-key-file and --tls-ca-cert-file (got %q, %q, %q)", *f.cert, *f.key, *f.ca)}
	}
	t, err := server.LoadTLS(server.TLSFiles{CertFile: *f.cert, KeyFile: *f.key, CAFile: *f.ca})
	if err != nil {
		return nil, nil, nil, err
	}
	// tls-auth-clients is a CONFIG SET parameter: set it as one at start.
	return t, t.Client(), []string{"tls-auth-clients", *f.authClients}, nil
}
