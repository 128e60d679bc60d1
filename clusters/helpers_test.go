package clusters

import (
	"context"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	dto "github.com/prometheus/client_model/go"
	"github.com/prometheus/common/expfmt"
	"github.com/prometheus/common/model"
	"github.com/stretchr/testify/require"

	"github.com/hss-exporter/hss_exporter/collector"
	"github.com/hss-exporter/hss_exporter/config"
	"github.com/hss-exporter/hss_exporter/hssclient"
	"github.com/hss-exporter/hss_exporter/hssclient/auth"
	"github.com/hss-exporter/hss_exporter/hssclient/budget"
	"github.com/hss-exporter/hss_exporter/internal/hssfake"
	"github.com/hss-exporter/hss_exporter/internal/metricshandler"
)

// rig is a loopback stand-in read through the real client by the
// inventory (collector.Exporter) and the cluster source, both spending
// one budget, as wiring.go builds them.
type rig struct {
	srv    *hssfake.Server
	exp    *collector.Exporter
	set    *Set
	reg    *prometheus.Registry
	budget *budget.Budget
	tg     Target
	stop   func() // stops the loops and the stand-in; once, however often called
	// runInventory starts the inventory's loops, when rigOptions held
	// them back.
	runInventory func()
}

// rigOptions tune newRig; zero values are the defaults.
type rigOptions struct {
	perMinute float64 // the budget; default 600
	rateLimit int     // the stand-in's calls per API a minute; 0: none
	interval  time.Duration
	now       func() time.Time
	noRun     bool          // the inventory runs, the test drives the cluster sweeps itself
	minute    time.Duration // the budget's window; default a minute
	// inventoryLater holds the inventory's loops back until runInventory.
	inventoryLater bool
}

func testTarget(interval time.Duration) config.Target {
	cfg := config.Target{Name: "demo", Images: config.Images{Discover: true}}
	cfg.Settings = config.Settings{RefreshInterval: interval, MaxStaleness: time.Hour}.WithDefaults()
	return cfg
}

func newRig(t testing.TB, fleet *hssfake.Fleet, o rigOptions) *rig {
	t.Helper()
	if o.perMinute == 0 {
		o.perMinute = 600
	}
	if o.interval == 0 {
		o.interval = 200 * time.Millisecond
	}
	opts := hssfake.DemoOptions(fleet)
	opts.RateLimit = hssfake.RateLimit{Default: o.rateLimit}
	srv, err := hssfake.Start(opts)
	require.NoError(t, err)
	budget := budget.NewBudgets(budget.Options{Minute: o.minute}).For(hssfake.DemoAccessKey, o.perMinute)
	transport := &http.Transport{}
	cfg := testTarget(o.interval)
	client, err := hssclient.New(hssclient.Config{
		Region: hssfake.DemoRegion, ProjectID: hssfake.DemoProjectID, Endpoint: srv.URL,
		Auth:       auth.NewAKSK(hssfake.DemoAccessKey, hssfake.DemoSecretKey, ""),
		HTTPClient: &http.Client{Transport: transport, Timeout: 10 * time.Second},
		PageSize:   cfg.PageSize, MaxConcurrency: cfg.MaxConcurrency, MaxRetries: -1, Budget: budget,
	})
	require.NoError(t, err)
	r := &rig{srv: srv, budget: budget, tg: Target{Config: cfg, API: client, Pacer: budget}}
	r.exp = collector.NewExporter(nil, []collector.Target{{Config: cfg, API: client, Pacer: budget}},
		collector.NewAPIStats(), collector.Options{})
	r.set = New(Options{Images: r.exp.ContainerImages, Now: o.now}, []Target{r.tg})
	r.reg = prometheus.NewPedanticRegistry()
	r.reg.MustRegister(r.exp.Self(), r.set)
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{}, 2)
	inventory := make(chan struct{})
	r.runInventory = sync.OnceFunc(func() { close(inventory) })
	if !o.inventoryLater {
		r.runInventory()
	}
	go func() {
		select {
		case <-inventory:
			r.exp.Run(ctx)
		case <-ctx.Done():
		}
		done <- struct{}{}
	}()
	go func() {
		if !o.noRun {
			r.set.Run(ctx)
		}
		done <- struct{}{}
	}()
	r.stop = sync.OnceFunc(func() {
		cancel()
		<-done
		<-done
		transport.CloseIdleConnections()
		srv.Close()
	})
	t.Cleanup(r.stop)
	return r
}

// inventoryExact reports whether the inventory names the image of every
// pod container the stand-in lists.
func (r *rig) inventoryExact(truth hssfake.ClusterTruth) bool {
	images := r.exp.ContainerImages("demo")
	for id := range truth.ByContainer {
		if _, ok := images[id]; !ok {
			return false
		}
	}
	return true
}

// series are the cluster series gathered, keyed as the stand-in's truth.
type series struct {
	states   map[hssfake.ClusterStateKey]int
	images   map[hssfake.ClusterImageKey]int
	restarts map[string]int
	risky    map[hssfake.ClusterSeverityKey]int
	places   map[string]hssfake.ContainerCluster
	up       float64
	other    map[string]float64 // every other family: its sum
}

// gather reads the cluster series as a scraper does: through the real
// metrics handler, the cluster part of the page encoded at each sweep,
// the health series gathered live.
func (r *rig) gather(t *testing.T) series {
	t.Helper()
	fams := r.scrape(t, "")
	s := series{states: map[hssfake.ClusterStateKey]int{}, images: map[hssfake.ClusterImageKey]int{},
		restarts: map[string]int{}, risky: map[hssfake.ClusterSeverityKey]int{},
		places: map[string]hssfake.ContainerCluster{}, up: -1, other: map[string]float64{}}
	for _, f := range fams {
		for _, m := range f.GetMetric() {
			l, v := labelsOf(m), m.GetGauge().GetValue()
			switch f.GetName() {
			case "hss_cluster_containers":
				s.states[hssfake.ClusterStateKey{Cluster: hssfake.Cluster{Name: l["cluster_name"], ID: l["cluster_id"],
					Type: l["cluster_type"]}, Status: l["status"]}] = int(v)
			case "hss_cluster_image_containers":
				s.images[hssfake.ClusterImageKey{ClusterName: l["cluster_name"], ImageName: l["image_name"],
					ImageVersion: l["image_version"]}] = int(v)
			case "hss_cluster_container_restarts":
				s.restarts[l["cluster_name"]] = int(v)
			case "hss_cluster_risky_containers":
				s.risky[hssfake.ClusterSeverityKey{ClusterName: l["cluster_name"], Severity: l["severity"]}] = int(v)
			case "hss_container_cluster_info":
				s.places[l["container_id"]] = hssfake.ContainerCluster{ClusterName: l["cluster_name"], Status: l["status"]}
			case "hss_clusters_up":
				s.up = v
			default:
				s.other[f.GetName()+labelString(l)] += v + m.GetCounter().GetValue()
			}
		}
	}
	return s
}

// handler is /metrics as the exporter serves it.
func (r *rig) handler() http.Handler {
	return r.exp.Handler(r.reg, collector.HandlerOpts{Also: []metricshandler.Cached{r.set}})
}

// scrape parses the text page the handler serves for accept ("": text).
func (r *rig) scrape(t *testing.T, accept string) map[string]*dto.MetricFamily {
	t.Helper()
	body := r.page(t, accept)
	parser := expfmt.NewTextParser(model.UTF8Validation)
	fams, err := parser.TextToMetricFamilies(strings.NewReader(body))
	require.NoError(t, err)
	return fams
}

// page is the body the handler serves for accept ("": text).
func (r *rig) page(t *testing.T, accept string) string {
	t.Helper()
	rec := httptest.NewRecorder()
	req := httptest.NewRequest(http.MethodGet, "/metrics", nil)
	if accept != "" {
		req.Header.Set("Accept", accept)
	}
	r.handler().ServeHTTP(rec, req)
	require.Equal(t, http.StatusOK, rec.Code)
	return rec.Body.String()
}

func labelsOf(m *dto.Metric) map[string]string {
	out := map[string]string{}
	for _, p := range m.GetLabel() {
		out[p.GetName()] = p.GetValue()
	}
	return out
}

func labelString(l map[string]string) string {
	if op, ok := l["operation"]; ok {
		return "{operation=" + op + "}"
	}
	return ""
}

// matches reports whether every cluster series equals truth.
func (s series) matches(truth hssfake.ClusterTruth) bool {
	return equalMaps(s.states, truth.States) && equalMaps(s.images, truth.Images) &&
		equalMaps(s.restarts, truth.Restarts) && equalMaps(s.risky, truth.Risky)
}

func equalMaps[K comparable, V comparable](a, b map[K]V) bool {
	if len(a) != len(b) {
		return false
	}
	for k, v := range a {
		if w, ok := b[k]; !ok || w != v {
			return false
		}
	}
	return true
}
