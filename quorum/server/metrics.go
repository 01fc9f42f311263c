package server

import (
	"context"
	"fmt"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"

	pb "github.com/quorumlog/quorumlog/api/quorumlogpb"
)

// appendMessageMethod is the method label of one append sent over
// AppendStream: the stream itself lives as long as the client's connection,
// so each message is counted and timed on its own.
const appendMessageMethod = "AppendStream.Append"

// otherMethod labels a method of a service this package does not implement
// (none is registered today; the label keeps the set bounded if one is).
const otherMethod = "other"

// metrics are the Service's Prometheus metrics. They are always updated;
// registered only when Config.Metrics is set, and unregistered by Close.
type metrics struct {
	reg        prometheus.Registerer // nil: nothing registered
	collectors []prometheus.Collector

	requests    *prometheus.CounterVec   // method, code
	seconds     *prometheus.HistogramVec // method
	readStreams prometheus.Gauge

	// byFullMethod holds the pre-bound metrics of every RPC of both
	// services, keyed by gRPC full method name; read-only after newMetrics.
	byFullMethod  map[string]*methodMetrics
	appendMessage *methodMetrics
	other         *methodMetrics
}

// methodMetrics are the children of one method label, resolved once.
type methodMetrics struct {
	name    string
	seconds prometheus.Observer
	ok      prometheus.Counter // code="OK"; other codes are resolved per call
	m       *metrics
}

// newMetrics builds the service's metrics and registers them with reg (nil:
// no registration, the updates cost the same and go nowhere).
func newMetrics(reg prometheus.Registerer) (*metrics, error) {
	m := &metrics{
		reg: reg,
		requests: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "quorumlog_server_requests_total",
			Help: "RPCs handled, by method and gRPC code; AppendStream also counts each append message as method AppendStream.Append.",
		}, []string{"method", "code"}),
		seconds: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name:    "quorumlog_server_request_seconds",
			Help:    "Time to handle an RPC (a stream: its lifetime) or one AppendStream.Append message (receipt to answer), by method.",
			Buckets: prometheus.ExponentialBuckets(100e-6, 2, 17), // 100µs .. 6.5s
		}, []string{"method"}),
		readStreams: prometheus.NewGauge(prometheus.GaugeOpts{
			Name: "quorumlog_server_read_streams",
			Help: "Read streams open now.",
		}),
		byFullMethod: make(map[string]*methodMetrics),
	}
	for _, sd := range []*grpc.ServiceDesc{&pb.LogService_ServiceDesc, &pb.ClusterService_ServiceDesc} {
		for _, md := range sd.Methods {
			m.byFullMethod["/"+sd.ServiceName+"/"+md.MethodName] = m.method(md.MethodName)
		}
		for _, st := range sd.Streams {
			m.byFullMethod["/"+sd.ServiceName+"/"+st.StreamName] = m.method(st.StreamName)
		}
	}
	m.appendMessage = m.method(appendMessageMethod)
	m.other = m.method(otherMethod)
	m.collectors = []prometheus.Collector{m.requests, m.seconds, m.readStreams}
	if reg == nil {
		return m, nil
	}
	for i, c := range m.collectors {
		if err := reg.Register(c); err != nil {
			for _, done := range m.collectors[:i] {
				reg.Unregister(done)
			}
			return nil, fmt.Errorf("server: register metrics: %w", err)
		}
	}
	return m, nil
}

func (m *metrics) method(name string) *methodMetrics {
	return &methodMetrics{
		name:    name,
		seconds: m.seconds.WithLabelValues(name),
		ok:      m.requests.WithLabelValues(name, codes.OK.String()),
		m:       m,
	}
}

// unregister removes the metrics from the Registerer they were registered with.
func (m *metrics) unregister() {
	if m.reg == nil {
		return
	}
	for _, c := range m.collectors {
		m.reg.Unregister(c)
	}
}

func (m *metrics) forMethod(fullMethod string) *methodMetrics {
	if mm := m.byFullMethod[fullMethod]; mm != nil {
		return mm
	}
	return m.other
}

// codeOf is the gRPC code a handler's error reaches the client with.
func codeOf(err error) codes.Code {
	c := status.Code(err)
	if c == codes.Unknown {
		c = status.FromContextError(err).Code() // a raw ctx error; else still Unknown
	}
	return c
}

// done records one call that started at start and ended with code.
func (mm *methodMetrics) done(start time.Time, code codes.Code) {
	mm.seconds.Observe(time.Since(start).Seconds())
	if code == codes.OK {
		mm.ok.Inc()
		return
	}
	mm.m.requests.WithLabelValues(mm.name, code.String()).Inc()
}

// UnaryInterceptor returns the interceptor that authorizes (Config.Authz),
// counts and times unary RPCs (quorumlog_server_requests_total,
// quorumlog_server_request_seconds; a refused call is counted with code
// PermissionDenied). Install it with grpc.ChainUnaryInterceptor on the
// server Register uses.
func (s *Service) UnaryInterceptor() grpc.UnaryServerInterceptor {
	return func(ctx context.Context, req any, info *grpc.UnaryServerInfo, handler grpc.UnaryHandler) (any, error) {
		start := time.Now()
		var resp any
		err := s.authorizeCall(ctx, info.FullMethod, req)
		if err == nil {
			resp, err = handler(ctx, req)
		}
		s.metrics.forMethod(info.FullMethod).done(start, codeOf(err))
		return resp, err
	}
}

// StreamInterceptor returns the interceptor that authorizes (Config.Authz:
// Read's request on receipt; AppendStream checks each message itself),
// counts and times streaming RPCs when they end. Install it with
// grpc.ChainStreamInterceptor.
func (s *Service) StreamInterceptor() grpc.StreamServerInterceptor {
	return func(srv any, ss grpc.ServerStream, info *grpc.StreamServerInfo, handler grpc.StreamHandler) error {
		start := time.Now()
		ss, err := s.authorizeStream(ss, info.FullMethod)
		if err == nil {
			err = handler(srv, ss)
		}
		s.metrics.forMethod(info.FullMethod).done(start, codeOf(err))
		return err
	}
}
