package collector

import (
	"context"
	"net/http"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/hss-exporter/hss_exporter/hssclient"
	"github.com/hss-exporter/hss_exporter/hssclient/auth"
	"github.com/hss-exporter/hss_exporter/internal/hssfake"
)

// TestIAMAnswering500BacksOffKeepsTheCountsAndRecoversWithinARefresh runs
// the continuous scheduler against an IAM that answers 500, a tenth of
// the way an operator would see it (a 1 s refresh standing for 10 s, IAM
// tokens lasting about one refresh so the outage soon leaves none): for
// 6 s (60 s) from the first failure that held the target, at most 6
// token requests, the counts served unchanged, the backoff on the status
// and in hss_exporter_auth_backoff_seconds; once IAM answers again, a
// refresh succeeds within about one refresh interval.
func TestIAMAnswering500BacksOffKeepsTheCountsAndRecoversWithinARefresh(t *testing.T) {
	t.Parallel()
	const refresh = time.Second
	opts := hssfake.DemoOptions(hssfake.Generate(hssfake.GenerateOptions{Seed: 5, Containers: 20}))
	opts.TokenTTL = 1200 * time.Millisecond
	srv, err := hssfake.Start(opts)
	require.NoError(t, err)
	transport := &http.Transport{}
	t.Cleanup(func() { srv.Close(); transport.CloseIdleConnections() })
	cfg := clientTarget()
	cfg.Name, cfg.RefreshInterval, cfg.RequestTimeout = "demo", refresh, refresh/2
	stats := NewAPIStats()
	client, err := hssclient.New(hssclient.Config{Region: hssfake.DemoRegion, ProjectID: hssfake.DemoProjectID,
		Endpoint: srv.URL, HTTPClient: &http.Client{Transport: transport}, PageSize: cfg.PageSize,
		RequestTimeout: cfg.RequestTimeout, Observer: stats.Observer(cfg.Name),
		Auth: auth.NewIAM(auth.IAMConfig{Endpoint: srv.URL, Domain: hssfake.DemoIAMDomain,
			Username: hssfake.DemoIAMUser, Password: hssfake.DemoIAMPassword, ProjectID: hssfake.DemoProjectID,
			HTTPClient: &http.Client{Transport: transport}}),
		AuthBackoff: auth.NewBackoff(refresh, auth.BackoffOptions{}),
	})
	require.NoError(t, err)
	e := NewExporter(nil, []Target{{Config: cfg, API: client, Posture: client, Credentials: client}}, stats, Options{})
	ctx, cancel := context.WithCancel(context.Background())
	var wg sync.WaitGroup
	wg.Go(func() { e.Run(ctx) })
	t.Cleanup(func() { cancel(); wg.Wait() })
	require.Eventually(t, func() bool { st := e.Status()[0]; return st.Up && st.Containers == 20 }, 5*refresh, 10*time.Millisecond)

	srv.AddFault(hssfake.Fault{Operation: hssfake.OpCreateToken, Kind: hssfake.FaultStatus, Status: 500})
	require.Eventually(t, func() bool { return !e.Status()[0].CredentialsUnavailableUntil.IsZero() },
		3*refresh, 5*time.Millisecond, "the token expires and IAM's 500 holds the target")
	held, tokens := time.Now(), srv.RequestsFor(hssfake.OpCreateToken)
	for time.Since(held) < 6*refresh {
		st := e.Status()[0]
		require.Equal(t, 20, st.Containers, "the counts served are kept")
		require.True(t, st.CredentialsRefusedUntil.IsZero(), "not a refusal")
		time.Sleep(50 * time.Millisecond)
	}
	during := srv.RequestsFor(hssfake.OpCreateToken) - tokens
	t.Logf("%d token requests in the 6 refresh intervals after the first held failure", during)
	require.LessOrEqual(t, during, 6)
	st := e.Status()[0]
	require.False(t, st.Up)
	require.False(t, st.CredentialsUnavailableUntil.IsZero(), "the status says when IAM is asked next")
	backoff := seriesWith(t, e, "hss_exporter_auth_backoff_seconds")
	require.Len(t, backoff, 1)
	require.NotEqual(t, `hss_exporter_auth_backoff_seconds{target="demo"} 0`, backoff[0])
	require.Contains(t, st.LastError, "credentials unavailable; next attempt at ")

	srv.ClearFaults()
	back := time.Now()
	require.Eventually(t, func() bool {
		st := e.Status()[0]
		return st.Up && st.LastRefresh.After(back)
	}, 2*refresh, 10*time.Millisecond, "a refresh succeeds within about one refresh interval of IAM's return")
	t.Logf("first good refresh %s after IAM answered again", time.Since(back).Round(10*time.Millisecond))
	st = e.Status()[0]
	require.Equal(t, 20, st.Containers)
	require.True(t, st.CredentialsUnavailableUntil.IsZero())
	require.Equal(t, []string{`hss_exporter_auth_backoff_seconds{target="demo"} 0`}, seriesWith(t, e, "hss_exporter_auth_backoff_seconds"))
}
