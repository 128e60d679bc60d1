package deploy

import (
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/hss-exporter/hss_exporter/internal/testtool"
)

// TestDockerfile checks the properties the image promises: static build,
// version stamping, non-root minimal runtime, the default port, no
// HEALTHCHECK (probes belong to the orchestrator).
func TestDockerfile(t *testing.T) {
	t.Parallel()
	data, err := os.ReadFile("Dockerfile")
	require.NoError(t, err)
	text := string(data)
	froms := regexp.MustCompile(`(?m)^FROM\s+(\S+)`).FindAllStringSubmatch(text, -1)
	require.GreaterOrEqual(t, len(froms), 2, "multi-stage build")
	require.Regexp(t, `^(gcr\.io/distroless/static\S*:nonroot|scratch)$`, froms[len(froms)-1][1])
	require.Contains(t, text, "CGO_ENABLED=0")
	for _, v := range []string{"Version", "Revision", "Branch", "BuildUser", "BuildDate"} {
		require.Contains(t, text, "-X github.com/prometheus/common/version."+v+"=")
	}
	require.Regexp(t, `(?m)^EXPOSE 10867$`, text)
	require.Regexp(t, `(?m)^USER 65532`, text)
	require.NotRegexp(t, `(?mi)^HEALTHCHECK`, text)
}

// chartAppVersion is the exporter version the chart and the
// kustomizations deploy.
func chartAppVersion(t *testing.T) string {
	t.Helper()
	v, _ := readYAML(t, chartDir+"/Chart.yaml")["appVersion"].(string)
	return v
}

// TestImageIsAPinnedVersionYouBuild checks what every manifest pulls: the
// chart's appVersion, a fixed version (with IfNotPresent, "latest" would
// keep whatever a node pulled first), the same in the chart and both
// kustomizations; and docs/deploying.md says to build it from the Dockerfile with
// that tag, since nothing publishes it.
func TestImageIsAPinnedVersionYouBuild(t *testing.T) {
	t.Parallel()
	version := chartAppVersion(t)
	require.Regexp(t, `^[0-9]+\.[0-9]+\.[0-9]+$`, version, "Chart.yaml appVersion")
	w := renderDefaults(t).workload(t)
	c := container(t, w)
	require.Equal(t, "ghcr.io/hss-exporter/hss_exporter:"+version, c["image"])
	require.Equal(t, "IfNotPresent", c["imagePullPolicy"])
	require.Equal(t, version, dig(t, w, "metadata", "labels", "app.kubernetes.io/version"))
	for _, dir := range []string{"kubernetes", "kubernetes/sharded"} {
		image := dig(t, readYAML(t, dir+"/kustomization.yaml"), "images", 0).(map[string]any)
		require.Equal(t, "ghcr.io/hss-exporter/hss_exporter", image["newName"], dir)
		require.Equal(t, version, image["newTag"], dir)
	}
	require.Contains(t, readDoc(t, "docs/deploying.md"), "docker build -f deploy/Dockerfile --build-arg VERSION="+version+" -t registry.example.com/hss_exporter:"+version+" .")
}

// TestSystemdUnit checks the hardening and, where systemd-analyze exists,
// that systemd knows every directive (it warns about unknown ones).
func TestSystemdUnit(t *testing.T) {
	t.Parallel()
	data, err := os.ReadFile("systemd/hss_exporter.service")
	require.NoError(t, err)
	text := string(data)
	for _, line := range []string{"DynamicUser=yes", "ProtectSystem=strict", "ProtectHome=yes",
		"NoNewPrivileges=yes", "PrivateTmp=yes", "CapabilityBoundingSet=", "LoadCredential=secret_key:"} {
		require.Regexp(t, `(?m)^`+regexp.QuoteMeta(line), text)
	}
	require.Contains(t, text, "--config.file=/etc/hss_exporter/hss.yml")
	analyze := testtool.Need(t, testtool.SystemdAnalyze)
	// verify needs the binaries of Exec lines to exist.
	unit := filepath.Join(t.TempDir(), "hss_exporter.service")
	require.NoError(t, os.WriteFile(unit, []byte(strings.ReplaceAll(text, "/usr/local/bin/hss_exporter", "/bin/true")), 0o644))
	out, err := exec.Command(analyze, "verify", unit).CombinedOutput()
	require.NoError(t, err, "%s", out)
	require.Empty(t, strings.TrimSpace(string(out)))
}
