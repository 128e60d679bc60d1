package metricshandler

import (
	"bytes"
	"compress/flate"
	"compress/gzip"
	"io"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"testing"

	"github.com/prometheus/client_golang/prometheus"
	dto "github.com/prometheus/client_model/go"
	"github.com/stretchr/testify/require"

	"github.com/hss-exporter/hss_exporter/internal/exposition"
)

// fixedPage is a cached page of given texts, one chunk each.
type fixedPage []exposition.Segment

func (p fixedPage) Segments() []exposition.Segment { return append([]exposition.Segment(nil), p...) }

func pageOf(t *testing.T, texts ...string) fixedPage {
	t.Helper()
	d := exposition.NewDeflater(flate.BestSpeed)
	var page fixedPage
	for _, text := range texts {
		c, err := d.Chunk(func(w io.Writer) error { _, err := io.WriteString(w, text); return err })
		require.NoError(t, err)
		page = append(page, exposition.NewSegment(c))
	}
	return page
}

// liveGauge is a registry of one live gauge, hss_live 1.
func liveGauge() *prometheus.Registry {
	reg := prometheus.NewRegistry()
	g := prometheus.NewGauge(prometheus.GaugeOpts{Name: "hss_live", Help: "A live gauge."})
	g.Set(1)
	reg.MustRegister(g)
	return reg
}

// get fetches url with encoding as Accept-Encoding, undecoded, and
// returns the response and its body as sent.
func get(t *testing.T, url, accept, encoding string) (*http.Response, []byte) {
	t.Helper()
	req, err := http.NewRequest(http.MethodGet, url, nil)
	require.NoError(t, err)
	req.Header.Set("Accept", accept)
	req.Header.Set("Accept-Encoding", encoding)
	resp, err := (&http.Client{Transport: &http.Transport{DisableCompression: true}}).Do(req)
	require.NoError(t, err)
	defer resp.Body.Close()
	raw, err := io.ReadAll(resp.Body)
	require.NoError(t, err)
	require.Equal(t, http.StatusOK, resp.StatusCode, string(raw))
	require.Equal(t, strconv.Itoa(len(raw)), resp.Header.Get("Content-Length"))
	return resp, raw
}

func TestHandlerServesTheCachedPageThenTheLiveFamilies(t *testing.T) {
	t.Parallel()
	cached := "# HELP hss_a A.\n# TYPE hss_a gauge\nhss_a{target=\"prod\"} 2\n"
	srv := httptest.NewServer(New(pageOf(t, cached), liveGauge(), Opts{}))
	defer srv.Close()
	live := "# HELP hss_live A live gauge.\n# TYPE hss_live gauge\nhss_live 1\n"

	resp, raw := get(t, srv.URL, "*/*", "identity")
	require.Empty(t, resp.Header.Get("Content-Encoding"))
	require.Contains(t, resp.Header.Get("Content-Type"), "version=0.0.4")
	require.Equal(t, cached+live, string(raw))

	resp, raw = get(t, srv.URL, "application/openmetrics-text;version=1.0.0", "gzip")
	require.Equal(t, "gzip", resp.Header.Get("Content-Encoding"))
	require.Contains(t, resp.Header.Get("Content-Type"), "application/openmetrics-text")
	zr, err := gzip.NewReader(bytes.NewReader(raw))
	require.NoError(t, err)
	zr.Multistream(false)
	body, err := io.ReadAll(zr)
	require.NoError(t, err)
	require.True(t, strings.HasPrefix(string(body), cached), "the cached page comes first")
	rest := strings.TrimPrefix(string(body), cached)
	require.True(t, strings.HasPrefix(rest, "# HELP hss_live A live gauge.\n"), "then the live part:\n%s", rest)
	require.True(t, strings.HasSuffix(rest, "# EOF\n"), "in OpenMetrics:\n%s", rest)
}

func TestHandlerAnswersHeadWithoutABody(t *testing.T) {
	t.Parallel()
	srv := httptest.NewServer(New(pageOf(t, "hss_a 1\n"), liveGauge(), Opts{}))
	defer srv.Close()
	resp, err := http.Head(srv.URL)
	require.NoError(t, err)
	resp.Body.Close()
	require.Equal(t, http.StatusOK, resp.StatusCode)
	require.NotEqual(t, "0", resp.Header.Get("Content-Length"))
}

// blockingGatherer holds every Gather until release closes.
type blockingGatherer struct {
	entered chan struct{}
	release chan struct{}
}

func (g blockingGatherer) Gather() ([]*dto.MetricFamily, error) {
	g.entered <- struct{}{}
	<-g.release
	return nil, nil
}

func TestHandlerAnswersExcessScrapesWith503(t *testing.T) {
	t.Parallel()
	g := blockingGatherer{entered: make(chan struct{}, 2), release: make(chan struct{})}
	srv := httptest.NewServer(New(fixedPage(nil), g, Opts{MaxRequestsInFlight: 1}))
	defer srv.Close()

	first := make(chan int, 1)
	go func() {
		resp, err := http.Get(srv.URL)
		if err != nil {
			first <- 0
			return
		}
		resp.Body.Close()
		first <- resp.StatusCode
	}()
	<-g.entered
	resp, err := http.Get(srv.URL)
	require.NoError(t, err)
	resp.Body.Close()
	require.Equal(t, http.StatusServiceUnavailable, resp.StatusCode, "the second scrape must not queue")
	close(g.release)
	require.Equal(t, http.StatusOK, <-first)
}
