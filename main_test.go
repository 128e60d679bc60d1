package main

import (
	"context"
	"io"
	"net"
	"net/http"
	"strings"
	"testing"
	"time"

	dto "github.com/prometheus/client_model/go"
	"github.com/prometheus/common/expfmt"
	"github.com/prometheus/common/model"
	"github.com/stretchr/testify/require"

	"github.com/hss-exporter/hss_exporter/internal/testtool"
)

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
	logs   *testtool.SyncBuffer
	cancel context.CancelFunc
	done   chan int
}

func startExporter(t *testing.T, args ...string) *exporterRun {
	t.Helper()
	addr := freeAddress(t)
	ctx, cancel := context.WithCancel(context.Background())
	r := &exporterRun{base: "http://" + addr, logs: &testtool.SyncBuffer{}, cancel: cancel, done: make(chan int, 1)}
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
