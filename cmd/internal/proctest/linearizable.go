package proctest

import (
	"fmt"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/anishathalye/porcupine"
)

// CheckLinearizable fails t unless porcupine finds history linearizable
// under model within timeout. An illegal history is drawn to an HTML file
// in the temp dir (named after name), whose path is logged.
func CheckLinearizable(t *testing.T, model porcupine.Model, history []porcupine.Operation, timeout time.Duration, name string) {
	t.Helper()
	res, info := porcupine.CheckOperationsVerbose(model, history, timeout)
	switch res {
	case porcupine.Ok:
	case porcupine.Illegal:
		path := filepath.Join(os.TempDir(), fmt.Sprintf("%s-%d.html", name, time.Now().UnixNano()))
		if err := porcupine.VisualizePath(model, info, path); err == nil {
			t.Logf("visualization: %s", path)
		}
		t.Fatal("the history is not linearizable")
	default:
		t.Fatalf("porcupine could not decide within %v: %v", timeout, res)
	}
}
