package main

import (
	"fmt"

	"github.com/go-kit/log"
	"github.com/go-kit/log/level"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	versioncollector "github.com/prometheus/client_golang/prometheus/collectors/version"
	"github.com/prometheus/common/version"

	"github.com/hss-exporter/hss_exporter/collector"
	"github.com/hss-exporter/hss_exporter/config"
	"github.com/hss-exporter/hss_exporter/hssclient"
	"github.com/hss-exporter/hss_exporter/shard"
)

// buildExporter makes one HSS client per target, and the registry of live
// metrics: the exporter's own (exp.Self(), not exp, whose inventory is
// served from the bytes each refresh encoded) with the Go, process and
// build_info collectors.
func buildExporter(cfg *config.Config, logger log.Logger, opts collector.Options) (*collector.Exporter, *prometheus.Registry, error) {
	stats := collector.NewAPIStats()
	budgets := hssclient.NewBudgets(hssclient.BudgetOptions{})
	// A refused credential holds every target that authenticates as the
	// same identity, as the gateway locks them together.
	refusals := hssclient.NewAuthBackoffs(hssclient.AuthBackoffOptions{})
	targets := make([]collector.Target, 0, len(cfg.Targets))
	for _, t := range cfg.Targets {
		// Every replica calls as the same user: each takes its share.
		budget := budgets.For(t.Auth.Identity(), t.APICallsPerMinute/float64(opts.Shard.Count()))
		refused := refusals.For(t.Auth.Identity(), t.RefreshInterval)
		client, err := newClient(t, budget, refused, stats.Observer(t.Name), log.With(logger, "target", t.Name))
		if err != nil {
			return nil, nil, fmt.Errorf("target %q: %w", t.Name, err)
		}
		targets = append(targets, collector.Target{Config: t, API: client, Pacer: budget})
	}
	if opts.Shard.Sharded() {
		level.Info(logger).Log("msg", "listing only this shard's images; sum the inventory series over all shards",
			"shard", opts.Shard.Index, "total_shards", opts.Shard.Total)
	}
	exp := collector.NewExporter(log.With(logger, "component", "collector"), targets, stats, opts)
	reg := prometheus.NewRegistry()
	reg.MustRegister(
		exp.Self(),
		collectors.NewGoCollector(),
		collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}),
		versioncollector.NewCollector("hss_exporter"),
	)
	return exp, reg, nil
}

// collectorOptions turns --shard, --total-shards, --shard.from-pod-name
// and --refresh.jitter into the collector's options, or says which flag is
// wrong. getenv reads the pod name (os.Getenv outside tests).
func collectorOptions(f flags, getenv func(string) string) (collector.Options, error) {
	spec := shard.Spec{Index: f.shard, Total: f.totalShards}
	if f.shardFromPod {
		n, err := shard.FromPodName(getenv)
		if err != nil {
			return collector.Options{}, err
		}
		spec.Index = n
	}
	if err := spec.Validate(); err != nil {
		if f.shardFromPod {
			err = fmt.Errorf("--shard.from-pod-name gave %w", err)
		}
		return collector.Options{}, err
	}
	if !(f.jitter >= 0 && f.jitter < 1) {
		return collector.Options{}, fmt.Errorf("--refresh.jitter=%v: must be at least 0 and below 1", f.jitter)
	}
	jitter := f.jitter
	if jitter == 0 {
		jitter = -1 // Options reads 0 as "the default" and a negative value as none
	}
	return collector.Options{Shard: spec, Jitter: jitter}, nil
}

// newClient builds the HSS client of one target with its authentication.
// Credentials from *_file keys are read again when the files change (the
// environment's are not); logger hears of each rotation and of a rotated
// file that cannot be used, never of a value.
func newClient(t config.Target, budget *hssclient.Budget, refused *hssclient.AuthBackoff, obs hssclient.Observer,
	logger log.Logger) (*hssclient.Client, error) {
	userAgent := "hss_exporter/" + version.Version
	rotation := hssclient.RotationOptions{OnReload: func(err error) {
		if err != nil {
			_ = level.Error(logger).Log("msg", "rotated credentials not used", "err", err)
			return
		}
		_ = level.Info(logger).Log("msg", "credential files changed; using the new credentials from the next request")
	}}
	var auth hssclient.Authenticator
	switch a := t.Auth; a.Method() {
	case config.MethodIAM:
		endpoint := a.IAM.Endpoint
		if endpoint == "" {
			endpoint = hssclient.DefaultIAMEndpoint(t.Region)
		}
		auth = hssclient.NewIAMAuth(hssclient.IAMConfig{
			Endpoint: endpoint, Domain: a.IAM.Domain, Username: a.IAM.Username,
			Password: string(a.IAM.Password), PasswordFile: a.IAM.PasswordFile, Rotation: rotation,
			ProjectID: t.ProjectID, UserAgent: userAgent, Observer: obs,
		})
	case config.MethodMetadata:
		auth = hssclient.NewMetadataAuth(hssclient.MetadataConfig{Endpoint: a.MetadataEndpoint, Observer: obs})
	case config.MethodOIDC:
		auth = hssclient.NewOIDCAuth(hssclient.OIDCConfig{Endpoint: a.OIDC.Endpoint, IdpID: a.OIDC.IdpID,
			IDTokenFile: a.OIDC.IDTokenFile, UserAgent: userAgent, Observer: obs})
	default:
		auth = hssclient.NewRotatingAKSKAuth(hssclient.AKSKConfig{
			AccessKey:     hssclient.Credential{Value: a.AccessKey, File: a.AccessKeyFile},
			SecretKey:     hssclient.Credential{Value: string(a.SecretKey), File: a.SecretKeyFile},
			SecurityToken: hssclient.Credential{Value: string(a.SecurityToken), File: a.SecurityTokenFile},
			Rotation:      rotation,
		})
	}
	return hssclient.New(hssclient.Config{
		Region:            t.Region,
		ProjectID:         t.ProjectID,
		Endpoint:          t.Endpoint,
		Auth:              auth,
		UserAgent:         userAgent,
		PageSize:          t.PageSize,
		RequestsPerSecond: t.RequestsPerSecond,
		Budget:            budget,
		AuthBackoff:       refused,
		MaxConcurrency:    t.MaxConcurrency,
		RequestTimeout:    t.RequestTimeout,
		Observer:          obs,
	})
}
