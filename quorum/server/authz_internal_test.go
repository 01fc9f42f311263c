package server

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"testing"

	"google.golang.org/grpc"
	"google.golang.org/grpc/credentials"
	"google.golang.org/grpc/peer"

	pb "github.com/quorumlog/quorumlog/api/quorumlogpb"
	"github.com/quorumlog/quorumlog/quorum/server/authz"
)

type staticRules struct{ r *authz.Rules }

func (s staticRules) Rules() *authz.Rules { return s.r }

// TestAuthorizeCall_AllocatesNothing pins the cost of a granted call's
// check: the principal's lookup from the peer and the rules' match, no
// allocation (and no syscall: the rules are an atomic load).
func TestAuthorizeCall_AllocatesNothing(t *testing.T) {
	r, err := authz.Parse("f", []byte("cn:w append shard-* orders\ncn:node cluster\n"))
	if err != nil {
		t.Fatal(err)
	}
	s := &Service{authz: staticRules{r}}
	leaf := &x509.Certificate{Subject: pkix.Name{CommonName: "w"}}
	ctx := peer.NewContext(context.Background(), &peer.Peer{AuthInfo: credentials.TLSInfo{State: tls.ConnectionState{VerifiedChains: [][]*x509.Certificate{{leaf}}}}})
	req := &pb.AppendRequest{Log: "orders"}
	if n := testing.AllocsPerRun(100, func() {
		if err := s.authorizeCall(ctx, pb.LogService_Append_FullMethodName, req); err != nil {
			t.Fatal(err)
		}
	}); n != 0 {
		t.Fatalf("a granted call's check allocates %v times", n)
	}
}

// TestMethodRules_CoverEveryRPC: every RPC of both services has a rule;
// one added to the protos without a rule would be refused to everyone
// once rules are set.
func TestMethodRules_CoverEveryRPC(t *testing.T) {
	for _, sd := range []*grpc.ServiceDesc{&pb.LogService_ServiceDesc, &pb.ClusterService_ServiceDesc} {
		var names []string
		for _, md := range sd.Methods {
			names = append(names, md.MethodName)
		}
		for _, st := range sd.Streams {
			names = append(names, st.StreamName)
		}
		for _, n := range names {
			if _, ok := methodRules["/"+sd.ServiceName+"/"+n]; !ok {
				t.Errorf("no authorization rule for %s/%s", sd.ServiceName, n)
			}
		}
	}
}
