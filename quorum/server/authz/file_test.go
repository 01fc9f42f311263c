package authz

import (
	"bytes"
	"errors"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// replace writes data to a new file and renames it over path, as an
// operator (or a config manager) replaces a file atomically.
func replace(t *testing.T, path, data string) {
	t.Helper()
	tmp := path + ".new"
	if err := os.WriteFile(tmp, []byte(data), 0o600); err != nil {
		t.Fatal(err)
	}
	if err := os.Rename(tmp, path); err != nil {
		t.Fatal(err)
	}
}

func TestOpen_BadFile(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "authz")
	if _, err := Open(path, nil, nil); !errors.Is(err, os.ErrNotExist) {
		t.Fatalf("Open of a missing file: %v", err)
	}
	replace(t, path, "cn:a read x\ncn:b read\n")
	_, err := Open(path, nil, nil)
	var pe *ParseError
	if !errors.As(err, &pe) || pe.File != path || pe.Line != 2 {
		t.Fatalf("Open: %v; want a *ParseError for %s line 2", err, path)
	}
}

func TestFile_Reload(t *testing.T) {
	path := filepath.Join(t.TempDir(), "authz")
	replace(t, path, "cn:a read x\n")
	var logs bytes.Buffer
	f, err := Open(path, slog.New(slog.NewTextHandler(&logs, nil)), nil)
	if err != nil {
		t.Fatal(err)
	}
	a := cert("a", nil)
	if !f.Rules().Allowed(a, Read, "x") || f.Rules().Allowed(a, Append, "x") {
		t.Fatal("initial rules wrong")
	}
	if f.Check() {
		t.Fatal("Check of an unchanged file reloaded")
	}

	replace(t, path, "cn:a read,append x\n")
	if !f.Check() || !f.Rules().Allowed(a, Append, "x") {
		t.Fatal("a good change was not applied")
	}

	before := f.Rules()
	replace(t, path, "cn:a read,append x\ncn:a bogus x\n")
	for range 3 {
		if f.Check() {
			t.Fatal("a bad change was applied")
		}
	}
	if f.Rules() != before {
		t.Fatal("a bad change replaced the rules")
	}
	if n := strings.Count(logs.String(), "does not load"); n != 1 {
		t.Fatalf("the bad change was logged %d times, want once:\n%s", n, logs.String())
	}
	if !strings.Contains(logs.String(), path+":2: unknown permission") {
		t.Fatalf("the log does not name the line:\n%s", logs.String())
	}

	if err := os.Remove(path); err != nil {
		t.Fatal(err)
	}
	for range 3 {
		f.Check()
	}
	if f.Rules() != before || strings.Count(logs.String(), "cannot be read") != 1 {
		t.Fatalf("a removed file: rules changed or not logged once:\n%s", logs.String())
	}

	replace(t, path, "cn:a trim x\n")
	if !f.Check() || !f.Rules().Allowed(a, Trim, "x") || f.Rules().Allowed(a, Append, "x") {
		t.Fatal("the file fixed after failures was not applied")
	}
}

// TestFile_ValidateRefusesAChange: a version validate refuses is logged
// once and not applied, as one that does not parse (quorumlogd refuses
// rules that take cluster from its own certificate).
func TestFile_ValidateRefusesAChange(t *testing.T) {
	path := filepath.Join(t.TempDir(), "authz")
	replace(t, path, "cn:node cluster\n")
	node := cert("node", nil)
	validate := func(r *Rules) error {
		if !r.Allowed(node, Cluster, "") {
			return errors.New("no cluster for cn:node")
		}
		return nil
	}
	var logs bytes.Buffer
	f, err := Open(path, slog.New(slog.NewTextHandler(&logs, nil)), validate)
	if err != nil {
		t.Fatal(err)
	}
	replace(t, path, "cn:other cluster\n")
	if f.Check() || f.Check() || !f.Rules().Allowed(node, Cluster, "") {
		t.Fatal("a refused version was applied")
	}
	if n := strings.Count(logs.String(), "no cluster for cn:node"); n != 1 {
		t.Fatalf("logged %d times, want once:\n%s", n, logs.String())
	}
	replace(t, path, "cn:other cluster\n")
	if _, err := Open(path, nil, validate); err == nil || !strings.Contains(err.Error(), "no cluster for cn:node") {
		t.Fatalf("Open of a refused file: %v", err)
	}
}
