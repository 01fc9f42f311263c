package authz

import (
	"crypto/x509"
	"path"
)

// Permission is one right, or a set of them (a bit each).
type Permission uint8

// The permissions a rule may grant.
const (
	Read    Permission = 1 << iota // Read, DescribeLog, and a log's presence in ListLogs
	Append                         // Append, AppendStream
	Trim                           // Trim
	Create                         // CreateLog
	Delete                         // DeleteLog
	Cluster                        // Join, ReadIndex, RemoveMember: what nodes ask of each other

	logPermissions = Read | Append | Trim | Create | Delete
	// All is every permission ("all" in a file).
	All = logPermissions | Cluster
)

// permissionNames are the names a file uses, in the order messages list them.
var permissionNames = []struct {
	name string
	p    Permission
}{{"read", Read}, {"append", Append}, {"trim", Trim}, {"create", Create}, {"delete", Delete}, {"cluster", Cluster}, {"all", All}}

// String is the permission's name in a file ("read", ...), or the names
// of a set joined by commas.
func (p Permission) String() string {
	s := ""
	for _, n := range permissionNames[:len(permissionNames)-1] {
		if p&n.p != 0 {
			if s != "" {
				s += ","
			}
			s += n.name
		}
	}
	return s
}

// grant is one line of a file: permissions on the logs patterns match.
type grant struct {
	perms    Permission
	patterns []string // for the log permissions; validated at parse
	line     int
}

// Rules are the parsed grants of a file, indexed by principal. A *Rules
// is never modified after Parse returns it.
type Rules struct {
	any          []grant            // principal *
	cn, dns, uri map[string][]grant // by the name after the prefix
}

// Allowed reports whether the client whose verified leaf certificate is
// cert may use p (a single permission) on log (ignored for Cluster). A nil
// cert (no verified client certificate) has only what * grants.
// It allocates nothing unless the rules name uri: principals (a URI SAN
// is compared by its string form).
func (r *Rules) Allowed(cert *x509.Certificate, p Permission, log string) bool {
	if allows(r.any, p, log) {
		return true
	}
	if cert == nil {
		return false
	}
	if cert.Subject.CommonName != "" && allows(r.cn[cert.Subject.CommonName], p, log) {
		return true
	}
	if len(r.dns) > 0 {
		for _, name := range cert.DNSNames {
			if allows(r.dns[name], p, log) {
				return true
			}
		}
	}
	if len(r.uri) > 0 {
		for _, u := range cert.URIs {
			if allows(r.uri[u.String()], p, log) {
				return true
			}
		}
	}
	return false
}

func allows(grants []grant, p Permission, log string) bool {
	for _, g := range grants {
		if g.perms&p == 0 {
			continue
		}
		if p == Cluster {
			return true
		}
		for _, pat := range g.patterns {
			// The pattern was validated at parse: Match cannot fail.
			if ok, _ := path.Match(pat, log); ok {
				return true
			}
		}
	}
	return false
}

// Principal names the client of cert in messages and logs: cn:NAME if
// its leaf has a common name, else its first DNS or URI SAN, else
// "(unnamed certificate)"; "(no client certificate)" for nil.
func Principal(cert *x509.Certificate) string {
	switch {
	case cert == nil:
		return "(no client certificate)"
	case cert.Subject.CommonName != "":
		return "cn:" + cert.Subject.CommonName
	case len(cert.DNSNames) > 0:
		return "dns:" + cert.DNSNames[0]
	case len(cert.URIs) > 0:
		return "uri:" + cert.URIs[0].String()
	}
	return "(unnamed certificate)"
}
