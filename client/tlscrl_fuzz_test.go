package client

import (
	"bytes"
	"math/big"
	"os"
	"strings"
	"testing"

	"github.com/quorumlog/quorumlog/client/clienttest"
)

// Whatever bytes a CRL file holds, parseCRLs never panics, and it
// accepts them only as one or more CRLs that a CA of the CA file signed,
// each by that CA's name and key. In memory, so that it runs far faster
// than FuzzTLSReloadedFiles, which goes through files.
func FuzzParseCRLs(f *testing.F) {
	pki, other := clienttest.NewPKI(f), clienttest.NewPKI(f)
	_, cas, err := loadCAs(pki.CAFile)
	if err != nil {
		f.Fatal(err)
	}
	read := func(name string) []byte {
		b, err := os.ReadFile(name)
		if err != nil {
			f.Fatal(err)
		}
		return b
	}
	cert, _ := pki.Issue(f, "c")
	good := read(pki.CRL(f, "good", big.NewInt(7), big.NewInt(1<<40)))
	for _, seed := range [][]byte{
		good,
		good[:len(good)/2],
		append(append([]byte{}, good...), good...),
		append(append([]byte{}, good...), "trailing"...),
		append([]byte("\n\n"), good...),
		read(other.CRL(f, "other")),
		read(pki.StaleCRL(f, "stale", big.NewInt(1))),
		read(cert),
		read(pki.CAFile),
		{},
		[]byte("-----BEGIN X509 CRL-----\n-----END X509 CRL-----\n"),
	} {
		f.Add(seed)
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		crls, err := parseCRLs(data, cas)
		if err != nil {
			if crls != nil {
				t.Errorf("parseCRLs = %d CRLs and %v, want none with an error", len(crls), err)
			}
			return
		}
		if len(crls) == 0 {
			t.Fatal("parseCRLs accepted no CRL")
		}
		if strings.Count(string(data), "-----BEGIN ") != len(crls) {
			t.Errorf("parseCRLs accepted %d CRLs from %d PEM blocks", len(crls), strings.Count(string(data), "-----BEGIN "))
		}
		for _, l := range crls {
			if !bytes.Equal(l.rawIssuer, cas[0].RawSubject) || !bytes.Equal(l.issuerKey, cas[0].RawSubjectPublicKeyInfo) {
				t.Errorf("accepted a CRL of issuer %s not matched to the CA", l.issuer)
			}
		}
	})
}
