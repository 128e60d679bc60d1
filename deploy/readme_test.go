package deploy

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
)

// TestREADMENamesWhatShips keeps the README's tables and lists in step
// with what the exporter and its deployment files provide: every promised
// metric family, every alert, and each dashboard by its title.
func TestREADMENamesWhatShips(t *testing.T) {
	data, err := os.ReadFile("../README.md")
	require.NoError(t, err)
	readme := string(data)
	mentions := func(s, format string, args ...any) {
		t.Helper()
		require.True(t, strings.Contains(readme, s), append([]any{format}, args...)...)
	}
	for _, family := range MetricFamilies {
		mentions("`"+family, "the README's metrics tables lack %s", family)
	}
	for _, r := range loadRules(t) {
		mentions("`"+r.Alert+"`", "the README's alert list lacks %s", r.Alert)
	}
	files, err := filepath.Glob("../dashboards/*.json")
	require.NoError(t, err)
	require.NotEmpty(t, files)
	for _, f := range files {
		raw, err := os.ReadFile(f)
		require.NoError(t, err)
		var d struct{ Title string }
		require.NoError(t, json.Unmarshal(raw, &d))
		mentions("*"+d.Title+"*", "the README names dashboard %s by another title than %q", f, d.Title)
	}
	require.False(t, strings.Contains(readme, "\n `"), "a line of the README starts with a stray space")
	mentions("Go 1.26", "the README states the Go version needed")
}
