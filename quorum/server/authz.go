package server

import (
	"context"
	"crypto/x509"
	"fmt"

	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/credentials"
	"google.golang.org/grpc/peer"
	"google.golang.org/grpc/status"

	pb "github.com/quorumlog/quorumlog/api/quorumlogpb"
	"github.com/quorumlog/quorumlog/quorum/server/authz"
)

// Authorizer gives the authorization rules in force (an *authz.File,
// which swaps in new rules when its file changes). Rules must be cheap:
// it is called once per RPC and per AppendStream message.
type Authorizer interface {
	Rules() *authz.Rules
}

var _ Authorizer = (*authz.File)(nil)

// methodRule is what a method needs: perm on the request's log, perm
// alone (cluster), or nothing (open).
type methodRule struct {
	perm authz.Permission
	// open: any client the TLS layer admitted (Status: clients find the
	// leader with it); filtered: the handler applies perm itself (ListLogs
	// lists the readable logs, AppendStream checks every message).
	open, filtered bool
}

// methodRules covers every RPC of both services; a method missing here
// is refused when rules are set (an RPC added later fails closed).
var methodRules = map[string]methodRule{
	pb.LogService_CreateLog_FullMethodName:        {perm: authz.Create},
	pb.LogService_DeleteLog_FullMethodName:        {perm: authz.Delete},
	pb.LogService_ListLogs_FullMethodName:         {perm: authz.Read, filtered: true},
	pb.LogService_DescribeLog_FullMethodName:      {perm: authz.Read},
	pb.LogService_Append_FullMethodName:           {perm: authz.Append},
	pb.LogService_AppendStream_FullMethodName:     {perm: authz.Append, filtered: true},
	pb.LogService_Read_FullMethodName:             {perm: authz.Read},
	pb.LogService_Trim_FullMethodName:             {perm: authz.Trim},
	pb.ClusterService_Status_FullMethodName:       {open: true},
	pb.ClusterService_Join_FullMethodName:         {perm: authz.Cluster},
	pb.ClusterService_ReadIndex_FullMethodName:    {perm: authz.Cluster},
	pb.ClusterService_RemoveMember_FullMethodName: {perm: authz.Cluster},
}

// logRequest is every request that names one log.
type logRequest interface{ GetLog() string }

// authorizeCall checks a unary call to fullMethod whose request is req
// (streams: authorizeStream).
func (s *Service) authorizeCall(ctx context.Context, fullMethod string, req any) error {
	if s.authz == nil {
		return nil
	}
	m, ok := methodRules[fullMethod]
	switch {
	case !ok:
		return s.denied(ctx, peerCert(ctx), fullMethod, 0, "")
	case m.open, m.filtered:
		return nil
	case m.perm == authz.Cluster:
		return s.authorize(ctx, fullMethod, authz.Cluster, "")
	}
	lr, ok := req.(logRequest)
	if !ok {
		return s.denied(ctx, peerCert(ctx), fullMethod, 0, "") // no log to check: fail closed
	}
	return s.authorize(ctx, fullMethod, m.perm, lr.GetLog())
}

// authorize checks that the client of ctx may use perm on log.
func (s *Service) authorize(ctx context.Context, method string, perm authz.Permission, log string) error {
	if s.authz == nil {
		return nil
	}
	cert := peerCert(ctx)
	if s.authz.Rules().Allowed(cert, perm, log) {
		return nil
	}
	return s.denied(ctx, cert, method, perm, log)
}

// readable returns whether the client of ctx may read a log, for ListLogs.
func (s *Service) readable(ctx context.Context) func(log string) bool {
	if s.authz == nil {
		return func(string) bool { return true }
	}
	cert, rules := peerCert(ctx), s.authz.Rules()
	return func(log string) bool { return rules.Allowed(cert, authz.Read, log) }
}

// denied is the PermissionDenied of a refused call, logged at Debug (the
// client gets the same words; quorumlog_server_requests_total counts it
// with code PermissionDenied).
func (s *Service) denied(ctx context.Context, cert *x509.Certificate, method string, perm authz.Permission, log string) error {
	who := authz.Principal(cert)
	var msg string
	switch perm {
	case authz.Read:
		msg = fmt.Sprintf("client %s may not read log %q", who, log)
	case authz.Append:
		msg = fmt.Sprintf("client %s may not append to log %q", who, log)
	case authz.Trim:
		msg = fmt.Sprintf("client %s may not trim log %q", who, log)
	case authz.Create:
		msg = fmt.Sprintf("client %s may not create log %q", who, log)
	case authz.Delete:
		msg = fmt.Sprintf("client %s may not delete log %q", who, log)
	case authz.Cluster:
		msg = fmt.Sprintf("client %s may not call %s (it needs the cluster permission)", who, method)
	default:
		msg = fmt.Sprintf("client %s may not call %s (no rule covers this method)", who, method)
	}
	s.logger.DebugContext(ctx, "permission denied", "principal", who, "method", method, "log", log)
	return status.Error(codes.PermissionDenied, msg)
}

// peerCert is the verified leaf certificate of the client of ctx, or nil
// (plaintext, or TLS without a client certificate).
func peerCert(ctx context.Context) *x509.Certificate {
	p, ok := peer.FromContext(ctx)
	if !ok {
		return nil
	}
	ti, ok := p.AuthInfo.(credentials.TLSInfo)
	if !ok || len(ti.State.VerifiedChains) == 0 || len(ti.State.VerifiedChains[0]) == 0 {
		return nil
	}
	return ti.State.VerifiedChains[0][0]
}

// authzStream checks the one request of a server-streaming call (Read)
// when the handler receives it, before the handler acts on it.
type authzStream struct {
	grpc.ServerStream
	s      *Service
	method string
	perm   authz.Permission
}

func (a *authzStream) RecvMsg(m any) error {
	if err := a.ServerStream.RecvMsg(m); err != nil {
		return err
	}
	lr, ok := m.(logRequest)
	if !ok {
		return a.s.denied(a.Context(), peerCert(a.Context()), a.method, 0, "")
	}
	return a.s.authorize(a.Context(), a.method, a.perm, lr.GetLog())
}

// authorizeStream wraps ss so that its request is checked, for streams
// that need it.
func (s *Service) authorizeStream(ss grpc.ServerStream, fullMethod string) (grpc.ServerStream, error) {
	if s.authz == nil {
		return ss, nil
	}
	m, ok := methodRules[fullMethod]
	switch {
	case !ok:
		return nil, s.denied(ss.Context(), peerCert(ss.Context()), fullMethod, 0, "")
	case m.open, m.filtered:
		return ss, nil
	}
	return &authzStream{ServerStream: ss, s: s, method: fullMethod, perm: m.perm}, nil
}
