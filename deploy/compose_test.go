package deploy

import (
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
	"gopkg.in/yaml.v3"

	"github.com/hss-exporter/hss_exporter/internal/testtool"
)

const composePath = "compose/docker-compose.yml"

type composeFile struct {
	Services map[string]struct {
		Build *struct {
			Context    string `yaml:"context"`
			Dockerfile string `yaml:"dockerfile"`
		} `yaml:"build"`
		Image   string   `yaml:"image"`
		Command []string `yaml:"command"`
		Volumes []string `yaml:"volumes"`
		Ports   []string `yaml:"ports"`
	} `yaml:"services"`
	Volumes map[string]any `yaml:"volumes"`
}

func loadCompose(t *testing.T) composeFile {
	t.Helper()
	data, err := os.ReadFile(composePath)
	require.NoError(t, err)
	var c composeFile
	require.NoError(t, yaml.Unmarshal(data, &c))
	return c
}

// bindMounts returns a service's bind mounts (host path relative to the
// compose directory -> path in the container); named volumes are left out.
func bindMounts(t *testing.T, volumes []string, named map[string]any) map[string]string {
	t.Helper()
	mounts := map[string]string{}
	for _, v := range volumes {
		parts := strings.Split(v, ":")
		require.GreaterOrEqual(t, len(parts), 2, v)
		if _, ok := named[parts[0]]; ok {
			continue
		}
		require.True(t, strings.HasPrefix(parts[0], "."), "bind mount %s should be relative to the repository", v)
		mounts[parts[0]] = parts[1]
	}
	return mounts
}

// TestComposeStack checks that the stack is complete and that every file it
// builds from or mounts exists in the repository.
func TestComposeStack(t *testing.T) {
	t.Parallel()
	c := loadCompose(t)
	for _, name := range []string{"hss-exporter", "prometheus", "alertmanager", "grafana"} {
		require.Contains(t, c.Services, name)
	}
	exp := c.Services["hss-exporter"]
	require.Contains(t, exp.Command, "--demo")
	require.NotNil(t, exp.Build)
	require.FileExists(t, filepath.Join("compose", exp.Build.Context, exp.Build.Dockerfile))
	require.FileExists(t, filepath.Join("compose", exp.Build.Context, "go.mod"), "build context is the repository root")
	for name, svc := range c.Services {
		for src := range bindMounts(t, svc.Volumes, c.Volumes) {
			_, err := os.Stat(filepath.Join("compose", src))
			require.NoError(t, err, "service %s mounts a missing path", name)
		}
		for _, p := range svc.Ports {
			require.True(t, strings.HasPrefix(p, "127.0.0.1:"), "service %s publishes %s beyond loopback", name, p)
		}
	}
	// Grafana gets the repository's dashboards, and Prometheus the shared rules.
	require.Equal(t, "/var/lib/grafana/dashboards", bindMounts(t, c.Services["grafana"].Volumes, c.Volumes)["../../dashboards"])
	for _, name := range ruleFiles {
		require.Equal(t, "/etc/prometheus/"+name, bindMounts(t, c.Services["prometheus"].Volumes, c.Volumes)["../prometheus/"+name])
	}
	provider := readYAML(t, "compose/grafana/provisioning/dashboards/hss.yml")
	require.Equal(t, "/var/lib/grafana/dashboards", dig(t, provider, "providers", 0, "options", "path"))
}

// TestComposePrometheusConfig lays the Prometheus service's mounts out as
// the container sees them and checks the result with promtool, so a rule
// file mounted under the wrong name fails here.
func TestComposePrometheusConfig(t *testing.T) {
	t.Parallel()
	c := loadCompose(t)
	root := t.TempDir()
	for src, dst := range bindMounts(t, c.Services["prometheus"].Volumes, c.Volumes) {
		data, err := os.ReadFile(filepath.Join("compose", src))
		require.NoError(t, err)
		require.NoError(t, os.MkdirAll(filepath.Join(root, filepath.Dir(dst)), 0o755))
		require.NoError(t, os.WriteFile(filepath.Join(root, dst), data, 0o644))
	}
	out := runTool(t, root, testtool.Promtool, "check", "config", filepath.Join(root, "etc/prometheus/prometheus.yml"))
	requireRulesLoaded(t, out)
	// The scrape target is the exporter's service on its port.
	cfg := readYAML(t, "compose/prometheus.yml")
	require.Equal(t, "hss-exporter:10867", dig(t, cfg, "scrape_configs", 0, "static_configs", 0, "targets", 0))
	require.Equal(t, "hss_exporter", dig(t, cfg, "scrape_configs", 0, "job_name"))
}

// TestComposeClientConfig runs `docker compose config`, the furthest the
// client validates without an engine, when the compose plugin is there
// (CI, which cannot install it, validates with compose-go in .ci/run).
func TestComposeClientConfig(t *testing.T) {
	t.Parallel()
	docker := testtool.Need(t, testtool.DockerCompose)
	out, err := exec.Command(docker, "compose", "-f", composePath, "config", "-q").CombinedOutput()
	require.NoError(t, err, "%s", out)
}
