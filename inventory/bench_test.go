package inventory

// Benchmarks of publishing on the reference fleet of the README's
// Performance section (100,000 containers, 5,000 images, 3,000 hosts,
// 50,000 pods, container_info on), listed once through the real client
// from the stand-in server. Run them with
//
//	go test -run '^$' -bench 'Encode|FirstSweep|Republish' -benchmem ./inventory/
//
// They fail when a target of the design is missed.

import (
	"context"
	"net/http"
	"slices"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/hss-exporter/hss_exporter/config"
	"github.com/hss-exporter/hss_exporter/hssclient"
	"github.com/hss-exporter/hss_exporter/hssclient/auth"
	"github.com/hss-exporter/hss_exporter/internal/hssfake"
)

// referenceSource is the inventory of the reference fleet, discovered and
// listed once by its real loops, then stopped.
func referenceSource(b *testing.B) *Source {
	b.Helper()
	fleet := hssfake.Generate(hssfake.GenerateOptions{Seed: 1, Containers: 100_000, Images: 5_000, Hosts: 3_000, Pods: 50_000})
	srv, err := hssfake.Start(hssfake.DemoOptions(fleet))
	require.NoError(b, err)
	transport := &http.Transport{MaxIdleConnsPerHost: 64}
	b.Cleanup(func() {
		srv.Close()
		transport.CloseIdleConnections()
	})
	client, err := hssclient.New(hssclient.Config{
		Region: hssfake.DemoRegion, ProjectID: hssfake.DemoProjectID, Endpoint: srv.URL,
		Auth:       auth.NewAKSK(hssfake.DemoAccessKey, hssfake.DemoSecretKey, ""),
		HTTPClient: &http.Client{Transport: transport, Timeout: 30 * time.Second},
		PageSize:   200, MaxConcurrency: 8, MaxRetries: -1,
	})
	require.NoError(b, err)
	cfg := config.Target{Name: "demo", EnterpriseProjectID: hssfake.AllEnterpriseProjects, ContainerInfo: true,
		Settings: config.Settings{PageSize: 200, MaxConcurrency: 8, RefreshInterval: time.Hour, MaxStaleness: 2 * time.Hour}}
	cfg.Images.Discover = true
	src := New(Config{Target: cfg, API: client})
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() {
		defer close(done)
		src.Run(ctx)
	}()
	deadline := time.Now().Add(5 * time.Minute)
	for src.Status(time.Now()).FirstSweepAt.IsZero() || !src.Idle() {
		require.True(b, time.Now().Before(deadline), "the reference fleet was not listed within 5 minutes")
		time.Sleep(10 * time.Millisecond)
	}
	cancel()
	<-done
	src.Publish()
	return src
}

// BenchmarkEncode is one whole encode of the inventory: a publish with no
// unit kept from before, as after a restart.
func BenchmarkEncode(b *testing.B) {
	t := referenceSource(b)
	for b.Loop() {
		t.pub.units = newUnitCache()
		t.Publish()
	}
}

// firstSweep replays the first sweep of the source's fleet: discovery's facts
// published, then each image's listing landing one by one, in the
// scheduler's order, a listing every perCall × its pages of simulated
// time, with a publish whenever PublishInterval of it has passed and one
// at the end. It returns the time spent publishing and how many publishes.
func firstSweep(t *Source, perCall, interval time.Duration) (spent time.Duration, publishes int) {
	t.mu.Lock()
	type landed struct {
		img  *image
		rows []hssclient.Container
	}
	var sweep []landed
	for _, img := range t.cat.order {
		if img.ref.call {
			sweep = append(sweep, landed{img, img.rows})
			img.rows, img.listed, img.listedNum = nil, false, -1
			t.touchRows(img)
		}
	}
	t.mu.Unlock()
	var cost time.Duration
	publish := func() {
		start := time.Now()
		t.Publish()
		cost = time.Since(start)
		spent += cost
		publishes++
	}
	publish() // discovery's facts
	var clock, last time.Duration
	for _, l := range sweep {
		p := pick{img: l.img, query: l.img.ref.query, num: l.img.ref.reportedNum()}
		t.mu.Lock()
		l.img.busy = true
		t.mu.Unlock()
		t.land(p, listing{rows: l.rows, at: time.Now()}, false)
		clock += perCall * time.Duration(max(1, l.img.pages(200)))
		if clock-last >= publishDelay(interval, cost) {
			publish()
			last = clock
		}
	}
	publish()
	return spent, publishes
}

// BenchmarkFirstSweep publishes a first sweep of the reference fleet as
// its listings land one by one, at a budget of 100,000 calls a minute
// (0.6 ms a call) and at a latency-bound pace (50 ms a call on 8 slots),
// against one whole encode of the fleet. A sweep must spend at most 1.5
// times a whole encode at the raised budget: each publish re-encodes
// what landed since the last.
func BenchmarkFirstSweep(b *testing.B) {
	t := referenceSource(b)
	var whole, fast, slow time.Duration
	var fastN, slowN int
	for b.Loop() {
		t.pub.units = newUnitCache()
		start := time.Now()
		t.Publish()
		whole += time.Since(start)
		spent, n := firstSweep(t, 600*time.Microsecond, t.cfg.PublishInterval)
		fast, fastN = fast+spent, n
		spent, n = firstSweep(t, 50*time.Millisecond/8, t.cfg.PublishInterval)
		slow, slowN = slow+spent, n
	}
	b.ReportMetric(whole.Seconds()/float64(b.N), "s-whole-encode")
	b.ReportMetric(fast.Seconds()/float64(b.N), "s-sweep-raised")
	b.ReportMetric(float64(fastN), "publishes-raised")
	b.ReportMetric(slow.Seconds()/float64(b.N), "s-sweep-latency")
	b.ReportMetric(float64(slowN), "publishes-latency")
	if fast > whole*3/2 {
		b.Errorf("a sweep at a raised budget spent %s publishing, more than 1.5 times a whole encode (%s)", fast, whole)
	}
}

// BenchmarkRepublishOneImage publishes the reference fleet after one
// image's listing changed: what one landing costs.
func BenchmarkRepublishOneImage(b *testing.B) {
	t := referenceSource(b)
	t.Publish()
	var img *image
	for _, i := range t.cat.order {
		if i.ref.call && len(i.rows) > 1 {
			img = i
			break
		}
	}
	full := img.rows
	var took []time.Duration
	for n := 0; b.Loop(); n++ {
		rows := full
		if n%2 == 0 {
			rows = full[1:] // one container gone, then back
		}
		p := pick{img: img, query: img.ref.query, num: img.ref.reportedNum()}
		img.busy = true
		t.land(p, listing{rows: rows, at: time.Now()}, false)
		start := time.Now()
		t.Publish()
		took = append(took, time.Since(start))
	}
	slices.Sort(took)
	median := took[len(took)/2]
	b.ReportMetric(float64(median.Microseconds())/1000, "ms-median")
	if median > 200*time.Millisecond {
		b.Errorf("one changed image took %s to publish, want milliseconds", median)
	}
}
