package client

import (
	"context"
	"fmt"
	"math"

	"google.golang.org/protobuf/proto"

	"github.com/quorumlog/quorumlog/api/quorumlogpb"
)

// An append larger than a node accepts is refused here, before it is sent.
// A gRPC server refuses an oversized message before reading it, and on the
// append stream that every Append of the client shares this breaks the
// stream: every append in flight on it would end with an unknown outcome,
// and the oversized one with a transport error instead of a clear one.

// streamSafeBytes is a request size every node accepts: quorumlogd takes
// 16 MiB of records plus 1 MiB of framing at least, whatever its
// --max-record-bytes. Appends up to it are sent without a look.
const streamSafeBytes = 16 << 20

// checkAppendSize returns ErrInvalidArgument if req is larger than the
// node behind cn accepts. For a large request the node is asked (Status)
// and its answer kept on the connection; a node that does not say is sent
// the request as it is.
//
// The node may have restarted since with another --max-record-bytes. A
// limit the request exceeds is asked again before the request is refused,
// so a raised limit is used at once; and it is forgotten whenever the
// connection's append stream is opened again (a restarted node breaks it),
// or a node refuses a unary request as too large, so a lowered one is
// learned before the next large request.
func (c *Client) checkAppendSize(ctx context.Context, cn *conn, req *quorumlogpb.AppendRequest) error {
	bound := len(req.GetLog()) + 64 // an upper bound of the message's size
	for _, r := range req.GetRecords() {
		bound += len(r.GetPayload()) + 24
	}
	if bound <= streamSafeBytes {
		return nil
	}
	size := proto.Size(&quorumlogpb.AppendStreamRequest{Tag: math.MaxUint64, Append: req})
	limit, err := cn.maxMessageBytes(ctx, false)
	if err == nil && limit > 0 && size > limit {
		limit, err = cn.maxMessageBytes(ctx, true)
	}
	if err != nil {
		return err
	}
	if limit > 0 && size > limit {
		return fmt.Errorf("%w: the append is %d bytes with its framing, more than the %d bytes %s accepts in one request (its --max-record-bytes sets that)",
			ErrInvalidArgument, size, limit, cn.addr)
	}
	return nil
}

// maxMessageBytes returns the largest request the node accepts, -1 if it
// does not say (it predates StatusResponse.max_message_bytes). It asks
// the node if fresh is set or it has not been asked since the limit was
// last forgotten.
func (cn *conn) maxMessageBytes(ctx context.Context, fresh bool) (int, error) {
	if v := cn.maxMessage.Load(); v != 0 && !fresh {
		return int(v), nil
	}
	resp, err := cn.cluster.Status(ctx, &quorumlogpb.StatusRequest{})
	if err != nil {
		return 0, &notSentError{err}
	}
	v := int64(min(resp.GetMaxMessageBytes(), math.MaxInt32))
	if v == 0 {
		v = -1
	}
	cn.maxMessage.Store(v)
	return int(v), nil
}

// forgetMaxMessage drops the node's limit learned on cn: the node may have
// restarted with another.
func (cn *conn) forgetMaxMessage() { cn.maxMessage.Store(0) }
