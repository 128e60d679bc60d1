package main

import (
	"context"
	"errors"
	"fmt"
	"os"

	"github.com/go-kit/log"
	"github.com/go-kit/log/level"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	versioncollector "github.com/prometheus/client_golang/prometheus/collectors/version"
	"github.com/prometheus/common/version"

	"github.com/hss-exporter/hss_exporter/clusters"
	"github.com/hss-exporter/hss_exporter/collector"
	"github.com/hss-exporter/hss_exporter/config"
	"github.com/hss-exporter/hss_exporter/hssclient"
	"github.com/hss-exporter/hss_exporter/hssclient/auth"
	"github.com/hss-exporter/hss_exporter/hssclient/budget"
)

// wiring builds the collector's targets from a configuration: one HSS
// client each, spending from the budget and the credential backoff of its
// identity. It outlives a reload, so targets of one identity keep sharing
// them, and a target kept by a reload keeps its budget's state.
type wiring struct {
	logger   log.Logger
	opts     collector.Options
	stats    *collector.APIStats
	budgets  *budget.Budgets
	refusals *auth.Backoffs
	clusters *clusters.Set // the ListContainers source, beside the collector's
}

func newWiring(logger log.Logger, opts collector.Options) *wiring {
	return &wiring{logger: logger, opts: opts, stats: collector.NewAPIStats(),
		budgets: budget.NewBudgets(budget.Options{}),
		// A refused credential holds every target that authenticates as
		// the same identity, as the gateway locks them together.
		refusals: auth.NewBackoffs(auth.BackoffOptions{})}
}

// sources are cfg's targets as each source takes them: the inventory's
// (with posture) and the cluster source's, on the same client and budget
// per target, so every call spends the identity's shared budget.
type sources struct {
	inventory []collector.Target
	clusters  []clusters.Target
}

// targets makes cfg's targets. Each identity's budget is set to the
// lowest api_calls_per_minute of its targets: every replica calls as the
// same user, so each takes its share.
func (w *wiring) targets(cfg *config.Config) (sources, error) {
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
	var out sources
	for _, t := range cfg.Targets {
		budget := w.budgets.For(t.Auth.Identity(), perMinute[t.Auth.Identity()])
		refused := w.refusals.For(t.Auth.Identity(), t.RefreshInterval)
		observer := w.stats.Observer(t.Name)
		client, err := newClient(t, budget, refused, observer, log.With(w.logger, "target", t.Name))
		if err != nil {
			return sources{}, fmt.Errorf("target %q: %w", t.Name, err)
		}
		out.inventory = append(out.inventory, collector.Target{Config: t, API: client, Pacer: budget, Observer: observer,
			Posture: client, Credentials: client, BudgetState: budget})
		out.clusters = append(out.clusters, clusters.Target{Config: t, API: client, Pacer: budget})
	}
	return out, nil
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
	exp := collector.NewExporter(log.With(logger, "component", "collector"), targets.inventory, w.stats, opts)
	// The cluster list is not split between shards: shard 0 reads it
	// whole, as it reads posture.
	w.clusters = clusters.New(clusters.Options{Logger: log.With(logger, "component", "clusters"),
		Images: exp.ContainerImages, Now: opts.Now, Off: opts.Shard.Index != 0}, targets.clusters)
	reg := prometheus.NewRegistry()
	reg.MustRegister(
		exp.Self(),
		w.clusters,
		collectors.NewGoCollector(),
		collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}),
		versioncollector.NewCollector("hss_exporter"),
	)
	return exp, reg, w, nil
}

// prepareStateDir makes the --storage.path directory when missing and
// checks the exporter may write there, so a wrong path stops the start
// rather than every state write failing later.
func prepareStateDir(dir string) error {
	if dir == "" {
		return nil
	}
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return err
	}
	f, err := os.CreateTemp(dir, ".write-check-*")
	if err != nil {
		return fmt.Errorf("cannot write there: %w", err)
	}
	f.Close()
	return os.Remove(f.Name())
}

// reloadFrom is the reload of the configuration file at path: a file that
// fails validation changes nothing; a valid one is applied, so unchanged
// targets keep their inventory, budget and schedule, changed ones start
// afresh, removed ones go and new ones start.
func (w *wiring) reloadFrom(path string, exp *collector.Exporter) func() error {
	return func() error {
		cfg, err := loadConfig(path)
		if err != nil {
			return err
		}
		targets, err := w.targets(cfg)
		if err != nil {
			return err
		}
		added, changed, removed := exp.Apply(targets.inventory)
		w.clusters.Apply(targets.clusters)
		level.Info(w.logger).Log("msg", "configuration reloaded", "config", path, "targets", len(targets.inventory),
			"added", fmt.Sprint(added), "changed", fmt.Sprint(changed), "removed", fmt.Sprint(removed))
		return nil
	}
}

// loadConfig is config.Load; a test may make it hang like a read from a
// stuck network mount.
var loadConfig = config.Load

// errStopped is a start-up step called off by SIGTERM or SIGINT.
var errStopped = errors.New("stopped by a signal during start-up")

// untilDone runs a start-up step that reads files (the configuration, the
// credential files it names, --web.config.file) and returns as soon as ctx
// ends, so SIGTERM and SIGINT stop the process even while a read hangs (a
// stuck network mount); the step itself is left behind, as the process
// is about to exit.
func untilDone(ctx context.Context, step func() error) error {
	if ctx.Err() != nil {
		return errStopped
	}
	done := make(chan error, 1)
	go func() { done <- step() }()
	select {
	case err := <-done:
		return err
	case <-ctx.Done():
		return errStopped
	}
}

// stoppedOr is the exit code of a start-up that failed with err: 0 when a
// signal called it off, as when one stops the exporter later, else code.
func stoppedOr(err error, code int) int {
	if errors.Is(err, errStopped) {
		return 0
	}
	return code
}

// newClient builds the HSS client of one target with its authentication.
// Credentials from *_file keys are read again when the files change (the
// environment's are not); logger hears of each rotation and of a rotated
// file that cannot be used, never of a value.
func newClient(t config.Target, budget *budget.Budget, refused *auth.Backoff, obs hssclient.Observer,
	logger log.Logger) (*hssclient.Client, error) {
	userAgent := "hss_exporter/" + version.Version
	rotation := auth.RotationOptions{OnReload: func(err error) {
		if err != nil {
			_ = level.Error(logger).Log("msg", "rotated credentials not used", "err", err)
			return
		}
		_ = level.Info(logger).Log("msg", "credential files changed; using the new credentials from the next request")
	}}
	var authn auth.Authenticator
	switch a := t.Auth; a.Method() {
	case config.MethodIAM:
		authn = auth.NewIAM(auth.IAMConfig{
			Endpoint: a.IAM.Endpoint, Domain: a.IAM.Domain, Username: a.IAM.Username,
			Password: string(a.IAM.Password), PasswordFile: a.IAM.PasswordFile, Rotation: rotation,
			ProjectID: t.ProjectID, UserAgent: userAgent, Observer: obs,
		})
	case config.MethodMetadata:
		authn = auth.NewMetadata(auth.MetadataConfig{Endpoint: a.MetadataEndpoint, Observer: obs})
	case config.MethodOIDC:
		authn = auth.NewOIDC(auth.OIDCConfig{Endpoint: a.OIDC.Endpoint, IdpID: a.OIDC.IdpID,
			IDTokenFile: a.OIDC.IDTokenFile, UserAgent: userAgent, Observer: obs})
	default:
		authn = auth.NewRotatingAKSK(auth.AKSKConfig{
			AccessKey:     auth.Credential{Value: a.AccessKey, File: a.AccessKeyFile},
			SecretKey:     auth.Credential{Value: string(a.SecretKey), File: a.SecretKeyFile},
			SecurityToken: auth.Credential{Value: string(a.SecurityToken), File: a.SecurityTokenFile},
			Rotation:      rotation,
		})
	}
	return hssclient.New(hssclient.Config{
		Region:            t.Region,
		ProjectID:         t.ProjectID,
		Endpoint:          t.Endpoint,
		Auth:              authn,
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
