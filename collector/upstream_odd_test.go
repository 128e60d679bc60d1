package collector

import (
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/hss-exporter/hss_exporter/config"
	"github.com/hss-exporter/hss_exporter/hssclient"
	"github.com/hss-exporter/hss_exporter/hssclient/auth"
)

// oddImages is a ListImageLocal answer, written by hand because JSON
// encoders cannot produce it: container_num null or absent, an image name
// that is not UTF-8, a count of -1 and scan times in seconds and in ms.
const oddImages = `{"total_num": 5, "data_list": [
 {"image_name": "null-num", "image_version": "1", "image_digest": "sha256:a", "container_num": null},
 {"image_name": "absent-num", "image_version": "1", "image_digest": "sha256:b"},
 {"image_name": "bad` + "\xff" + `name", "image_version": "1", "image_digest": "sha256:c", "container_num": 1},
 {"image_name": "negative", "image_version": "1", "image_digest": "sha256:d", "container_num": 0,
  "vul_num": -1, "latest_scan_time": 1764000000},
 {"image_name": "millis", "image_version": "1", "image_digest": "sha256:e", "container_num": 0,
  "vul_num": 4, "latest_scan_time": 1764000000123}
]}`

// oddContainers answers a container query the way HSS matches it: by the
// raw name and version, or by digest.
func oddContainers(r *http.Request) string {
	q := r.URL.Query()
	byTag := map[string]int{"null-num/1": 2, "absent-num/1": 1, "bad\xffname/1": 1}
	byDigest := map[string]int{"sha256:a": 2, "sha256:b": 1, "sha256:c": 1}
	n := byTag[q.Get("image_name")+"/"+q.Get("image_version")]
	if d := q.Get("image_digest"); d != "" {
		n = byDigest[d]
	}
	if q.Get("offset") != "0" {
		n = 0
	}
	rows := make([]string, n)
	for i := range rows {
		rows[i] = fmt.Sprintf(`{"container_id": "%s-%d%s", "host_id": "h1"}`, q.Get("image_digest"), i, q.Get("image_name"))
	}
	return fmt.Sprintf(`{"total_num": %d, "data_list": [%s]}`, n, strings.Join(rows, ","))
}

// TestOddUpstreamValuesLoseNoContainer: what HSS may send beyond its
// documentation must not lose containers or export made-up numbers.
func TestOddUpstreamValuesLoseNoContainer(t *testing.T) {
	t.Parallel()
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		if strings.HasSuffix(r.URL.Path, "/image/local-repositories") {
			fmt.Fprint(w, oddImages)
			return
		}
		fmt.Fprint(w, oddContainers(r))
	}))
	t.Cleanup(srv.Close)
	transport := &http.Transport{}
	t.Cleanup(transport.CloseIdleConnections)
	client, err := hssclient.New(hssclient.Config{
		Region: "cn-north-4", ProjectID: "p", Endpoint: srv.URL, MaxRetries: -1,
		Auth:       auth.NewAKSK("AK", "SK", ""),
		HTTPClient: &http.Client{Transport: transport, Timeout: 5 * time.Second},
	})
	require.NoError(t, err)
	cfg := config.Target{Name: "odd", Images: config.Images{Discover: true}, Settings: config.Settings{PageSize: 50,
		MaxConcurrency: 2, RefreshInterval: time.Minute, MaxStaleness: 10 * time.Minute}}
	e := newClockedExporter(nil, nil, []Target{{Config: cfg, API: client, Posture: client, Credentials: client}}, nil, Options{})
	require.NoError(t, refreshOnce(t, e, "odd"))
	text := scrapeChecked(t, e)

	containers := func(name string) []string {
		return textSeries(text, "hss_image_containers", `image_name="`+name+`"`)
	}
	require.Equal(t, []string{`hss_image_containers{image_digest="sha256:a",image_name="null-num",image_version="1",target="odd"} 2`},
		containers("null-num"), "container_num null is unknown, not zero: the image is listed")
	require.Len(t, textSeries(text, "hss_image_containers", `image_name="absent-num"`, "} 1"), 1,
		"container_num absent is unknown too")
	require.Len(t, textSeries(text, "hss_image_containers", "image_name=\"bad\ufffdname\"", "} 1"), 1,
		"a name that arrived mangled is listed by its digest")
	require.Empty(t, textSeries(text, "hss_image_reported_containers", `image_name="null-num"`),
		"an unknown container_num is not exported as 0")
	require.Len(t, textSeries(text, "hss_host_containers", `host_id="h1"`, "} 4"), 1)

	require.Empty(t, textSeries(text, "hss_image_vulnerabilities", `image_name="negative"`), "-1 means unknown")
	require.Len(t, textSeries(text, "hss_image_vulnerabilities", `image_name="millis"`, "} 4"), 1)
	require.Len(t, textSeries(text, "hss_image_last_scan_timestamp_seconds", `image_name="negative"`, "} 1.764e+09"), 1,
		"a scan time in seconds is not read as 1970")
	require.Len(t, textSeries(text, "hss_image_last_scan_timestamp_seconds", `image_name="millis"`, "} 1.764000000123e+09"), 1)
}
