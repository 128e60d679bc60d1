package main

import (
	"fmt"
	"os"

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

// wiring builds the collector's targets from a configuration: one HSS
// client each, spending from the budget and the credential backoff of its
// identity. It outlives a reload, so targets of one identity keep sharing
// them, and a target kept by a reload keeps its budget's state.
type wiring struct {
	logger   log.Logger
	opts     collector.Options
	stats    *collector.APIStats
	budgets  *hssclient.Budgets
	refusals *hssclient.AuthBackoffs
}

func newWiring(logger log.Logger, opts collector.Options) *wiring {
	return &wiring{logger: logger, opts: opts, stats: collector.NewAPIStats(),
		budgets: hssclient.NewBudgets(hssclient.BudgetOptions{}),
		// A refused credential holds every target that authenticates as
		// the same identity, as the gateway locks them together.
		refusals: hssclient.NewAuthBackoffs(hssclient.AuthBackoffOptions{})}
}

// targets makes cfg's targets. Each identity's budget is set to the
// lowest api_calls_per_minute of its targets: every replica calls as the
// same user, so each takes its share.
func (w *wiring) targets(cfg *config.Config) ([]collector.Target, error) {
	perMinute := map[string]float64{}
	for _, t := range cfg.Targets {
		rate := t.APICallsPerMinute / float64(w.opts.Shard.Count())
		if old, ok := perMinute[t.Auth.Identity()]; !ok || rate < old {
			perMinute[t.Auth.Identity()] = rate
		}
	}
	for identity, rate := range perMinute {
		w.budgets.Configure(identity, rate)
	}
	targets := make([]collector.Target, 0, len(cfg.Targets))
	for _, t := range cfg.Targets {
		budget := w.budgets.For(t.Auth.Identity(), perMinute[t.Auth.Identity()])
		refused := w.refusals.For(t.Auth.Identity(), t.RefreshInterval)
		client, err := newClient(t, budget, refused, w.stats.Observer(t.Name), log.With(w.logger, "target", t.Name))
		if err != nil {
			return nil, fmt.Errorf("target %q: %w", t.Name, err)
		}
		targets = append(targets, collector.Target{Config: t, API: client, Pacer: budget})
	}
	return targets, nil
}

// buildExporter makes the exporter of cfg's targets, and the registry of
// live metrics: the exporter's own (exp.Self(), not exp, whose inventory is
// served from the bytes each refresh encoded) with the Go, process and
// build_info collectors.
func buildExporter(cfg *config.Config, logger log.Logger, opts collector.Options) (*collector.Exporter, *prometheus.Registry, *wiring, error) {
	w := newWiring(logger, opts)
	targets, err := w.targets(cfg)
	if err != nil {
		return nil, nil, nil, err
	}
	if opts.Shard.Sharded() {
		level.Info(logger).Log("msg", "listing only this shard's images; sum the inventory series over all shards",
			"shard", opts.Shard.Index, "total_shards", opts.Shard.Total)
	}
	exp := collector.NewExporter(log.With(logger, "component", "collector"), targets, w.stats, opts)
	reg := prometheus.NewRegistry()
	reg.MustRegister(
		exp.Self(),
		collectors.NewGoCollector(),
		collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}),
		versioncollector.NewCollector("hss_exporter"),
	)
	return exp, reg, w, nil
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
	if err := checkStoragePath(f.storagePath); err != nil {
		return collector.Options{}, err
	}
	return collector.Options{Shard: spec, Jitter: jitter, StatePath: f.storagePath}, nil
}

// checkStoragePath makes --storage.path's directory when missing and
// checks the exporter may write there, so a wrong path stops the start
// rather than every state write failing later.
func checkStoragePath(dir string) error {
	if dir == "" {
		return nil
	}
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return fmt.Errorf("--storage.path=%s: %w", dir, err)
	}
	f, err := os.CreateTemp(dir, ".write-check-*")
	if err != nil {
		return fmt.Errorf("--storage.path=%s: cannot write there: %w", dir, err)
	}
	f.Close()
	return os.Remove(f.Name())
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
