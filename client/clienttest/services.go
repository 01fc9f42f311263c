package clienttest

import (
	"context"
	"errors"
	"fmt"
	"io"
	"sort"
	"sync"

	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"

	"github.com/quorumlog/quorumlog/api/quorumlogpb"
)

type logService struct {
	quorumlogpb.UnsafeLogServiceServer
	n *Node
}

type clusterService struct {
	quorumlogpb.UnsafeClusterServiceServer
	n *Node
}

var (
	_ quorumlogpb.LogServiceServer     = (*logService)(nil)
	_ quorumlogpb.ClusterServiceServer = (*clusterService)(nil)
)

func (s *logService) CreateLog(_ context.Context, req *quorumlogpb.CreateLogRequest) (*quorumlogpb.CreateLogResponse, error) {
	if err := s.n.notLeader(); err != nil {
		return nil, err
	}
	if req.GetLog() == "" {
		return nil, withDetail(codes.InvalidArgument, "empty log name", &quorumlogpb.BadRequest{Field: "log"})
	}
	c := s.n.c
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.logs[req.GetLog()] != nil {
		return nil, status.Errorf(codes.AlreadyExists, "log %q already exists", req.GetLog())
	}
	c.logs[req.GetLog()] = &fakeLog{}
	c.notifyLocked()
	return &quorumlogpb.CreateLogResponse{}, nil
}

func (s *logService) DeleteLog(_ context.Context, req *quorumlogpb.DeleteLogRequest) (*quorumlogpb.DeleteLogResponse, error) {
	if err := s.n.notLeader(); err != nil {
		return nil, err
	}
	c := s.n.c
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.logs[req.GetLog()] == nil {
		return nil, status.Errorf(codes.NotFound, "log %q not found", req.GetLog())
	}
	delete(c.logs, req.GetLog())
	c.notifyLocked()
	return &quorumlogpb.DeleteLogResponse{}, nil
}

func (s *logService) ListLogs(context.Context, *quorumlogpb.ListLogsRequest) (*quorumlogpb.ListLogsResponse, error) {
	c := s.n.c
	c.mu.Lock()
	defer c.mu.Unlock()
	resp := &quorumlogpb.ListLogsResponse{}
	for name, l := range c.logs {
		resp.Logs = append(resp.Logs, l.info(name))
	}
	sort.Slice(resp.Logs, func(i, j int) bool { return resp.Logs[i].GetName() < resp.Logs[j].GetName() })
	return resp, nil
}

func (s *logService) DescribeLog(_ context.Context, req *quorumlogpb.DescribeLogRequest) (*quorumlogpb.DescribeLogResponse, error) {
	c := s.n.c
	c.mu.Lock()
	defer c.mu.Unlock()
	l := c.logs[req.GetLog()]
	if l == nil {
		return nil, status.Errorf(codes.NotFound, "log %q not found", req.GetLog())
	}
	return &quorumlogpb.DescribeLogResponse{Info: l.info(req.GetLog())}, nil
}

func (s *logService) Trim(_ context.Context, req *quorumlogpb.TrimRequest) (*quorumlogpb.TrimResponse, error) {
	if err := s.n.notLeader(); err != nil {
		return nil, err
	}
	c := s.n.c
	c.mu.Lock()
	defer c.mu.Unlock()
	l := c.logs[req.GetLog()]
	if l == nil {
		return nil, status.Errorf(codes.NotFound, "log %q not found", req.GetLog())
	}
	l.trimmed = max(l.trimmed, min(req.GetThroughId(), l.last()))
	c.notifyLocked()
	return &quorumlogpb.TrimResponse{FirstId: l.trimmed + 1, LastId: l.last()}, nil
}

func (s *logService) Append(ctx context.Context, req *quorumlogpb.AppendRequest) (*quorumlogpb.AppendResponse, error) {
	if err := s.n.notLeader(); err != nil {
		return nil, err
	}
	c := s.n.c
	f := c.takeFault()
	if !c.wait(ctx.Done(), nil) {
		return nil, ctx.Err()
	}
	switch f {
	case BreakAfterApply:
		_, _ = c.apply(req)
		return nil, status.Error(codes.Unavailable, "fake: connection lost")
	case BreakBeforeApply:
		return nil, status.Error(codes.Unavailable, "fake: connection lost")
	case UnknownAfterApply:
		_, _ = c.apply(req)
		return nil, withDetail(codes.Unavailable, "leadership lost", &quorumlogpb.OutcomeUnknown{})
	case UnknownBeforeApply:
		return nil, withDetail(codes.Unavailable, "leadership lost", &quorumlogpb.OutcomeUnknown{})
	}
	return c.apply(req)
}

// AppendStream answers each request from its own goroutine, so answers may
// come out of order, as the real server's may.
func (s *logService) AppendStream(st quorumlogpb.LogService_AppendStreamServer) error {
	c := s.n.c
	brk := make(chan struct{})
	c.mu.Lock()
	c.breaks[brk] = true
	if c.leader == s.n.i {
		c.streams++
	}
	c.mu.Unlock()
	defer func() {
		c.mu.Lock()
		delete(c.breaks, brk)
		c.mu.Unlock()
	}()

	done := make(chan struct{})
	defer close(done)
	reqs := make(chan *quorumlogpb.AppendStreamRequest)
	recvErr := make(chan error, 1)
	go func() {
		for {
			req, err := st.Recv()
			if err != nil {
				recvErr <- err
				return
			}
			select {
			case reqs <- req:
			case <-done:
				return
			}
		}
	}()

	var (
		wg     sync.WaitGroup
		sendMu sync.Mutex
		broken bool // guarded by sendMu: send nothing more
	)
	defer wg.Wait()
	send := func(resp *quorumlogpb.AppendStreamResponse) {
		sendMu.Lock()
		defer sendMu.Unlock()
		if !broken {
			_ = st.Send(resp)
		}
	}
	breakStream := func(msg string) error {
		sendMu.Lock()
		broken = true
		sendMu.Unlock()
		return status.Error(codes.Unavailable, msg)
	}
	for {
		select {
		case <-brk:
			return breakStream("fake: stream broken")
		case err := <-recvErr:
			if errors.Is(err, io.EOF) {
				return nil
			}
			return err
		case req := <-reqs:
			if err := s.n.notLeader(); err != nil {
				send(&quorumlogpb.AppendStreamResponse{Tag: req.GetTag(), Error: streamError(err)})
				continue
			}
			switch c.takeFault() {
			case BreakAfterApply:
				_, _ = c.apply(req.GetAppend())
				return breakStream("fake: stream broken after apply")
			case BreakBeforeApply:
				return breakStream("fake: stream broken before apply")
			case UnknownAfterApply:
				_, _ = c.apply(req.GetAppend())
				send(&quorumlogpb.AppendStreamResponse{Tag: req.GetTag(), Error: streamError(
					withDetail(codes.Unavailable, "leadership lost", &quorumlogpb.OutcomeUnknown{}))})
				continue
			case UnknownBeforeApply:
				send(&quorumlogpb.AppendStreamResponse{Tag: req.GetTag(), Error: streamError(
					withDetail(codes.Unavailable, "leadership lost", &quorumlogpb.OutcomeUnknown{}))})
				continue
			}
			wg.Add(1)
			go func() {
				defer wg.Done()
				if !c.wait(st.Context().Done(), brk) {
					return
				}
				resp := &quorumlogpb.AppendStreamResponse{Tag: req.GetTag()}
				res, err := c.apply(req.GetAppend())
				if err != nil {
					resp.Error = streamError(err)
				} else {
					resp.Result = res
				}
				send(resp)
			}()
		}
	}
}

func streamError(err error) *quorumlogpb.StreamError {
	st := status.Convert(err)
	se := &quorumlogpb.StreamError{Code: int32(st.Code()), Message: st.Message()}
	for _, d := range st.Proto().GetDetails() {
		se.Details = append(se.Details, &quorumlogpb.Any{TypeUrl: d.GetTypeUrl(), Value: d.GetValue()})
	}
	return se
}

// Read sends up to 100 records per message, then a caught-up marker each
// time it has sent everything in the store.
func (s *logService) Read(req *quorumlogpb.ReadRequest, st quorumlogpb.LogService_ReadServer) error {
	n := s.n
	n.mu.Lock()
	n.reads++
	n.mu.Unlock()
	defer func() {
		n.mu.Lock()
		n.reads--
		n.mu.Unlock()
	}()
	c := n.c
	from, sent := req.GetFromId(), uint64(0)
	for {
		c.mu.Lock()
		l := c.logs[req.GetLog()]
		if l == nil {
			c.mu.Unlock()
			return status.Errorf(codes.NotFound, "log %q not found", req.GetLog())
		}
		if from == 0 {
			from = l.trimmed + 1
		}
		if from <= l.trimmed || from > l.last()+1 {
			err := withDetail(codes.OutOfRange, fmt.Sprintf("from id %d outside %d..%d", from, l.trimmed+1, l.last()),
				&quorumlogpb.Range{FirstId: l.trimmed + 1, LastId: l.last()})
			c.mu.Unlock()
			return err
		}
		var recs []*quorumlogpb.Record
		for id := from; id <= l.last() && len(recs) < 100; id++ {
			if req.GetMax() > 0 && sent+uint64(len(recs)) >= req.GetMax() {
				break
			}
			r := l.records[id-1]
			if c.corrupt[req.GetLog()][id] {
				r = &quorumlogpb.Record{Id: r.GetId(), Payload: r.GetPayload(), Crc32C: r.GetCrc32C() ^ 1}
			}
			recs = append(recs, r)
		}
		last, changed := l.last(), c.changed
		c.mu.Unlock()

		if len(recs) > 0 {
			if err := st.Send(&quorumlogpb.ReadResponse{Records: recs}); err != nil {
				return err
			}
			from += uint64(len(recs))
			sent += uint64(len(recs))
			if req.GetMax() > 0 && sent >= req.GetMax() {
				return nil
			}
			continue
		}
		if err := st.Send(&quorumlogpb.ReadResponse{CaughtUp: &quorumlogpb.CaughtUp{LastId: last}}); err != nil {
			return err
		}
		if !req.GetFollow() {
			return nil
		}
		select {
		case <-changed:
		case <-st.Context().Done():
			return st.Context().Err()
		}
	}
}

func (s *clusterService) Status(context.Context, *quorumlogpb.StatusRequest) (*quorumlogpb.StatusResponse, error) {
	c := s.n.c
	c.mu.Lock()
	defer c.mu.Unlock()
	resp := &quorumlogpb.StatusResponse{
		NodeId:           s.n.ID,
		Zone:             s.n.Zone,
		State:            "Follower",
		Term:             1,
		CommitIndex:      c.index,
		AppliedIndex:     c.index,
		VotersPerZone:    make(map[string]uint32),
		SurvivesZoneLoss: len(c.nodes) >= 3,
	}
	if c.leader == s.n.i {
		resp.State = "Leader"
	}
	if c.leader >= 0 {
		resp.LeaderId = c.nodes[c.leader].ID
		resp.LeaderAddr = c.nodes[c.leader].Addr
	} else {
		resp.Warnings = append(resp.Warnings, "no leader")
	}
	for i, m := range c.nodes {
		resp.Members = append(resp.Members, &quorumlogpb.Member{
			Id:       m.ID,
			RaftAddr: fmt.Sprintf("127.0.0.1:%d", 9000+i),
			GrpcAddr: m.Addr,
			Zone:     m.Zone,
			Suffrage: "voter",
			Leader:   i == c.leader,
		})
		resp.VotersPerZone[m.Zone]++
	}
	if !resp.SurvivesZoneLoss {
		resp.Warnings = append(resp.Warnings, "a zone holds a voter majority")
	}
	return resp, nil
}

func (s *clusterService) Join(context.Context, *quorumlogpb.JoinRequest) (*quorumlogpb.JoinResponse, error) {
	if err := s.n.notLeader(); err != nil {
		return nil, err
	}
	return nil, status.Error(codes.Unimplemented, "fake: join")
}

func (s *clusterService) RemoveMember(context.Context, *quorumlogpb.RemoveMemberRequest) (*quorumlogpb.RemoveMemberResponse, error) {
	if err := s.n.notLeader(); err != nil {
		return nil, err
	}
	return nil, status.Error(codes.Unimplemented, "fake: remove member")
}

func (s *clusterService) ReadIndex(context.Context, *quorumlogpb.ReadIndexRequest) (*quorumlogpb.ReadIndexResponse, error) {
	if err := s.n.notLeader(); err != nil {
		return nil, err
	}
	c := s.n.c
	c.mu.Lock()
	defer c.mu.Unlock()
	return &quorumlogpb.ReadIndexResponse{Index: c.index}, nil
}
