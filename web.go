package main

import (
	"fmt"
	"net/http"
	"strings"

	"github.com/go-kit/log"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/common/version"
	"github.com/prometheus/exporter-toolkit/web"

	"github.com/hss-exporter/hss_exporter/collector"
)

// newMux routes the exporter's endpoints. No handler here calls the HSS
// API: probes and scrapes read what the refreshers left in memory.
func newMux(f flags, exp *collector.Exporter, live prometheus.Gatherer, reload http.Handler, logger log.Logger) (*http.ServeMux, error) {
	mux := http.NewServeMux()
	mux.Handle("/-/reload", reload)
	mux.Handle(f.telemetry, newMetricsHandler(f, exp, live, logger))
	mux.HandleFunc("/healthz", func(w http.ResponseWriter, _ *http.Request) {
		w.Header().Set("Content-Type", "text/plain; charset=utf-8")
		fmt.Fprintln(w, "OK")
	})
	mux.HandleFunc("/readyz", func(w http.ResponseWriter, _ *http.Request) {
		w.Header().Set("Content-Type", "text/plain; charset=utf-8")
		ready, reasons := exp.Ready()
		if !ready {
			w.WriteHeader(http.StatusServiceUnavailable)
			fmt.Fprintln(w, "not ready:")
			fmt.Fprintln(w, strings.Join(reasons, "\n"))
			return
		}
		fmt.Fprintln(w, "ready")
	})
	addStatusRoutes(mux, f, exp)
	if f.telemetry == "/" {
		return mux, nil // the metrics take the root; the status page stays on /status
	}
	landing, err := web.NewLandingPage(web.LandingConfig{
		Name:        "HSS Exporter",
		Description: "Prometheus exporter for the container-image inventory of Huawei Cloud Host Security Service",
		Version:     version.Info(),
		// The toolkit links pprof pages by default; this exporter serves
		// none, so those links would answer 404.
		Profiling: "false",
		Links: []web.LandingLinks{
			{Address: "/status", Text: "Status", Description: "refresh health and inventory at a glance (JSON: /api/v1/status)"},
			{Address: f.telemetry, Text: "Metrics"},
			{Address: "/healthz", Text: "Health", Description: "200 while the process serves"},
			{Address: "/readyz", Text: "Readiness", Description: "503 until every target has fresh data"},
		},
	})
	if err != nil {
		return nil, err
	}
	mux.Handle("/", landing)
	return mux, nil
}
