package shard

import (
	"context"
	"errors"
	"fmt"

	"github.com/quorumlog/quorumlog/client"
)

// A PERMISSION_DENIED from QuorumLog (its --tls-authz-file does not grant
// this node's client certificate what the shard needs: read, append, trim
// and create on the shard's logs) is fatal. No retry can pass it, and a
// node that kept retrying would look alive while it can neither follow
// the log nor write it. The shard stops: Run returns the error, and
// memshard exits with it.

// stoppedBy wraps the denial that stops the shard.
func stoppedBy(err error) error {
	return fmt.Errorf("shard: QuorumLog refused this node (grant its certificate read,append,trim,create on the shard's logs in the cluster's --tls-authz-file): %w", err)
}

// fatalIfDenied stops the shard if err is a PERMISSION_DENIED, and
// reports whether it was. Safe from any goroutine, with or without mu.
func (s *Shard) fatalIfDenied(err error) bool {
	if !errors.Is(err, client.ErrPermissionDenied) {
		return false
	}
	if stop := s.stopRun.Load(); stop != nil {
		(*stop)(stoppedBy(err))
	}
	return true
}

// runStopped is the error Run returns once ctx (Run's own) ended: the
// denial that stopped the shard, or nil for the caller's cancellation.
func runStopped(ctx context.Context) error {
	if err := context.Cause(ctx); errors.Is(err, client.ErrPermissionDenied) {
		return err
	}
	return nil
}
