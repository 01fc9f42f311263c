package main

import (
	"errors"
	"flag"
	"os"
	"strings"

	"github.com/quorumlog/quorumlog/examples/memshard/shard"
)

// snapshotStoreFlags are the flags that say where a shard's snapshots are,
// shared by the nodes and `memshard snapshot`.
type snapshotStoreFlags struct {
	dir, s3URL, s3Endpoint, s3Region *string
}

func addSnapshotStoreFlags(fs *flag.FlagSet, dirUsage string) snapshotStoreFlags {
	return snapshotStoreFlags{
		dir:        fs.String("snapshot-dir", "", dirUsage),
		s3URL:      fs.String("snapshot-s3", "", "keep snapshots in an S3-compatible bucket instead: s3://BUCKET[/PREFIX]. Credentials come from AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY and AWS_SESSION_TOKEN"),
		s3Endpoint: fs.String("s3-endpoint", "", "the S3 endpoint URL, e.g. http://127.0.0.1:9000 (default: AWS_ENDPOINT_URL_S3, AWS_ENDPOINT_URL, else https://s3.amazonaws.com)"),
		s3Region:   fs.String("s3-region", "", "the S3 region (default: AWS_REGION, AWS_DEFAULT_REGION)"),
	}
}

// open returns the store the flags name, or nil if none is set. A directory
// is created if missing when create is set.
func (f snapshotStoreFlags) open(create bool) (shard.BlobStore, error) {
	switch {
	case *f.dir != "" && *f.s3URL != "":
		return nil, usageError{errors.New("--snapshot-dir and --snapshot-s3 are exclusive")}
	case *f.s3URL != "":
		if !strings.HasPrefix(*f.s3URL, "s3://") {
			return nil, usageError{errors.New("--snapshot-s3 must look like s3://BUCKET[/PREFIX]")}
		}
		cfg := shard.S3ConfigFromEnv()
		if *f.s3Endpoint != "" {
			cfg.Endpoint = *f.s3Endpoint
		}
		if *f.s3Region != "" {
			cfg.Region = *f.s3Region
		}
		st, err := shard.OpenBlobStore(*f.s3URL, cfg)
		if err != nil {
			return nil, usageError{err}
		}
		return st, nil
	case *f.dir != "":
		if create {
			if err := os.MkdirAll(*f.dir, 0o755); err != nil {
				return nil, err
			}
		}
		return shard.NewDirStore(*f.dir)
	case *f.s3Endpoint != "" || *f.s3Region != "":
		return nil, usageError{errors.New("--s3-endpoint and --s3-region need --snapshot-s3")}
	}
	return nil, nil
}
