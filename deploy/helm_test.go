package deploy

import (
	"bytes"
	"context"
	"errors"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/prometheus/exporter-toolkit/web"
	"github.com/stretchr/testify/require"
	"gopkg.in/yaml.v3"

	"github.com/hss-exporter/hss_exporter/internal/testtool"
)

const chartDir = "helm/hss-exporter"

// TestChartAlertsEqualPrometheusAlerts keeps the chart's copy of each rule
// file (Helm reads no file outside the chart) equal to the one in
// prometheus/, the one source of them, so the rules promtool tests are
// the rules the chart installs.
func TestChartAlertsEqualPrometheusAlerts(t *testing.T) {
	for _, name := range ruleFiles {
		want, err := os.ReadFile("prometheus/" + name)
		require.NoError(t, err)
		chartPath := chartDir + "/files/" + name
		if *update {
			require.NoError(t, os.WriteFile(chartPath, want, 0o644))
		}
		got, err := os.ReadFile(chartPath)
		require.NoError(t, err)
		require.True(t, bytes.Equal(want, got),
			"deploy/%s is not a copy of deploy/prometheus/%s: after changing it, run\n"+
				"  go test ./deploy -run 'TestPrometheusRule|TestChartAlerts' -update\n"+
				"which copies it into the chart and regenerates the kustomize PrometheusRule", chartPath, name)
	}
}

// object is one rendered Kubernetes object, read generically.
type object = map[string]any

// rendered is what helm template made of one value set.
type rendered []object

// renderChart runs helm template with the given value files and --set
// pairs, as release hss-exporter in namespace monitoring.
func renderChart(t *testing.T, args ...string) rendered {
	t.Helper()
	stdout, stderr, err := helmTemplate(t, args...)
	require.NoError(t, err, "helm template %v:\n%s", args, stderr)
	var out rendered
	dec := yaml.NewDecoder(strings.NewReader(stdout))
	for {
		var o object
		err := dec.Decode(&o)
		if errors.Is(err, io.EOF) {
			return out
		}
		require.NoError(t, err)
		if o != nil {
			out = append(out, o)
		}
	}
}

// renderDefaults renders the default values with the one value a user
// must give, the credentials Secret (ci/credentials-values.yaml), and args.
func renderDefaults(t *testing.T, args ...string) rendered {
	t.Helper()
	return renderChart(t, append([]string{"-f", valueSet("credentials")}, args...)...)
}

// helmTemplate runs helm template and returns what it wrote.
func helmTemplate(t *testing.T, args ...string) (stdout, stderr string, err error) {
	t.Helper()
	helm := testtool.Need(t, testtool.Helm)
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, helm, append([]string{"template", "hss-exporter", chartDir, "--namespace", "monitoring"}, args...)...)
	var out, errOut bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errOut
	err = cmd.Run()
	return out.String(), errOut.String(), err
}

// valueSet is one of the chart's ci/ value files.
func valueSet(name string) string { return filepath.Join(chartDir, "ci", name+"-values.yaml") }

// kind returns the objects of a kind.
func (r rendered) kind(kind string) []object {
	var out []object
	for _, o := range r {
		if o["kind"] == kind {
			out = append(out, o)
		}
	}
	return out
}

// one returns the single object of a kind.
func (r rendered) one(t *testing.T, kind string) object {
	t.Helper()
	objs := r.kind(kind)
	require.Len(t, objs, 1, "want one %s", kind)
	return objs[0]
}

// workload is the Deployment or StatefulSet, whichever was rendered.
func (r rendered) workload(t *testing.T) object {
	t.Helper()
	objs := append(r.kind("Deployment"), r.kind("StatefulSet")...)
	require.Len(t, objs, 1, "want one Deployment or StatefulSet")
	return objs[0]
}

func podSpec(t *testing.T, workload object) map[string]any {
	t.Helper()
	return dig(t, workload, "spec", "template", "spec").(map[string]any)
}

func container(t *testing.T, workload object) map[string]any {
	t.Helper()
	return dig(t, workload, "spec", "template", "spec", "containers", 0).(map[string]any)
}

func args(t *testing.T, workload object) []string {
	t.Helper()
	var out []string
	for _, a := range container(t, workload)["args"].([]any) {
		out = append(out, a.(string))
	}
	return out
}

// volume returns the pod's volume of that name, or nil.
func volume(t *testing.T, workload object, name string) map[string]any {
	t.Helper()
	for _, v := range podSpec(t, workload)["volumes"].([]any) {
		if v.(map[string]any)["name"] == name {
			return v.(map[string]any)
		}
	}
	return nil
}

// mountPath returns where the container mounts the volume, or "".
func mountPath(t *testing.T, workload object, name string) string {
	t.Helper()
	for _, m := range container(t, workload)["volumeMounts"].([]any) {
		if m.(map[string]any)["name"] == name {
			return m.(map[string]any)["mountPath"].(string)
		}
	}
	return ""
}

// configFile returns a file of the rendered ConfigMap.
func (r rendered) configFile(t *testing.T, name string) string {
	t.Helper()
	data, _ := dig(t, r.one(t, "ConfigMap"), "data", name).(string)
	return data
}

// decodeWebConfig decodes a web config as the exporter-toolkit does,
// refusing unknown keys.
func decodeWebConfig(t *testing.T, text string) web.Config {
	t.Helper()
	var c web.Config
	dec := yaml.NewDecoder(strings.NewReader(text))
	dec.KnownFields(true)
	require.NoError(t, dec.Decode(&c), "web.yml:\n%s", text)
	return c
}
