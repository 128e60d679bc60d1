package deploy

import (
	"os"
	"regexp"
	"sort"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
)

func readREADME(t *testing.T) string {
	t.Helper()
	data, err := os.ReadFile("../README.md")
	require.NoError(t, err)
	return string(data)
}

// backticked is a name in backticks, as the README writes metric and
// alert names.
var backticked = regexp.MustCompile("`([A-Za-z_:][A-Za-z0-9_:]*)")

// The README's alert list names exactly the rules of alerts.yml: a rule
// added without its entry, or an entry left behind a removed rule, fails.
func TestREADMEAlertListIsAlertsYml(t *testing.T) {
	readme := readREADME(t)
	const marker = "**Alerts** (`deploy/prometheus/alerts.yml`"
	start := strings.Index(readme, marker)
	require.GreaterOrEqual(t, start, 0, "the README's alert list starts with %s", marker)
	list, _, _ := strings.Cut(readme[start+len(marker):], "\n\n")
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
	require.Equal(t, sortedNames(rules), sortedNames(listed), "the README's alert list against alerts.yml")
	for name, n := range listed {
		require.Equal(t, 1, n, "the README's alert list names %s more than once", name)
	}
}

// Every promised metric family is in the README's metric tables exactly
// once, and the tables document no other.
func TestREADMEMetricTablesNameEachFamilyOnce(t *testing.T) {
	readme := readREADME(t)
	start := strings.Index(readme, "\n## Metrics\n")
	require.GreaterOrEqual(t, start, 0)
	section := readme[start+1:]
	if end := strings.Index(section[1:], "\n## "); end >= 0 {
		section = section[:end+1]
	}
	rows := map[string]int{}
	for _, line := range strings.Split(section, "\n") {
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
	promised := map[string]int{}
	for _, f := range MetricFamilies {
		promised[f]++
	}
	require.Equal(t, sortedNames(promised), sortedNames(rows), "the README's metric tables against MetricFamilies")
	for name, n := range rows {
		require.Equal(t, 1, n, "the README's metric tables name %s in %d rows", name, n)
	}
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
