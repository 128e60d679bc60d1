package auth

import (
	"testing"

	"go.uber.org/goleak"
)

// TestMain fails the package when any test leaves a goroutine behind: a
// credential fetch nobody waits for, or a connection never closed, would
// each show up here.
func TestMain(m *testing.M) {
	goleak.VerifyTestMain(m)
}
