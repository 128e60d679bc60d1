package deploy

import (
	"bytes"
	"flag"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
	"gopkg.in/yaml.v3"

	"github.com/hss-exporter/hss_exporter/config"
	"github.com/hss-exporter/hss_exporter/internal/testtool"
)

var update = flag.Bool("update", false, "regenerate kubernetes/common/prometheusrule.yaml and the chart's files/ from the rule files in prometheus/")

const prometheusRulePath = "kubernetes/common/prometheusrule.yaml"

// ruleGroupNodes returns the groups of a rule file in prometheus/,
// comments and all.
func ruleGroupNodes(t *testing.T, name string) []*yaml.Node {
	t.Helper()
	data, err := os.ReadFile("prometheus/" + name)
	require.NoError(t, err)
	var doc yaml.Node
	require.NoError(t, yaml.Unmarshal(data, &doc))
	root := doc.Content[0]
	for i := 0; i+1 < len(root.Content); i += 2 {
		if root.Content[i].Value == "groups" {
			return root.Content[i+1].Content
		}
	}
	t.Fatalf("%s has no groups", name)
	return nil
}

// allRuleGroups is the groups of every rule file, in order, as the
// PrometheusRules carry them.
func allRuleGroups(t *testing.T) []any {
	t.Helper()
	var groups []any
	for _, name := range ruleFiles {
		g, ok := readYAML(t, "prometheus/"+name)["groups"].([]any)
		require.True(t, ok, "%s has no groups", name)
		groups = append(groups, g...)
	}
	return groups
}

// generatePrometheusRule wraps the groups of every rule file, comments
// and all, in a PrometheusRule.
func generatePrometheusRule(t *testing.T) []byte {
	t.Helper()
	head := `# Generated from deploy/prometheus/alerts.yml and kube-join.rules.yml, the
# one source of the rules. Do not edit: edit those, then run
#   go test ./deploy -run 'TestPrometheusRule|TestChartAlerts' -update
apiVersion: monitoring.coreos.com/v1
kind: PrometheusRule
metadata:
  name: hss-exporter
  labels:
    app.kubernetes.io/name: hss-exporter
spec:
  groups: []
`
	var out yaml.Node
	require.NoError(t, yaml.Unmarshal([]byte(head), &out))
	spec := out.Content[0].Content[len(out.Content[0].Content)-1]
	groups := spec.Content[1]
	groups.Style = 0
	for _, name := range ruleFiles {
		groups.Content = append(groups.Content, ruleGroupNodes(t, name)...)
	}
	var buf bytes.Buffer
	enc := yaml.NewEncoder(&buf)
	enc.SetIndent(2)
	require.NoError(t, enc.Encode(&out))
	require.NoError(t, enc.Close())
	return buf.Bytes()
}

// TestPrometheusRule keeps the Operator's copy of the rules equal to the
// rule files in prometheus/, so the rules promtool tests are the rules Kubernetes runs.
func TestPrometheusRule(t *testing.T) {
	if *update {
		require.NoError(t, os.WriteFile(prometheusRulePath, generatePrometheusRule(t), 0o644))
	}
	rule := readYAML(t, prometheusRulePath)
	require.Equal(t, "monitoring.coreos.com/v1", rule["apiVersion"])
	require.Equal(t, "PrometheusRule", rule["kind"])
	spec, ok := rule["spec"].(map[string]any)
	require.True(t, ok, "spec")
	require.Equal(t, allRuleGroups(t), spec["groups"],
		"%s differs from the rule files in prometheus/: run go test ./deploy -run 'TestPrometheusRule|TestChartAlerts' -update", prometheusRulePath)
}

// kustomizations are the directories with a kustomization: the single
// replica, the parts it shares, the sharded layout, and the single replica
// with OIDC workload identity (beside kubernetes/, not in it: kustomize
// refuses an overlay inside the base it builds on).
var kustomizations = []string{"kubernetes", "kubernetes/common", "kubernetes/sharded", "kubernetes-oidc"}

// TestKustomization checks that every resource and patch file listed
// exists and every manifest in the directory is listed.
func TestKustomization(t *testing.T) {
	t.Parallel()
	for _, dir := range kustomizations {
		t.Run(dir, func(t *testing.T) {
			k := readYAML(t, filepath.Join(dir, "kustomization.yaml"))
			var listed []string
			for _, r := range k["resources"].([]any) {
				listed = append(listed, r.(string))
				path := filepath.Join(dir, r.(string))
				if !strings.HasSuffix(path, ".yaml") {
					path = filepath.Join(path, "kustomization.yaml")
				}
				require.FileExists(t, path)
			}
			patches, _ := k["patches"].([]any)
			for _, p := range patches {
				if file, ok := p.(map[string]any)["path"].(string); ok {
					listed = append(listed, file)
					require.FileExists(t, filepath.Join(dir, file))
				}
			}
			files, err := filepath.Glob(filepath.Join(dir, "*.yaml"))
			require.NoError(t, err)
			for _, f := range files {
				if base := filepath.Base(f); base != "kustomization.yaml" {
					require.Contains(t, listed, base, "manifest not in kustomization.yaml")
				}
			}
		})
	}
}

// TestKustomizeBuild renders the kustomizations users apply with kubectl,
// when installed (CI cannot install it; .ci/run renders them with the
// kustomize library and decodes every object strictly). None applies a
// Secret: the credentials are the user's own (see
// TestNoRenderedSecretCarriesAPlaceholder).
func TestKustomizeBuild(t *testing.T) {
	t.Parallel()
	tests := []struct {
		dir    string
		kinds  []string
		extra  string
		absent string
	}{
		{"kubernetes", []string{"ConfigMap", "Deployment", "Service", "ServiceMonitor", "PrometheusRule"}, "", "\nkind: StatefulSet\n"},
		{"kubernetes/sharded", []string{"ConfigMap", "StatefulSet", "Service", "ServiceMonitor", "PrometheusRule"}, "  clusterIP: None\n", "\nkind: Deployment\n"},
		{"kubernetes-oidc", []string{"ConfigMap", "ServiceAccount", "Deployment", "Service", "ServiceMonitor", "PrometheusRule"},
			"          - serviceAccountToken:\n              audience: hss-exporter\n", "hss-exporter-credentials"},
	}
	for _, tt := range tests {
		t.Run(tt.dir, func(t *testing.T) {
			text := kustomize(t, tt.dir)
			for _, kind := range tt.kinds {
				require.Contains(t, text, "\nkind: "+kind+"\n")
			}
			require.False(t, strings.Contains(text, "\nkind: Secret\n"), "the user creates the Secret; applying one would overwrite it")
			require.Equal(t, len(tt.kinds), strings.Count(text, "  namespace: monitoring\n"))
			require.Equal(t, len(tt.kinds), strings.Count(text, "    app.kubernetes.io/part-of: hss-exporter\n"))
			require.Contains(t, text, "image: ghcr.io/hss-exporter/hss_exporter:"+chartAppVersion(t)+"\n")
			require.Contains(t, text, tt.extra)
			require.False(t, strings.Contains(text, tt.absent), "renders %q", tt.absent)
		})
	}
}

// kustomize renders a kustomization with kubectl kustomize, skipping the
// test where kubectl is missing (always in CI, where deploycheck renders).
func kustomize(t *testing.T, dir string) string {
	t.Helper()
	kubectl := testtool.Need(t, testtool.Kubectl)
	out, err := exec.Command(kubectl, "kustomize", dir).CombinedOutput()
	require.NoError(t, err, "%s", out)
	return string(out)
}

// dig walks nested maps and lists: a string step is a key, an int an index.
func dig(t *testing.T, v any, path ...any) any {
	t.Helper()
	for _, step := range path {
		switch s := step.(type) {
		case string:
			m, ok := v.(map[string]any)
			require.True(t, ok, "at %v: not a map", step)
			v = m[s]
		case int:
			l, ok := v.([]any)
			require.True(t, ok && s < len(l), "at %v: not a list long enough", step)
			v = l[s]
		}
	}
	return v
}

func TestDeployment(t *testing.T) {
	t.Parallel()
	d := readYAML(t, "kubernetes/deployment.yaml")
	pod := dig(t, d, "spec", "template", "spec")
	c := dig(t, pod, "containers", 0)
	require.Equal(t, true, dig(t, pod, "securityContext", "runAsNonRoot"))
	require.NotEqual(t, 0, dig(t, pod, "securityContext", "runAsUser"))
	require.Equal(t, true, dig(t, c, "securityContext", "readOnlyRootFilesystem"))
	require.Equal(t, false, dig(t, c, "securityContext", "allowPrivilegeEscalation"))
	for _, kind := range []string{"requests", "limits"} {
		for _, res := range []string{"cpu", "memory"} {
			require.NotEmpty(t, dig(t, c, "resources", kind, res), "resources.%s.%s", kind, res)
		}
	}
	require.Equal(t, "/healthz", dig(t, c, "livenessProbe", "httpGet", "path"))
	require.Equal(t, "/readyz", dig(t, c, "readinessProbe", "httpGet", "path"))
	require.Equal(t, "http-metrics", dig(t, c, "ports", 0, "name"))
	require.Equal(t, 10867, dig(t, c, "ports", 0, "containerPort"))
	require.Equal(t, "http-metrics", dig(t, c, "livenessProbe", "httpGet", "port"))

	// The Service and ServiceMonitor reach the pod by its labels and port.
	podLabels := dig(t, d, "spec", "template", "metadata", "labels")
	svc := readYAML(t, "kubernetes/service.yaml")
	require.Equal(t, podLabels, dig(t, svc, "spec", "selector"))
	require.Equal(t, "http-metrics", dig(t, svc, "spec", "ports", 0, "targetPort"))
	sm := readYAML(t, "kubernetes/servicemonitor.yaml")
	require.Equal(t, dig(t, svc, "metadata", "labels"), dig(t, sm, "spec", "selector", "matchLabels"))
	require.Equal(t, "http-metrics", dig(t, sm, "spec", "endpoints", 0, "port"))
	require.Equal(t, "hss_exporter", dig(t, sm, "spec", "endpoints", 0, "relabelings", 0, "replacement"),
		"the alert rules select job=hss_exporter")
}

// TestConfigMapConfigValid loads the ConfigMap's configuration with the
// exporter's own loader, with the keys of docs/deploying.md's
// `kubectl create secret generic` step as the mounted files: the example
// validates, and names only files that step puts in the Secret.
func TestConfigMapConfigValid(t *testing.T) {
	t.Parallel()
	cm := readYAML(t, "kubernetes/common/configmap.yaml")
	keys := readmeSecretKeys(t)
	require.Contains(t, keys, "secret_key")
	dir := t.TempDir()
	for _, key := range keys {
		require.NoError(t, os.WriteFile(filepath.Join(dir, key), []byte("a-secret-key"), 0o600))
	}

	var mountPath, secretName string
	d := readYAML(t, "kubernetes/deployment.yaml")
	for _, m := range dig(t, d, "spec", "template", "spec", "containers", 0, "volumeMounts").([]any) {
		if m.(map[string]any)["name"] == "secrets" {
			mountPath = m.(map[string]any)["mountPath"].(string)
		}
	}
	require.NotEmpty(t, mountPath)
	secretName = dig(t, byName(t, dig(t, d, "spec", "template", "spec", "volumes"), "secrets"), "secret", "secretName").(string)
	require.Contains(t, readDoc(t, "docs/deploying.md"), "kubectl -n monitoring create secret generic "+secretName+" ",
		"docs/deploying.md creates the Secret the pod mounts")
	text := dig(t, cm, "data", "hss.yml").(string)
	text = strings.ReplaceAll(text, mountPath+"/", dir+"/")
	cfg, err := config.Parse([]byte(text), dir)
	require.NoError(t, err)
	require.Len(t, cfg.Targets, 1)
	require.Equal(t, "a-secret-key", string(cfg.Targets[0].Auth.SecretKey))
}
