package server

import (
	"os"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
)

// The landing page describes each endpoint as the endpoint table of
// docs/status.md does, so the two never tell a user different things
// about /readyz.
func TestLandingPageDescribesEndpointsAsTheDocs(t *testing.T) {
	t.Parallel()
	data, err := os.ReadFile("../../docs/status.md")
	require.NoError(t, err)
	rows := map[string]string{}
	for _, line := range strings.Split(string(data), "\n") {
		path, rest, ok := strings.Cut(strings.TrimPrefix(line, "| `"), "` | ")
		if ok && strings.HasPrefix(line, "| `/") {
			rows[path] = strings.ReplaceAll(strings.TrimSuffix(rest, " |"), "`", "")
		}
	}
	described := 0
	for _, link := range landingLinks("/metrics") {
		if link.Description == "" {
			continue
		}
		row, ok := rows[link.Address]
		require.True(t, ok, "the endpoint table of docs/status.md has no row for %s", link.Address)
		require.Contains(t, row, link.Description, "the landing page and docs/status.md describe %s differently", link.Address)
		described++
	}
	require.GreaterOrEqual(t, described, 3)
}
