package deploy

import (
	"os"
	"path/filepath"
	"regexp"
	"sort"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
)

// readDoc returns one file of the documentation: "README.md" or one
// under docs/, such as "docs/metrics.md".
func readDoc(t *testing.T, name string) string {
	t.Helper()
	data, err := os.ReadFile(filepath.Join("..", name))
	require.NoError(t, err)
	return string(data)
}

// readAllDocs returns the README and every file under docs/, for what
// must be documented somewhere.
func readAllDocs(t *testing.T) string {
	t.Helper()
	files, err := filepath.Glob("../docs/*.md")
	require.NoError(t, err)
	require.NotEmpty(t, files, "the documentation under docs/")
	all := readDoc(t, "README.md")
	for _, f := range files {
		all += "\n" + readDoc(t, filepath.Join("docs", filepath.Base(f)))
	}
	return all
}

// backticked is a name in backticks, as the documentation writes metric
// and alert names.
var backticked = regexp.MustCompile("`([A-Za-z_:][A-Za-z0-9_:]*)")

// The alert list of docs/deploying.md names exactly the rules of
// alerts.yml: a rule added without its entry, or an entry left behind a
// removed rule, fails.
func TestDeployingDocAlertListIsAlertsYml(t *testing.T) {
	t.Parallel()
	doc := readDoc(t, "docs/deploying.md")
	const marker = "**Alerts** (`deploy/prometheus/alerts.yml`"
	start := strings.Index(doc, marker)
	require.GreaterOrEqual(t, start, 0, "the alert list of docs/deploying.md starts with %s", marker)
	list, _, _ := strings.Cut(doc[start+len(marker):], "\n\n")
	listed := map[string]int{}
	for _, m := range backticked.FindAllStringSubmatch(list, -1) {
		if strings.HasPrefix(m[1], "HSS") {
			listed[m[1]]++
		}
	}
	rules := map[string]int{}
	for _, r := range loadRules(t) {
		rules[r.Alert]++
	}
	require.Equal(t, sortedNames(rules), sortedNames(listed), "the alert list of docs/deploying.md against alerts.yml")
	for name, n := range listed {
		require.Equal(t, 1, n, "the alert list of docs/deploying.md names %s more than once", name)
	}
}

// Every promised metric family is in the metric tables of docs/metrics.md
// exactly once, and the tables document no other.
func TestMetricsDocTablesNameEachFamilyOnce(t *testing.T) {
	t.Parallel()
	rows := tableFamilies(readDoc(t, "docs/metrics.md"))
	promised := map[string]int{}
	for _, f := range MetricFamilies {
		promised[f]++
	}
	require.Equal(t, sortedNames(promised), sortedNames(rows), "the tables of docs/metrics.md against MetricFamilies")
	for name, n := range rows {
		require.Equal(t, 1, n, "the tables of docs/metrics.md name %s in %d rows", name, n)
	}
}

// The README's one-screen summary names only metric families the exporter
// serves, so a renamed family cannot linger there.
func TestREADMEMetricSummaryNamesOnlyServedFamilies(t *testing.T) {
	t.Parallel()
	readme := readDoc(t, "README.md")
	start := strings.Index(readme, "\n## Metrics at a glance\n")
	require.GreaterOrEqual(t, start, 0, "the README's metric summary")
	section := readme[start+1:]
	if end := strings.Index(section, "\n## "); end >= 0 {
		section = section[:end]
	}
	promised := map[string]bool{}
	for _, f := range MetricFamilies {
		promised[f] = true
	}
	summary := tableFamilies(section)
	require.GreaterOrEqual(t, len(summary), 10, "the summary names the main families")
	for name := range summary {
		require.True(t, promised[name], "the README's metric summary names %s, which the exporter does not serve", name)
	}
}

// tableFamilies counts the hss_ metric names in the first cells of the
// Markdown table rows of text.
func tableFamilies(text string) map[string]int {
	rows := map[string]int{}
	for _, line := range strings.Split(text, "\n") {
		first, ok := tableCell(line)
		if !ok {
			continue
		}
		for _, m := range backticked.FindAllStringSubmatch(first, -1) {
			if strings.HasPrefix(m[1], "hss_") {
				rows[m[1]]++
			}
		}
	}
	return rows
}

// tableCell returns the first cell of a Markdown table row that is not
// the header's rule.
func tableCell(line string) (string, bool) {
	if !strings.HasPrefix(line, "| ") || strings.HasPrefix(line, "| ---") {
		return "", false
	}
	cell, _, ok := strings.Cut(line[2:], " |")
	return cell, ok
}

func sortedNames(m map[string]int) []string {
	names := make([]string, 0, len(m))
	for k := range m {
		names = append(names, k)
	}
	sort.Strings(names)
	return names
}
