package hssclient

import (
	"context"
	"net/http"
	"net/http/httptest"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/hss-exporter/hss_exporter/hssclient/auth"
	"github.com/hss-exporter/hss_exporter/hssclient/budget"
	"github.com/hss-exporter/hss_exporter/hssclient/transport"
)

// The client with a budget: a refusal the budget learns from, waited out
// in the budget rather than retried.

// testMinute is the budgets' minute in these tests: short enough to run
// several windows in a second, long enough for scheduling noise.
const testMinute = 400 * time.Millisecond

// refusingServer answers 429 with body to the first call, then 200 with
// an empty page; it records when each call arrived.
func refusingServer(t *testing.T, body string) (*httptest.Server, *[]time.Time) {
	t.Helper()
	var mu sync.Mutex
	var calls []time.Time
	var n atomic.Int32
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		mu.Lock()
		calls = append(calls, time.Now())
		mu.Unlock()
		w.Header().Set("Content-Type", "application/json")
		if n.Add(1) == 1 {
			w.WriteHeader(http.StatusTooManyRequests)
			_, _ = w.Write([]byte(body))
			return
		}
		_, _ = w.Write([]byte(`{"total_num":0,"data_list":[]}`))
	}))
	t.Cleanup(srv.Close)
	return srv, &calls
}

func budgetClient(t *testing.T, url string, b *budget.Budget) *Client {
	t.Helper()
	c, err := New(Config{Region: "cn-north-4", ProjectID: "p1", Endpoint: url, Auth: auth.NewAKSK("AK", "SK", ""),
		Budget: b, RetryBaseDelay: time.Millisecond, MaxRetryDelay: 10 * time.Millisecond})
	require.NoError(t, err)
	return c
}

func TestRefusalLowersTheBudgetAndIsNotRetriedInsideItsWindow(t *testing.T) {
	t.Parallel()
	srv, calls := refusingServer(t, `{"error_code":"APIG.0308","error_msg":"over ratelimit, limit:3, time:1 minute"}`)
	b := budget.NewBudgets(budget.Options{Minute: testMinute}).For("ak:AK", 5)
	c := budgetClient(t, srv.URL, b)
	err := c.EachContainer(context.Background(), ListContainersRequest{ImageName: "nginx", ImageVersion: "1"},
		func(Container) error { return nil })
	require.NoError(t, err)
	require.InDelta(t, 3, b.PerMinute(OpListContainers), 1e-9, "limit:3 replaces the budget at once")
	require.True(t, b.Learned(OpListContainers))
	require.Len(t, *calls, 2)
	require.GreaterOrEqual(t, (*calls)[1].Sub((*calls)[0]), testMinute,
		"the refused call was retried inside the window that refused it")
}

func TestRefusalWithoutALimitWaitsTheDocumentedMinute(t *testing.T) {
	t.Parallel()
	srv, calls := refusingServer(t, `{"error_code":"APIG.0308","error_msg":"over ratelimit"}`)
	b := budget.NewBudgets(budget.Options{Minute: testMinute}).For("ak:AK", 5)
	c := budgetClient(t, srv.URL, b)
	require.NoError(t, c.EachContainer(context.Background(), ListContainersRequest{ImageName: "a", ImageVersion: "1"},
		func(Container) error { return nil }))
	require.InDelta(t, 5, b.PerMinute(OpListContainers), 1e-9, "an answer naming no limit teaches none")
	require.GreaterOrEqual(t, (*calls)[1].Sub((*calls)[0]), testMinute)
}

func TestRefusalOutlivingTheDeadlineFailsAtOnce(t *testing.T) {
	t.Parallel()
	srv, calls := refusingServer(t, `{"error_code":"APIG.0308","error_msg":"over ratelimit, limit:5, time:1 minute"}`)
	b := budget.NewBudgets(budget.Options{Minute: time.Hour}).For("ak:AK", 5)
	c := budgetClient(t, srv.URL, b)
	ctx, cancel := context.WithTimeout(context.Background(), 6*time.Second)
	defer cancel()
	start := time.Now()
	err := c.EachContainer(ctx, ListContainersRequest{ImageName: "a", ImageVersion: "1"}, func(Container) error { return nil })
	require.True(t, transport.Classify(err) == transport.ClassThrottled, "err: %v", err)
	require.Less(t, time.Since(start), 3*time.Second, "waited for a window the caller cannot see the end of")
	require.Len(t, *calls, 1)
}

func TestPersistentPerSecondRefusalIsNotALoop(t *testing.T) {
	t.Parallel()
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
	b := budget.NewBudgets(budget.Options{Minute: testMinute}).For("ak:AK", 100000)
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
