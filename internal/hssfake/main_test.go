package hssfake

import (
	"testing"

	"go.uber.org/goleak"
)

// TestMain fails the package when a test leaves a goroutine behind, such as
// a FaultHang handler that Close did not release.
func TestMain(m *testing.M) {
	goleak.VerifyTestMain(m)
}
