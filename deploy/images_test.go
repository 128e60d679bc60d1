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

// TestSystemdUnit checks the hardening and, where systemd-analyze exists,
// that systemd knows every directive (it warns about unknown ones).
func TestSystemdUnit(t *testing.T) {
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
