package collector

import (
	"bytes"
	"compress/gzip"
	"io"
	"net/http"
	"net/http/httptest"
	"os/exec"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	dto "github.com/prometheus/client_model/go"
	"github.com/prometheus/common/expfmt"
	"github.com/stretchr/testify/require"

	"github.com/hss-exporter/hss_exporter/config"
	"github.com/hss-exporter/hss_exporter/internal/schedule"
	"github.com/hss-exporter/hss_exporter/internal/testclock"
	"github.com/hss-exporter/hss_exporter/internal/testtool"
)

// twoTargets returns an Exporter over testFleet as "prod" and "staging",
// both refreshed, with the handler served on loopback.
func twoTargets(t *testing.T, opts HandlerOpts) (e *Exporter, apis [2]*fakeAPI, clock *testclock.Clock, url string) {
	t.Helper()
	apis = [2]*fakeAPI{testFleet(), testFleet()}
	cfgs := [2]config.Target{testTarget(), testTarget()}
	cfgs[1].Name, cfgs[1].ContainerInfo, cfgs[1].MaxStaleness = "staging", true, 10*time.Minute
	clock = newFakeClock()
	e = newClockedExporter(clock, nil, []Target{{Config: cfgs[0], API: apis[0]}, {Config: cfgs[1], API: apis[1]}}, nil,
		Options{Clock: schedule.Clock{Now: clock.Now}})
	for _, c := range cfgs {
		require.NoError(t, refreshOnce(t, e, c.Name))
	}
	srv := httptest.NewServer(e.Handler(liveRegistry(t, e), opts))
	t.Cleanup(srv.Close)
	return e, apis, clock, srv.URL
}

// liveRegistry holds what main serves live beside the cache.
func liveRegistry(t *testing.T, e *Exporter) *prometheus.Registry {
	reg := prometheus.NewPedanticRegistry()
	require.NoError(t, reg.Register(e.Self()))
	return reg
}

// scrape fetches url with the given Accept and Accept-Encoding headers and
// returns the response and its decoded body.
func scrape(t *testing.T, url, accept, encoding string) (*http.Response, string) {
	t.Helper()
	req, err := http.NewRequest(http.MethodGet, url, nil)
	require.NoError(t, err)
	if accept != "" {
		req.Header.Set("Accept", accept)
	}
	if encoding != "" {
		req.Header.Set("Accept-Encoding", encoding)
	}
	// No transparent decompression: the test sees what was sent.
	client := &http.Client{Transport: &http.Transport{DisableCompression: true}}
	resp, err := client.Do(req)
	require.NoError(t, err)
	defer resp.Body.Close()
	raw, err := io.ReadAll(resp.Body)
	require.NoError(t, err)
	require.Equal(t, http.StatusOK, resp.StatusCode, string(raw))
	if resp.Header.Get("Content-Encoding") != "gzip" {
		return resp, string(raw)
	}
	// One gzip member: curl and some browsers read no further than the first.
	rest := bytes.NewReader(raw)
	zr, err := gzip.NewReader(rest)
	require.NoError(t, err)
	zr.Multistream(false)
	body, err := io.ReadAll(zr)
	require.NoError(t, err)
	require.Zero(t, rest.Len(), "bytes after the first gzip member")
	return resp, string(body)
}

const (
	acceptPrometheus2 = "application/openmetrics-text;version=1.0.0,application/openmetrics-text;version=0.0.1;q=0.75,text/plain;version=0.0.4;q=0.5,*/*;q=0.1"
	acceptPrometheus3 = "application/vnd.google.protobuf;proto=io.prometheus.client.MetricFamily;encoding=delimited;q=0.6," +
		"application/openmetrics-text;version=1.0.0;q=0.5,text/plain;version=1.0.0;q=0.4,text/plain;version=0.0.4;q=0.3,*/*;q=0.2"
)

func TestHandlerNegotiatesFormatAndEncoding(t *testing.T) {
	t.Parallel()
	e, _, _, url := twoTargets(t, HandlerOpts{})
	want := textOf(t, gatherAll(t, e))
	parsed := map[string]bool{} // bodies already parsed: the OpenMetrics parser is slow
	for _, tc := range []struct {
		name, accept, encoding string
		openMetrics, gzipped   bool
	}{
		{"curl", "*/*", "", false, false},
		{"no headers", "", "", false, false},
		{"curl --compressed", "*/*", "deflate, gzip, br, zstd", false, true},
		{"text asked, gzip refused", "text/plain", "gzip;q=0, identity", false, false},
		{"Prometheus 2", acceptPrometheus2, "gzip", true, true},
		{"Prometheus 3, protobuf preferred", acceptPrometheus3, "gzip", true, true},
		{"OpenMetrics without gzip", "application/openmetrics-text", "", true, false},
		{"only protobuf: text fallback", "application/vnd.google.protobuf;proto=io.prometheus.client.MetricFamily;encoding=delimited", "gzip", false, true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			resp, body := scrape(t, url, tc.accept, tc.encoding)
			ct := expfmt.ResponseFormat(resp.Header)
			require.Equal(t, tc.gzipped, resp.Header.Get("Content-Encoding") == "gzip")
			require.Contains(t, resp.Header.Values("Vary"), "Accept-Encoding")
			requireContiguousFamilies(t, body)
			if tc.openMetrics {
				require.Equal(t, expfmt.TypeOpenMetrics, ct.FormatType(), resp.Header.Get("Content-Type"))
				require.True(t, strings.HasSuffix(body, "# EOF\n"))
			} else {
				require.Equal(t, expfmt.TypeTextPlain, ct.FormatType(), resp.Header.Get("Content-Type"))
				require.Contains(t, resp.Header.Get("Content-Type"), "version=0.0.4")
			}
			if !parsed[body] {
				require.Equal(t, want, textOf(t, decode(t, body, ct)), "the scrape shows exactly what the collector defines")
				parsed[body] = true
			}
		})
	}
}

// gatherAll gathers the Exporter as a plain collector: every family it
// defines, inventory included, built the slow way.
func gatherAll(t *testing.T, e *Exporter) []*dto.MetricFamily {
	t.Helper()
	reg := prometheus.NewPedanticRegistry()
	require.NoError(t, reg.Register(e))
	mfs, err := reg.Gather()
	require.NoError(t, err)
	return mfs
}

// decode parses a body in format ct into families sorted by name.
func decode(t *testing.T, body string, ct expfmt.Format) []*dto.MetricFamily {
	t.Helper()
	dec := expfmt.NewDecoder(strings.NewReader(body), ct)
	var mfs []*dto.MetricFamily
	for {
		mf := &dto.MetricFamily{}
		err := dec.Decode(mf)
		if err == io.EOF {
			break
		}
		require.NoError(t, err)
		mfs = append(mfs, mf)
	}
	slices.SortFunc(mfs, func(a, b *dto.MetricFamily) int { return strings.Compare(a.GetName(), b.GetName()) })
	return mfs
}

// textOf renders families in the text format, series sorted, so two
// sources compare by what a scraper would store.
func textOf(t *testing.T, mfs []*dto.MetricFamily) string {
	t.Helper()
	var buf bytes.Buffer
	for _, mf := range mfs {
		_, err := expfmt.MetricFamilyToText(&buf, mf)
		require.NoError(t, err)
	}
	lines := strings.Split(buf.String(), "\n")
	slices.Sort(lines)
	return strings.Join(lines, "\n")
}

// requireContiguousFamilies checks what the parsers let pass: each family's
// TYPE appears once, and its samples follow it with no other family between.
func requireContiguousFamilies(t *testing.T, body string) {
	t.Helper()
	typed := map[string]bool{}
	current := ""
	for _, line := range strings.Split(body, "\n") {
		switch {
		case line == "" || line == "# EOF" || strings.HasPrefix(line, "# HELP ") || strings.HasPrefix(line, "# UNIT "):
		case strings.HasPrefix(line, "# TYPE "):
			current = strings.Fields(line)[2]
			require.False(t, typed[current], "family %s typed twice", current)
			typed[current] = true
		default:
			name := line[:strings.IndexAny(line, "{ ")]
			require.True(t, strings.HasPrefix(name, current), "sample %q outside its family (in %s)", name, current)
		}
	}
	require.NotEmpty(t, typed)
}

func TestHandlerMergesTargetsAndDropsExpiredOnes(t *testing.T) {
	t.Parallel()
	_, _, clock, url := twoTargets(t, HandlerOpts{})
	_, body := scrape(t, url, "", "gzip")
	require.Equal(t, 1, strings.Count(body, "# TYPE hss_image_containers gauge"))
	require.Contains(t, body, `hss_image_containers{image_digest="sha256:aaa",image_name="nginx",image_version="1.25.3",target="prod"} 3`)
	require.Contains(t, body, `hss_image_containers{image_digest="sha256:aaa",image_name="nginx",image_version="1.25.3",target="staging"} 3`)
	require.Contains(t, body, `hss_container_info{`, "staging opted in to container_info")

	// staging's max_staleness is 10m, prod's 30m: past 10m, staging's
	// inventory leaves the bytes (container_info with it), its health stays.
	clock.Advance(11 * time.Minute)
	_, body = scrape(t, url, "", "gzip")
	requireContiguousFamilies(t, body)
	require.NotContains(t, body, `image_version="1.25.3",target="staging"}`)
	require.NotContains(t, body, "hss_container_info")
	require.Contains(t, body, `hss_image_containers{image_digest="sha256:aaa",image_name="nginx",image_version="1.25.3",target="prod"} 3`)
	require.Contains(t, body, `hss_up{target="staging"} 0`, "no answer for max_staleness: not up")
	require.Contains(t, body, `hss_up{target="prod"} 1`)

	clock.Advance(20 * time.Minute)
	_, body = scrape(t, url, "", "")
	require.NotContains(t, body, "hss_image_containers", "no target served: no inventory family, not even its HELP")
	require.Contains(t, body, `hss_up{target="prod"} 0`)
}

func TestHandlerSelfMetricsStayLive(t *testing.T) {
	t.Parallel()
	e, apis, _, url := twoTargets(t, HandlerOpts{})
	_, before := scrape(t, url, "", "gzip")
	require.Contains(t, before, `hss_exporter_refreshes_total{result="failure",target="prod"} 0`)

	// A failed refresh changes no cached byte, but its health shows at once.
	apis[0].set(func(f *fakeAPI) { f.imagesErr = errBoom })
	require.Error(t, refreshOnce(t, e, "prod"))
	_, after := scrape(t, url, "", "gzip")
	require.Contains(t, after, `hss_exporter_refreshes_total{result="failure",target="prod"} 1`)
	require.Contains(t, after, `hss_up{target="prod"} 0`)
	require.Equal(t, seriesOf(before, "hss_image_containers"), seriesOf(after, "hss_image_containers"))
}

// seriesOf returns the lines of family name in body.
func seriesOf(body, name string) []string {
	var out []string
	for _, line := range strings.Split(body, "\n") {
		if strings.HasPrefix(line, name+"{") || strings.HasPrefix(line, name+" ") {
			out = append(out, line)
		}
	}
	return out
}

func TestPromtoolAcceptsTheScrape(t *testing.T) {
	t.Parallel()
	promtool := testtool.Need(t, testtool.Promtool)
	_, _, _, url := twoTargets(t, HandlerOpts{})
	_, body := scrape(t, url, "", "gzip")
	cmd := exec.Command(promtool, "check", "metrics")
	cmd.Stdin = strings.NewReader(body)
	out, err := cmd.CombinedOutput()
	require.NoError(t, err, "promtool check metrics:\n%s", out)
}
