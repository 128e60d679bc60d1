package e2e

import (
	"errors"
	"fmt"
	"io"
	"net/http"
	"os"
	"os/exec"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/hss-exporter/hss_exporter/dashboards"
	"github.com/hss-exporter/hss_exporter/deploy"
	"github.com/hss-exporter/hss_exporter/internal/testtool"
)

// TestEndToEnd runs the exporter in --demo mode with the real Prometheus
// and Alertmanager and checks, through their APIs, what a user relies on:
// the inventory Prometheus stores equals the fleet, so do the namespaces
// the recording rules join from kube_pod_info, every dashboard query
// returns data, and a security alert reaches a receiver.
func TestEndToEnd(t *testing.T) {
	if testing.Short() {
		t.Skip("end-to-end test: skipped with -short")
	}
	t.Parallel()
	s := startStack(t)

	t.Run("prometheus scrapes the exporter", func(t *testing.T) {
		eventually(t, "target up and demo refreshed", func() error {
			for _, expr := range []string{`up{job="hss_exporter"}`, `hss_up{target="demo"}`} {
				if v, err := s.prom.scalar(expr); err != nil || v != 1 {
					return fmt.Errorf("%s = %v, %v", expr, v, err)
				}
			}
			return nil
		})
		v, err := s.prom.scalar(fmt.Sprintf(`hss_exporter_build_info{version=%q}`, testVersion))
		require.NoError(t, err, "build_info carries the version stamped with -ldflags")
		require.Equal(t, 1.0, v)
	})

	t.Run("inventory equals the demo fleet", func(t *testing.T) { checkInventory(t, s) })
	t.Run("every promised metric family is stored", func(t *testing.T) { checkFamilies(t, s.prom) })
	t.Run("promtool check metrics on a live scrape", func(t *testing.T) { checkMetricsLint(t, s.exporter) })
	t.Run("posture equals the demo API, before and after churn", func(t *testing.T) { checkPosture(t, s) })
	t.Run("documented blind-spot queries equal the demo fleet", func(t *testing.T) { checkBlindSpotQueries(t, s) })
	t.Run("namespaces joined from kube_pod_info equal the fleet", func(t *testing.T) { checkNamespaces(t, s) })
	t.Run("every dashboard query returns data", func(t *testing.T) { checkDashboards(t, s.prom) })
	t.Run("a security alert reaches the webhook", func(t *testing.T) { checkSecurityAlert(t, s) })
}

// checkInventory compares Prometheus with the stand-in API. The demo fleet
// churns every few seconds, so a comparison only counts when the fleet was
// the same before and after reading Prometheus; until then it retries.
func checkInventory(t *testing.T, s *stack) {
	eventually(t, "Prometheus inventory equal to the demo fleet", func() error {
		before, err := demoTruth(s.demoAPI)
		if err != nil {
			return err
		}
		got, err := exported(s.prom)
		if err != nil {
			return err
		}
		after, err := demoTruth(s.demoAPI)
		if err != nil {
			return err
		}
		if !before.equal(after) {
			return errors.New("the fleet churned while reading")
		}
		if !got.equal(before) {
			return fmt.Errorf("exported %v; fleet %v", got, before)
		}
		if len(got.images) == 0 || got.public == 0 || len(got.pods) == 0 {
			return fmt.Errorf("the demo fleet should have images, pods and public containers: %v", got)
		}
		t.Logf("Prometheus holds the demo fleet: %v", got)
		return nil
	})
	// Within one scrape, the per-image, per-host and per-container series
	// describe the same containers.
	for _, expr := range []string{
		`sum(hss_image_containers{target="demo"}) - sum(hss_host_containers{target="demo"})`,
		`sum(hss_image_containers{target="demo"}) - count(hss_container_info{target="demo"})`,
	} {
		v, err := s.prom.scalar(expr)
		require.NoError(t, err)
		require.Zero(t, v, expr)
	}
}

func checkFamilies(t *testing.T, p promAPI) {
	eventually(t, "every promised family stored", func() error {
		samples, err := p.query(`count by (__name__) ({__name__=~"hss_.+"})`)
		if err != nil {
			return err
		}
		have := map[string]bool{}
		for _, s := range samples {
			name := s.Metric["__name__"]
			have[strings.TrimSuffix(name, "_bucket")] = true
		}
		for _, f := range deploy.MetricFamilies {
			if !have[f] {
				return fmt.Errorf("no series of %s", f)
			}
		}
		return nil
	})
}

func checkMetricsLint(t *testing.T, exporter string) {
	promtool := testtool.Need(t, testtool.Promtool)
	resp, err := http.Get("http://" + exporter + "/metrics")
	require.NoError(t, err)
	body, err := io.ReadAll(resp.Body)
	resp.Body.Close()
	require.NoError(t, err)
	require.Equal(t, http.StatusOK, resp.StatusCode)
	cmd := exec.Command(promtool, "check", "metrics")
	cmd.Stdin = strings.NewReader(string(body))
	out, err := cmd.CombinedOutput()
	require.NoError(t, err, "promtool check metrics:\n%s", out)
}

// checkDashboards runs every query of both dashboards, with the template
// variables matching everything. A query that does not parse fails at
// once; one without data is retried until the window of rate() has data.
func checkDashboards(t *testing.T, p promAPI) {
	for _, name := range dashboards.Files {
		data, err := os.ReadFile("../dashboards/" + name)
		require.NoError(t, err)
		queries, err := dashboards.Queries(data)
		require.NoError(t, err)
		require.NotEmpty(t, queries)
		for _, q := range queries {
			expr := dashboards.Substitute(q.Expr, "1m")
			eventually(t, name+" "+q.Where+" returns data", func() error {
				samples, err := p.query(expr)
				var qe *queryError
				if errors.As(err, &qe) {
					t.Fatalf("%s %s does not run: %v", name, q.Where, err)
				}
				if err == nil && len(samples) == 0 {
					err = fmt.Errorf("no data for %s", expr)
				}
				return err
			})
		}
	}
}

// checkSecurityAlert waits for HSSHighSeverityImageRunning, from the real
// rules (with `for:` shortened, see securityFor), to arrive at the webhook
// through Alertmanager, for an image Prometheus says runs High severity.
func checkSecurityAlert(t *testing.T, s *stack) {
	const expr = `hss_image_containers{target="demo"} > 0 and on (job, instance, target, image_name, image_version, image_digest) hss_image_info{severity_level="High"}`
	high := map[string]bool{}
	eventually(t, "a High severity image with containers in the demo fleet", func() error {
		samples, err := s.prom.query(expr)
		for _, x := range samples {
			high[x.Metric["image_name"]] = true
		}
		if err == nil && len(samples) == 0 {
			err = errors.New("none yet")
		}
		return err
	})
	deadline := time.After(waitTimeout)
	for {
		select {
		case a := <-s.alerts:
			if a.Labels["alertname"] != "HSSHighSeverityImageRunning" || a.Status != "firing" {
				continue
			}
			require.Equal(t, "demo", a.Labels["target"])
			require.Equal(t, "security", a.Labels["category"])
			require.Equal(t, "hss_exporter", a.Labels["job"])
			require.True(t, high[a.Labels["image_name"]], "alert for %s, not a High image with containers", a.Labels["image_name"])
			require.NotEmpty(t, a.Annotations["runbook"])
			require.Contains(t, a.Annotations["summary"], a.Labels["image_name"])
			return
		case <-deadline:
			t.Fatalf("HSSHighSeverityImageRunning did not reach the webhook within %s", waitTimeout)
		}
	}
}
