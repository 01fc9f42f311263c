package server

import (
	"context"
	"errors"
	"io"
	"sync"
	"time"

	"google.golang.org/grpc/codes"

	pb "github.com/quorumlog/quorumlog/api/quorumlogpb"
	"github.com/quorumlog/quorumlog/logstore"
	"github.com/quorumlog/quorumlog/quorum/server/authz"
)

// Append is the unary append, for simple callers and tools.
func (s *Service) Append(ctx context.Context, req *pb.AppendRequest) (*pb.AppendResponse, error) {
	op, err := s.appendOp(req)
	if err != nil {
		return nil, s.statusErr(err)
	}
	res, err := s.node.Propose(ctx, op)
	if err != nil {
		return nil, s.statusErr(err)
	}
	return appendResponse(res), nil
}

func appendResponse(res logstore.Result) *pb.AppendResponse {
	return &pb.AppendResponse{FirstId: res.FirstID, LastId: res.LastID, Checksum: res.Checksum}
}

// maxStreamInFlight bounds the appends of one stream waiting for commit.
// When it is reached the server stops reading the stream, and HTTP/2 flow
// control pushes back on the client.
const maxStreamInFlight = 8192

// AppendStream pipelines appends: every request is proposed as soon as it
// arrives, with no goroutine per request, and answered (tagged) when it
// commits, in whatever order commits happen.
func (s *Service) AppendStream(stream pb.LogService_AppendStreamServer) error {
	ctx := stream.Context()
	out := make(chan *pb.AppendStreamResponse, maxStreamInFlight)
	slots := make(chan struct{}, maxStreamInFlight)
	var sendErr error
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		// The sender: drains out until the receive loop is done and every
		// in-flight append has been answered.
		defer wg.Done()
		for resp := range out {
			<-slots
			if sendErr == nil {
				sendErr = stream.Send(resp)
			}
		}
	}()
	var inflight sync.WaitGroup
	var recvErr error
	for {
		req, err := stream.Recv()
		if err != nil {
			recvErr = err
			break
		}
		start := time.Now()
		select {
		case slots <- struct{}{}:
		case <-ctx.Done():
		}
		if ctx.Err() != nil {
			recvErr = ctx.Err()
			break
		}
		tag := req.GetTag()
		// Each message names its own log: authorize it here, before it is
		// proposed, and answer a refusal in the stream like any other
		// failed append (only the sender goroutine may Send, so the
		// interceptor cannot).
		err = s.authorize(ctx, pb.LogService_AppendStream_FullMethodName, authz.Append, req.GetAppend().GetLog())
		var op logstore.Op
		if err == nil {
			op, err = s.appendOp(req.GetAppend())
		}
		if err != nil {
			st := s.toStatus(err)
			s.metrics.appendMessage.done(start, st.Code())
			out <- &pb.AppendStreamResponse{Tag: tag, Error: streamError(st)}
			continue
		}
		inflight.Add(1)
		s.node.ProposeAsync(op, func(res logstore.Result, err error) {
			defer inflight.Done()
			if err != nil {
				st := s.toStatus(err)
				s.metrics.appendMessage.done(start, st.Code())
				out <- &pb.AppendStreamResponse{Tag: tag, Error: streamError(st)}
				return
			}
			s.metrics.appendMessage.done(start, codes.OK)
			out <- &pb.AppendStreamResponse{Tag: tag, Result: appendResponse(res)}
		})
	}
	// Answer what is in flight before returning: the client may still be
	// reading after it closed its send side.
	inflight.Wait()
	close(out)
	wg.Wait()
	if sendErr != nil {
		return sendErr
	}
	if recvErr != nil && !errors.Is(recvErr, io.EOF) && ctx.Err() == nil {
		return recvErr
	}
	return nil
}
