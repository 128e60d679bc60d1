package statuspage

import (
	"encoding/json"
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/hss-exporter/hss_exporter/collector"
	"github.com/hss-exporter/hss_exporter/internal/hssfake"
	"github.com/hss-exporter/hss_exporter/shard"
)

func TestStatusPageShowsUpstreamStringsAsTextAndNoSecrets(t *testing.T) {
	t.Parallel()
	env := newStatusEnv(t)
	require.NoError(t, env.refresh())
	resp, page := env.get(t, "/status")
	require.Equal(t, http.StatusOK, resp.StatusCode)
	require.Equal(t, "text/html; charset=utf-8", resp.Header.Get("Content-Type"))
	require.Contains(t, resp.Header.Get("Content-Security-Policy"), "default-src 'none'")

	require.Contains(t, page, "&lt;script&gt;alert(&#34;hss&#34;)&lt;/script&gt;")
	require.Contains(t, page, "1&#34;&gt;&lt;img src=x onerror=alert(2)&gt;")
	require.NotContains(t, strings.ToLower(page), "<script", "the page has no script, and upstream cannot add one")
	require.NotContains(t, page, "<img")
	_, js := env.get(t, "/api/v1/status")
	require.Contains(t, js, `"name": "<script>alert(\"hss\")</script>"`, "JSON carries the name as data")
	for _, secret := range []string{entryPointSecret, hssfake.DemoSecretKey, "entry_point", "app --password"} {
		require.NotContains(t, page, secret)
		require.NotContains(t, js, secret)
	}
}

func TestStatusJSONHasTheFactsAndLinksEachImage(t *testing.T) {
	t.Parallel()
	env := newStatusEnv(t)
	r := env.status(t)
	require.Equal(t, collector.HealthPending, r.Targets[0].Health)
	require.Nil(t, r.Targets[0].LastRefresh)
	require.Nil(t, r.Targets[0].DataAgeSeconds)

	require.NoError(t, env.refresh())
	env.clock.Advance(30 * time.Second)
	r = env.status(t)
	require.Equal(t, 0, r.Shard, "not sharded: shard 0 of 1")
	require.Equal(t, 1, r.TotalShards)
	tr := r.Targets[0]
	require.Equal(t, 3, tr.ImagesOwned, "not sharded: owns every image")
	require.Equal(t, 3, tr.ImagesDiscovered)
	require.Equal(t, collector.HealthHealthy, tr.Health)
	require.Equal(t, CountsReport{Images: 3, Containers: 4, Hosts: 2, Pods: 3}, tr.Counts)
	require.Equal(t, collector.ResultSuccess, tr.LastRefresh.Result)
	require.InDelta(t, 30, *tr.DataAgeSeconds, 0.001)
	require.Equal(t, 300.0, tr.MaxStalenessSeconds)
	require.Equal(t, 60.0, tr.RefreshIntervalSeconds)
	// A cycle's requests show once the next discovery begins, and count
	// the posture reads made meanwhile: the posture loop ticks with
	// discovery, so a pass's read may land on either side of the cycle's
	// start.
	posture := env.srv.RequestsFor(hssfake.OpListContainerNodes) + env.srv.RequestsFor(hssfake.OpShowEventSeverity) +
		env.srv.RequestsFor(hssfake.OpShowResourceQuotas)
	defer func() {
		require.NoError(t, env.refresh())
		got := env.status(t).Targets[0].LastRefresh.Requests
		require.GreaterOrEqual(t, got, uint64(3), "one discovery page and one listing per image with containers")
		require.LessOrEqual(t, got, uint64(3+2*posture), "and no more than the posture reads beside them")
	}()

	require.Len(t, tr.TopImages, 2, "the image without containers is not a top image")
	require.Equal(t, "swr.cn-north-4.myhuaweicloud.com/shop/web", tr.TopImages[0].Name)
	require.Equal(t, 3, tr.TopImages[0].Containers)
	require.Equal(t, "Medium", tr.TopImages[0].Severity)
	require.Equal(t, int64(12), tr.TopImages[0].Vulnerabilities)
	require.Len(t, tr.PublicImages, 1)
	require.Equal(t, hostileName, tr.PublicImages[0].Name)
	require.Equal(t, 1, tr.PublicImagesTotal)

	resp, body := env.get(t, tr.PublicImages[0].DetailsURL)
	require.Equal(t, http.StatusOK, resp.StatusCode, body)
	var img ImageReport
	require.NoError(t, json.Unmarshal([]byte(body), &img))
	require.Equal(t, tr.PublicImages[0], img)
	resp, _ = env.get(t, imageURL("prod", "nope", "1", ""))
	require.Equal(t, http.StatusNotFound, resp.StatusCode)
	resp, _ = env.get(t, imageURL("nope", "redis", "7.2", ""))
	require.Equal(t, http.StatusNotFound, resp.StatusCode)
}

func TestStatusPageTellsFailureAndStaleness(t *testing.T) {
	t.Parallel()
	env := newStatusEnv(t)
	require.NoError(t, env.refresh())
	env.srv.SetFaults(hssfake.Faults{Rules: []hssfake.Fault{{Kind: hssfake.FaultStatus, Status: http.StatusServiceUnavailable}}})
	steps := []struct {
		name       string
		advance    time.Duration
		health     collector.Health
		containers int
		page       []string
	}{
		{"failing while data is young", time.Minute, collector.HealthFailing, 4,
			[]string{"Failing: the last refresh failed", "HTTP 503", "server error", "data from 1m ago", "of <span data-k=\"max_staleness\">5m</span> allowed"}},
		{"stale after max_staleness", 5 * time.Minute, collector.HealthStale, 0,
			[]string{"Stale: no good refresh for 6m", "longer than max_staleness (5m)", "HTTP 503", "No image with containers"}},
	}
	for _, step := range steps {
		t.Run(step.name, func(t *testing.T) {
			env.clock.Advance(step.advance)
			require.Error(t, env.refresh())
			tr := env.status(t).Targets[0]
			require.Equal(t, step.health, tr.Health)
			require.Equal(t, collector.ResultFailure, tr.LastRefresh.Result)
			require.Contains(t, tr.LastRefresh.Error, "HTTP 503")
			require.Equal(t, step.containers, tr.Counts.Containers)
			_, page := env.get(t, "/status")
			for _, want := range step.page {
				require.Contains(t, page, want)
			}
		})
	}
	env.srv.ClearFaults()
	require.NoError(t, env.refresh())
	// A discovery's result counts the listings before it, which failed.
	require.NoError(t, env.refresh())
	require.Equal(t, collector.HealthHealthy, env.status(t).Targets[0].Health, "recovers with the next good refresh")
}

// TestStatusShowsShardOwnership: two shards of the status fleet each say
// which shard they are and how many of the images they own, on the page
// and in the JSON, and their counts add up to the whole fleet.
func TestStatusShowsShardOwnership(t *testing.T) {
	t.Parallel()
	owned, containers := 0, 0
	for i := range 2 {
		env := newStatusEnv(t, shard.Spec{Index: i, Total: 2})
		require.NoError(t, env.refresh())
		r := env.status(t)
		require.Equal(t, i, r.Shard)
		require.Equal(t, 2, r.TotalShards)
		tr := r.Targets[0]
		require.Equal(t, 3, tr.ImagesDiscovered, "every shard sees the whole discovery")
		require.Equal(t, tr.Counts.Images, tr.ImagesOwned)
		owned += tr.ImagesOwned
		containers += tr.Counts.Containers

		resp, page := env.get(t, "/status")
		require.Equal(t, http.StatusOK, resp.StatusCode)
		require.Contains(t, page, fmt.Sprintf(`<span data-k="shard_of">shard %d of 2</span>`, i))
		require.Contains(t, page, fmt.Sprintf(`shard %d of 2: owns <span data-k="images_owned">%d</span> of <span data-k="images_discovered">3</span> images`,
			i, tr.ImagesOwned))
	}
	require.Equal(t, 3, owned, "each image is owned by one shard")
	require.Equal(t, 4, containers, "each container is counted by one shard")
}

func TestStatusPageHidesShardsWhenNotSharded(t *testing.T) {
	t.Parallel()
	env := newStatusEnv(t)
	require.NoError(t, env.refresh())
	_, page := env.get(t, "/status")
	require.NotContains(t, page, "images_owned")
	require.NotContains(t, page, "shard_of")
}

// TestStatusRoutesAnswerWrongMethodsAndQueries: a wrong method gets 405
// with Allow (it used to fall through to the landing page's 404), and an
// /api/v1/image query without a target, with a parameter twice, or that
// does not parse, is the caller's mistake (400, naming the problem), not a
// missing image.
func TestStatusRoutesAnswerWrongMethodsAndQueries(t *testing.T) {
	t.Parallel()
	env := newStatusEnv(t)
	require.NoError(t, env.refresh())
	for _, path := range []string{"/status", "/api/v1/status", "/api/v1/image?target=prod"} {
		resp, err := http.Post(env.base+path, "text/plain", strings.NewReader("x"))
		require.NoError(t, err)
		resp.Body.Close()
		require.Equal(t, http.StatusMethodNotAllowed, resp.StatusCode, path)
		require.Equal(t, "GET, HEAD", resp.Header.Get("Allow"), path)
		resp, err = http.Head(env.base + path)
		require.NoError(t, err)
		resp.Body.Close()
		require.NotEqual(t, http.StatusMethodNotAllowed, resp.StatusCode, "HEAD %s", path)
	}
	cases := []struct {
		query string
		code  int
		want  string
	}{
		{"", http.StatusBadRequest, "parameter target is required"},
		{"target=&name=x", http.StatusBadRequest, "parameter target is required"},
		{"target=prod&target=other&name=x", http.StatusBadRequest, "parameter target is given more than once"},
		{"target=prod&name=a&name=b", http.StatusBadRequest, "parameter name is given more than once"},
		{"target=nope&name=x", http.StatusNotFound, "no such target"},
		{"target=prod&name=nope", http.StatusNotFound, "no such image"},
		{"target=prod&name=%zz", http.StatusBadRequest, `the query cannot be parsed: invalid URL escape "%zz"`},
		{"target=prod;name=x", http.StatusBadRequest, "the query cannot be parsed: invalid semicolon separator"},
		{"target=prod" + strings.Repeat("&x=1", 9999), http.StatusBadRequest, "the query cannot be parsed: 10000 parameters"},
		{"target=prod" + strings.Repeat("&x=1", 20), http.StatusBadRequest, "the query cannot be parsed: 21 parameters"},
	}
	for _, c := range cases {
		resp, body := env.get(t, "/api/v1/image?"+c.query)
		require.Equal(t, c.code, resp.StatusCode, c.query)
		var got map[string]string
		require.NoError(t, json.Unmarshal([]byte(body), &got), body)
		require.Contains(t, got["error"], c.want, c.query)
	}
}
