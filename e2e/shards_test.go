package e2e

import (
	"fmt"
	"maps"
	"math/rand"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/hss-exporter/hss_exporter/dashboards"
	"github.com/hss-exporter/hss_exporter/internal/hssfake"
	"github.com/hss-exporter/hss_exporter/internal/testtool"
)

// The two Prometheus jobs of the sharding test: two shards, shard 0 run
// twice (an HA pair), and one unsharded exporter over the same API.
const (
	shardedJob = "hss_sharded"
	singleJob  = "hss_single"
)

// shardConfig is the exporters' configuration; %s are the stand-in's
// region, project, URL, access key and secret key.
const shardConfig = `
global:
  refresh_interval: 10s
  request_timeout: 5s
  max_staleness: 2m
  requests_per_second: 50
  api_calls_per_minute: 60000
targets:
  - name: e2e
    region: %s
    project_id: %s
    endpoint: %s
    enterprise_project_id: all_granted_eps
    auth:
      access_key: %s
      secret_key: %s
    images:
      discover: true
    container_info: true
`

// shardStack is the stand-in API, the exporters and Prometheus.
type shardStack struct {
	api  *hssfake.Server
	prom promAPI
}

// requireShardFlags fails, rather than skips, when the exporter has no
// sharding flags: the test must not pass without sharding to test.
func requireShardFlags(t *testing.T, bin string) {
	t.Helper()
	out, _ := exec.Command(bin, "--help").CombinedOutput()
	for _, flag := range []string{"--shard=", "--total-shards=", "shard.from-pod-name"} {
		if !strings.Contains(string(out), flag) {
			t.Fatalf("exporter lacks --shard: %s is not in hss_exporter --help", flag)
		}
	}
}

// startShardStack starts a stand-in HSS API whose fleet changes only when
// the test churns it, so every exporter converges on the same state; then
// four exporters over it and Prometheus scraping them in two jobs.
func startShardStack(t *testing.T) *shardStack {
	prometheus := testtool.Need(t, testtool.Prometheus)
	bin := buildExporter(t)
	requireShardFlags(t, bin)
	dir := t.TempDir()

	fleet := hssfake.Generate(hssfake.GenerateOptions{Seed: 7, Containers: 600})
	api, err := hssfake.Start(hssfake.DemoOptions(fleet))
	require.NoError(t, err)
	t.Cleanup(api.Close)
	cfg := filepath.Join(dir, "hss.yml")
	require.NoError(t, os.WriteFile(cfg, fmt.Appendf(nil, shardConfig, hssfake.DemoRegion, hssfake.DemoProjectID,
		api.URL, hssfake.DemoAccessKey, hssfake.DemoSecretKey), 0o600))

	var sharded []string
	for i, shard := range []string{"0", "0", "1"} {
		addr := startProcess(t, fmt.Sprintf("shard-%s-%d", shard, i), bin, "--config.file="+cfg,
			"--web.listen-address="+anyPort, "--shard="+shard, "--total-shards=2").listenAddress(t)
		sharded = append(sharded, fmt.Sprintf("      - targets: ['%s']\n        labels: {shard: '%s'}\n", addr, shard))
	}
	single := startProcess(t, "single", bin, "--config.file="+cfg, "--web.listen-address="+anyPort).listenAddress(t)

	promConfig := fmt.Sprintf(`global:
  scrape_interval: 1s
  scrape_timeout: 1s
  evaluation_interval: 1s
rule_files: [%q]
scrape_configs:
  - job_name: %s
    static_configs:
%s  - job_name: %s
    static_configs:
      - targets: ['%s']
`, mustAbs(t, "../deploy/prometheus/alerts.yml"), shardedJob, strings.Join(sharded, ""), singleJob, single)
	require.NoError(t, os.WriteFile(filepath.Join(dir, "prometheus.yml"), []byte(promConfig), 0o644))
	promAddr := startProcess(t, "prometheus", prometheus,
		"--config.file="+filepath.Join(dir, "prometheus.yml"),
		"--storage.tsdb.path="+filepath.Join(dir, "prometheus-data"),
		"--web.listen-address="+anyPort).listenAddress(t)
	s := &shardStack{api: api, prom: promAPI{base: "http://" + promAddr}}
	eventually(t, "prometheus ready", func() error { return httpOK(s.prom.base + "/-/ready") })
	eventually(t, "four exporters scraped, each refreshed", func() error {
		v, err := s.prom.scalar(`count(hss_up{target="e2e"} == 1)`)
		if err == nil && v != 4 {
			err = fmt.Errorf("%v of 4 exporters refreshed", v)
		}
		return err
	})
	return s
}

func mustAbs(t *testing.T, path string) string {
	t.Helper()
	abs, err := filepath.Abs(path)
	require.NoError(t, err)
	return abs
}

// seriesRE finds the series names of a query, to scope them to one job.
var seriesRE = regexp.MustCompile(`\b(hss_[a-z_]+)\b(\{?)`)

// inJob scopes every series of a query to one job.
func inJob(expr, job string) string {
	return seriesRE.ReplaceAllStringFunc(expr, func(m string) string {
		if strings.HasSuffix(m, "{") {
			return m + fmt.Sprintf("job=%q,", job)
		}
		return m + fmt.Sprintf("{job=%q}", job)
	})
}

// TestShardsAddUp runs two shards, one of them twice (an HA pair), and an
// unsharded exporter over one stand-in API with the real Prometheus, and
// checks that every inventory panel of the dashboard answers the same for
// the shards as for the single exporter, before and after the fleet
// changes, and that the shard alerts stay silent.
func TestShardsAddUp(t *testing.T) {
	if testing.Short() {
		t.Skip("end-to-end test: skipped with -short")
	}
	t.Parallel()
	s := startShardStack(t)
	t.Run("the shards split the images", func(t *testing.T) { checkSplit(t, s.prom) })
	t.Run("dashboard over the shards equals the single exporter", func(t *testing.T) { compareJobs(t, s) })
	t.Run("and again after the fleet changed", func(t *testing.T) {
		added, removed := s.api.Churn(rand.New(rand.NewSource(1)), 30)
		require.NotZero(t, added+removed)
		compareJobs(t, s)
	})
	t.Run("no shard alert, not even pending", func(t *testing.T) {
		samples, err := s.prom.query(`ALERTS{alertname=~"HSSExporterShard.*"}`)
		require.NoError(t, err)
		require.Empty(t, samples)
		v, err := s.prom.scalar(`count(count_values("ordinal", hss_exporter_shard_ordinal{job="` + shardedJob + `"}))`)
		require.NoError(t, err)
		require.Equal(t, 2.0, v, "two distinct shards report")
	})
}

// checkSplit checks the shard self-metrics: both shards own images, and
// together they own what the single exporter owns, each image once.
func checkSplit(t *testing.T, p promAPI) {
	for expr, want := range map[string]float64{
		`max(hss_exporter_total_shards{job="` + shardedJob + `"})`:                              2,
		`max(hss_exporter_total_shards{job="` + singleJob + `"})`:                               1,
		`count(max by (shard) (hss_exporter_shard_images_owned{job="` + shardedJob + `"}) > 0)`: 2,
		`sum(max by (shard) (hss_exporter_shard_images_owned{job="` + shardedJob + `"}))
		  - max(hss_exporter_shard_images_owned{job="` + singleJob + `"})`: 0,
	} {
		v, err := p.scalar(expr)
		require.NoError(t, err, expr)
		require.Equal(t, want, v, expr)
	}
}

// compareJobs waits until the shards and the single exporter have all
// refreshed from the fleet the API serves now, then runs every instant
// query of the inventory dashboard for both jobs at the same instant: the
// answers must be equal. Queries over a range (churn) depend on when each
// exporter refreshed, so they are only required to run.
func compareJobs(t *testing.T, s *shardStack) {
	truth, err := demoTruth(s.api.URL)
	require.NoError(t, err)
	var containers float64
	for _, n := range truth.images {
		containers += n
	}
	const total = `sum(max by (target, image_name, image_version, image_digest, shard) (hss_image_containers))`
	eventually(t, "every exporter holds the fleet the API serves", func() error {
		for _, job := range []string{shardedJob, singleJob} {
			if v, err := s.prom.scalar(inJob(total, job)); err != nil || v != containers {
				return fmt.Errorf("%s: %v containers (%v), want %v", job, v, err, containers)
			}
		}
		return nil
	})
	naive, err := s.prom.scalar(`sum(hss_image_containers{job="` + shardedJob + `"})`)
	require.NoError(t, err)
	require.Greater(t, naive, containers, "the HA pair is scraped: a plain sum counts shard 0 twice")

	data, err := os.ReadFile("../dashboards/hss-inventory.json")
	require.NoError(t, err)
	queries, err := dashboards.Queries(data)
	require.NoError(t, err)
	eventually(t, "the dashboard answers the same for both jobs", func() error {
		return sameAnswers(s.prom, queries)
	})
}

// sameAnswers runs each dashboard query for both jobs at one instant and
// returns the first difference.
func sameAnswers(p promAPI, queries []dashboards.Query) error {
	at := strconv.FormatInt(time.Now().Unix(), 10)
	nonEmpty := 0
	for _, q := range queries {
		if strings.HasPrefix(q.Where, "variable ") {
			continue // label_values: names, not counts
		}
		expr := dashboards.Substitute(q.Expr, "1m")
		var answers [2]string
		for i, job := range []string{shardedJob, singleJob} {
			samples, err := p.queryAt(inJob(expr, job), at)
			if err != nil {
				return fmt.Errorf("%s: %w", q.Where, err)
			}
			answers[i] = canonical(samples, strings.HasPrefix(expr, "topk("))
		}
		if strings.Contains(expr, "[") {
			continue // a range: depends on when each exporter refreshed
		}
		if answers[0] != answers[1] {
			return fmt.Errorf("%s differs:\nshards: %s\nsingle: %s", q.Where, answers[0], answers[1])
		}
		if answers[0] != "" {
			nonEmpty++
		}
	}
	if nonEmpty < 15 {
		return fmt.Errorf("only %d queries returned data", nonEmpty)
	}
	return nil
}

// canonical writes samples in a stable order. For topk only the values
// count: ties at the cut may pick different series in each job.
func canonical(samples []sample, valuesOnly bool) string {
	lines := make([]string, 0, len(samples))
	for _, s := range samples {
		if valuesOnly {
			lines = append(lines, strconv.FormatFloat(s.Value, 'g', -1, 64))
			continue
		}
		keys := slices.Sorted(maps.Keys(s.Metric))
		var b strings.Builder
		for _, k := range keys {
			fmt.Fprintf(&b, "%s=%q,", k, s.Metric[k])
		}
		fmt.Fprintf(&b, " %v", s.Value)
		lines = append(lines, b.String())
	}
	slices.Sort(lines)
	return strings.Join(lines, "\n")
}
