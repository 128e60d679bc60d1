package hssclient

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/hss-exporter/hss_exporter/hssclient/auth"
	"github.com/hss-exporter/hss_exporter/hssclient/transport"
	"github.com/hss-exporter/hss_exporter/internal/hssfake"
	"github.com/hss-exporter/hss_exporter/internal/testclock"
)

// oidcFleet is a stand-in whose IAM trusts identity provider cce-idp for
// two ID tokens and issues 30 s keys, all on clock, and a client that
// signs with keys it exchanged the token in file for.
func oidcFleet(t *testing.T, clock *testclock.Clock) (srv *hssfake.Server, client *Client, file string) {
	t.Helper()
	opts := hssfake.DemoOptions(hssfake.Generate(hssfake.GenerateOptions{Seed: 13, Containers: 300}))
	opts.Now = clock.Now
	opts.OIDC = hssfake.OIDCOptions{IDTokens: map[string][]string{"cce-idp": {"jwt-first", "jwt-second"}},
		KeyTTL: 30 * time.Second}
	srv, err := hssfake.Start(opts)
	require.NoError(t, err)
	t.Cleanup(srv.Close)
	file = writeIDToken(t, "", "jwt-first\n")
	client, err = New(Config{Region: hssfake.DemoRegion, ProjectID: hssfake.DemoProjectID, Endpoint: srv.URL,
		Auth:     auth.NewOIDC(auth.OIDCConfig{Endpoint: srv.URL, IdpID: "cce-idp", IDTokenFile: file, Now: clock.Now}),
		PageSize: 50, MaxConcurrency: 8, RetryBaseDelay: time.Millisecond, MaxRetryDelay: 5 * time.Millisecond})
	require.NoError(t, err)
	return srv, client, file
}

func newFakeClock() *testclock.Clock {
	return testclock.New(time.Date(2026, 11, 26, 8, 0, 0, 0, time.UTC))
}

// writeIDToken writes token to path (a new file when empty) as the
// kubelet does, by renaming a complete file into place.
func writeIDToken(t *testing.T, path, token string) string {
	t.Helper()
	if path == "" {
		path = filepath.Join(t.TempDir(), "oidc-token")
	}
	require.NoError(t, os.WriteFile(path+".new", []byte(token), 0o600))
	require.NoError(t, os.Rename(path+".new", path))
	return path
}

// containersPerImage lists every image, then each image's containers.
func containersPerImage(ctx context.Context, c *Client) (map[hssfake.ImageKey]int, error) {
	counts := map[hssfake.ImageKey]int{}
	var images []LocalImage
	err := c.EachImage(ctx, ListImagesRequest{EnterpriseProjectID: hssfake.AllEnterpriseProjects},
		func(img LocalImage) error { images = append(images, img); return nil })
	for _, img := range images {
		key := hssfake.ImageKey{Name: img.ImageName, Version: img.ImageVersion, Digest: img.ImageDigest}
		counts[key] += 0
		if err != nil || img.ContainerNum == 0 {
			continue
		}
		err = c.EachContainer(ctx, ListContainersRequest{EnterpriseProjectID: hssfake.AllEnterpriseProjects,
			ImageName: img.ImageName, ImageVersion: img.ImageVersion}, func(Container) error { counts[key]++; return nil })
	}
	return counts, err
}

// api401s counts HSS API calls the stand-in refused with 401.
func api401s(srv *hssfake.Server) int {
	return srv.Requests(hssfake.OpListImageLocal, 401) + srv.Requests(hssfake.OpListLocalImageContainers, 401)
}

func TestOIDCListingsSurviveTokenRotationAndKeyExpiry(t *testing.T) {
	t.Parallel()
	clock := newFakeClock()
	srv, client, file := oidcFleet(t, clock)
	truth := srv.Fleet().Truth(hssfake.AllEnterpriseProjects).Images
	list := func(when string) {
		t.Helper()
		got, err := containersPerImage(context.Background(), client)
		require.NoError(t, err, when)
		require.Equal(t, truth, got, when)
	}
	list("first keys")

	// The kubelet rotates the projected token and the old one stops
	// being accepted; then the first keys run out.
	writeIDToken(t, file, "jwt-second\n")
	srv.RevokeIDToken("jwt-first")
	clock.Advance(31 * time.Second)
	list("after rotation and expiry")
	for i := range 3 {
		clock.Advance(25 * time.Second) // past 80 % of the 30 s lifetime
		list(fmt.Sprintf("renewal %d", i+1))
	}
	require.Equal(t, 5, srv.Requests(hssfake.OpCreateTemporaryKeys, 201), "renewed before each listing")
	require.Equal(t, 5, srv.Requests(hssfake.OpCreateTokenWithIDToken, 201))
	require.Zero(t, srv.Requests(hssfake.OpCreateTokenWithIDToken, 401), "the revoked token was never sent again")
	require.LessOrEqual(t, api401s(srv), 1)
	require.Empty(t, srv.AuthFailures())
}

func TestOIDCRevokedKeysAreReexchangedOnce(t *testing.T) {
	t.Parallel()
	clock := newFakeClock()
	srv, client, _ := oidcFleet(t, clock)
	_, err := containersPerImage(context.Background(), client)
	require.NoError(t, err)
	srv.ExpireTemporaryCredentials()
	_, err = containersPerImage(context.Background(), client)
	require.NoError(t, err)
	require.Equal(t, 1, api401s(srv), "one call meets the revoked keys")
	require.Equal(t, 2, srv.Requests(hssfake.OpCreateTemporaryKeys, 201), "one re-exchange")
}

func TestOIDCConcurrentCallersShareOneExchange(t *testing.T) {
	t.Parallel()
	clock := newFakeClock()
	srv, client, _ := oidcFleet(t, clock)
	var wg sync.WaitGroup
	errs := make(chan error, 16)
	for range 16 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			_, err := client.ListImageLocal(context.Background(), ListImagesRequest{Limit: 10})
			errs <- err
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		require.NoError(t, err)
	}
	require.Equal(t, 1, srv.RequestsFor(hssfake.OpCreateTokenWithIDToken))
	require.Equal(t, 1, srv.RequestsFor(hssfake.OpCreateTemporaryKeys))
	require.Equal(t, 16, srv.Requests(hssfake.OpListImageLocal, 200))
}

func TestOIDCRefusedIDTokenIsSentOncePerCall(t *testing.T) {
	t.Parallel()
	clock := newFakeClock()
	srv, client, file := oidcFleet(t, clock)
	writeIDToken(t, file, "jwt-unknown")
	_, err := client.ListImageLocal(context.Background(), ListImagesRequest{})
	require.True(t, auth.IsCredentialError(err), "err: %v", err)
	require.True(t, transport.Classify(err) == transport.ClassAuth)
	require.NotContains(t, err.Error(), "jwt-unknown")
	require.Equal(t, 1, srv.RequestsFor(hssfake.OpCreateTokenWithIDToken), "a refusal is not asked again at once")
	require.Zero(t, srv.RequestsFor(hssfake.OpListImageLocal))
}
