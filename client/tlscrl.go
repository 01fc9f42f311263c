package client

// Certificate revocation lists (TLSFiles.CRLFile), as etcd's
// --client-crl-file: a certificate the CA signed can be shut out without
// replacing the CA everywhere. Every peer certificate a configuration of
// a TLSReloader verifies (clients by a server that asks for them, servers
// by a client, raft both ways) is refused when a certificate of its
// verified chain, leaf or intermediate, has its serial number on a CRL of
// the CA that issued it. Issued by that CA means: the CRL names the
// certificate's issuer (RawIssuer) and is signed by the key that signed
// the certificate, so a serial revoked by one CA never refuses another
// CA's certificate that happens to carry the same serial (or the same CA
// name). Every CRL must be signed by a CA of the CA file, or the set
// does not load.
//
// A CRL past its NextUpdate still revokes what it lists (failing safe:
// an old list is still true of what it names) and is logged once as
// stale. Delta and indirect CRLs are not told apart: every entry revokes
// the serial for the CRL's own issuer, which can only refuse more.

import (
	"bytes"
	"crypto/x509"
	"encoding/pem"
	"errors"
	"fmt"
	"math/big"
	"os"
	"time"
)

// crl is one loaded revocation list; never changed once built.
type crl struct {
	rawIssuer  []byte              // the issuer's name as encoded, matched to a certificate's RawIssuer
	issuerKey  []byte              // RawSubjectPublicKeyInfo of the CA of the CA file that signed it
	issuer     string              // the issuer's name, for messages
	nextUpdate time.Time           // zero if the list has none
	revoked    map[string]struct{} // serial numbers (big.Int.String)
}

// pemCRLType is the PEM block type of a CRL (RFC 7468).
const pemCRLType = "X509 CRL"

// loadCRLs reads the PEM CRLs of file and checks that each was signed by
// one of cas. The file holds one or more "X509 CRL" blocks and nothing
// else but white space: a block of another type, text outside the blocks
// (a half-written or truncated block included) or no block at all is an
// error, since a CRL that silently lost entries would let revoked
// certificates in. The errors do not name the file (TLSFileError does).
func loadCRLs(file string, cas []*x509.Certificate) ([]*crl, error) {
	data, err := os.ReadFile(file)
	if err != nil {
		return nil, err
	}
	return parseCRLs(data, cas)
}

// parseCRLs is loadCRLs of the file's contents.
func parseCRLs(data []byte, cas []*x509.Certificate) ([]*crl, error) {
	var crls []*crl
	rest := data
	for n := 1; ; n++ {
		rest = bytes.TrimLeft(rest, " \t\r\n")
		if len(rest) == 0 {
			break
		}
		at := len(data) - len(rest)
		line := 1 + bytes.Count(data[:at], []byte("\n"))
		if !bytes.HasPrefix(rest, []byte("-----BEGIN ")) {
			return nil, fmt.Errorf("line %d: text outside the PEM blocks", line)
		}
		block, after := pem.Decode(rest)
		// pem.Decode skips a malformed block to decode the next one: a
		// block is good only if it took one BEGIN line.
		if block == nil || bytes.Count(rest[:len(rest)-len(after)], []byte("-----BEGIN ")) != 1 {
			return nil, fmt.Errorf("line %d: a PEM block that does not decode (truncated?)", line)
		}
		rest = after
		if block.Type != pemCRLType {
			return nil, fmt.Errorf("line %d: a %s PEM block, not an %s", line, block.Type, pemCRLType)
		}
		l, err := parseCRL(block.Bytes, cas)
		if err != nil {
			return nil, fmt.Errorf("CRL %d (line %d): %w", n, line, err)
		}
		crls = append(crls, l)
	}
	if len(crls) == 0 {
		return nil, fmt.Errorf("no %s PEM block in it", pemCRLType)
	}
	return crls, nil
}

// parseCRL parses one DER CRL and finds the CA of cas that signed it.
func parseCRL(der []byte, cas []*x509.Certificate) (*crl, error) {
	rl, err := x509.ParseRevocationList(der)
	if err != nil {
		return nil, err
	}
	var signer *x509.Certificate
	var errs []error
	for _, ca := range cas {
		if !bytes.Equal(ca.RawSubject, rl.RawIssuer) {
			continue
		}
		if err := rl.CheckSignatureFrom(ca); err != nil {
			errs = append(errs, err)
			continue
		}
		signer = ca
		break
	}
	if signer == nil {
		err := errors.New("no CA of the CA file by that name")
		if len(errs) > 0 {
			err = errors.Join(errs...)
		}
		return nil, fmt.Errorf("issuer %s: not signed by a CA of the CA file: %w", rl.Issuer, err)
	}
	l := &crl{rawIssuer: rl.RawIssuer, issuerKey: signer.RawSubjectPublicKeyInfo, issuer: rl.Issuer.String(),
		nextUpdate: rl.NextUpdate, revoked: make(map[string]struct{}, len(rl.RevokedCertificateEntries))}
	for _, e := range rl.RevokedCertificateEntries {
		l.revoked[e.SerialNumber.String()] = struct{}{}
	}
	return l, nil
}

// CertificateRevokedError is a certificate refused because a CRL of its
// issuer lists its serial number.
type CertificateRevokedError struct {
	Serial  *big.Int
	Subject string // the revoked certificate's
	Issuer  string // the CRL's
	CRLFile string
}

func (e *CertificateRevokedError) Error() string {
	return fmt.Sprintf("certificate serial %s (hex %x, %s) is revoked: listed by the CRL of %s in %s",
		e.Serial, e.Serial, e.Subject, e.Issuer, e.CRLFile)
}

// revoked returns a *CertificateRevokedError for the first certificate
// of chains (as x509.Verify returns them: leaf first, root last) that a
// CRL of s revokes, or nil. Every chain is looked at: a certificate is
// refused if any path to a root goes through a revoked one. The roots
// themselves are trust anchors, not checked.
func (s *tlsSet) revoked(chains [][]*x509.Certificate) error {
	if len(s.crls) == 0 {
		return nil
	}
	for _, chain := range chains {
		for i := 0; i+1 < len(chain); i++ {
			c, issuer := chain[i], chain[i+1]
			for _, l := range s.crls {
				if !bytes.Equal(l.rawIssuer, c.RawIssuer) || !bytes.Equal(l.issuerKey, issuer.RawSubjectPublicKeyInfo) {
					continue // another CA's list
				}
				if _, ok := l.revoked[c.SerialNumber.String()]; ok {
					return &CertificateRevokedError{Serial: c.SerialNumber, Subject: c.Subject.String(), Issuer: l.issuer, CRLFile: s.crlFile}
				}
			}
		}
	}
	return nil
}

// ownRevoked checks this side's own certificate against s's CRLs, along
// the chains by which the CA file verifies it (a client's certificate
// the CA file does not verify has no issuer there, so no CRL of it).
func (s *tlsSet) ownRevoked() error {
	if s.cert == nil || len(s.crls) == 0 {
		return nil
	}
	inter := x509.NewCertPool()
	for _, der := range s.cert.Certificate[1:] {
		if c, err := x509.ParseCertificate(der); err == nil {
			inter.AddCert(c)
		}
	}
	chains, err := s.cert.Leaf.Verify(x509.VerifyOptions{Roots: s.pool, Intermediates: inter, KeyUsages: []x509.ExtKeyUsage{x509.ExtKeyUsageAny}})
	if err != nil {
		return nil
	}
	return s.revoked(chains)
}

// staleCRL returns a CRL of s whose NextUpdate is before now, or nil.
func (s *tlsSet) staleCRL(now time.Time) *crl {
	for _, l := range s.crls {
		if !l.nextUpdate.IsZero() && now.After(l.nextUpdate) {
			return l
		}
	}
	return nil
}

// loadCAs reads the PEM certificates of file, as LoadCertPool, also
// returning them (the pool cannot list them): blocks that are not
// certificates, or that do not parse, are skipped, as
// x509.CertPool.AppendCertsFromPEM skips them.
func loadCAs(file string) (*x509.CertPool, []*x509.Certificate, error) {
	data, err := os.ReadFile(file)
	if err != nil {
		return nil, nil, fmt.Errorf("read TLS CA file: %w", err)
	}
	pool := x509.NewCertPool()
	var cas []*x509.Certificate
	for len(data) > 0 {
		var block *pem.Block
		block, data = pem.Decode(data)
		if block == nil {
			break
		}
		if block.Type != "CERTIFICATE" || len(block.Headers) != 0 {
			continue
		}
		c, err := x509.ParseCertificate(block.Bytes)
		if err != nil {
			continue
		}
		pool.AddCert(c)
		cas = append(cas, c)
	}
	if len(cas) == 0 {
		return nil, nil, fmt.Errorf("TLS CA file %s: no PEM certificate in it", file)
	}
	return pool, cas, nil
}
