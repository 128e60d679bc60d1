package budget

import (
	"context"
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
	return NewBudgets(Options{Now: clock.Now, Jitter: noJitter}), clock
}

func TestLearnedLimitClimbsBackWithinTheQuietPeriod(t *testing.T) {
	t.Parallel()
	budgets, clock := clockedBudgets()
	b := budgets.For("ak:one", 100000)
	b.Refused(opListContainers, clock.Now(), perSecond)
	require.InDelta(t, 60, b.PerMinute(opListContainers), 1e-6, "one a second is the budget at once")
	require.InDelta(t, 100000, b.PerMinute(opListImages), 1e-6, "another operation keeps its own")

	clock.Advance(HoldMinutes*time.Minute - time.Second)
	require.InDelta(t, 60, b.PerMinute(opListContainers), 1e-6, "the learned limit holds for a while")
	last := 60.0
	for minute := HoldMinutes; minute < QuietMinutes; minute++ {
		clock.Advance(time.Minute)
		now := b.PerMinute(opListContainers)
		require.Greater(t, now, last, "minute %d without a refusal: the budget climbs", minute)
		require.Less(t, now, 100000.0)
		require.True(t, b.Learned(opListContainers))
		last = now
	}
	clock.Advance(time.Second)
	require.InDelta(t, 100000, b.PerMinute(opListContainers), 1e-6, "back at the configured budget after the quiet period")
	require.False(t, b.Learned(opListContainers))

	b.Refused(opListContainers, clock.Now(), perSecond)
	require.InDelta(t, 60, b.PerMinute(opListContainers), 1e-6, "the next refusal lowers it again")
}

func TestRefusalWhileTheLimitClimbsRestartsTheQuietPeriod(t *testing.T) {
	t.Parallel()
	budgets, clock := clockedBudgets()
	b := budgets.For("ak:one", 100000)
	b.Refused(opListContainers, clock.Now(), perSecond)
	clock.Advance((HoldMinutes + 2) * time.Minute)
	climbed := b.PerMinute(opListContainers)
	require.Greater(t, climbed, 60.0)
	// A refusal naming no limit (or a higher one) stops the climb where it is.
	b.Refused(opListContainers, clock.Now(), Refusal{})
	clock.Advance((QuietMinutes - 1) * time.Minute)
	require.True(t, b.Learned(opListContainers))
	require.Greater(t, b.PerMinute(opListContainers), climbed, "climbing again from there")
	clock.Advance(time.Minute)
	require.False(t, b.Learned(opListContainers), "gone a quiet period after the latest refusal")
}

func TestChangedCallsPerMinuteDropsTheLearnedLimit(t *testing.T) {
	t.Parallel()
	budgets, clock := clockedBudgets()
	b := budgets.For("ak:one", 100000)
	b.Refused(opListContainers, clock.Now(), perSecond)
	budgets.Configure("ak:one", 100000)
	require.True(t, b.Learned(opListContainers), "a reload with the same api_calls_per_minute keeps what HSS said")
	require.InDelta(t, 60, b.PerMinute(opListContainers), 1e-6)

	budgets.Configure("ak:one", 99999)
	require.False(t, b.Learned(opListContainers), "a changed api_calls_per_minute is the operator's word")
	require.InDelta(t, 99999, b.PerMinute(opListContainers), 1e-6)
	budgets.Configure("ak:one", 100000)
	require.InDelta(t, 100000, b.PerMinute(opListContainers), 1e-6, "and it does not come back with the old value")
}

func TestRestoredLearnedLimitNeedsTheRateItWasLearnedUnder(t *testing.T) {
	t.Parallel()
	budgets, clock := clockedBudgets()
	before := budgets.For("ak:one", 100000)
	before.Refused(opListContainers, clock.Now(), perSecond)
	state := before.State()
	require.InDelta(t, 100000, state.Ops[opListContainers].LearnedUnder, 1e-9)

	restart := func(perMinute float64, s State) *Budget {
		b := NewBudgets(Options{Now: clock.Now, Jitter: noJitter}).For("ak:one", perMinute)
		b.Restore(s)
		return b
	}
	same := restart(100000, state)
	require.True(t, same.Learned(opListContainers), "a restart under the same configuration keeps it")
	require.InDelta(t, 60, same.PerMinute(opListContainers), 1e-6)

	changed := restart(99999, state)
	require.False(t, changed.Learned(opListContainers), "a restart with another api_calls_per_minute drops it")
	require.InDelta(t, 99999, changed.PerMinute(opListContainers), 1e-6)

	old := state.Ops[opListContainers]
	old.LearnedUnder, old.LearnedAt = 0, time.Time{}
	unknown := restart(100000, State{Ops: map[string]OpState{opListContainers: old}})
	require.False(t, unknown.Learned(opListContainers), "a limit not known to fit the configuration is dropped")

	clock.Advance(QuietMinutes * time.Minute)
	require.False(t, restart(100000, state).Learned(opListContainers), "the quiet period runs on across a restart")
}

func TestRefusalsInARowDoubleTheHoldUpToAMinute(t *testing.T) {
	t.Parallel()
	budgets, clock := clockedBudgets()
	b := budgets.For("ak:one", 100000)
	var holds []time.Duration
	for range 7 {
		b.Refused(opListContainers, clock.Now(), perSecond)
		hold := b.ReadyIn(opListContainers)
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

	b.Answered(opListContainers)
	b.Refused(opListContainers, clock.Now(), perSecond)
	require.Equal(t, guard(4*time.Second), b.ReadyIn(opListContainers), "an answer between ends the run")
}

func TestRetryAfterIsWaitedAndNotFollowedByABurst(t *testing.T) {
	t.Parallel()
	const minute = 600 * time.Millisecond
	b := NewBudgets(Options{Minute: minute, Jitter: noJitter}).For("ak:one", 5)
	refused := time.Now()
	// Shorter than the minute a refusal naming no limit would hold.
	b.Refused(opListContainers, refused, Refusal{RetryAfter: 200 * time.Millisecond})
	var mu sync.Mutex
	var sent []time.Time
	var wg sync.WaitGroup
	for range 5 {
		wg.Go(func() {
			r, err := b.Reserve(context.Background(), opListContainers)
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
	b.Refused(opListImages, time.Now(), Refusal{Limit: 5, Window: time.Second, RetryAfter: 300 * time.Millisecond})
	require.Greater(t, b.ReadyIn(opListImages), 250*time.Millisecond)
}
