package main

import (
	"net/http"

	"github.com/go-kit/log"
	"github.com/prometheus/client_golang/prometheus"

	"github.com/hss-exporter/hss_exporter/collector"
)

// newMetricsHandler serves the telemetry path: the inventory as each
// target's last refresh encoded it (no scrape builds a series or calls
// HSS), then the live families of live, gathered per scrape. live must hold
// exp.Self() with the Go, process and build_info collectors, and not exp
// itself, which would repeat the inventory. Excess parallel scrapes get 503
// instead of queuing without bound.
func newMetricsHandler(f flags, exp *collector.Exporter, live prometheus.Gatherer, logger log.Logger) http.Handler {
	return exp.Handler(live, collector.HandlerOpts{MaxRequestsInFlight: f.maxRequests, Logger: logger})
}
