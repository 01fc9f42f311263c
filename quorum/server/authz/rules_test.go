package authz

import (
	"crypto/x509"
	"crypto/x509/pkix"
	"net/url"
	"testing"
)

func cert(cn string, dns []string, uris ...string) *x509.Certificate {
	c := &x509.Certificate{Subject: pkix.Name{CommonName: cn}, DNSNames: dns}
	for _, u := range uris {
		pu, err := url.Parse(u)
		if err != nil {
			panic(err)
		}
		c.URIs = append(c.URIs, pu)
	}
	return c
}

func TestRules_Allowed(t *testing.T) {
	r, err := Parse("f", []byte(`
cn:writer read,append,trim,create shard-*
cn:reader read shard-* orders
dns:node.example cluster
uri:spiffe://example.org/admin all *
* read public
cn:writer delete shard-tmp-?   # union with the writer's first line
`))
	if err != nil {
		t.Fatal(err)
	}
	writer, reader := cert("writer", nil), cert("reader", []string{"other.example"})
	node := cert("", []string{"x.example", "node.example"})
	admin := cert("someone", nil, "spiffe://example.org/admin")
	nobody := cert("nobody", nil)
	for _, tc := range []struct {
		who  string
		c    *x509.Certificate
		p    Permission
		log  string
		want bool
	}{
		{"writer", writer, Append, "shard-1", true},
		{"writer", writer, Read, "shard-1", true},
		{"writer", writer, Trim, "shard-1", true},
		{"writer", writer, Create, "shard-9", true},
		{"writer", writer, Append, "orders", false},
		{"writer", writer, Delete, "shard-1", false},
		{"writer", writer, Delete, "shard-tmp-1", true},
		{"writer", writer, Delete, "shard-tmp-12", false},
		{"writer", writer, Cluster, "", false},
		{"writer", writer, Read, "public", true},
		{"reader", reader, Read, "orders", true},
		{"reader", reader, Read, "shard-x", true},
		{"reader", reader, Append, "orders", false},
		{"reader", reader, Trim, "shard-x", false},
		{"reader", reader, Read, "ordersx", false},
		{"node by second SAN", node, Cluster, "", true},
		{"node", node, Read, "shard-1", false},
		{"uri admin", admin, Delete, "anything", true},
		{"uri admin", admin, Cluster, "", true},
		{"nobody", nobody, Read, "public", true},
		{"nobody", nobody, Read, "orders", false},
		{"no certificate", nil, Read, "public", true},
		{"no certificate", nil, Append, "public", false},
		{"cn is not a dns name", cert("node.example", nil), Cluster, "", false},
	} {
		if got := r.Allowed(tc.c, tc.p, tc.log); got != tc.want {
			t.Errorf("%s: Allowed(%v, %q) = %v, want %v", tc.who, tc.p, tc.log, got, tc.want)
		}
	}
}

func TestRules_EmptyGrantsNothing(t *testing.T) {
	r, err := Parse("f", nil)
	if err != nil {
		t.Fatal(err)
	}
	if r.Allowed(cert("a", nil), Read, "x") || r.Allowed(cert("a", nil), Cluster, "") {
		t.Fatal("an empty file granted something")
	}
}

func TestPrincipal(t *testing.T) {
	for _, tc := range []struct {
		c    *x509.Certificate
		want string
	}{
		{cert("a", []string{"d"}), "cn:a"},
		{cert("", []string{"d", "e"}), "dns:d"},
		{cert("", nil, "spiffe://x/y"), "uri:spiffe://x/y"},
		{cert("", nil), "(unnamed certificate)"},
		{nil, "(no client certificate)"},
	} {
		if got := Principal(tc.c); got != tc.want {
			t.Errorf("Principal = %q, want %q", got, tc.want)
		}
	}
}

// TestRules_AllowedAllocatesNothing pins the hot path's cost: a call's
// check allocates nothing for cn, dns and * rules.
func TestRules_AllowedAllocatesNothing(t *testing.T) {
	r, err := Parse("f", []byte("cn:w append shard-* orders\ndns:n cluster\n* read pub\n"))
	if err != nil {
		t.Fatal(err)
	}
	c := cert("w", []string{"n"})
	if n := testing.AllocsPerRun(100, func() {
		if !r.Allowed(c, Append, "orders") || !r.Allowed(c, Cluster, "") || r.Allowed(c, Trim, "orders") {
			t.Fatal("wrong answer")
		}
	}); n != 0 {
		t.Fatalf("Allowed allocates %v times per run", n)
	}
}
