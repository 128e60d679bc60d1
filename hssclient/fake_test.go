package hssclient_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/hss-exporter/hss_exporter/hssclient"
	"github.com/hss-exporter/hss_exporter/hssclient/hssfake"
)

// startFake serves a generated fleet with the demo credentials.
func startFake(t *testing.T, containers int) *hssfake.Server {
	t.Helper()
	fleet := hssfake.Generate(hssfake.GenerateOptions{Seed: 7, Containers: containers})
	srv, err := hssfake.Start(hssfake.DemoOptions(fleet))
	require.NoError(t, err)
	t.Cleanup(srv.Close)
	return srv
}

func fakeClient(t *testing.T, srv *hssfake.Server, auth hssclient.Authenticator, tweak func(*hssclient.Config)) *hssclient.Client {
	t.Helper()
	cfg := hssclient.Config{
		Region: hssfake.DemoRegion, ProjectID: hssfake.DemoProjectID, Endpoint: srv.URL, Auth: auth,
		RetryBaseDelay: time.Millisecond, ThrottleBaseDelay: time.Millisecond, MaxRetryDelay: 10 * time.Millisecond,
	}
	if tweak != nil {
		tweak(&cfg)
	}
	c, err := hssclient.New(cfg)
	require.NoError(t, err)
	return c
}

func demoAKSK() hssclient.Authenticator {
	return hssclient.NewAKSKAuth(hssfake.DemoAccessKey, hssfake.DemoSecretKey, "")
}

// inventory lists every image, then every image's containers, like a refresh.
func inventory(t *testing.T, c *hssclient.Client) (map[hssfake.ImageKey]int, error) {
	t.Helper()
	ctx := context.Background()
	var images []hssclient.LocalImage
	err := c.EachImage(ctx, hssclient.ListImagesRequest{EnterpriseProjectID: hssfake.AllEnterpriseProjects}, func(img hssclient.LocalImage) error {
		images = append(images, img)
		return nil
	})
	if err != nil {
		return nil, err
	}
	counts := map[hssfake.ImageKey]int{}
	for _, img := range images {
		key := hssfake.ImageKey{Name: img.ImageName, Version: img.ImageVersion, Digest: img.ImageDigest}
		counts[key] += 0
		if img.ContainerNum == 0 {
			continue
		}
		err := c.EachContainer(ctx, hssclient.ListContainersRequest{
			EnterpriseProjectID: hssfake.AllEnterpriseProjects, ImageName: img.ImageName, ImageVersion: img.ImageVersion,
		}, func(hssclient.Container) error { counts[key]++; return nil })
		if err != nil {
			return nil, err
		}
	}
	return counts, nil
}

func TestEveryAuthModeListsTheWholeFleet(t *testing.T) {
	srv := startFake(t, 600)
	truth := srv.Fleet().Truth(hssfake.AllEnterpriseProjects).Images
	auths := map[string]hssclient.Authenticator{
		"aksk": demoAKSK(),
		"iam": hssclient.NewIAMAuth(hssclient.IAMConfig{
			Endpoint: srv.URL, Domain: hssfake.DemoIAMDomain, Username: hssfake.DemoIAMUser,
			Password: hssfake.DemoIAMPassword, ProjectID: hssfake.DemoProjectID,
		}),
		"metadata": hssclient.NewMetadataAuth(hssclient.MetadataConfig{Endpoint: srv.URL}),
	}
	for name, auth := range auths {
		t.Run(name, func(t *testing.T) {
			got, err := inventory(t, fakeClient(t, srv, auth, func(c *hssclient.Config) { c.PageSize = 50 }))
			require.NoError(t, err)
			require.Equal(t, truth, got)
		})
	}
	require.Empty(t, srv.AuthFailures())
}

func TestPagingSurprisesFromTheServer(t *testing.T) {
	cases := map[string]hssfake.Faults{
		"total drifts":         {TotalDrift: 3},
		"duplicate rows":       {DuplicateRows: 4},
		"smaller page size":    {MaxLimit: 100},
		"tiny page size":       {MaxLimit: 10},
		"drift and duplicates": {TotalDrift: -2, DuplicateRows: 2},
	}
	for name, faults := range cases {
		t.Run(name, func(t *testing.T) {
			srv := startFake(t, 400)
			srv.SetFaults(faults)
			got, err := inventory(t, fakeClient(t, srv, demoAKSK(), nil))
			require.NoError(t, err)
			require.Equal(t, srv.Fleet().Truth(hssfake.AllEnterpriseProjects).Images, got)
		})
	}
}

func TestTransientFaultsAreRetried(t *testing.T) {
	cases := map[string]hssfake.Fault{
		"429 without Retry-After": {Kind: hssfake.FaultStatus, Status: 429, Times: 3},
		"429 with Retry-After":    {Kind: hssfake.FaultStatus, Status: 429, RetryAfter: "0", Times: 2},
		"500 storm":               {Kind: hssfake.FaultStatus, Status: 500, Times: 3},
		"503":                     {Kind: hssfake.FaultStatus, Status: 503, Times: 2},
		"connection reset":        {Kind: hssfake.FaultReset, Times: 2},
		"truncated body":          {Kind: hssfake.FaultTruncatedBody, Times: 2},
		"hang":                    {Kind: hssfake.FaultHang, Times: 1},
	}
	for name, fault := range cases {
		t.Run(name, func(t *testing.T) {
			srv := startFake(t, 100)
			srv.AddFault(fault)
			c := fakeClient(t, srv, demoAKSK(), func(c *hssclient.Config) { c.RequestTimeout = 300 * time.Millisecond })
			got, err := inventory(t, c)
			require.NoError(t, err)
			require.Equal(t, srv.Fleet().Truth(hssfake.AllEnterpriseProjects).Images, got)
		})
	}
}

func TestPermanentFaultsFailClearly(t *testing.T) {
	cases := map[string]struct {
		fault hssfake.Fault
		want  string
	}{
		"malformed json": {hssfake.Fault{Kind: hssfake.FaultMalformedJSON}, "malformed response"},
		"cut json":       {hssfake.Fault{Kind: hssfake.FaultCutJSON}, "malformed response"},
		"500 forever":    {hssfake.Fault{Kind: hssfake.FaultStatus, Status: 500}, "HTTP 500"},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			srv := startFake(t, 50)
			srv.AddFault(tc.fault)
			_, err := inventory(t, fakeClient(t, srv, demoAKSK(), nil))
			require.ErrorContains(t, err, tc.want)
		})
	}
}

func TestWrongSecretKeyIsTriedOnceAndNeverLeaks(t *testing.T) {
	srv := startFake(t, 50)
	const wrongSK = "wrong-secret-key-value"
	c := fakeClient(t, srv, hssclient.NewAKSKAuth(hssfake.DemoAccessKey, wrongSK, ""), nil)
	_, err := inventory(t, c)
	require.True(t, hssclient.IsAuth(err), "err: %v", err)
	require.Equal(t, 1, srv.RequestsFor(hssfake.OpListImageLocal), "no retry on a signature failure")
	require.NotContains(t, err.Error(), wrongSK)
	require.NotContains(t, err.Error(), "Signature=")
}

func TestExpiredTokenIsRefreshedOnce(t *testing.T) {
	srv := startFake(t, 100)
	c := fakeClient(t, srv, hssclient.NewIAMAuth(hssclient.IAMConfig{
		Endpoint: srv.URL, Domain: hssfake.DemoIAMDomain, Username: hssfake.DemoIAMUser,
		Password: hssfake.DemoIAMPassword, ProjectID: hssfake.DemoProjectID,
	}), nil)
	_, err := inventory(t, c)
	require.NoError(t, err)
	srv.ExpireTokens()
	got, err := inventory(t, c)
	require.NoError(t, err)
	require.Equal(t, srv.Fleet().Truth(hssfake.AllEnterpriseProjects).Images, got)
	require.Equal(t, 2, srv.RequestsFor(hssfake.OpCreateToken))
}

func TestWrongProjectAndErrorsCarryNoSecret(t *testing.T) {
	srv := startFake(t, 50)
	c, err := hssclient.New(hssclient.Config{
		Region: hssfake.DemoRegion, ProjectID: "ffffffffffffffffffffffffffffffff", Endpoint: srv.URL, Auth: demoAKSK(),
	})
	require.NoError(t, err)
	_, err = c.ListImageLocal(context.Background(), hssclient.ListImagesRequest{})
	require.True(t, hssclient.IsAuth(err), "403 is a permission failure: %v", err)
	require.False(t, strings.Contains(err.Error(), hssfake.DemoSecretKey))
}
