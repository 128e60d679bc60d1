package collector

import (
	"bytes"
	"net/http"
	"net/http/httptest"
	"os/exec"
	"strings"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/common/expfmt"
	"github.com/prometheus/common/model"
	"github.com/stretchr/testify/require"

	"github.com/hss-exporter/hss_exporter/config"
	"github.com/hss-exporter/hss_exporter/internal/hssfake"
	"github.com/hss-exporter/hss_exporter/internal/testtool"
)

// An Exporter reading the stand-in server through the real client, as main
// wires it, and what its tests read of the served exposition.

// clientTarget is a discovering target over every enterprise project.
func clientTarget() config.Target {
	return config.Target{
		Name: "h", EnterpriseProjectID: hssfake.AllEnterpriseProjects, Images: config.Images{Discover: true},
		Settings: config.Settings{PageSize: 50, MaxConcurrency: 2, RefreshInterval: time.Minute,
			MaxStaleness: 10 * time.Minute, RequestTimeout: 5 * time.Second},
	}
}

// scrapeChecked fetches the metrics page as the exporter serves it (Handler,
// with Self in the live registry, as main wires it), checks that it parses
// and, when promtool is installed, that `promtool check metrics` finds no
// error, and returns its text.
func scrapeChecked(t *testing.T, e *Exporter) string {
	t.Helper()
	reg := prometheus.NewPedanticRegistry()
	require.NoError(t, reg.Register(e.Self()))
	rec := httptest.NewRecorder()
	e.Handler(reg, HandlerOpts{}).ServeHTTP(rec, httptest.NewRequest(http.MethodGet, "/metrics", nil))
	require.Equal(t, http.StatusOK, rec.Code)
	text := rec.Body.String()
	parser := expfmt.NewTextParser(model.UTF8Validation)
	_, err := parser.TextToMetricFamilies(strings.NewReader(text))
	require.NoError(t, err, "the exposition parses")
	promtoolCheck(t, text)
	return text
}

// promtoolCheck runs `promtool check metrics` on text when promtool exists;
// without it the rest of the test goes on and the check is reported missing.
// Lint findings (naming, HELP style) are not its job here; errors are.
func promtoolCheck(t *testing.T, text string) {
	t.Helper()
	path, ok := testtool.Optional(t, testtool.Promtool, "promtool check metrics")
	if !ok {
		return
	}
	cmd := exec.Command(path, "check", "metrics")
	cmd.Stdin = strings.NewReader(text)
	var out bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &out
	if err := cmd.Run(); err != nil {
		for _, line := range strings.Split(out.String(), "\n") {
			require.NotContains(t, strings.ToLower(line), "error", "promtool: %s", out.String())
		}
	}
}

// textSeries returns the sample lines of family name containing every part.
func textSeries(text, name string, parts ...string) []string {
	var out []string
	for _, line := range strings.Split(text, "\n") {
		if !strings.HasPrefix(line, name+"{") && !strings.HasPrefix(line, name+" ") {
			continue
		}
		ok := true
		for _, p := range parts {
			ok = ok && strings.Contains(line, p)
		}
		if ok {
			out = append(out, line)
		}
	}
	return out
}

// duplicateSeries returns the series (name and labels) that appear twice.
func duplicateSeries(text string) []string {
	seen, dups := map[string]bool{}, []string(nil)
	for _, line := range strings.Split(text, "\n") {
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		series := line[:strings.LastIndexByte(line, ' ')]
		if seen[series] {
			dups = append(dups, series)
		}
		seen[series] = true
	}
	return dups
}
