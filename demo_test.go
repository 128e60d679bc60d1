package main

import (
	"encoding/json"
	"net/http"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/hss-exporter/hss_exporter/internal/demo"
	dto "github.com/prometheus/client_model/go"
	"github.com/stretchr/testify/require"
)

// TestDemoServesTheWholeInventory runs the demo with a budget above its
// image count: the whole inventory is served, and the first sweep is one
// burst, as the status says before it lands (how fast the binary gets
// there is the benchmarks' business, not a timed test's).
func TestDemoServesTheWholeInventory(t *testing.T) {
	t.Parallel()
	start := time.Now()
	r := startExporter(t, "--demo", fastDemo)
	waitFor(t, http.DefaultClient, r.base+"/readyz", http.StatusOK)
	t.Logf("demo ready after %v", time.Since(start))
	status, ok := benchStatus(r.base)
	require.True(t, ok, "/api/v1/status answers with one target")
	listing := status.Listing
	require.Positive(t, listing.SweepCalls)
	require.Less(t, listing.FirstSweepSeconds, 1.0, "with a budget above the image count, the first sweep is one burst")
	families := waitForInventory(t, http.DefaultClient, r.base)
	t.Logf("demo fully listed after %v", time.Since(start))
	for _, name := range []string{"hss_image_containers", "hss_host_containers", "hss_pod_containers",
		"hss_image_info", "hss_container_info", "hss_up", "hss_exporter_build_info", "go_goroutines"} {
		require.Contains(t, families, name)
	}
	containers := len(families["hss_container_info"].GetMetric())
	// Exact at the start; a loaded machine may list after the churn began.
	churned := int(time.Since(start)/demo.ChurnInterval) * demo.ChurnPerTick
	require.InDelta(t, demo.Containers, containers, float64(churned))
	require.Equal(t, float64(containers), sumGauge(families["hss_image_containers"]))
	require.Equal(t, float64(containers), sumGauge(families["hss_host_containers"]))
	require.Equal(t, 1.0, sumGauge(families["hss_up"]))

	code, body, err := httpGet(http.DefaultClient, r.base+"/healthz")
	require.NoError(t, err)
	require.Equal(t, http.StatusOK, code)
	require.Equal(t, "OK\n", body)
	_, landing, err := httpGet(http.DefaultClient, r.base+"/")
	require.NoError(t, err)
	for _, link := range []string{`href="/metrics"`, `href="/healthz"`, `href="/readyz"`} {
		require.Contains(t, landing, link)
	}
	require.NotContains(t, r.logs.String(), "hss-demo-secret-key-0001")
}

// TestDemoShowsItsFirstSweepInProgress runs the demo at its default
// budget, below its image count: discovery's facts are there at once for
// every image, the listings land a window at a time, and the status page
// says how far the first sweep is and what more budget would buy.
func TestDemoShowsItsFirstSweepInProgress(t *testing.T) {
	t.Parallel()
	r := startExporter(t, "--demo")
	waitFor(t, http.DefaultClient, r.base+"/readyz", http.StatusOK)
	var families map[string]*dto.MetricFamily
	require.Eventually(t, func() bool {
		_, text, err := httpGet(http.DefaultClient, r.base+"/metrics")
		families = parseMetrics(t, text)
		return err == nil && families["hss_image_containers"] != nil
	}, 10*time.Second, 50*time.Millisecond)
	images := len(families["hss_image_info"].GetMetric())
	require.Equal(t, demo.Images, images, "every image's discovery facts are served before its listing")
	listed := len(families["hss_image_containers"].GetMetric())
	require.Less(t, listed, images, "20 calls a minute list at most 20 images in the first minute")
	require.Positive(t, sumGauge(families["hss_exporter_images_pending"]))
	require.Equal(t, 1.0, sumGauge(families["hss_up"]), "waiting for the budget is no failure")
	require.Equal(t, 20.0, gaugeWith(families["hss_exporter_api_budget_calls_per_minute"], "operation", "ListLocalImageContainers"))

	_, page, err := httpGet(http.DefaultClient, r.base+"/status")
	require.NoError(t, err)
	require.Contains(t, page, `data-k="sweep_progress"`)
	require.Contains(t, page, "api_calls_per_minute")
	require.Contains(t, page, `<span data-k="first_sweep">in progress</span>`)
	require.Contains(t, page, "images waiting for a re-listing")
	require.NotContains(t, page, "&lt;script&gt;", "a first look at the demo shows no hostile names")

	// The first sweep's time: about 75 seconds at the default budget, as
	// the README's quick start says (its 35 or so calls at 20 a minute: 20
	// a second apart, the rest a minute later, a second apart); the
	// collector's schedule test checks it is what a first sweep takes.
	_, body, err := httpGet(http.DefaultClient, r.base+"/api/v1/status")
	require.NoError(t, err)
	var status struct {
		Targets []struct {
			Listing struct {
				FirstSweepSeconds float64 `json:"first_sweep_seconds"`
				SweepCalls        int     `json:"sweep_calls"`
			} `json:"listing"`
		} `json:"targets"`
	}
	require.NoError(t, json.Unmarshal([]byte(body), &status))
	first := status.Targets[0].Listing.FirstSweepSeconds
	require.InDelta(t, 75, first, 10, "%d calls", status.Targets[0].Listing.SweepCalls)
	require.Regexp(t, `<span data-k="first_sweep_takes">1m[0-9]+s</span>`, page)
	readme, err := os.ReadFile("README.md")
	require.NoError(t, err)
	require.Contains(t, strings.Join(strings.Fields(string(readme)), " "), "after the first sweep, about 75 seconds at the demo's call budget")
}

// TestDemoStatusPageIsSmallAndEscapesTheHostileImage checks the page an
// operator first sees with --demo: under 50 KB, and the hostile image
// name of --demo.hostile shown as text.
func TestDemoStatusPageIsSmallAndEscapesTheHostileImage(t *testing.T) {
	t.Parallel()
	r := startExporter(t, "--demo", "--demo.hostile", fastDemo)
	waitForInventory(t, http.DefaultClient, r.base)
	waitForPosture(t, r.base)
	code, page, err := httpGet(http.DefaultClient, r.base+"/status")
	require.NoError(t, err)
	require.Equal(t, http.StatusOK, code)
	t.Logf("status page: %d bytes", len(page))
	require.Less(t, len(page), 50*1024, "the status page of the demo fleet stays under 50 KB")
	require.Contains(t, page, "&lt;script&gt;alert(&#34;hss&#34;)&lt;/script&gt;")
	require.NotContains(t, strings.ToLower(page), "<script")
	require.Contains(t, page, `data-k="health">healthy<`)
	require.Contains(t, page, `<tr data-k="node">`, "the demo fleet has nodes at fault, listed")

	_, landing, err := httpGet(http.DefaultClient, r.base+"/")
	require.NoError(t, err)
	require.Contains(t, landing, `href="/status"`, "the landing page links the status page")
}

// waitForPosture polls /metrics until every posture part of the demo has
// been read and published.
func waitForPosture(t *testing.T, base string) {
	t.Helper()
	deadline := time.Now().Add(60 * time.Second)
	for time.Now().Before(deadline) {
		code, text, err := httpGet(http.DefaultClient, base+"/metrics")
		if err == nil && code == http.StatusOK {
			families := parseMetrics(t, text)
			up := families["hss_posture_up"]
			if up != nil && len(up.GetMetric()) == 3 && sumGauge(up) == 3 && families["hss_node_info"] != nil &&
				families["hss_quota"] != nil && families["hss_security_events_unhandled"] != nil {
				return
			}
		}
		time.Sleep(100 * time.Millisecond)
	}
	t.Fatal("the demo's posture was not read and published within 60s")
}
