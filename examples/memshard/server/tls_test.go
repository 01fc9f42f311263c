package server

import (
	"bytes"
	"fmt"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/quorumlog/quorumlog/examples/memshard/redisdiff"
)

// tlsParams are the TLS parameters of Redis 7.0.15, with port.
var tlsParams = []string{
	"port", "tls-port", "tls-cert-file", "tls-key-file", "tls-key-file-pass", "tls-client-cert-file",
	"tls-client-key-file", "tls-client-key-file-pass", "tls-dh-params-file", "tls-ca-cert-file",
	"tls-ca-cert-dir", "tls-protocols", "tls-ciphers", "tls-ciphersuites", "tls-prefer-server-ciphers",
	"tls-session-caching", "tls-session-cache-size", "tls-session-cache-timeout", "tls-replication",
	"tls-cluster", "tls-auth-clients",
}

// TestDiffTLS_Config: CONFIG GET of every TLS parameter, over TLS, as
// redis-server serving TLS only (port 0, tls-cluster and tls-replication
// yes) answers, byte for byte but for the port number itself.
func TestDiffTLS_Config(t *testing.T) {
	ts, r, m, rport, mport := diffTLSPair(t)
	for _, name := range tlsParams {
		want := string(r.Do("CONFIG", "GET", name))
		got := strings.ReplaceAll(string(m.Do("CONFIG", "GET", name)), mport, rport)
		if name == "tls-port" && got != want {
			// The ports' lengths may differ: compare the numbers.
			want = strings.ReplaceAll(want, "$"+strconv.Itoa(len(rport))+"\r\n"+rport, "PORT")
			got = strings.ReplaceAll(got, "$"+strconv.Itoa(len(rport))+"\r\n"+rport, "PORT")
		}
		if got != want {
			t.Errorf("CONFIG GET %s: memshard %q, redis %q", name, got, want)
		}
	}
	for _, argv := range [][]string{
		{"CONFIG", "SET", "tls-cert-file", "/nonexistent"},
		{"CONFIG", "SET", "tls-key-file", ts.pki.CAFile},
		{"CONFIG", "SET", "tls-ca-cert-file", ts.keyFile},
		{"CONFIG", "SET", "tls-auth-clients", "maybe"},
		{"CONFIG", "SET", "tls-auth-clients", "optional"},
		{"CONFIG", "GET", "tls-auth-clients"},
		{"CONFIG", "SET", "tls-auth-clients", "yes"},
		{"CONFIG", "SET", "tls-cert-file", ts.certFile, "tls-key-file", ts.keyFile},
		{"CONFIG", "SET", "tls-port", "x"},
		{"CONFIG", "SET", "tls-cluster", "maybe"},
		{"CONFIG", "GET", "tls-cert-file"},
		{"PING"},
	} {
		if got, want := m.Do(argv...), r.Do(argv...); !bytes.Equal(got, want) {
			t.Errorf("%q: memshard %q, redis %q", argv, got, want)
		}
	}
}

// TestDiffTLS_Cluster: the cluster commands of a node serving TLS only
// show its port as Redis's tls-port: CLUSTER SHARDS names it tls-port and
// has no port field, CLUSTER SLOTS and NODES show it where the plaintext
// port would be; INFO server's tcp_port is it too.
func TestDiffTLS_Cluster(t *testing.T) {
	_, r, m, rport, mport := diffTLSPair(t)

	fieldNames := func(reply []byte) []string {
		// The names of a node's map in CLUSTER SHARDS (RESP2: every
		// other bulk string after "nodes").
		_, nodes, _ := bytes.Cut(reply, []byte("$5\r\nnodes\r\n"))
		parts := strings.Split(string(nodes), "\r\n")
		var names []string
		for i := 2; i+1 < len(parts); i += 4 {
			names = append(names, parts[i])
		}
		return names
	}
	want, got := fieldNames(r.Do("CLUSTER", "SHARDS")), fieldNames(m.Do("CLUSTER", "SHARDS"))
	if strings.Join(got, " ") != strings.Join(want, " ") {
		t.Errorf("CLUSTER SHARDS node fields: memshard %q, redis %q", got, want)
	}
	if !bytes.Contains(m.Do("CLUSTER", "SHARDS"), []byte("$8\r\ntls-port\r\n:"+mport+"\r\n")) {
		t.Errorf("memshard's CLUSTER SHARDS does not show tls-port %s", mport)
	}
	if !bytes.Contains(r.Do("CLUSTER", "SHARDS"), []byte("$8\r\ntls-port\r\n:"+rport+"\r\n")) {
		t.Errorf("redis's CLUSTER SHARDS does not show tls-port %s", rport)
	}
	for _, c := range []struct {
		name string
		conn *redisdiff.Conn
		port string
	}{{"memshard", m, mport}, {"redis", r, rport}} {
		if slots := c.conn.Do("CLUSTER", "SLOTS"); !bytes.Contains(slots, []byte(":"+c.port+"\r\n")) {
			t.Errorf("%s: CLUSTER SLOTS %q does not show port %s", c.name, slots, c.port)
		}
		bus, _ := strconv.Atoi(c.port)
		if nodes := c.conn.Do("CLUSTER", "NODES"); !bytes.Contains(nodes, []byte(":"+c.port+"@"+strconv.Itoa(bus+10000)+" ")) {
			t.Errorf("%s: CLUSTER NODES %q does not show port %s", c.name, nodes, c.port)
		}
		if got := infoLine(t, c.conn, "server", "tcp_port"); got != c.port {
			t.Errorf("%s: INFO tcp_port = %s, want %s", c.name, got, c.port)
		}
	}
}

// TestDiffTLS_ClientsAndStats: CLIENT LIST and INFO of a TLS client are
// those of a plaintext one in Redis 7.0 (no TLS field); a client refused
// at its handshake (plaintext, or no certificate) is not counted in
// total_connections_received, as Redis counts a client once its
// handshake is done.
func TestDiffTLS_ClientsAndStats(t *testing.T) {
	ts := newTLSSetup(t)
	rs := startRedisTLS(t, ts, "yes")
	_, addr := startTLSServer(t, ts, "yes", Config{})
	fields := regexp.MustCompile(`([a-z-]+)=`)
	var shapes [2]string
	for i, a := range []string{rs.Addr, addr} {
		c := redisdiff.DialTLS(t, a, ts.clientConfig(true))
		list := string(c.Do("CLIENT", "LIST"))
		if !regexp.MustCompile(` fd=[1-9][0-9]* `).MatchString(list) || !strings.Contains(list, " events=r ") {
			t.Errorf("%s: CLIENT LIST %q: want a file descriptor and events=r", a, list)
		}
		for _, m := range fields.FindAllStringSubmatch(list, -1) {
			shapes[i] += m[1] + " "
		}
		before := infoLine(t, c, "stats", "total_connections_received")
		plainOnTLS(t, a, []byte("PING\r\n"))
		if _, err := tlsPing(t, a, ts.clientConfig(false)); err == nil {
			t.Errorf("%s: PING without a client certificate worked", a)
		}
		if got := string(redisdiff.DialTLS(t, a, ts.clientConfig(true)).Do("PING")); got != "+PONG\r\n" {
			t.Errorf("%s: PING = %q", a, got)
		}
		if got := infoLine(t, c, "stats", "total_connections_received"); got != addInt(before, 1) {
			t.Errorf("%s: total_connections_received %s, then %s: want one more (the TLS client only)", a, before, got)
		}
		if got := infoLine(t, c, "stats", "rejected_connections"); got != "0" {
			t.Errorf("%s: rejected_connections = %s, want 0", a, got)
		}
	}
	if shapes[0] != shapes[1] {
		t.Errorf("CLIENT LIST fields: memshard %q, redis %q", shapes[1], shapes[0])
	}
}

func addInt(s string, d int) string {
	n, _ := strconv.Atoi(s)
	return strconv.Itoa(n + d)
}

// TestDiffTLS_Plaintext: a plaintext client on the TLS port gets nothing
// and its connection is reset, as OpenSSL leaves the bytes that are not TLS
// unread and Redis closes it.
func TestDiffTLS_Plaintext(t *testing.T) {
	ts := newTLSSetup(t)
	rs := startRedisTLS(t, ts, "yes")
	_, addr := startTLSServer(t, ts, "yes", Config{})
	for _, in := range []string{"PING\r\n", "*1\r\n$4\r\nPING\r\n", "GET / HTTP/1.0\r\n\r\n"} {
		wantOut, wantEnd := plainOnTLS(t, rs.Addr, []byte(in))
		gotOut, gotEnd := plainOnTLS(t, addr, []byte(in))
		if gotOut != wantOut || gotEnd != wantEnd {
			t.Errorf("plaintext %q: memshard %q then %s, redis %q then %s", in, gotOut, gotEnd, wantOut, wantEnd)
		}
	}
}

// TestDiffTLS_AuthClients: tls-auth-clients yes, no and optional, given at
// start or by CONFIG SET, for a client without a certificate, one with a
// certificate the CA signed and one with another CA's: each is served or
// refused as Redis serves or refuses it.
func TestDiffTLS_AuthClients(t *testing.T) {
	ts := newTLSSetup(t)
	outcome := func(addr string, which int) string {
		cfgs := []struct {
			name string
			run  func() (string, error)
		}{
			{"no cert", func() (string, error) { return tlsPing(t, addr, ts.clientConfig(false)) }},
			{"cert", func() (string, error) { return tlsPing(t, addr, ts.clientConfig(true)) }},
			{"other CA", func() (string, error) { return tlsPing(t, addr, ts.otherCAClientConfig) }},
		}
		reply, err := cfgs[which].run()
		if err != nil {
			// A refusal shows as the server's alert, or as a reset if the
			// server closed before the client read it: timing, not a
			// difference.
			t.Logf("%s, %s: %v", addr, cfgs[which].name, err)
			return cfgs[which].name + ": refused"
		}
		return cfgs[which].name + ": " + reply
	}
	for _, auth := range []string{"yes", "no", "optional"} {
		t.Run(auth, func(t *testing.T) {
			rs := startRedisTLS(t, ts, auth)
			_, addr := startTLSServer(t, ts, auth, Config{})
			for which := range 3 {
				want, got := outcome(rs.Addr, which), outcome(addr, which)
				if got != want {
					t.Errorf("tls-auth-clients %s, %s", auth, diffLine(got, want))
				}
			}
		})
	}
	t.Run("config set", func(t *testing.T) {
		rs := startRedisTLS(t, ts, "yes")
		_, addr := startTLSServer(t, ts, "yes", Config{})
		for _, auth := range []string{"no", "optional", "yes"} {
			for _, a := range []string{rs.Addr, addr} {
				c := redisdiff.DialTLS(t, a, ts.clientConfig(true))
				if got := string(c.Do("CONFIG", "SET", "tls-auth-clients", auth)); got != "+OK\r\n" {
					t.Fatalf("CONFIG SET tls-auth-clients %s = %q", auth, got)
				}
				c.Close()
			}
			for which := range 3 {
				want, got := outcome(rs.Addr, which), outcome(addr, which)
				if got != want {
					t.Errorf("after CONFIG SET tls-auth-clients %s, %s", auth, diffLine(got, want))
				}
			}
		}
	})
}

func diffLine(got, want string) string { return "memshard " + got + "; redis " + want }

// TestDiffTLS_MaxClients: a TLS connection over maxclients is closed
// without a word (no handshake was done: Redis writes its error to no
// one) and counted in rejected_connections.
func TestDiffTLS_MaxClients(t *testing.T) {
	ts := newTLSSetup(t)
	rs := startRedisTLS(t, ts, "yes")
	_, addr := startTLSServer(t, ts, "yes", Config{})
	for _, a := range []string{rs.Addr, addr} {
		c := redisdiff.DialTLS(t, a, ts.clientConfig(true))
		if got := string(c.Do("CONFIG", "SET", "maxclients", "1")); got != "+OK\r\n" {
			t.Fatalf("%s: CONFIG SET maxclients 1 = %q", a, got)
		}
		reply, err := tlsPing(t, a, ts.clientConfig(true))
		if err == nil {
			t.Errorf("%s: a client over maxclients got %q", a, reply)
		}
		if out, end := plainOnTLS(t, a, nil); out != "" || end == "open" {
			t.Errorf("%s: a connection over maxclients got %q, then %s; want nothing and closed", a, out, end)
		}
		if got := infoLine(t, c, "stats", "rejected_connections"); got != "2" {
			t.Errorf("%s: rejected_connections = %s, want 2", a, got)
		}
		if got := string(c.Do("CONFIG", "SET", "maxclients", "10000")); got != "+OK\r\n" {
			t.Fatalf("%s: CONFIG SET maxclients 10000 = %q", a, got)
		}
	}
}

// TestDiffTLS_Handshaking: a client that has not begun its handshake is a
// client already, as in Redis (createClient comes before the handshake):
// CLIENT LIST shows it with cmd=NULL, connected_clients counts it, and
// CLIENT KILL closes it.
func TestDiffTLS_Handshaking(t *testing.T) {
	ts := newTLSSetup(t)
	rs := startRedisTLS(t, ts, "yes")
	_, addr := startTLSServer(t, ts, "yes", Config{})
	idOf := regexp.MustCompile(`id=([0-9]+) [^\n]* cmd=NULL `)
	var got [2]string
	for i, a := range []string{rs.Addr, addr} {
		c := redisdiff.DialTLS(t, a, ts.clientConfig(true))
		silent := redisdiff.Dial(t, a)
		var m []string
		deadline := time.Now().Add(10 * time.Second)
		for m == nil {
			if time.Now().After(deadline) {
				t.Fatalf("%s: CLIENT LIST never showed the handshaking client", a)
			}
			m = idOf.FindStringSubmatch(string(c.Do("CLIENT", "LIST")))
		}
		got[i] = "connected_clients:" + infoLine(t, c, "clients", "connected_clients")
		got[i] += " kill:" + string(c.Do("CLIENT", "KILL", "ID", m[1]))
		got[i] += fmt.Sprint(" closed:", silent.Closed(10*time.Second))
		// memshard forgets a killed client once its goroutine ends, a
		// moment after the close: wait for it.
		for infoLine(t, c, "clients", "connected_clients") != "1" {
			if time.Now().After(deadline) {
				t.Fatalf("%s: connected_clients never went back to 1 after CLIENT KILL", a)
			}
		}
	}
	if got[1] != got[0] {
		t.Errorf("memshard %q, redis %q", got[1], got[0])
	}
}
