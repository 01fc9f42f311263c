package shard

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"os"
	"strings"

	"github.com/minio/minio-go/v7"
	"github.com/minio/minio-go/v7/pkg/credentials"
	"github.com/minio/minio-go/v7/pkg/s3utils"
)

// defaultS3Endpoint is AWS S3, for an empty S3Config.Endpoint. Given an
// AWS endpoint, the client sends each request to the endpoint of the
// bucket's region (asked of the server first if Region is empty).
const defaultS3Endpoint = "https://s3.amazonaws.com"

// S3Config says which S3-compatible bucket holds the snapshots and how to
// reach it. S3ConfigFromEnv fills it the way the AWS tools do.
type S3Config struct {
	// Endpoint is the server's URL, scheme and host only, as
	// "http://127.0.0.1:9000" or "https://s3.eu-west-1.amazonaws.com"; the
	// scheme decides whether TLS is used. Empty means
	// "https://s3.amazonaws.com".
	Endpoint string
	// Region is the bucket's region, which V4 signatures include. Empty
	// has the client ask the server for the bucket's location first.
	Region string
	// AccessKey is the access key ID requests are signed with. With
	// AccessKey or SecretKey empty, requests go unsigned (anonymous).
	AccessKey string
	// SecretKey is the secret access key that goes with AccessKey.
	SecretKey string
	// SessionToken is the token of temporary credentials (STS); empty for
	// long-term keys.
	SessionToken string
	// Bucket is the bucket's name. Required.
	Bucket string
	// Prefix is prepended to every blob name to make its object key, so
	// that stores with different prefixes share a bucket without seeing
	// each other's blobs. A "/" is added if it does not end with one; it
	// must not start with one. Empty uses the bucket's top level.
	Prefix string
	// SpoolDir is the local directory where a blob is staged while it is
	// written or read (see s3Store). Empty means os.TempDir().
	SpoolDir string
}

// S3ConfigFromEnv returns the endpoint, region and credentials of the
// standard AWS environment variables: AWS_ENDPOINT_URL_S3 (or else
// AWS_ENDPOINT_URL), AWS_REGION (or else AWS_DEFAULT_REGION),
// AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY and AWS_SESSION_TOKEN. Bucket,
// Prefix and SpoolDir are left empty.
func S3ConfigFromEnv() S3Config {
	return S3Config{
		Endpoint:     firstEnv("AWS_ENDPOINT_URL_S3", "AWS_ENDPOINT_URL"),
		Region:       firstEnv("AWS_REGION", "AWS_DEFAULT_REGION"),
		AccessKey:    os.Getenv("AWS_ACCESS_KEY_ID"),
		SecretKey:    os.Getenv("AWS_SECRET_ACCESS_KEY"),
		SessionToken: os.Getenv("AWS_SESSION_TOKEN"),
	}
}

// firstEnv returns the value of the first of the variables that is set
// and not empty, as the AWS tools treat an empty variable as unset.
func firstEnv(names ...string) string {
	for _, n := range names {
		if v := os.Getenv(n); v != "" {
			return v
		}
	}
	return ""
}

// s3Store keeps blobs as objects under a prefix of a bucket. A blob is
// staged in a local file on the way up and on the way down: snapshots can
// be large, and a seekable local copy lets ReadSnapshot check the
// whole-file CRC before it executes anything, and gives PutObject the
// exact size (so it sends one PUT, or a multipart upload of known parts,
// rather than buffering a stream of unknown length in memory). A PUT, or
// the completion of a multipart upload, is atomic: an object is visible
// whole or not at all, which is what Commit promises.
type s3Store struct {
	client   *minio.Client
	endpoint string // as configured, for String
	bucket   string
	prefix   string // "" or ends with "/"
	spoolDir string
}

// NewS3Store returns the store of cfg's bucket and prefix. It checks cfg
// but does no network I/O: a wrong endpoint, bucket or credential shows
// on the first operation.
func NewS3Store(cfg S3Config) (BlobStore, error) {
	s, err := newS3Store(cfg, nil)
	if err != nil {
		return nil, err // not a nil *s3Store in a non-nil BlobStore
	}
	return s, nil
}

// newS3Store is NewS3Store with the client's HTTP transport: nil for
// minio-go's default, another for tests to trust a test server's TLS
// certificate.
func newS3Store(cfg S3Config, transport http.RoundTripper) (*s3Store, error) {
	if cfg.Bucket == "" {
		return nil, errors.New("shard: s3 snapshot store needs a bucket")
	}
	// Checked here so that a mistyped flag fails at start, not at the
	// first snapshot.
	if err := s3utils.CheckValidBucketName(cfg.Bucket); err != nil {
		return nil, fmt.Errorf("shard: s3 bucket %q: %w", cfg.Bucket, err)
	}
	prefix, err := normalizeS3Prefix(cfg.Prefix)
	if err != nil {
		return nil, err
	}
	endpoint := cfg.Endpoint
	if endpoint == "" {
		endpoint = defaultS3Endpoint
	}
	host, secure, err := parseS3Endpoint(endpoint)
	if err != nil {
		return nil, err
	}
	client, err := minio.New(host, &minio.Options{
		Creds:  credentials.NewStaticV4(cfg.AccessKey, cfg.SecretKey, cfg.SessionToken),
		Secure: secure,
		Region: cfg.Region,
		// Path style (http://host/bucket/key) works with any server, one
		// on an IP:port included; virtual-host style needs DNS names.
		BucketLookup: minio.BucketLookupPath,
		Transport:    transport,
	})
	if err != nil {
		return nil, fmt.Errorf("shard: s3 endpoint %s: %w", endpoint, err)
	}
	spool := cfg.SpoolDir
	if spool == "" {
		spool = os.TempDir()
	}
	return &s3Store{client: client, endpoint: endpoint, bucket: cfg.Bucket, prefix: prefix, spoolDir: spool}, nil
}

// parseS3Endpoint returns the host[:port] of an "http://" or "https://"
// endpoint URL and whether it uses TLS. Anything the client would
// otherwise drop silently (a path, a query, user info) is refused.
func parseS3Endpoint(endpoint string) (host string, secure bool, err error) {
	u, err := url.Parse(endpoint)
	if err != nil {
		return "", false, fmt.Errorf("shard: s3 endpoint %q: %w", endpoint, err)
	}
	if u.Scheme != "http" && u.Scheme != "https" {
		return "", false, fmt.Errorf("shard: s3 endpoint %q: want an http:// or https:// URL", endpoint)
	}
	if u.Host == "" || (u.Path != "" && u.Path != "/") || u.RawQuery != "" || u.Fragment != "" || u.User != nil {
		return "", false, fmt.Errorf("shard: s3 endpoint %q: want only a scheme and a host[:port]", endpoint)
	}
	return u.Host, u.Scheme == "https", nil
}

// normalizeS3Prefix makes a non-empty prefix end with "/", so that the
// prefix "a" does not also take in the blobs of the prefix "ab".
func normalizeS3Prefix(prefix string) (string, error) {
	if strings.HasPrefix(prefix, "/") {
		return "", fmt.Errorf("shard: s3 prefix %q must not start with \"/\"", prefix)
	}
	if prefix != "" && !strings.HasSuffix(prefix, "/") {
		prefix += "/"
	}
	return prefix, nil
}

func (s *s3Store) String() string {
	return "s3://" + s.bucket + "/" + s.prefix + " at " + s.endpoint
}

func (s *s3Store) key(name string) string { return s.prefix + name }

func (s *s3Store) Create(ctx context.Context, name string) (BlobWriter, error) {
	if err := checkBlobName(name); err != nil {
		return nil, err
	}
	f, err := os.CreateTemp(s.spoolDir, "s3put-"+name+".*.tmp")
	if err != nil {
		return nil, fmt.Errorf("shard: staging snapshot %s: %w", name, err)
	}
	return &s3Writer{ctx: ctx, s: s, name: name, f: f}, nil
}

func (s *s3Store) Open(ctx context.Context, name string) (io.ReadSeekCloser, error) {
	if err := checkBlobName(name); err != nil {
		return nil, err
	}
	// GetObject sends nothing yet: a missing object, like any other
	// failure of the request, shows on the first Read.
	obj, err := s.client.GetObject(ctx, s.bucket, s.key(name), minio.GetObjectOptions{})
	if err != nil {
		return nil, s.objectErr("downloading", name, err)
	}
	defer obj.Close()
	f, err := os.CreateTemp(s.spoolDir, "s3get-"+name+".*.tmp")
	if err != nil {
		return nil, fmt.Errorf("shard: staging snapshot %s: %w", name, err)
	}
	// Unlinked at once, the copy lives as long as the open file: closing
	// it, or a crash, leaves nothing behind.
	if err := os.Remove(f.Name()); err != nil {
		f.Close()
		os.Remove(f.Name()) // where an open file cannot be removed
		return nil, fmt.Errorf("shard: staging snapshot %s: %w", name, err)
	}
	if err := download(f, obj); err != nil {
		f.Close()
		return nil, s.objectErr("downloading", name, err)
	}
	return f, nil
}

// download copies obj into f and rewinds f. A body cut short is an
// error (io.ErrUnexpectedEOF), not a short blob: the response says its
// length.
func download(f *os.File, obj *minio.Object) error {
	if _, err := io.Copy(f, obj); err != nil {
		return err
	}
	_, err := f.Seek(0, io.SeekStart)
	return err
}

func (s *s3Store) List(ctx context.Context, prefix string) ([]string, error) {
	// Cancelled on return, so an early return (on an error) stops the
	// listing's requests.
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	var names []string
	opts := minio.ListObjectsOptions{Prefix: s.key(prefix), Recursive: true}
	for obj := range s.client.ListObjectsIter(ctx, s.bucket, opts) {
		if obj.Err != nil {
			return nil, fmt.Errorf("shard: listing %s: %w", s, obj.Err)
		}
		name := strings.TrimPrefix(obj.Key, s.prefix)
		// Keys under a deeper prefix ("/" in the name), or that this
		// store could not have made, are not its blobs.
		if checkBlobName(name) != nil {
			continue
		}
		names = append(names, name)
	}
	return names, nil
}

func (s *s3Store) Delete(ctx context.Context, name string) error {
	if err := checkBlobName(name); err != nil {
		return err
	}
	// S3 answers a DELETE of a missing key with success; NoSuchKey,
	// should a server say it, is success here too.
	err := s.client.RemoveObject(ctx, s.bucket, s.key(name), minio.RemoveObjectOptions{})
	if err != nil && !isNoSuchKey(err) {
		return s.objectErr("deleting", name, err)
	}
	return nil
}

// objectErr describes a failed operation on the blob name, wrapping
// os.ErrNotExist if the object is missing. A missing bucket is not a
// missing blob: it stays an error of its own, so that a misconfigured
// store is not taken for an empty one.
func (s *s3Store) objectErr(op, name string, err error) error {
	if isNoSuchKey(err) {
		return fmt.Errorf("shard: snapshot %s in %s: %w", name, s, os.ErrNotExist)
	}
	return fmt.Errorf("shard: %s snapshot %s in %s: %w", op, name, s, err)
}

func isNoSuchKey(err error) bool {
	var resp minio.ErrorResponse
	return errors.As(err, &resp) && resp.Code == minio.NoSuchKey
}

// s3Writer stages a blob in a local file, which Commit uploads.
type s3Writer struct {
	ctx  context.Context // Create's, for the upload
	s    *s3Store
	name string
	f    *os.File // nil once committed or aborted
}

func (w *s3Writer) Write(p []byte) (int, error) {
	if w.f == nil {
		return 0, os.ErrClosed
	}
	return w.f.Write(p)
}

func (w *s3Writer) Commit() error {
	if w.f == nil {
		return os.ErrClosed
	}
	defer w.Abort()
	size, err := w.f.Seek(0, io.SeekEnd)
	if err == nil {
		_, err = w.f.Seek(0, io.SeekStart)
	}
	if err != nil {
		return fmt.Errorf("shard: staging snapshot %s: %w", w.name, err)
	}
	opts := minio.PutObjectOptions{
		ContentType: "application/octet-stream",
		// Over plain HTTP minio-go stream-signs the body, and an empty
		// one then goes out chunked, without the Content-Length that
		// some servers insist on (411 MissingContentLength). Unsigned,
		// it goes with "Content-Length: 0".
		DisableContentSha256: size == 0,
	}
	_, err = w.s.client.PutObject(w.ctx, w.s.bucket, w.s.key(w.name), w.f, size, opts)
	if err != nil {
		return w.s.objectErr("uploading", w.name, err)
	}
	return nil
}

// Abort removes the staged file; after Commit it does nothing.
func (w *s3Writer) Abort() {
	if w.f == nil {
		return
	}
	w.f.Close()
	os.Remove(w.f.Name())
	w.f = nil
}
