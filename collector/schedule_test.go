package collector

import (
	"context"
	"net/http"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/hss-exporter/hss_exporter/config"
	"github.com/hss-exporter/hss_exporter/hssclient"
	"github.com/hss-exporter/hss_exporter/hssclient/auth"
	"github.com/hss-exporter/hss_exporter/hssclient/budget"
	"github.com/hss-exporter/hss_exporter/internal/hssfake"
)

// testMinute stands for one minute in the schedule tests: the stand-in's
// clock runs 60s/testMinute times faster than the wall clock, and the
// budgets count in minutes of testMinute, so a minute's schedule takes
// testMinute to run.
const testMinute = 2 * time.Second

// scaledClock runs minutes of testMinute: its time moves 60s for every
// testMinute of wall time, from a start a little before a minute ends, so
// the first window is already partly spent, as it usually is.
func scaledClock() func() time.Time {
	start := time.Now()
	base := time.Date(2026, 11, 30, 8, 0, 45, 0, time.UTC)
	return func() time.Time {
		return base.Add(time.Duration(float64(time.Since(start)) * float64(time.Minute) / float64(testMinute)))
	}
}

// budgetRun is an Exporter running against a stand-in that allows perMinute
// calls of each API a minute, as HSS's gateway does, in scaled time.
type budgetRun struct {
	e     *Exporter
	srv   *hssfake.Server
	start time.Time
}

// runBudgeted starts the stand-in and an Exporter whose targets (each
// cfgs entry, named) read it through the real client, sharing one access
// key and so one budget of perMinute calls, and runs the Exporter until
// the test ends.
func runBudgeted(t *testing.T, fleet *hssfake.Fleet, perMinute int, cfgs ...config.Target) *budgetRun {
	t.Helper()
	opts := hssfake.DemoOptions(fleet)
	opts.Now, opts.MaxSkew = scaledClock(), 1000*time.Hour
	opts.RateLimit = hssfake.RateLimit{Default: perMinute}
	srv, err := hssfake.Start(opts)
	require.NoError(t, err)
	t.Cleanup(srv.Close)
	budget := budget.NewBudgets(budget.Options{Minute: testMinute}).For("ak:demo", float64(perMinute))
	stats := NewAPIStats()
	transport := &http.Transport{}
	t.Cleanup(transport.CloseIdleConnections)
	var targets []Target
	for _, cfg := range cfgs {
		client, err := hssclient.New(hssclient.Config{
			Region: hssfake.DemoRegion, ProjectID: hssfake.DemoProjectID, Endpoint: srv.URL,
			Auth:       auth.NewAKSK(hssfake.DemoAccessKey, hssfake.DemoSecretKey, ""),
			HTTPClient: &http.Client{Transport: transport}, Budget: budget,
			PageSize: cfg.PageSize, MaxConcurrency: cfg.MaxConcurrency, Observer: stats.Observer(cfg.Name),
		})
		require.NoError(t, err)
		targets = append(targets, Target{Config: cfg, API: client, Posture: client, Credentials: client, Pacer: budget, BudgetState: budget})
	}
	e := NewExporter(nil, targets, stats, Options{PublishInterval: 20 * time.Millisecond})
	ctx, cancel := context.WithCancel(context.Background())
	var wg sync.WaitGroup
	wg.Go(func() { e.Run(ctx) })
	t.Cleanup(func() { cancel(); wg.Wait() })
	return &budgetRun{e: e, srv: srv, start: time.Now()}
}

// scheduleTarget is a target with the exporter's defaults and a
// refresh_interval of one (scaled) minute.
func scheduleTarget(name string) config.Target {
	return config.Target{Name: name, EnterpriseProjectID: hssfake.AllEnterpriseProjects,
		Images: config.Images{Discover: true}, Settings: config.Settings{PageSize: 200, MaxConcurrency: 4,
			RefreshInterval: testMinute, MaxStaleness: 30 * testMinute}}
}

// exactImages counts the images whose served container count equals the
// fleet's, and the images served at all.
func (r *budgetRun) exactImages(t *testing.T, target string, fleet *hssfake.Fleet) (exact, served int) {
	t.Helper()
	truth := fleet.Truth(hssfake.AllEnterpriseProjects)
	view, ok := r.e.View(target)
	require.True(t, ok)
	for _, img := range view.Images {
		served++
		if want, ok := truth.Images[hssfake.ImageKey{Name: img.Name, Version: img.Version, Digest: img.Digest}]; ok && img.Listed && img.Containers == want {
			exact++
		}
	}
	return exact, served
}

// minutes waits until n scaled minutes have passed since the run started.
func (r *budgetRun) minutes(n float64) {
	time.Sleep(time.Until(r.start.Add(time.Duration(n * float64(testMinute)))))
}

func (r *budgetRun) refused() int {
	return r.srv.Throttled(hssfake.OpListLocalImageContainers) + r.srv.Throttled(hssfake.OpListImageLocal)
}

func TestFiveCallsAMinuteListTwelveImagesExactly(t *testing.T) {
	t.Parallel()
	fleet := hssfake.Generate(hssfake.GenerateOptions{Seed: 12, Containers: 600, Images: 12})
	r := runBudgeted(t, fleet, 5, scheduleTarget("demo"))
	truth := fleet.Truth(hssfake.AllEnterpriseProjects)
	var took time.Duration
	require.Eventually(t, func() bool {
		exact, _ := r.exactImages(t, "demo", fleet)
		st := r.e.Status()[0]
		took = time.Since(r.start)
		return exact == len(truth.Images) && st.Containers == truth.Containers &&
			st.Hosts == len(truth.Hosts) && st.Pods == len(truth.Pods)
	}, 3*testMinute+testMinute/2, testMinute/100, "every count exact within 210 s")
	t.Logf("12 images exact after %.0f s (scaled); refused calls: %d", took.Seconds()*60/testMinute.Seconds(), r.refused())
	require.LessOrEqual(t, r.refused(), 2)
	st := r.e.Status()[0]
	require.True(t, st.Up)

	// The first sweep's 12 calls at 5 a minute: 5 a second apart, 5 a
	// minute later, the last 2 two minutes in, a second apart; the status
	// says so beforehand.
	require.False(t, st.FirstSweepAt.IsZero())
	took = time.Duration(float64(st.FirstSweepAt.Sub(r.start)) * float64(time.Minute) / float64(testMinute))
	require.Equal(t, 2*time.Minute+1100*time.Millisecond, st.FirstSweep)
	require.InDelta(t, st.FirstSweep.Seconds(), took.Seconds(), 15, "the first sweep took %s", took)
	require.InDelta(t, (144 * time.Second).Seconds(), st.Sweep.Seconds(), 1, "sweeps back to back take 12 calls / 5 a minute")
}

func TestFiveCallsAMinuteServeSixtyImagesAsTheyLand(t *testing.T) {
	// Not parallel: its scaled minute is a fraction of a real second.
	fleet := hssfake.Generate(hssfake.GenerateOptions{Seed: 60, Containers: 3000, Images: 60})
	r := runBudgeted(t, fleet, 5, scheduleTarget("demo"))

	r.minutes(20.0 / 60)
	exact, served := r.exactImages(t, "demo", fleet)
	t.Logf("at 20 s: %d images served, %d listed exactly", served, exact)
	require.Equal(t, 60, served, "discovery's facts are served within seconds")
	require.GreaterOrEqual(t, exact, 4, "the first minute's calls are spent on listings at once")
	ready, reasons := r.e.Ready()
	require.True(t, ready, "ready after the first discovery: %v", reasons)

	r.minutes(150.0 / 60)
	exact, _ = r.exactImages(t, "demo", fleet)
	st := r.e.Status()[0]
	t.Logf("at 150 s: %d listed exactly, %d pending, refused %d, budget %.0f/min, sweep %s",
		exact, st.ImagesPending, r.refused(), st.BudgetPerMinute, st.Sweep)
	require.GreaterOrEqual(t, exact, 11)
	require.LessOrEqual(t, r.refused(), 2)
	require.True(t, st.Up, "throttling the scheduler absorbs is no failure: %s", st.LastError)
	require.Equal(t, 60-exact, st.ImagesPending, "images not yet listed are pending")
	require.InDelta(t, 12*time.Minute, st.Sweep, float64(time.Second), "60 one-page images at 5 a minute")
}

func TestTargetsSharingAKeyStayWithinItsBudget(t *testing.T) {
	t.Parallel()
	fleet := hssfake.Generate(hssfake.GenerateOptions{Seed: 3, Containers: 400, Images: 16})
	r := runBudgeted(t, fleet, 5, scheduleTarget("a"), scheduleTarget("b"))
	r.minutes(2.5)
	listed := 0
	for _, name := range []string{"a", "b"} {
		exact, _ := r.exactImages(t, name, fleet)
		listed += exact
	}
	t.Logf("two targets, one key: %d listings exact after 2.5 minutes, %d refused", listed, r.refused())
	require.LessOrEqual(t, r.refused(), 2, "both targets spend from the key's one budget")
	require.GreaterOrEqual(t, listed, 13, "three windows of five calls between them")
	require.Equal(t, 2, r.e.Status()[0].BudgetSharers)
}

func TestARefusalTeachesTheBudgetAndIsRare(t *testing.T) {
	t.Parallel()
	fleet := hssfake.Generate(hssfake.GenerateOptions{Seed: 9, Containers: 500, Images: 20})
	r := runBudgeted(t, fleet, 5, scheduleTarget("demo"))
	// The account turns out to be allowed 3, not the 5 configured.
	r.srv.SetRateLimit(hssfake.RateLimit{Default: 3})
	r.minutes(3.5)
	st := r.e.Status()[0]
	t.Logf("after 3.5 minutes: %d refused, budget %.0f/min (learned %v), %d of %d listed",
		r.refused(), st.BudgetPerMinute, st.BudgetLearned, st.ImagesListed, st.ImagesToList)
	require.LessOrEqual(t, r.refused(), 2, "a refusal is a rare event, never a loop")
	require.InDelta(t, 3, st.BudgetPerMinute, 1e-9, "limit:3 in the refusal is the budget for the quiet period after it")
	require.True(t, st.BudgetLearned)
	require.GreaterOrEqual(t, st.ImagesListed, 3+3+3, "three windows of three calls")

	// The account is allowed 5 again: within the quiet period after the
	// latest refusal, the budget is back at api_calls_per_minute.
	r.srv.SetRateLimit(hssfake.RateLimit{Default: 5})
	require.Eventually(t, func() bool {
		st := r.e.Status()[0]
		return st.BudgetPerMinute == 5 && !st.BudgetLearned
	}, (budget.QuietMinutes+1)*testMinute, testMinute/20, "the learned limit lets go")
}

func TestEveryCallRefusedPerSecondCostsAHandfulOfCallsAndKeepsTheInventory(t *testing.T) {
	t.Parallel()
	fleet := hssfake.Generate(hssfake.GenerateOptions{Seed: 4, Containers: 500, Images: 20})
	r := runBudgeted(t, fleet, 600, scheduleTarget("demo"))
	truth := fleet.Truth(hssfake.AllEnterpriseProjects)
	// The first sweep is this test's starting point, not what it checks:
	// it gets a few (scaled) minutes, as a loaded race-detector run needs.
	require.Eventually(t, func() bool { return r.e.Status()[0].Containers == truth.Containers },
		3*testMinute, testMinute/100, "the first sweep lists every image")

	// From now on the gateway refuses every call, naming one a second.
	r.srv.SetFaults(hssfake.Faults{Rules: []hssfake.Fault{{Kind: hssfake.FaultStatus, Status: http.StatusTooManyRequests,
		Message: "The throttling threshold has been reached: policy user over ratelimit,limit:1,time:1 second"}}})
	refusals := func() int {
		return r.srv.Requests(hssfake.OpListLocalImageContainers, http.StatusTooManyRequests) +
			r.srv.Requests(hssfake.OpListImageLocal, http.StatusTooManyRequests)
	}
	// Within a refresh_interval every image is due again; count the
	// minute after that, when every call the exporter wants is refused.
	time.Sleep(testMinute)
	before := refusals()
	time.Sleep(testMinute)
	refused := refusals() - before
	st := r.e.Status()[0]
	t.Logf("a minute of refusals: %d refused calls, %d containers served, budget %.0f/min", refused, st.Containers, st.BudgetPerMinute)
	require.LessOrEqual(t, refused, 10, "a refusal in one-second windows is no loop of one call a second")
	require.Positive(t, refused)
	require.Equal(t, truth.Containers, st.Containers, "the inventory is kept")
}
