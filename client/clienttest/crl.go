package clienttest

import (
	"crypto/rand"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"math/big"
	"os"
	"path/filepath"
	"testing"
	"time"
)

// Intermediate returns a PKI whose certificates are issued by an
// intermediate CA that p issued: its certificate files hold the leaf,
// then the intermediate, and its CAFile is p's (the root verifies them).
// CertFile of the result is the intermediate's own certificate (for its
// serial number).
func (p *PKI) Intermediate(t testing.TB, name string) (inter *PKI, certFile string) {
	t.Helper()
	key, serial := newKeyAndSerial(t)
	tmpl := &x509.Certificate{
		SerialNumber:          serial,
		Subject:               pkix.Name{CommonName: name},
		NotBefore:             time.Now().Add(-time.Hour),
		NotAfter:              time.Now().Add(24 * time.Hour),
		KeyUsage:              x509.KeyUsageCertSign | x509.KeyUsageCRLSign | x509.KeyUsageDigitalSignature,
		BasicConstraintsValid: true,
		IsCA:                  true,
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, p.cert, &key.PublicKey, p.key)
	if err != nil {
		t.Fatal(err)
	}
	cert, err := x509.ParseCertificate(der)
	if err != nil {
		t.Fatal(err)
	}
	inter = &PKI{CAFile: p.CAFile, dir: t.TempDir(), cert: cert, key: key}
	inter.chain = append(pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der}), p.chain...)
	certFile = filepath.Join(inter.dir, name+"-ca.pem")
	writePEM(t, certFile, "CERTIFICATE", der)
	return inter, certFile
}

// CRL writes, in a new file named name, a PEM certificate revocation
// list of p's CA that revokes serials, current for a day.
func (p *PKI) CRL(t testing.TB, name string, serials ...*big.Int) (file string) {
	t.Helper()
	return p.writeCRL(t, name, time.Now().Add(24*time.Hour), serials)
}

// StaleCRL is CRL for a list whose NextUpdate passed an hour ago.
func (p *PKI) StaleCRL(t testing.TB, name string, serials ...*big.Int) (file string) {
	t.Helper()
	return p.writeCRL(t, name, time.Now().Add(-time.Hour), serials)
}

func (p *PKI) writeCRL(t testing.TB, name string, next time.Time, serials []*big.Int) string {
	t.Helper()
	tmpl := &x509.RevocationList{
		Number:     big.NewInt(time.Now().UnixNano()),
		ThisUpdate: next.Add(-48 * time.Hour),
		NextUpdate: next,
	}
	for _, s := range serials {
		tmpl.RevokedCertificateEntries = append(tmpl.RevokedCertificateEntries,
			x509.RevocationListEntry{SerialNumber: s, RevocationTime: time.Now().Add(-time.Minute)})
	}
	der, err := x509.CreateRevocationList(rand.Reader, tmpl, p.cert, p.key)
	if err != nil {
		t.Fatal(err)
	}
	file := filepath.Join(p.dir, name+".crl.pem")
	writePEM(t, file, "X509 CRL", der)
	return file
}

// appendFile appends b to file.
func appendFile(t testing.TB, file string, b []byte) {
	t.Helper()
	if len(b) == 0 {
		return
	}
	f, err := os.OpenFile(file, os.O_APPEND|os.O_WRONLY, 0)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := f.Write(b); err != nil {
		f.Close()
		t.Fatal(err)
	}
	if err := f.Close(); err != nil {
		t.Fatal(err)
	}
}
