package main

import (
	"fmt"

	"github.com/go-kit/log"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	versioncollector "github.com/prometheus/client_golang/prometheus/collectors/version"
	"github.com/prometheus/common/version"

	"github.com/hss-exporter/hss_exporter/collector"
	"github.com/hss-exporter/hss_exporter/config"
	"github.com/hss-exporter/hss_exporter/hssclient"
)

// buildExporter makes one HSS client per target, and the registry of live
// metrics: the exporter's own (exp.Self(), not exp, whose inventory is
// served from the bytes each refresh encoded) with the Go, process and
// build_info collectors.
func buildExporter(cfg *config.Config, logger log.Logger) (*collector.Exporter, *prometheus.Registry, error) {
	stats := collector.NewAPIStats()
	targets := make([]collector.Target, 0, len(cfg.Targets))
	for _, t := range cfg.Targets {
		client, err := newClient(t, stats.Observer(t.Name))
		if err != nil {
			return nil, nil, fmt.Errorf("target %q: %w", t.Name, err)
		}
		targets = append(targets, collector.Target{Config: t, API: client})
	}
	exp := collector.NewExporter(log.With(logger, "component", "collector"), targets, stats, collector.Options{})
	reg := prometheus.NewRegistry()
	reg.MustRegister(
		exp.Self(),
		collectors.NewGoCollector(),
		collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}),
		versioncollector.NewCollector("hss_exporter"),
	)
	return exp, reg, nil
}

// newClient builds the HSS client of one target with its authentication.
func newClient(t config.Target, obs hssclient.Observer) (*hssclient.Client, error) {
	userAgent := "hss_exporter/" + version.Version
	var auth hssclient.Authenticator
	switch t.Auth.Method() {
	case "iam":
		endpoint := t.Auth.IAM.Endpoint
		if endpoint == "" {
			endpoint = hssclient.DefaultIAMEndpoint(t.Region)
		}
		auth = hssclient.NewIAMAuth(hssclient.IAMConfig{
			Endpoint: endpoint, Domain: t.Auth.IAM.Domain, Username: t.Auth.IAM.Username,
			Password: string(t.Auth.IAM.Password), ProjectID: t.ProjectID,
			UserAgent: userAgent, Observer: obs,
		})
	case "metadata":
		auth = hssclient.NewMetadataAuth(hssclient.MetadataConfig{Endpoint: t.Auth.MetadataEndpoint, Observer: obs})
	default:
		auth = hssclient.NewAKSKAuth(t.Auth.AccessKey, string(t.Auth.SecretKey), string(t.Auth.SecurityToken))
	}
	return hssclient.New(hssclient.Config{
		Region:            t.Region,
		ProjectID:         t.ProjectID,
		Endpoint:          t.Endpoint,
		Auth:              auth,
		UserAgent:         userAgent,
		PageSize:          t.PageSize,
		RequestsPerSecond: t.RequestsPerSecond,
		MaxConcurrency:    t.MaxConcurrency,
		RequestTimeout:    t.RequestTimeout,
		Observer:          obs,
	})
}
