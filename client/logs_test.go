package client_test

import (
	"context"
	"errors"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"

	"github.com/quorumlog/quorumlog/client"
	"github.com/quorumlog/quorumlog/client/clienttest"
)

func TestClient_LogLifecycle(t *testing.T) {
	fc := clienttest.New(t, 3)
	c := newClient(t, fc)
	ctx := t.Context()
	mustCreate(t, c, "b")
	mustCreate(t, c, "a")
	mustAppend(t, c, "a", "x", "yy", "zzz")
	tr, err := c.Trim(ctx, "a", 1)
	if err != nil {
		t.Fatalf("Trim = %v", err)
	}
	if diff := cmp.Diff(client.TrimResult{FirstID: 2, LastID: 3}, tr); diff != "" {
		t.Errorf("Trim (-want +got):\n%s", diff)
	}
	// Trim is idempotent.
	if tr, err := c.Trim(ctx, "a", 1); err != nil || tr.FirstID != 2 {
		t.Errorf("Trim again = %+v, %v", tr, err)
	}
	infos, err := c.ListLogs(ctx)
	if err != nil {
		t.Fatalf("ListLogs = %v", err)
	}
	want := []client.LogInfo{
		{Name: "a", FirstID: 2, LastID: 3, Records: 2, Bytes: 6, TrimmedThrough: 1},
		{Name: "b", FirstID: 1},
	}
	if diff := cmp.Diff(want, infos, cmpopts.IgnoreFields(client.LogInfo{}, "Checksum")); diff != "" {
		t.Errorf("ListLogs (-want +got):\n%s", diff)
	}
	info, err := c.Describe(ctx, "a", client.Linearizable())
	if err != nil || info.LastID != 3 {
		t.Errorf("Describe = %+v, %v", info, err)
	}
	if err := c.DeleteLog(ctx, "b"); err != nil {
		t.Errorf("DeleteLog = %v", err)
	}
	if err := c.DeleteLog(ctx, "b"); !errors.Is(err, client.ErrNotFound) {
		t.Errorf("DeleteLog again = %v, want ErrNotFound", err)
	}
}

func TestClient_ErrorsMapByCodeAndDetail(t *testing.T) {
	fc := clienttest.New(t, 3)
	c := newClient(t, fc)
	mustCreate(t, c, "l")
	for _, tc := range []struct {
		name     string
		call     func(ctx context.Context) error
		want     error
		wantCode string
	}{
		{"create existing", func(ctx context.Context) error { return c.CreateLog(ctx, "l") }, client.ErrAlreadyExists, "ALREADY_EXISTS"},
		{"describe missing", func(ctx context.Context) error { _, err := c.Describe(ctx, "nope"); return err }, client.ErrNotFound, "NOT_FOUND"},
		{"append missing", func(ctx context.Context) error { _, err := c.Append(ctx, "nope", bs("x")); return err }, client.ErrNotFound, "NOT_FOUND"},
		{"bad name", func(ctx context.Context) error { return c.CreateLog(ctx, "") }, client.ErrInvalidArgument, "INVALID_ARGUMENT"},
		{"empty payload", func(ctx context.Context) error { _, err := c.Append(ctx, "l", bs("")); return err }, client.ErrInvalidArgument, "INVALID_ARGUMENT"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			err := tc.call(t.Context())
			if !errors.Is(err, tc.want) {
				t.Errorf("err = %v, want %v", err, tc.want)
			}
			if got := client.ErrorCode(err); got != tc.wantCode {
				t.Errorf("ErrorCode(%v) = %q, want %q", err, got, tc.wantCode)
			}
		})
	}
}

func TestClient_Status(t *testing.T) {
	fc := clienttest.New(t, 3)
	fc.SetLeader(1)
	c := newClient(t, fc, func(cfg *client.Config) { cfg.Endpoints = fc.Addrs()[:1] })
	st, err := c.Status(t.Context())
	if err != nil {
		t.Fatalf("Status = %v", err)
	}
	if st.NodeID != "n1" || st.LeaderID != "n2" || st.LeaderAddr != fc.Addrs()[1] || len(st.Members) != 3 || !st.SurvivesZoneLoss {
		t.Errorf("Status = %+v", st)
	}
	// The client learned node 3 from the members and can ask it directly.
	fc.Node(0).Stop()
	st, err = c.StatusOf(t.Context(), fc.Addrs()[2])
	if err != nil || st.NodeID != "n3" {
		t.Errorf("StatusOf(node 3) = %+v, %v", st, err)
	}
	st, err = c.Status(t.Context())
	if err != nil || st.NodeID == "n1" {
		t.Errorf("Status with node 1 down = %+v, %v; want another node", st, err)
	}
	if _, err := c.StatusOf(timeout(t, 0), fc.Addrs()[0]); err == nil {
		t.Errorf("StatusOf(stopped node) = nil error")
	}
}

func TestConfig_Validate(t *testing.T) {
	for _, cfg := range []client.Config{
		{},
		{Endpoints: []string{"nohost"}},
		{Endpoints: []string{"a:1"}, DialTimeout: -1},
		{Endpoints: []string{"a:1"}, MaxInFlight: -1},
	} {
		if err := cfg.Validate(); !errors.Is(err, client.ErrInvalidArgument) {
			t.Errorf("Validate(%+v) = %v, want ErrInvalidArgument", cfg, err)
		}
		if _, err := client.New(t.Context(), cfg); err == nil {
			t.Errorf("New(%+v) = nil error", cfg)
		}
	}
	cfg := client.Config{Endpoints: []string{"a:1"}}
	c, err := client.New(t.Context(), cfg)
	if err != nil {
		t.Fatal(err)
	}
	if cfg.DialTimeout != 0 {
		t.Errorf("New changed the caller's Config: %+v", cfg)
	}
	c.Close()
	c.Close()
}
