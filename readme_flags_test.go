package main

import (
	"os"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
)

// TestREADMEListsEveryFlag keeps the README's command line table complete.
func TestREADMEListsEveryFlag(t *testing.T) {
	data, err := os.ReadFile("README.md")
	require.NoError(t, err)
	readme := string(data)
	for _, flag := range newApp(&flags{}).Model().Flags {
		if flag.Hidden || flag.Name == "help" {
			continue
		}
		listed := strings.Contains(readme, "| `--"+flag.Name+"`") || strings.Contains(readme, "| `--[no-]"+flag.Name+"`")
		require.True(t, listed, "README's command line table lacks --%s", flag.Name)
	}
}
