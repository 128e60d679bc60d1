package main

import (
	"net/http"

	"github.com/hss-exporter/hss_exporter/collector"
)

// addStatusRoutes adds the human status page and its JSON twin.
func addStatusRoutes(mux *http.ServeMux, f flags, exp *collector.Exporter) {}
