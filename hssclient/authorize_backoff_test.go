package hssclient_test

import (
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/hss-exporter/hss_exporter/hssclient"
	"github.com/hss-exporter/hss_exporter/hssclient/auth"
	"github.com/hss-exporter/hss_exporter/hssclient/transport"
	"github.com/hss-exporter/hss_exporter/internal/hssfake"
	"github.com/hss-exporter/hss_exporter/internal/testclock"
)

const (
	wrongSecretKey = "wrong-secret-key-BKF1"
	backoffStep    = 10 * time.Second
)

// refusedSetup is a fake with the demo keys and a Secret volume holding a
// wrong secret key, and a way to make clients signing with the volume's
// keys, sharing one backoff per identity on one fake clock.
type refusedSetup struct {
	srv      *hssfake.Server
	vol      *secretVolume
	clk      *testclock.Clock
	backoffs *auth.Backoffs
}

func newRefusedSetup(t *testing.T) *refusedSetup {
	s := &refusedSetup{srv: startFake(t, 20), clk: testclock.New(time.Now())}
	s.vol = newSecretVolume(t, map[string]string{"access_key": hssfake.DemoAccessKey, "secret_key": wrongSecretKey})
	s.backoffs = auth.NewBackoffs(auth.BackoffOptions{Now: s.clk.Now})
	return s
}

// client signs with the volume's keys, looked at every second of the
// fake clock, and backs off as identity.
func (s *refusedSetup) client(t *testing.T, identity string) *hssclient.Client {
	authn := auth.NewRotatingAKSK(auth.AKSKConfig{
		AccessKey: auth.Credential{Value: hssfake.DemoAccessKey, File: s.vol.path("access_key")},
		SecretKey: auth.Credential{Value: wrongSecretKey, File: s.vol.path("secret_key")},
		Rotation:  auth.RotationOptions{CheckInterval: time.Second, Now: s.clk.Now},
	})
	return fakeClient(t, s.srv, authn, func(cfg *hssclient.Config) {
		cfg.AuthBackoff = s.backoffs.For(identity, backoffStep)
	})
}

// refusedFor returns how long c's credentials stay refused from now.
func (s *refusedSetup) refusedFor(c *hssclient.Client) time.Duration {
	at := c.RefusedUntil()
	if at.IsZero() {
		return 0
	}
	return at.Sub(s.clk.Now())
}

// requireHeldBack checks that a call fails at once, as refused, without a
// request reaching the API.
func (s *refusedSetup) requireHeldBack(t *testing.T, c *hssclient.Client) {
	t.Helper()
	before := len(s.srv.AuthFailures()) + s.srv.RequestsFor(hssfake.OpListImageLocal)
	err := listOnce(c)
	next, ok := auth.CredentialsRefused(err)
	require.True(t, ok, "err: %v", err)
	require.Equal(t, c.RefusedUntil(), next)
	require.True(t, auth.IsCredentialError(err))
	require.True(t, transport.Classify(err) == transport.ClassAuth, "still an authentication failure: %v", err)
	require.ErrorContains(t, err, "credentials refused; next attempt at "+next.UTC().Format(time.RFC3339))
	require.ErrorContains(t, err, "HTTP 401 APIG.0301")
	require.NotContains(t, err.Error(), wrongSecretKey)
	require.Equal(t, before, len(s.srv.AuthFailures())+s.srv.RequestsFor(hssfake.OpListImageLocal), "nothing sent")
}

func TestRefusedKeyWaitsDoublingStepsUpToTheCap(t *testing.T) {
	t.Parallel()
	s := newRefusedSetup(t)
	c := s.client(t, "ak:one")
	require.Zero(t, c.RefusedUntil(), "nothing refused yet")
	// 1, 2, 4 ... steps of 10 s, each less a tenth of a step, until 30 min.
	want := []time.Duration{10, 20, 40, 80, 160, 320, 640, 1280, 1800, 1800}
	for i, w := range want {
		err := listOnce(c)
		_, ok := auth.CredentialsRefused(err)
		require.True(t, ok, "err: %v", err)
		require.Len(t, s.srv.AuthFailures(), i+1, "one attempt per due time")
		require.Equal(t, w*time.Second-time.Second, s.refusedFor(c), "wait after refusal %d", i+1)
		s.requireHeldBack(t, c)
		s.clk.Advance(s.refusedFor(c) - time.Millisecond)
		s.requireHeldBack(t, c)
		s.clk.Advance(time.Millisecond)
	}
}

func TestRefusalHoldsEveryClientOfTheIdentity(t *testing.T) {
	t.Parallel()
	s := newRefusedSetup(t)
	a, b := s.client(t, "ak:shared"), s.client(t, "ak:shared")
	require.Error(t, listOnce(a))
	require.Len(t, s.srv.AuthFailures(), 1)
	require.Equal(t, a.RefusedUntil(), b.RefusedUntil())
	s.requireHeldBack(t, b)

	// When the attempt is due, one of them makes it, and the other is held
	// by its outcome: two refusals in all, not four.
	s.clk.Advance(s.refusedFor(a))
	require.Error(t, listOnce(b))
	s.requireHeldBack(t, a)
	require.Len(t, s.srv.AuthFailures(), 2)
	require.Equal(t, 19*time.Second, s.refusedFor(a), "the second refusal in a row doubles the wait")

	// Another identity has a backoff of its own.
	other := s.client(t, "ak:other")
	require.Zero(t, other.RefusedUntil())
	require.Error(t, listOnce(other))
	require.Len(t, s.srv.AuthFailures(), 3)
}

func TestNewKeyInTheFilesIsTriedAtOnce(t *testing.T) {
	t.Parallel()
	s := newRefusedSetup(t)
	a, b := s.client(t, "ak:shared"), s.client(t, "ak:shared")
	require.Error(t, listOnce(a))
	require.Error(t, listOnce(a))
	s.clk.Advance(2 * time.Second)

	// The same wrong key written again is no new key.
	s.vol.update(map[string]string{"access_key": hssfake.DemoAccessKey, "secret_key": wrongSecretKey})
	s.requireHeldBack(t, a)

	// Another wrong key is tried once, at once, and its wait starts over.
	s.vol.update(map[string]string{"access_key": hssfake.DemoAccessKey, "secret_key": "second-wrong-key-BKF2"})
	s.clk.Advance(2 * time.Second)
	require.Error(t, listOnce(a))
	require.Len(t, s.srv.AuthFailures(), 2)
	require.Equal(t, 9*time.Second, s.refusedFor(a))
	s.clk.Advance(2 * time.Second)
	s.requireHeldBack(t, b) // b sees the same new key: already refused

	// The corrected key is tried at once and ends the backoff for both.
	s.vol.update(map[string]string{"access_key": hssfake.DemoAccessKey, "secret_key": hssfake.DemoSecretKey})
	s.clk.Advance(2 * time.Second)
	require.NoError(t, listOnce(b))
	require.Zero(t, a.RefusedUntil())
	require.NoError(t, listOnce(a))
	require.Len(t, s.srv.AuthFailures(), 2)
}

func TestSuccessEndsTheBackoff(t *testing.T) {
	t.Parallel()
	s := newRefusedSetup(t)
	c := s.client(t, "ak:one")
	require.Error(t, listOnce(c))
	s.clk.Advance(s.refusedFor(c))
	require.Error(t, listOnce(c))
	require.Equal(t, 19*time.Second, s.refusedFor(c))

	// The account's key is set to the one the files hold: the attempt
	// that comes due succeeds, and calls flow again.
	s.srv.RotateAccessKey(hssfake.DemoAccessKey, wrongSecretKey)
	s.requireHeldBack(t, c)
	s.clk.Advance(s.refusedFor(c))
	require.NoError(t, listOnce(c))
	require.Zero(t, c.RefusedUntil())
	require.NoError(t, listOnce(c))

	// A later refusal starts from one step again.
	s.srv.RotateAccessKey(hssfake.DemoAccessKey, hssfake.DemoSecretKey)
	require.Error(t, listOnce(c))
	require.Equal(t, 9*time.Second, s.refusedFor(c))
}

func TestRefusedPasswordSendsNothingWhileBackingOff(t *testing.T) {
	t.Parallel()
	s := newRefusedSetup(t)
	authn := auth.NewIAM(auth.IAMConfig{Endpoint: s.srv.URL, Domain: hssfake.DemoIAMDomain,
		Username: hssfake.DemoIAMUser, Password: "wrong-password-BKF3", ProjectID: hssfake.DemoProjectID})
	backoff := s.backoffs.For("iam:"+hssfake.DemoIAMDomain+"/"+hssfake.DemoIAMUser, backoffStep)
	c := fakeClient(t, s.srv, authn, func(cfg *hssclient.Config) { cfg.AuthBackoff = backoff })
	for range 3 {
		err := listOnce(c)
		_, ok := auth.CredentialsRefused(err)
		require.True(t, ok, "err: %v", err)
		require.ErrorContains(t, err, "username and password")
		require.NotContains(t, err.Error(), "wrong-password-BKF3")
	}
	require.Equal(t, 1, s.srv.RequestsFor(hssfake.OpCreateToken), "IAM was asked once")
	require.Zero(t, s.srv.RequestsFor(hssfake.OpListImageLocal), "no API call without a token")
	s.clk.Advance(s.refusedFor(c))
	require.Error(t, listOnce(c))
	require.Equal(t, 2, s.srv.RequestsFor(hssfake.OpCreateToken), "asked again when due")
}

func TestRevokedTokenIsRefreshedOnceThenBacksOff(t *testing.T) {
	t.Parallel()
	srv := startFake(t, 20)
	// The gateway refuses every token, fresh ones included (revoked user).
	srv.AddFault(hssfake.Fault{Operation: hssfake.OpListImageLocal, Kind: hssfake.FaultStatus, Status: 401})
	c := fakeClient(t, srv, auth.NewIAM(auth.IAMConfig{Endpoint: srv.URL, Domain: hssfake.DemoIAMDomain,
		Username: hssfake.DemoIAMUser, Password: hssfake.DemoIAMPassword, ProjectID: hssfake.DemoProjectID}), nil)
	for range 3 {
		_, err := inventory(t, c)
		require.True(t, transport.Classify(err) == transport.ClassAuth, "err: %v", err)
		require.True(t, auth.IsCredentialError(err), "err: %v", err)
		require.ErrorContains(t, err, "check:")
		require.Equal(t, 2, srv.RequestsFor(hssfake.OpListImageLocal), "one retry with a fresh token, then none while backing off")
		require.Equal(t, 2, srv.RequestsFor(hssfake.OpCreateToken))
	}
}

// TestPasswordChangedAtIAMBacksOffFromTheFirstRefusal: IAM refuses the
// renewal of a token that still works (the password was changed at IAM).
// That refusal is the first of the 1-2-4 schedule: nothing is sent until
// a step later, and the steps double from there.
func TestPasswordChangedAtIAMBacksOffFromTheFirstRefusal(t *testing.T) {
	// Not parallel: it sleeps into a 200 ms window of the token's real
	// lifetime, which a test beside it could push it past.
	fleet := hssfake.Generate(hssfake.GenerateOptions{Seed: 7, Containers: 20})
	opts := hssfake.DemoOptions(fleet)
	opts.TokenTTL = 400 * time.Millisecond // renewed after 200 ms of it
	srv, err := hssfake.Start(opts)
	require.NoError(t, err)
	t.Cleanup(srv.Close)
	clk := testclock.New(time.Now())
	authn := auth.NewIAM(auth.IAMConfig{Endpoint: srv.URL, Domain: hssfake.DemoIAMDomain,
		Username: hssfake.DemoIAMUser, Password: hssfake.DemoIAMPassword, ProjectID: hssfake.DemoProjectID})
	backoff := auth.NewBackoff(backoffStep, auth.BackoffOptions{Now: clk.Now})
	c := fakeClient(t, srv, authn, func(cfg *hssclient.Config) { cfg.AuthBackoff = backoff })
	require.NoError(t, listOnce(c))

	srv.RotateIAMPassword("changed-at-iam-BKF4")
	time.Sleep(250 * time.Millisecond) // due for renewal, not expired
	_, refused := auth.CredentialsRefused(listOnce(c))
	require.True(t, refused, "the refused renewal is a refusal")
	require.Equal(t, 2, srv.RequestsFor(hssfake.OpCreateToken))
	for _, wait := range []time.Duration{9 * time.Second, 19 * time.Second, 39 * time.Second} {
		require.Equal(t, wait, c.RefusedUntil().Sub(clk.Now()))
		before := srv.RequestsFor(hssfake.OpCreateToken)
		clk.Advance(wait - time.Second)
		_, refused = auth.CredentialsRefused(listOnce(c))
		require.True(t, refused)
		require.Equal(t, before, srv.RequestsFor(hssfake.OpCreateToken), "nothing asked before the attempt is due")
		clk.Advance(time.Second)
		_, refused = auth.CredentialsRefused(listOnce(c))
		require.True(t, refused)
		require.Equal(t, before+1, srv.RequestsFor(hssfake.OpCreateToken), "one attempt when due")
	}
}
