package client

import (
	"context"
	"errors"

	"github.com/quorumlog/quorumlog/api/quorumlogpb"
)

// RemoveMember removes the member id from the cluster: to retire a node,
// or to replace a dead one (a wiped node may then join again, under the
// same ID or another). It returns ErrNotFound if no member has the ID, and
// a *StatusError with codes.FailedPrecondition if one zone would then hold
// a majority of the voters (unless allowZoneMajority) or id is the last
// voter. Like DeleteLog it is retried after an unknown outcome; a retry
// that finds no such member returns an error matching ErrNotFound and
// ErrOutcomeUnknown (most likely the first attempt removed it).
func (c *Client) RemoveMember(ctx context.Context, id string, allowZoneMajority bool) error {
	uncertain, err := c.write(ctx, true, func(ctx context.Context, cn *conn) error {
		if err := c.ready(ctx, cn); err != nil {
			return err
		}
		_, err := cn.cluster.RemoveMember(ctx, &quorumlogpb.RemoveMemberRequest{Id: id, AllowZoneMajority: allowZoneMajority})
		return mapWriteError(err)
	})
	if uncertain && errors.Is(err, ErrNotFound) {
		return outcomeUnknown(err)
	}
	return err
}
