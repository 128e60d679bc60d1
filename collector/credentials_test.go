package collector

import (
	"context"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/go-kit/log"
	"github.com/stretchr/testify/require"

	"github.com/hss-exporter/hss_exporter/hssclient"
	"github.com/hss-exporter/hss_exporter/hssclient/auth"
	"github.com/hss-exporter/hss_exporter/internal/hssfake"
	"github.com/hss-exporter/hss_exporter/internal/testclock"
	"github.com/hss-exporter/hss_exporter/internal/testtool"
)

const refusedSK = "wrong-secret-key-for-backoff-0002"

// refusedTargets serves fleet and returns an Exporter with one target per
// name, all signing with the demo access key and the secret key in
// keyFile, backing off together as one identity on clock; the Exporter
// runs on tc, or on the wall clock when tc is nil.
func refusedTargets(t *testing.T, keyFile string, refresh time.Duration, clock func() time.Time,
	logger log.Logger, tc *testclock.Clock, names ...string) (*Exporter, *hssfake.Server, []Target) {
	t.Helper()
	fleet := hssfake.Generate(hssfake.GenerateOptions{Seed: 5, Containers: 20})
	srv, err := hssfake.Start(hssfake.DemoOptions(fleet))
	require.NoError(t, err)
	transport := &http.Transport{}
	t.Cleanup(func() {
		srv.Close()
		transport.CloseIdleConnections()
	})
	backoffs := auth.NewBackoffs(auth.BackoffOptions{Now: clock})
	stats := NewAPIStats()
	var targets []Target
	for _, name := range names {
		cfg := clientTarget()
		cfg.Name, cfg.RefreshInterval, cfg.RequestTimeout = name, refresh, refresh/2
		authn := auth.NewRotatingAKSK(auth.AKSKConfig{
			AccessKey: auth.Credential{Value: hssfake.DemoAccessKey},
			SecretKey: auth.Credential{Value: refusedSK, File: keyFile},
			// A tenth of the refresh, as 5 s is of a 10 s refresh.
			Rotation: auth.RotationOptions{CheckInterval: refresh / 2, Now: clock},
		})
		client, err := hssclient.New(hssclient.Config{
			Region: hssfake.DemoRegion, ProjectID: hssfake.DemoProjectID, Endpoint: srv.URL, Auth: authn,
			HTTPClient: &http.Client{Transport: transport}, PageSize: cfg.PageSize, RequestTimeout: cfg.RequestTimeout,
			Observer: stats.Observer(name), AuthBackoff: backoffs.For("ak:"+hssfake.DemoAccessKey, refresh),
		})
		require.NoError(t, err)
		targets = append(targets, Target{Config: cfg, API: client, Posture: client, Credentials: client})
	}
	if tc != nil {
		return newClockedExporter(tc, logger, targets, stats, Options{}), srv, targets
	}
	return NewExporter(logger, targets, stats, Options{}), srv, targets
}

func writeKey(t *testing.T, file, key string) {
	t.Helper()
	require.NoError(t, os.WriteFile(file+".new", []byte(key+"\n"), 0o600))
	require.NoError(t, os.Rename(file+".new", file))
}

func TestRefusedCredentialsShowOnEveryTargetOfTheKey(t *testing.T) {
	t.Parallel()
	clock := testclock.New(time.Date(2025, 6, 1, 12, 0, 0, 0, time.UTC))
	keyFile := filepath.Join(t.TempDir(), "secret_key")
	writeKey(t, keyFile, refusedSK)
	e, srv, targets := refusedTargets(t, keyFile, time.Minute, clock.Now, nil, clock, "a", "b")
	require.Equal(t, []string{`hss_exporter_auth_backoff_seconds{target="a"} 0`, `hss_exporter_auth_backoff_seconds{target="b"} 0`},
		seriesWith(t, e, "hss_exporter_auth_backoff_seconds"), "0 before any refusal")

	// b joins once a has been refused, as after a reload: started
	// together, their first discoveries would both ask before either
	// learned of the refusal.
	e.Apply(targets[:1])
	err := refreshOnce(t, e, "a")
	next, refused := auth.CredentialsRefused(err)
	require.True(t, refused, "err: %v", err)
	require.Equal(t, clock.Now().Add(54*time.Second), next)
	e.Apply(targets) // b starts at once
	require.Eventually(t, func() bool { return e.Status()[1].LastResult == ResultFailure }, 10*time.Second, time.Millisecond)
	require.Error(t, passErrorOf(e, "b"))
	require.Len(t, srv.AuthFailures(), 1, "b sent nothing: the key is the same")
	for _, st := range e.Status() {
		require.Equal(t, next, st.CredentialsRefusedUntil, st.Target)
		require.False(t, st.Up)
		require.Contains(t, st.LastError, "credentials refused; next attempt at ")
		require.NotContains(t, st.LastError, refusedSK)
	}
	clock.Advance(30 * time.Second)
	require.Equal(t, []string{`hss_exporter_auth_backoff_seconds{target="a"} 24`, `hss_exporter_auth_backoff_seconds{target="b"} 24`},
		seriesWith(t, e, "hss_exporter_auth_backoff_seconds"))
	requireLintClean(t, e)

	// The key is fixed in the file: the next refresh tries it at once,
	// and the backoff ends for both.
	writeKey(t, keyFile, hssfake.DemoSecretKey)
	clock.Advance(time.Minute / 2)
	require.NoError(t, refreshOnce(t, e, "b"))
	require.NoError(t, refreshOnce(t, e, "a"))
	for _, st := range e.Status() {
		require.True(t, st.CredentialsRefusedUntil.IsZero(), st.Target)
		require.True(t, st.Up, st.Target)
	}
	require.Equal(t, []string{`hss_exporter_auth_backoff_seconds{target="a"} 0`, `hss_exporter_auth_backoff_seconds{target="b"} 0`},
		seriesWith(t, e, "hss_exporter_auth_backoff_seconds"))
	require.Len(t, srv.AuthFailures(), 1)
}

// TestWrongKeyBacksOffThenRecoversSoonAfterTheFix runs the continuous
// scheduler with a wrong secret key, a tenth of the way an operator
// would (a 1 s refresh standing for 10 s, a 0.5 s look at the files for
// 5 s): within 6.5 s (65 s) at most 4 authentication attempts, hss_up 0,
// not ready, no secret in the log; once the key file is corrected, a
// refresh succeeds within 2 s (20 s).
func TestWrongKeyBacksOffThenRecoversSoonAfterTheFix(t *testing.T) {
	t.Parallel()
	const refresh = time.Second
	keyFile := filepath.Join(t.TempDir(), "secret_key")
	writeKey(t, keyFile, refusedSK)
	sink := &testtool.SyncBuffer{}
	e, srv, _ := refusedTargets(t, keyFile, refresh, time.Now, log.NewLogfmtLogger(sink), nil, "demo")
	ctx, cancel := context.WithCancel(context.Background())
	var wg sync.WaitGroup
	wg.Go(func() { e.Run(ctx) })
	t.Cleanup(func() { cancel(); wg.Wait() })

	time.Sleep(65 * refresh / 10)
	attempts := len(srv.AuthFailures())
	t.Logf("%d authentication attempts in 6.5 refresh intervals", attempts)
	require.Positive(t, attempts)
	require.LessOrEqual(t, attempts, 4)
	require.Equal(t, []string{`hss_up{target="demo"} 0`}, seriesWith(t, e, "hss_up"))
	ready, reasons := e.Ready()
	require.False(t, ready)
	require.Contains(t, strings.Join(reasons, "\n"), "credentials refused; next attempt at ")
	require.NotContains(t, sink.String(), refusedSK)
	require.NotContains(t, sink.String(), hssfake.DemoSecretKey)

	fixed := time.Now()
	writeKey(t, keyFile, hssfake.DemoSecretKey)
	require.Eventually(t, func() bool {
		st := e.Status()[0]
		return st.Up && st.LastRefresh.After(fixed)
	}, 2*refresh, 10*time.Millisecond, "a refresh succeeds within two refresh intervals of the fix")
	t.Logf("first good refresh %s after the key file was fixed", time.Since(fixed).Round(10*time.Millisecond))
	ready, _ = e.Ready()
	require.True(t, ready)
	require.Len(t, srv.AuthFailures(), attempts, "the fixed key was not refused")
	require.NotContains(t, sink.String(), hssfake.DemoSecretKey)
}
