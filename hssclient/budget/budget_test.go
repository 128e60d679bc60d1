package budget

import (
	"context"
	"sort"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/hss-exporter/hss_exporter/internal/testclock"
)

// The operations the tests spend, named as the client names them (a
// budget counts any string it is given).
const (
	opListContainers = "ListLocalImageContainers"
	opListImages     = "ListImageLocal"
)

// testMinute is the budgets' minute in these tests: short enough to run
// several windows in a second, long enough for scheduling noise. The
// tests that wait it out run in parallel all the same: they only sleep,
// and the package's other tests run on the test clock in microseconds.
const testMinute = 400 * time.Millisecond

// maxInSpan returns the most times that fall within any span.
func maxInSpan(times []time.Time, span time.Duration) int {
	sort.Slice(times, func(i, j int) bool { return times[i].Before(times[j]) })
	most := 0
	for i := range times {
		n := 0
		for j := i; j < len(times) && times[j].Sub(times[i]) < span; j++ {
			n++
		}
		most = max(most, n)
	}
	return most
}

func TestBudgetStartsNoMoreThanNCallsInAnyMinute(t *testing.T) {
	t.Parallel()
	b := NewBudgets(Options{Minute: testMinute}).For("ak:one", 5)
	var mu sync.Mutex
	var sent []time.Time
	var wg sync.WaitGroup
	start := time.Now()
	for range 12 {
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
	require.Len(t, sent, 12)
	require.LessOrEqual(t, maxInSpan(sent, testMinute), 5, "a minute held more than the budget")
	// 12 calls at 5 a minute need three windows: two full waits.
	require.GreaterOrEqual(t, time.Since(start), 2*testMinute)
	require.Less(t, time.Since(start), 4*testMinute)
}

// spend sends n calls of op one after another, the clock moving on by
// the budget's second after each, as the budget spaces them.
func spend(t *testing.T, b *Budget, clock *testclock.Clock, op string, n int) {
	t.Helper()
	for range n {
		r, err := b.Reserve(context.Background(), op)
		require.NoError(t, err)
		r.Sent()
		clock.Advance(b.second())
	}
}

// hourBudgets are budgets whose minute is an hour on a clock the test
// moves, so that no window ends while a test runs.
func hourBudgets() (*Budgets, *testclock.Clock) {
	clock := testclock.New(time.Date(2026, 12, 1, 8, 0, 0, 0, time.UTC))
	return NewBudgets(Options{Minute: time.Hour, Now: clock.Now}), clock
}

func TestBudgetOperationsHaveTheirOwnWindows(t *testing.T) {
	t.Parallel()
	budgets, clock := hourBudgets()
	b := budgets.For("ak:one", 2)
	spend(t, b, clock, opListContainers, 2)
	require.Positive(t, b.ReadyIn(opListContainers), "the listing budget is spent")
	require.Zero(t, b.ReadyIn(opListImages), "discovery has a budget of its own")
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Millisecond)
	defer cancel()
	_, err := b.Reserve(ctx, opListContainers)
	require.ErrorIs(t, err, context.DeadlineExceeded)
}

func TestBudgetSendsNoMoreThanItsShareInAnySecond(t *testing.T) {
	t.Parallel()
	budgets, clock := clockedBudgets()
	sixty := budgets.For("ak:sixty", 60)
	r, err := sixty.Reserve(context.Background(), opListContainers)
	require.NoError(t, err)
	r.Sent()
	require.Equal(t, 1100*time.Millisecond, sixty.ReadyIn(opListContainers),
		"60 a minute is one a second, as a gateway counting limit:1, time:1 second allows, with a tenth for jitter")

	many := budgets.For("ak:many", 6000)
	for range 100 {
		r, err := many.Reserve(context.Background(), opListContainers)
		require.NoError(t, err)
		r.Sent()
	}
	require.Positive(t, many.ReadyIn(opListContainers), "a hundred in a second at 6,000 a minute")
	clock.Advance(1100 * time.Millisecond)
	require.Zero(t, many.ReadyIn(opListContainers), "and a hundred more the next second")
}

func TestBudgetCountsReservedCallsUntilCancelled(t *testing.T) {
	t.Parallel()
	b := NewBudgets(Options{Minute: time.Hour}).For("ak:one", 1)
	r, err := b.Reserve(context.Background(), opListImages)
	require.NoError(t, err)
	require.Positive(t, b.ReadyIn(opListImages), "a reserved call holds its place")
	r.Cancel()
	require.Zero(t, b.ReadyIn(opListImages), "a call never sent gives its place back")
}

func TestBudgetBelowOneCallAMinuteSpacesCalls(t *testing.T) {
	t.Parallel()
	// A shard's share of 5 a minute over 8 shards: one call per 96 s.
	limit, span := windowFor(5.0/8, time.Minute)
	require.Equal(t, 1, limit)
	require.Equal(t, 96*time.Second, span)
	b := NewBudgets(Options{Minute: time.Minute}).For("ak:one", 5.0/8)
	require.InDelta(t, 0.625, b.PerMinute(opListContainers), 1e-9)
}

func TestBudgetsShareOneBudgetPerIdentity(t *testing.T) {
	t.Parallel()
	budgets, clock := hourBudgets()
	a := budgets.For("ak:shared", 5)
	b := budgets.For("ak:shared", 3)
	require.Same(t, a, b, "two targets with one access key spend from one budget")
	require.InDelta(t, 3, a.PerMinute(opListContainers), 1e-9, "the lower configured rate holds")
	require.NotSame(t, a, budgets.For("ak:other", 5))
	spend(t, a, clock, opListContainers, 3)
	require.Positive(t, b.ReadyIn(opListContainers))
}

func TestParseRefusal(t *testing.T) {
	t.Parallel()
	for msg, want := range map[string]Refusal{
		"The throttling threshold has been reached: policy user over ratelimit, limit:5, time:1 minute": {Limit: 5, Window: time.Minute},
		"over ratelimit,limit:3,time:1 second":                                                          {Limit: 3, Window: time.Second},
		"over ratelimit, LIMIT: 20, TIME: 2 Hour":                                                       {Limit: 20, Window: 2 * time.Hour},
		"over ratelimit":                            {},
		"limit:0, time:1 minute":                    {},
		"limit:99999999999999999999, time:1 minute": {},
	} {
		require.Equal(t, want, ParseRefusal(msg, 0), msg)
	}
	require.Equal(t, 7*time.Second, ParseRefusal("", 7*time.Second).RetryAfter)
}

func TestBudgetStateOutlivesARestart(t *testing.T) {
	t.Parallel()
	budgets, clock := hourBudgets()
	before := budgets.For("ak:one", 5)
	spend(t, before, clock, opListContainers, 5)
	before.Refused(opListImages, clock.Now(), Refusal{Limit: 2, Window: time.Minute})

	after := NewBudgets(Options{Minute: time.Hour, Now: clock.Now}).For("ak:one", 5)
	after.Restore(before.State())
	require.Positive(t, after.ReadyIn(opListContainers), "the window's calls were spent before the restart")
	require.Positive(t, after.ReadyIn(opListImages), "the refusal's hold stands")
	require.True(t, after.Learned(opListImages))
	require.InDelta(t, before.PerMinute(opListImages), after.PerMinute(opListImages), 1e-9, "the limit HSS named stands")

	hostile := State{Ops: map[string]OpState{opListContainers: {
		BlockedUntil: time.Now().Add(1000 * time.Hour), LearnedLimit: 1, LearnedWindow: 1000 * time.Hour,
		Sent: []time.Time{time.Now().Add(time.Hour)},
	}}}
	fresh := NewBudgets(Options{}).For("ak:two", 5)
	fresh.Restore(hostile)
	require.Zero(t, fresh.ReadyIn(opListContainers), "a damaged file cannot hold calls for ever")
	require.False(t, fresh.Learned(opListContainers))
}

// A call that waited longest goes first: the window's slots are not won
// by whichever waiter happens to wake first, so a listing the scheduler
// took early is never starved by ones it took later.
func TestBudgetServesWaitingCallsInTheOrderTheyCame(t *testing.T) {
	t.Parallel()
	b := NewBudgets(Options{Minute: testMinute / 2}).For("ak:one", 1)
	r, err := b.Reserve(context.Background(), opListContainers)
	require.NoError(t, err)
	r.Sent()
	queued := func() int {
		b.mu.Lock()
		defer b.mu.Unlock()
		return len(b.op(opListContainers).queue)
	}
	var mu sync.Mutex
	var order []int
	var wg sync.WaitGroup
	for i := range 5 {
		wg.Go(func() {
			r, err := b.Reserve(context.Background(), opListContainers)
			require.NoError(t, err)
			mu.Lock()
			order = append(order, i)
			mu.Unlock()
			r.Sent()
		})
		require.Eventually(t, func() bool { return queued() == i+1 }, time.Second, time.Millisecond)
		require.Positive(t, b.ReadyIn(opListContainers), "a new call would queue behind those waiting")
	}
	wg.Wait()
	require.Equal(t, []int{0, 1, 2, 3, 4}, order)
}
