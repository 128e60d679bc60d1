package hssclient

import (
	"context"
	"net/http"
	"net/http/httptest"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/hss-exporter/hss_exporter/internal/testclock"
)

// perSecond is the refusal of a gateway allowing one call a second.
var perSecond = Refusal{Limit: 1, Window: time.Second}

func noJitter(time.Duration) time.Duration { return 0 }

// clockedBudgets are budgets of real minutes on a clock the test moves.
func clockedBudgets() (*Budgets, *testclock.Clock) {
	clock := testclock.New(time.Date(2026, 12, 1, 8, 0, 0, 0, time.UTC))
	return NewBudgets(BudgetOptions{Now: clock.Now, Jitter: noJitter}), clock
}

func TestLearnedLimitClimbsBackWithinTheQuietPeriod(t *testing.T) {
	budgets, clock := clockedBudgets()
	b := budgets.For("ak:one", 100000)
	b.Refused(OpListContainers, clock.Now(), perSecond)
	require.InDelta(t, 60, b.PerMinute(OpListContainers), 1e-6, "one a second is the budget at once")
	require.InDelta(t, 100000, b.PerMinute(OpListImages), 1e-6, "another operation keeps its own")

	clock.Advance(HoldMinutes*time.Minute - time.Second)
	require.InDelta(t, 60, b.PerMinute(OpListContainers), 1e-6, "the learned limit holds for a while")
	last := 60.0
	for minute := HoldMinutes; minute < QuietMinutes; minute++ {
		clock.Advance(time.Minute)
		now := b.PerMinute(OpListContainers)
		require.Greater(t, now, last, "minute %d without a refusal: the budget climbs", minute)
		require.Less(t, now, 100000.0)
		require.True(t, b.Learned(OpListContainers))
		last = now
	}
	clock.Advance(time.Second)
	require.InDelta(t, 100000, b.PerMinute(OpListContainers), 1e-6, "back at the configured budget after the quiet period")
	require.False(t, b.Learned(OpListContainers))

	b.Refused(OpListContainers, clock.Now(), perSecond)
	require.InDelta(t, 60, b.PerMinute(OpListContainers), 1e-6, "the next refusal lowers it again")
}

func TestRefusalWhileTheLimitClimbsRestartsTheQuietPeriod(t *testing.T) {
	budgets, clock := clockedBudgets()
	b := budgets.For("ak:one", 100000)
	b.Refused(OpListContainers, clock.Now(), perSecond)
	clock.Advance((HoldMinutes + 2) * time.Minute)
	climbed := b.PerMinute(OpListContainers)
	require.Greater(t, climbed, 60.0)
	// A refusal naming no limit (or a higher one) stops the climb where it is.
	b.Refused(OpListContainers, clock.Now(), Refusal{})
	clock.Advance((QuietMinutes - 1) * time.Minute)
	require.True(t, b.Learned(OpListContainers))
	require.Greater(t, b.PerMinute(OpListContainers), climbed, "climbing again from there")
	clock.Advance(time.Minute)
	require.False(t, b.Learned(OpListContainers), "gone a quiet period after the latest refusal")
}

func TestChangedCallsPerMinuteDropsTheLearnedLimit(t *testing.T) {
	budgets, clock := clockedBudgets()
	b := budgets.For("ak:one", 100000)
	b.Refused(OpListContainers, clock.Now(), perSecond)
	budgets.Configure("ak:one", 100000)
	require.True(t, b.Learned(OpListContainers), "a reload with the same api_calls_per_minute keeps what HSS said")
	require.InDelta(t, 60, b.PerMinute(OpListContainers), 1e-6)

	budgets.Configure("ak:one", 99999)
	require.False(t, b.Learned(OpListContainers), "a changed api_calls_per_minute is the operator's word")
	require.InDelta(t, 99999, b.PerMinute(OpListContainers), 1e-6)
	budgets.Configure("ak:one", 100000)
	require.InDelta(t, 100000, b.PerMinute(OpListContainers), 1e-6, "and it does not come back with the old value")
}

func TestRestoredLearnedLimitNeedsTheRateItWasLearnedUnder(t *testing.T) {
	budgets, clock := clockedBudgets()
	before := budgets.For("ak:one", 100000)
	before.Refused(OpListContainers, clock.Now(), perSecond)
	state := before.State()
	require.InDelta(t, 100000, state.Ops[OpListContainers].LearnedUnder, 1e-9)

	restart := func(perMinute float64, s BudgetState) *Budget {
		b := NewBudgets(BudgetOptions{Now: clock.Now, Jitter: noJitter}).For("ak:one", perMinute)
		b.Restore(s)
		return b
	}
	same := restart(100000, state)
	require.True(t, same.Learned(OpListContainers), "a restart under the same configuration keeps it")
	require.InDelta(t, 60, same.PerMinute(OpListContainers), 1e-6)

	changed := restart(99999, state)
	require.False(t, changed.Learned(OpListContainers), "a restart with another api_calls_per_minute drops it")
	require.InDelta(t, 99999, changed.PerMinute(OpListContainers), 1e-6)

	old := state.Ops[OpListContainers]
	old.LearnedUnder, old.LearnedAt = 0, time.Time{}
	unknown := restart(100000, BudgetState{Ops: map[string]OpBudgetState{OpListContainers: old}})
	require.False(t, unknown.Learned(OpListContainers), "a limit not known to fit the configuration is dropped")

	clock.Advance(QuietMinutes * time.Minute)
	require.False(t, restart(100000, state).Learned(OpListContainers), "the quiet period runs on across a restart")
}

func TestRefusalsInARowDoubleTheHoldUpToAMinute(t *testing.T) {
	budgets, clock := clockedBudgets()
	b := budgets.For("ak:one", 100000)
	var holds []time.Duration
	for range 7 {
		b.Refused(OpListContainers, clock.Now(), perSecond)
		hold := b.ReadyIn(OpListContainers)
		holds = append(holds, hold)
		clock.Advance(hold)
	}
	want := []time.Duration{4, 8, 16, 32, 60, 60, 60}
	for i, h := range holds {
		require.Equal(t, guard(want[i]*time.Second), h, "refusal %d in a row", i+1)
	}
	var spent time.Duration
	calls := 0
	for _, h := range holds {
		if spent < time.Minute {
			calls++
		}
		spent += h
	}
	require.LessOrEqual(t, calls, 5, "a persistent refusal costs a handful of calls a minute")

	b.Answered(OpListContainers)
	b.Refused(OpListContainers, clock.Now(), perSecond)
	require.Equal(t, guard(4*time.Second), b.ReadyIn(OpListContainers), "an answer between ends the run")
}

func TestRetryAfterIsWaitedAndNotFollowedByABurst(t *testing.T) {
	const minute = 600 * time.Millisecond
	b := NewBudgets(BudgetOptions{Minute: minute, Jitter: noJitter}).For("ak:one", 5)
	refused := time.Now()
	// Shorter than the minute a refusal naming no limit would hold.
	b.Refused(OpListContainers, refused, Refusal{RetryAfter: 200 * time.Millisecond})
	var mu sync.Mutex
	var sent []time.Time
	var wg sync.WaitGroup
	for range 5 {
		wg.Go(func() {
			r, err := b.Reserve(context.Background(), OpListContainers)
			require.NoError(t, err)
			at := r.Sent()
			mu.Lock()
			sent = append(sent, at)
			mu.Unlock()
		})
	}
	wg.Wait()
	slices.SortFunc(sent, time.Time.Compare)
	first := sent[0].Sub(refused)
	require.GreaterOrEqual(t, first, 200*time.Millisecond, "Retry-After is waited")
	require.Less(t, first, minute/2, "Retry-After, not a minute")
	gap := guard(minute) / 5
	for i := 1; i < len(sent); i++ {
		require.GreaterOrEqual(t, sent[i].Sub(sent[i-1]), gap/2,
			"call %d came in a burst after the hold", i+1)
	}

	// Longer than the window it names: Retry-After wins.
	b.Refused(OpListImages, time.Now(), Refusal{Limit: 5, Window: time.Second, RetryAfter: 300 * time.Millisecond})
	require.Greater(t, b.ReadyIn(OpListImages), 250*time.Millisecond)
}

func TestPersistentPerSecondRefusalIsNotALoop(t *testing.T) {
	var mu sync.Mutex
	calls := 0
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		mu.Lock()
		calls++
		mu.Unlock()
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(http.StatusTooManyRequests)
		_, _ = w.Write([]byte(`{"error_code":"APIG.0308","error_msg":"over ratelimit, limit:1, time:1 second"}`))
	}))
	t.Cleanup(srv.Close)
	b := NewBudgets(BudgetOptions{Minute: testMinute}).For("ak:AK", 100000)
	c := budgetClient(t, srv.URL, b)
	ctx, cancel := context.WithTimeout(context.Background(), testMinute)
	defer cancel()
	for ctx.Err() == nil {
		err := c.EachContainer(ctx, ListContainersRequest{ImageName: "a", ImageVersion: "1"}, func(Container) error { return nil })
		require.Error(t, err)
	}
	mu.Lock()
	defer mu.Unlock()
	t.Logf("%d calls in a (scaled) minute of refusals", calls)
	require.LessOrEqual(t, calls, 6, "one call a second, all refused, is a loop")
	require.GreaterOrEqual(t, calls, 2, "the calls go on, a few a minute")
}
