package main

import (
	"context"
	"flag"
	"io"
	"net/http"
	"os"
	"strings"
	"testing"
	"time"

	dto "github.com/prometheus/client_model/go"
	"github.com/prometheus/common/expfmt"
	"github.com/prometheus/common/model"
	"github.com/stretchr/testify/require"

	"github.com/hss-exporter/hss_exporter/internal/hssfake"
	"github.com/hss-exporter/hss_exporter/internal/testtool"
)

// TestMain removes the binary the tests built, once they have all run.
func TestMain(m *testing.M) {
	flag.Parse()
	raiseParallel()
	code := m.Run()
	removeBuiltBinary()
	os.Exit(code)
}

// raiseParallel lets more tests run at once than the machine has cores,
// unless -parallel says otherwise: the tests here spend their time waiting
// for an exporter's timers, not computing.
func raiseParallel() {
	given := false
	flag.Visit(func(f *flag.Flag) { given = given || f.Name == "test.parallel" })
	if !given {
		_ = flag.Set("test.parallel", "8")
	}
}

// anyPort asks for a port of the kernel's choosing; the exporter logs the
// one it bound, and the harness reads it back (testtool.ListenAddresses).
const anyPort = "--web.listen-address=127.0.0.1:0"

// waitListening waits until logs name n bound addresses, and returns
// their base URLs; it fails at once when the exporter exits first.
func waitListening(t testing.TB, logs *testtool.SyncBuffer, n int, exited <-chan struct{}) []string {
	t.Helper()
	deadline := time.After(30 * time.Second)
	for {
		if addrs := testtool.ListenAddresses(logs.String()); len(addrs) >= n {
			bases := make([]string, len(addrs))
			for i, a := range addrs {
				bases[i] = "http://" + a
			}
			return bases
		}
		select {
		case <-exited:
			t.Fatalf("the exporter exited before listening; logs:\n%s", logs)
		case <-deadline:
			t.Fatalf("the exporter did not listen within 30s; logs:\n%s", logs)
		case <-time.After(10 * time.Millisecond):
		}
	}
}

// listenFlags counts the --web.listen-address flags of args.
func listenFlags(args []string) int {
	n := 0
	for _, a := range args {
		if strings.HasPrefix(a, "--web.listen-address=") {
			n++
		}
	}
	return n
}

// exporterRun is a running exporter started through run(). base is its
// first listen address, bases all of them.
type exporterRun struct {
	base   string
	bases  []string
	logs   *testtool.SyncBuffer
	cancel context.CancelFunc
	exited chan struct{}
	code   int // run's exit code, once exited is closed
}

// startExporter runs the exporter in this process with args, on a port
// of its own choosing, and returns once it listens.
func startExporter(t *testing.T, args ...string) *exporterRun {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	r := &exporterRun{logs: &testtool.SyncBuffer{}, cancel: cancel, exited: make(chan struct{})}
	args = append(args, anyPort)
	go func() { r.code = run(ctx, args, io.Discard, r.logs); close(r.exited) }()
	t.Cleanup(func() { r.stop(t) })
	r.bases = waitListening(t, r.logs, listenFlags(args), r.exited)
	r.base = r.bases[0]
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
	case <-r.exited:
		require.Equal(t, 0, r.code, "logs:\n%s", r.logs.String())
	case <-time.After(10 * time.Second):
		t.Fatal("exporter did not stop within 10s of cancellation")
	}
}

// startStandIn starts the stand-in HSS API with opts, closed when the
// test ends.
func startStandIn(t testing.TB, opts hssfake.Options) *hssfake.Server {
	t.Helper()
	srv, err := hssfake.Start(opts)
	require.NoError(t, err)
	t.Cleanup(srv.Close)
	return srv
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
