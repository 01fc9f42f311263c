package shard

import (
	"bytes"
	"context"
	"errors"
	"io"
	"math/rand/v2"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/johannesboyne/gofakes3"
	"github.com/johannesboyne/gofakes3/backend/s3bolt"
	bolt "go.etcd.io/bbolt"
)

const s3TestBucket = "snapshots"

// fakeS3 is an S3-protocol server on a loopback port: gofakes3 with its
// objects in a bolt file on disk. The store reaches it over real HTTP (or
// HTTPS) with SigV4-signed requests, as it would AWS or any S3-compatible
// server.
type fakeS3 struct {
	URL        string
	transport  http.RoundTripper // nil, or one that trusts the TLS certificate
	backend    *s3bolt.Backend
	multiparts atomic.Int64 // multipart uploads initiated ("POST ?uploads")
}

// startFakeS3 starts a server that holds one empty bucket, s3TestBucket.
func startFakeS3(t *testing.T) *fakeS3 { return startFakeS3TLS(t, false) }

// startFakeS3TLS starts a server that holds one empty bucket, s3TestBucket,
// serving HTTPS if tls.
func startFakeS3TLS(t *testing.T, tls bool) *fakeS3 {
	t.Helper()
	db, err := bolt.Open(filepath.Join(t.TempDir(), "s3.bolt"), 0o600, nil)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	fs := &fakeS3{backend: s3bolt.New(db)}
	if err := fs.backend.CreateBucket(s3TestBucket); err != nil {
		t.Fatal(err)
	}
	s3 := gofakes3.New(fs.backend).Server()
	srv := httptest.NewUnstartedServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if _, ok := r.URL.Query()["uploads"]; ok && r.Method == http.MethodPost {
			fs.multiparts.Add(1)
		}
		s3.ServeHTTP(w, r)
	}))
	if tls {
		srv.StartTLS()
		fs.transport = srv.Client().Transport
	} else {
		srv.Start()
	}
	t.Cleanup(srv.Close)
	fs.URL = srv.URL
	return fs
}

// keys returns the keys of all the objects in s3TestBucket, sorted, read
// from the backend rather than through the store under test.
func (fs *fakeS3) keys(t *testing.T) []string {
	t.Helper()
	list, err := fs.backend.ListBucket(s3TestBucket, nil, gofakes3.ListBucketPage{})
	if err != nil {
		t.Fatal(err)
	}
	var keys []string
	for _, c := range list.Contents {
		keys = append(keys, c.Key)
	}
	slices.Sort(keys)
	return keys
}

// config returns a config for the server's s3TestBucket, spooling to a new
// directory.
func (fs *fakeS3) config(t *testing.T, prefix string) S3Config {
	return S3Config{
		Endpoint:  fs.URL,
		Region:    "us-east-1",
		AccessKey: "shard-test",
		SecretKey: "shard-test-secret",
		Bucket:    s3TestBucket,
		Prefix:    prefix,
		SpoolDir:  t.TempDir(),
	}
}

// store returns the store of cfg, a config for this server.
func (fs *fakeS3) store(t *testing.T, cfg S3Config) BlobStore {
	t.Helper()
	st, err := newS3Store(cfg, fs.transport)
	if err != nil {
		t.Fatalf("newS3Store(%+v): %v", cfg, err)
	}
	return st
}

func mustS3Store(t *testing.T, cfg S3Config) BlobStore {
	t.Helper()
	st, err := NewS3Store(cfg)
	if err != nil {
		t.Fatalf("NewS3Store(%+v): %v", cfg, err)
	}
	return st
}

// checkS3Spool fails unless dir holds exactly want files.
func checkS3Spool(t *testing.T, dir string, want int, when string) {
	t.Helper()
	ents, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	if len(ents) != want {
		var names []string
		for _, e := range ents {
			names = append(names, e.Name())
		}
		t.Errorf("%s: spool directory holds %q, want %d file(s)", when, names, want)
	}
}

// s3TestBytes returns n bytes that differ from offset to offset (no
// repeated pattern a misplaced part could match).
func s3TestBytes(seed uint64, n int) []byte {
	b := make([]byte, n)
	rand.NewChaCha8([32]byte{byte(seed), byte(seed >> 8)}).Read(b)
	return b
}

// s3Put creates name in st with data, written in chunks of the sizes
// given (the rest in one last chunk), and commits it.
func s3Put(t *testing.T, ctx context.Context, st BlobStore, name string, data []byte, chunks ...int) {
	t.Helper()
	w, err := st.Create(ctx, name)
	if err != nil {
		t.Fatalf("Create(%q): %v", name, err)
	}
	rest := data
	for _, n := range append(chunks, len(data)) {
		n = min(n, len(rest))
		if _, err := w.Write(rest[:n]); err != nil {
			w.Abort()
			t.Fatalf("Write to %q: %v", name, err)
		}
		rest = rest[n:]
	}
	if err := w.Commit(); err != nil {
		t.Fatalf("Commit of %q: %v", name, err)
	}
}

// s3Get returns the bytes of name in st.
func s3Get(t *testing.T, ctx context.Context, st BlobStore, name string) []byte {
	t.Helper()
	r, err := st.Open(ctx, name)
	if err != nil {
		t.Fatalf("Open(%q): %v", name, err)
	}
	defer r.Close()
	b, err := io.ReadAll(r)
	if err != nil {
		t.Fatalf("reading %q: %v", name, err)
	}
	return b
}

// checkS3Bytes fails unless got is want, saying where they first differ.
func checkS3Bytes(t *testing.T, what string, got, want []byte) {
	t.Helper()
	if bytes.Equal(got, want) {
		return
	}
	i := 0
	for i < len(got) && i < len(want) && got[i] == want[i] {
		i++
	}
	t.Fatalf("%s: read back %d bytes, wrote %d; they first differ at offset %d", what, len(got), len(want), i)
}

func s3List(t *testing.T, ctx context.Context, st BlobStore, prefix string) []string {
	t.Helper()
	names, err := st.List(ctx, prefix)
	if err != nil {
		t.Fatalf("%s: List(%q): %v", st, prefix, err)
	}
	slices.Sort(names)
	return names
}

func checkS3NotExist(t *testing.T, ctx context.Context, st BlobStore, name string) {
	t.Helper()
	r, err := st.Open(ctx, name)
	if err == nil {
		r.Close()
		t.Fatalf("%s: Open(%q) succeeded, want an error wrapping os.ErrNotExist", st, name)
	}
	if !errors.Is(err, os.ErrNotExist) {
		t.Fatalf("%s: Open(%q) = %v, want an error wrapping os.ErrNotExist", st, name, err)
	}
}

// Over HTTP minio-go stream-signs uploads (STREAMING-AWS4-HMAC-SHA256-
// PAYLOAD); over HTTPS it sends the body as is: both must round-trip.
func TestS3StoreRoundTrip(t *testing.T) {
	t.Run("http", func(t *testing.T) { testS3RoundTrip(t, startFakeS3TLS(t, false)) })
	t.Run("https", func(t *testing.T) { testS3RoundTrip(t, startFakeS3TLS(t, true)) })
}

func testS3RoundTrip(t *testing.T, fs *fakeS3) {
	ctx := t.Context()
	cfg := fs.config(t, "snaps")
	st := fs.store(t, cfg)

	data := s3TestBytes(1, 3<<20+12345)
	w, err := st.Create(ctx, "log.1.snap")
	if err != nil {
		t.Fatal(err)
	}
	rest := data
	for _, n := range []int{1, 4095, 64<<10 + 7, 1 << 20, len(data)} {
		n = min(n, len(rest))
		if _, err := w.Write(rest[:n]); err != nil {
			t.Fatalf("Write: %v", err)
		}
		rest = rest[n:]
	}
	checkS3Spool(t, cfg.SpoolDir, 1, "while writing")
	if err := w.Commit(); err != nil {
		t.Fatalf("Commit: %v", err)
	}
	checkS3Spool(t, cfg.SpoolDir, 0, "after Commit")
	if got, want := fs.keys(t), []string{"snaps/log.1.snap"}; !slices.Equal(got, want) {
		t.Errorf("bucket holds %q after Commit, want %q", got, want)
	}

	r, err := st.Open(ctx, "log.1.snap")
	if err != nil {
		t.Fatalf("Open: %v", err)
	}
	// The copy is unlinked as soon as made: it exists only as r.
	checkS3Spool(t, cfg.SpoolDir, 0, "with the blob open")
	got, err := io.ReadAll(r)
	if err != nil {
		t.Fatalf("reading: %v", err)
	}
	checkS3Bytes(t, "round trip", got, data)
	// Seekable: ReadSnapshot goes back to the start after its CRC pass.
	if _, err := r.Seek(0, io.SeekStart); err != nil {
		t.Fatalf("Seek: %v", err)
	}
	head := make([]byte, 100)
	if _, err := io.ReadFull(r, head); err != nil || !bytes.Equal(head, data[:100]) {
		t.Errorf("after Seek(0): read %x, %v; want %x", head, err, data[:100])
	}
	if err := r.Close(); err != nil {
		t.Errorf("Close: %v", err)
	}
	checkS3Spool(t, cfg.SpoolDir, 0, "after the reader is closed")

	if got, want := s3List(t, ctx, st, ""), []string{"log.1.snap"}; !slices.Equal(got, want) {
		t.Errorf("List(\"\") = %q, want %q", got, want)
	}
}

func TestS3StoreEmptyBlob(t *testing.T) {
	ctx := t.Context()
	fs := startFakeS3(t)
	st := fs.store(t, fs.config(t, ""))
	s3Put(t, ctx, st, "empty", nil)
	if got := s3Get(t, ctx, st, "empty"); len(got) != 0 {
		t.Errorf("read back %d bytes of an empty blob", len(got))
	}
}

func TestS3StoreNotVisibleBeforeCommit(t *testing.T) {
	ctx := t.Context()
	fs := startFakeS3(t)
	cfg := fs.config(t, "p")
	st := fs.store(t, cfg)

	w, err := st.Create(ctx, "a.snap")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := w.Write(s3TestBytes(2, 1<<20)); err != nil {
		t.Fatal(err)
	}
	if got := s3List(t, ctx, st, ""); len(got) != 0 {
		t.Errorf("List before Commit = %q, want nothing", got)
	}
	checkS3NotExist(t, ctx, st, "a.snap")
	if got := fs.keys(t); len(got) != 0 {
		t.Errorf("bucket holds %q before Commit, want nothing", got)
	}

	w.Abort()
	checkS3Spool(t, cfg.SpoolDir, 0, "after Abort")
	if got := fs.keys(t); len(got) != 0 {
		t.Errorf("bucket holds %q after Abort, want nothing", got)
	}
	checkS3NotExist(t, ctx, st, "a.snap")
	if _, err := w.Write([]byte("x")); err == nil {
		t.Error("Write after Abort succeeded")
	}
	if err := w.Commit(); err == nil {
		t.Error("Commit after Abort succeeded")
	}
	if got := fs.keys(t); len(got) != 0 {
		t.Errorf("bucket holds %q after Commit following Abort, want nothing", got)
	}
	w.Abort() // a second Abort is harmless
}

func TestS3StoreListAndPrefixes(t *testing.T) {
	ctx := t.Context()
	fs := startFakeS3(t)
	a := fs.store(t, fs.config(t, "a"))
	ab := fs.store(t, fs.config(t, "ab/")) // "a" must not take in "ab/..."
	root := fs.store(t, fs.config(t, ""))

	for _, n := range []string{"log1.001.snap", "log1.002.snap", "log2.001.snap"} {
		s3Put(t, ctx, a, n, []byte("a:"+n))
	}
	s3Put(t, ctx, ab, "log1.001.snap", []byte("ab:log1.001.snap"))
	s3Put(t, ctx, root, "log1.009.snap", []byte("root"))

	wantKeys := []string{"a/log1.001.snap", "a/log1.002.snap", "a/log2.001.snap", "ab/log1.001.snap", "log1.009.snap"}
	if got := fs.keys(t); !slices.Equal(got, wantKeys) {
		t.Fatalf("bucket holds %q, want %q", got, wantKeys)
	}
	for _, c := range []struct {
		st     BlobStore
		prefix string
		want   []string
	}{
		{a, "", []string{"log1.001.snap", "log1.002.snap", "log2.001.snap"}},
		{a, "log1.", []string{"log1.001.snap", "log1.002.snap"}},
		{a, "log2.", []string{"log2.001.snap"}},
		{a, "log3.", nil},
		{ab, "", []string{"log1.001.snap"}},
		{ab, "log2.", nil},
		// The other stores' keys are under a deeper prefix: not root's.
		{root, "", []string{"log1.009.snap"}},
		{root, "log1.", []string{"log1.009.snap"}},
	} {
		if got := s3List(t, ctx, c.st, c.prefix); !slices.Equal(got, c.want) {
			t.Errorf("%s: List(%q) = %q, want %q", c.st, c.prefix, got, c.want)
		}
	}
	checkS3Bytes(t, "a's log1.001.snap", s3Get(t, ctx, a, "log1.001.snap"), []byte("a:log1.001.snap"))
	checkS3Bytes(t, "ab's log1.001.snap", s3Get(t, ctx, ab, "log1.001.snap"), []byte("ab:log1.001.snap"))
	checkS3NotExist(t, ctx, ab, "log2.001.snap")
	checkS3NotExist(t, ctx, root, "log1.001.snap")

	// Deleting in one store leaves the same name in another alone.
	if err := ab.Delete(ctx, "log1.001.snap"); err != nil {
		t.Fatal(err)
	}
	checkS3Bytes(t, "a's log1.001.snap after ab's delete", s3Get(t, ctx, a, "log1.001.snap"), []byte("a:log1.001.snap"))
}

func TestS3StoreMissing(t *testing.T) {
	ctx := t.Context()
	fs := startFakeS3(t)
	cfg := fs.config(t, "p")
	st := fs.store(t, cfg)

	checkS3NotExist(t, ctx, st, "nothing.snap")
	if err := st.Delete(ctx, "nothing.snap"); err != nil {
		t.Errorf("Delete of a missing blob: %v, want nil", err)
	}
	s3Put(t, ctx, st, "x.snap", []byte("x"))
	if err := st.Delete(ctx, "x.snap"); err != nil {
		t.Fatalf("Delete: %v", err)
	}
	checkS3NotExist(t, ctx, st, "x.snap")
	if got := s3List(t, ctx, st, ""); len(got) != 0 {
		t.Errorf("List after Delete = %q, want nothing", got)
	}
	if got := fs.keys(t); len(got) != 0 {
		t.Errorf("bucket holds %q after Delete, want nothing", got)
	}
	checkS3Spool(t, cfg.SpoolDir, 0, "after the failed Opens")
}

// A missing bucket is a misconfiguration, not an empty store: nothing may
// take it for a missing snapshot.
func TestS3StoreMissingBucket(t *testing.T) {
	ctx := t.Context()
	fs := startFakeS3(t)
	cfg := fs.config(t, "")
	cfg.Bucket = "no-such-bucket"
	st := fs.store(t, cfg)

	if r, err := st.Open(ctx, "x.snap"); err == nil {
		r.Close()
		t.Error("Open in a missing bucket succeeded")
	} else if errors.Is(err, os.ErrNotExist) {
		t.Errorf("Open in a missing bucket = %v, which wraps os.ErrNotExist", err)
	}
	if _, err := st.List(ctx, ""); err == nil {
		t.Error("List of a missing bucket succeeded")
	}
	w, err := st.Create(ctx, "x.snap")
	if err != nil {
		t.Fatal(err)
	}
	w.Write([]byte("x"))
	if err := w.Commit(); err == nil {
		t.Error("Commit to a missing bucket succeeded")
	}
	checkS3Spool(t, cfg.SpoolDir, 0, "after a failed Commit")
}

func TestS3StoreRejectsBadNames(t *testing.T) {
	ctx := t.Context()
	fs := startFakeS3(t)
	st := fs.store(t, fs.config(t, ""))
	for _, name := range []string{"", "a/b", ".hidden", `a\b`} {
		if _, err := st.Create(ctx, name); err == nil {
			t.Errorf("Create(%q) succeeded", name)
		}
		if _, err := st.Open(ctx, name); err == nil || errors.Is(err, os.ErrNotExist) {
			t.Errorf("Open(%q) = %v, want a bad-name error", name, err)
		}
		if err := st.Delete(ctx, name); err == nil {
			t.Errorf("Delete(%q) succeeded", name)
		}
	}
}

// minio-go uploads an object of known size above 16 MiB (its minPartSize)
// as a multipart upload; gofakes3 assembles the parts. Over HTTPS only:
// gofakes3 (v1.2.0) does not decode the stream-signed (aws-chunked) body
// of an UploadPart, which minio-go sends over plain HTTP, and would keep
// the chunk framing as part data. S3 and MinIO decode it.
func TestS3StoreMultipart(t *testing.T) {
	if testing.Short() {
		t.Skip("uploads 20 MiB")
	}
	ctx := t.Context()
	fs := startFakeS3TLS(t, true)
	cfg := fs.config(t, "big")
	st := fs.store(t, cfg)

	data := s3TestBytes(3, 20<<20+4321)
	s3Put(t, ctx, st, "big.snap", data, 5<<20, 7<<20+1)
	if n := fs.multiparts.Load(); n != 1 {
		t.Errorf("%d multipart uploads initiated for %d bytes, want 1", n, len(data))
	}
	checkS3Spool(t, cfg.SpoolDir, 0, "after Commit")
	checkS3Bytes(t, "multipart round trip", s3Get(t, ctx, st, "big.snap"), data)
	checkS3Spool(t, cfg.SpoolDir, 0, "after the reader is closed")
	if got, want := fs.keys(t), []string{"big/big.snap"}; !slices.Equal(got, want) {
		t.Errorf("bucket holds %q, want %q", got, want)
	}
}

func TestNewS3StoreConfig(t *testing.T) {
	for _, c := range []struct {
		name string
		cfg  S3Config
	}{
		{"no bucket", S3Config{Endpoint: "http://127.0.0.1:9000"}},
		{"bad bucket", S3Config{Endpoint: "http://127.0.0.1:9000", Bucket: "no spaces"}},
		{"ftp endpoint", S3Config{Endpoint: "ftp://x", Bucket: "bkt"}},
		{"endpoint with path", S3Config{Endpoint: "http://host/path", Bucket: "bkt"}},
		{"endpoint with query", S3Config{Endpoint: "http://host/?x=1", Bucket: "bkt"}},
		{"endpoint without scheme", S3Config{Endpoint: "127.0.0.1:9000", Bucket: "bkt"}},
		{"endpoint without host", S3Config{Endpoint: "http://", Bucket: "bkt"}},
		{"prefix starting with /", S3Config{Endpoint: "http://127.0.0.1:9000", Bucket: "bkt", Prefix: "/p"}},
	} {
		if st, err := NewS3Store(c.cfg); err == nil {
			t.Errorf("%s: NewS3Store(%+v) = %s, want an error", c.name, c.cfg, st)
		} else if !strings.HasPrefix(err.Error(), "shard: ") {
			t.Errorf("%s: error %q lacks the \"shard: \" prefix", c.name, err)
		}
	}

	for _, c := range []struct {
		cfg    S3Config
		want   string
		scheme string
	}{
		{S3Config{Endpoint: "http://127.0.0.1:9000", Bucket: "bkt"}, "s3://bkt/ at http://127.0.0.1:9000", "http"},
		{S3Config{Endpoint: "http://127.0.0.1:9000/", Bucket: "bkt", Prefix: "p/q"}, "s3://bkt/p/q/ at http://127.0.0.1:9000/", "http"},
		{S3Config{Endpoint: "https://s3.eu-west-1.amazonaws.com", Bucket: "bkt", Prefix: "p/"}, "s3://bkt/p/ at https://s3.eu-west-1.amazonaws.com", "https"},
		{S3Config{Bucket: "bkt"}, "s3://bkt/ at https://s3.amazonaws.com", "https"},
	} {
		st, err := NewS3Store(c.cfg)
		if err != nil {
			t.Errorf("NewS3Store(%+v): %v", c.cfg, err)
			continue
		}
		if got := st.String(); got != c.want {
			t.Errorf("NewS3Store(%+v).String() = %q, want %q", c.cfg, got, c.want)
		}
		if got := st.(*s3Store).client.EndpointURL().Scheme; got != c.scheme {
			t.Errorf("NewS3Store(%+v) talks %s, want %s", c.cfg, got, c.scheme)
		}
		if got := st.(*s3Store).spoolDir; got != os.TempDir() {
			t.Errorf("NewS3Store(%+v) spools to %q, want os.TempDir() %q", c.cfg, got, os.TempDir())
		}
	}
}

func TestS3ConfigFromEnv(t *testing.T) {
	vars := map[string]string{
		"AWS_ACCESS_KEY_ID":     "AKID",
		"AWS_SECRET_ACCESS_KEY": "SECRET",
		"AWS_SESSION_TOKEN":     "TOKEN",
		"AWS_REGION":            "eu-west-1",
		"AWS_DEFAULT_REGION":    "us-west-2",
		"AWS_ENDPOINT_URL_S3":   "http://127.0.0.1:9000",
		"AWS_ENDPOINT_URL":      "http://127.0.0.1:9001",
	}
	for k, v := range vars {
		t.Setenv(k, v)
	}
	want := S3Config{
		Endpoint:     "http://127.0.0.1:9000",
		Region:       "eu-west-1",
		AccessKey:    "AKID",
		SecretKey:    "SECRET",
		SessionToken: "TOKEN",
	}
	if got := S3ConfigFromEnv(); got != want {
		t.Errorf("with every variable set: S3ConfigFromEnv() = %+v, want %+v", got, want)
	}

	// The fallbacks, with the preferred variables unset...
	os.Unsetenv("AWS_REGION")
	os.Unsetenv("AWS_ENDPOINT_URL_S3")
	want.Endpoint, want.Region = "http://127.0.0.1:9001", "us-west-2"
	if got := S3ConfigFromEnv(); got != want {
		t.Errorf("with AWS_REGION and AWS_ENDPOINT_URL_S3 unset: S3ConfigFromEnv() = %+v, want %+v", got, want)
	}
	// ...or empty, which the AWS tools take for unset.
	t.Setenv("AWS_REGION", "")
	t.Setenv("AWS_ENDPOINT_URL_S3", "")
	if got := S3ConfigFromEnv(); got != want {
		t.Errorf("with AWS_REGION and AWS_ENDPOINT_URL_S3 empty: S3ConfigFromEnv() = %+v, want %+v", got, want)
	}

	for k := range vars {
		os.Unsetenv(k)
	}
	if got := S3ConfigFromEnv(); got != (S3Config{}) {
		t.Errorf("with no variable set: S3ConfigFromEnv() = %+v, want the zero S3Config", got)
	}
}

// closedS3Port returns an address on 127.0.0.1 where nothing listens.
func closedS3Port(t *testing.T) string {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := l.Addr().String()
	l.Close()
	return addr
}

func TestS3StoreUnreachable(t *testing.T) {
	cfg := S3Config{
		Endpoint:  "http://" + closedS3Port(t),
		Region:    "us-east-1",
		AccessKey: "shard-test",
		SecretKey: "shard-test-secret",
		Bucket:    s3TestBucket,
		SpoolDir:  t.TempDir(),
	}
	st := mustS3Store(t, cfg)
	// The client retries a refused connection with back-off, for seconds:
	// Commit must end at the deadline of the context given to Create.
	const timeout = 500 * time.Millisecond
	const bound = 3 * time.Second

	ctx, cancel := context.WithTimeout(t.Context(), timeout)
	defer cancel()
	w, err := st.Create(ctx, "x.snap")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := w.Write(s3TestBytes(4, 100<<10)); err != nil {
		t.Fatal(err)
	}
	start := time.Now()
	err = w.Commit()
	if err == nil {
		t.Fatal("Commit to an unreachable endpoint succeeded")
	}
	if !errors.Is(err, context.DeadlineExceeded) {
		t.Errorf("Commit = %v, want the deadline of Create's context", err)
	}
	if d := time.Since(start); d > bound {
		t.Errorf("Commit took %v to fail with a %v context", d, timeout)
	}
	checkS3Spool(t, cfg.SpoolDir, 0, "after the failed Commit")

	ctx, cancel = context.WithTimeout(t.Context(), timeout)
	defer cancel()
	start = time.Now()
	if names, err := st.List(ctx, ""); err == nil {
		t.Errorf("List of an unreachable endpoint = %q, nil", names)
	} else if !errors.Is(err, context.DeadlineExceeded) {
		t.Errorf("List = %v, want the deadline of its context", err)
	}
	if d := time.Since(start); d > bound {
		t.Errorf("List took %v to fail with a %v context", d, timeout)
	}

	ctx, cancel = context.WithTimeout(t.Context(), timeout)
	defer cancel()
	if r, err := st.Open(ctx, "x.snap"); err == nil {
		r.Close()
		t.Error("Open from an unreachable endpoint succeeded")
	} else if errors.Is(err, os.ErrNotExist) {
		t.Errorf("Open from an unreachable endpoint = %v, which wraps os.ErrNotExist", err)
	}
	checkS3Spool(t, cfg.SpoolDir, 0, "after the failed Open")
}
