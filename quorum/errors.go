package quorum

import (
	"errors"
	"fmt"
)

var (
	// ErrNotLeader: this node is not the leader, so the request was not
	// proposed. Always safe to retry on the leader. Returned wrapped in a
	// *NotLeaderError carrying the leader, if one is known.
	ErrNotLeader = errors.New("quorum: not the leader")

	// ErrOutcomeUnknown: the request was proposed but the node cannot tell
	// whether it committed (leadership lost, shutdown, or the caller stopped
	// waiting). Retrying a plain append may duplicate it.
	ErrOutcomeUnknown = errors.New("quorum: outcome unknown")

	// ErrBusy: the proposal queue is full; nothing was proposed.
	ErrBusy = errors.New("quorum: too many pending proposals")

	// ErrClosed: the node is shutting down; nothing was proposed.
	ErrClosed = errors.New("quorum: node closed")

	// ErrNotMember: no member of the cluster has the ID.
	ErrNotMember = errors.New("quorum: no such member")

	// ErrLastVoter: removing the member would leave no voter.
	ErrLastVoter = errors.New("quorum: the last voter cannot be removed")
)

// NotLeaderError says who the leader is, as far as this node knows. ID and
// Addr (the leader's gRPC address) are empty when no leader is known.
type NotLeaderError struct {
	LeaderID   string
	LeaderAddr string
}

func (e *NotLeaderError) Error() string {
	if e.LeaderID == "" {
		return "quorum: not the leader; no leader known"
	}
	return fmt.Sprintf("quorum: not the leader; leader is %s at %s", e.LeaderID, e.LeaderAddr)
}

func (e *NotLeaderError) Unwrap() error { return ErrNotLeader }
