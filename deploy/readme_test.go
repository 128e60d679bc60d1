package deploy

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
)

// TestDocsNameWhatShips keeps the documentation (the README and docs/)
// in step with what the exporter and its deployment files provide: every
// promised metric family, every alert, and each dashboard by its title.
func TestDocsNameWhatShips(t *testing.T) {
	t.Parallel()
	docs := readAllDocs(t)
	mentions := func(s, format string, args ...any) {
		t.Helper()
		require.True(t, strings.Contains(docs, s), append([]any{format}, args...)...)
	}
	for _, family := range MetricFamilies {
		mentions("`"+family, "the documentation's metric tables lack %s", family)
	}
	for _, r := range loadRules(t) {
		mentions("`"+r.Alert+"`", "the documentation's alert list lacks %s", r.Alert)
	}
	files, err := filepath.Glob("../dashboards/*.json")
	require.NoError(t, err)
	require.NotEmpty(t, files)
	for _, f := range files {
		raw, err := os.ReadFile(f)
		require.NoError(t, err)
		var d struct{ Title string }
		require.NoError(t, json.Unmarshal(raw, &d))
		mentions("*"+d.Title+"*", "the documentation names dashboard %s by another title than %q", f, d.Title)
	}
	require.False(t, strings.Contains(docs, "\n `"), "a line of the documentation starts with a stray space")
	require.Contains(t, readDoc(t, "README.md"), "Go 1.26", "the README states the Go version needed")
}
