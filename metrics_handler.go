package main

import (
	"net/http"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/promhttp"
)

// newMetricsHandler serves the registry on the telemetry path. Excess
// parallel scrapes get 503 instead of queuing without bound.
func newMetricsHandler(f flags, reg *prometheus.Registry) http.Handler {
	return promhttp.HandlerFor(reg, promhttp.HandlerOpts{
		EnableOpenMetrics:   true,
		MaxRequestsInFlight: f.maxRequests,
		ErrorHandling:       promhttp.ContinueOnError,
	})
}
