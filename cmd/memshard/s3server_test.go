package main

import (
	"net/http/httptest"
	"path/filepath"
	"testing"

	"github.com/johannesboyne/gofakes3"
	"github.com/johannesboyne/gofakes3/backend/s3bolt"
	bolt "go.etcd.io/bbolt"
)

// s3Server is an S3-protocol server on a loopback port for the e2e tests
// (gofakes3 with its objects in a bolt file on disk: no S3-compatible
// server can be installed on this machine). The memshard processes reach it
// over real HTTP with SigV4 requests, as they would AWS or any other store.
type s3Server struct {
	URL     string
	backend *s3bolt.Backend
}

// startS3 starts a server holding one empty bucket and points the AWS
// credential variables (which the memshard processes inherit) at test
// values.
func startS3(t *testing.T, bucket string) *s3Server {
	t.Helper()
	db, err := bolt.Open(filepath.Join(t.TempDir(), "s3.bolt"), 0o600, nil)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	backend := s3bolt.New(db)
	if err := backend.CreateBucket(bucket); err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(gofakes3.New(backend).Server()) // 127.0.0.1
	t.Cleanup(srv.Close)
	t.Setenv("AWS_ACCESS_KEY_ID", "memshard-test")
	t.Setenv("AWS_SECRET_ACCESS_KEY", "memshard-test-secret")
	t.Setenv("AWS_REGION", "us-east-1")
	return &s3Server{URL: srv.URL, backend: backend}
}

// objects returns the names of the objects of bucket under prefix.
func (s *s3Server) objects(t *testing.T, bucket, prefix string) []string {
	t.Helper()
	list, err := s.backend.ListBucket(bucket, &gofakes3.Prefix{HasPrefix: true, Prefix: prefix}, gofakes3.ListBucketPage{})
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, c := range list.Contents {
		names = append(names, c.Key)
	}
	return names
}
