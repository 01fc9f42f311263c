// Package authz decides what a gRPC client of quorumlogd may do, by the
// identity of its verified TLS client certificate (--tls-authz-file), as
// etcd's RBAC does by a certificate's CN and Kafka's ACLs by a principal.
//
// A rules file holds one grant per line:
//
//	<principal> <permission>[,<permission>...] [<log-pattern> ...]
//
// principal is cn:NAME (the leaf certificate's subject common name),
// dns:NAME or uri:URI (a subject alternative name of the leaf), or * (any
// verified client). The permissions are read, append, trim, create,
// delete (each on the logs the patterns match: path.Match globs over log
// names), cluster (the calls nodes make to each other and member removal;
// it takes no pattern) and all. Rules only grant; a client may do what
// any line that names it grants. Blank lines and lines starting with #
// are ignored; so is the rest of a line from a field starting with #.
//
// Parsed rules are immutable: a File swaps in a new *Rules when the file
// changes, so that a call reads them with one atomic load.
package authz
