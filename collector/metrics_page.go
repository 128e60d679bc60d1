package collector

import (
	"net/http"

	"github.com/prometheus/client_golang/prometheus"

	expo "github.com/hss-exporter/hss_exporter/internal/exposition"
	"github.com/hss-exporter/hss_exporter/internal/metricshandler"
	"github.com/hss-exporter/hss_exporter/inventory"
	"github.com/hss-exporter/hss_exporter/posture"
)

// HandlerOpts configure Handler.
type HandlerOpts = metricshandler.Opts

// DefaultWriteTimeout lets a scraper take a piece of the page at as little
// as 6.4 KiB/s, yet frees a stalled connection within seconds.
const DefaultWriteTimeout = metricshandler.DefaultWriteTimeout

// Handler serves the metrics page. The inventory and posture are written
// as encoded at each target's last publish: for every family its HELP and
// TYPE once, then the samples of each target still served (expired
// targets are left out at each scrape). Then come the families of live,
// gathered and encoded per scrape so they stay live: register Self there
// with the Go, process and build_info collectors, never the Exporter
// itself, which would repeat the inventory.
func (e *Exporter) Handler(live prometheus.Gatherer, opts HandlerOpts) http.Handler {
	return metricshandler.New(cachedPage{e}, live, opts)
}

// cachedPage is the part of /metrics the targets encoded at publish.
type cachedPage struct{ e *Exporter }

// Segments returns the inventory's families and then the posture's, each
// sorted by name: a family's comments once and then its samples from
// every target served now, in configuration order.
func (c cachedPage) Segments() []expo.Segment {
	now := c.e.opts.Now()
	inv, pos := inventory.Table.NewPage(), posture.Table.NewPage()
	for _, t := range c.e.all() {
		t.inv.AddTo(inv, now)
		t.posture.AddTo(pos, now)
	}
	return append(inv.Segments(), pos.Segments()...)
}
