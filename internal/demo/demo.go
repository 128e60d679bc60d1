// Package demo runs the exporter's built-in stand-in HSS API (--demo): a
// generated fleet that churns, served under the documented call limit, and
// the configuration that points the exporter at it.
package demo

import (
	"context"
	"fmt"
	"math/rand"
	"time"

	"github.com/go-kit/log"
	"github.com/go-kit/log/level"

	"github.com/hss-exporter/hss_exporter/config"
	"github.com/hss-exporter/hss_exporter/internal/flagerr"
	"github.com/hss-exporter/hss_exporter/internal/hssfake"
)

// Demo fleet and pace: big enough to look real, small enough to refresh in
// well under a second, and changing often enough to see churn in a graph.
const (
	// Containers is how many containers the demo fleet starts with, and
	// Images on how many images they run.
	Containers = 1000
	Images     = Containers / 25 // with --demo.hostile, the hostile image among them
	// Every ChurnInterval, ChurnPerTick containers come or go.
	ChurnInterval = 10 * time.Second
	ChurnPerTick  = 15
)

// HostileImageName is the name of the image --demo.hostile adds, which a
// page would run as script if it forgot to escape upstream strings. HSS
// reports whatever a registry holds, so the demo can show the status page
// coping with it; the browser test checks it is shown as text. It is off
// by default: a first look at the demo shows names a fleet really has.
const (
	HostileImageName      = `<script>alert("hss")</script>`
	demoHostileContainers = 3
)

// demoConfig is the configuration --demo runs with; %s is the stand-in
// server's URL. It goes through the same loader as a user's file.
const demoConfig = `
global:
  refresh_interval: 15s
  request_timeout: 10s
  max_staleness: 2m
  requests_per_second: 50
  api_calls_per_minute: %g
targets:
  - name: demo
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

// Options are the demo's settings.
type Options struct {
	// ListenAddress is where the stand-in HSS API listens (--demo.listen-address).
	ListenAddress string
	// CallsPerMinute is the stand-in's limit of calls of each API a minute,
	// and the exporter's api_calls_per_minute (--demo.api-calls-per-minute).
	CallsPerMinute float64
	// Hostile adds the image named HostileImageName (--demo.hostile).
	Hostile bool
	Logger  log.Logger
}

// Start starts the stand-in HSS API with a generated fleet that churns
// until ctx ends, and returns a configuration pointing at it, and what to
// call to stop it. The stand-in enforces CallsPerMinute as HSS enforces
// its limit, and the exporter is given the same budget.
func Start(ctx context.Context, o Options) (*config.Config, func(), error) {
	listen, callsPerMinute, logger := o.ListenAddress, o.CallsPerMinute, o.Logger
	if !(callsPerMinute >= 1) {
		return nil, nil, flagerr.New("demo.api-calls-per-minute", callsPerMinute, "must be at least 1")
	}
	fleet := demoFleet(o.Hostile)
	opts := hssfake.DemoOptions(fleet)
	opts.ListenAddress = listen
	opts.RateLimit = hssfake.RateLimit{Default: int(callsPerMinute)}
	srv, err := hssfake.Start(opts)
	if err != nil {
		return nil, nil, fmt.Errorf("starting the demo HSS API on %s: %w", listen, err)
	}
	level.Info(logger).Log("msg", "demo: stand-in HSS API started; its credentials are in the README",
		"url", srv.URL, "project_id", hssfake.DemoProjectID, "region", hssfake.DemoRegion, "containers", Containers,
		"api_calls_per_minute", int(callsPerMinute))
	text := fmt.Sprintf(demoConfig, float64(int(callsPerMinute)), hssfake.DemoRegion, hssfake.DemoProjectID, srv.URL,
		hssfake.DemoAccessKey, hssfake.DemoSecretKey)
	cfg, err := config.Parse([]byte(text), ".")
	if err != nil {
		srv.Close()
		return nil, nil, fmt.Errorf("demo configuration: %w", err)
	}
	churnCtx, stopChurn := context.WithCancel(ctx)
	churnDone := make(chan struct{})
	go func() {
		defer close(churnDone)
		churn(churnCtx, srv)
	}()
	return cfg, func() { stopChurn(); <-churnDone; srv.Close() }, nil
}

// demoFleet generates the demo's Containers containers on its Images
// images; with hostile, the hostile image is one of them.
func demoFleet(hostile bool) *hssfake.Fleet {
	seed := time.Now().UnixNano()
	if !hostile {
		return hssfake.Generate(hssfake.GenerateOptions{Seed: seed, Containers: Containers, Images: Images})
	}
	fleet := hssfake.Generate(hssfake.GenerateOptions{Seed: seed, Containers: Containers - demoHostileContainers, Images: Images - 1})
	addHostileImage(fleet)
	return fleet
}

// churn makes containers appear and disappear, as in a real estate.
func churn(ctx context.Context, srv *hssfake.Server) {
	rng := rand.New(rand.NewSource(time.Now().UnixNano()))
	ticker := time.NewTicker(ChurnInterval)
	defer ticker.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-ticker.C:
			srv.Churn(rng, ChurnPerTick)
		}
	}
}

// addHostileImage adds the hostile image with demoHostileContainers
// containers on the host of the fleet's first container (host and pod
// counts stay), each with a public IP, so it ranks among the exposed
// images the status page lists however the churn has spread the others.
func addHostileImage(fleet *hssfake.Fleet) {
	host := fleet.Containers()[0]
	img := hssfake.Image{Name: HostileImageName, Version: `1.0"><b>`, ScanStatus: "success",
		SeverityLevel: "High", VulNum: 66, Size: 7 << 20, LatestScanTime: time.Now().Add(-time.Hour)}
	fleet.AddImage(img)
	imgs := fleet.Images()
	id := imgs[len(imgs)-1].ID
	fleet.KeepImage(id) // shown however long the demo runs
	for i := range demoHostileContainers {
		c := hssfake.Container{ImageID: id, ID: fmt.Sprintf("demo-hostile-%d", i), Name: fmt.Sprintf("/hostile-%d", i),
			HostID: host.HostID, HostName: host.HostName, AgentID: host.AgentID, PrivateIP: host.PrivateIP}
		c.PublicIP = fmt.Sprintf("203.0.113.%d", 66+i) // TEST-NET-3: documentation only
		fleet.AddContainer(c)
	}
}
