package client

// TLS files that are re-read when they change, as etcd re-reads its
// certificate files for new connections: an operator rotates a
// certificate, a key or the CA bundle by replacing the files (typically by
// rename), and the next handshake uses them, without a restart. A
// handshake only stats the files (mtime, size, inode); they are read
// again only when one of those changed. An optional CRL file (tlscrl.go)
// is one more file of the set, reloaded the same way. A replacement that
// does not load or validate is logged once and the last good set stays in
// use, so that a half-written file never stops serving.

import (
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"sync"
	"sync/atomic"
	"time"
)

// TLSFiles names the PEM files of a TLS identity for NewTLSReloader.
type TLSFiles struct {
	// CAFile holds the CA certificates the peers' certificates are
	// verified against (required).
	CAFile string
	// CertFile (the certificate, intermediates after it) and KeyFile (its
	// private key) are this side's identity: both or neither. A server
	// needs them; a client presents them to servers that ask.
	CertFile, KeyFile string
	// CRLFile, if set, holds PEM certificate revocation lists, each signed
	// by a CA of CAFile: peers whose certificate (or an intermediate of
	// it) a list revokes are refused, and so is this side's own
	// certificate when it is revoked (see tlscrl.go).
	CRLFile string
	// Verify, if set, is called on every set that loads, with the
	// certificate (when there is one) and the CA pool; an error refuses
	// the set. A node checks that the CA signed its certificate for
	// both of its roles; a client does not, since the servers may trust a
	// CA that the client does not.
	Verify func(cert tls.Certificate, pool *x509.CertPool) error
	// Logger gets one Error per change of the files that does not load,
	// and one Info per reload; nil discards.
	Logger *slog.Logger
}

// The parts of a TLSFiles set a TLSFileError can be about.
const (
	TLSCAFile  = "ca"      // the CA file does not read or parse
	TLSKeyPair = "keypair" // the cert and key files do not read, parse or match
	TLSCRLFile = "crl"     // the CRL file does not read or parse, or a CRL is not signed by a CA of the CA file
	TLSRevoked = "revoked" // a CRL revokes this side's own certificate (Err is a *CertificateRevokedError)
	TLSVerify  = "verify"  // TLSFiles.Verify refused the set
)

// TLSFileError is a set of TLS files that does not load: Part says which
// (TLSCAFile, TLSKeyPair, TLSCRLFile, TLSRevoked, TLSVerify) and Err why;
// the message names the files.
type TLSFileError struct {
	Part                               string
	CAFile, CertFile, KeyFile, CRLFile string
	Err                                error
}

func (e *TLSFileError) Error() string {
	switch e.Part {
	case TLSCAFile:
		return e.Err.Error() // LoadCertPool's errors name the file
	case TLSKeyPair:
		return fmt.Sprintf("TLS cert file %s, key file %s: %v", e.CertFile, e.KeyFile, e.Err)
	case TLSCRLFile:
		return fmt.Sprintf("TLS CRL file %s (CA file %s): %v", e.CRLFile, e.CAFile, e.Err)
	case TLSRevoked:
		return fmt.Sprintf("TLS cert file %s: %v", e.CertFile, e.Err) // the error names the CRL file
	default:
		return fmt.Sprintf("TLS cert file %s (CA file %s): %v", e.CertFile, e.CAFile, e.Err)
	}
}

func (e *TLSFileError) Unwrap() error { return e.Err }

// TLSReloader holds the last good set of a TLSFiles and reloads it when
// the files change. Its configurations (ServerConfig, ClientConfig) ask
// it for the set on each handshake. Safe for concurrent use.
type TLSReloader struct {
	files  TLSFiles
	logger *slog.Logger

	mu sync.Mutex
	// seen is the files' stamps as last looked at; cur the last set that
	// loaded. Guarded by mu.
	seen [4]fileStamp
	cur  *tlsSet
}

// tlsSet is one loaded set of files; never changed once built, but for
// staleLogged.
type tlsSet struct {
	cert    *tls.Certificate // nil without CertFile
	pool    *x509.CertPool
	crls    []*crl // none without CRLFile
	crlFile string
	// staleLogged is set once a stale CRL of the set has been logged
	// (noteStale), so that it is logged once per set, not per handshake.
	staleLogged atomic.Bool
}

// fileStamp is what a handshake looks at to tell that a file changed: a
// rename over it changes the inode, a rewrite in place the mtime or size.
type fileStamp struct {
	mtime time.Time
	size  int64
	inode uint64
	err   string // the stat's error: a missing file is a state too
}

// NewTLSReloader loads f's files; an error (a *TLSFileError when a file
// does not load, ErrInvalidArgument when f is incomplete) means nothing was
// loaded. The files are not watched: they are looked at again on each
// handshake of the configurations built from the reloader.
func NewTLSReloader(f TLSFiles) (*TLSReloader, error) {
	if f.CAFile == "" {
		return nil, fmt.Errorf("%w: TLS needs a CA file to verify the peers", ErrInvalidArgument)
	}
	if (f.CertFile == "") != (f.KeyFile == "") {
		return nil, fmt.Errorf("%w: a TLS certificate needs both its cert and key files", ErrInvalidArgument)
	}
	r := &TLSReloader{files: f, logger: f.Logger}
	if r.logger == nil {
		r.logger = slog.New(slog.DiscardHandler)
	}
	r.seen = r.stamps() // before reading: a change during the read is seen next time
	set, err := r.load()
	if err != nil {
		return nil, err
	}
	r.cur = set
	r.noteStale(set)
	return r, nil
}

// current returns the set to use for a handshake starting now: the files
// as they are if they changed and load, else the last good set.
func (r *TLSReloader) current() *tlsSet {
	r.mu.Lock()
	defer r.mu.Unlock()
	// Stat under the lock: two handshakes' stamps taken outside it could
	// be compared out of order and load (and log) one change twice.
	st := r.stamps()
	if st == r.seen {
		r.noteStale(r.cur)
		return r.cur
	}
	r.seen = st
	set, err := r.load()
	if err != nil {
		// Once per change: the stamps are now seen, so the next handshake
		// keeps the old set in silence until the files change again.
		r.logger.Error("TLS files changed but do not load: keeping the previous ones", "err", err)
		r.noteStale(r.cur)
		return r.cur
	}
	r.cur = set
	attrs := []any{"ca_file", r.files.CAFile}
	if set.cert != nil {
		attrs = append(attrs, "cert_file", r.files.CertFile, "serial", set.cert.Leaf.SerialNumber.String())
	}
	if set.crlFile != "" {
		attrs = append(attrs, "crl_file", set.crlFile, "crls", len(set.crls))
	}
	r.logger.Info("TLS files reloaded", attrs...)
	r.noteStale(set)
	return set
}

// noteStale logs, once per set, that a CRL of set is past its
// NextUpdate: it still revokes (failing safe), but whoever publishes the
// lists should replace it.
func (r *TLSReloader) noteStale(set *tlsSet) {
	if set.staleLogged.Load() {
		return
	}
	if l := set.staleCRL(time.Now()); l != nil && set.staleLogged.CompareAndSwap(false, true) {
		r.logger.Warn("TLS CRL is past its next update: it still revokes what it lists; replace it with a current one",
			"crl_file", set.crlFile, "issuer", l.issuer, "next_update", l.nextUpdate)
	}
}

// stamps returns the stamps of the CA, cert, key and CRL files.
func (r *TLSReloader) stamps() [4]fileStamp {
	var st [4]fileStamp
	for i, name := range []string{r.files.CAFile, r.files.CertFile, r.files.KeyFile, r.files.CRLFile} {
		if name == "" {
			continue
		}
		fi, err := os.Stat(name)
		if err != nil {
			st[i].err = err.Error()
			continue
		}
		st[i] = fileStamp{mtime: fi.ModTime(), size: fi.Size(), inode: inode(fi)}
	}
	return st
}

// load reads and checks the files.
func (r *TLSReloader) load() (*tlsSet, error) {
	f := r.files
	pool, cas, err := loadCAs(f.CAFile)
	if err != nil {
		return nil, &TLSFileError{Part: TLSCAFile, CAFile: f.CAFile, Err: err}
	}
	set := &tlsSet{pool: pool, crlFile: f.CRLFile}
	if f.CRLFile != "" {
		if set.crls, err = loadCRLs(f.CRLFile, cas); err != nil {
			return nil, &TLSFileError{Part: TLSCRLFile, CAFile: f.CAFile, CRLFile: f.CRLFile, Err: err}
		}
	}
	var cert tls.Certificate
	if f.CertFile != "" {
		cert, err = tls.LoadX509KeyPair(f.CertFile, f.KeyFile) // checks that the key is the certificate's
		if err != nil {
			return nil, &TLSFileError{Part: TLSKeyPair, CertFile: f.CertFile, KeyFile: f.KeyFile, Err: err}
		}
		if cert.Leaf == nil { // set by LoadX509KeyPair since Go 1.23; ServerConfig needs it
			return nil, &TLSFileError{Part: TLSKeyPair, CertFile: f.CertFile, KeyFile: f.KeyFile, Err: errors.New("no parsed leaf certificate")}
		}
		set.cert = &cert
		if err := set.ownRevoked(); err != nil {
			return nil, &TLSFileError{Part: TLSRevoked, CAFile: f.CAFile, CertFile: f.CertFile, KeyFile: f.KeyFile, CRLFile: f.CRLFile, Err: err}
		}
	}
	if f.Verify != nil {
		if err := f.Verify(cert, pool); err != nil {
			return nil, &TLSFileError{Part: TLSVerify, CAFile: f.CAFile, CertFile: f.CertFile, KeyFile: f.KeyFile, Err: err}
		}
	}
	return set, nil
}
