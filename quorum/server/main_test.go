package server_test

import (
	"testing"

	"go.uber.org/goleak"
)

// Services, nodes and clients a test starts must stop every goroutine.
func TestMain(m *testing.M) {
	goleak.VerifyTestMain(m)
}
