package collector

import (
	"net/http"
	"testing"
	"time"

	"github.com/go-kit/log"
	"github.com/stretchr/testify/require"

	"github.com/hss-exporter/hss_exporter/config"
	"github.com/hss-exporter/hss_exporter/hssclient"
	"github.com/hss-exporter/hss_exporter/hssclient/auth"
	"github.com/hss-exporter/hss_exporter/internal/hssfake"
	"github.com/hss-exporter/hss_exporter/internal/testclock"
)

// testEnv is the package's test environment: an Exporter of one target on
// the shared test clock, whose real loops refreshOnce moves, reading an
// in-memory API (overAPI) or, by default, the stand-in server through the
// real client, as main wires it.
type testEnv struct {
	e     *Exporter
	clock *testclock.Clock
	srv   *hssfake.Server // nil over an in-memory API
	fleet *hssfake.Fleet
}

// envSetup is what newEnv's options set.
type envSetup struct {
	api     API
	fleet   *hssfake.Fleet
	authn   auth.Authenticator
	logger  log.Logger
	opts    Options
	retries bool
	tune    func(*hssclient.Config)
	wall    bool
	start   time.Time
}

type envOption func(*envSetup)

// overAPI reads api instead of the stand-in.
func overAPI(api API) envOption { return func(s *envSetup) { s.api = api } }

// serving has the stand-in serve fleet (default: an empty one).
func serving(fleet *hssfake.Fleet) envOption { return func(s *envSetup) { s.fleet = fleet } }

// signedBy signs the client's calls with authn instead of the demo keys.
func signedBy(authn auth.Authenticator) envOption { return func(s *envSetup) { s.authn = authn } }

// loggingTo logs to logger.
func loggingTo(logger log.Logger) envOption { return func(s *envSetup) { s.logger = logger } }

// withOptions makes the Exporter with opts.
func withOptions(opts Options) envOption { return func(s *envSetup) { s.opts = opts } }

// asShard makes the Exporter shard index of total.
func asShard(index, total int) envOption {
	return func(s *envSetup) { s.opts.Shard.Index, s.opts.Shard.Total = index, total }
}

// retrying lets the client retry, a few milliseconds apart, as it does
// in production; by default it does not, so a test sees every failure.
func retrying() envOption { return func(s *envSetup) { s.retries = true } }

// tuned adjusts the client's configuration.
func tuned(tune func(*hssclient.Config)) envOption { return func(s *envSetup) { s.tune = tune } }

// startingAt starts the test clock at start, not newFakeClock's time.
func startingAt(start time.Time) envOption { return func(s *envSetup) { s.start = start } }

// onTheWallClock makes the Exporter on the wall clock, for a test that
// runs its loops itself and waits real intervals; env.clock is nil.
func onTheWallClock() envOption { return func(s *envSetup) { s.wall = true } }

// listingAll is cfg discovering every image of every enterprise project,
// refreshed every minute unless cfg says otherwise.
func listingAll(cfg config.Target) config.Target {
	cfg.EnterpriseProjectID = hssfake.AllEnterpriseProjects
	cfg.Images.Discover = true
	if cfg.RefreshInterval == 0 {
		cfg.RefreshInterval, cfg.MaxStaleness = time.Minute, 30*time.Minute
	}
	return cfg
}

// newEnv starts the environment of cfg's target, named "demo" when cfg
// names none.
func newEnv(t testing.TB, cfg config.Target, options ...envOption) *testEnv {
	t.Helper()
	var s envSetup
	for _, o := range options {
		o(&s)
	}
	if cfg.Name == "" {
		cfg.Name = "demo"
	}
	env := &testEnv{clock: newFakeClock(), fleet: s.fleet}
	if !s.start.IsZero() {
		env.clock = testclock.New(s.start)
	}
	if s.wall {
		env.clock = nil
	}
	if s.api != nil {
		env.e = newClockedExporter(env.clock, s.logger, []Target{{Config: cfg, API: s.api}}, nil, s.opts)
		return env
	}
	if env.fleet == nil {
		env.fleet = hssfake.NewFleet(nil, nil)
	}
	srv, err := hssfake.Start(hssfake.DemoOptions(env.fleet))
	require.NoError(t, err)
	t.Cleanup(srv.Close)
	env.srv = srv
	stats := NewAPIStats()
	setup := clientSetup{authn: s.authn, retries: s.retries, clock: env.clock, tune: s.tune}
	if cfg.RequestTimeout == 0 {
		setup.httpTimeout = 10 * time.Second
	}
	client := standInClient(t, srv.URL, cfg, stats, setup)
	targets := []Target{{Config: cfg, API: client, Posture: client, Credentials: client}}
	if s.wall {
		env.e = NewExporter(s.logger, targets, stats, s.opts)
		return env
	}
	env.e = newClockedExporter(env.clock, s.logger, targets, stats, s.opts)
	return env
}

// refresh lists the inventory and reads the posture; it returns the
// posture's error.
func (env *testEnv) refresh(t *testing.T) error {
	t.Helper()
	require.NoError(t, refreshOnce(t, env.e, "demo"))
	return postureErrorOf(env.e, "demo")
}

// demoClient is the real client of the stand-in at url with the demo
// credentials, reporting to stats as cfg.Name, without retries, each
// request bounded by timeout.
func demoClient(t testing.TB, url string, cfg config.Target, stats *APIStats, timeout time.Duration) *hssclient.Client {
	t.Helper()
	return standInClient(t, url, cfg, stats, clientSetup{httpTimeout: timeout})
}

// clientSetup is how a test's client differs from the demo's: its
// authenticator (nil: the demo keys), whether it retries, the clock of
// its credential backoff (nil: the wall clock), and the bound of a whole
// request (0: only request_timeout's of each attempt).
type clientSetup struct {
	authn       auth.Authenticator
	retries     bool
	clock       *testclock.Clock
	httpTimeout time.Duration
	tune        func(*hssclient.Config) // nil: as above
}

// standInClient is the real client of the stand-in at url. Its idle
// connections close when the test ends, before goleak looks.
func standInClient(t testing.TB, url string, cfg config.Target, stats *APIStats, s clientSetup) *hssclient.Client {
	t.Helper()
	transport := &http.Transport{MaxIdleConnsPerHost: 64}
	t.Cleanup(transport.CloseIdleConnections)
	if s.authn == nil {
		s.authn = auth.NewAKSK(hssfake.DemoAccessKey, hssfake.DemoSecretKey, "")
	}
	c := hssclient.Config{
		Region: hssfake.DemoRegion, ProjectID: hssfake.DemoProjectID, Endpoint: url, Auth: s.authn,
		HTTPClient: &http.Client{Transport: transport, Timeout: s.httpTimeout},
		PageSize:   cfg.PageSize, MaxConcurrency: cfg.MaxConcurrency, RequestTimeout: cfg.RequestTimeout, MaxRetries: -1,
		Observer: stats.Observer(cfg.Name),
	}
	if s.retries {
		c.MaxRetries, c.RetryBaseDelay, c.ThrottleBaseDelay, c.MaxRetryDelay = 0, time.Millisecond, time.Millisecond, 5*time.Millisecond
	}
	if s.tune != nil {
		s.tune(&c)
	}
	if s.clock != nil {
		c.AuthBackoff = auth.NewBackoff(cfg.RefreshInterval, auth.BackoffOptions{Now: s.clock.Now})
	}
	client, err := hssclient.New(c)
	require.NoError(t, err)
	return client
}
