package main

import (
	"bytes"
	"context"
	"io"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	dto "github.com/prometheus/client_model/go"
	"github.com/prometheus/common/expfmt"
	"github.com/prometheus/common/model"
	"github.com/stretchr/testify/require"
)

// syncBuffer is a bytes.Buffer safe for the logger and the test at once.
type syncBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *syncBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *syncBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

func freeAddress(t testing.TB) string {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	addr := l.Addr().String()
	require.NoError(t, l.Close())
	return addr
}

// exporterRun is a running exporter started through run().
type exporterRun struct {
	base   string
	logs   *syncBuffer
	cancel context.CancelFunc
	done   chan int
}

func startExporter(t *testing.T, args ...string) *exporterRun {
	t.Helper()
	addr := freeAddress(t)
	ctx, cancel := context.WithCancel(context.Background())
	r := &exporterRun{base: "http://" + addr, logs: &syncBuffer{}, cancel: cancel, done: make(chan int, 1)}
	args = append(args, "--web.listen-address="+addr)
	go func() { r.done <- run(ctx, args, io.Discard, r.logs) }()
	t.Cleanup(func() { r.stop(t) })
	return r
}

// stop cancels the run, as SIGTERM does, and asserts a clean exit.
func (r *exporterRun) stop(t *testing.T) {
	if r.cancel == nil {
		return
	}
	r.cancel()
	r.cancel = nil
	select {
	case code := <-r.done:
		require.Equal(t, 0, code, "logs:\n%s", r.logs.String())
	case <-time.After(10 * time.Second):
		t.Fatal("exporter did not stop within 10s of cancellation")
	}
}

func httpGet(client *http.Client, url string) (int, string, error) {
	resp, err := client.Get(url)
	if err != nil {
		return 0, "", err
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	return resp.StatusCode, string(body), err
}

// waitFor polls url until it answers want, within 20 seconds.
func waitFor(t *testing.T, client *http.Client, url string, want int) string {
	t.Helper()
	var (
		code int
		body string
		err  error
	)
	deadline := time.Now().Add(20 * time.Second)
	for time.Now().Before(deadline) {
		code, body, err = httpGet(client, url)
		if err == nil && code == want {
			return body
		}
		time.Sleep(50 * time.Millisecond)
	}
	t.Fatalf("%s: wanted %d, last got %d %q (err %v)", url, want, code, body, err)
	return ""
}

func parseMetrics(t *testing.T, text string) map[string]*dto.MetricFamily {
	t.Helper()
	parser := expfmt.NewTextParser(model.UTF8Validation)
	families, err := parser.TextToMetricFamilies(strings.NewReader(text))
	require.NoError(t, err)
	return families
}

func sumGauge(mf *dto.MetricFamily) float64 {
	var sum float64
	for _, m := range mf.GetMetric() {
		sum += m.GetGauge().GetValue()
	}
	return sum
}

// fastDemo runs the demo with a budget above its image count, so its
// first sweep lists every image at once.
const fastDemo = "--demo.api-calls-per-minute=6000"

// waitForInventory polls /metrics until discovery has run and no image
// waits for a listing, and returns the families then.
func waitForInventory(t *testing.T, client *http.Client, base string) map[string]*dto.MetricFamily {
	t.Helper()
	deadline := time.Now().Add(60 * time.Second)
	var last string
	for time.Now().Before(deadline) {
		code, text, err := httpGet(client, base+"/metrics")
		if err == nil && code == http.StatusOK {
			families := parseMetrics(t, text)
			// No image waits for a listing, and the snapshot served (published
			// up to a couple of seconds later) has every image's count.
			pending, listed, info := families["hss_exporter_images_pending"], families["hss_image_containers"], families["hss_image_info"]
			if pending != nil && listed != nil && sumGauge(pending) == 0 && len(listed.GetMetric()) >= len(info.GetMetric()) {
				return families
			}
			last = text
		}
		time.Sleep(100 * time.Millisecond)
	}
	t.Fatalf("%s/metrics: images still pending after 60s; last scrape:\n%s", base, last)
	return nil
}

func TestDemoServesInventoryWithinSeconds(t *testing.T) {
	start := time.Now()
	r := startExporter(t, "--demo", fastDemo)
	waitFor(t, http.DefaultClient, r.base+"/readyz", http.StatusOK)
	t.Logf("demo ready after %v", time.Since(start))
	families := waitForInventory(t, http.DefaultClient, r.base)
	t.Logf("demo fully listed after %v", time.Since(start))
	require.Less(t, time.Since(start), 10*time.Second, "with a budget above the image count, the first sweep is one burst")
	for _, name := range []string{"hss_image_containers", "hss_host_containers", "hss_pod_containers",
		"hss_image_info", "hss_container_info", "hss_up", "hss_exporter_build_info", "go_goroutines"} {
		require.Contains(t, families, name)
	}
	containers := len(families["hss_container_info"].GetMetric())
	require.Equal(t, demoContainers, containers)
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
	r := startExporter(t, "--demo")
	waitFor(t, http.DefaultClient, r.base+"/readyz", http.StatusOK)
	var families map[string]*dto.MetricFamily
	require.Eventually(t, func() bool {
		_, text, err := httpGet(http.DefaultClient, r.base+"/metrics")
		families = parseMetrics(t, text)
		return err == nil && families["hss_image_containers"] != nil
	}, 10*time.Second, 50*time.Millisecond)
	images := len(families["hss_image_info"].GetMetric())
	require.Equal(t, demoImages, images, "every image's discovery facts are served before its listing")
	listed := len(families["hss_image_containers"].GetMetric())
	require.Less(t, listed, images, "20 calls a minute list at most 20 images in the first minute")
	require.Positive(t, sumGauge(families["hss_exporter_images_pending"]))
	require.Equal(t, 1.0, sumGauge(families["hss_up"]), "waiting for the budget is no failure")
	require.Equal(t, 20.0, gaugeWith(families["hss_exporter_api_budget_calls_per_minute"], "operation", "ListLocalImageContainers"))

	_, page, err := httpGet(http.DefaultClient, r.base+"/status")
	require.NoError(t, err)
	require.Contains(t, page, `data-k="sweep_progress"`)
	require.Contains(t, page, "api_calls_per_minute")
}

// gaugeWith returns the value of the series of mf whose label name is value.
func gaugeWith(mf *dto.MetricFamily, name, value string) float64 {
	for _, m := range mf.GetMetric() {
		for _, l := range m.GetLabel() {
			if l.GetName() == name && l.GetValue() == value {
				return m.GetGauge().GetValue()
			}
		}
	}
	return -1
}

func TestReadyzExplainsAnUnreachableTarget(t *testing.T) {
	dir := t.TempDir()
	cfgFile := filepath.Join(dir, "hss.yml")
	require.NoError(t, os.WriteFile(cfgFile, []byte(`
global:
  refresh_interval: 1m
  request_timeout: 1s
targets:
  - name: unreachable
    region: cn-north-4
    project_id: p1
    endpoint: http://`+freeAddress(t)+`
    auth: {access_key: AK1, secret_key: known-secret-value}
    images: {discover: true}
`), 0o600))
	r := startExporter(t, "--config.file="+cfgFile)
	body := waitFor(t, http.DefaultClient, r.base+"/readyz", http.StatusServiceUnavailable)
	require.Contains(t, body, "unreachable")
	code, _, err := httpGet(http.DefaultClient, r.base+"/healthz")
	require.NoError(t, err)
	require.Equal(t, http.StatusOK, code, "alive even when not ready")
	r.stop(t)
	require.NotContains(t, r.logs.String(), "known-secret-value")
}

func TestConfigCheck(t *testing.T) {
	var out, errOut bytes.Buffer
	code := run(context.Background(), []string{"--config.check", "--config.file=config/example.yml"}, &out, &errOut)
	require.Equal(t, 0, code, errOut.String())
	require.Contains(t, out.String(), "OK")

	bad := filepath.Join(t.TempDir(), "bad.yml")
	require.NoError(t, os.WriteFile(bad, []byte(`global:
  page_size: 500
  refresh_intervall: 5m
targets:
  - name: a
    region: cn-north-4
    project_id: p1
    auth: {access_key: AK, secret_key_file: /nonexistent/sk, metadata: true}
`), 0o600))
	out.Reset()
	errOut.Reset()
	code = run(context.Background(), []string{"--config.check", "--config.file=" + bad}, &out, &errOut)
	require.Equal(t, 1, code)
	msg := errOut.String()
	require.Contains(t, msg, bad+":2:")
	require.Contains(t, msg, bad+":3:")
	require.GreaterOrEqual(t, strings.Count(msg, "\n"), 3, "every problem on its own line:\n%s", msg)
}

func TestVersionAndBadFlags(t *testing.T) {
	var out bytes.Buffer
	require.Equal(t, 0, run(context.Background(), []string{"--version"}, &out, &out))
	require.Contains(t, out.String(), "hss_exporter, version")
	require.Equal(t, 2, run(context.Background(), []string{"--no-such-flag"}, io.Discard, io.Discard))
}

func TestTLSAndBasicAuth(t *testing.T) {
	webConfig := writeWebConfig(t, "prometheus", "scrape-password")
	r := startExporter(t, "--demo", "--web.config.file="+webConfig)
	base := strings.Replace(r.base, "http://", "https://", 1)
	client := tlsTestClient()
	waitFor(t, client, base+"/healthz", http.StatusUnauthorized)

	req, err := http.NewRequest(http.MethodGet, base+"/metrics", nil)
	require.NoError(t, err)
	req.SetBasicAuth("prometheus", "scrape-password")
	resp, err := client.Do(req)
	require.NoError(t, err)
	defer resp.Body.Close()
	require.Equal(t, http.StatusOK, resp.StatusCode)

	code, _, err := httpGet(http.DefaultClient, r.base+"/metrics")
	require.True(t, err != nil || code == http.StatusBadRequest, "plain HTTP is refused once TLS is on")
}
