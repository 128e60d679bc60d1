package deploy

import (
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
	"gopkg.in/yaml.v3"

	"github.com/hss-exporter/hss_exporter/internal/testtool"
)

// ruleFile mirrors the parts of a Prometheus rule file the tests read.
type ruleFile struct {
	Groups []struct {
		Name  string `yaml:"name"`
		Rules []rule `yaml:"rules"`
	} `yaml:"groups"`
}

type rule struct {
	Alert       string            `yaml:"alert"`
	Record      string            `yaml:"record"`
	Expr        string            `yaml:"expr"`
	For         string            `yaml:"for"`
	Labels      map[string]string `yaml:"labels"`
	Annotations map[string]string `yaml:"annotations"`
}

func loadRules(t *testing.T) []rule { return loadRuleFile(t, "alerts.yml") }

// loadRuleFile reads the rules of one file in prometheus/.
func loadRuleFile(t *testing.T, name string) []rule {
	t.Helper()
	data, err := os.ReadFile("prometheus/" + name)
	require.NoError(t, err)
	var f ruleFile
	require.NoError(t, yaml.Unmarshal(data, &f))
	var rules []rule
	for _, g := range f.Groups {
		rules = append(rules, g.Rules...)
	}
	require.NotEmpty(t, rules)
	return rules
}

// ruleFiles are the rule files every Prometheus configuration loads, each
// with its promtool unit tests beside it as <name>_test.yml.
var ruleFiles = []string{"alerts.yml", "kube-join.rules.yml"}

// ruleTestFile is the promtool test file of a rule file.
func ruleTestFile(name string) string { return strings.TrimSuffix(name, ".yml") + "_test.yml" }

func TestPromtoolCheckRules(t *testing.T) {
	t.Parallel()
	for _, name := range ruleFiles {
		out := runTool(t, ".", testtool.Promtool, "check", "rules", "prometheus/"+name)
		require.Contains(t, out, "SUCCESS", name)
	}
}

// TestPromtoolTestRules runs every rule file's unit tests; a rule file
// without a test file fails, and so does a test file of other rules.
func TestPromtoolTestRules(t *testing.T) {
	t.Parallel()
	for _, name := range ruleFiles {
		t.Run(name, func(t *testing.T) {
			test := ruleTestFile(name)
			require.FileExists(t, "prometheus/"+test, "%s has no promtool tests", name)
			var f struct {
				RuleFiles []string `yaml:"rule_files"`
			}
			data, err := os.ReadFile("prometheus/" + test)
			require.NoError(t, err)
			require.NoError(t, yaml.Unmarshal(data, &f))
			require.Equal(t, []string{name}, f.RuleFiles, "%s tests other rules", test)
			out := runTool(t, "prometheus", testtool.Promtool, "test", "rules", test)
			require.Contains(t, out, "SUCCESS")
		})
	}
}

// TestEveryRuleFileLoaded: a rule file in deploy/prometheus that no
// configuration loads is a rule nobody runs.
func TestEveryRuleFileLoaded(t *testing.T) {
	t.Parallel()
	found, err := filepath.Glob("prometheus/*.yml")
	require.NoError(t, err)
	var rules []string
	for _, path := range found {
		name := filepath.Base(path)
		if name != "prometheus.yml" && !strings.HasSuffix(name, "_test.yml") {
			rules = append(rules, name)
		}
	}
	require.ElementsMatch(t, ruleFiles, rules)
	var cfg struct {
		RuleFiles []string `yaml:"rule_files"`
	}
	data, err := os.ReadFile("prometheus/prometheus.yml")
	require.NoError(t, err)
	require.NoError(t, yaml.Unmarshal(data, &cfg))
	require.ElementsMatch(t, ruleFiles, cfg.RuleFiles, "prometheus.yml loads every rule file")
}

func TestPromtoolCheckConfig(t *testing.T) {
	t.Parallel()
	// The Compose copy is checked by TestComposePrometheusConfig, with
	// the files laid out as its container sees them.
	out := runTool(t, ".", testtool.Promtool, "check", "config", "prometheus/prometheus.yml")
	require.Contains(t, out, "is valid prometheus config file syntax")
	// The rule file must be found and loaded, not silently absent.
	requireRulesLoaded(t, out)
}

func TestAmtoolCheckConfig(t *testing.T) {
	t.Parallel()
	out := runTool(t, ".", testtool.Amtool, "check-config", "alertmanager/alertmanager.yml")
	require.Contains(t, out, "SUCCESS")
}

// TestAlertmanagerRoutes checks where each kind of alert is delivered.
func TestAlertmanagerRoutes(t *testing.T) {
	t.Parallel()
	tests := []struct {
		labels   []string
		receiver string
	}{
		{[]string{"alertname=HSSPubliclyExposedRiskyImage", "category=security", "severity=critical"}, "security-team"},
		{[]string{"alertname=HSSHighSeverityImageRunning", "category=security", "severity=warning"}, "security-team"},
		{[]string{"alertname=HSSContainerCountMismatch", "category=security", "severity=info"}, "platform-team"},
		{[]string{"alertname=HSSContainersOnUnprotectedNodes", "category=security", "severity=warning"}, "security-team"},
		{[]string{"alertname=HSSProtectionQuotaExhausted", "category=security", "severity=warning"}, "security-team"},
		{[]string{"alertname=HSSDataStale", "category=health", "severity=critical"}, "platform-oncall"},
		{[]string{"alertname=HSSCredentialsRefused", "category=health", "severity=critical"}, "platform-oncall"},
		{[]string{"alertname=HSSAPIThrottled", "category=health", "severity=warning"}, "platform-team"},
	}
	for _, tt := range tests {
		t.Run(tt.labels[0], func(t *testing.T) {
			args := append([]string{"config", "routes", "test", "--config.file=alertmanager/alertmanager.yml"}, tt.labels...)
			out := runTool(t, ".", testtool.Amtool, args...)
			require.Regexp(t, `(?m)^`+tt.receiver+`$`, out)
		})
	}
}

// TestAlertsDocumented checks that every alert can be routed and acted on.
func TestAlertsDocumented(t *testing.T) {
	t.Parallel()
	for _, r := range loadRules(t) {
		t.Run(r.Alert, func(t *testing.T) {
			require.Regexp(t, `^HSS[A-Za-z]+$`, r.Alert)
			require.Contains(t, []string{"critical", "warning", "info"}, r.Labels["severity"])
			require.Contains(t, []string{"health", "security"}, r.Labels["category"])
			for _, key := range []string{"summary", "description", "runbook"} {
				require.NotEmpty(t, r.Annotations[key], "annotation %s", key)
			}
		})
	}
}

var (
	metricNameRE = regexp.MustCompile(`\bhss_[a-z_]+\b`)
	quotedRE     = regexp.MustCompile(`"[^"]*"`)
)

// TestAlertsUsePromisedMetrics catches a misspelt metric, which would make
// an alert silently never fire.
func TestAlertsUsePromisedMetrics(t *testing.T) {
	t.Parallel()
	for _, r := range loadRules(t) {
		for _, name := range metricNameRE.FindAllString(quotedRE.ReplaceAllString(r.Expr, `""`), -1) {
			require.True(t, KnownSeriesName(name), "alert %s uses unknown metric %s", r.Alert, name)
		}
	}
}

// TestRecordingRulesNamedAndFed keeps the recording rules to the
// level:metric naming of recorded series and their inputs to series the
// exporter promises, so a misspelt input does not record nothing forever.
func TestRecordingRulesNamedAndFed(t *testing.T) {
	t.Parallel()
	rules := loadRuleFile(t, "kube-join.rules.yml")
	var names []string
	for _, r := range rules {
		names = append(names, r.Record)
		require.Regexp(t, `^hss:[a-z_]+$`, r.Record)
		for _, name := range metricNameRE.FindAllString(quotedRE.ReplaceAllString(r.Expr, `""`), -1) {
			require.True(t, KnownSeriesName(name), "rule %s reads unknown metric %s", r.Record, name)
		}
	}
	require.Equal(t, []string{"hss:namespace_image_containers", "hss:namespace_containers"}, names)
}

// TestAlertsAllTested requires, for every alert, a promtool case where it
// fires and one where it stays silent.
func TestAlertsAllTested(t *testing.T) {
	t.Parallel()
	data, err := os.ReadFile("prometheus/alerts_test.yml")
	require.NoError(t, err)
	var f struct {
		RuleFiles []string `yaml:"rule_files"`
		Tests     []struct {
			AlertRuleTest []struct {
				Alertname string `yaml:"alertname"`
				ExpAlerts []any  `yaml:"exp_alerts"`
			} `yaml:"alert_rule_test"`
		} `yaml:"tests"`
	}
	require.NoError(t, yaml.Unmarshal(data, &f))
	require.Equal(t, []string{"alerts.yml"}, f.RuleFiles)
	fires, silent := map[string]bool{}, map[string]bool{}
	for _, tc := range f.Tests {
		for _, a := range tc.AlertRuleTest {
			if len(a.ExpAlerts) > 0 {
				fires[a.Alertname] = true
			} else {
				silent[a.Alertname] = true
			}
		}
	}
	var names []string
	for _, r := range loadRules(t) {
		names = append(names, r.Alert)
		require.True(t, fires[r.Alert], "no test case where %s fires", r.Alert)
		require.True(t, silent[r.Alert], "no test case where %s stays silent", r.Alert)
	}
	for name := range fires {
		require.True(t, slices.Contains(names, name), "alerts_test.yml tests unknown alert %s", name)
	}
}

// requireRulesLoaded checks that promtool check config, on a
// configuration, found and loaded every rule file: one rule per alert and
// per recording rule in each.
func requireRulesLoaded(t *testing.T, out string) {
	t.Helper()
	for _, name := range ruleFiles {
		data, err := os.ReadFile("prometheus/" + name)
		require.NoError(t, err)
		n := strings.Count(string(data), "- alert: ") + strings.Count(string(data), "- record: ")
		require.Regexp(t, fmt.Sprintf(`Checking \S*%s\n\s+SUCCESS: %d rules found`, regexp.QuoteMeta(name), n), out)
	}
}
